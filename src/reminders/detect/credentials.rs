//! The scan for credentials: at a reminder stage before expiry or expired; for a kind renewed
//! by annual declaration, before the declaration date, in its grace period or lapsed; and CPD
//! short of the renewal's rule (paused while the person is on leave).

use super::*;
use crate::accreditation::credentials::AccreditationRow;
use crate::accreditation::declarations::{people_on_leave, renewals, DeclarationDue};

/// A credential with its person's service and name.
type WithPerson = (AccreditationRow, Option<String>, String);

/// What a credential's reminder is about: its expiry, or its next declaration.
enum Due<'a> {
    Expiry(NaiveDate),
    Declaration(&'a DeclarationDue, bool),
}

pub(super) fn credentials(
    conn: &mut DbConn,
    today: NaiveDate,
    leads: &HashMap<String, Vec<String>>,
    cpd_notice_days: i64,
    out: &mut Vec<Lapse>,
) -> Result<(), AppError> {
    // The latest period of each person's credential of each kind.
    let rows: Vec<WithPerson> = accreditations::table
        .inner_join(users::table.on(accreditations::practitioner_id.eq(users::id)))
        .filter(users::active.eq(true))
        .select((
            AccreditationRow::as_select(),
            users::service_id,
            users::full_name,
        ))
        .order(accreditations::expires_on.asc())
        .load(conn)?;
    let mut latest: HashMap<(String, String, String), WithPerson> = HashMap::new();
    for r in rows {
        latest.insert(
            (
                r.0.practitioner_id.clone(),
                r.0.body_code.clone(),
                r.0.kind.clone(),
            ),
            r,
        );
    }
    // Each kind's reminder offsets and its name as people read it.
    let kinds: HashMap<(String, String), (Vec<i64>, String)> = credential_kinds::table
        .select((
            credential_kinds::body_code,
            credential_kinds::code,
            credential_kinds::reminder_offsets,
            credential_kinds::name,
        ))
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(b, k, o, name)| {
            let offsets = o.split(',').filter_map(|x| x.trim().parse().ok()).collect();
            ((b, k), (offsets, name))
        })
        .collect();
    let cpd_rules = load_rules(conn)?;
    let mut people: Vec<&str> = latest
        .values()
        .map(|r| r.0.practitioner_id.as_str())
        .collect();
    people.sort_unstable();
    people.dedup();
    let mut cpd: HashMap<String, Vec<crate::accreditation::rules::CpdFact>> = HashMap::new();
    let mut on_leave = HashSet::new();
    // In chunks: SQLite allows at most 32,766 bound values in one statement.
    for chunk in people.chunks(BATCH as usize) {
        for (who, f) in facts(conn, chunk, today - Duration::days(800))? {
            cpd.entry(who).or_default().push(f);
        }
        on_leave.extend(people_on_leave(conn, chunk, today)?);
    }
    let all: Vec<AccreditationRow> = latest.values().map(|r| r.0.clone()).collect();
    let declared = renewals(conn, &all, today)?;
    for (row, service, name) in latest.into_values() {
        let AccreditationRow {
            id,
            practitioner_id: person,
            body_code: body,
            kind,
            membership_number: number,
            expires_on,
            ..
        } = row;
        let (stages, kind_name) = kinds
            .get(&(body.clone(), kind.clone()))
            .cloned()
            .unwrap_or_else(|| (vec![60, 30, 7], kind.clone()));
        let what = format!("{body} {kind_name}");
        let link = links::accreditations(&person);
        let due = match declared.get(&id) {
            Some((d, lapsed)) => Due::Declaration(d, *lapsed),
            None => Due::Expiry(expires_on),
        };
        // The day the credential ends (or lapses), told to the person and their leads.
        let ended = match &due {
            Due::Expiry(on) if credential_stage(*on, &stages, today) == Some(None) => Some((
                format!("credential:{id}:expired"),
                format!("Your {what} credential (membership number {number}) expired on {}", uk_date(*on)),
                format!("{name}'s {what} credential expired on {}", uk_date(*on)),
                *on,
            )),
            Due::Declaration(d, true) => Some((
                format!("credential:{id}:lapsed:{}", d.next_declaration_on),
                format!(
                    "Your {what} credential (membership number {number}) lapsed: no declaration by {}",
                    uk_date(d.grace_ends_on)
                ),
                format!("{name}'s {what} credential lapsed: no declaration by {}", uk_date(d.grace_ends_on)),
                d.grace_ends_on,
            )),
            _ => None,
        };
        if let Some((key, own, theirs, on)) = ended {
            out.push(Lapse {
                recipient_id: person.clone(),
                key: key.clone(),
                kind: Kind::CredentialExpired,
                subject_id: Some(person.clone()),
                summary: own,
                due_on: Some(on),
                link: links::own_credentials(),
            });
            for lead in service
                .as_ref()
                .and_then(|s| leads.get(s))
                .into_iter()
                .flatten()
            {
                if *lead != person {
                    out.push(Lapse {
                        recipient_id: lead.clone(),
                        key: key.clone(),
                        kind: Kind::CredentialExpired,
                        subject_id: Some(person.clone()),
                        summary: theirs.clone(),
                        due_on: Some(on),
                        link: link.clone(),
                    });
                }
            }
        } else {
            let soon = match &due {
                Due::Expiry(on) => credential_stage(*on, &stages, today)
                    .flatten()
                    .map(|stage| {
                        (
                            format!("credential:{id}:{stage}"),
                            format!("Your {what} credential (membership number {number}) expires on {}", uk_date(*on)),
                            *on,
                        )
                    }),
                Due::Declaration(d, _) => match credential_stage(d.next_declaration_on, &stages, today) {
                    Some(None) => Some((
                        format!("declaration:{id}:{}:grace", d.next_declaration_on),
                        format!(
                            "Your annual declaration for {what} was due on {}; without it the credential lapses after {}",
                            uk_date(d.next_declaration_on),
                            uk_date(d.grace_ends_on)
                        ),
                        d.grace_ends_on,
                    )),
                    Some(Some(stage)) => Some((
                        format!("declaration:{id}:{}:{stage}", d.next_declaration_on),
                        format!(
                            "Your annual declaration for {what} (membership number {number}) is due on {}",
                            uk_date(d.next_declaration_on)
                        ),
                        d.next_declaration_on,
                    )),
                    None => None,
                },
            };
            if let Some((key, summary, on)) = soon {
                out.push(Lapse {
                    recipient_id: person.clone(),
                    key,
                    kind: Kind::CredentialExpiring,
                    subject_id: Some(person.clone()),
                    summary,
                    due_on: Some(on),
                    link: links::own_credentials(),
                });
            }
        }
        // CPD for the renewal: its expiry, or the next declaration; paused during leave.
        let renews = match &due {
            Due::Expiry(on) => *on,
            Due::Declaration(d, _) => d.next_declaration_on,
        };
        let days_left = (renews - today).num_days();
        if on_leave.contains(&person) || !(0..=cpd_notice_days).contains(&days_left) {
            continue;
        }
        let Some(rule) = rule_for(&cpd_rules, &body, &kind) else {
            continue;
        };
        let check = cpd_check(
            rule,
            cpd.get(&person).map(Vec::as_slice).unwrap_or(&[]),
            renews,
        );
        if check.met {
            continue;
        }
        // A body-wide rule is one requirement however many of the body's credentials renew
        // that day: told in the same words, it is told once.
        let own_rule = cpd_rules
            .iter()
            .any(|(b, k, _)| *b == body && k.as_deref() == Some(kind.as_str()));
        let renewal = if own_rule {
            format!("the renewal of your {what} credential")
        } else {
            format!("your {body} renewal")
        };
        out.push(Lapse {
            recipient_id: person.clone(),
            key: format!("cpd_unmet:{id}:{renews}"),
            kind: Kind::CpdUnmet,
            subject_id: Some(person.clone()),
            summary: format!(
                "CPD for {renewal} on {} is not met yet: {}",
                uk_date(renews),
                check.missing.join("; ")
            ),
            due_on: Some(renews),
            link: links::own_credentials(),
        });
    }
    Ok(())
}
