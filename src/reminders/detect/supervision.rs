//! The scan for supervision lapses: due soon, overdue, and escalated to supervisor and lead.

use super::*;

pub(super) fn supervision(
    conn: &mut DbConn,
    today: NaiveDate,
    leads: &HashMap<String, Vec<String>>,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    let policy = load_policy(conn)?;
    let widest = policy.iter().map(|r| r.window_days).max().unwrap_or(0);
    let lookback = today - Duration::days(i64::from(widest) * 3);
    let mut after: Option<String> = None;
    loop {
        let mut q = users::table
            .filter(users::active.eq(true))
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
        let ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
        let mut items = compliance(conn, &policy, &people, today)?;
        // Logs further back, to tell when an overdue spell began.
        let rows: Vec<(String, NaiveDate, i32, SupervisionType, Format, Option<i32>)> =
            supervision_logs::table
                .filter(supervision_logs::supervisee_id.eq_any(&ids))
                .filter(supervision_logs::status.ne(LogStatus::Rejected))
                .filter(supervision_logs::held_on.gt(lookback))
                .select((
                    supervision_logs::supervisee_id,
                    supervision_logs::held_on,
                    supervision_logs::duration_minutes,
                    supervision_logs::supervision_type,
                    supervision_logs::format,
                    supervision_logs::group_size,
                ))
                .load(conn)?;
        let mut logs: HashMap<&str, Vec<LogFact>> = HashMap::new();
        for (who, held_on, minutes, t, f, size) in &rows {
            logs.entry(who.as_str()).or_default().push(LogFact {
                held_on: *held_on,
                minutes: *minutes,
                supervision_type: *t,
                format: *f,
                group_size: *size,
                status: LogStatus::SignedOff,
            });
        }
        let named: Vec<(String, String)> = supervision_logs::table
            .filter(supervision_logs::supervisee_id.eq_any(&ids))
            .filter(supervision_logs::held_on.ge(today - Duration::days(365)))
            .select((
                supervision_logs::supervisee_id,
                supervision_logs::supervisor_id,
            ))
            .distinct()
            .load(conn)?;
        for p in &people {
            let is_supervisor = roles_from_text(&p.roles).contains(&Role::Supervisor);
            for item in items.remove(&p.id).unwrap_or_default() {
                let label = kind_label(item.supervision_type);
                let t = item.supervision_type.as_str();
                match item.status {
                    ComplianceStatus::DueSoon => out.push(Lapse {
                        recipient_id: p.id.clone(),
                        key: format!("supervision_due_soon:{t}:{}", item.next_due_on),
                        kind: Kind::SupervisionDueSoon,
                        subject_id: Some(p.id.clone()),
                        summary: format!("Your {label} is due by {}", uk_date(item.next_due_on)),
                        due_on: Some(item.next_due_on),
                        link: links::compliance(&p.id),
                    }),
                    ComplianceStatus::Overdue => {
                        let rule = crate::supervision::rows_for(
                            &policy,
                            p.service_id.as_deref(),
                            p.practitioner_role.as_deref(),
                            p.stage.as_deref(),
                            is_supervisor,
                        )
                        .into_iter()
                        .map(|r| r.rule())
                        .find(|r| r.supervision_type == item.supervision_type);
                        let Some(rule) = rule else { continue };
                        let since = overdue_since(
                            &rule,
                            p.wte.unwrap_or(1.0),
                            p.started_on,
                            logs.get(p.id.as_str()).map(Vec::as_slice).unwrap_or(&[]),
                            today,
                        );
                        out.push(Lapse {
                            recipient_id: p.id.clone(),
                            key: format!("supervision_overdue:{t}:{since}"),
                            kind: Kind::SupervisionOverdue,
                            subject_id: Some(p.id.clone()),
                            summary: format!(
                                "Your {label} is overdue: {} of {} minutes in the last {} days",
                                item.achieved_minutes, item.required_minutes, item.window_days
                            ),
                            due_on: Some(since),
                            link: links::compliance(&p.id),
                        });
                        if today - since >= Duration::days(ESCALATE_AFTER_DAYS) {
                            let mut to: Vec<&String> = named
                                .iter()
                                .filter(|(who, _)| *who == p.id)
                                .map(|(_, sup)| sup)
                                .collect();
                            if let Some(service) = &p.service_id {
                                to.extend(leads.get(service).into_iter().flatten());
                            }
                            let mut seen = HashSet::new();
                            for r in to
                                .into_iter()
                                .filter(|r| **r != p.id && seen.insert(r.as_str()))
                            {
                                out.push(Lapse {
                                    recipient_id: r.clone(),
                                    key: format!("supervision_escalated:{}:{t}:{since}", p.id),
                                    kind: Kind::SupervisionEscalated,
                                    subject_id: Some(p.id.clone()),
                                    summary: format!(
                                        "{}'s {} has been overdue since {}",
                                        p.full_name,
                                        label.replace("your ", "their "),
                                        uk_date(since)
                                    ),
                                    due_on: Some(since),
                                    link: links::compliance(&p.id),
                                });
                            }
                        }
                    }
                    ComplianceStatus::Compliant => {}
                }
            }
        }
    }
    Ok(())
}
