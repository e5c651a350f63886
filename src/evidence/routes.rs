//! The evidence pack's route: JSON, CSV or printable HTML by `Accept`.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{EvidencePack, PackQuery};
use super::render;
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::{parse_id, resource};

/// The representation the client asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Json,
    Csv,
    Html,
}

fn format_of(req: &HttpRequest) -> Format {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    for m in accept.split(',').map(|m| m.trim()) {
        if m.starts_with("text/csv") {
            return Format::Csv;
        }
        if m.starts_with("text/html") {
            return Format::Html;
        }
        if m.starts_with("application/json") {
            return Format::Json;
        }
    }
    Format::Json
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/evidence-pack", tag = "reports",
    summary = "A person's evidence pack for a body's audit",
    params(("id" = String, Path, description = "person id"), PackQuery),
    description = "What a body's audit asks for over the last `months`: signed-off supervision with totals per month (months without any are listed), CPD with reflective statements checked against the body's rule, competence sign-offs, and credentials with verification. `Accept: text/csv` answers one CSV with a `section` column; `Accept: text/html` a printable page.\n\n**Who may call:** the person, supervisors they named in the last year, their training lead and admins.",
    responses(
        (status = 200, description = "The pack as JSON; with `Accept: text/csv` as CSV; with `Accept: text/html` as a printable page.", content((EvidencePack = "application/json"), (String = "text/csv"), (String = "text/html"))),
        (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn evidence_pack(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    id: web::Path<String>,
    q: web::Query<PackQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let q = q.into_inner();
    let format = format_of(&req);
    let pack: EvidencePack = state
        .db(move |conn| super::evidence_pack(conn, &caller, &id, &q, at))
        .await?;
    let filename = format!(
        "evidence-{}-{}-{}",
        pack.body.code.to_lowercase(),
        crate::http::report::slug(&pack.practitioner.full_name),
        pack.to
    );
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(pack),
        Format::Csv => crate::http::csv::response(&format!("{filename}.csv"), render::csv(&pack)),
        Format::Html => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'",
            ))
            .body(render::html(&pack)),
    })
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners/{id}/evidence-pack", "GET").route(web::get().to(evidence_pack)),
    );
}
