//! Reference data seeded by migration: accrediting bodies, modalities and practitioner roles.

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Auth;
use crate::db::schema::{accreditation_bodies, modalities, practitioner_roles};
use crate::db::DbConn;
use crate::http::page::{whole, Page};
use crate::http::{resource, AppError};

#[derive(Debug, Queryable, Serialize, ToSchema)]
pub struct Body {
    /// BPS, BABCP, BACP, BPC or IPTUK.
    pub code: String,
    pub name: String,
}

#[derive(Debug, Queryable, Serialize, ToSchema)]
pub struct Modality {
    pub code: String,
    pub name: String,
    /// The code of the body accrediting its courses.
    pub body: String,
}

/// The modality a practitioner role practises, or `None` for an unknown role.
pub fn modality_of_role(conn: &mut DbConn, role: &str) -> Result<Option<String>, AppError> {
    Ok(practitioner_roles::table
        .find(role)
        .select(practitioner_roles::modality_code)
        .first(conn)
        .optional()?)
}

#[utoipa::path(
    get, path = "/api/v1/accreditation-bodies", tag = "reference",
    responses((status = 200, body = inline(Page<Body>)), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_bodies(
    state: web::Data<AppState>,
    _auth: Auth,
) -> Result<HttpResponse, AppError> {
    let rows: Vec<Body> = state
        .db(|conn| {
            Ok(accreditation_bodies::table
                .select((accreditation_bodies::code, accreditation_bodies::name))
                .order(accreditation_bodies::code)
                .load(conn)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(whole(rows)))
}

#[utoipa::path(
    get, path = "/api/v1/modalities", tag = "reference",
    responses((status = 200, body = inline(Page<Modality>)), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_modalities(
    state: web::Data<AppState>,
    _auth: Auth,
) -> Result<HttpResponse, AppError> {
    let rows: Vec<Modality> = state
        .db(|conn| {
            Ok(modalities::table
                .select((modalities::code, modalities::name, modalities::body_code))
                .order(modalities::code)
                .load(conn)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(whole(rows)))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/accreditation-bodies", "GET").route(web::get().to(list_bodies)))
        .service(resource("/modalities", "GET").route(web::get().to(list_modalities)));
}
