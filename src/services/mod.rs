//! Services: the Talking Therapies teams people work in. Everyone may read them; admins write.

use actix_web::{web, HttpResponse};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::app::AppState;
use crate::audit::{self, snapshot, Change};
use crate::auth::policy::can_write_services;
use crate::auth::Auth;
use crate::db::schema::services;
use crate::db::DbConn;
use crate::http::page::{Page, PageRequest};
use crate::http::{parse_id, resource, validate, AppError, Json};

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = services)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub provider: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    /// The NHS trust or provider running the service.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub provider: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServicePatch {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub provider: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<Service>, AppError> {
    Ok(services::table
        .find(id)
        .select(Service::as_select())
        .first(conn)
        .optional()?)
}

fn list(conn: &mut DbConn, page: &PageRequest) -> Result<Vec<Service>, AppError> {
    let mut q = services::table.select(Service::as_select()).into_boxed();
    if let Some(after) = &page.after {
        q = q.filter(services::id.gt(after.clone()));
    }
    Ok(q.order(services::id.asc()).limit(page.fetch()).load(conn)?)
}

#[utoipa::path(
    get, path = "/api/v1/services", tag = "services", params(ServiceQuery),
    responses((status = 200, body = inline(Page<Service>)), (status = 401, body = crate::http::Problem), (status = 422, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn list_services(
    state: web::Data<AppState>,
    _auth: Auth,
    q: web::Query<ServiceQuery>,
) -> Result<HttpResponse, AppError> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref())?;
    let p = page.clone();
    let rows = state.db(move |conn| list(conn, &p)).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, &page, |s| &s.id)))
}

#[utoipa::path(
    post, path = "/api/v1/services", tag = "services", request_body = NewService,
    responses(
        (status = 201, body = Service), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 415, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create_service(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<NewService>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    if !can_write_services(&caller) {
        return Err(AppError::forbidden());
    }
    let body = body.0;
    validate(&body)?;
    let created = state
        .write(move |conn| {
            let service = Service {
                id: uuid::Uuid::now_v7().to_string(),
                name: body.name.trim().to_string(),
                provider: body.provider.trim().to_string(),
                created_at: now,
                updated_at: now,
            };
            diesel::insert_into(services::table)
                .values((
                    services::id.eq(&service.id),
                    services::name.eq(&service.name),
                    services::provider.eq(&service.provider),
                    services::created_at.eq(now),
                    services::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "create",
                    entity_type: "service",
                    entity_id: &service.id,
                    service_id: Some(&service.id),
                    before: None,
                    after: snapshot(&service)?,
                },
                now,
            )?;
            Ok(service)
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

#[utoipa::path(
    get, path = "/api/v1/services/{id}", tag = "services",
    params(("id" = String, Path, description = "service id")),
    responses((status = 200, body = Service), (status = 401, body = crate::http::Problem), (status = 404, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn get_service(
    state: web::Data<AppState>,
    _auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&id)?;
    let service = state
        .db(move |conn| find(conn, &id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(service))
}

#[utoipa::path(
    patch, path = "/api/v1/services/{id}", tag = "services", request_body = ServicePatch,
    params(("id" = String, Path, description = "service id")),
    responses(
        (status = 200, body = Service), (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 403, body = crate::http::Problem), (status = 404, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch_service(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    id: web::Path<String>,
    body: Json<ServicePatch>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let id = parse_id(&id)?;
    if !can_write_services(&caller) {
        return Err(AppError::forbidden());
    }
    let body = body.0;
    validate(&body)?;
    let updated = state
        .write(move |conn| {
            let before = find(conn, &id)?.ok_or(AppError::NotFound)?;
            let mut after = before.clone();
            if let Some(n) = body.name {
                after.name = n.trim().to_string();
            }
            if let Some(p) = body.provider {
                after.provider = p.trim().to_string();
            }
            if after.name == before.name && after.provider == before.provider {
                return Ok(before);
            }
            after.updated_at = now;
            diesel::update(services::table.find(&id))
                .set((
                    services::name.eq(&after.name),
                    services::provider.eq(&after.provider),
                    services::updated_at.eq(now),
                ))
                .execute(conn)?;
            audit::record(
                conn,
                Change {
                    actor_id: Some(&caller.id),
                    action: "update",
                    entity_type: "service",
                    entity_id: &id,
                    service_id: Some(&id),
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
        resource("/services", "GET, POST")
            .route(web::get().to(list_services))
            .route(web::post().to(create_service)),
    )
    .service(
        resource("/services/{id}", "GET, PATCH")
            .route(web::get().to(get_service))
            .route(web::patch().to(patch_service)),
    );
}
