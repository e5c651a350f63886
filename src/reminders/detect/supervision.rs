//! The scan for supervision lapses: due soon, overdue, and escalated to supervisor and lead.

use super::*;
use crate::supervision::queries::LogFactRow;

/// People evaluated at a time.
const PEOPLE_PER_BATCH: i64 = 500;

pub(super) fn supervision(
    conn: &mut DbConn,
    today: NaiveDate,
    leads: &HashMap<String, Vec<String>>,
    escalate_after_days: i64,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    let policy = load_policy(conn)?;
    let widest = policy.iter().map(|r| r.window_days).max().unwrap_or(0);
    let lookback = today - Duration::days(i64::from(widest) * 3);
    // On PostgreSQL everyone's logs of the lookback are read at once: its planner reads the
    // whole window by the `held_on` index to find one batch's people, which a read a batch
    // would repeat twenty times at 10,000 people. SQLite reads a batch's by the person index.
    let mut by_person: Option<HashMap<String, Vec<LogFactRow>>> = None;
    if matches!(conn, DbConn::Postgresql(_)) {
        let mut all: HashMap<String, Vec<LogFactRow>> = HashMap::new();
        for row in crate::supervision::queries::window_facts(conn, None, lookback, today)? {
            all.entry(row.0.clone()).or_default().push(row);
        }
        by_person = Some(all);
    }
    let mut after: Option<String> = None;
    loop {
        let mut q = users::table
            .filter(users::active.eq(true))
            .select(SUBJECT_COLUMNS)
            .order(users::id.asc())
            .limit(PEOPLE_PER_BATCH)
            .into_boxed();
        if let Some(a) = &after {
            q = q.filter(users::id.gt(a.clone()));
        }
        let people: Vec<Subject> = q.load(conn)?;
        let Some(last) = people.last() else { break };
        after = Some(last.id.clone());
        // Each person's logs back to `lookback`: the policy's widest window of them gives
        // compliance (the scan needs no last session before it), all of them tell when an
        // overdue spell began.
        let rows: Vec<LogFactRow> = match &mut by_person {
            Some(all) => people
                .iter()
                .flat_map(|p| all.remove(&p.id).unwrap_or_default())
                .collect(),
            None => {
                let ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
                crate::supervision::queries::window_facts(conn, Some(&ids), lookback, today)?
            }
        };
        let window_start = today - Duration::days(i64::from(widest));
        let mut window: HashMap<&str, Vec<LogFact>> = HashMap::new();
        let mut logs: HashMap<&str, Vec<LogFact>> = HashMap::new();
        let mut recent: HashMap<&str, Vec<&str>> = HashMap::new();
        for (who, held_on, minutes, t, f, size, status, supervisor) in &rows {
            let named = recent.entry(who.as_str()).or_default();
            if !named.contains(&supervisor.as_str()) {
                named.push(supervisor);
            }
            let fact = LogFact {
                held_on: *held_on,
                minutes: *minutes,
                supervision_type: *t,
                format: *f,
                group_size: *size,
                status: *status,
            };
            if *held_on > window_start {
                window.entry(who.as_str()).or_default().push(fact.clone());
            }
            // Any session not rejected counts towards when a spell began.
            logs.entry(who.as_str()).or_default().push(LogFact {
                status: LogStatus::SignedOff,
                ..fact
            });
        }
        // Reminders pause while a person is on leave.
        let ids: Vec<&str> = people.iter().map(|p| p.id.as_str()).collect();
        let on_leave = crate::accreditation::declarations::people_on_leave(conn, &ids, today)?;
        let mut items =
            crate::supervision::compliance_from(&policy, &people, &window, None, &on_leave, today);
        // Overdue spells a week old, told to the person's supervisors and lead too.
        let mut escalated: Vec<Escalation> = Vec::new();
        for p in &people {
            let is_supervisor = roles_from_text(&p.roles).contains(&Role::Supervisor);
            if on_leave.contains(&p.id) {
                continue;
            }
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
                        link: links::own_compliance(),
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
                            link: links::own_compliance(),
                        });
                        if today - since >= Duration::days(escalate_after_days) {
                            escalated.push(Escalation {
                                person: p,
                                key: format!("supervision_escalated:{}:{t}:{since}", p.id),
                                kind: Kind::SupervisionEscalated,
                                summary: format!(
                                    "{}'s {} has been overdue since {}",
                                    p.full_name,
                                    label.replace("your ", "their "),
                                    uk_date(since)
                                ),
                                since,
                                link: links::compliance(&p.id),
                            });
                        }
                    }
                    ComplianceStatus::Compliant | ComplianceStatus::OnLeave => {}
                }
            }
        }
        escalate(conn, &escalated, &recent, leads, today, out)?;
    }
    Ok(())
}

/// One overdue spell to tell a person's supervisors and training leads of.
pub(super) struct Escalation<'a> {
    pub person: &'a Subject,
    pub key: String,
    pub kind: Kind,
    pub summary: String,
    pub since: NaiveDate,
    pub link: String,
}

/// Tells each overdue spell a week old to the person's supervisors and their service's
/// training leads. Their supervisors are those named in the logs already read (`recent`, back
/// to the lookback); only for someone who named none there are the year's logs read.
pub(super) fn escalate(
    conn: &mut DbConn,
    escalated: &[Escalation],
    recent: &HashMap<&str, Vec<&str>>,
    leads: &HashMap<String, Vec<String>>,
    today: NaiveDate,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    let mut named: HashMap<String, Vec<String>> = HashMap::new();
    let mut unknown: Vec<&str> = Vec::new();
    for e in escalated {
        let p = e.person;
        match recent.get(p.id.as_str()) {
            Some(sups) if !sups.is_empty() => {
                named.insert(p.id.clone(), sups.iter().map(|s| s.to_string()).collect());
            }
            _ => unknown.push(&p.id),
        }
    }
    unknown.sort_unstable();
    unknown.dedup();
    if !unknown.is_empty() {
        let pairs: Vec<(String, String)> = supervision_logs::table
            .filter(supervision_logs::supervisee_id.eq_any(&unknown))
            .filter(supervision_logs::held_on.ge(today - Duration::days(365)))
            .select((
                supervision_logs::supervisee_id,
                supervision_logs::supervisor_id,
            ))
            .distinct()
            .load(conn)?;
        for (who, sup) in pairs {
            named.entry(who).or_default().push(sup);
        }
    }
    for e in escalated {
        let p = e.person;
        let mut to: Vec<&String> = named.get(&p.id).into_iter().flatten().collect();
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
                key: e.key.clone(),
                kind: e.kind,
                subject_id: Some(p.id.clone()),
                summary: e.summary.clone(),
                due_on: Some(e.since),
                link: e.link.clone(),
            });
        }
    }
    Ok(())
}
