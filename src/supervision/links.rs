//! The services a supervisor supervises in besides their own: an admin links them, so that a
//! supervisor of one team can be named by, and record sessions for, people of another.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::audit;
use crate::auth::policy::{can_link_supervisor, roles_from_text, Caller, Role};
use crate::db::schema::{services, supervisor_services};
use crate::db::DbConn;
use crate::error::{validate, AppError, FieldError};
use crate::http::parse_id;

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisedServices {
    /// Services the supervisor supervises in besides their own.
    #[validate(length(max = 100, message = "must name at most 100 services"))]
    #[schema(max_items = 100)]
    pub service_ids: Vec<String>,
}

/// The services an admin has linked this supervisor to.
pub fn services_of(conn: &mut DbConn, supervisor_id: &str) -> Result<Vec<String>, AppError> {
    Ok(supervisor_services::table
        .filter(supervisor_services::supervisor_id.eq(supervisor_id))
        .select(supervisor_services::service_id)
        .order(supervisor_services::service_id.asc())
        .load(conn)?)
}

/// Replaces a supervisor's linked services (admins only), audited.
pub fn set_services(
    conn: &mut DbConn,
    caller: &Caller,
    supervisor_id: &str,
    wanted: Vec<String>,
    at: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    if !can_link_supervisor(caller) {
        return Err(AppError::needs(crate::auth::policy::ADMINS));
    }
    let (person, _) =
        crate::people::queries::find(conn, supervisor_id)?.ok_or(AppError::NotFound)?;
    if !roles_from_text(&person.roles).contains(&Role::Supervisor) {
        return Err(AppError::Conflict(
            "this person does not hold the supervisor role".into(),
        ));
    }
    // Each entry parsed once; one query for which of them exist.
    let parsed: Vec<Option<String>> = wanted.iter().map(|raw| parse_id(raw).ok()).collect();
    let candidates: Vec<&String> = parsed.iter().flatten().collect();
    let known: Vec<String> = services::table
        .filter(services::id.eq_any(&candidates))
        .select(services::id)
        .load(conn)?;
    let errors: Vec<FieldError> = parsed
        .iter()
        .enumerate()
        .filter(|(_, id)| !id.as_ref().is_some_and(|id| known.contains(id)))
        .map(|(i, _)| FieldError::new(format!("service_ids[{i}]"), "no such service"))
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut ids: Vec<String> = parsed
        .into_iter()
        .flatten()
        .filter(|id| person.service_id.as_deref() != Some(id.as_str()))
        .collect();
    ids.sort();
    ids.dedup();
    let before = services_of(conn, supervisor_id)?;
    diesel::delete(
        supervisor_services::table.filter(supervisor_services::supervisor_id.eq(supervisor_id)),
    )
    .execute(conn)?;
    for id in &ids {
        diesel::insert_into(supervisor_services::table)
            .values((
                supervisor_services::supervisor_id.eq(supervisor_id),
                supervisor_services::service_id.eq(id),
                supervisor_services::created_by.eq(&caller.id),
                supervisor_services::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    let after = services_of(conn, supervisor_id)?;
    audit::of(&caller.id, "user", supervisor_id)
        .in_service(person.service_id.as_deref())
        .action(
            conn,
            "link_services",
            Some(serde_json::json!({ "supervises_in": before })),
            Some(serde_json::json!({ "supervises_in": after })),
            at,
        )?;
    Ok(after)
}

/// The services a supervisor supervises in besides their own (admins).
pub fn supervised_services(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> Result<Vec<String>, AppError> {
    if !can_link_supervisor(caller) {
        return Err(AppError::needs(crate::auth::policy::ADMINS));
    }
    let id = parse_id(id)?;
    crate::people::queries::find(conn, &id)?.ok_or(AppError::NotFound)?;
    services_of(conn, &id)
}

/// Replaces the services a supervisor supervises in besides their own (admins).
pub fn link_services(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    input: SupervisedServices,
    at: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    validate(&input)?;
    let id = parse_id(id)?;
    set_services(conn, caller, &id, input.service_ids, at)
}
