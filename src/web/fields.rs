//! Field errors as a page shows them: in the summary at the top, linking to the field, and
//! beside the field. The messages are the API's own, put after the field's label where they
//! read on from it ("Date of the session cannot be in the future").

use crate::error::FieldError;

/// One message as shown: the id of the field it is about, and the sentence.
#[derive(Debug, Clone)]
pub struct Shown {
    pub anchor: String,
    pub text: String,
}

/// The page's messages for these errors; `labels` names each field as its form does.
pub fn shown(errors: &[FieldError], labels: &[(&str, &str)]) -> Vec<Shown> {
    errors
        .iter()
        .map(|e| {
            let label = labels.iter().find(|(f, _)| *f == e.field).map(|(_, l)| *l);
            let reads_on = ["must ", "is ", "cannot ", "applies ", "names "]
                .iter()
                .any(|p| e.message.starts_with(p));
            let text = match label {
                Some(l) if reads_on => format!("{l} {}", e.message),
                _ => super::error::sentence(&e.message)
                    .trim_end_matches('.')
                    .to_string(),
            };
            Shown {
                anchor: labels
                    .iter()
                    .find(|(f, _)| *f == e.field)
                    .map(|(f, _)| f.to_string())
                    .unwrap_or_else(|| {
                        labels
                            .first()
                            .map(|(f, _)| f.to_string())
                            .unwrap_or_default()
                    }),
                text,
            }
        })
        .collect()
}

/// The message for one field, if any (beside the field).
pub fn message_for<'a>(shown: &'a [Shown], field: &str) -> Option<&'a str> {
    shown
        .iter()
        .find(|s| s.anchor == field)
        .map(|s| s.text.as_str())
}

/// A form as a page shows it: what was typed and every message, each by its field.
pub struct FormView {
    pub errors: Vec<Shown>,
    values: super::session::Form,
}

impl FormView {
    pub fn empty() -> FormView {
        FormView {
            errors: Vec::new(),
            values: Default::default(),
        }
    }

    pub fn again(
        values: super::session::Form,
        errors: &[FieldError],
        labels: &[(&str, &str)],
    ) -> FormView {
        FormView {
            errors: shown(errors, labels),
            values,
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        message_for(&self.errors, field)
    }

    pub fn value(&self, field: &str) -> String {
        self.values.raw(field)
    }

    pub fn is(&self, field: &str, value: &str) -> bool {
        self.values.raw(field) == value
    }

    /// The ids a field's `aria-describedby` names: its hint and its message, when shown.
    pub fn described(&self, field: &str, hint: &str) -> String {
        let mut ids = Vec::new();
        if !hint.is_empty() {
            ids.push(format!("{field}-hint"));
        }
        if self.error(field).is_some() {
            ids.push(format!("{field}-error"));
        }
        ids.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reads_on_from_its_label_or_stands_alone() {
        let s = shown(
            &[
                FieldError::new("held_on", "cannot be in the future"),
                FieldError::new("supervisor_id", "this supervisor is deactivated"),
            ],
            &[
                ("supervisor_id", "Supervisor"),
                ("held_on", "Date of the session"),
            ],
        );
        assert_eq!(s[0].text, "Date of the session cannot be in the future");
        assert_eq!(s[0].anchor, "held_on");
        assert_eq!(s[1].text, "This supervisor is deactivated");
        assert_eq!(
            message_for(&s, "supervisor_id"),
            Some("This supervisor is deactivated")
        );
    }
}
