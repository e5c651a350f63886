//! RFC 5545 iCalendar output: all-day events, text escaped (3.3.11), lines folded at 75
//! octets without splitting a character (3.1), CRLF line ends.

use chrono::{NaiveDate, NaiveDateTime};

/// One all-day event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Stable across fetches, so a calendar updates the event instead of adding another.
    pub uid: String,
    pub on: NaiveDate,
    pub summary: String,
    pub description: String,
}

/// Escapes a TEXT value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded so no physical line passes 75 octets.
pub fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn date(d: NaiveDate) -> String {
    d.format("%Y%m%d").to_string()
}

/// A whole calendar.
pub fn calendar(name: &str, events: &[Event], stamp: NaiveDateTime) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//NHS Talking Therapies registry//Due dates//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        push_line(&mut out, l);
    }
    push_line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    let stamp = stamp.format("%Y%m%dT%H%M%SZ").to_string();
    for e in events {
        push_line(&mut out, "BEGIN:VEVENT");
        push_line(&mut out, &format!("UID:{}", escape(&e.uid)));
        push_line(&mut out, &format!("DTSTAMP:{stamp}"));
        push_line(&mut out, &format!("DTSTART;VALUE=DATE:{}", date(e.on)));
        push_line(
            &mut out,
            &format!("DTEND;VALUE=DATE:{}", date(e.on.succ_opt().unwrap_or(e.on))),
        );
        push_line(&mut out, &format!("SUMMARY:{}", escape(&e.summary)));
        push_line(&mut out, &format!("DESCRIPTION:{}", escape(&e.description)));
        push_line(&mut out, "TRANSP:TRANSPARENT");
        push_line(&mut out, "END:VEVENT");
    }
    push_line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn long_lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        push_line(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }

    #[test]
    fn an_all_day_event_ends_the_next_day() {
        let stamp = NaiveDate::from_ymd_opt(2026, 11, 22)
            .and_then(|d| d.and_hms_opt(9, 30, 0))
            .unwrap();
        let cal = calendar(
            "Due dates",
            &[Event {
                uid: "x@registry".into(),
                on: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                summary: "Renewal".into(),
                description: "BABCP".into(),
            }],
            stamp,
        );
        assert!(cal.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(cal.contains("DTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101\r\n"));
        assert!(cal.contains("DTSTAMP:20261122T093000Z\r\n"));
        assert!(cal.ends_with("END:VCALENDAR\r\n"));
    }
}
