//! Accreditation's JSON routes: parse, call the use case, respond. One file a part of the
//! domain; this one holds credential kinds and modalities.

pub mod courses;
pub mod cpd;
pub mod credentials;
pub mod declarations;
pub mod duties;
pub mod required;
pub mod training;

use actix_web::{web, HttpResponse};

use crate::accreditation::kinds::{
    self as uc, CredentialKind, CredentialKindPatch, KindQuery, ModalityPatch, NewCredentialKind,
};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::{Admin, Auth};
use crate::http::page::whole;
use crate::http::{parse_id, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/credential-kinds", tag = "accreditation", params(KindQuery),
    summary = "List credential kinds",
    description = "The individual credentials each body grants, with their renewal cycle and reminder offsets.\n\n**Who may call:** any signed-in person.",
    responses((status = 200, body = inline(crate::http::page::Page<CredentialKind>)), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_kinds(
    state: web::Data<AppState>,
    _auth: Auth,
    q: web::Query<KindQuery>,
) -> Result<HttpResponse, AppError> {
    let body = q.into_inner().body;
    let rows = state
        .db(move |conn| uc::list_kinds(conn, body.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(whole(rows)))
}

#[utoipa::path(
    post, path = "/api/v1/credential-kinds", tag = "accreditation", request_body = NewCredentialKind,
    summary = "Add a credential kind",
    description = "**Who may call:** admins.",
    responses(
        (status = 201, body = CredentialKind), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_kind(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    body: Json<NewCredentialKind>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let created = state
        .write(move |conn| uc::create_kind(conn, &caller, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch, path = "/api/v1/credential-kinds/{id}", tag = "accreditation", request_body = CredentialKindPatch,
    summary = "Change a credential kind",
    params(("id" = String, Path, description = "credential kind id")),
    description = "**Who may call:** admins.",
    responses(
        (status = 200, body = CredentialKind), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_kind(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    id: web::Path<String>,
    body: Json<CredentialKindPatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let updated = state
        .write(move |conn| uc::update_kind(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(
    patch, path = "/api/v1/modalities/{code}", tag = "reference", request_body = ModalityPatch,
    summary = "Change which body accredits a modality",
    description = "Changes which body accredits a modality's courses (the sources disagree on couple therapy). Admins only.\n\n**Who may call:** admins.",
    params(("code" = String, Path, description = "modality code")),
    responses(
        (status = 200, body = crate::reference::Modality), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_modality(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    code: web::Path<String>,
    body: Json<ModalityPatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let code = code.into_inner();
    let updated = state
        .write(move |conn| uc::set_modality_body(conn, &caller, &code, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/credential-kinds", "GET, POST")
            .route(web::get().to(list_kinds))
            .route(web::post().to(create_kind)),
    )
    .service(resource("/credential-kinds/{id}", "PATCH").route(web::patch().to(patch_kind)))
    .service(resource("/modalities/{code}", "PATCH").route(web::patch().to(patch_modality)))
    .configure(courses::routes)
    .configure(training::routes)
    .configure(credentials::routes)
    .configure(cpd::routes)
    .configure(declarations::routes)
    .configure(duties::routes)
    .configure(required::routes);
}
