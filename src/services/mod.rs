//! Services: the Talking Therapies teams people work in. Everyone may read them; admins write.

pub mod queries;
pub mod routes;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::audit;
use crate::auth::policy::{can_write_services, Caller};
use crate::db::schema::services;
use crate::db::DbConn;
use crate::error::{validate, AppError};
use crate::http::page::PageRequest;
pub use queries::find;
pub use routes::routes;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize, ToSchema)]
#[diesel(table_name = services, treat_none_as_null = true)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub provider: String,
    /// Where the service's people write about the registry (a training team's shared
    /// mailbox): reminders name it. Without one, they name the service's training leads.
    pub contact_email: Option<String>,
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
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The NHS trust or provider running the service.
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub provider: String,
    /// Where the service's people write about the registry; reminders name it.
    #[validate(email(message = "is not an email address"))]
    #[schema(max_length = 254, format = "email")]
    pub contact_email: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServicePatch {
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    #[schema(min_length = 1, max_length = 200)]
    pub provider: Option<String>,
    /// An email address, or null to remove it.
    #[serde(default, deserialize_with = "crate::http::input::double_option")]
    #[validate(email(message = "is not an email address"))]
    #[schema(value_type = Option<String>, format = "email")]
    pub contact_email: Option<Option<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    /// 1 to 500, default 50.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// What a report covers, for the name its CSV downloads as: the one service (a training lead's
/// own, or the one an admin asked for; `None`: every service) and the day. The service's name
/// is looked up only when CSV is asked for.
pub async fn covers(
    state: &crate::app::AppState,
    req: &actix_web::HttpRequest,
    scope: &crate::auth::policy::PeopleScope,
    asked: Option<&str>,
    as_of: chrono::NaiveDate,
) -> Result<crate::http::report::Covers, AppError> {
    covers_for(state, crate::http::csv::wanted(req), scope, asked, as_of).await
}

/// As [`covers`], for a caller who says whether the file name is wanted (`named`).
pub async fn covers_for(
    state: &crate::app::AppState,
    named: bool,
    scope: &crate::auth::policy::PeopleScope,
    asked: Option<&str>,
    as_of: chrono::NaiveDate,
) -> Result<crate::http::report::Covers, AppError> {
    let id = match scope {
        crate::auth::policy::PeopleScope::Service(s) => Some(s.clone()),
        crate::auth::policy::PeopleScope::All => asked.map(str::to_string),
    };
    let service = match id.filter(|_| named) {
        Some(id) => state
            .db(move |conn| queries::find(conn, &id))
            .await?
            .map(|s| s.name),
        None => None,
    };
    Ok(crate::http::report::Covers { service, as_of })
}

/// Whether the caller may create or change services (admins).
pub fn writer(caller: &Caller) -> Result<(), AppError> {
    if can_write_services(caller) {
        Ok(())
    } else {
        Err(AppError::needs(crate::auth::policy::ADMINS))
    }
}

/// One page (up to `page.fetch()`) of services, in id order.
pub fn list_services(conn: &mut DbConn, page: &PageRequest) -> Result<Vec<Service>, AppError> {
    queries::list(conn, page)
}

pub fn get_service(conn: &mut DbConn, id: &str) -> Result<Service, AppError> {
    find(conn, id)?.ok_or(AppError::NotFound)
}

pub fn create_service(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewService,
    at: NaiveDateTime,
) -> Result<Service, AppError> {
    writer(caller)?;
    validate(&input)?;
    let service = Service {
        id: uuid::Uuid::now_v7().to_string(),
        name: input.name.trim().to_string(),
        provider: input.provider.trim().to_string(),
        contact_email: input.contact_email.map(|e| e.trim().to_string()),
        created_at: at,
        updated_at: at,
    };
    queries::insert(conn, &service)?;
    audit::of(&caller.id, "service", &service.id)
        .in_service(Some(&service.id))
        .created(conn, &service, at)?;
    Ok(service)
}

pub fn update_service(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: ServicePatch,
    at: NaiveDateTime,
) -> Result<Service, AppError> {
    writer(caller)?;
    validate(&patch)?;
    let before = find(conn, id)?.ok_or(AppError::NotFound)?;
    let mut after = before.clone();
    if let Some(n) = patch.name {
        after.name = n.trim().to_string();
    }
    if let Some(p) = patch.provider {
        after.provider = p.trim().to_string();
    }
    if let Some(c) = patch.contact_email {
        after.contact_email = c.map(|e| e.trim().to_string());
    }
    if after.name == before.name
        && after.provider == before.provider
        && after.contact_email == before.contact_email
    {
        return Ok(before);
    }
    after.updated_at = at;
    queries::update(conn, &after)?;
    audit::of(&caller.id, "service", id)
        .in_service(Some(id))
        .updated(conn, &before, &after, at)?;
    Ok(after)
}
