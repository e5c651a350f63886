//! `GET /dashboard`: a service's figures for its training lead (an admin picks a service or the
//! whole registry), each a link to the report behind it, with charts and the same numbers in
//! tables. Over `reports::dashboard::service_dashboard`, as `GET /api/v1/reports/dashboard`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::chart::{self, Bar, Segment};
use super::error::PageError;
use super::page::{count, date, render, Chrome};
use super::session::Signed;
use crate::app::AppState;
use crate::auth::policy::{may_open, report_scope, Area, PeopleScope};
use crate::error::AppError;
use crate::http::page::PageRequest;
use crate::reports::dashboard::{service_dashboard, Dashboard, DashboardQuery};

#[derive(Debug, Deserialize)]
pub struct Query {
    pub service_id: Option<String>,
}

/// A figure and the list behind it.
pub struct Figure {
    pub n: i64,
    pub href: String,
}

pub struct TypeRow {
    pub kind: &'static str,
    pub compliant: Figure,
    pub due_soon: Figure,
    pub overdue: Figure,
}

pub struct MonthRow {
    pub month: String,
    pub n: i64,
}

pub struct WorkRow {
    pub role: String,
    pub stage: String,
    pub headcount: i64,
    pub wte: String,
    pub starters: i64,
    pub leavers: i64,
}

pub struct TrainingRow {
    pub title: String,
    pub who: String,
    pub lacking: i64,
}

#[derive(Template)]
#[template(path = "web/dashboard.html")]
struct Page {
    chrome: Chrome,
    /// Admins: every service, to pick one.
    services: Vec<(String, String)>,
    chosen: String,
    covers: String,
    as_of: String,
    people: String,
    supervision_chart: String,
    supervision: Vec<TypeRow>,
    expiry_chart: String,
    months: Vec<MonthRow>,
    expiring_href: String,
    expired: Figure,
    pending: Figure,
    workforce: Vec<WorkRow>,
    headcount: i64,
    wte: String,
    starters: i64,
    leavers: i64,
    training: Vec<TrainingRow>,
    reviews_overdue: Figure,
    workforce_href: String,
}

fn month_name(d: chrono::NaiveDate) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let name = NAMES[d.month0() as usize];
    if d.month() == 1 {
        format!("{name} {}", d.year())
    } else {
        name.to_string()
    }
}

fn link(path: &str, filter: &str, keep: &str, n: i64) -> Figure {
    Figure {
        n,
        href: format!("{path}?{filter}{keep}"),
    }
}

fn view(d: Dashboard, services: Vec<(String, String)>, chrome: Chrome) -> Page {
    let keep = d
        .service_id
        .as_ref()
        .filter(|_| !services.is_empty())
        .map(|s| format!("&service_id={s}"))
        .unwrap_or_default();
    let compliance = "/reports/supervision-compliance";
    let supervision: Vec<TypeRow> = d
        .supervision
        .iter()
        .map(|t| TypeRow {
            kind: t.supervision_type.words(),
            compliant: link(compliance, "status=compliant", &keep, t.compliant),
            due_soon: link(compliance, "status=due_soon", &keep, t.due_soon),
            overdue: link(compliance, "status=overdue", &keep, t.overdue),
        })
        .collect();
    let bars: Vec<Bar> = d
        .supervision
        .iter()
        .map(|t| Bar {
            label: t.supervision_type.words().to_string(),
            segments: vec![
                Segment {
                    value: t.compliant,
                    class: "seg-good",
                    words: "compliant",
                },
                Segment {
                    value: t.due_soon,
                    class: "seg-soon",
                    words: "due soon",
                },
                Segment {
                    value: t.overdue,
                    class: "seg-bad",
                    words: "overdue",
                },
            ],
        })
        .collect();
    let labels: Vec<String> = d
        .credentials
        .expiring_by_month
        .iter()
        .map(|m| month_name(m.month))
        .collect();
    let values: Vec<i64> = d
        .credentials
        .expiring_by_month
        .iter()
        .map(|m| m.expiring)
        .collect();
    let months = d
        .credentials
        .expiring_by_month
        .iter()
        .map(|m| MonthRow {
            month: format!("{} {}", month_long(m.month), m.month.year()),
            n: m.expiring,
        })
        .collect();
    let accreditation = "/reports/accreditation";
    Page {
        covers: d
            .service_name
            .clone()
            .unwrap_or_else(|| "every service".into()),
        as_of: date(d.as_of),
        people: count(
            d.practitioners as usize,
            "practitioner in post",
            "practitioners in post",
        ),
        supervision_chart: chart::stacked_bars(
            "supervision-chart",
            "People by supervision status, for each required type",
            &bars,
        ),
        supervision,
        expiry_chart: chart::columns(
            "expiry-chart",
            "Checked credentials expiring in each of the next 12 months",
            &labels,
            &values,
        ),
        months,
        expiring_href: format!("{accreditation}?status=expiring{keep}"),
        expired: link(
            accreditation,
            "status=expired",
            &keep,
            d.credentials.expired,
        ),
        pending: Figure {
            n: d.credentials.pending_verification,
            href: "/verification".into(),
        },
        workforce: d
            .workforce
            .iter()
            .map(|w| WorkRow {
                role: w.practitioner_role.clone(),
                stage: w.stage.clone().unwrap_or_else(|| "not given".into()),
                headcount: w.tally.headcount,
                wte: format!("{:.1}", w.tally.wte),
                starters: w.tally.starters,
                leavers: w.tally.leavers,
            })
            .collect(),
        headcount: d.workforce_totals.headcount,
        wte: format!("{:.1}", d.workforce_totals.wte),
        starters: d.workforce_totals.starters,
        leavers: d.workforce_totals.leavers,
        training: d
            .training
            .iter()
            .map(|t| TrainingRow {
                title: t.title.clone(),
                who: t
                    .practitioner_role
                    .clone()
                    .unwrap_or_else(|| "everyone".into()),
                lacking: t.lacking,
            })
            .collect(),
        reviews_overdue: link(
            "/reports/competencies",
            "state=review_overdue",
            &keep,
            d.competence_reviews_overdue,
        ),
        workforce_href: format!("/reports/workforce?{}", keep.trim_start_matches('&')),
        chosen: d.service_id.unwrap_or_default(),
        services,
        chrome,
    }
}

fn month_long(d: chrono::NaiveDate) -> &'static str {
    const NAMES: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    NAMES[d.month0() as usize]
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let caller = signed.caller.clone();
    let scope = report_scope(&caller)
        .filter(|_| may_open(&caller, Area::Leading))
        .ok_or(AppError::NotFound)?;
    let at = state.clock.now();
    let asked = q.into_inner().service_id.filter(|s| !s.is_empty());
    let all = scope == PeopleScope::All;
    let (d, services) = state
        .db(move |conn| {
            let d = service_dashboard(conn, scope, DashboardQuery { service_id: asked }, at)
                // Another service's dashboard is, to a lead, a page that does not exist.
                .map_err(|e| match e {
                    AppError::Forbidden(_) => AppError::NotFound,
                    e => e,
                })?;
            let services = if all {
                crate::services::list_services(conn, &PageRequest::everything())?
                    .into_iter()
                    .map(|s| (s.id, s.name))
                    .collect()
            } else {
                Vec::new()
            };
            Ok((d, services))
        })
        .await?;
    let title = match &d.service_name {
        Some(name) => format!("Dashboard: {name}"),
        None => "Dashboard: every service".to_string(),
    };
    let chrome = Chrome::signed_in(&caller, &signed.csrf, &title, "/dashboard");
    render(StatusCode::OK, &view(d, services, chrome))
}
