//! Which column gives which field: headers are matched by their usual names (any case, spaces
//! or underscores), ESR's staff extract included, or by a mapping given with the file.

use super::model::RowError;

/// A field an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Email,
    FullName,
    FirstName,
    LastName,
    PractitionerRole,
    Stage,
    Wte,
    StartedOn,
    Service,
    Roles,
    Esr,
}

/// Each field, its name in a mapping and in reports, and the headers that give it.
pub const FIELDS: &[(Field, &str, &[&str])] = &[
    (
        Field::Email,
        "email",
        &[
            "email",
            "email_address",
            "work_email",
            "e_mail",
            "primary_email_address",
            "nhs_email",
        ],
    ),
    (
        Field::FullName,
        "full_name",
        &["full_name", "name", "employee_name", "staff_name"],
    ),
    (
        Field::FirstName,
        "first_name",
        &["first_name", "forename", "forenames", "given_name"],
    ),
    (
        Field::LastName,
        "last_name",
        &["last_name", "surname", "family_name"],
    ),
    (
        Field::PractitionerRole,
        "practitioner_role",
        &["practitioner_role", "role", "job_role", "position_title"],
    ),
    (Field::Stage, "stage", &["stage"]),
    (
        Field::Wte,
        "wte",
        &[
            "wte",
            "fte",
            "whole_time_equivalent",
            "full_time_equivalent",
            "contracted_wte",
            "assignment_fte",
        ],
    ),
    (
        Field::StartedOn,
        "started_on",
        &[
            "started_on",
            "start_date",
            "assignment_start_date",
            "date_started",
            "hire_date",
        ],
    ),
    (
        Field::Service,
        "service",
        &["service", "service_id", "service_name", "team"],
    ),
    (Field::Roles, "roles", &["roles", "registry_roles"]),
    (
        Field::Esr,
        "esr_assignment_number",
        &[
            "esr_assignment_number",
            "assignment_number",
            "esr_number",
            "assignment_no",
        ],
    ),
];

/// The name of a field in reports and mappings.
pub fn name(field: Field) -> &'static str {
    FIELDS
        .iter()
        .find(|f| f.0 == field)
        .map(|f| f.1)
        .unwrap_or("file")
}

/// A header as compared: lower case, runs of anything but letters and digits as one `_`.
fn key(header: &str) -> String {
    let mut out = String::new();
    for c in header.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// The columns of a file.
#[derive(Debug)]
pub struct Columns {
    headers: Vec<String>,
    found: Vec<(Field, usize)>,
    /// Headers no field reads.
    pub ignored: Vec<String>,
}

impl Columns {
    pub fn of(&self, field: Field) -> Option<usize> {
        self.found.iter().find(|f| f.0 == field).map(|f| f.1)
    }

    #[cfg(test)]
    pub fn has(&self, field: Field) -> bool {
        self.of(field).is_some()
    }

    /// The file's header of a field's column (or the field's name, without one).
    pub fn header(&self, field: Field) -> String {
        self.of(field)
            .and_then(|i| self.headers.get(i).cloned())
            .unwrap_or_else(|| name(field).to_string())
    }
}

/// Matches headers to fields: the mapping first (registry field to the file's header), then
/// the usual names. Every problem at once: an unknown field or header in the mapping, two
/// columns giving one field, a required field no column gives.
pub fn map(headers: &[String], mapping: &[(String, String)]) -> Result<Columns, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut found: Vec<(Field, usize)> = Vec::new();
    let header_problem = |field: &str, column: Option<String>, message: String| RowError {
        row: Some(1),
        column,
        field: field.to_string(),
        message,
    };
    for (field_name, header) in mapping {
        let Some(field) = FIELDS
            .iter()
            .find(|f| f.1 == field_name.as_str())
            .map(|f| f.0)
        else {
            let names: Vec<&str> = FIELDS.iter().map(|f| f.1).collect();
            errors.push(header_problem(
                "mapping",
                None,
                format!(
                    "the mapping names {field_name:?}, which is not a field; the fields are {}",
                    names.join(", ")
                ),
            ));
            continue;
        };
        match headers.iter().position(|h| key(h) == key(header)) {
            Some(i) => found.push((field, i)),
            None => errors.push(header_problem(
                field_name,
                Some(header.clone()),
                format!("the mapping gives {field_name} from a column {header:?}, and the file has none"),
            )),
        }
    }
    for (i, header) in headers.iter().enumerate() {
        if found.iter().any(|f| f.1 == i) {
            continue;
        }
        let k = key(header);
        let Some(field) = FIELDS
            .iter()
            .find(|f| f.2.contains(&k.as_str()))
            .map(|f| f.0)
        else {
            continue;
        };
        if mapping.iter().any(|m| m.0 == name(field)) {
            continue;
        }
        if let Some(first) = found.iter().find(|f| f.0 == field) {
            errors.push(header_problem(
                name(field),
                Some(header.clone()),
                format!(
                    "two columns give {}: {:?} and {:?}; remove one, or say which with a mapping",
                    name(field),
                    headers[first.1],
                    header
                ),
            ));
            continue;
        }
        found.push((field, i));
    }
    // A field the mapping names but could not find is already reported.
    let has = |f: Field| found.iter().any(|x| x.0 == f) || mapping.iter().any(|m| m.0 == name(f));
    if !has(Field::Email) {
        errors.push(header_problem(
            "email",
            None,
            "no column gives the email address: name one \"email\", or map a column to email"
                .into(),
        ));
    }
    let named = has(Field::FullName) || (has(Field::FirstName) && has(Field::LastName));
    if !named {
        errors.push(header_problem(
            "full_name",
            None,
            "no column gives the name: name one \"full_name\" (or give \"first_name\" and \"last_name\"), or map a column to full_name".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let ignored = headers
        .iter()
        .enumerate()
        .filter(|(i, h)| !found.iter().any(|f| f.1 == *i) && !h.is_empty())
        .map(|(_, h)| h.clone())
        .collect();
    Ok(Columns {
        headers: headers.to_vec(),
        found,
        ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn usual_names_in_any_case_are_found_and_others_ignored() {
        let c = map(&headers(&["E-mail", "Full Name", "WTE", "Payroll"]), &[]).unwrap();
        assert_eq!(c.of(Field::Email), Some(0));
        assert_eq!(c.of(Field::FullName), Some(1));
        assert_eq!(c.of(Field::Wte), Some(2));
        assert_eq!(c.ignored, ["Payroll"]);
        assert_eq!(c.header(Field::Email), "E-mail");
    }

    #[test]
    fn an_esr_extract_maps_with_first_and_last_names() {
        let h = headers(&[
            "Assignment Number",
            "First Name",
            "Last Name",
            "Primary Email Address",
            "Assignment Start Date",
            "FTE",
        ]);
        let c = map(&h, &[]).unwrap();
        assert_eq!(c.of(Field::Esr), Some(0));
        assert!(c.has(Field::FirstName) && c.has(Field::LastName) && !c.has(Field::FullName));
        assert_eq!(c.of(Field::StartedOn), Some(4));
    }

    #[test]
    fn a_mapping_wins_and_its_mistakes_are_all_named() {
        let h = headers(&["Work address", "Employee", "email"]);
        let mapping = vec![
            ("email".to_string(), "Work address".to_string()),
            ("full_name".to_string(), "Employee".to_string()),
        ];
        let c = map(&h, &mapping).unwrap();
        assert_eq!(c.of(Field::Email), Some(0));
        assert_eq!(c.ignored, ["email"]);
        let bad = vec![
            ("mail".to_string(), "x".to_string()),
            ("email".to_string(), "Nope".to_string()),
        ];
        let errors = map(&h, &bad).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn required_columns_and_duplicates_are_refused() {
        let errors = map(&headers(&["wte"]), &[]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "full_name"]);
        let errors = map(&headers(&["email", "Email Address", "name"]), &[]).unwrap_err();
        assert!(errors[0].message.contains("two columns"));
    }
}
