//! Supervision's JSON routes: parse, call the use case, respond.

use actix_web::{web, HttpRequest, HttpResponse};

use super::links::SupervisedServices;
use super::model::*;
use super::policy::{Policy, PolicyQuery};
use super::report::{ReportQuery, ReportRow};
use super::rules::LogStatus;
use crate::app::AppState;
use crate::auth::policy::report_scope;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{whole, Page, PageRequest};
use crate::http::{parse_id, report, resource, Json};

/// Sends a just-queued email in the background; the outbox retries it if this fails.
#[utoipa::path(
    post, path = "/api/v1/supervision-logs", tag = "supervision", request_body = NewLog,
    summary = "Log a supervision session",
    description = "Logs a supervision session; it starts `submitted`. The notes are free text: no patient-identifiable data belongs there.\n\n**Who may call:** the supervisee, for themselves; a supervisor, naming themselves, for a person of a service they supervise in.",
    responses(
        (status = 201, body = LogView), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 415, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_log(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewLog>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let keys = state.tokens.clone();
    let (log, email) = state
        .write(move |conn| super::create_log(conn, &caller, body.0, &keys, at))
        .await?;
    crate::outbox::send_soon(&state, email);
    Ok(HttpResponse::Created().json(log))
}

#[utoipa::path(
    get, path = "/api/v1/supervision-logs", tag = "supervision", params(LogQuery),
    summary = "List supervision logs",
    description = "The logs the caller may see, newest first: their own, those naming them as supervisor, their service's (training leads), all (admins).\n\n**Who may call:** any signed-in person. Each sees only the logs they may: see the description.",
    responses((status = 200, body = inline(Page<LogView>)), (status = 401, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_logs(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<LogQuery>,
) -> Result<HttpResponse, AppError> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let filter = super::log_filter(q.into_inner())?;
    let p = page.clone();
    let rows = state
        .db(move |conn| super::list_logs(conn, &caller, &filter, &p))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |l| &l.log.id)))
}

#[utoipa::path(
    get, path = "/api/v1/supervision-logs/{id}", tag = "supervision",
    summary = "Read a supervision log",
    params(("id" = String, Path, description = "log id")),
    description = "**Who may call:** its supervisee, its supervisor, the supervisee's training lead and admins; anyone else gets 404.",
    responses((status = 200, body = LogView), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_log(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let log = state
        .db(move |conn| super::get_log(conn, &caller, &id))
        .await?;
    Ok(HttpResponse::Ok().json(log))
}

#[utoipa::path(
    patch, path = "/api/v1/supervision-logs/{id}", tag = "supervision", request_body = LogPatch,
    summary = "Change a submitted log",
    params(("id" = String, Path, description = "log id")),
    description = "**Who may call:** its supervisee, while it is `submitted`.",
    responses(
        (status = 200, body = LogView), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem, description = "signed off or rejected"),
        (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_log(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<LogPatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let keys = state.tokens.clone();
    let (log, email) = state
        .write(move |conn| super::update_log(conn, &caller, &id, body.0, &keys, at))
        .await?;
    crate::outbox::send_soon(&state, email);
    Ok(HttpResponse::Ok().json(log))
}

#[utoipa::path(
    delete, path = "/api/v1/supervision-logs/{id}", tag = "supervision",
    summary = "Withdraw a submitted log",
    description = "Withdraws a log while it is `submitted` (the audit trail keeps what it said).\n\n**Who may call:** its supervisee, while it is `submitted`.",
    params(("id" = String, Path, description = "log id")),
    responses(
        (status = 204), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn withdraw_log(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    state
        .write(move |conn| super::withdraw_log(conn, &caller, &id, at))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post, path = "/api/v1/supervision-logs/{id}/sign-off", tag = "supervision",
    summary = "Countersign a log",
    description = "The named supervisor countersigns the log; a signed-off log never changes.\n\n**Who may call:** the supervisor the log names.",
    params(("id" = String, Path, description = "log id")),
    responses(
        (status = 200, body = SupervisionLog), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn sign_off(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let log = state
        .write(move |conn| super::review(conn, &caller, &id, LogStatus::SignedOff, None, at))
        .await?;
    Ok(HttpResponse::Ok().json(log))
}

#[utoipa::path(
    post, path = "/api/v1/supervision-logs/{id}/reject", tag = "supervision", request_body = Rejection,
    summary = "Reject a log, with a reason",
    params(("id" = String, Path, description = "log id")),
    description = "**Who may call:** the supervisor the log names.",
    responses(
        (status = 200, body = SupervisionLog), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn reject(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<Rejection>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let log = state
        .write(move |conn| super::reject(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(log))
}

#[utoipa::path(
    post, path = "/api/v1/supervision-logs/sign-off", tag = "supervision", request_body = BulkSignOff,
    summary = "Countersign several logs at once",
    description = "Signs off several logs at once, all or nothing: if any cannot be signed off by the caller, none is.\n\n**Who may call:** the supervisor every log names.",
    responses(
        (status = 200, body = inline(Page<SupervisionLog>)), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn sign_off_many(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<BulkSignOff>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let ids = super::bulk_ids(&body.0)?;
    let signed = state
        .write(move |conn| super::sign_off_all(conn, &caller, &ids, at))
        .await?;
    Ok(HttpResponse::Ok().json(whole(signed)))
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/supervision-compliance", tag = "supervision",
    summary = "A person's supervision compliance",
    description = "One item per supervision rule that applies to the person, computed for today.\n\n**Who may call:** the person, their training lead, admins, and supervisors they named in the last 12 months.",
    params(("id" = String, Path, description = "person id")),
    responses((status = 200, body = ComplianceReport), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn person_compliance(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let report = state
        .db(move |conn| super::person_compliance(conn, &caller, &id, at))
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[utoipa::path(
    get, path = "/api/v1/supervisors/{id}/services", tag = "supervision",
    summary = "Services a supervisor also supervises in",
    description = "Admins: the services this supervisor supervises in besides their own.\n\n**Who may call:** admins.",
    params(("id" = String, Path)),
    responses((status = 200, body = SupervisedServices), (status = 401, body = crate::http::Problem),
              (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_services(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let service_ids = state
        .db(move |conn| super::links::supervised_services(conn, &caller, &path))
        .await?;
    Ok(HttpResponse::Ok().json(SupervisedServices { service_ids }))
}

#[utoipa::path(
    put, path = "/api/v1/supervisors/{id}/services", tag = "supervision", request_body = SupervisedServices,
    summary = "Set the services a supervisor also supervises in",
    description = "Admins: replaces the services this supervisor supervises in besides their own. A supervisor records sessions for, and is named by, people of those services.\n\n**Who may call:** admins.",
    params(("id" = String, Path)),
    responses((status = 200, body = SupervisedServices), (status = 401, body = crate::http::Problem),
              (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem),
              (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn put_services(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    path: web::Path<String>,
    body: Json<SupervisedServices>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let service_ids = state
        .write(move |conn| super::links::link_services(conn, &caller, &path, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(SupervisedServices { service_ids }))
}

#[utoipa::path(
    get, path = "/api/v1/supervision-policy", tag = "supervision", params(PolicyQuery),
    summary = "Read the supervision policy",
    description = "The registry-wide rules, or with `service_id` the rules that service follows, each marked `scope`: `service` for its own (replacing the registry's for its people), `registry` for the rest. Anyone may read the registry's; a service's are read by its own people and admins.\n\n**Who may call:** any signed-in person. A service's own rules: its people and admins.",
    responses((status = 200, body = Policy), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_policy(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<PolicyQuery>,
) -> Result<HttpResponse, AppError> {
    let service = q.into_inner().service_id;
    let policy = state
        .db(move |conn| super::policy::read_policy(conn, &caller, service))
        .await?;
    Ok(HttpResponse::Ok().json(policy))
}

#[utoipa::path(
    put, path = "/api/v1/supervision-policy", tag = "supervision", request_body = Policy, params(PolicyQuery),
    summary = "Replace supervision-policy rules",
    description = "Replaces rules as a whole. An admin without `service_id` replaces the registry-wide rules; with it (or a training lead, for their own service only) that service's own rules: each replaces the registry's rule for the same role, stage and type for the service's people, a rule equal to the registry's is not kept (the service follows it), and one left out follows the registry's. At least one rule. Compliance is computed from the new rules at once.\n\n**Who may call:** admins (the registry-wide rules or any service's); training leads (their own service's).",
    responses(
        (status = 200, body = Policy), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn put_policy(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<PolicyQuery>,
    body: Json<Policy>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let policy = body.0;
    let (target, errors) =
        super::policy::prepare_replace(&caller, q.into_inner().service_id, &policy)?;
    let saved = state
        .write(move |conn| super::policy::replace(conn, &caller, &target, policy, errors, at))
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}

#[utoipa::path(
    delete, path = "/api/v1/supervision-policy", tag = "supervision", params(PolicyQuery),
    summary = "Remove a service's own policy rules",
    description = "Removes a service's own rules (`service_id`, or a training lead's own service): its people follow the registry-wide rules again. The registry-wide rules cannot be removed.\n\n**Who may call:** admins (any service); training leads (their own).",
    responses(
        (status = 200, body = Policy), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn delete_policy(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<PolicyQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let service = super::policy::clear_target(&caller, q.into_inner().service_id)?;
    let cleared = state
        .write(move |conn| super::policy::clear_policy(conn, &caller, &service, at))
        .await?;
    Ok(HttpResponse::Ok().json(cleared))
}

#[utoipa::path(
    get, path = "/api/v1/reports/supervision-compliance", tag = "reports", params(ReportQuery),
    summary = "Supervision compliance report",
    description = "One row per practitioner and supervision rule. `Accept: text/csv` answers every row as CSV.\n\n**Who may call:** training leads (their own service) and admins.",
    responses(
        (status = 200, description = "The report as JSON, or with `Accept: text/csv` as CSV.", content((inline(crate::http::report::ReportPage<ReportRow>) = "application/json"), (String = "text/csv"))),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn supervision_compliance_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let scope = report_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let q = q.into_inner();
    super::report::report_status(q.status.as_deref())?;
    let (limit, cursor) = (q.limit, q.cursor.clone());
    let covers =
        crate::services::covers(&state, &req, &scope, q.service_id.as_deref(), at.date()).await?;
    report::paged::<ReportRow, _>(
        &state,
        &req,
        (limit, cursor.as_deref()),
        covers,
        move |conn, page| super::report::report_page(conn, &scope, &q, page, at.date()),
    )
    .await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/supervisors/{id}/services", "GET, PUT")
            .route(web::get().to(get_services))
            .route(web::put().to(put_services)),
    )
    .service(
        resource("/supervision-logs", "GET, POST")
            .route(web::get().to(list_logs))
            .route(web::post().to(create_log)),
    )
    .service(resource("/supervision-logs/sign-off", "POST").route(web::post().to(sign_off_many)))
    .service(
        resource("/supervision-logs/{id}", "GET, PATCH, DELETE")
            .route(web::get().to(get_log))
            .route(web::patch().to(patch_log))
            .route(web::delete().to(withdraw_log)),
    )
    .service(resource("/supervision-logs/{id}/sign-off", "POST").route(web::post().to(sign_off)))
    .service(resource("/supervision-logs/{id}/reject", "POST").route(web::post().to(reject)))
    .service(
        resource("/practitioners/{id}/supervision-compliance", "GET")
            .route(web::get().to(person_compliance)),
    )
    .service(
        resource("/supervision-policy", "GET, PUT, DELETE")
            .route(web::get().to(get_policy))
            .route(web::put().to(put_policy))
            .route(web::delete().to(delete_policy)),
    )
    .service(
        resource("/reports/supervision-compliance", "GET")
            .route(web::get().to(supervision_compliance_report)),
    );
}
