//! The outbox. The scan writes one notification per (recipient, lapse key) under a unique index,
//! so however often it runs, and on however many instances, a lapse is queued once; a recipient's
//! new notifications of one run become one delivery (a digest). Delivery claims rows (with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL), sends them, and records `sent`, or `failed` with
//! back-off, or `dead` after the last attempt. Each message's `Message-ID` comes from its
//! delivery, so a resend after a crash can be dropped by the receiver.

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Nullable, Text, Timestamp};

use super::rules::{backoff_secs, digest_subject, Lapse};
use crate::db::schema::{deliveries, notifications, users};
use crate::db::{write_tx, DbConn};
use crate::error::AppError;
use crate::mail::{escape_html, Email};

crate::db_enum! {
    /// Where a delivery stands.
    pub enum DeliveryStatus("delivery status") {
        Pending => "pending",
        Sending => "sending",
        Sent => "sent",
        Failed => "failed",
        Dead => "dead",
    }
}

/// A claim older than this is taken to be from an instance that died while sending.
const STALE_CLAIM_MINUTES: i64 = 10;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = deliveries)]
pub struct Delivery {
    pub id: String,
    pub recipient_id: String,
    pub recipient_email: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// An invitation's delivery: its link is rendered at send time (see [`render`]).
    pub invitation_id: Option<String>,
}

/// Where an invitation's link goes in its stored message, until it is sent.
pub const INVITATION_LINK: &str = "{{invitation_link}}";

/// Queues an invitation email as one delivery (with a notification row, so `GET
/// /notifications` lists it), in the caller's transaction. The message is stored with
/// [`INVITATION_LINK`] in place of the link: the token is never written down.
pub fn queue_invitation(
    conn: &mut DbConn,
    invitation_id: &str,
    recipient_id: &str,
    email: &Email,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let delivery = uuid::Uuid::now_v7().to_string();
    diesel::insert_into(deliveries::table)
        .values((
            deliveries::id.eq(&delivery),
            deliveries::recipient_id.eq(recipient_id),
            deliveries::recipient_email.eq(&email.to),
            deliveries::subject.eq(&email.subject),
            deliveries::body_text.eq(&email.text),
            deliveries::body_html.eq(&email.html),
            deliveries::status.eq(DeliveryStatus::Pending),
            deliveries::attempts.eq(0),
            deliveries::next_attempt_at.eq(now),
            deliveries::invitation_id.eq(invitation_id),
            deliveries::created_at.eq(now),
            deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(uuid::Uuid::now_v7().to_string()),
            notifications::recipient_id.eq(recipient_id),
            notifications::dedupe_key.eq(format!("invitation:{invitation_id}")),
            notifications::kind.eq("invitation"),
            notifications::urgent.eq(true),
            notifications::subject_id.eq(Some(recipient_id)),
            notifications::summary.eq("An invitation to set a password"),
            notifications::due_on.eq(None::<chrono::NaiveDate>),
            notifications::delivery_id.eq(Some(&delivery)),
            notifications::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(delivery)
}

/// The message to send for a delivery: as stored, or for an invitation with its link rendered
/// from the invitation's nonce. `None`: an invitation that was used, replaced or has expired
/// meanwhile, which is not sent.
pub fn render(
    conn: &mut DbConn,
    keys: &crate::auth::tokens::TokenKeys,
    base_url: &str,
    d: &Delivery,
    now: NaiveDateTime,
) -> Result<Option<Email>, AppError> {
    let mut email = d.email();
    if let Some(invitation) = &d.invitation_id {
        let Some(token) = crate::auth::session::invitation_token(conn, keys, invitation, now)?
        else {
            return Ok(None);
        };
        let link = format!("{base_url}/accept-invite?token={token}");
        email.text = email.text.replace(INVITATION_LINK, &link);
        email.html = email.html.replace(INVITATION_LINK, &escape_html(&link));
    }
    Ok(Some(email))
}

/// Claims one delivery by id if it is waiting (pending or failed), for sending at once.
pub fn claim_one(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
) -> Result<Option<Delivery>, AppError> {
    write_tx(conn, |conn| {
        let n =
            diesel::update(deliveries::table.filter(deliveries::id.eq(id)).filter(
                deliveries::status.eq_any([DeliveryStatus::Pending, DeliveryStatus::Failed]),
            ))
            .set((
                deliveries::status.eq(DeliveryStatus::Sending),
                deliveries::claimed_at.eq(now),
                deliveries::updated_at.eq(now),
            ))
            .execute(conn)?;
        if n == 0 {
            return Ok(None);
        }
        Ok(deliveries::table
            .find(id)
            .select(Delivery::as_select())
            .first(conn)
            .optional()?)
    })
}

impl Delivery {
    pub fn email(&self) -> Email {
        Email {
            to: self.recipient_email.clone(),
            subject: self.subject.clone(),
            text: self.body_text.clone(),
            html: self.body_html.clone(),
            message_id: Some(format!("<delivery-{}@registry>", self.id)),
        }
    }
}

fn digest(name: &str, lapses: &[&Lapse], link: Option<&str>) -> (String, String, String) {
    let subject = digest_subject(lapses);
    let mut sorted: Vec<&&Lapse> = lapses.iter().collect();
    sorted.sort_by_key(|l| (!l.kind.urgent(), l.kind, l.due_on));
    let mut text =
        format!("Hello {name},\n\nThe training and supervision registry found these for you:\n\n");
    let mut html = format!(
        "<p>Hello {},</p><p>The training and supervision registry found these for you:</p><ul>",
        escape_html(name)
    );
    for l in &sorted {
        text.push_str(&format!("- {}\n", l.summary));
        html.push_str(&format!("<li>{}</li>", escape_html(&l.summary)));
    }
    html.push_str("</ul>");
    if let Some(link) = link {
        text.push_str(&format!("\nOpen the registry: {link}\n"));
        html.push_str(&format!(
            "<p><a href=\"{0}\">Open the registry</a></p>",
            escape_html(link)
        ));
    }
    text.push_str(
        "\nYou can turn off reminders that are not urgent in your notification preferences.\n",
    );
    html.push_str(
        "<p>You can turn off reminders that are not urgent in your notification preferences.</p>",
    );
    (subject, text, html)
}

/// Which of these lapses are not queued yet (for a dry run: writes nothing).
pub fn unseen<'a>(conn: &mut DbConn, lapses: &'a [Lapse]) -> Result<Vec<&'a Lapse>, AppError> {
    let mut recipients: Vec<&str> = lapses.iter().map(|l| l.recipient_id.as_str()).collect();
    recipients.sort_unstable();
    recipients.dedup();
    let mut known = std::collections::HashSet::new();
    // In chunks: SQLite allows at most 32,766 bound values in one statement.
    for chunk in recipients.chunks(5000) {
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

/// Queues the lapses: returns how many notifications were new.
pub fn queue(
    conn: &mut DbConn,
    lapses: &[Lapse],
    link: Option<&str>,
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
    let mut people: HashMap<String, (String, String)> = HashMap::new();
    for chunk in ids.chunks(5000) {
        people.extend(
            users::table
                .filter(users::id.eq_any(chunk))
                .filter(users::active.eq(true))
                .select((users::id, users::email, users::full_name))
                .load::<(String, String, String)>(conn)?
                .into_iter()
                .map(|(id, email, name)| (id, (email, name))),
        );
    }
    let mut queued = 0;
    for (recipient, mine) in by_recipient {
        let Some((email, name)) = people.get(recipient) else {
            continue;
        };
        queued += write_tx(conn, |conn| {
            let mut fresh: Vec<(&Lapse, String)> = Vec::new();
            for l in &mine {
                let id = uuid::Uuid::now_v7().to_string();
                let n = diesel::sql_query(
                    "INSERT INTO notifications (id, recipient_id, dedupe_key, kind, urgent, subject_id, summary, due_on, delivery_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9) ON CONFLICT DO NOTHING",
                )
                .bind::<Text, _>(&id)
                .bind::<Text, _>(&l.recipient_id)
                .bind::<Text, _>(&l.key)
                .bind::<Text, _>(l.kind.as_str())
                .bind::<Bool, _>(l.kind.urgent())
                .bind::<Nullable<Text>, _>(&l.subject_id)
                .bind::<Text, _>(&l.summary)
                .bind::<Nullable<Date>, _>(l.due_on)
                .bind::<Timestamp, _>(now)
                .execute(conn)?;
                if n == 1 {
                    fresh.push((l, id));
                }
            }
            if fresh.is_empty() {
                return Ok(0);
            }
            let lapses: Vec<&Lapse> = fresh.iter().map(|(l, _)| *l).collect();
            let (subject, text, html) = digest(name, &lapses, link);
            let delivery = uuid::Uuid::now_v7().to_string();
            diesel::insert_into(deliveries::table)
                .values((
                    deliveries::id.eq(&delivery),
                    deliveries::recipient_id.eq(recipient),
                    deliveries::recipient_email.eq(email),
                    deliveries::subject.eq(&subject),
                    deliveries::body_text.eq(&text),
                    deliveries::body_html.eq(&html),
                    deliveries::status.eq(DeliveryStatus::Pending),
                    deliveries::attempts.eq(0),
                    deliveries::next_attempt_at.eq(now),
                    deliveries::created_at.eq(now),
                    deliveries::updated_at.eq(now),
                ))
                .execute(conn)?;
            let new_ids: Vec<&str> = fresh.iter().map(|(_, id)| id.as_str()).collect();
            diesel::update(notifications::table.filter(notifications::id.eq_any(&new_ids)))
                .set(notifications::delivery_id.eq(&delivery))
                .execute(conn)?;
            Ok(fresh.len())
        })?;
    }
    Ok(queued)
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Claims up to `limit` deliveries due now (and claims left by an instance that died).
pub fn claim(conn: &mut DbConn, limit: i64, now: NaiveDateTime) -> Result<Vec<Delivery>, AppError> {
    let lock = if matches!(conn, DbConn::Postgresql(_)) {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let stale = now - Duration::minutes(STALE_CLAIM_MINUTES);
    write_tx(conn, |conn| {
        let ids: Vec<String> = diesel::sql_query(format!(
            "SELECT id FROM deliveries WHERE (status IN ('pending', 'failed') AND next_attempt_at <= $1) \
             OR (status = 'sending' AND claimed_at < $2) ORDER BY next_attempt_at LIMIT {limit}{lock}"
        ))
        .bind::<Timestamp, _>(now)
        .bind::<Timestamp, _>(stale)
        .load::<Claimed>(conn)?
        .into_iter()
        .map(|c| c.id)
        .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
            .set((
                deliveries::status.eq(DeliveryStatus::Sending),
                deliveries::claimed_at.eq(now),
                deliveries::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(deliveries::table
            .filter(deliveries::id.eq_any(&ids))
            .select(Delivery::as_select())
            .load(conn)?)
    })
}

/// Makes failed deliveries due at once (a run someone asked for: they mean now).
pub fn retry_now(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize, AppError> {
    Ok(diesel::update(
        deliveries::table
            .filter(deliveries::status.eq(DeliveryStatus::Failed))
            .filter(deliveries::next_attempt_at.gt(now)),
    )
    .set(deliveries::next_attempt_at.eq(now))
    .execute(conn)?)
}

/// Records the outcome of one attempt: `sent`, `failed` (to retry after back-off) or `dead`.
pub fn record(
    conn: &mut DbConn,
    d: &Delivery,
    outcome: Result<(), String>,
    max_attempts: i32,
    backoff_base: i64,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let attempts = d.attempts + 1;
    let target = deliveries::table
        .filter(deliveries::id.eq(&d.id))
        .filter(deliveries::status.eq(DeliveryStatus::Sending));
    match outcome {
        Ok(()) => diesel::update(target)
            .set((
                deliveries::status.eq(DeliveryStatus::Sent),
                deliveries::attempts.eq(attempts),
                deliveries::sent_at.eq(now),
                deliveries::last_error.eq(None::<String>),
                deliveries::updated_at.eq(now),
            ))
            .execute(conn)?,
        Err(e) => {
            let status = if attempts >= max_attempts {
                DeliveryStatus::Dead
            } else {
                DeliveryStatus::Failed
            };
            let next = now + Duration::seconds(backoff_secs(backoff_base, attempts - 1));
            diesel::update(target)
                .set((
                    deliveries::status.eq(status),
                    deliveries::attempts.eq(attempts),
                    deliveries::next_attempt_at.eq(next),
                    deliveries::last_error.eq(e),
                    deliveries::updated_at.eq(now),
                ))
                .execute(conn)?
        }
    };
    Ok(())
}
