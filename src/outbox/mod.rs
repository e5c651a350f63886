//! The mail outbox: every email the registry sends is a delivery row here, queued in the
//! transaction that caused it (a reminder digest, an invitation). Delivery claims rows (with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL), sends them, and records `sent`, or `failed` with
//! back-off, or `dead` after the last attempt. Each message's `Message-ID` comes from its
//! delivery, so a resend after a crash can be dropped by the receiver.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::db::schema::{deliveries, notifications};
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
    pub list_unsubscribe: Option<String>,
    /// A reminder digest, stored as what it says (`mail::messages::StoredDigest` as JSON) and
    /// rendered when sent; its `body_text` and `body_html` are empty.
    pub digest: Option<String>,
}

pub mod send;
pub mod senders;

pub use send::{deliver, deliver_now, send_soon};

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
    let link = LinkMail {
        kind: "invitation",
        summary: "An invitation to set a password",
    };
    queue_link(conn, invitation_id, recipient_id, email, &link, now)
}

/// What the outbox lists for an emailed one-time link.
pub struct LinkMail {
    pub kind: &'static str,
    pub summary: &'static str,
}

/// Queues the email of a one-time link (an invitation, a password reset), its link rendered
/// only when it is sent.
pub fn queue_link(
    conn: &mut DbConn,
    link_id: &str,
    recipient_id: &str,
    email: &Email,
    what: &LinkMail,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let mut row = Outgoing::new(recipient_id, email.clone(), now);
    row.invitation_id = Some(link_id.to_string());
    let delivery = row.id.clone();
    enqueue(conn, &[row])?;
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(uuid::Uuid::now_v7().to_string()),
            notifications::recipient_id.eq(recipient_id),
            notifications::dedupe_key.eq(format!("{}:{link_id}", what.kind)),
            notifications::kind.eq(what.kind),
            notifications::urgent.eq(true),
            notifications::subject_id.eq(Some(recipient_id)),
            notifications::summary.eq(what.summary),
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
    let mut email = d.email()?;
    if let Some(invitation) = &d.invitation_id {
        let Some((token, purpose)) = crate::auth::session::link_token(conn, keys, invitation, now)?
        else {
            return Ok(None);
        };
        let link = format!("{base_url}{}", purpose.path_with(&token));
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
    /// The message to send: as stored, or a digest rendered from what it says.
    pub fn email(&self) -> Result<Email, AppError> {
        let mut email = match &self.digest {
            Some(json) => {
                let d: crate::mail::messages::StoredDigest =
                    serde_json::from_str(json).map_err(|e| {
                        AppError::internal(format!("a stored digest cannot be read: {e}"))
                    })?;
                crate::mail::messages::digest(
                    &self.recipient_email,
                    &self.subject,
                    &d.from,
                    &d.digest,
                )?
            }
            None => Email {
                to: self.recipient_email.clone(),
                subject: self.subject.clone(),
                text: self.body_text.clone(),
                html: self.body_html.clone(),
                message_id: None,
                unsubscribe: None,
            },
        };
        email.message_id = Some(format!("<delivery-{}@registry>", self.id));
        email.unsubscribe = self.list_unsubscribe.clone();
        Ok(email)
    }
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

/// Seconds to wait before the next attempt: doubling from `base`, at most six hours.
pub fn backoff_secs(base: i64, attempts: i32) -> i64 {
    let exp = attempts.clamp(0, 20) as u32;
    base.max(0)
        .saturating_mul(2_i64.saturating_pow(exp))
        .min(6 * 3600)
}

/// A message ready to go to one person, as a pending delivery row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = deliveries, treat_none_as_default_value = false)]
pub struct Outgoing {
    pub id: String,
    pub recipient_id: String,
    pub recipient_email: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub list_unsubscribe: Option<String>,
    /// A one-time link's delivery: its link is rendered at send time (see [`render`]).
    pub invitation_id: Option<String>,
    /// A digest rendered when sent (see [`Delivery::digest`]).
    pub digest: Option<String>,
}

impl Outgoing {
    /// A new pending reminder digest, stored as what it says and rendered when sent.
    pub fn digest(
        recipient_id: &str,
        to: &str,
        subject: &str,
        unsubscribe: Option<String>,
        stored: &crate::mail::messages::StoredDigest,
        now: NaiveDateTime,
    ) -> Result<Outgoing, AppError> {
        let email = Email {
            to: to.to_string(),
            subject: subject.to_string(),
            text: String::new(),
            html: String::new(),
            message_id: None,
            unsubscribe,
        };
        let mut row = Outgoing::new(recipient_id, email, now);
        let json = serde_json::to_string(stored)
            .map_err(|e| AppError::internal(format!("a digest cannot be stored: {e}")))?;
        row.digest = Some(json);
        Ok(row)
    }

    /// A new pending delivery of `email` to `recipient_id`, due now.
    pub fn new(recipient_id: &str, email: Email, now: NaiveDateTime) -> Outgoing {
        Outgoing {
            id: uuid::Uuid::now_v7().to_string(),
            recipient_id: recipient_id.to_string(),
            recipient_email: email.to,
            subject: email.subject,
            body_text: email.text,
            body_html: email.html,
            status: DeliveryStatus::Pending,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
            list_unsubscribe: email.unsubscribe,
            invitation_id: None,
            digest: None,
        }
    }
}

/// Rows a multi-row insert of deliveries carries at most (14 values each; SQLite allows 32,766).
pub const DELIVERY_BATCH: usize = 2000;

/// Queues messages as pending deliveries, in the caller's transaction: one insert per
/// [`DELIVERY_BATCH`].
pub fn enqueue(conn: &mut DbConn, rows: &[Outgoing]) -> Result<(), AppError> {
    for chunk in rows.chunks(DELIVERY_BATCH) {
        match &mut *conn {
            DbConn::Postgresql(c) => enqueue_pg(c, chunk)?,
            DbConn::Sqlite(c) => {
                diesel::insert_into(deliveries::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// PostgreSQL takes the rows as one array a column (`unnest`): one short statement whatever
/// the number of rows, where a multi-row `VALUES` is planned afresh for each size.
fn enqueue_pg(c: &mut diesel::PgConnection, rows: &[Outgoing]) -> Result<(), AppError> {
    use diesel::sql_types::{Array, Integer, Nullable};
    let col = |f: fn(&Outgoing) -> &str| rows.iter().map(f).collect::<Vec<&str>>();
    let opt = |f: fn(&Outgoing) -> Option<&str>| rows.iter().map(f).collect::<Vec<Option<&str>>>();
    let time = |f: fn(&Outgoing) -> NaiveDateTime| rows.iter().map(f).collect::<Vec<_>>();
    diesel::sql_query(
        "INSERT INTO deliveries (id, recipient_id, recipient_email, subject, body_text, body_html, \
         status, attempts, next_attempt_at, created_at, updated_at, list_unsubscribe, invitation_id, digest) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::int[], $9::timestamp[], $10::timestamp[], $11::timestamp[], $12::text[], $13::text[], \
         $14::text[])",
    )
    .bind::<Array<Text>, _>(col(|r| &r.id))
    .bind::<Array<Text>, _>(col(|r| &r.recipient_id))
    .bind::<Array<Text>, _>(col(|r| &r.recipient_email))
    .bind::<Array<Text>, _>(col(|r| &r.subject))
    .bind::<Array<Text>, _>(col(|r| &r.body_text))
    .bind::<Array<Text>, _>(col(|r| &r.body_html))
    .bind::<Array<Text>, _>(col(|r| r.status.as_str()))
    .bind::<Array<Integer>, _>(rows.iter().map(|r| r.attempts).collect::<Vec<i32>>())
    .bind::<Array<Timestamp>, _>(time(|r| r.next_attempt_at))
    .bind::<Array<Timestamp>, _>(time(|r| r.created_at))
    .bind::<Array<Timestamp>, _>(time(|r| r.updated_at))
    .bind::<Array<Nullable<Text>>, _>(opt(|r| r.list_unsubscribe.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(opt(|r| r.invitation_id.as_deref()))
    .bind::<Array<Nullable<Text>>, _>(opt(|r| r.digest.as_deref()))
    .execute(c)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_six_hours() {
        assert_eq!(backoff_secs(60, 0), 60);
        assert_eq!(backoff_secs(60, 3), 480);
        assert_eq!(backoff_secs(60, 30), 6 * 3600);
        assert_eq!(backoff_secs(0, 5), 0);
    }
}
