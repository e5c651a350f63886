//! Reading a staff list: UTF-8 with or without a byte-order mark, comma- or
//! semicolon-separated (as spreadsheets in other locales save it), RFC 4180 quoting, a header
//! row. Rows are numbered as a spreadsheet shows them (the header is row 1); blank rows are
//! skipped.

use super::model::RowError;

/// A file read into its header and rows.
#[derive(Debug)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

#[derive(Debug)]
pub struct Row {
    /// As a spreadsheet numbers it.
    pub number: usize,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell of a column, trimmed; `None` when blank or missing.
    pub fn cell(&self, column: Option<usize>) -> Option<&str> {
        let text = self.cells.get(column?)?.trim();
        (!text.is_empty()).then_some(text)
    }
}

/// Separator of the header line: the more frequent of `,`, `;` and tab outside quotes.
fn separator(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let seps = [b',', b';', b'\t'];
    let best = (0..3)
        .max_by_key(|&i| (counts[i], usize::from(i == 0)))
        .unwrap_or(0);
    seps[best]
}

/// Reads a file, or says in plain words why it cannot be read.
pub fn read(bytes: &[u8]) -> Result<Sheet, RowError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        RowError::file(
            "file",
            format!(
                "the file is not UTF-8 text (the first bad byte is at position {}): save it from your spreadsheet as \"CSV UTF-8\"",
                e.valid_up_to() + 1
            ),
        )
    })?;
    if text.trim().is_empty() {
        return Err(RowError::file(
            "file",
            "the file is empty: it needs a header row, then one row a person",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let number = index + 1;
        let record = record.map_err(|e| RowError {
            row: Some(number),
            column: None,
            field: "file".into(),
            message: format!("this row cannot be read as CSV: {e}"),
        })?;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match headers {
            None => headers = Some(cells.iter().map(|h| h.trim().to_string()).collect()),
            Some(_) => rows.push(Row { number, cells }),
        }
    }
    let headers = headers.unwrap_or_default();
    if rows.is_empty() {
        return Err(RowError::file(
            "file",
            "the file has a header row but no people under it",
        ));
    }
    Ok(Sheet { headers, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_and_semicolons_are_understood() {
        let sheet =
            read("\u{feff}Email;Name\r\na@x.org;\"Smith; Jo\"\r\n\r\nb@x.org;B\r\n".as_bytes())
                .unwrap();
        assert_eq!(sheet.headers, ["Email", "Name"]);
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[0].cells[1], "Smith; Jo");
        // The blank line is skipped but still counted, as a spreadsheet numbers rows.
        assert_eq!(sheet.rows[1].number, 3);
    }

    #[test]
    fn quoted_cells_keep_their_commas_and_line_breaks() {
        let sheet = read(b"email,full_name\n\"a@x.org\",\"Smith, Jo\"\n").unwrap();
        assert_eq!(sheet.rows[0].cells, ["a@x.org", "Smith, Jo"]);
        assert_eq!(separator("a;b,c;d"), b';');
        assert_eq!(separator("\"a;b\",c"), b',');
    }

    #[test]
    fn empty_files_headers_alone_and_other_encodings_are_refused() {
        assert!(read(b"").unwrap_err().message.contains("empty"));
        assert!(read(b" \r\n ").unwrap_err().message.contains("empty"));
        assert!(read(b"email,full_name\r\n")
            .unwrap_err()
            .message
            .contains("no people"));
        // "Zoë" saved as Windows-1252.
        let err = read(b"email,full_name\na@x.org,Zo\xEB\n").unwrap_err();
        assert!(err.message.contains("not UTF-8"), "{}", err.message);
    }

    #[test]
    fn missing_cells_are_blank() {
        let sheet = read(b"email,full_name,wte\na@x.org\n").unwrap();
        assert_eq!(sheet.rows[0].cell(Some(0)), Some("a@x.org"));
        assert_eq!(sheet.rows[0].cell(Some(2)), None);
        assert_eq!(sheet.rows[0].cell(None), None);
    }
}
