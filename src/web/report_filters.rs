//! The report pages' filters: their choices (fixed, or read from the reference data) and the
//! one a page was asked for.

use crate::app::AppState;
use crate::error::AppError;

/// A filter's choices: (value, words).
pub struct Filter {
    pub name: &'static str,
    pub label: &'static str,
    pub chosen: String,
    pub choices: Vec<(String, String)>,
}

pub const STATUSES: &[(&str, &str)] = &[
    ("compliant", "Compliant"),
    ("due_soon", "Due soon"),
    ("overdue", "Overdue"),
];
pub const CREDENTIALS: &[(&str, &str)] = &[
    ("pending_verification", "Waiting for a check"),
    ("active", "Active"),
    ("expiring", "Expiring within 90 days"),
    ("expired", "Expired"),
];
pub const STATES: &[(&str, &str)] = &[
    ("met", "Met"),
    ("not_yet_met", "Not yet met"),
    ("review_overdue", "Review overdue"),
];

pub fn filter(
    name: &'static str,
    label: &'static str,
    chosen: &Option<String>,
    choices: &'static [(&'static str, &'static str)],
) -> Filter {
    choose(
        name,
        label,
        chosen,
        choices
            .iter()
            .map(|(v, w)| (v.to_string(), w.to_string()))
            .collect(),
    )
}

pub fn choose(
    name: &'static str,
    label: &'static str,
    chosen: &Option<String>,
    choices: Vec<(String, String)>,
) -> Filter {
    Filter {
        name,
        label,
        chosen: chosen.clone().unwrap_or_default(),
        choices,
    }
}

/// The reference data the reports' filters choose from: roles, bodies, credential kinds and
/// frameworks, as (code, words).
pub type Choices = [Vec<(String, String)>; 4];

pub async fn choices(state: &AppState) -> Result<Choices, AppError> {
    state
        .db(|conn| {
            let roles = crate::supervision::queries::practitioner_roles(conn)?
                .into_iter()
                .map(|r| (r.clone(), r.replace('_', " ")))
                .collect();
            let bodies = crate::reference::queries::bodies(conn)?
                .into_iter()
                .map(|b| (b.code, b.name))
                .collect();
            let kinds = crate::accreditation::kinds::list_kinds(conn, None)?
                .into_iter()
                .map(|k| (k.code, format!("{} ({})", k.name, k.body_code)))
                .collect();
            let frameworks = crate::competences::list_frameworks(conn)?
                .into_iter()
                .map(|f| (f.framework.id, f.framework.title))
                .collect();
            Ok([roles, bodies, kinds, frameworks])
        })
        .await
}
