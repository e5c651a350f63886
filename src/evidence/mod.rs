//! Evidence packs for re-accreditation: what a body's audit asks for over a period (BABCP and
//! BACP ask for the previous 12 months): every signed-off supervision session with totals per
//! month, CPD activities with their reflective statements checked against the body's CPD rule,
//! competence sign-offs, and credentials with who verified them. JSON, CSV or printable HTML.

pub mod model;
pub mod queries;
pub mod render;
pub mod routes;
pub mod rules;

use std::collections::HashSet;

use chrono::{Months, NaiveDateTime};

use crate::accreditation::cpd::{facts, load_rules, rule_for};
use crate::accreditation::credentials::with_cpd;
use crate::accreditation::rules::cpd_check;
use crate::db::DbConn;
use crate::error::AppError;
use crate::supervision::rules::LogStatus;
pub use model::*;
pub use routes::routes;
use rules::monthly;

/// Who supervised these sessions, with their contact details and, for one from outside the
/// service, their registration: two queries.
fn supervisors_of(
    conn: &mut DbConn,
    sessions: &[Session],
) -> Result<Vec<PackSupervisor>, AppError> {
    let mut totals: std::collections::BTreeMap<&str, (i64, i64)> = Default::default();
    for s in sessions {
        let t = totals.entry(s.supervisor_id.as_str()).or_default();
        t.0 += 1;
        t.1 += i64::from(s.duration_minutes);
    }
    let ids: Vec<String> = totals.keys().map(|k| k.to_string()).collect();
    let contacts = queries::contacts(conn, &ids)?;
    let registrations = crate::external::queries::registrations(conn, &ids)?;
    let mut out: Vec<PackSupervisor> = totals
        .into_iter()
        .map(|(id, (sessions, minutes))| {
            let (full_name, email) = contacts.get(id).cloned().unwrap_or_default();
            let reg = registrations.get(id);
            PackSupervisor {
                id: id.to_string(),
                full_name,
                email,
                external: reg.is_some(),
                body: reg.map(|r| r.body_code.clone()),
                registration_number: reg.map(|r| r.registration_number.clone()),
                registration_verified: reg.map(|r| r.verified_at.is_some()),
                sessions,
                minutes,
            }
        })
        .collect();
    out.sort_by(|a, b| (&a.full_name, &a.id).cmp(&(&b.full_name, &b.id)));
    Ok(out)
}

/// The pack for one person over the last `months`, in a fixed number of queries (a dozen),
/// whatever the period; 404 for anyone the caller may not see.
pub fn evidence_pack(
    conn: &mut DbConn,
    caller: &crate::auth::policy::Caller,
    id: &str,
    q: &PackQuery,
    now: NaiveDateTime,
) -> Result<EvidencePack, AppError> {
    if q.months.is_some_and(|m| !(1..=60).contains(&m)) {
        return Err(AppError::invalid("months", "must be 1 to 60"));
    }
    let today = now.date();
    let person = queries::person(conn, id)?.ok_or(AppError::NotFound)?;
    let months = q.months.unwrap_or(12);
    let to = today;
    // Inclusive at both ends: a session held exactly `months` ago is in the pack.
    let from = to
        .checked_sub_months(Months::new(months))
        .ok_or_else(|| AppError::invalid("months", "is out of range"))?;
    if !crate::supervision::may_view_compliance(conn, caller, id, person.3.as_deref(), today)? {
        return Err(AppError::NotFound);
    }
    let body_code = match (&q.body, &person.8) {
        (Some(b), _) => b.clone(),
        (None, Some(b)) => b.clone(),
        (None, None) => {
            return Err(AppError::invalid(
                "body",
                "is needed for a person without a practitioner role",
            ))
        }
    };
    let body = queries::body(conn, &body_code)?
        .ok_or_else(|| AppError::invalid("body", "must be one of BPS, BABCP, BACP, BPC, IPTUK"))?;

    let logs = queries::sessions(conn, id, from, to)?;
    let awaiting_sign_off = logs
        .iter()
        .filter(|(_, s)| *s == LogStatus::Submitted)
        .count() as i64;
    let signed: Vec<SessionRow> = logs
        .into_iter()
        .filter(|(_, s)| *s == LogStatus::SignedOff)
        .map(|(r, _)| r)
        .collect();

    let activities = queries::activities(conn, id, from, to)?;

    let sign_offs = queries::sign_offs(conn, id, from, to)?;

    let credential_rows = queries::credentials(conn, id, &body.code)?;
    let credentials = with_cpd(conn, credential_rows, today)?;

    let rules = load_rules(conn)?;
    let latest_kind = credentials
        .last()
        .map(|c| c.kind.clone())
        .unwrap_or_default();
    let rule = rule_for(&rules, &body.code, &latest_kind).cloned();
    let check = match &rule {
        Some(r) => {
            let since = to
                .checked_sub_months(Months::new(r.period_months.max(0) as u32))
                .unwrap_or(to);
            let f: Vec<_> = facts(conn, &[id], since)?
                .into_iter()
                .map(|(_, f)| f)
                .collect();
            Some(cpd_check(r, &f, to))
        }
        None => None,
    };

    let live = crate::live_assessments::queries::between(conn, id, from, to)?;

    let mut ids: HashSet<String> = signed.iter().map(|s| s.7.clone()).collect();
    ids.extend(live.iter().map(|a| a.assessor_id.clone()));
    ids.extend(sign_offs.iter().map(|s| s.7.clone()));
    ids.extend(credentials.iter().filter_map(|c| c.verified_by.clone()));
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let who = crate::db::names::people(conn, &ids)?;
    let name_of = |id: &str| who.get(id).cloned().unwrap_or_default();

    let sessions: Vec<Session> = signed
        .into_iter()
        .map(
            |(id, held_on, minutes, kind, format, group_size, cases, supervisor_id, reviewed)| {
                Session {
                    supervisor_name: name_of(&supervisor_id),
                    id,
                    held_on,
                    duration_minutes: minutes,
                    supervision_type: kind,
                    format,
                    group_size,
                    cases_discussed: cases,
                    supervisor_id,
                    signed_off_at: reviewed,
                }
            },
        )
        .collect();
    let supervisors = supervisors_of(conn, &sessions)?;
    let month_totals = monthly(
        from,
        to,
        sessions
            .iter()
            .map(|s| (s.held_on, i64::from(s.duration_minutes))),
    );
    let total_minutes: i64 = sessions.iter().map(|s| i64::from(s.duration_minutes)).sum();
    Ok(EvidencePack {
        practitioner: PackPerson {
            id: person.0,
            full_name: person.1,
            email: person.2,
            service_id: person.3,
            service_name: person.4,
            practitioner_role: person.5,
            stage: person.6,
            modality: person.7,
        },
        body,
        from,
        to,
        months,
        generated_at: now,
        supervision: SupervisionSection {
            total_sessions: sessions.len() as i64,
            total_minutes,
            total_hours: rules::hours(total_minutes),
            months_without_supervision: month_totals
                .iter()
                .filter(|m| m.sessions == 0)
                .map(|m| m.month.clone())
                .collect(),
            monthly: month_totals,
            sessions,
            awaiting_sign_off,
            supervisors,
        },
        cpd: CpdSection {
            total_hours: (activities.iter().map(|a| a.hours).sum::<f64>() * 100.0).round() / 100.0,
            activities,
            rule: rule.map(|r| CpdRuleView {
                min_activities: r.min_activities,
                reflection_required: r.reflection_required,
                min_cbt_related: r.min_cbt_related,
                min_cbt_hours: r.min_cbt_hours,
                period_months: r.period_months,
            }),
            check,
        },
        competences: sign_offs
            .into_iter()
            .map(
                |(
                    competency_id,
                    code,
                    title,
                    domain,
                    outcome,
                    evidence,
                    method,
                    by,
                    on,
                    review,
                )| {
                    SignOff {
                        assessed_by_name: name_of(&by),
                        competency_id,
                        code,
                        title,
                        domain,
                        outcome,
                        evidence,
                        evidence_method: method,
                        assessed_by: by,
                        assessed_on: on,
                        review_due_on: review,
                    }
                },
            )
            .collect(),
        credentials: credentials
            .into_iter()
            .map(|a| Credential {
                verified_by_name: a.verified_by.as_deref().map(name_of),
                accreditation: a,
            })
            .collect(),
        live_assessments: live
            .into_iter()
            .map(|a| PackLiveAssessment {
                assessor_name: name_of(&a.assessor_id),
                assessment: a,
            })
            .collect(),
    })
}
