//! The supervision policy: rows of (role, stage, type, minutes, window, formats, largest group,
//! source). Everyone may read it; training leads and admins replace it as a whole.

use std::collections::HashSet;

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::queries::{load_policy, PolicyRow};
use super::rules::{Format, SupervisionType};
use crate::app::{now, AppState};
use crate::audit::{self, Change};
use crate::auth::policy::can_write_policy;
use crate::auth::Auth;
use crate::db::schema::{practitioner_roles, supervision_policy_rules};
use crate::db::DbConn;
use crate::http::{resource, validate, AppError, FieldError, Json};

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// A practitioner role (`pwp`, `cbt_therapist`, ...), or `supervisor` for supervisors' own supervision.
    pub practitioner_role: String,
    /// `trainee`, `qualified`, or null for both.
    pub stage: Option<String>,
    pub supervision_type: SupervisionType,
    /// Full-time minutes within the window (scaled by WTE, with a floor of half).
    #[validate(range(min = 1, max = 6000, message = "must be 1 to 6000 minutes"))]
    pub min_minutes: i32,
    #[validate(range(min = 1, max = 366, message = "must be 1 to 366 days"))]
    pub window_days: i32,
    #[validate(length(min = 1, max = 2, message = "must name individual, group or both"))]
    pub formats: Vec<Format>,
    /// The largest group whose time counts; null: any size.
    #[validate(range(min = 2, max = 100, message = "must be 2 to 100"))]
    pub max_group_size: Option<i32>,
    /// Where the figure comes from.
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    pub source: String,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(alias = "items")]
    #[validate(nested, length(max = 200, message = "at most 200 rules"))]
    pub rules: Vec<PolicyRule>,
}

fn view(row: &PolicyRow) -> PolicyRule {
    PolicyRule {
        practitioner_role: row.practitioner_role.clone(),
        stage: row.stage.clone(),
        supervision_type: SupervisionType::parse(&row.supervision_type)
            .unwrap_or(SupervisionType::Clinical),
        min_minutes: row.min_minutes,
        window_days: row.window_days,
        formats: row.formats(),
        max_group_size: row.max_group_size,
        source: row.source.clone(),
    }
}

pub fn current(conn: &mut DbConn) -> Result<Policy, AppError> {
    Ok(Policy {
        rules: load_policy(conn)?.iter().map(view).collect(),
    })
}

/// The checks `validator` cannot make alone: known roles and stages, formats and group sizes
/// that agree, and no two rules for the same role, stage and type.
/// `errors`: what `validator` already found, so the answer lists every problem at once.
fn check(conn: &mut DbConn, policy: &Policy, mut errors: Vec<FieldError>) -> Result<(), AppError> {
    let known: HashSet<String> = practitioner_roles::table
        .select(practitioner_roles::code)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let mut seen = HashSet::new();
    for (i, r) in policy.rules.iter().enumerate() {
        let at = |f: &str| format!("rules[{i}].{f}");
        if r.practitioner_role != "supervisor" && !known.contains(&r.practitioner_role) {
            errors.push(FieldError::new(
                at("practitioner_role"),
                "must be a practitioner role or supervisor",
            ));
        }
        if let Some(s) = &r.stage {
            if s != "trainee" && s != "qualified" {
                errors.push(FieldError::new(
                    at("stage"),
                    "must be trainee, qualified or null",
                ));
            }
        }
        if r.formats.iter().collect::<HashSet<_>>().len() != r.formats.len() {
            errors.push(FieldError::new(at("formats"), "names a format twice"));
        }
        if r.max_group_size.is_some() && !r.formats.contains(&Format::Group) {
            errors.push(FieldError::new(
                at("max_group_size"),
                "applies only when group is an allowed format",
            ));
        }
        if !seen.insert((
            r.practitioner_role.clone(),
            r.stage.clone(),
            r.supervision_type,
        )) {
            errors.push(FieldError::new(
                at("supervision_type"),
                "another rule already covers this role, stage and type",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        Err(AppError::Validation(errors))
    }
}

#[utoipa::path(
    get, path = "/api/v1/supervision-policy", tag = "supervision",
    responses((status = 200, body = Policy), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_policy(state: web::Data<AppState>, _auth: Auth) -> Result<HttpResponse, AppError> {
    let policy = state.db(current).await?;
    Ok(HttpResponse::Ok().json(policy))
}

#[utoipa::path(
    put, path = "/api/v1/supervision-policy", tag = "supervision", request_body = Policy,
    description = "Replaces every rule (training leads and admins). Compliance is computed from the new rules at once.",
    responses(
        (status = 200, body = Policy), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn put_policy(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<Policy>,
) -> Result<HttpResponse, AppError> {
    if !can_write_policy(&caller) {
        return Err(AppError::forbidden());
    }
    let policy = body.0;
    let field_errors = match validate(&policy) {
        Ok(()) => Vec::new(),
        Err(AppError::Validation(errors)) => errors,
        Err(other) => return Err(other),
    };
    let saved = state
        .write(move |conn| {
            check(conn, &policy, field_errors)?;
            let before = current(conn)?;
            let now = now();
            diesel::delete(supervision_policy_rules::table).execute(conn)?;
            for (i, r) in policy.rules.iter().enumerate() {
                let formats: Vec<&str> = r.formats.iter().map(|f| f.as_str()).collect();
                diesel::insert_into(supervision_policy_rules::table)
                    .values((
                        supervision_policy_rules::id.eq(uuid::Uuid::now_v7().to_string()),
                        supervision_policy_rules::practitioner_role.eq(&r.practitioner_role),
                        supervision_policy_rules::stage.eq(&r.stage),
                        supervision_policy_rules::supervision_type.eq(r.supervision_type.as_str()),
                        supervision_policy_rules::min_minutes.eq(r.min_minutes),
                        supervision_policy_rules::window_days.eq(r.window_days),
                        supervision_policy_rules::formats.eq(formats.join(",")),
                        supervision_policy_rules::max_group_size.eq(r.max_group_size),
                        supervision_policy_rules::source.eq(r.source.trim()),
                        supervision_policy_rules::position.eq(i as i32 + 1),
                        supervision_policy_rules::created_at.eq(now),
                        supervision_policy_rules::updated_at.eq(now),
                    ))
                    .execute(conn)?;
            }
            let after = current(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "replace",
                    entity_type: "supervision_policy",
                    entity_id: "supervision_policy",
                    service_id: None,
                    before: serde_json::to_value(&before).ok(),
                    after: serde_json::to_value(&after).ok(),
                },
                now,
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(saved))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/supervision-policy", "GET, PUT")
            .route(web::get().to(get_policy))
            .route(web::put().to(put_policy)),
    );
}
