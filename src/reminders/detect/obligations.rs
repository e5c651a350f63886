//! The scans for what the bodies ask all year: live assessments due soon or overdue (escalated
//! to the person's supervisors and lead, as supervision is), and bodies' audits at a reminder
//! offset before their deadline or past it. Both pause for nobody: an audit's deadline is the
//! body's; live assessments pause while the person is on leave.

use super::supervision::Escalation;
use super::*;
use crate::supervision::live::{of_subjects, overdue_since};

pub(super) fn live_assessments(
    conn: &mut DbConn,
    today: NaiveDate,
    leads: &HashMap<String, Vec<String>>,
    limits: &Thresholds,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    let escalate_after = limits.days(Threshold::EscalateAfterDays)?;
    let notice = limits.days(Threshold::LiveAssessmentNoticeDays)?;
    let roles: Vec<String> = crate::live_assessments::queries::rules(conn)?
        .into_iter()
        .map(|r| r.practitioner_role)
        .collect();
    let mut after: Option<String> = None;
    loop {
        let mut q = users::table
            .filter(users::active.eq(true))
            .filter(users::practitioner_role.eq_any(roles.clone()))
            .select(SUBJECT_COLUMNS)
            .order(users::id.asc())
            .limit(BATCH)
            .into_boxed();
        if let Some(a) = &after {
            q = q.filter(users::id.gt(a.clone()));
        }
        let people: Vec<Subject> = q.load(conn)?;
        let Some(last) = people.last() else { break };
        after = Some(last.id.clone());
        let verdicts = of_subjects(conn, &people, today)?;
        let mut escalated: Vec<Escalation> = Vec::new();
        for p in &people {
            let Some((c, rule, facts)) = verdicts.get(&p.id) else {
                continue;
            };
            match c.status {
                // A new starter is `due_soon` all their first year: told only within the notice.
                ComplianceStatus::DueSoon if (c.next_due_on - today).num_days() > notice => {}
                ComplianceStatus::DueSoon => out.push(Lapse {
                    recipient_id: p.id.clone(),
                    key: format!("live_assessment_due_soon:{}", c.next_due_on),
                    kind: Kind::LiveAssessmentDueSoon,
                    subject_id: Some(p.id.clone()),
                    summary: format!(
                        "Your live assessments of practice are due by {}: {} of {} on {} of {} interventions in the last {} days",
                        uk_date(c.next_due_on), c.achieved, c.required, c.distinct_interventions,
                        c.required_interventions, c.window_days
                    ),
                    due_on: Some(c.next_due_on),
                    link: links::own_compliance(),
                }),
                ComplianceStatus::Overdue => {
                    let since = overdue_since(rule, p.started_on, facts, today);
                    out.push(Lapse {
                        recipient_id: p.id.clone(),
                        key: format!("live_assessment_overdue:{since}"),
                        kind: Kind::LiveAssessmentOverdue,
                        subject_id: Some(p.id.clone()),
                        summary: format!(
                            "Your live assessments of practice are overdue: {} of {} on {} of {} interventions in the last {} days",
                            c.achieved, c.required, c.distinct_interventions,
                            c.required_interventions, c.window_days
                        ),
                        due_on: Some(since),
                        link: links::own_compliance(),
                    });
                    if today - since >= Duration::days(escalate_after) {
                        escalated.push(Escalation {
                            person: p,
                            key: format!("live_assessment_escalated:{}:{since}", p.id),
                            kind: Kind::LiveAssessmentEscalated,
                            summary: format!(
                                "{}'s live assessments of practice have been overdue since {}",
                                p.full_name,
                                uk_date(since)
                            ),
                            since,
                            link: links::live_assessments(&p.id),
                        });
                    }
                }
                ComplianceStatus::Compliant | ComplianceStatus::OnLeave => {}
            }
        }
        super::supervision::escalate(conn, &escalated, &HashMap::new(), leads, today, out)?;
    }
    Ok(())
}

pub(super) fn body_audits(
    conn: &mut DbConn,
    today: NaiveDate,
    leads: &HashMap<String, Vec<String>>,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    let offsets: HashMap<String, Vec<i64>> = crate::body_audits::queries::rules(conn)?
        .into_iter()
        .map(|r| {
            let o = r
                .reminder_offsets
                .split(',')
                .filter_map(|x| x.trim().parse().ok())
                .collect();
            (r.body_code, o)
        })
        .collect();
    for (a, service, name) in crate::body_audits::queries::open_audits(conn)? {
        let stages = offsets.get(&a.body_code).cloned().unwrap_or_default();
        let on = uk_date(a.due_on);
        match credential_stage(a.due_on, &stages, today) {
            Some(None) => {
                let key = format!("body_audit:{}:overdue", a.id);
                out.push(Lapse {
                    recipient_id: a.practitioner_id.clone(),
                    key: key.clone(),
                    kind: Kind::BodyAuditDue,
                    subject_id: Some(a.practitioner_id.clone()),
                    summary: format!(
                        "Your {} audit was due on {on} and is not marked sent",
                        a.body_code
                    ),
                    due_on: Some(a.due_on),
                    link: links::body_audits(&a.practitioner_id),
                });
                for lead in service
                    .as_ref()
                    .and_then(|s| leads.get(s))
                    .into_iter()
                    .flatten()
                {
                    if *lead != a.practitioner_id {
                        out.push(Lapse {
                            recipient_id: lead.clone(),
                            key: key.clone(),
                            kind: Kind::BodyAuditDue,
                            subject_id: Some(a.practitioner_id.clone()),
                            summary: format!(
                                "{name}'s {} audit was due on {on} and is not marked sent",
                                a.body_code
                            ),
                            due_on: Some(a.due_on),
                            link: links::body_audits(&a.practitioner_id),
                        });
                    }
                }
            }
            Some(Some(stage)) => out.push(Lapse {
                recipient_id: a.practitioner_id.clone(),
                key: format!("body_audit:{}:{stage}", a.id),
                kind: Kind::BodyAuditDue,
                subject_id: Some(a.practitioner_id.clone()),
                summary: format!(
                    "Your {} audit is due on {on}: {} days left",
                    a.body_code,
                    (a.due_on - today).num_days()
                ),
                due_on: Some(a.due_on),
                link: links::body_audits(&a.practitioner_id),
            }),
            None => {}
        }
    }
    Ok(())
}
