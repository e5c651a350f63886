//! Required training's JSON routes, and the courses report.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::accreditation::required::{
    self as uc, CourseAudit, CourseReportQuery, NewRequiredCourse, RequiredCourse, RequiredQuery,
};
use crate::app::AppState;
use crate::auth::policy::report_scope;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::page::{whole, Page};
use crate::http::{parse_id, report, resource, Json};

#[utoipa::path(
    get, path = "/api/v1/required-courses", tag = "accreditation", params(RequiredQuery),
    summary = "List required courses",
    description = "**Who may call:** training leads (their own service) and admins.",
    responses((status = 200, body = inline(Page<RequiredCourse>)), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_required(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<RequiredQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = report_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let service = q.into_inner().service_id;
    let rows = state
        .db(move |conn| uc::list_required(conn, &scope, service.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(whole(rows)))
}

#[utoipa::path(
    post, path = "/api/v1/required-courses", tag = "accreditation", request_body = NewRequiredCourse,
    summary = "Require a course in a service",
    description = "Marks a course as required in a service, for everyone or for one practitioner role (training leads of that service, admins).\n\n**Who may call:** training leads (their own service) and admins.",
    responses(
        (status = 201, body = RequiredCourse), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_required(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewRequiredCourse>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let created = state
        .write(move |conn| uc::require_course(conn, &caller, body.0, at))
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    delete, path = "/api/v1/required-courses/{id}", tag = "accreditation",
    summary = "Stop requiring a course",
    params(("id" = String, Path, description = "requirement id")),
    description = "**Who may call:** training leads (their own service) and admins.",
    responses((status = 204), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn delete_required(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let id = parse_id(&id)?;
    state
        .write(move |conn| uc::unrequire_course(conn, &caller, &id, at))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get, path = "/api/v1/reports/courses", tag = "reports", params(CourseReportQuery),
    summary = "Course completion report",
    description = "Every course with its status, completions, completions outside its accreditation, and who still lacks it where it is required. `Accept: text/csv`: one row per course and requirement.\n\n**Who may call:** training leads (their own service) and admins.",
    responses(
        (status = 200, description = "The report as JSON, or with `Accept: text/csv` as CSV.", content((inline(crate::http::report::ReportPage<CourseAudit>) = "application/json"), (String = "text/csv"))),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn courses_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<CourseReportQuery>,
) -> Result<HttpResponse, AppError> {
    let today = state.clock.today();
    let scope = report_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let q = q.into_inner();
    let covers = crate::services::covers(&state, &req, &scope, None, today).await?;
    report::paged::<CourseAudit, _>(
        &state,
        &req,
        (q.limit, q.cursor.as_deref()),
        covers,
        move |conn, page| uc::course_audit(conn, &scope, page, today),
    )
    .await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/required-courses", "GET, POST")
            .route(web::get().to(list_required))
            .route(web::post().to(create_required)),
    )
    .service(resource("/required-courses/{id}", "DELETE").route(web::delete().to(delete_required)))
    .service(resource("/reports/courses", "GET").route(web::get().to(courses_report)));
}
