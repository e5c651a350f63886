//! The cross-domain reports' routes: JSON, or CSV by `Accept`.

use actix_web::{web, HttpRequest, HttpResponse};

use super::dashboard::{Dashboard, DashboardQuery};
use super::representation::{RepresentationQuery, RepresentationReport};
use super::workforce::{WorkforceLine, WorkforceQuery, WorkforceReport};
use crate::app::AppState;
use crate::auth::policy::report_scope;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::{report, resource};

#[utoipa::path(
    get, path = "/api/v1/reports/workforce", tag = "reports", params(WorkforceQuery),
    summary = "Workforce report",
    description = "Headcount and summed WTE in post on `to`, by service, practitioner role (modality) and stage, with starters, leavers and turnover (leavers over the average of the headcounts on `from` and `to`) in the period. Admins see every service, training leads their own. `Accept: text/csv` answers the same rows as CSV.\n\n**Who may call:** training leads (their own service) and admins.",
    responses(
        (status = 200, description = "The report as JSON, or with `Accept: text/csv` as CSV.", content((WorkforceReport = "application/json"), (String = "text/csv"))),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn workforce_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<WorkforceQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let scope = report_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let q = q.into_inner();
    let covers =
        crate::services::covers(&state, &req, &scope, q.service_id.as_deref(), at.date()).await?;
    let r: WorkforceReport = state
        .db(move |conn| super::workforce::workforce_report(conn, scope, q, at))
        .await?;
    let period = format!("{}/{}", r.period.from, r.period.to);
    let lines: Vec<WorkforceLine<'_>> = r
        .items
        .iter()
        .map(|row| WorkforceLine {
            row,
            period: &period,
        })
        .collect();
    let covers = crate::http::report::Covers {
        as_of: r.period.to,
        ..covers
    };
    Ok(report::whole(&req, &r, &lines, &covers))
}

#[utoipa::path(
    get, path = "/api/v1/reports/representation", tag = "reports", params(RepresentationQuery),
    summary = "Representation report (aggregate equality data)",
    description = "Equality data in aggregate only: practitioners in post by NHS ethnic category and broad group, and by language spoken. No count under 5 is published, nor any a published total would give away; the same cells are hidden whoever asks. Specialist interests are counted in full for planning. `Accept: text/csv` answers the same rows.\n\n**Who may call:** training leads (their own service) and admins.",
    responses(
        (status = 200, description = "The report as JSON, or with `Accept: text/csv` as CSV.", content((RepresentationReport = "application/json"), (String = "text/csv"))),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn representation_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    Auth(caller): Auth,
    q: web::Query<RepresentationQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let scope = report_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let q = q.into_inner();
    let covers =
        crate::services::covers(&state, &req, &scope, q.service_id.as_deref(), at.date()).await?;
    let r: RepresentationReport = state
        .db(move |conn| super::representation::representation_report(conn, scope, q, at))
        .await?;
    Ok(report::whole(&req, &r, &r.items, &covers))
}

#[utoipa::path(
    get, path = "/api/v1/reports/dashboard", tag = "reports", params(DashboardQuery),
    summary = "A service's dashboard",
    description = "The figures a training lead watches, each a tally of a report: supervision compliance by type (people compliant, due soon, overdue), credentials expiring in each of the next 12 months with those expired or waiting for a check, the workforce by role and stage with starters and leavers in the last 12 months, required training not completed by course, and competence reviews overdue. Computed in a fixed number of queries whatever the service's size.\n\n**Who may call:** training leads (their own service) and admins (any service, or the whole registry).",
    responses(
        (status = 200, body = Dashboard, description = "The dashboard."),
        (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn dashboard(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<DashboardQuery>,
) -> Result<HttpResponse, AppError> {
    let at = state.clock.now();
    let scope = report_scope(&caller)
        .ok_or_else(|| AppError::needs(crate::auth::policy::LEADS_AND_ADMINS))?;
    let q = q.into_inner();
    let d: Dashboard = state
        .db(move |conn| super::dashboard::service_dashboard(conn, scope, q, at))
        .await?;
    Ok(HttpResponse::Ok().json(d))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/reports/dashboard", "GET").route(web::get().to(dashboard)))
        .service(resource("/reports/workforce", "GET").route(web::get().to(workforce_report)))
        .service(
            resource("/reports/representation", "GET").route(web::get().to(representation_report)),
        );
}
