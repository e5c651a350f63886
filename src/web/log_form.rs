//! The supervision session form, for recording a session and changing one: its fields as
//! typed, read into the API's input (every field that cannot be read named at once), and the
//! page that shows it with each message beside its field.

use askama::Template;
use chrono::NaiveDate;

use super::fields::{message_for, shown, Shown};
use super::page::Chrome;
use super::session::{Form, Signed};
use crate::error::FieldError;
use crate::supervision::desk::Choice;
use crate::supervision::rules::{Format, SupervisionType};
use crate::supervision::LogView;

pub const LABELS: &[(&str, &str)] = &[
    ("supervisor_id", "Supervisor"),
    ("held_on", "Date of the session"),
    ("duration_minutes", "Length of the session"),
    ("supervision_type", "Type of supervision"),
    ("format", "Format"),
    ("group_size", "Number of people in the group"),
    ("cases_discussed", "Cases discussed"),
    ("notes", "Notes"),
];

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct Ineligible {
    pub name: String,
    pub reasons: String,
}

/// The form as typed, to show again.
#[derive(Default, Clone)]
pub struct Values {
    pub supervisor_id: String,
    pub held_on: String,
    pub duration_minutes: String,
    pub supervision_type: String,
    pub format: String,
    pub group_size: String,
    pub cases_discussed: String,
    pub notes: String,
}

impl Values {
    pub fn from_form(f: &Form) -> Values {
        Values {
            supervisor_id: f.raw("supervisor_id"),
            held_on: f.raw("held_on"),
            duration_minutes: f.raw("duration_minutes"),
            supervision_type: f.raw("supervision_type"),
            format: f.raw("format"),
            group_size: f.raw("group_size"),
            cases_discussed: f.raw("cases_discussed"),
            notes: f.raw("notes"),
        }
    }

    pub fn from_log(v: &LogView) -> Values {
        let l = &v.log;
        Values {
            supervisor_id: l.supervisor_id.clone(),
            held_on: l.held_on.to_string(),
            duration_minutes: l.duration_minutes.to_string(),
            supervision_type: l.supervision_type.as_str().into(),
            format: l.format.as_str().into(),
            group_size: l.group_size.map(|n| n.to_string()).unwrap_or_default(),
            cases_discussed: l.cases_discussed.map(|n| n.to_string()).unwrap_or_default(),
            notes: l.notes.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "web/log_form.html")]
pub struct LogFormPage {
    chrome: Chrome,
    errors: Vec<Shown>,
    action: String,
    button: &'static str,
    v: Values,
    supervisors: Vec<Opt>,
    ineligible: Vec<Ineligible>,
    types: Vec<Opt>,
    individual: bool,
    group: bool,
}

impl LogFormPage {
    fn error(&self, field: &str) -> Option<&str> {
        message_for(&self.errors, field)
    }
}

pub fn form_page(
    signed: &Signed,
    title: &str,
    action: String,
    button: &'static str,
    v: Values,
    choices: Vec<Choice>,
    errors: Vec<FieldError>,
) -> LogFormPage {
    let mut supervisors = vec![Opt {
        value: String::new(),
        label: "Choose your supervisor".into(),
        selected: v.supervisor_id.is_empty(),
    }];
    let mut ineligible = Vec::new();
    for c in choices {
        if c.missing.is_empty() || c.id == v.supervisor_id {
            supervisors.push(Opt {
                selected: c.id == v.supervisor_id,
                label: c.full_name.clone(),
                value: c.id.clone(),
            });
        }
        if !c.missing.is_empty() {
            ineligible.push(Ineligible {
                name: c.full_name,
                reasons: c.missing.join("; "),
            });
        }
    }
    let types = SupervisionType::ALL
        .iter()
        .map(|t| Opt {
            value: t.as_str().into(),
            label: t.words().into(),
            selected: v.supervision_type == t.as_str(),
        })
        .collect();
    LogFormPage {
        chrome: Chrome::signed_in(&signed.caller, &signed.csrf, title, "/supervision/new"),
        errors: shown(&errors, LABELS),
        action,
        button,
        individual: v.format.is_empty() || v.format == Format::Individual.as_str(),
        group: v.format == Format::Group.as_str(),
        v,
        supervisors,
        ineligible,
        types,
    }
}

/// The typed form as the API's input, or every field that could not be read.
pub struct Parsed {
    pub held_on: Option<NaiveDate>,
    pub duration: Option<i32>,
    pub kind: Option<SupervisionType>,
    pub format: Option<Format>,
    pub group_size: Option<i32>,
    pub cases: Option<i32>,
    pub errors: Vec<FieldError>,
}

fn whole(f: &Form, field: &str, errors: &mut Vec<FieldError>) -> Option<i32> {
    let v = f.get(field)?;
    match v.parse() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(field, "must be a whole number"));
            None
        }
    }
}

/// A date as a date field sends it (2026-12-01), or as people type it (1/12/2026).
pub fn day(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y"))
        .ok()
}

pub fn parse(f: &Form, all_required: bool) -> Parsed {
    let mut errors = Vec::new();
    let need = |field: &str, errors: &mut Vec<FieldError>, what: &str| {
        if all_required && f.get(field).is_none() {
            errors.push(FieldError::new(field, what));
        }
    };
    need("supervisor_id", &mut errors, "choose your supervisor");
    let held_on = match f.get("held_on") {
        Some(v) => day(v).or_else(|| {
            errors.push(FieldError::new(
                "held_on",
                "must be a real date, like 28 11 2026",
            ));
            None
        }),
        None => {
            need("held_on", &mut errors, "enter the date of the session");
            None
        }
    };
    need(
        "duration_minutes",
        &mut errors,
        "enter how many minutes the session took",
    );
    let duration = whole(f, "duration_minutes", &mut errors);
    let kind = match f.get("supervision_type") {
        Some(v) => SupervisionType::parse(v).or_else(|| {
            errors.push(FieldError::new(
                "supervision_type",
                "choose a type of supervision",
            ));
            None
        }),
        None => {
            need(
                "supervision_type",
                &mut errors,
                "choose a type of supervision",
            );
            None
        }
    };
    let format = match f.get("format") {
        Some(v) => Format::parse(v).or_else(|| {
            errors.push(FieldError::new("format", "choose one to one or group"));
            None
        }),
        None => {
            need("format", &mut errors, "choose one to one or group");
            None
        }
    };
    // A one-to-one session has no group size, whatever the hidden-by-layout field still holds.
    let group_size = match format {
        Some(Format::Individual) => None,
        _ => whole(f, "group_size", &mut errors),
    };
    let cases = whole(f, "cases_discussed", &mut errors);
    Parsed {
        held_on,
        duration,
        kind,
        format,
        group_size,
        cases,
        errors,
    }
}

pub fn notes(f: &Form) -> Option<String> {
    f.get("notes").map(str::to_string)
}
