//! Cells as spreadsheets write them, read into the registry's values: roles by their codes or
//! job titles, dates as ISO or as UK spreadsheets show them, decimals with a point or a comma.

use chrono::{Datelike, NaiveDate};

use crate::auth::policy::Role;
use crate::people::Stage;

/// A value as compared: lower case, runs of anything but letters and digits as one `_`.
pub fn key(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_string()
}

/// Job titles as staff lists write them, for each practitioner role.
const ROLE_TITLES: &[(&str, &[&str])] = &[
    (
        "pwp",
        &[
            "psychological_wellbeing_practitioner",
            "low_intensity_practitioner",
        ],
    ),
    (
        "cbt_therapist",
        &[
            "cbt",
            "cbt_therapist",
            "cognitive_behavioural_therapist",
            "cognitive_behavioural_psychotherapist",
            "high_intensity_therapist",
            "high_intensity_cbt_therapist",
        ],
    ),
    (
        "counsellor",
        &[
            "counsellor",
            "counsellor_for_depression",
            "cfd_counsellor",
            "cfd",
        ],
    ),
    (
        "couple_therapist",
        &["couple_therapist", "couple_therapy_for_depression", "ctfd"],
    ),
    (
        "dit_practitioner",
        &["dit", "dit_therapist", "dynamic_interpersonal_therapist"],
    ),
    (
        "ipt_practitioner",
        &["ipt", "ipt_therapist", "interpersonal_psychotherapist"],
    ),
];

/// A practitioner role's code from its code or a job title; unknown text comes back as its
/// key for the caller to refuse against the roles the registry knows.
pub fn practitioner_role(text: &str) -> String {
    let k = key(text);
    ROLE_TITLES
        .iter()
        .find(|(_, titles)| titles.contains(&k.as_str()))
        .map(|(code, _)| code.to_string())
        .unwrap_or(k)
}

pub fn stage(text: &str) -> Result<Stage, String> {
    match key(text).as_str() {
        "trainee" | "in_training" => Ok(Stage::Trainee),
        "qualified" => Ok(Stage::Qualified),
        _ => Err("must be trainee or qualified".into()),
    }
}

/// A WTE: `0.8`, or `0,8` as semicolon-separated files write decimals.
pub fn wte(text: &str) -> Result<f64, String> {
    text.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| "must be a number such as 0.8".into())
}

/// A date written `2026-01-05` or, as UK spreadsheets show it, `05/01/2026`.
pub fn date(text: &str) -> Result<NaiveDate, String> {
    let t = text.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()
        .filter(|d| (1900..=2100).contains(&d.year()))
        .ok_or_else(|| {
            "must be a date written YYYY-MM-DD or DD/MM/YYYY, for example 2026-01-05".into()
        })
}

/// Registry roles, separated by commas, semicolons, `|`, `/` or `+`.
pub fn roles(text: &str) -> Result<Vec<Role>, String> {
    let mut out = Vec::new();
    for part in text.split([',', ';', '|', '/', '+']) {
        let k = key(part);
        if k.is_empty() {
            continue;
        }
        let role = match k.as_str() {
            "lead" | "training_lead" => Role::TrainingLead,
            "administrator" => Role::Admin,
            other => Role::parse(other).ok_or_else(|| {
                format!(
                    "{:?} is not a role: use practitioner, supervisor, training_lead or admin",
                    part.trim()
                )
            })?,
        };
        out.push(role);
    }
    Ok(out)
}

/// Text with no control characters (a tab is allowed) and no line breaks.
pub fn one_line(text: &str) -> Result<(), String> {
    if text.chars().any(|c| c.is_control() && c != '\t') {
        Err("must not contain control characters or line breaks".into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_come_from_codes_or_job_titles() {
        assert_eq!(practitioner_role("PWP"), "pwp");
        assert_eq!(
            practitioner_role("Psychological Wellbeing Practitioner"),
            "pwp"
        );
        assert_eq!(
            practitioner_role("High Intensity Therapist"),
            "cbt_therapist"
        );
        assert_eq!(practitioner_role("cbt_therapist"), "cbt_therapist");
        assert_eq!(practitioner_role("Nurse"), "nurse");
        assert_eq!(
            roles("Supervisor; Practitioner").unwrap(),
            [Role::Supervisor, Role::Practitioner]
        );
        assert_eq!(roles("training lead").unwrap(), [Role::TrainingLead]);
        assert!(roles("practitioner, boss")
            .unwrap_err()
            .contains("\"boss\""));
    }

    #[test]
    fn dates_and_numbers_as_spreadsheets_write_them() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        assert_eq!(date("2026-01-05"), Ok(d));
        assert_eq!(date("05/01/2026"), Ok(d));
        assert!(date("5 Jan 2026").is_err());
        assert!(date("2026-02-30").is_err());
        assert!(date("05/01/26").is_err());
        assert_eq!(wte("0,8"), Ok(0.8));
        assert_eq!(wte(" 1 "), Ok(1.0));
        assert!(wte("full").is_err());
        assert!(wte("NaN").is_err());
        assert_eq!(stage("Qualified"), Ok(Stage::Qualified));
        assert!(stage("senior").is_err());
    }

    #[test]
    fn control_characters_are_refused_and_formulas_are_only_text() {
        assert!(one_line("a\u{0}b").is_err());
        assert!(one_line("=cmd|' /C calc'!A0").is_ok());
    }
}
