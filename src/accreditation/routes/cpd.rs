//! CPD's JSON routes.

use actix_web::{web, HttpResponse};

use crate::accreditation::cpd::{self as uc, CpdActivity, CpdPatch, CpdQuery, NewCpd};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/cpd", tag = "accreditation", params(("id" = String, Path, description = "person id"), CpdQuery),
    description = "**Who may call:** the person, their training lead and admins.",
    summary = "A person's CPD",
    responses((status = 200, body = inline(Page<CpdActivity>)), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_cpd(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    q: web::Query<CpdQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let q = q.into_inner();
    let p = page.clone();
    let rows = state
        .db(move |conn| uc::list_cpd(conn, &caller, &id, &q, &p))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |r| &r.id)))
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/cpd", tag = "accreditation", request_body = NewCpd,
    summary = "Record CPD",
    description = "The practitioner records their own CPD.\n\n**Who may call:** the person, for themselves.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 201, body = CpdActivity), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_cpd(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewCpd>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let created = state
        .write(move |conn| uc::add_cpd(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch, path = "/api/v1/cpd/{id}", tag = "accreditation", request_body = CpdPatch,
    summary = "Change a CPD record",
    params(("id" = String, Path, description = "CPD activity id")),
    description = "**Who may call:** the person, for their own.",
    responses(
        (status = 200, body = CpdActivity), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_cpd(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<CpdPatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let updated = state
        .write(move |conn| uc::update_cpd(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(
    delete, path = "/api/v1/cpd/{id}", tag = "accreditation",
    summary = "Delete a CPD record",
    params(("id" = String, Path, description = "CPD activity id")),
    description = "**Who may call:** the person, for their own.",
    responses((status = 204), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn delete_cpd(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    state
        .write(move |conn| uc::delete_cpd(conn, &caller, &id, at))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners/{id}/cpd", "GET, POST")
            .route(web::get().to(list_cpd))
            .route(web::post().to(create_cpd)),
    )
    .service(
        resource("/cpd/{id}", "PATCH, DELETE")
            .route(web::patch().to(patch_cpd))
            .route(web::delete().to(delete_cpd)),
    );
}
