//! Services' JSON routes.

use actix_web::{web, HttpResponse};

use super::{NewService, Service, ServicePatch, ServiceQuery};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/services", tag = "services", params(ServiceQuery),
    summary = "List services",
    description = "**Who may call:** any signed-in person.",
    responses((status = 200, body = inline(Page<Service>)), (status = 401, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_services(
    state: web::Data<AppState>,
    _auth: Auth,
    q: web::Query<ServiceQuery>,
) -> Result<HttpResponse, AppError> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let rows = state.db(move |conn| super::list_services(conn, &p)).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |s: &Service| &s.id)))
}

#[utoipa::path(
    post, path = "/api/v1/services", tag = "services", request_body = NewService,
    summary = "Add a service",
    description = "**Who may call:** admins.",
    responses(
        (status = 201, body = Service), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 415, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_service(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewService>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    super::writer(&caller)?;
    let created = state
        .write(move |conn| super::create_service(conn, &caller, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get, path = "/api/v1/services/{id}", tag = "services",
    summary = "Read a service",
    params(("id" = String, Path, description = "service id")),
    description = "**Who may call:** any signed-in person.",
    responses((status = 200, body = Service), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_service(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let service = state.db(move |conn| super::get_service(conn, &id)).await?;
    Ok(HttpResponse::Ok().json(service))
}

#[utoipa::path(
    patch, path = "/api/v1/services/{id}", tag = "services", request_body = ServicePatch,
    summary = "Change a service",
    params(("id" = String, Path, description = "service id")),
    description = "**Who may call:** admins.",
    responses(
        (status = 200, body = Service), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_service(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<ServicePatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    super::writer(&caller)?;
    let updated = state
        .write(move |conn| super::update_service(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/services", "GET, POST")
            .route(web::get().to(list_services))
            .route(web::post().to(create_service)),
    )
    .service(
        resource("/services/{id}", "GET, PATCH")
            .route(web::get().to(get_service))
            .route(web::patch().to(patch_service)),
    );
}
