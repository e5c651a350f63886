//! The evidence pack as CSV (one file, a `section` column telling the parts apart) and as a
//! printable HTML page.

use std::fmt::Write;

use super::EvidencePack;
use crate::http::csv::push_row;
use crate::mail::escape_html as e;

const HEADER: [&str; 11] = [
    "section",
    "date",
    "description",
    "type",
    "format",
    "minutes",
    "hours",
    "person",
    "status",
    "reference",
    "detail",
];

/// A supervisor's standing in words: within the service, or their body and number.
fn registration(s: &super::PackSupervisor) -> String {
    match (&s.body, &s.registration_number, s.registration_verified) {
        (Some(b), Some(n), Some(true)) => format!("From outside the service: {b} {n}, verified"),
        (Some(b), Some(n), _) => format!("From outside the service: {b} {n}, not verified"),
        _ => "Within the service".into(),
    }
}

pub fn csv(p: &EvidencePack) -> String {
    let mut out = String::new();
    push_row(&mut out, &HEADER);
    let s = |v: &str| v.to_string();
    for x in &p.supervision.sessions {
        push_row(
            &mut out,
            &[
                s("supervision"),
                x.held_on.to_string(),
                format!("{} cases discussed", x.cases_discussed.unwrap_or(0)),
                x.supervision_type.as_str().to_string(),
                x.format.as_str().to_string(),
                x.duration_minutes.to_string(),
                super::rules::hours(i64::from(x.duration_minutes)).to_string(),
                x.supervisor_name.clone(),
                s("signed_off"),
                x.id.clone(),
                x.signed_off_at
                    .as_ref()
                    .map(crate::app::rfc3339)
                    .unwrap_or_default(),
            ],
        );
    }
    for m in &p.supervision.monthly {
        push_row(
            &mut out,
            &[
                s("supervision_month"),
                m.month.clone(),
                format!("{} sessions", m.sessions),
                String::new(),
                String::new(),
                m.minutes.to_string(),
                m.hours.to_string(),
                String::new(),
                s(if m.sessions == 0 { "none" } else { "" }),
                String::new(),
                String::new(),
            ],
        );
    }
    for x in &p.supervision.supervisors {
        push_row(
            &mut out,
            &[
                s("supervisor"),
                String::new(),
                registration(x),
                String::new(),
                String::new(),
                x.minutes.to_string(),
                super::rules::hours(x.minutes).to_string(),
                x.full_name.clone(),
                format!("{} sessions", x.sessions),
                x.id.clone(),
                x.email.clone(),
            ],
        );
    }
    for a in &p.cpd.activities {
        push_row(
            &mut out,
            &[
                s("cpd"),
                a.held_on.to_string(),
                a.title.clone(),
                a.category.clone(),
                s(if a.cbt_related { "cbt_related" } else { "" }),
                String::new(),
                a.hours.to_string(),
                String::new(),
                String::new(),
                a.id.clone(),
                a.reflective_statement.clone().unwrap_or_default(),
            ],
        );
    }
    if let Some(c) = &p.cpd.check {
        push_row(
            &mut out,
            &[
                s("cpd_check"),
                c.until.to_string(),
                format!("{} CPD rule, {} to {}", p.body.code, c.from, c.until),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                s(if c.met { "met" } else { "not_met" }),
                String::new(),
                c.missing.join("; "),
            ],
        );
    }
    for c in &p.competences {
        push_row(
            &mut out,
            &[
                s("competence"),
                c.assessed_on.to_string(),
                format!("{} {}", c.code, c.title),
                c.domain.clone(),
                c.evidence_method.as_str().to_string(),
                String::new(),
                String::new(),
                c.assessed_by_name.clone(),
                c.outcome.as_str().to_string(),
                c.competency_id.clone(),
                c.evidence.clone(),
            ],
        );
    }
    for l in &p.live_assessments {
        let a = &l.assessment;
        push_row(
            &mut out,
            &[
                s("live_assessment"),
                a.assessed_on.to_string(),
                a.intervention.clone().unwrap_or_default(),
                a.tool.clone(),
                String::new(),
                String::new(),
                String::new(),
                l.assessor_name.clone(),
                a.outcome
                    .map(|o| o.as_str().to_string())
                    .unwrap_or_else(|| "not_possible".into()),
                a.id.clone(),
                a.not_possible_reason
                    .clone()
                    .or_else(|| a.notes.clone())
                    .unwrap_or_default(),
            ],
        );
    }
    for c in &p.credentials {
        let a = &c.accreditation;
        push_row(
            &mut out,
            &[
                s("credential"),
                a.valid_from.to_string(),
                format!("{} {} until {}", a.body, a.kind, a.expires_on),
                a.kind.clone(),
                a.verification_method
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default(),
                String::new(),
                String::new(),
                c.verified_by_name.clone().unwrap_or_default(),
                a.status.as_str().to_string(),
                a.membership_number.clone(),
                a.verification_reference.clone().unwrap_or_default(),
            ],
        );
    }
    out
}

fn table(out: &mut String, head: &[&str], rows: Vec<Vec<String>>, empty: &str) {
    if rows.is_empty() {
        let _ = write!(out, "<p class=\"none\">{}</p>", e(empty));
        return;
    }
    out.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", e(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{}</td>", e(&c));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
}

const STYLE: &str = "body{font:11pt/1.4 system-ui,sans-serif;margin:2em;color:#111}\
h1{font-size:16pt}h2{font-size:13pt;margin-top:1.6em;border-bottom:1px solid #999}\
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{border:1px solid #bbb;padding:3px 6px;\
text-align:left;vertical-align:top}th{background:#eee}.none{font-style:italic}\
.warn{color:#a00}dl{display:grid;grid-template-columns:max-content auto;gap:2px 1em}\
@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}";

pub fn html(p: &EvidencePack) -> String {
    let mut o = String::new();
    let person = &p.practitioner;
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Evidence pack: {} for {}</title><style>{STYLE}</style></head><body>",
        e(&person.full_name),
        e(&p.body.code)
    );
    let _ = write!(
        o,
        "<h1>Evidence for {} re-accreditation: {}</h1><dl><dt>Practitioner</dt><dd>{} ({})</dd><dt>Service</dt><dd>{}</dd><dt>Role</dt><dd>{} {}</dd><dt>Period</dt><dd>{} to {} ({} months)</dd><dt>Generated</dt><dd>{}</dd></dl>",
        e(&p.body.name),
        e(&person.full_name),
        e(&person.full_name),
        e(&person.email),
        e(person.service_name.as_deref().unwrap_or("")),
        e(person.practitioner_role.as_deref().unwrap_or("")),
        e(person.stage.as_deref().unwrap_or("")),
        p.from,
        p.to,
        p.months,
        crate::app::rfc3339(&p.generated_at),
    );
    let sup = &p.supervision;
    let _ = write!(
        o,
        "<h2>Supervision log (countersigned)</h2><p>{} sessions, {} hours.</p>",
        sup.total_sessions, sup.total_hours
    );
    if !sup.months_without_supervision.is_empty() {
        let _ = write!(
            o,
            "<p class=\"warn\">No signed-off supervision in: {}. Explain any break and how it was remedied.</p>",
            e(&sup.months_without_supervision.join(", "))
        );
    }
    if sup.awaiting_sign_off > 0 {
        let _ = write!(
            o,
            "<p class=\"warn\">{} session(s) in the period still await the supervisor's countersignature and are not included.</p>",
            sup.awaiting_sign_off
        );
    }
    table(
        &mut o,
        &[
            "Date",
            "Type",
            "Format",
            "Minutes",
            "Cases",
            "Supervisor",
            "Countersigned",
        ],
        sup.sessions
            .iter()
            .map(|s| {
                vec![
                    s.held_on.to_string(),
                    s.supervision_type.as_str().replace('_', " "),
                    match s.group_size {
                        Some(n) => format!("{} ({n})", s.format.as_str()),
                        None => s.format.as_str().to_string(),
                    },
                    s.duration_minutes.to_string(),
                    s.cases_discussed.map(|c| c.to_string()).unwrap_or_default(),
                    s.supervisor_name.clone(),
                    s.signed_off_at
                        .as_ref()
                        .map(crate::app::rfc3339)
                        .unwrap_or_default(),
                ]
            })
            .collect(),
        "No signed-off supervision in the period.",
    );
    o.push_str("<h2>Supervisors</h2>");
    table(
        &mut o,
        &["Supervisor", "Contact", "Registration", "Sessions", "Hours"],
        sup.supervisors
            .iter()
            .map(|s| {
                vec![
                    s.full_name.clone(),
                    s.email.clone(),
                    registration(s),
                    s.sessions.to_string(),
                    super::rules::hours(s.minutes).to_string(),
                ]
            })
            .collect(),
        "No supervisor countersigned a session in the period.",
    );
    o.push_str("<h2>Supervision per month</h2>");
    table(
        &mut o,
        &["Month", "Sessions", "Minutes", "Hours"],
        sup.monthly
            .iter()
            .map(|m| {
                vec![
                    m.month.clone(),
                    m.sessions.to_string(),
                    m.minutes.to_string(),
                    m.hours.to_string(),
                ]
            })
            .collect(),
        "",
    );
    let _ = write!(
        o,
        "<h2>CPD</h2><p>{} activities, {} hours.",
        p.cpd.activities.len(),
        p.cpd.total_hours
    );
    if let Some(c) = &p.cpd.check {
        if c.met {
            let _ = write!(
                o,
                " Meets the {} CPD rule ({} to {}).",
                e(&p.body.code),
                c.from,
                c.until
            );
        } else {
            let _ = write!(
                o,
                " <span class=\"warn\">Does not yet meet the {} CPD rule ({} to {}): {}.</span>",
                e(&p.body.code),
                c.from,
                c.until,
                e(&c.missing.join("; "))
            );
        }
    }
    o.push_str("</p>");
    table(
        &mut o,
        &[
            "Date",
            "Activity",
            "Category",
            "Hours",
            "CBT-related",
            "Reflective statement",
        ],
        p.cpd
            .activities
            .iter()
            .map(|a| {
                vec![
                    a.held_on.to_string(),
                    a.title.clone(),
                    a.category.clone(),
                    a.hours.to_string(),
                    if a.cbt_related { "yes" } else { "no" }.to_string(),
                    a.reflective_statement.clone().unwrap_or_default(),
                ]
            })
            .collect(),
        "No CPD recorded in the period.",
    );
    o.push_str("<h2>Competence sign-offs</h2>");
    table(
        &mut o,
        &[
            "Assessed",
            "Competence",
            "Outcome",
            "Evidence",
            "Assessor",
            "Review due",
        ],
        p.competences
            .iter()
            .map(|c| {
                vec![
                    c.assessed_on.to_string(),
                    format!("{} {}", c.code, c.title),
                    c.outcome.as_str().replace('_', " "),
                    format!(
                        "{} ({})",
                        c.evidence,
                        c.evidence_method.as_str().replace('_', " ")
                    ),
                    c.assessed_by_name.clone(),
                    c.review_due_on.map(|d| d.to_string()).unwrap_or_default(),
                ]
            })
            .collect(),
        "No competence sign-offs in the period.",
    );
    o.push_str("<h2>Live assessments of practice</h2>");
    table(
        &mut o,
        &[
            "Assessed",
            "Intervention",
            "Outcome",
            "Tool",
            "Assessor",
            "Notes",
        ],
        p.live_assessments
            .iter()
            .map(|l| {
                let a = &l.assessment;
                vec![
                    a.assessed_on.to_string(),
                    a.intervention.clone().unwrap_or_default().replace('_', " "),
                    a.outcome
                        .map(|o| o.as_str().replace('_', " "))
                        .unwrap_or_else(|| "not possible".into()),
                    a.tool.clone(),
                    l.assessor_name.clone(),
                    a.not_possible_reason
                        .clone()
                        .or_else(|| a.notes.clone())
                        .unwrap_or_default(),
                ]
            })
            .collect(),
        "No live assessments in the period.",
    );
    let _ = write!(o, "<h2>{} credentials</h2>", e(&p.body.code));
    table(
        &mut o,
        &[
            "Kind",
            "Number",
            "Valid",
            "Status",
            "Verified by",
            "How",
            "Reference",
        ],
        p.credentials
            .iter()
            .map(|c| {
                let a = &c.accreditation;
                vec![
                    a.kind.clone(),
                    a.membership_number.clone(),
                    format!("{} to {}", a.valid_from, a.expires_on),
                    a.status.as_str().replace('_', " "),
                    match (&c.verified_by_name, &a.verified_at) {
                        (Some(n), Some(at)) => format!("{n}, {}", at.date()),
                        _ => String::new(),
                    },
                    a.verification_method
                        .map(|m| m.as_str().replace('_', " "))
                        .unwrap_or_default(),
                    a.verification_reference.clone().unwrap_or_default(),
                ]
            })
            .collect(),
        "No credentials with this body.",
    );
    o.push_str("</body></html>");
    o
}
