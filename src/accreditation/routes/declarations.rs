//! Declarations' and leaves' JSON routes.

use actix_web::{web, HttpResponse};

use crate::accreditation::declarations::{
    self as uc, Declaration, Declarations, LeaveOfAbsence, Leaves, NewDeclaration, NewLeave,
};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::{parse_id, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/accreditations/{id}/declarations", tag = "accreditation",
    summary = "A credential's annual declarations",
    description = "**Who may call:** the person, their training lead and admins.",
    params(("id" = String, Path, description = "accreditation id")),
    responses((status = 200, body = Declarations), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_declarations(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let list = state
        .db(move |conn| uc::list_declarations(conn, &caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(
    post, path = "/api/v1/accreditations/{id}/declarations", tag = "accreditation", request_body = NewDeclaration,
    summary = "Record an annual declaration",
    description = "For a credential whose kind renews by annual declaration (409 otherwise). Audited. The practitioner's own record waits for a check; a lead or admin who gives `verification_method` records it checked.\n\n**Who may call:** the person, their training lead and admins.",
    params(("id" = String, Path, description = "accreditation id")),
    responses(
        (status = 201, body = Declaration), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_declaration(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewDeclaration>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let created = state
        .write(move |conn| uc::declare(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get, path = "/api/v1/accreditations/{id}/leave", tag = "accreditation",
    summary = "A credential's leaves of absence",
    description = "**Who may call:** the person, their training lead and admins.",
    params(("id" = String, Path, description = "accreditation id")),
    responses((status = 200, body = Leaves), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_leaves(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let list = state
        .db(move |conn| uc::list_leaves(conn, &caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

#[utoipa::path(
    post, path = "/api/v1/accreditations/{id}/leave", tag = "accreditation", request_body = NewLeave,
    summary = "Record a leave of absence",
    description = "Both days included. The next declaration date moves by its length; the person's supervision and CPD reminders pause during it, and compliance shows `on_leave` rather than `overdue`. A person's leaves may not overlap. Audited.\n\n**Who may call:** the person, their training lead and admins.",
    params(("id" = String, Path, description = "accreditation id")),
    responses(
        (status = 201, body = LeaveOfAbsence), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_leave(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewLeave>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let created = state
        .write(move |conn| uc::record_leave(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch, path = "/api/v1/declarations/{id}", tag = "accreditation", request_body = crate::accreditation::credentials::Verification,
    summary = "Record the check of a declaration",
    description = "As for a credential: `{verified: true, verification_method, verification_reference}` records who checked it with the body, when and how. Audited; a check is final (409 after).\n\n**Who may call:** the person's training lead and admins, never the person.",
    params(("id" = String, Path, description = "declaration id")),
    responses(
        (status = 200, body = Declaration), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn verify_declaration(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<crate::accreditation::credentials::Verification>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let checked = state
        .write(move |conn| uc::verify_declaration(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(checked))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/accreditations/{id}/declarations", "GET, POST")
            .route(web::get().to(list_declarations))
            .route(web::post().to(create_declaration)),
    )
    .service(resource("/declarations/{id}", "PATCH").route(web::patch().to(verify_declaration)))
    .service(
        resource("/accreditations/{id}/leave", "GET, POST")
            .route(web::get().to(list_leaves))
            .route(web::post().to(create_leave)),
    );
}
