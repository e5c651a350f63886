//! A secret calendar feed per person: their supervision due dates, credential renewals and
//! competence reviews as iCalendar, for any calendar client to subscribe to without a token.
//!
//! The feed secret is derived (HMAC) from the person's id and a random nonce under a server
//! key, so `GET /me/calendar-feed` can show the same address again while only the secret's
//! SHA-256 is stored. Rotating draws a new nonce: the old address stops working at once.

pub mod ics;

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::audit::{self, Change};
use crate::auth::tokens::{digest, new_secret};
use crate::auth::Auth;
use crate::db::schema::{
    accreditations, calendar_feeds, competencies, competency_assessments, users,
};
use crate::db::DbConn;
use crate::http::{resource, AppError};
use ics::Event;

#[derive(Debug, Serialize, ToSchema)]
pub struct Feed {
    /// The secret address: anyone holding it can read the person's due dates, so share it with
    /// a calendar client only. Rotate it if it leaks.
    pub url: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: chrono::NaiveDateTime,
}

fn feed_url(state: &AppState, secret: &str) -> String {
    format!("{}/calendar/{secret}.ics", state.settings.public_base_url())
}

/// The caller's feed, made (or, with `rotate`, replaced) in one transaction.
async fn issue(
    state: &web::Data<AppState>,
    user_id: String,
    rotate: bool,
) -> Result<Feed, AppError> {
    let tokens = state.tokens.clone();
    let now = state.clock.now();
    let (secret, created_at) = state
        .write(move |conn| {
            let found: Option<(String, String, chrono::NaiveDateTime)> = calendar_feeds::table
                .find(&user_id)
                .select((
                    calendar_feeds::nonce,
                    calendar_feeds::secret_hash,
                    calendar_feeds::created_at,
                ))
                .first(conn)
                .optional()?;
            if let (Some((nonce, hash, created_at)), false) = (&found, rotate) {
                let secret = tokens.feed_secret(&user_id, nonce);
                if digest(&secret) != *hash {
                    // The server key changed (a new signing secret): the stored address could
                    // no longer be shown, so the one shown now becomes the working one.
                    diesel::update(calendar_feeds::table.find(&user_id))
                        .set(calendar_feeds::secret_hash.eq(digest(&secret)))
                        .execute(conn)?;
                }
                return Ok((secret, *created_at));
            }
            let nonce = new_secret();
            let secret = tokens.feed_secret(&user_id, &nonce);
            if found.is_some() {
                diesel::update(calendar_feeds::table.find(&user_id))
                    .set((
                        calendar_feeds::nonce.eq(&nonce),
                        calendar_feeds::secret_hash.eq(digest(&secret)),
                        calendar_feeds::created_at.eq(now),
                    ))
                    .execute(conn)?;
            } else {
                diesel::insert_into(calendar_feeds::table)
                    .values((
                        calendar_feeds::user_id.eq(&user_id),
                        calendar_feeds::nonce.eq(&nonce),
                        calendar_feeds::secret_hash.eq(digest(&secret)),
                        calendar_feeds::created_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            let service: Option<String> = users::table
                .find(&user_id)
                .select(users::service_id)
                .first(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&user_id),
                    action: if found.is_some() { "rotate" } else { "create" },
                    entity_type: "calendar_feed",
                    entity_id: &user_id,
                    service_id: service.as_deref(),
                    before: found
                        .as_ref()
                        .map(|f| serde_json::json!({"created_at": crate::app::rfc3339(&f.2)})),
                    after: Some(serde_json::json!({"created_at": crate::app::rfc3339(&now)})),
                },
                now,
            )?;
            Ok((secret, now))
        })
        .await?;
    Ok(Feed {
        url: feed_url(state, &secret),
        created_at,
    })
}

#[utoipa::path(
    get, path = "/api/v1/me/calendar-feed", tag = "calendar",
    description = "The caller's secret iCalendar feed address, made on first asking. The same address is answered until it is rotated.",
    responses((status = 200, body = Feed), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_feed(
    state: web::Data<AppState>,
    Auth(caller): Auth,
) -> Result<HttpResponse, AppError> {
    let feed = match issue(&state, caller.id.clone(), false).await {
        // A concurrent first request made the feed between our read and insert: show that one.
        Err(AppError::Conflict(_)) => issue(&state, caller.id, false).await?,
        other => other?,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(feed))
}

#[utoipa::path(
    post, path = "/api/v1/me/calendar-feed/rotate", tag = "calendar",
    description = "Revokes the caller's feed address and issues a new one.",
    responses((status = 200, body = Feed), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn rotate_feed(
    state: web::Data<AppState>,
    Auth(caller): Auth,
) -> Result<HttpResponse, AppError> {
    let feed = issue(&state, caller.id, true).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(feed))
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
    }
    // Credentials: the latest period of each body and kind.
    let creds: Vec<(String, String, String, String, NaiveDate)> = accreditations::table
        .filter(accreditations::practitioner_id.eq(user_id))
        .order((accreditations::valid_from.asc(), accreditations::id.asc()))
        .select((
            accreditations::id,
            accreditations::body_code,
            accreditations::kind,
            accreditations::membership_number,
            accreditations::expires_on,
        ))
        .load(conn)?;
    let mut latest: HashMap<(String, String), (String, String, NaiveDate)> = HashMap::new();
    for (id, body, kind, number, expires) in creds {
        latest.insert((body, kind), (id, number, expires));
    }
    let mut latest: Vec<_> = latest.into_iter().collect();
    latest.sort();
    for ((body, kind), (id, number, expires)) in latest {
        out.push(Event {
            uid: format!("credential-{id}@registry"),
            on: expires,
            summary: format!("{body} {} renewal due", kind.replace('_', " ")),
            description: format!("Membership {number} expires on {expires}. Renew before then."),
        });
    }
    // Competence reviews: the current (latest) sign-off of each competence.
    let signoffs: Vec<(String, String, String, Option<NaiveDate>)> = competency_assessments::table
        .inner_join(competencies::table)
        .filter(competency_assessments::practitioner_id.eq(user_id))
        .filter(competencies::retired_at.is_null())
        .order((
            competency_assessments::assessed_on.asc(),
            competency_assessments::created_at.asc(),
        ))
        .select((
            competency_assessments::competency_id,
            competencies::code,
            competencies::title,
            competency_assessments::review_due_on,
        ))
        .load(conn)?;
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

#[utoipa::path(
    get, path = "/calendar/{secret}.ics", tag = "calendar",
    description = "The feed itself (no token: the secret is the credential). RFC 5545 iCalendar of the person's supervision due dates, credential renewals and competence reviews. An unknown or rotated secret is a 404.",
    params(("secret" = String, Path, description = "the feed secret")),
    responses((status = 200, body = String, content_type = "text/calendar"), (status = 404, body = crate::http::Problem)),
)]
pub async fn feed(
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let secret = file
        .strip_suffix(".ics")
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .ok_or(AppError::NotFound)?
        .to_string();
    let today = now.date();
    let (name, events) = state
        .db(move |conn| {
            let owner: Option<(String, String)> = calendar_feeds::table
                .inner_join(users::table)
                .filter(calendar_feeds::secret_hash.eq(digest(&secret)))
                .filter(users::active.eq(true))
                .select((users::id, users::full_name))
                .first(conn)
                .optional()?;
            let (id, name) = owner.ok_or(AppError::NotFound)?;
            Ok((name, events(conn, &id, today)?))
        })
        .await?;
    let body = ics::calendar(&format!("Registry: {name}"), &events, now);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/calendar; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"registry.ics\"",
        ))
        .body(body))
}

/// Under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/me/calendar-feed", "GET").route(web::get().to(get_feed)))
        .service(resource("/me/calendar-feed/rotate", "POST").route(web::post().to(rotate_feed)));
}

/// At the root, beside `/health`.
pub fn public_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/calendar/{file}", "GET").route(web::get().to(feed)));
}
