//! Queueing lapses. The scan writes one notification per (recipient, lapse key) under a unique
//! index, so however often it runs, and on however many instances, a lapse is queued once; a
//! recipient's new notifications of one run become one delivery in the outbox (a digest).
//!
//! Queueing is batched: [`RECIPIENTS_PER_TX`] recipients a transaction, their digests in one
//! multi-row insert and their notifications in another (`ON CONFLICT DO NOTHING RETURNING`),
//! rows in one order on every instance so that two instances never wait on each other in a
//! circle. A lapse another instance queued first is left to that instance's digest.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::links;
use super::rules::{digest_subject, Lapse};
use crate::auth::tokens::TokenKeys;
use crate::db::schema::{deliveries, notifications, users};
use crate::db::{write_tx, DbConn};
use crate::error::AppError;
use crate::mail::messages::{things, Digest, Item, StoredDigest};
use crate::mail::Sender;
use crate::outbox::{self, Outgoing};

/// Recipients queued in one transaction.
pub const RECIPIENTS_PER_TX: usize = 500;
/// Rows a multi-row insert of notifications carries at most (10 values each).
const NOTIFICATION_BATCH: usize = 2000;
/// SQLite allows at most 32,766 bound values in one statement.
const CHUNK: usize = 5000;

#[derive(Insertable)]
#[diesel(table_name = notifications, treat_none_as_default_value = false)]
struct NewNotification<'a> {
    id: String,
    recipient_id: &'a str,
    dedupe_key: &'a str,
    kind: &'static str,
    urgent: bool,
    subject_id: Option<&'a str>,
    summary: &'a str,
    due_on: Option<NaiveDate>,
    delivery_id: Option<&'a str>,
    created_at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = diesel::sql_types::Text)]
    recipient_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    dedupe_key: String,
}

/// PostgreSQL takes the rows as one array a column (`unnest`): one short statement whatever
/// the number of rows, where a multi-row `VALUES` is planned afresh for each size.
fn insert_pg(
    c: &mut diesel::PgConnection,
    rows: &[NewNotification<'_>],
) -> Result<Vec<(String, String)>, AppError> {
    use diesel::sql_types::{Array, Bool, Date, Nullable, Text, Timestamp};
    let found: Vec<Inserted> = diesel::sql_query(
        "INSERT INTO notifications (id, recipient_id, dedupe_key, kind, urgent, subject_id, summary, \
         due_on, delivery_id, created_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], \
         $4::text[], $5::bool[], $6::text[], $7::text[], $8::date[], $9::text[], $10::timestamp[]) \
         ON CONFLICT DO NOTHING RETURNING recipient_id, dedupe_key",
    )
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.recipient_id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.dedupe_key).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.kind).collect::<Vec<_>>())
    .bind::<Array<Bool>, _>(rows.iter().map(|r| r.urgent).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.subject_id).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(rows.iter().map(|r| r.summary).collect::<Vec<_>>())
    .bind::<Array<Nullable<Date>>, _>(rows.iter().map(|r| r.due_on).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.delivery_id).collect::<Vec<_>>())
    .bind::<Array<Timestamp>, _>(rows.iter().map(|r| r.created_at).collect::<Vec<_>>())
    .load(c)?;
    Ok(found
        .into_iter()
        .map(|r| (r.recipient_id, r.dedupe_key))
        .collect())
}

/// A recipient: email, name and service.
type Recipient = (String, String, Option<String>);

/// Which of these lapses are not queued yet (for a dry run: writes nothing).
pub fn unseen<'a>(conn: &mut DbConn, lapses: &'a [Lapse]) -> Result<Vec<&'a Lapse>, AppError> {
    let mut recipients: Vec<&str> = lapses.iter().map(|l| l.recipient_id.as_str()).collect();
    recipients.sort_unstable();
    recipients.dedup();
    let mut known = HashSet::new();
    for chunk in recipients.chunks(CHUNK) {
        known.extend(
            notifications::table
                .filter(notifications::recipient_id.eq_any(chunk))
                .select((notifications::recipient_id, notifications::dedupe_key))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(lapses
        .iter()
        .filter(|l| !known.contains(&(l.recipient_id.clone(), l.key.clone())))
        .collect())
}

/// Queues the lapses: returns how many notifications were new. `base_url` begins every link.
pub fn queue(
    conn: &mut DbConn,
    lapses: &[Lapse],
    base_url: &str,
    keys: &TokenKeys,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    // Known lapses are dropped with a few queries; the unique index still settles races between
    // instances scanning at the same moment.
    let fresh = unseen(conn, lapses)?;
    let mut by_recipient: BTreeMap<&str, Vec<&Lapse>> = BTreeMap::new();
    for l in fresh {
        by_recipient
            .entry(l.recipient_id.as_str())
            .or_default()
            .push(l);
    }
    let ids: Vec<&str> = by_recipient.keys().copied().collect();
    let people = recipients(conn, &ids)?;
    // A supervisor from outside the service hears only of logs to countersign, which their
    // emailed link lets them do.
    let externals = crate::people::queries::externals_among(conn, &ids)?;
    for (r, mine) in by_recipient.iter_mut() {
        if externals.contains(*r) {
            mine.retain(|l| l.sign_off_log().is_some());
        }
    }
    by_recipient.retain(|_, mine| !mine.is_empty());
    let services: Vec<&str> = people.values().filter_map(|p| p.2.as_deref()).collect();
    let senders = outbox::senders::senders(conn, &services)?;
    let mut batch: Vec<(&str, Vec<&Lapse>)> = by_recipient
        .into_iter()
        .filter(|(r, _)| people.contains_key(*r))
        .collect();
    for (_, mine) in &mut batch {
        mine.sort_by(|a, b| a.key.cmp(&b.key));
    }
    let mut queued = 0;
    for chunk in batch.chunks(RECIPIENTS_PER_TX) {
        let to = Audience {
            people: &people,
            externals: &externals,
            senders: &senders,
            base_url,
            keys,
        };
        queued += write_tx(conn, |conn| queue_batch(conn, chunk, &to, now))?;
    }
    Ok(queued)
}

/// The active recipients among `ids`, by id.
fn recipients(conn: &mut DbConn, ids: &[&str]) -> Result<HashMap<String, Recipient>, AppError> {
    let mut people = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        people.extend(
            users::table
                .filter(users::id.eq_any(chunk))
                .filter(users::active.eq(true))
                .select((users::id, users::email, users::full_name, users::service_id))
                .load::<(String, String, String, Option<String>)>(conn)?
                .into_iter()
                .map(|(id, email, name, service)| (id, (email, name, service))),
        );
    }
    Ok(people)
}

/// Who a batch's digests go to, and what renders them.
struct Audience<'a> {
    people: &'a HashMap<String, Recipient>,
    externals: &'a HashSet<String>,
    senders: &'a HashMap<String, Sender>,
    base_url: &'a str,
    keys: &'a TokenKeys,
}

impl Audience<'_> {
    /// One recipient's digest: urgent items first, each once, each with its link (logs to
    /// countersign: the emailed sign-off link, when the digest has one); mail made only of
    /// reminders that can be turned off says where (`List-Unsubscribe`). Stored as what it
    /// says; the outbox renders it when sent.
    fn render(
        &self,
        recipient: &str,
        lapses: &[&Lapse],
        link: Option<&String>,
        now: NaiveDateTime,
    ) -> Result<Option<Outgoing>, AppError> {
        let Some((email, name, service)) = self.people.get(recipient) else {
            return Ok(None);
        };
        let from = service
            .as_ref()
            .and_then(|s| self.senders.get(s))
            .cloned()
            .unwrap_or_default();
        // A supervisor from outside the service never signs in: no preferences to point to.
        let external = self.externals.contains(recipient);
        let mut sorted: Vec<&Lapse> = lapses.to_vec();
        sorted.sort_by_key(|l| (!l.kind.urgent(), l.kind, l.due_on));
        let mut seen = HashSet::new();
        let (mut urgent, mut later) = (Vec::new(), Vec::new());
        for l in sorted {
            if !seen.insert(l.summary.as_str()) {
                continue;
            }
            let item = Item {
                text: l.summary.clone(),
                label: l
                    .kind
                    .action(l.subject_id.as_deref() == Some(recipient))
                    .into(),
                url: match (link.is_some(), l.sign_off_log()) {
                    (true, Some(_)) => outbox::INVITATION_LINK.to_string(),
                    _ => format!("{}{}", self.base_url, l.link),
                },
            };
            if l.kind.urgent() {
                urgent.push(item);
            } else {
                later.push(item);
            }
        }
        let preferences_url =
            (!external).then(|| format!("{}{}", self.base_url, links::preferences()));
        let unsubscribe = preferences_url.clone().filter(|_| urgent.is_empty());
        let d = Digest {
            heading: "Reminders from the training registry".into(),
            name: name.clone(),
            count_words: things(urgent.len() + later.len()),
            urgent,
            later,
            preferences_url,
        };
        let stored = StoredDigest { from, digest: d };
        let mut row = Outgoing::digest(
            recipient,
            email,
            &digest_subject(lapses),
            unsubscribe,
            &stored,
            now,
        )?;
        row.invitation_id = link.cloned();
        Ok(Some(row))
    }
}

fn queue_batch(
    conn: &mut DbConn,
    batch: &[(&str, Vec<&Lapse>)],
    to: &Audience<'_>,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let people = to.people;
    // One emailed sign-off link a supervisor, naming the logs this digest tells them of.
    let wanted: Vec<(&str, Vec<&str>)> = batch
        .iter()
        .filter(|(r, _)| people.contains_key(*r))
        .map(|(r, mine)| (*r, mine.iter().filter_map(|l| l.sign_off_log()).collect()))
        .filter(|(_, logs): &(&str, Vec<&str>)| !logs.is_empty())
        .collect();
    let opened = crate::auth::session::open_sign_off_links(conn, to.keys, &wanted, now)?;
    let links: HashMap<&str, String> = wanted.iter().map(|w| w.0).zip(opened).collect();
    let mut out: Vec<Outgoing> = Vec::with_capacity(batch.len());
    for (recipient, mine) in batch {
        if let Some(row) = to.render(recipient, mine, links.get(recipient), now)? {
            out.push(row);
        }
    }
    outbox::enqueue(conn, &out)?;
    let mut rows = Vec::new();
    for ((recipient, mine), delivery) in batch.iter().zip(&out) {
        for l in mine {
            rows.push(NewNotification {
                id: uuid::Uuid::now_v7().to_string(),
                recipient_id: recipient,
                dedupe_key: &l.key,
                kind: l.kind.as_str(),
                urgent: l.kind.urgent(),
                subject_id: l.subject_id.as_deref(),
                summary: &l.summary,
                due_on: l.due_on,
                delivery_id: Some(&delivery.id),
                created_at: now,
            });
        }
    }
    let mut inserted: HashSet<(String, String)> = HashSet::new();
    for chunk in rows.chunks(NOTIFICATION_BATCH) {
        inserted.extend(match &mut *conn {
            DbConn::Postgresql(c) => insert_pg(c, chunk)?,
            DbConn::Sqlite(c) => diesel::insert_into(notifications::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .returning((notifications::recipient_id, notifications::dedupe_key))
                .get_results::<(String, String)>(c)?,
        });
    }
    // Rarely, another instance queued some of these first: its digest tells them, so this
    // one is written again without them, or dropped.
    for ((recipient, mine), delivery) in batch.iter().zip(&out) {
        let kept: Vec<&Lapse> = mine
            .iter()
            .filter(|l| inserted.contains(&(recipient.to_string(), l.key.clone())))
            .copied()
            .collect();
        if kept.len() == mine.len() {
            continue;
        }
        let target = deliveries::table.filter(deliveries::id.eq(&delivery.id));
        let again = match kept.is_empty() {
            true => None,
            false => to.render(recipient, &kept, links.get(recipient), now)?,
        };
        match again {
            Some(row) => {
                diesel::update(target)
                    .set((
                        deliveries::subject.eq(row.subject),
                        deliveries::digest.eq(row.digest),
                        deliveries::list_unsubscribe.eq(row.list_unsubscribe),
                    ))
                    .execute(conn)?;
            }
            _ => {
                diesel::delete(target).execute(conn)?;
            }
        }
    }
    Ok(inserted.len())
}
