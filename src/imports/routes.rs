//! `POST /api/v1/imports/practitioners`: read the upload, run the use case, answer the report.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::model::*;
use crate::app::AppState;
use crate::auth::policy::Importer;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::resource;
use crate::people::Inviting;

/// Parses `?mapping=` (a JSON object from field to header).
pub fn parse_mapping(raw: Option<&str>) -> Result<Vec<(String, String)>, AppError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(raw).map_err(|_| {
        AppError::invalid(
            "mapping",
            "must be a JSON object from field to the file's header, e.g. {\"email\": \"Work Email\"}",
        )
    })?;
    map.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(h) => Ok((k, h)),
            _ => Err(AppError::invalid("mapping", "each header must be text")),
        })
        .collect()
}

/// Runs an import for a signed-in person (the API and the pages): the file is checked (and
/// written) off the async workers, and the invitations it queued are sent after it commits.
pub async fn run(
    state: &AppState,
    importer: Importer,
    file: Vec<u8>,
    options: ImportOptions,
) -> Result<ImportReport, AppError> {
    let at = state.clock.now();
    let inviting = Inviting {
        keys: state.tokens.clone(),
        ttl_days: state.settings.invitation_ttl_days,
    };
    let dry_run = options.dry_run;
    let work = move |conn: &mut crate::db::DbConn| {
        super::import_practitioners(conn, &importer, &file, &options, &inviting, at, &|_, _| {})
    };
    let report = if dry_run {
        state.db(work).await?
    } else {
        state.write(work).await?
    };
    if !dry_run && report.errors.is_empty() && report.created > 0 {
        let owned = state.clone();
        state.spawn_background(async move {
            if let Err(e) = crate::outbox::deliver(&owned).await {
                tracing::warn!(error = %e, "invitations not sent yet; the outbox will retry them");
            }
        });
    }
    tracing::info!(
        dry_run,
        created = report.created,
        updated = report.updated,
        unchanged = report.unchanged,
        problems = report.errors.len(),
        "staff list imported"
    );
    Ok(report)
}

/// The report as answered: 200, or, when an import (not a dry run) found problems and wrote
/// nothing, 422 problem details carrying the same report.
pub fn respond(report: &ImportReport) -> HttpResponse {
    if report.dry_run || report.errors.is_empty() {
        return HttpResponse::Ok().json(report);
    }
    let mut body = serde_json::json!({
        "type": "urn:registry:problem:validation",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": format!("{} problems in the file; nothing was imported", report.errors.len()),
    });
    if let (Some(obj), Ok(serde_json::Value::Object(r))) =
        (body.as_object_mut(), serde_json::to_value(report))
    {
        obj.extend(r);
    }
    HttpResponse::UnprocessableEntity()
        .insert_header((header::CONTENT_TYPE, "application/problem+json"))
        .json(body)
}

#[utoipa::path(
    post, path = "/api/v1/imports/practitioners", tag = "people", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "A staff list: a header row, then one row a person. UTF-8 (a byte-order mark is fine), separated by commas or semicolons, quoted as RFC 4180. Or `multipart/form-data` with the file in a part named `file`.\n\nColumns read (any case; spaces or underscores): `email` (required), `full_name` (or `first_name` and `last_name`), `practitioner_role` (a code such as `pwp`, or a job title such as `Psychological Wellbeing Practitioner`), `stage` (`trainee`, `qualified`), `wte` (0.1 to 1.0), `started_on` (YYYY-MM-DD or DD/MM/YYYY), `service` (name or id), `roles` (`practitioner`, `supervisor`, `training_lead`, `admin`, separated by `;`), `esr_assignment_number`. ESR's headers (`Assignment Number`, `First Name`, `Last Name`, `Primary Email Address`, `Assignment Start Date`, `FTE`) are understood; other headers are given with `?mapping=`. Other columns are ignored and listed.", example = "email,full_name,practitioner_role,stage,wte\r\nana.silva@nhs.net,Ana Silva,pwp,trainee,1.0\r\n"),
    summary = "Bring people in from a staff list",
    description = "Checks every row, then writes all or nothing in one transaction: a new email creates a person (and queues their invitation), a known one updates them where the row differs, a row that matches changes nothing (importing the same file twice changes nothing). Every change is audited. With `dry_run=true` nothing is written and the report says what would be. A failed import answers 422 with the same report.\n\n**Who may call:** training leads (people of their own service only: a row naming another service is an error on that row) and admins.",
    responses(
        (status = 200, body = ImportReport), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 408, body = crate::http::Problem),
        (status = 413, body = crate::http::Problem, description = "the file is over the import limit"),
        (status = 415, body = crate::http::Problem),
        (status = 422, body = ImportReport, description = "problems in the file (nothing written), with the report"),
    ),
    security(("bearer" = []))
)]
pub async fn import_practitioners(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<ImportQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let importer = Importer::Person(caller);
    if !crate::auth::policy::may_import(&importer) {
        return Err(AppError::needs(crate::auth::policy::SERVICE_MANAGERS));
    }
    let q = q.into_inner();
    let options = ImportOptions {
        dry_run: q.dry_run.unwrap_or(false),
        service_id: q.service_id,
        mapping: parse_mapping(q.mapping.as_deref())?,
    };
    let upload = super::upload::read(
        &req,
        payload,
        state.settings.import_max_bytes,
        std::time::Duration::from_secs(state.settings.body_timeout_secs),
    )
    .await?;
    let file = upload
        .file
        .ok_or_else(|| AppError::invalid("file", "send the staff list in a part named file"))?;
    let report = run(&state, importer, file, options).await?;
    Ok(respond(&report))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/imports/practitioners", "POST").route(web::post().to(import_practitioners)),
    );
}
