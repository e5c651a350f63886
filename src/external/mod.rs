//! Supervisors from outside the service (counsellors are often supervised by someone outside
//! it): a person with the supervisor role and no password, practitioner role or clinical
//! requirement, with a body and a registration number checked like a credential. A log may
//! name one once verified; they countersign through emailed links (`supervision::by_link`) and
//! appear in evidence packs with their registration and contact details.

pub mod model;
pub mod queries;
pub mod routes;

use chrono::NaiveDateTime;

use crate::accreditation::credentials::Verification;
use crate::audit;
use crate::auth::policy::{
    can_manage_people_of, external_scope, person_records, Access, Caller, Decision, PeopleScope,
    Role,
};
use crate::db::DbConn;
use crate::error::{validate, AppError, FieldError};
use crate::http::page::PageRequest;
use crate::http::parse_id;
pub use model::*;
pub use routes::routes;

fn one(conn: &mut DbConn, id: &str) -> Result<Option<ExternalSupervisor>, AppError> {
    let page = PageRequest {
        limit: 1,
        after: None,
    };
    Ok(queries::views(conn, Some(&[id.to_string()]), None, &page)?.pop())
}

/// One the caller may see (their service's; admins any); anyone else gets 404.
fn visible(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<ExternalSupervisor, AppError> {
    let found = one(conn, id)?.ok_or(AppError::NotFound)?;
    match external_scope(caller) {
        Some(PeopleScope::All) => Ok(found),
        Some(PeopleScope::Service(s)) if found.service_id.as_deref() == Some(s.as_str()) => {
            Ok(found)
        }
        _ => Err(AppError::NotFound),
    }
}

fn field_errors(result: Result<(), AppError>) -> Result<Vec<FieldError>, AppError> {
    match result {
        Ok(()) => Ok(Vec::new()),
        Err(AppError::Validation(e)) => Ok(e),
        Err(other) => Err(other),
    }
}

fn check_body(conn: &mut DbConn, body: &str, errors: &mut Vec<FieldError>) -> Result<(), AppError> {
    if !body.is_empty() && !queries::body_exists(conn, body)? {
        errors.push(FieldError::new(
            "body",
            "no such body (see GET /api/v1/bodies)",
        ));
    }
    Ok(())
}

fn audit_change(
    conn: &mut DbConn,
    caller: &Caller,
    action: &str,
    before: Option<&ExternalSupervisor>,
    after: &ExternalSupervisor,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let before = before.map(audit::snapshot).transpose()?.flatten();
    audit::of(&caller.id, "external_supervisor", &after.id)
        .in_service(after.service_id.as_deref())
        .action(conn, action, before, audit::snapshot(after)?, at)
}

/// Adds a supervisor from outside the service: every field problem at once; no invitation is
/// sent (they never sign in).
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewExternalSupervisor,
    at: NaiveDateTime,
) -> Result<ExternalSupervisor, AppError> {
    let mut errors = field_errors(validate(&input))?;
    let service = match &input.service_id {
        Some(s) => parse_id(s).ok(),
        None => caller.service_id.clone(),
    };
    match &service {
        None if input.service_id.is_some() => {
            errors.push(FieldError::new("service_id", "no such service"))
        }
        None => errors.push(FieldError::new(
            "service_id",
            "is required: name the service they supervise in",
        )),
        Some(s) if crate::services::find(conn, s)?.is_none() => {
            errors.push(FieldError::new("service_id", "no such service"))
        }
        Some(s) if !can_manage_people_of(caller, Some(s)) => {
            return Err(AppError::needs(crate::auth::policy::SERVICE_MANAGERS))
        }
        Some(_) => {}
    }
    let body = input.body.trim().to_string();
    check_body(conn, &body, &mut errors)?;
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(AppError::Validation(errors));
    }
    let account = crate::people::NewAccount {
        email: input.email,
        full_name: input.full_name,
        roles: vec![Role::Supervisor],
        service_id: service,
        practitioner_role: None,
        stage: None,
        wte: None,
        started_on: None,
        esr_assignment_number: None,
    };
    let (person, _) = crate::people::create_account(conn, Some(&caller.id), account, None, at)?;
    queries::insert(
        conn,
        &Registration {
            user_id: person.id.clone(),
            body_code: body,
            registration_number: input.registration_number.trim().to_string(),
            verified_by: None,
            verified_at: None,
            verification_method: None,
            verification_reference: None,
            created_at: at,
            updated_at: at,
        },
    )?;
    let view = one(conn, &person.id)?.ok_or(AppError::NotFound)?;
    audit_change(conn, caller, "create", None, &view, at)?;
    Ok(view)
}

/// One page of the external supervisors the caller may see, in the order they were added.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    service: Option<String>,
    page: &PageRequest,
) -> Result<Vec<ExternalSupervisor>, AppError> {
    let service = match (external_scope(caller), service) {
        (Some(PeopleScope::All), asked) => asked.map(|s| parse_id(&s)).transpose()?,
        (Some(PeopleScope::Service(mine)), _) => Some(mine),
        (None, _) => return Ok(Vec::new()),
    };
    queries::views(conn, None, service.as_deref(), page)
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<ExternalSupervisor, AppError> {
    visible(conn, caller, id)
}

/// Changes a name, email, body or number; a new body or number is unverified again.
pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: ExternalSupervisorPatch,
    at: NaiveDateTime,
) -> Result<ExternalSupervisor, AppError> {
    let mut errors = field_errors(validate(&patch))?;
    let before = visible(conn, caller, id)?;
    if !can_manage_people_of(caller, before.service_id.as_deref()) {
        return Err(AppError::needs(crate::auth::policy::SERVICE_MANAGERS));
    }
    let body = patch.body.as_deref().map(str::trim);
    if let Some(b) = body {
        check_body(conn, b, &mut errors)?;
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (mut person, _) = crate::people::queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    if let Some(email) = patch.email.as_deref().map(str::trim) {
        if crate::people::queries::email_taken(conn, &email.to_lowercase(), Some(id))? {
            return Err(AppError::Conflict(format!(
                "a person with the email {email} already exists"
            )));
        }
        person.email = email.to_string();
    }
    if let Some(name) = patch.full_name.as_deref().map(str::trim) {
        person.full_name = name.to_string();
    }
    person.updated_at = at;
    crate::people::queries::update(conn, &person)?;
    let mut reg = queries::registration(conn, id)?.ok_or(AppError::NotFound)?;
    let number = patch.registration_number.as_deref().map(str::trim);
    let moved = body.is_some_and(|b| b != reg.body_code)
        || number.is_some_and(|n| n != reg.registration_number);
    if moved {
        reg.body_code = body.unwrap_or(&reg.body_code).to_string();
        reg.registration_number = number.unwrap_or(&reg.registration_number).to_string();
        reg.verified_by = None;
        reg.verified_at = None;
        reg.verification_method = None;
        reg.verification_reference = None;
    }
    reg.updated_at = at;
    queries::update(conn, &reg)?;
    let after = one(conn, id)?.ok_or(AppError::NotFound)?;
    audit_change(conn, caller, "update", Some(&before), &after, at)?;
    Ok(after)
}

/// Records who checked the registration with the body, how, and the reference: as for a
/// credential, once, and by the service's training lead or an admin.
pub fn verify(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    input: Verification,
    at: NaiveDateTime,
) -> Result<ExternalSupervisor, AppError> {
    let (method, reference) = input.checked("change the registration instead")?;
    let before = visible(conn, caller, id)?;
    // As for a credential: the service's lead or an admin, never the person themselves.
    match person_records(
        caller,
        id,
        before.service_id.as_deref(),
        Access::ManagerNotOwner,
    ) {
        Decision::Allowed => {}
        Decision::Forbidden(why) => return Err(AppError::Forbidden(why.into())),
        Decision::Hidden => return Err(AppError::needs(crate::auth::policy::SERVICE_MANAGERS)),
    }
    let mut reg = queries::registration(conn, id)?.ok_or(AppError::NotFound)?;
    if reg.verified_at.is_some() {
        return Err(AppError::Conflict(
            "this registration is already verified".into(),
        ));
    }
    reg.verified_by = Some(caller.id.clone());
    reg.verified_at = Some(at);
    reg.verification_method = Some(method);
    reg.verification_reference = reference;
    reg.updated_at = at;
    if !queries::verify(conn, &reg)? {
        return Err(AppError::Conflict(
            "this registration is already verified".into(),
        ));
    }
    let after = one(conn, id)?.ok_or(AppError::NotFound)?;
    audit_change(conn, caller, "verify", Some(&before), &after, at)?;
    Ok(after)
}
