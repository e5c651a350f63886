//! Supervisor competences: competence frameworks (the supervision framework seeded), sign-offs
//! of a person's competences with their history, who may supervise which modality, and the
//! competencies report.

pub mod eligibility;
pub mod rules;

use std::collections::HashMap;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::AppState;
use crate::audit::{self, snapshot, Change};
use crate::auth::policy::{can_view_competences, may_assess};
use crate::auth::policy::{report_scope, Caller, PeopleScope};
use crate::auth::{Admin, Auth};
use crate::db::schema::{
    competencies, competency_assessments, competency_frameworks, framework_assessors, users,
};
use crate::db::DbConn;
use crate::http::page::{encode_cursor, whole, Page, PageRequest};
use crate::http::{csv, parse_id, resource, validate, AppError, Json};
use rules::{CompetenceState, EvidenceMethod, Outcome};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = competencies)]
pub struct Competence {
    pub id: String,
    pub framework_id: String,
    pub code: String,
    pub domain: String,
    pub title: String,
    pub description: String,
    /// For an application competence: the modality it applies supervision to.
    #[serde(rename = "modality")]
    pub modality_code: Option<String>,
    /// A competence in use is retired, never deleted.
    #[serde(serialize_with = "crate::app::instant::option::serialize")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub retired_at: Option<NaiveDateTime>,
    #[serde(skip)]
    pub created_at: NaiveDateTime,
    #[serde(skip)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = competency_frameworks)]
pub struct FrameworkRow {
    pub id: String,
    pub code: String,
    pub title: String,
    pub description: String,
    pub source: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Domain {
    pub domain: String,
    pub competences: Vec<Competence>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Framework {
    #[serde(flatten)]
    pub framework: FrameworkRow,
    /// The competences grouped by domain, in the order the framework lists them.
    pub domains: Vec<Domain>,
}

fn group(framework: FrameworkRow, all: &[Competence]) -> Framework {
    let mut domains: Vec<Domain> = Vec::new();
    for c in all.iter().filter(|c| c.framework_id == framework.id) {
        match domains.iter_mut().find(|d| d.domain == c.domain) {
            Some(d) => d.competences.push(c.clone()),
            None => domains.push(Domain {
                domain: c.domain.clone(),
                competences: vec![c.clone()],
            }),
        }
    }
    Framework { framework, domains }
}

fn load_competences(
    conn: &mut DbConn,
    framework: Option<&str>,
) -> Result<Vec<Competence>, AppError> {
    let mut q = competencies::table
        .select(Competence::as_select())
        .into_boxed();
    if let Some(f) = framework {
        q = q.filter(competencies::framework_id.eq(f.to_string()));
    }
    Ok(q.order((competencies::framework_id, competencies::id))
        .load(conn)?)
}

#[utoipa::path(
    get, path = "/api/v1/competency-frameworks", tag = "competences",
    responses((status = 200, body = inline(Page<Framework>)), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_frameworks(
    state: web::Data<AppState>,
    _auth: Auth,
) -> Result<HttpResponse, AppError> {
    let items = state
        .db(|conn| {
            let frameworks: Vec<FrameworkRow> = competency_frameworks::table
                .select(FrameworkRow::as_select())
                .order(competency_frameworks::id)
                .load(conn)?;
            let all = load_competences(conn, None)?;
            Ok(frameworks
                .into_iter()
                .map(|f| group(f, &all))
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(whole(items)))
}

#[utoipa::path(
    get, path = "/api/v1/competency-frameworks/{id}", tag = "competences",
    params(("id" = String, Path, description = "framework id")),
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
        .db(move |conn| {
            let f: FrameworkRow = competency_frameworks::table
                .find(&id)
                .select(FrameworkRow::as_select())
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            let all = load_competences(conn, Some(&id))?;
            Ok(group(f, &all))
        })
        .await?;
    Ok(HttpResponse::Ok().json(f))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFramework {
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    pub code: String,
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub title: String,
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    #[serde(default)]
    pub description: String,
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    pub source: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompetence {
    #[validate(length(min = 1, max = 32, message = "must be 1 to 32 characters"))]
    pub code: String,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    pub domain: String,
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub title: String,
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    #[serde(default)]
    pub description: String,
    pub modality: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetencePatch {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub title: Option<String>,
    #[validate(length(max = 5000, message = "must be at most 5000 characters"))]
    pub description: Option<String>,
    /// True retires the competence: it stays in every history, and is no longer assessed.
    pub retired: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedAssessor {
    pub user_id: String,
}

#[utoipa::path(
    post, path = "/api/v1/competency-frameworks", tag = "competences", request_body = NewFramework,
    responses((status = 201, body = Framework), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn create_framework(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    body: Json<NewFramework>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let b = body.0;
    validate(&b)?;
    let f = state
        .write(move |conn| {
            let f = FrameworkRow {
                id: uuid::Uuid::now_v7().to_string(),
                code: b.code.trim().into(),
                title: b.title.trim().into(),
                description: b.description,
                source: b.source,
                created_at: now,
                updated_at: now,
            };
            let taken: Option<String> = competency_frameworks::table
                .filter(competency_frameworks::code.eq(&f.code))
                .select(competency_frameworks::id)
                .first(conn)
                .optional()?;
            if taken.is_some() {
                return Err(AppError::Conflict(format!(
                    "a framework with the code {} exists",
                    f.code
                )));
            }
            diesel::insert_into(competency_frameworks::table)
                .values((
                    competency_frameworks::id.eq(&f.id),
                    competency_frameworks::code.eq(&f.code),
                    competency_frameworks::title.eq(&f.title),
                    competency_frameworks::description.eq(&f.description),
                    competency_frameworks::source.eq(&f.source),
                    competency_frameworks::created_at.eq(now),
                    competency_frameworks::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "create",
                    entity_type: "competency_framework",
                    entity_id: &f.id,
                    service_id: None,
                    before: None,
                    after: snapshot(&f)?,
                },
                now,
            )?;
            Ok(Framework {
                framework: f,
                domains: Vec::new(),
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(f))
}

#[utoipa::path(
    post, path = "/api/v1/competency-frameworks/{id}/competences", tag = "competences", request_body = NewCompetence,
    params(("id" = String, Path, description = "framework id")),
    responses((status = 201, body = Competence), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn add_competence(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    id: web::Path<String>,
    body: Json<NewCompetence>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let framework = parse_id(&id)?;
    let b = body.0;
    validate(&b)?;
    let c = state
        .write(move |conn| {
            competency_frameworks::table
                .find(&framework)
                .select(competency_frameworks::id)
                .first::<String>(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            if let Some(m) = &b.modality {
                let known = eligibility::modality_bodies(conn)?
                    .iter()
                    .any(|(code, _)| code == m);
                if !known {
                    return Err(AppError::invalid(
                        "modality",
                        "must be li_cbt, cbt, cfd, ctfd, dit or ipt",
                    ));
                }
            }
            let taken: Option<String> = competencies::table
                .filter(competencies::framework_id.eq(&framework))
                .filter(competencies::code.eq(b.code.trim()))
                .select(competencies::id)
                .first(conn)
                .optional()?;
            if taken.is_some() {
                return Err(AppError::Conflict(format!(
                    "the framework already has a competence {}",
                    b.code.trim()
                )));
            }
            let c = Competence {
                id: uuid::Uuid::now_v7().to_string(),
                framework_id: framework,
                code: b.code.trim().into(),
                domain: b.domain.trim().into(),
                title: b.title.trim().into(),
                description: b.description,
                modality_code: b.modality,
                retired_at: None,
                created_at: now,
                updated_at: now,
            };
            diesel::insert_into(competencies::table)
                .values((
                    competencies::id.eq(&c.id),
                    competencies::framework_id.eq(&c.framework_id),
                    competencies::code.eq(&c.code),
                    competencies::domain.eq(&c.domain),
                    competencies::title.eq(&c.title),
                    competencies::description.eq(&c.description),
                    competencies::modality_code.eq(&c.modality_code),
                    competencies::created_at.eq(now),
                    competencies::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "create",
                    entity_type: "competence",
                    entity_id: &c.id,
                    service_id: None,
                    before: None,
                    after: snapshot(&c)?,
                },
                now,
            )?;
            Ok(c)
        })
        .await?;
    Ok(HttpResponse::Created().json(c))
}

#[utoipa::path(
    patch, path = "/api/v1/competences/{id}", tag = "competences", request_body = CompetencePatch,
    params(("id" = String, Path, description = "competence id")),
    responses((status = 200, body = Competence), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn patch_competence(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    id: web::Path<String>,
    body: Json<CompetencePatch>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let p = body.0;
    validate(&p)?;
    let c = state
        .write(move |conn| {
            let before: Competence = competencies::table
                .find(&id)
                .select(Competence::as_select())
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            let mut c = before.clone();
            if let Some(t) = p.title {
                c.title = t.trim().into();
            }
            if let Some(d) = p.description {
                c.description = d;
            }
            match p.retired {
                Some(true) if c.retired_at.is_none() => c.retired_at = Some(now),
                Some(false) => c.retired_at = None,
                _ => {}
            }
            c.updated_at = now;
            diesel::update(competencies::table.find(&id))
                .set((
                    competencies::title.eq(&c.title),
                    competencies::description.eq(&c.description),
                    competencies::retired_at.eq(c.retired_at),
                    competencies::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "update",
                    entity_type: "competence",
                    entity_id: &id,
                    service_id: None,
                    before: snapshot(&before)?,
                    after: snapshot(&c)?,
                },
                now,
            )?;
            Ok(c)
        })
        .await?;
    Ok(HttpResponse::Ok().json(c))
}

#[utoipa::path(
    post, path = "/api/v1/competency-frameworks/{id}/assessors", tag = "competences", request_body = NamedAssessor,
    description = "Names a first assessor of a framework, before anyone holds its competences (admins).",
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
    let now = state.clock.now();
    let framework = parse_id(&id)?;
    let user =
        parse_id(&body.0.user_id).map_err(|_| AppError::invalid("user_id", "no such person"))?;
    state
        .write(move |conn| {
            competency_frameworks::table
                .find(&framework)
                .select(competency_frameworks::id)
                .first::<String>(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            if crate::people::queries::find(conn, &user)?.is_none() {
                return Err(AppError::invalid("user_id", "no such person"));
            }
            let row_id = uuid::Uuid::now_v7().to_string();
            diesel::insert_into(framework_assessors::table)
                .values((
                    framework_assessors::id.eq(&row_id),
                    framework_assessors::framework_id.eq(&framework),
                    framework_assessors::user_id.eq(&user),
                    framework_assessors::named_by.eq(&caller.id),
                    framework_assessors::created_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "name_assessor",
                    entity_type: "competency_framework",
                    entity_id: &framework,
                    service_id: None,
                    before: None,
                    after: Some(serde_json::json!({"user_id": user})),
                },
                now,
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = competency_assessments)]
pub struct Assessment {
    pub id: String,
    pub practitioner_id: String,
    pub competency_id: String,
    pub outcome: Outcome,
    pub evidence: String,
    /// `direct_observation`, `recording`, `supervisor_report`, `portfolio` or `unspecified`.
    pub evidence_method: String,
    pub assessed_by: String,
    #[schema(value_type = String, format = Date)]
    pub assessed_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due_on: Option<NaiveDate>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    pub competency_id: String,
    pub outcome: Outcome,
    /// What was seen, and where.
    #[validate(length(min = 1, max = 10000, message = "must be 1 to 10000 characters"))]
    pub evidence: String,
    /// How it was observed; optional (`unspecified` when absent).
    pub evidence_method: Option<EvidenceMethod>,
    /// Default today; not in the future.
    #[schema(value_type = Option<String>, format = Date)]
    pub assessed_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due_on: Option<NaiveDate>,
}

/// One competence of a person: its current state and its whole history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonCompetence {
    pub competency_id: String,
    pub framework_id: String,
    pub code: String,
    pub domain: String,
    pub title: String,
    pub state: CompetenceState,
    /// The current (latest) sign-off's outcome, assessor and dates; null when not assessed.
    pub outcome: Option<Outcome>,
    pub assessed_by: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub assessed_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due_on: Option<NaiveDate>,
    pub current: Option<Assessment>,
    pub history: Vec<Assessment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonCompetences {
    pub practitioner_id: String,
    pub items: Vec<PersonCompetence>,
    /// Always null: every competence is listed on one page.
    pub next_cursor: Option<String>,
}

/// A person's competences are seen by them, their training lead, admins, and the supervisors of
/// their service (who assess them).
fn competence_viewer(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
) -> Result<Option<String>, AppError> {
    let (row, _) = crate::people::queries::find(conn, person)?.ok_or(AppError::NotFound)?;
    if can_view_competences(caller, &row.id, row.service_id.as_deref()) {
        Ok(row.service_id)
    } else {
        Err(AppError::NotFound)
    }
}

fn assessments_of(conn: &mut DbConn, people: &[&str]) -> Result<Vec<Assessment>, AppError> {
    Ok(competency_assessments::table
        .filter(competency_assessments::practitioner_id.eq_any(people))
        .select(Assessment::as_select())
        .order((
            competency_assessments::assessed_on.desc(),
            competency_assessments::id.desc(),
        ))
        .load(conn)?)
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/competencies", tag = "competences",
    description = "Every competence with the person's current state (the latest assessment; `review_overdue` once its review date has passed) and its history.",
    params(("id" = String, Path, description = "person id")),
    responses((status = 200, body = PersonCompetences), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn person_competences(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let today = now.date();
    let out = state
        .db(move |conn| {
            competence_viewer(conn, &caller, &id)?;
            let all = load_competences(conn, None)?;
            let mut by_competence: HashMap<String, Vec<Assessment>> = HashMap::new();
            for a in assessments_of(conn, &[id.as_str()])? {
                by_competence
                    .entry(a.competency_id.clone())
                    .or_default()
                    .push(a);
            }
            let items = all
                .into_iter()
                .filter_map(|c| {
                    let history = by_competence.remove(&c.id).unwrap_or_default();
                    if c.retired_at.is_some() && history.is_empty() {
                        return None;
                    }
                    let current = history.first().cloned();
                    let st = rules::state(
                        current.as_ref().map(|a| (a.outcome, a.review_due_on)),
                        today,
                    );
                    Some(PersonCompetence {
                        competency_id: c.id,
                        framework_id: c.framework_id,
                        code: c.code,
                        domain: c.domain,
                        title: c.title,
                        state: st,
                        outcome: current.as_ref().map(|a| a.outcome),
                        assessed_by: current.as_ref().map(|a| a.assessed_by.clone()),
                        assessed_on: current.as_ref().map(|a| a.assessed_on),
                        review_due_on: current.as_ref().and_then(|a| a.review_due_on),
                        current,
                        history,
                    })
                })
                .collect();
            Ok(PersonCompetences {
                practitioner_id: id,
                items,
                next_cursor: None,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(out))
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/competencies", tag = "competences", request_body = NewAssessment,
    description = "Records an assessment of one competence, by the caller. Training leads assess; so do supervisors who hold a current `met` for the same competence, and first assessors an admin named. Nobody assesses themselves.",
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
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let b = body.0;
    validate(&b)?;
    let competence_id = parse_id(&b.competency_id)
        .map_err(|_| AppError::invalid("competency_id", "no such competence"))?;
    let today = now.date();
    let assessed_on = b.assessed_on.unwrap_or(today);
    if assessed_on > today {
        return Err(AppError::invalid("assessed_on", "cannot be in the future"));
    }
    if b.review_due_on.is_some_and(|r| r < assessed_on) {
        return Err(AppError::invalid(
            "review_due_on",
            "cannot be before assessed_on",
        ));
    }
    let a = state
        .write(move |conn| {
            let service = competence_viewer(conn, &caller, &id)?;
            let c: Competence = competencies::table
                .find(&competence_id)
                .select(Competence::as_select())
                .first(conn)
                .optional()?
                .ok_or_else(|| AppError::invalid("competency_id", "no such competence"))?;
            if c.retired_at.is_some() {
                return Err(AppError::invalid(
                    "competency_id",
                    "this competence is retired",
                ));
            }
            let own: Option<(Outcome, Option<NaiveDate>)> = competency_assessments::table
                .filter(competency_assessments::practitioner_id.eq(&caller.id))
                .filter(competency_assessments::competency_id.eq(&competence_id))
                .order((
                    competency_assessments::assessed_on.desc(),
                    competency_assessments::id.desc(),
                ))
                .select((
                    competency_assessments::outcome,
                    competency_assessments::review_due_on,
                ))
                .first(conn)
                .optional()?;
            let named: Option<String> = framework_assessors::table
                .filter(framework_assessors::framework_id.eq(&c.framework_id))
                .filter(framework_assessors::user_id.eq(&caller.id))
                .select(framework_assessors::id)
                .first(conn)
                .optional()?;
            let holds = rules::current_met(own, today);
            if let Some(why) = may_assess(&caller, &id, service.as_deref(), holds, named.is_some())
            {
                return Err(AppError::Forbidden(why.into()));
            }
            let a = Assessment {
                id: uuid::Uuid::now_v7().to_string(),
                practitioner_id: id,
                competency_id: competence_id,
                outcome: b.outcome,
                evidence: b.evidence,
                evidence_method: b
                    .evidence_method
                    .map_or("unspecified", EvidenceMethod::as_str)
                    .into(),
                assessed_by: caller.id.clone(),
                assessed_on,
                review_due_on: b.review_due_on,
                created_at: now,
            };
            diesel::insert_into(competency_assessments::table)
                .values((
                    competency_assessments::id.eq(&a.id),
                    competency_assessments::practitioner_id.eq(&a.practitioner_id),
                    competency_assessments::competency_id.eq(&a.competency_id),
                    competency_assessments::outcome.eq(&a.outcome),
                    competency_assessments::evidence.eq(&a.evidence),
                    competency_assessments::evidence_method.eq(&a.evidence_method),
                    competency_assessments::assessed_by.eq(&a.assessed_by),
                    competency_assessments::assessed_on.eq(a.assessed_on),
                    competency_assessments::review_due_on.eq(a.review_due_on),
                    competency_assessments::created_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "assess",
                    entity_type: "competency_assessment",
                    entity_id: &a.id,
                    service_id: service.as_deref(),
                    before: None,
                    after: snapshot(&a)?,
                },
                now,
            )?;
            Ok(a)
        })
        .await?;
    Ok(HttpResponse::Created().json(a))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupervisorQuery {
    pub modality: Option<String>,
    pub service_id: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModalityEligibility {
    pub modality: String,
    pub eligible: bool,
    /// What the supervisor lacks for this modality.
    pub missing: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SupervisorRow {
    pub supervisor_id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    pub modalities: Vec<ModalityEligibility>,
}

#[utoipa::path(
    get, path = "/api/v1/supervisors", tag = "competences", params(SupervisorQuery),
    description = "The eligibility matrix: each supervisor, whether they may supervise each modality, and what they lack.",
    responses((status = 200, body = inline(Page<SupervisorRow>)), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn supervisors(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    q: web::Query<SupervisorQuery>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let scope = report_scope(&caller).ok_or_else(AppError::forbidden)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let q = q.into_inner();
    let today = now.date();
    let p = page.clone();
    let rows = state
        .db(move |conn| {
            let mut mods = eligibility::modality_bodies(conn)?;
            if let Some(m) = &q.modality {
                mods.retain(|(code, _)| code == m);
                if mods.is_empty() {
                    return Err(AppError::invalid(
                        "modality",
                        "must be li_cbt, cbt, cfd, ctfd, dit or ipt",
                    ));
                }
            }
            let mut s = users::table
                .filter(users::active.eq(true))
                .filter(users::id.eq_any(crate::people::queries::holders_of(
                    crate::auth::policy::Role::Supervisor,
                )))
                .select((users::id, users::full_name, users::service_id))
                .into_boxed();
            if let PeopleScope::Service(id) = &scope {
                s = s.filter(users::service_id.eq(id.clone()));
            }
            if let Some(v) = &q.service_id {
                s = s.filter(users::service_id.eq(v.clone()));
            }
            if let Some(after) = &p.after {
                s = s.filter(users::id.gt(after.clone()));
            }
            let people: Vec<(String, String, Option<String>)> =
                s.order(users::id.asc()).limit(p.fetch()).load(conn)?;
            let ids: Vec<&str> = people.iter().map(|r| r.0.as_str()).collect();
            let mut standing = eligibility::standing(conn, &ids, &mods, today)?;
            Ok(people
                .iter()
                .map(|(id, name, service)| SupervisorRow {
                    supervisor_id: id.clone(),
                    full_name: name.clone(),
                    service_id: service.clone(),
                    modalities: mods
                        .iter()
                        .map(|(m, _)| {
                            let missing = standing
                                .remove(&(id.clone(), m.clone()))
                                .unwrap_or_default();
                            ModalityEligibility {
                                modality: m.clone(),
                                eligible: missing.is_empty(),
                                missing,
                            }
                        })
                        .collect(),
                })
                .collect::<Vec<_>>())
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |r| &r.supervisor_id)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompetenceReportQuery {
    pub service_id: Option<String>,
    pub framework_id: Option<String>,
    /// `met`, `not_yet_met` or `review_overdue`.
    pub state: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompetenceReportRow {
    pub practitioner_id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    pub competency_id: String,
    pub framework_id: String,
    pub code: String,
    pub title: String,
    pub state: CompetenceState,
    pub outcome: Outcome,
    pub assessed_by: String,
    #[schema(value_type = String, format = Date)]
    pub assessed_on: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub review_due_on: Option<NaiveDate>,
}

/// The current state of every assessed competence of one page of people, in three queries.
fn report_page(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &CompetenceReportQuery,
    page: &PageRequest,
    today: NaiveDate,
) -> Result<(Vec<CompetenceReportRow>, Option<String>), AppError> {
    let mut s = users::table
        .filter(users::active.eq(true))
        .select((users::id, users::full_name, users::service_id))
        .into_boxed();
    if let PeopleScope::Service(id) = scope {
        s = s.filter(users::service_id.eq(id.clone()));
    }
    if let Some(v) = &q.service_id {
        s = s.filter(users::service_id.eq(v.clone()));
    }
    if let Some(after) = &page.after {
        s = s.filter(users::id.gt(after.clone()));
    }
    let people: Vec<(String, String, Option<String>)> =
        s.order(users::id.asc()).limit(page.fetch()).load(conn)?;
    let (people, next) = page.split(people, |p| &p.0);
    let ids: Vec<&str> = people.iter().map(|p| p.0.as_str()).collect();
    let comps: HashMap<String, Competence> = load_competences(conn, q.framework_id.as_deref())?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let mut latest: HashMap<(String, String), Assessment> = HashMap::new();
    for a in assessments_of(conn, &ids)? {
        latest
            .entry((a.practitioner_id.clone(), a.competency_id.clone()))
            .or_insert(a);
    }
    let mut out = Vec::new();
    for (id, name, service) in &people {
        let mut mine: Vec<&Assessment> = latest
            .values()
            .filter(|a| &a.practitioner_id == id && comps.contains_key(&a.competency_id))
            .collect();
        mine.sort_by(|a, b| a.competency_id.cmp(&b.competency_id));
        for a in mine {
            let c = &comps[&a.competency_id];
            let st = rules::state(Some((a.outcome, a.review_due_on)), today);
            if q.state.as_deref().is_some_and(|w| w != st.as_str()) {
                continue;
            }
            out.push(CompetenceReportRow {
                practitioner_id: id.clone(),
                full_name: name.clone(),
                service_id: service.clone(),
                competency_id: c.id.clone(),
                framework_id: c.framework_id.clone(),
                code: c.code.clone(),
                title: c.title.clone(),
                state: st,
                outcome: a.outcome,
                assessed_by: a.assessed_by.clone(),
                assessed_on: a.assessed_on,
                review_due_on: a.review_due_on,
            });
        }
    }
    Ok((out, next))
}

#[utoipa::path(
    get, path = "/api/v1/reports/competencies", tag = "reports", params(CompetenceReportQuery),
    description = "The current state and review date of every assessed competence, by person. `Accept: text/csv` answers every row as CSV.",
    responses(
        (status = 200, body = inline(Page<CompetenceReportRow>), content_type = "application/json"),
        (status = 200, body = String, content_type = "text/csv"),
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
    let now = state.clock.now();
    let scope = report_scope(&caller).ok_or_else(AppError::forbidden)?;
    let q = q.into_inner();
    if q.state
        .as_deref()
        .is_some_and(|s| !["met", "not_yet_met", "review_overdue"].contains(&s))
    {
        return Err(AppError::invalid(
            "state",
            "must be met, not_yet_met or review_overdue",
        ));
    }
    let today = now.date();
    if csv::wanted(&req) {
        return csv::stream(
            &state,
            "competencies.csv",
            &[
                "practitioner_id",
                "full_name",
                "service_id",
                "framework_id",
                "code",
                "title",
                "state",
                "outcome",
                "assessed_by",
                "assessed_on",
                "review_due_on",
            ],
            500,
            move |conn, page| report_page(conn, &scope, &q, page, today),
            |out, r| {
                csv::push_row(
                    out,
                    &[
                        r.practitioner_id.clone(),
                        r.full_name.clone(),
                        r.service_id.clone().unwrap_or_default(),
                        r.framework_id.clone(),
                        r.code.clone(),
                        r.title.clone(),
                        r.state.as_str().to_string(),
                        r.outcome.as_str().to_string(),
                        r.assessed_by.clone(),
                        r.assessed_on.to_string(),
                        r.review_due_on.map(|d| d.to_string()).unwrap_or_default(),
                    ],
                );
            },
        )
        .await;
    }
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let (rows, next) = state
        .db(move |conn| report_page(conn, &scope, &q, &p, today))
        .await?;
    Ok(HttpResponse::Ok().json(Page {
        items: rows,
        next_cursor: next.as_deref().map(encode_cursor),
    }))
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
