//! People's JSON routes: parse, call the use case, respond.

use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;

use super::model::*;
use super::Inviting;
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, Json};

fn inviting(state: &AppState) -> Inviting {
    Inviting {
        keys: state.tokens.clone(),
        ttl_days: state.settings.invitation_ttl_days,
    }
}

/// Sends a queued invitation at once; if that fails the outbox retries it on its schedule.
async fn send_invitation(
    state: &AppState,
    person_id: &str,
    delivery: String,
    expires_at: NaiveDateTime,
) -> InvitationSent {
    let sent = match crate::outbox::deliver_now(state, delivery).await {
        Ok(sent) => sent,
        Err(e) => {
            tracing::warn!(person_id = %person_id, error = %e, "invitation not sent; the outbox will retry it");
            false
        }
    };
    InvitationSent { sent, expires_at }
}

#[utoipa::path(
    post, path = "/api/v1/practitioners", tag = "people", request_body = NewPractitioner,
    summary = "Add a person and send their invitation",
    description = "**Who may call:** training leads (people of their own service; never the admin role) and admins.",
    responses(
        (status = 201, body = Person), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "the email is taken"),
        (status = 415, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_practitioner(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewPractitioner>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let input = body.0;
    super::may_add(&caller, &input)?;
    let hash = match input.password.clone() {
        Some(p) => Some(state.hashers.hash(p).await?),
        None => None,
    };
    let inviting = inviting(&state);
    let (created, invitation) = state
        .write(move |conn| super::add_person(conn, &caller, input, hash, &inviting, at))
        .await?;
    let mut person = Person::view(created, false);
    if let Some((delivery, expires_at)) = invitation {
        person.invitation = Some(send_invitation(&state, &person.id, delivery, expires_at).await);
    }
    Ok(HttpResponse::Created().json(person))
}

#[utoipa::path(
    get, path = "/api/v1/practitioners", tag = "people", params(PeopleQuery),
    summary = "List people",
    description = "**Who may call:** admins (everyone), training leads and supervisors (their own service).",
    responses(
        (status = 200, body = inline(Page<Person>)), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn list_practitioners(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<PeopleQuery>,
) -> Result<HttpResponse, AppError> {
    crate::auth::policy::people_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::PEOPLE_READERS))?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let q = q.into_inner();
    let p = page.clone();
    let today = state.clock.today();
    let rows = state
        .db(move |conn| super::list_people(conn, &caller, q, &p, today))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |r| &r.id)))
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}", tag = "people",
    summary = "Read a person",
    params(("id" = String, Path, description = "person id")),
    description = "**Who may call:** the person, people of their service who may list it (training leads, supervisors), and admins; anyone else gets 404.",
    responses((status = 200, body = Person), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_practitioner(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let person = state
        .db(move |conn| super::get_person(conn, &caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(person))
}

#[utoipa::path(
    patch, path = "/api/v1/practitioners/{id}", tag = "people", request_body = PractitionerPatch,
    summary = "Change a person's record",
    params(("id" = String, Path, description = "person id")),
    description = "**Who may call:** the person's training lead and admins (an admin alone grants or removes the admin role); the person for their specialist interests, and alone for their ethnicity and languages.",
    responses(
        (status = 200, body = Person), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_practitioner(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<PractitionerPatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let person = state
        .write(move |conn| super::update_person(conn, &caller, &id, body.0, at))
        .await?;
    state.callers.forget(&person.id);
    Ok(HttpResponse::Ok().json(person))
}

#[utoipa::path(
    delete, path = "/api/v1/practitioners/{id}", tag = "people",
    summary = "Deactivate a person",
    description = "Deactivates the person (never a hard delete): they can no longer log in, and their sessions end.\n\n**Who may call:** the person's training lead and admins (only an admin deactivates an admin); nobody deactivates themselves.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 204), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn deactivate_practitioner(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let target = id.clone();
    state
        .write(move |conn| super::deactivate_person(conn, &caller, &id, at))
        .await?;
    state.callers.forget(&target);
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/invitation", tag = "people",
    summary = "Send a new invitation",
    description = "Sends a new invitation to a person who has not set a password yet; earlier links stop working.\n\n**Who may call:** the person's training lead and admins.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 200, body = InvitationSent), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "the person already has a password or is deactivated"),
    ),
    security(("bearer" = []))
)]
pub async fn reinvite(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let inviting = inviting(&state);
    let (person, delivery, expires_at) = state
        .write(move |conn| super::reinvite(conn, &caller, &id, &inviting, at))
        .await?;
    Ok(HttpResponse::Ok().json(send_invitation(&state, &person.id, delivery, expires_at).await))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners", "GET, POST")
            .route(web::get().to(list_practitioners))
            .route(web::post().to(create_practitioner)),
    )
    .service(
        resource("/practitioners/{id}", "GET, PATCH, DELETE")
            .route(web::get().to(get_practitioner))
            .route(web::patch().to(patch_practitioner))
            .route(web::delete().to(deactivate_practitioner)),
    )
    .service(resource("/practitioners/{id}/invitation", "POST").route(web::post().to(reinvite)));
}
