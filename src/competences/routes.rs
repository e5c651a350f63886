//! The competences' JSON routes: parse, call the use case, respond.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::*;
use crate::app::AppState;
use crate::auth::policy::report_scope;
use crate::error::AppError;
use crate::http::caller::{Admin, Auth};
use crate::http::page::{whole, Page, PageRequest};
use crate::http::{parse_id, report, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/competency-frameworks", tag = "competences",
    summary = "List competence frameworks",
    description = "**Who may call:** any signed-in person.",
    responses((status = 200, body = inline(Page<Framework>)), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_frameworks(
    state: web::Data<AppState>,
    _auth: Auth,
) -> Result<HttpResponse, AppError> {
    let items = state.db(super::list_frameworks).await?;
    Ok(HttpResponse::Ok().json(whole(items)))
}

#[utoipa::path(
    get, path = "/api/v1/competency-frameworks/{id}", tag = "competences",
    summary = "Read a competence framework",
    params(("id" = String, Path, description = "framework id")),
    description = "**Who may call:** any signed-in person.",
    responses((status = 200, body = Framework), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_framework(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let f = state
        .db(move |conn| super::get_framework(conn, &id))
        .await?;
    Ok(HttpResponse::Ok().json(f))
}

#[utoipa::path(
    post, path = "/api/v1/competency-frameworks", tag = "competences", request_body = NewFramework,
    summary = "Add a competence framework",
    description = "**Who may call:** admins.",
    responses((status = 201, body = Framework), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn create_framework(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    body: Json<NewFramework>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let f = state
        .write(move |conn| super::create_framework(conn, &caller, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(f))
}

#[utoipa::path(
    post, path = "/api/v1/competency-frameworks/{id}/competences", tag = "competences", request_body = NewCompetence,
    summary = "Add a competence to a framework",
    params(("id" = String, Path, description = "framework id")),
    description = "**Who may call:** admins.",
    responses((status = 201, body = Competence), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn add_competence(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    id: web::Path<String>,
    body: Json<NewCompetence>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let framework = parse_id(&id)?;
    let c = state
        .write(move |conn| super::add_competence(conn, &caller, &framework, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(c))
}

#[utoipa::path(
    patch, path = "/api/v1/competences/{id}", tag = "competences", request_body = CompetencePatch,
    summary = "Change a competence",
    params(("id" = String, Path, description = "competence id")),
    description = "**Who may call:** admins.",
    responses((status = 200, body = Competence), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn patch_competence(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    id: web::Path<String>,
    body: Json<CompetencePatch>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let c = state
        .write(move |conn| super::patch_competence(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Ok().json(c))
}

#[utoipa::path(
    post, path = "/api/v1/competency-frameworks/{id}/assessors", tag = "competences", request_body = NamedAssessor,
    summary = "Name a first assessor of a framework",
    description = "Names a first assessor of a framework, before anyone holds its competences (admins).\n\n**Who may call:** admins.",
    params(("id" = String, Path, description = "framework id")),
    responses((status = 204), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn name_assessor(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    id: web::Path<String>,
    body: Json<NamedAssessor>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let framework = parse_id(&id)?;
    state
        .write(move |conn| super::name_assessor(conn, &caller, &framework, body.0, at))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/competencies", tag = "competences",
    summary = "A person's competences",
    description = "Every competence with the person's current state (the latest assessment; `review_overdue` once its review date has passed) and its history.\n\n**Who may call:** the person, their training lead, supervisors of their service, and admins.",
    params(("id" = String, Path, description = "person id")),
    responses((status = 200, body = PersonCompetences), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn person_competences(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let out = state
        .db(move |conn| super::person_competences(conn, &caller, &id, at))
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/competencies", tag = "competences", request_body = NewAssessment,
    summary = "Record a competence assessment",
    description = "Records an assessment of one competence, by the caller. Training leads assess; so do supervisors who hold a current `met` for the same competence, and first assessors an admin named. Nobody assesses themselves.\n\n**Who may call:** the person's training lead, admins, a supervisor holding a current `met` for the competence, or a named first assessor; never oneself.",
    params(("id" = String, Path, description = "person id")),
    responses((status = 201, body = Assessment), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn assess(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewAssessment>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    let a = state
        .write(move |conn| super::assess(conn, &caller, &id, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(a))
}

#[utoipa::path(
    get, path = "/api/v1/supervisors", tag = "competences", params(SupervisorQuery),
    summary = "Supervisor eligibility matrix",
    description = "The eligibility matrix: each supervisor, whether they may supervise each modality, and what they lack.\n\n**Who may call:** training leads (their own service) and admins.",
    responses((status = 200, body = inline(Page<SupervisorRow>)), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn supervisors(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<SupervisorQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let scope = report_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let q = q.into_inner();
    let p = page.clone();
    let rows = state
        .db(move |conn| super::eligibility_matrix(conn, &scope, &q, &p, at))
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |r| &r.supervisor_id)))
}

#[utoipa::path(
    get, path = "/api/v1/reports/competencies", tag = "reports", params(CompetenceReportQuery),
    summary = "Competence report",
    description = "The current state and review date of every assessed competence, by person. `Accept: text/csv` answers every row as CSV.\n\n**Who may call:** training leads (their own service) and admins.",
    responses(
        (status = 200, description = "The report as JSON, or with `Accept: text/csv` as CSV.", content((inline(crate::http::report::ReportPage<CompetenceReportRow>) = "application/json"), (String = "text/csv"))),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn competencies_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<CompetenceReportQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let scope = report_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let q = q.into_inner();
    super::report_state(q.state.as_deref())?;
    let (limit, cursor) = (q.limit, q.cursor.clone());
    let covers =
        crate::services::covers(&state, &req, &scope, q.service_id.as_deref(), at.date()).await?;
    report::paged(
        &state,
        &req,
        (limit, cursor.as_deref()),
        covers,
        move |conn, page| super::report_page(conn, &scope, &q, page, at),
    )
    .await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/competency-frameworks", "GET, POST")
            .route(web::get().to(list_frameworks))
            .route(web::post().to(create_framework)),
    )
    .service(resource("/competency-frameworks/{id}", "GET").route(web::get().to(get_framework)))
    .service(
        resource("/competency-frameworks/{id}/competences", "POST")
            .route(web::post().to(add_competence)),
    )
    .service(
        resource("/competency-frameworks/{id}/assessors", "POST")
            .route(web::post().to(name_assessor)),
    )
    .service(resource("/competences/{id}", "PATCH").route(web::patch().to(patch_competence)))
    .service(
        resource("/practitioners/{id}/competencies", "GET, POST")
            .route(web::get().to(person_competences))
            .route(web::post().to(assess)),
    )
    .service(resource("/supervisors", "GET").route(web::get().to(supervisors)))
    .service(resource("/reports/competencies", "GET").route(web::get().to(competencies_report)));
}
