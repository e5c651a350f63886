//! Reference data's JSON routes.

use actix_web::{web, HttpResponse};

use super::{queries, Body, Modality};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{whole, Page};
use crate::http::resource;

#[utoipa::path(
    get, path = "/api/v1/accreditation-bodies", tag = "reference",
    summary = "List accrediting bodies",
    description = "**Who may call:** any signed-in person.",
    responses((status = 200, body = inline(Page<Body>)), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_bodies(
    state: web::Data<AppState>,
    _auth: Auth,
) -> Result<HttpResponse, AppError> {
    let rows: Vec<Body> = state.db(queries::bodies).await?;
    Ok(HttpResponse::Ok().json(whole(rows)))
}

#[utoipa::path(
    get, path = "/api/v1/modalities", tag = "reference",
    summary = "List modalities and who accredits them",
    description = "**Who may call:** any signed-in person.",
    responses((status = 200, body = inline(Page<Modality>)), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_modalities(
    state: web::Data<AppState>,
    _auth: Auth,
) -> Result<HttpResponse, AppError> {
    let rows: Vec<Modality> = state.db(queries::modalities).await?;
    Ok(HttpResponse::Ok().json(whole(rows)))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/accreditation-bodies", "GET").route(web::get().to(list_bodies)))
        .service(resource("/modalities", "GET").route(web::get().to(list_modalities)));
}
