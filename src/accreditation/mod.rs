//! Accreditation: the credentials each body grants (data an admin edits), accredited courses,
//! training records, practitioners' accreditations with their verification, and CPD.

pub mod courses;
pub use crate::auth::policy::Access;
use crate::auth::policy::{person_records, Decision};

pub mod cpd;
pub mod credentials;
pub mod required;
pub mod rules;
pub mod training;

use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::AppState;
use crate::audit::{self, snapshot, Change};
use crate::auth::policy::Caller;
use crate::auth::{Admin, Auth};
use crate::db::schema::{accreditation_bodies, credential_kinds, modalities};
use crate::db::DbConn;
use crate::http::page::whole;
use crate::http::{parse_id, resource, validate, AppError, FieldError, Json};

/// The person's service, once the caller is allowed `need` on their records. Someone the caller
/// may not see at all is a 404; seen but not allowed, a 403.
pub fn person_for(
    conn: &mut DbConn,
    caller: &Caller,
    person_id: &str,
    need: Access,
) -> Result<Option<String>, AppError> {
    let (row, _) = crate::people::queries::find(conn, person_id)?.ok_or(AppError::NotFound)?;
    match person_records(caller, &row.id, row.service_id.as_deref(), need) {
        Decision::Allowed => Ok(row.service_id),
        Decision::Forbidden(why) => Err(AppError::Forbidden(why.into())),
        Decision::Hidden => Err(AppError::NotFound),
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = credential_kinds)]
pub struct CredentialKind {
    pub id: String,
    #[serde(rename = "body")]
    pub body_code: String,
    pub code: String,
    pub name: String,
    pub renewal_months: i32,
    /// Days before expiry on which reminders go out, comma-separated (e.g. "60,30,7").
    pub reminder_offsets: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCredentialKind {
    pub body: String,
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    pub code: String,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    #[validate(range(min = 1, max = 120, message = "must be 1 to 120 months"))]
    pub renewal_months: i32,
    #[validate(length(max = 10, message = "at most 10 offsets"))]
    pub reminder_offsets: Vec<u16>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialKindPatch {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: Option<String>,
    #[validate(range(min = 1, max = 120, message = "must be 1 to 120 months"))]
    pub renewal_months: Option<i32>,
    #[validate(length(max = 10, message = "at most 10 offsets"))]
    pub reminder_offsets: Option<Vec<u16>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KindQuery {
    pub body: Option<String>,
}

fn offsets_text(v: &[u16]) -> String {
    let mut v = v.to_vec();
    v.sort_unstable_by(|a, b| b.cmp(a));
    v.dedup();
    v.iter().map(u16::to_string).collect::<Vec<_>>().join(",")
}

pub fn body_exists(conn: &mut DbConn, code: &str) -> Result<bool, AppError> {
    Ok(accreditation_bodies::table
        .find(code)
        .select(accreditation_bodies::code)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

pub fn find_kind(
    conn: &mut DbConn,
    body: &str,
    code: &str,
) -> Result<Option<CredentialKind>, AppError> {
    Ok(credential_kinds::table
        .filter(credential_kinds::body_code.eq(body))
        .filter(credential_kinds::code.eq(code))
        .select(CredentialKind::as_select())
        .first(conn)
        .optional()?)
}

#[utoipa::path(
    get, path = "/api/v1/credential-kinds", tag = "accreditation", params(KindQuery),
    description = "The individual credentials each body grants, with their renewal cycle and reminder offsets.",
    responses((status = 200, body = inline(crate::http::page::Page<CredentialKind>)), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_kinds(
    state: web::Data<AppState>,
    _auth: Auth,
    q: web::Query<KindQuery>,
) -> Result<HttpResponse, AppError> {
    let body = q.into_inner().body;
    let rows = state
        .db(move |conn| {
            let mut q = credential_kinds::table
                .select(CredentialKind::as_select())
                .into_boxed();
            if let Some(b) = body {
                q = q.filter(credential_kinds::body_code.eq(b));
            }
            Ok(
                q.order((credential_kinds::body_code, credential_kinds::code))
                    .load(conn)?,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(whole(rows)))
}

#[utoipa::path(
    post, path = "/api/v1/credential-kinds", tag = "accreditation", request_body = NewCredentialKind,
    responses(
        (status = 201, body = CredentialKind), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 409, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_kind(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    body: Json<NewCredentialKind>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let b = body.0;
    validate(&b)?;
    let created = state
        .write(move |conn| {
            if !body_exists(conn, &b.body)? {
                return Err(AppError::invalid(
                    "body",
                    "must be BPS, BABCP, BACP, BPC or IPTUK",
                ));
            }
            if find_kind(conn, &b.body, &b.code)?.is_some() {
                return Err(AppError::Conflict(format!(
                    "{} already grants {}",
                    b.body, b.code
                )));
            }
            let kind = CredentialKind {
                id: uuid::Uuid::now_v7().to_string(),
                body_code: b.body,
                code: b.code,
                name: b.name.trim().to_string(),
                renewal_months: b.renewal_months,
                reminder_offsets: offsets_text(&b.reminder_offsets),
                created_at: now,
                updated_at: now,
            };
            diesel::insert_into(credential_kinds::table)
                .values((
                    credential_kinds::id.eq(&kind.id),
                    credential_kinds::body_code.eq(&kind.body_code),
                    credential_kinds::code.eq(&kind.code),
                    credential_kinds::name.eq(&kind.name),
                    credential_kinds::renewal_months.eq(kind.renewal_months),
                    credential_kinds::reminder_offsets.eq(&kind.reminder_offsets),
                    credential_kinds::created_at.eq(now),
                    credential_kinds::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "create",
                    entity_type: "credential_kind",
                    entity_id: &kind.id,
                    service_id: None,
                    before: None,
                    after: snapshot(&kind)?,
                },
                now,
            )?;
            Ok(kind)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    patch, path = "/api/v1/credential-kinds/{id}", tag = "accreditation", request_body = CredentialKindPatch,
    params(("id" = String, Path, description = "credential kind id")),
    responses(
        (status = 200, body = CredentialKind), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_kind(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    id: web::Path<String>,
    body: Json<CredentialKindPatch>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    let p = body.0;
    validate(&p)?;
    let updated = state
        .write(move |conn| {
            let before: CredentialKind = credential_kinds::table
                .find(&id)
                .select(CredentialKind::as_select())
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            let mut after = before.clone();
            if let Some(v) = p.name {
                after.name = v.trim().to_string();
            }
            if let Some(v) = p.renewal_months {
                after.renewal_months = v;
            }
            if let Some(v) = p.reminder_offsets {
                after.reminder_offsets = offsets_text(&v);
            }
            after.updated_at = now;
            diesel::update(credential_kinds::table.find(&id))
                .set((
                    credential_kinds::name.eq(&after.name),
                    credential_kinds::renewal_months.eq(after.renewal_months),
                    credential_kinds::reminder_offsets.eq(&after.reminder_offsets),
                    credential_kinds::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "update",
                    entity_type: "credential_kind",
                    entity_id: &id,
                    service_id: None,
                    before: snapshot(&before)?,
                    after: snapshot(&after)?,
                },
                now,
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModalityPatch {
    /// The body that accredits this modality's courses.
    pub body: String,
}

#[utoipa::path(
    patch, path = "/api/v1/modalities/{code}", tag = "reference", request_body = ModalityPatch,
    description = "Changes which body accredits a modality's courses (the sources disagree on couple therapy). Admins only.",
    params(("code" = String, Path, description = "modality code")),
    responses(
        (status = 200, body = crate::reference::Modality), (status = 401, body = crate::http::Problem), (status = 403, body = crate::http::Problem),
        (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_modality(
    state: web::Data<AppState>,
    Admin(caller): Admin,
    code: web::Path<String>,
    body: Json<ModalityPatch>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let code = code.into_inner();
    let new_body = body.0.body;
    let updated = state
        .write(move |conn| {
            let before: crate::reference::Modality = modalities::table
                .find(&code)
                .select((modalities::code, modalities::name, modalities::body_code))
                .first(conn)
                .optional()?
                .ok_or(AppError::NotFound)?;
            if !body_exists(conn, &new_body)? {
                return Err(AppError::Validation(vec![FieldError::new(
                    "body",
                    "must be BPS, BABCP, BACP, BPC or IPTUK",
                )]));
            }
            diesel::update(modalities::table.find(&code))
                .set(modalities::body_code.eq(&new_body))
                .execute(conn)?;
            let after = crate::reference::Modality {
                code: before.code.clone(),
                name: before.name.clone(),
                body: new_body,
            };
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "update",
                    entity_type: "modality",
                    entity_id: &code,
                    service_id: None,
                    before: snapshot(&before)?,
                    after: snapshot(&after)?,
                },
                now,
            )?;
            Ok(after)
        })
        .await?;
    Ok(HttpResponse::Ok().json(updated))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/credential-kinds", "GET, POST")
            .route(web::get().to(list_kinds))
            .route(web::post().to(create_kind)),
    )
    .service(resource("/credential-kinds/{id}", "PATCH").route(web::patch().to(patch_kind)))
    .service(resource("/modalities/{code}", "PATCH").route(web::patch().to(patch_modality)))
    .configure(courses::routes)
    .configure(training::routes)
    .configure(credentials::routes)
    .configure(cpd::routes)
    .configure(required::routes);
}
