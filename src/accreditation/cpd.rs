//! CPD activities, kept by the practitioner, and the bodies' CPD rules they are checked against.

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::rules::{CpdFact, CpdRule};
use super::{person_for, Access};
use crate::app::AppState;
use crate::audit::{self, snapshot, Change};
use crate::auth::Auth;
use crate::db::schema::{cpd_activities, cpd_rules};
use crate::db::DbConn;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, validate, AppError, Json};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = cpd_activities)]
pub struct CpdActivity {
    pub id: String,
    pub practitioner_id: String,
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    pub hours: f64,
    pub category: String,
    pub cbt_related: bool,
    pub reflective_statement: Option<String>,
    /// A `cpd` course this activity was.
    pub course_id: Option<String>,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

fn valid_hours(h: f64) -> Result<(), validator::ValidationError> {
    if (0.25..=200.0).contains(&h) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("hours").with_message("must be 0.25 to 200".into()))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCpd {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub title: String,
    #[schema(value_type = String, format = Date)]
    pub held_on: NaiveDate,
    #[validate(custom(function = "valid_hours"))]
    pub hours: f64,
    /// e.g. workshop, reading, course, conference, supervision of practice.
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub category: String,
    #[serde(default)]
    pub cbt_related: bool,
    #[validate(length(max = 20000, message = "must be at most 20000 characters"))]
    pub reflective_statement: Option<String>,
    pub course_id: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CpdPatch {
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub title: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub held_on: Option<NaiveDate>,
    #[validate(custom(function = "valid_hours"))]
    pub hours: Option<f64>,
    #[validate(length(min = 1, max = 100, message = "must be 1 to 100 characters"))]
    pub category: Option<String>,
    pub cbt_related: Option<bool>,
    #[validate(length(max = 20000, message = "must be at most 20000 characters"))]
    pub reflective_statement: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CpdQuery {
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// body, kind, min activities, reflection required, min CBT-related, min CBT hours, months.
type RuleRow = (String, Option<String>, i32, bool, i32, f64, i32);

pub fn load_rules(conn: &mut DbConn) -> Result<Vec<(String, Option<String>, CpdRule)>, AppError> {
    let rows: Vec<RuleRow> = cpd_rules::table
        .select((
            cpd_rules::body_code,
            cpd_rules::credential_kind,
            cpd_rules::min_activities,
            cpd_rules::reflection_required,
            cpd_rules::min_cbt_related,
            cpd_rules::min_cbt_hours,
            cpd_rules::period_months,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                b,
                k,
                min_activities,
                reflection_required,
                min_cbt_related,
                min_cbt_hours,
                period_months,
            )| {
                (
                    b,
                    k,
                    CpdRule {
                        min_activities,
                        reflection_required,
                        min_cbt_related,
                        min_cbt_hours,
                        period_months,
                    },
                )
            },
        )
        .collect())
}

/// The rule for a credential: one naming its kind first, else the body's general one.
pub fn rule_for<'a>(
    rules: &'a [(String, Option<String>, CpdRule)],
    body: &str,
    kind: &str,
) -> Option<&'a CpdRule> {
    rules
        .iter()
        .find(|(b, k, _)| b == body && k.as_deref() == Some(kind))
        .or_else(|| rules.iter().find(|(b, k, _)| b == body && k.is_none()))
        .map(|(_, _, r)| r)
}

/// Everyone's CPD facts since `since`, for a set of people, in one query.
pub fn facts(
    conn: &mut DbConn,
    people: &[&str],
    since: NaiveDate,
) -> Result<Vec<(String, CpdFact)>, AppError> {
    let rows: Vec<(String, NaiveDate, f64, bool, Option<String>)> = cpd_activities::table
        .filter(cpd_activities::practitioner_id.eq_any(people))
        .filter(cpd_activities::held_on.gt(since))
        .select((
            cpd_activities::practitioner_id,
            cpd_activities::held_on,
            cpd_activities::hours,
            cpd_activities::cbt_related,
            cpd_activities::reflective_statement,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(who, held_on, hours, cbt_related, reflection)| {
            let has_reflection = reflection.is_some_and(|r| !r.trim().is_empty());
            (
                who,
                CpdFact {
                    held_on,
                    hours,
                    cbt_related,
                    has_reflection,
                },
            )
        })
        .collect())
}

#[utoipa::path(
    get, path = "/api/v1/practitioners/{id}/cpd", tag = "accreditation", params(("id" = String, Path, description = "person id"), CpdQuery),
    responses((status = 200, body = inline(Page<CpdActivity>)), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_cpd(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    q: web::Query<CpdQuery>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let q = q.into_inner();
    let p = page.clone();
    let rows = state
        .db(move |conn| {
            person_for(conn, &caller, &id, Access::Read)?;
            let mut s = cpd_activities::table
                .filter(cpd_activities::practitioner_id.eq(&id))
                .select(CpdActivity::as_select())
                .into_boxed();
            if let Some(v) = q.from {
                s = s.filter(cpd_activities::held_on.ge(v));
            }
            if let Some(v) = q.to {
                s = s.filter(cpd_activities::held_on.le(v));
            }
            if let Some(after) = &p.after {
                s = s.filter(cpd_activities::id.gt(after.clone()));
            }
            Ok(s.order(cpd_activities::id.asc())
                .limit(p.fetch())
                .load::<CpdActivity>(conn)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |r| &r.id)))
}

fn check_course(conn: &mut DbConn, course_id: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(raw) = course_id else {
        return Ok(None);
    };
    let id = parse_id(raw).map_err(|_| AppError::invalid("course_id", "no such course"))?;
    match super::courses::find(conn, &id)? {
        Some(c) if c.kind == super::courses::CourseKind::Cpd => Ok(Some(id)),
        Some(_) => Err(AppError::invalid("course_id", "is not a cpd course")),
        None => Err(AppError::invalid("course_id", "no such course")),
    }
}

#[utoipa::path(
    post, path = "/api/v1/practitioners/{id}/cpd", tag = "accreditation", request_body = NewCpd,
    description = "The practitioner records their own CPD.",
    params(("id" = String, Path, description = "person id")),
    responses(
        (status = 201, body = CpdActivity), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_cpd(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<NewCpd>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let b = body.0;
    validate(&b)?;
    if b.held_on > now.date() {
        return Err(AppError::invalid("held_on", "cannot be in the future"));
    }
    let created = state
        .write(move |conn| {
            let service = person_for(conn, &caller, &id, Access::Owner)?;
            let course_id = check_course(conn, b.course_id.as_deref())?;
            let a = CpdActivity {
                id: uuid::Uuid::now_v7().to_string(),
                practitioner_id: id,
                title: b.title.trim().to_string(),
                held_on: b.held_on,
                hours: b.hours,
                category: b.category.trim().to_string(),
                cbt_related: b.cbt_related,
                reflective_statement: b.reflective_statement,
                course_id,
                created_at: now,
                updated_at: now,
            };
            diesel::insert_into(cpd_activities::table)
                .values((
                    cpd_activities::id.eq(&a.id),
                    cpd_activities::practitioner_id.eq(&a.practitioner_id),
                    cpd_activities::title.eq(&a.title),
                    cpd_activities::held_on.eq(a.held_on),
                    cpd_activities::hours.eq(a.hours),
                    cpd_activities::category.eq(&a.category),
                    cpd_activities::cbt_related.eq(a.cbt_related),
                    cpd_activities::reflective_statement.eq(&a.reflective_statement),
                    cpd_activities::course_id.eq(&a.course_id),
                    cpd_activities::created_at.eq(now),
                    cpd_activities::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "create",
                    entity_type: "cpd_activity",
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
    Ok(HttpResponse::Created().json(created))
}

/// An activity its owner may change; others who may see it get 403, the rest 404.
fn owned(
    conn: &mut DbConn,
    caller: &crate::auth::policy::Caller,
    id: &str,
) -> Result<(CpdActivity, Option<String>), AppError> {
    let a: CpdActivity = cpd_activities::table
        .find(id)
        .select(CpdActivity::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let service = person_for(conn, caller, &a.practitioner_id, Access::Owner)?;
    Ok((a, service))
}

#[utoipa::path(
    patch, path = "/api/v1/cpd/{id}", tag = "accreditation", request_body = CpdPatch,
    params(("id" = String, Path, description = "CPD activity id")),
    responses(
        (status = 200, body = CpdActivity), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_cpd(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<CpdPatch>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let p = body.0;
    validate(&p)?;
    if p.held_on.is_some_and(|d| d > now.date()) {
        return Err(AppError::invalid("held_on", "cannot be in the future"));
    }
    let updated = state
        .write(move |conn| {
            let (before, service) = owned(conn, &caller, &id)?;
            let mut a = before.clone();
            if let Some(v) = p.title {
                a.title = v.trim().to_string();
            }
            if let Some(v) = p.held_on {
                a.held_on = v;
            }
            if let Some(v) = p.hours {
                a.hours = v;
            }
            if let Some(v) = p.category {
                a.category = v.trim().to_string();
            }
            if let Some(v) = p.cbt_related {
                a.cbt_related = v;
            }
            if p.reflective_statement.is_some() {
                a.reflective_statement = p.reflective_statement;
            }
            a.updated_at = now;
            diesel::update(cpd_activities::table.find(&id))
                .set((
                    cpd_activities::title.eq(&a.title),
                    cpd_activities::held_on.eq(a.held_on),
                    cpd_activities::hours.eq(a.hours),
                    cpd_activities::category.eq(&a.category),
                    cpd_activities::cbt_related.eq(a.cbt_related),
                    cpd_activities::reflective_statement.eq(&a.reflective_statement),
                    cpd_activities::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "update",
                    entity_type: "cpd_activity",
                    entity_id: &id,
                    service_id: service.as_deref(),
                    before: snapshot(&before)?,
                    after: snapshot(&a)?,
                },
                now,
            )?;
            Ok(a)
        })
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[utoipa::path(
    delete, path = "/api/v1/cpd/{id}", tag = "accreditation",
    params(("id" = String, Path, description = "CPD activity id")),
    responses((status = 204), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn delete_cpd(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    state
        .write(move |conn| {
            let (before, service) = owned(conn, &caller, &id)?;
            diesel::delete(cpd_activities::table.find(&id)).execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "delete",
                    entity_type: "cpd_activity",
                    entity_id: &id,
                    service_id: service.as_deref(),
                    before: snapshot(&before)?,
                    after: None,
                },
                now,
            )
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/practitioners/{id}/cpd", "GET, POST")
            .route(web::get().to(list_cpd))
            .route(web::post().to(create_cpd)),
    )
    .service(
        resource("/cpd/{id}", "PATCH, DELETE")
            .route(web::patch().to(patch_cpd))
            .route(web::delete().to(delete_cpd)),
    );
}
