//! Evidence packs for re-accreditation: what a body's audit asks for over a period (BABCP and
//! BACP ask for the previous 12 months): every signed-off supervision session with totals per
//! month, CPD activities with their reflective statements checked against the body's CPD rule,
//! competence sign-offs, and credentials with who verified them. JSON, CSV or printable HTML.

pub mod render;
pub mod rules;

use std::collections::{HashMap, HashSet};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Months, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::accreditation::cpd::{facts, load_rules, rule_for, CpdActivity};
use crate::accreditation::credentials::{with_cpd, Accreditation, AccreditationRow};
use crate::accreditation::rules::{cpd_check, CpdCheck};
use crate::app::AppState;
use crate::auth::Auth;
use crate::db::schema::{
    accreditation_bodies, accreditations, competencies, competency_assessments, cpd_activities,
    modalities, practitioner_roles, services, supervision_logs, users,
};
use crate::db::DbConn;
use crate::http::{parse_id, resource, AppError};
use crate::supervision::rules::{Format as LogFormat, LogStatus, SupervisionType};
use rules::{monthly, MonthTotal};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PackQuery {
    /// The accrediting body whose audit the pack is for (default: the body of the person's
    /// modality).
    pub body: Option<String>,
    /// How many months back from today, 1 to 60 (default 12, what BABCP and BACP ask for).
    pub months: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PackPerson {
    pub id: String,
    pub full_name: String,
    pub email: String,
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    pub practitioner_role: Option<String>,
    pub modality: Option<String>,
    pub stage: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PackBody {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    pub id: String,
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    pub duration_minutes: i32,
    pub supervision_type: SupervisionType,
    /// `individual` or `group`.
    pub format: LogFormat,
    pub group_size: Option<i32>,
    pub cases_discussed: Option<i32>,
    pub supervisor_id: String,
    pub supervisor_name: String,
    /// When the supervisor countersigned it.
    #[serde(serialize_with = "crate::app::instant::option::serialize")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub signed_off_at: Option<NaiveDateTime>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisionSection {
    /// Signed-off sessions only, oldest first.
    pub sessions: Vec<Session>,
    /// Every month of the period, including those with none (a break an auditor will ask about).
    pub monthly: Vec<MonthTotal>,
    pub total_sessions: i64,
    pub total_minutes: i64,
    pub total_hours: f64,
    /// Months with no signed-off supervision.
    pub months_without_supervision: Vec<String>,
    /// Sessions in the period still waiting for the supervisor's countersignature.
    pub awaiting_sign_off: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CpdRuleView {
    pub min_activities: i32,
    pub reflection_required: bool,
    pub min_cbt_related: i32,
    pub min_cbt_hours: f64,
    pub period_months: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CpdSection {
    /// Oldest first.
    pub activities: Vec<CpdActivity>,
    pub total_hours: f64,
    /// The body's rule (null when it has none).
    pub rule: Option<CpdRuleView>,
    /// The rule checked over its own period, ending on the pack's last day.
    pub check: Option<CpdCheck>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignOff {
    pub competency_id: String,
    pub code: String,
    pub title: String,
    pub domain: String,
    pub outcome: crate::competences::rules::Outcome,
    pub evidence: String,
    pub evidence_method: String,
    pub assessed_by: String,
    pub assessed_by_name: String,
    #[schema(value_type = String, format = Date)]
    pub assessed_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Credential {
    #[serde(flatten)]
    pub accreditation: Accreditation,
    pub verified_by_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidencePack {
    pub practitioner: PackPerson,
    pub body: PackBody,
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    pub months: u32,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub generated_at: NaiveDateTime,
    pub supervision: SupervisionSection,
    pub cpd: CpdSection,
    /// Sign-offs made in the period, oldest first.
    pub competences: Vec<SignOff>,
    /// Every period of the person's credentials with the body.
    pub credentials: Vec<Credential>,
}

/// id, name, email, service id and name, role, stage, modality, the modality's body.
type PersonFacts = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

type SessionRow = (
    String,
    NaiveDate,
    i32,
    SupervisionType,
    LogFormat,
    Option<i32>,
    Option<i32>,
    String,
    Option<NaiveDateTime>,
);

type SignOffRow = (
    String,
    String,
    String,
    String,
    crate::competences::rules::Outcome,
    String,
    String,
    String,
    NaiveDate,
    Option<NaiveDate>,
);

/// Names of people by id, in one query.
fn names(conn: &mut DbConn, ids: HashSet<String>) -> Result<HashMap<String, String>, AppError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = ids.into_iter().collect();
    Ok(users::table
        .filter(users::id.eq_any(&ids))
        .select((users::id, users::full_name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Builds the pack in a fixed number of queries (a dozen), whatever the period.
fn build(
    conn: &mut DbConn,
    caller: &crate::auth::policy::Caller,
    id: &str,
    q: &PackQuery,
    now: NaiveDateTime,
) -> Result<EvidencePack, AppError> {
    let today = now.date();
    let person: PersonFacts = users::table
        .left_join(services::table)
        .left_join(practitioner_roles::table.left_join(modalities::table))
        .filter(users::id.eq(id))
        .select((
            users::id,
            users::full_name,
            users::email,
            users::service_id,
            services::name.nullable(),
            users::practitioner_role,
            users::stage,
            practitioner_roles::modality_code.nullable(),
            modalities::body_code.nullable(),
        ))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let months = q.months.unwrap_or(12);
    let to = today;
    // Inclusive at both ends: a session held exactly `months` ago is in the pack.
    let from = to
        .checked_sub_months(Months::new(months))
        .ok_or_else(|| AppError::invalid("months", "is out of range"))?;
    if !crate::supervision::may_view_compliance(conn, caller, id, person.3.as_deref(), today)? {
        return Err(AppError::NotFound);
    }
    let body_code = match (&q.body, &person.8) {
        (Some(b), _) => b.clone(),
        (None, Some(b)) => b.clone(),
        (None, None) => {
            return Err(AppError::invalid(
                "body",
                "is needed for a person without a practitioner role",
            ))
        }
    };
    let body: PackBody = accreditation_bodies::table
        .find(&body_code)
        .select((accreditation_bodies::code, accreditation_bodies::name))
        .first::<(String, String)>(conn)
        .optional()?
        .map(|(code, name)| PackBody { code, name })
        .ok_or_else(|| AppError::invalid("body", "must be one of BPS, BABCP, BACP, BPC, IPTUK"))?;

    let logs: Vec<(SessionRow, LogStatus)> = supervision_logs::table
        .filter(supervision_logs::supervisee_id.eq(id))
        .filter(supervision_logs::held_on.ge(from))
        .filter(supervision_logs::held_on.le(to))
        .filter(supervision_logs::status.ne(LogStatus::Rejected))
        .order((supervision_logs::held_on.asc(), supervision_logs::id.asc()))
        .select((
            (
                supervision_logs::id,
                supervision_logs::held_on,
                supervision_logs::duration_minutes,
                supervision_logs::supervision_type,
                supervision_logs::format,
                supervision_logs::group_size,
                supervision_logs::cases_discussed,
                supervision_logs::supervisor_id,
                supervision_logs::reviewed_at,
            ),
            supervision_logs::status,
        ))
        .load(conn)?;
    let awaiting_sign_off = logs
        .iter()
        .filter(|(_, s)| *s == LogStatus::Submitted)
        .count() as i64;
    let signed: Vec<SessionRow> = logs
        .into_iter()
        .filter(|(_, s)| *s == LogStatus::SignedOff)
        .map(|(r, _)| r)
        .collect();

    let activities: Vec<CpdActivity> = cpd_activities::table
        .filter(cpd_activities::practitioner_id.eq(id))
        .filter(cpd_activities::held_on.ge(from))
        .filter(cpd_activities::held_on.le(to))
        .order((cpd_activities::held_on.asc(), cpd_activities::id.asc()))
        .select(CpdActivity::as_select())
        .load(conn)?;

    let sign_offs: Vec<SignOffRow> = competency_assessments::table
        .inner_join(competencies::table)
        .filter(competency_assessments::practitioner_id.eq(id))
        .filter(competency_assessments::assessed_on.ge(from))
        .filter(competency_assessments::assessed_on.le(to))
        .order((
            competency_assessments::assessed_on.asc(),
            competency_assessments::id.asc(),
        ))
        .select((
            competency_assessments::competency_id,
            competencies::code,
            competencies::title,
            competencies::domain,
            competency_assessments::outcome,
            competency_assessments::evidence,
            competency_assessments::evidence_method,
            competency_assessments::assessed_by,
            competency_assessments::assessed_on,
            competency_assessments::review_due_on,
        ))
        .load(conn)?;

    let credential_rows: Vec<AccreditationRow> = accreditations::table
        .filter(accreditations::practitioner_id.eq(id))
        .filter(accreditations::body_code.eq(&body.code))
        .order((accreditations::valid_from.asc(), accreditations::id.asc()))
        .select(AccreditationRow::as_select())
        .load(conn)?;
    let credentials = with_cpd(conn, credential_rows, today)?;

    let rules = load_rules(conn)?;
    let latest_kind = credentials
        .last()
        .map(|c| c.kind.clone())
        .unwrap_or_default();
    let rule = rule_for(&rules, &body.code, &latest_kind).cloned();
    let check = match &rule {
        Some(r) => {
            let since = to
                .checked_sub_months(Months::new(r.period_months.max(0) as u32))
                .unwrap_or(to);
            let f: Vec<_> = facts(conn, &[id], since)?
                .into_iter()
                .map(|(_, f)| f)
                .collect();
            Some(cpd_check(r, &f, to))
        }
        None => None,
    };

    let mut ids: HashSet<String> = signed.iter().map(|s| s.7.clone()).collect();
    ids.extend(sign_offs.iter().map(|s| s.7.clone()));
    ids.extend(credentials.iter().filter_map(|c| c.verified_by.clone()));
    let who = names(conn, ids)?;
    let name_of = |id: &str| who.get(id).cloned().unwrap_or_default();

    let sessions: Vec<Session> = signed
        .into_iter()
        .map(
            |(id, held_on, minutes, kind, format, group_size, cases, supervisor_id, reviewed)| {
                Session {
                    supervisor_name: name_of(&supervisor_id),
                    id,
                    held_on,
                    duration_minutes: minutes,
                    supervision_type: kind,
                    format,
                    group_size,
                    cases_discussed: cases,
                    supervisor_id,
                    signed_off_at: reviewed,
                }
            },
        )
        .collect();
    let month_totals = monthly(
        from,
        to,
        sessions
            .iter()
            .map(|s| (s.held_on, i64::from(s.duration_minutes))),
    );
    let total_minutes: i64 = sessions.iter().map(|s| i64::from(s.duration_minutes)).sum();
    Ok(EvidencePack {
        practitioner: PackPerson {
            id: person.0,
            full_name: person.1,
            email: person.2,
            service_id: person.3,
            service_name: person.4,
            practitioner_role: person.5,
            stage: person.6,
            modality: person.7,
        },
        body,
        from,
        to,
        months,
        generated_at: now,
        supervision: SupervisionSection {
            total_sessions: sessions.len() as i64,
            total_minutes,
            total_hours: rules::hours(total_minutes),
            months_without_supervision: month_totals
                .iter()
                .filter(|m| m.sessions == 0)
                .map(|m| m.month.clone())
                .collect(),
            monthly: month_totals,
            sessions,
            awaiting_sign_off,
        },
        cpd: CpdSection {
            total_hours: (activities.iter().map(|a| a.hours).sum::<f64>() * 100.0).round() / 100.0,
            activities,
            rule: rule.map(|r| CpdRuleView {
                min_activities: r.min_activities,
                reflection_required: r.reflection_required,
                min_cbt_related: r.min_cbt_related,
                min_cbt_hours: r.min_cbt_hours,
                period_months: r.period_months,
            }),
            check,
        },
        competences: sign_offs
            .into_iter()
            .map(
                |(
                    competency_id,
                    code,
                    title,
                    domain,
                    outcome,
                    evidence,
                    method,
                    by,
                    on,
                    review,
                )| {
                    SignOff {
                        assessed_by_name: name_of(&by),
                        competency_id,
                        code,
                        title,
                        domain,
                        outcome,
                        evidence,
                        evidence_method: method,
                        assessed_by: by,
                        assessed_on: on,
                        review_due_on: review,
                    }
                },
            )
            .collect(),
        credentials: credentials
            .into_iter()
            .map(|a| Credential {
                verified_by_name: a.verified_by.as_deref().map(name_of),
                accreditation: a,
            })
            .collect(),
    })
}

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
    params(("id" = String, Path, description = "person id"), PackQuery),
    description = "What a body's audit asks for over the last `months`: signed-off supervision with totals per month (months without any are listed), CPD with reflective statements checked against the body's rule, competence sign-offs, and credentials with verification. `Accept: text/csv` answers one CSV with a `section` column; `Accept: text/html` a printable page. The person, supervisors they named in the last year, their training lead and admins may fetch it.",
    responses(
        (status = 200, body = EvidencePack, content_type = "application/json"),
        (status = 200, body = String, content_type = "text/csv"),
        (status = 200, body = String, content_type = "text/html"),
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
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let q = q.into_inner();
    if q.months.is_some_and(|m| !(1..=60).contains(&m)) {
        return Err(AppError::invalid("months", "must be 1 to 60"));
    }
    let format = format_of(&req);
    let pack = state
        .db(move |conn| build(conn, &caller, &id, &q, now))
        .await?;
    let filename = format!(
        "evidence-{}-{}-{}",
        pack.body.code.to_lowercase(),
        pack.practitioner.id,
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
