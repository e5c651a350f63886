//! A secret calendar feed per person: their supervision due dates, credential renewals and
//! competence reviews as iCalendar, for any calendar client to subscribe to without a token.
//!
//! The feed secret is derived (HMAC) from the person's id and a random nonce under a server
//! key, so `GET /me/calendar-feed` can show the same address again while only the secret's
//! SHA-256 is stored. Rotating draws a new nonce: the old address stops working at once.

pub mod ics;
pub mod queries;
pub mod routes;

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit;
use crate::auth::tokens::{digest, new_secret, TokenKeys};
use crate::db::DbConn;
use crate::error::AppError;
use ics::Event;
pub use routes::{public_routes, routes};

#[derive(Debug, Serialize, ToSchema)]
pub struct Feed {
    /// The secret address: anyone holding it can read the person's due dates, so share it with
    /// a calendar client only. Rotate it if it leaks.
    pub url: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

/// The caller's feed address, made on first asking (or, with `rotate`, replaced) in one
/// transaction: for `GET /me/calendar-feed` and the settings page alike.
pub async fn feed_of(
    state: &crate::app::AppState,
    user_id: String,
    rotate: bool,
) -> Result<Feed, AppError> {
    let once = |user_id: String| async move {
        let keys = state.tokens.clone();
        let at = state.clock.now();
        let (secret, created_at) = state
            .write(move |conn| issue_feed(conn, &keys, &user_id, rotate, at))
            .await?;
        Ok::<Feed, AppError>(Feed {
            url: format!("{}/calendar/{secret}.ics", state.settings.public_base_url()),
            created_at,
        })
    };
    match once(user_id.clone()).await {
        // A concurrent first request made the feed between our read and insert: show that one.
        Err(AppError::Conflict(_)) if !rotate => once(user_id).await,
        other => other,
    }
}

/// The person's feed secret and when it was made: the one they have, or (first time, or with
/// `rotate`) a new one, audited.
pub fn issue_feed(
    conn: &mut DbConn,
    keys: &TokenKeys,
    user_id: &str,
    rotate: bool,
    at: NaiveDateTime,
) -> Result<(String, NaiveDateTime), AppError> {
    let found = queries::find(conn, user_id)?;
    if let (Some((nonce, hash, created_at)), false) = (&found, rotate) {
        let secret = keys.feed_secret(user_id, nonce);
        if digest(&secret) != *hash {
            // The server key changed (a new signing secret): the stored address could no
            // longer be shown, so the one shown now becomes the working one.
            queries::set_hash(conn, user_id, &digest(&secret))?;
        }
        return Ok((secret, *created_at));
    }
    let nonce = new_secret();
    let secret = keys.feed_secret(user_id, &nonce);
    queries::put(conn, user_id, &nonce, &digest(&secret), at, found.is_some())?;
    let service = queries::service_of(conn, user_id)?;
    audit::of(user_id, "calendar_feed", user_id)
        .in_service(service.as_deref())
        .action(
            conn,
            if found.is_some() { "rotate" } else { "create" },
            found
                .as_ref()
                .map(|f| serde_json::json!({"created_at": crate::app::rfc3339(&f.2)})),
            Some(serde_json::json!({"created_at": crate::app::rfc3339(&at)})),
            at,
        )?;
    Ok((secret, at))
}

/// The name of the person whose feed this secret opens, and their dates; 404 for an unknown or
/// rotated secret.
pub fn feed_events(
    conn: &mut DbConn,
    secret: &str,
    at: NaiveDateTime,
) -> Result<(String, Vec<Event>), AppError> {
    let (id, name) = queries::owner(conn, &digest(secret))?.ok_or(AppError::NotFound)?;
    Ok((name, events(conn, &id, at.date())?))
}

/// The person's upcoming (and overdue) dates, in a fixed number of queries.
fn events(conn: &mut DbConn, user_id: &str, today: NaiveDate) -> Result<Vec<Event>, AppError> {
    let mut out = Vec::new();
    if let Some(subject) = crate::supervision::queries::subject(conn, user_id)? {
        let items = crate::supervision::compliance_of(conn, &subject, today)?;
        for i in items {
            let kind = i.supervision_type.as_str();
            out.push(Event {
                uid: format!("supervision-{kind}-{user_id}@registry"),
                on: i.next_due_on,
                summary: format!("Supervision due: {}", kind.replace('_', " ")),
                description: format!(
                    "{} of {} minutes signed off in the last {} days. Last session: {}.",
                    i.achieved_minutes,
                    i.required_minutes,
                    i.window_days,
                    i.last_held_on
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "none".into())
                ),
            });
        }
        // Live assessments of practice, where a body's rule covers the person's role.
        if let Some((c, _, _)) =
            crate::supervision::live::of_subjects(conn, std::slice::from_ref(&subject), today)?
                .remove(user_id)
        {
            out.push(Event {
                uid: format!("live-assessment-{user_id}@registry"),
                on: c.next_due_on,
                summary: "Live assessments of practice due".into(),
                description: format!(
                    "{} of {} live assessments meeting the standard, on {} of {} different interventions, in the last {} days.",
                    c.achieved, c.required, c.distinct_interventions, c.required_interventions, c.window_days
                ),
            });
        }
    }
    // Credentials: the latest period of each body and kind; one renewed by declaration is due
    // on its next declaration date.
    let creds = queries::credentials(conn, user_id)?;
    let mut latest: HashMap<(String, String), (String, String, NaiveDate)> = HashMap::new();
    for (id, body, kind, number, expires) in creds {
        latest.insert((body, kind), (id, number, expires));
    }
    let rows = crate::accreditation::credentials::queries::all_of(conn, user_id)?;
    let declared = crate::accreditation::declarations::renewals(conn, &rows, today)?;
    let mut latest: Vec<_> = latest.into_iter().collect();
    latest.sort();
    for ((body, kind), (id, number, expires)) in latest {
        let what = kind.replace('_', " ");
        out.push(match declared.get(&id) {
            Some((d, _)) => Event {
                uid: format!("credential-{id}@registry"),
                on: d.next_declaration_on,
                summary: format!("{body} {what} annual declaration due"),
                description: format!(
                    "Membership {number}: declare by {}; the credential lapses after {}.",
                    d.next_declaration_on, d.grace_ends_on
                ),
            },
            None => Event {
                uid: format!("credential-{id}@registry"),
                on: expires,
                summary: format!("{body} {what} renewal due"),
                description: format!(
                    "Membership {number} expires on {expires}. Renew before then."
                ),
            },
        });
    }
    // Bodies' audits still open.
    for a in crate::body_audits::queries::of_person(conn, user_id)?
        .into_iter()
        .filter(|a| a.status == crate::body_audits::AuditStatus::Open)
    {
        out.push(Event {
            uid: format!("body-audit-{}@registry", a.id),
            on: a.due_on,
            summary: format!("{} audit due", a.body_code),
            description: format!(
                "{} asked on {} for your audit evidence; send it by {}.",
                a.body_code, a.requested_on, a.due_on
            ),
        });
    }
    // Competence reviews: the current (latest) sign-off of each competence.
    let signoffs = queries::reviews(conn, user_id)?;
    let mut current: HashMap<String, (String, String, Option<NaiveDate>)> = HashMap::new();
    for (id, code, title, review) in signoffs {
        current.insert(id, (code, title, review));
    }
    let mut current: Vec<_> = current.into_iter().collect();
    current.sort();
    for (id, (code, title, review)) in current {
        if let Some(on) = review {
            out.push(Event {
                uid: format!("competence-{id}-{user_id}@registry"),
                on,
                summary: format!("Competence review due: {code} {title}"),
                description: format!("The sign-off of {code} ({title}) is due for review."),
            });
        }
    }
    out.sort_by(|a, b| (a.on, &a.uid).cmp(&(b.on, &b.uid)));
    Ok(out)
}
