//! People: practitioners and the other staff of a service, each with a login.

mod invitations;
pub mod list;
pub mod model;
pub mod queries;
pub mod routes;
pub mod rules;

use chrono::{NaiveDate, NaiveDateTime};

use crate::app::now;
use crate::audit;
use crate::auth::policy::{
    can_grant, can_manage_people_of, can_view_person, roles_from_text, roles_to_text, Caller, Role,
};
use crate::auth::policy::{may_deactivate, may_patch, sees_special_category, DeactivationRefused};
use crate::auth::session;
use crate::db::DbConn;
use crate::error::{validate, AppError, FieldError};
pub(crate) use invitations::{queue_invitation, queue_invitation_from};
pub use invitations::{reinvite, Created, Inviting};
pub(crate) use list::with_service_names;
pub use list::{list_people, list_people_among};
pub use model::*;
use queries::{PersonRow, PersonWithModality};
pub use routes::routes;

/// How a person is written to the audit trail: every field, the special-category ones
/// included so the history of a change is complete. `GET /audit/events` redacts those (see
/// `audit::special`), and revealing them is itself audited.
pub(crate) fn audited(p: &PersonWithModality) -> Result<Option<serde_json::Value>, AppError> {
    audit::snapshot(&Person::view(p.clone(), true))
}

/// Checks the references a request names, answering 422 for the unknown ones.
fn check_references(
    conn: &mut DbConn,
    service_id: Option<&str>,
    role: Option<&str>,
) -> Result<(), AppError> {
    let mut errors = Vec::new();
    if let Some(s) = service_id {
        if crate::services::find(conn, s)?.is_none() {
            errors.push(FieldError::new("service_id", "no such service"));
        }
    }
    if let Some(r) = role {
        if crate::reference::modality_of_role(conn, r)?.is_none() {
            errors.push(FieldError::new(
                "practitioner_role",
                format!(
                    "must be one of {}",
                    crate::reference::PRACTITIONER_ROLES.join(", ")
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// Every problem of a new person's input, given whether the service it names exists and
/// whether its practitioner role is known: the input's own checks, then the rule of clinical
/// fields, sorted by field. Shared by `create_person` and imports (which look the references up
/// once for a whole file).
pub fn problems_of_new(
    input: &NewPractitioner,
    service_known: bool,
    role_known: bool,
) -> Result<Vec<FieldError>, AppError> {
    let mut errors = match validate(input) {
        Ok(()) => Vec::new(),
        Err(AppError::Validation(e)) => e,
        Err(other) => return Err(other),
    };
    if !service_known {
        errors.push(FieldError::new("service_id", "no such service"));
    }
    if input.practitioner_role.is_some() && !role_known {
        errors.push(FieldError::new(
            "practitioner_role",
            format!(
                "must be one of {}",
                crate::reference::PRACTITIONER_ROLES.join(", ")
            ),
        ));
    }
    errors.extend(rules::clinical_fields(
        input.practitioner_role.is_some(),
        input.stage.is_some(),
        input.wte.is_some(),
        &input.roles,
    ));
    errors.sort_by(|a, b| a.field.cmp(&b.field));
    Ok(errors)
}

/// Creates a person as `POST /practitioners` describes, for the API and `registry create-user`
/// alike: every field problem at once (the request's own and unknown references), then the
/// same defaults (roles `practitioner`, start in post today). Permissions are the caller's.
pub fn create_person(
    conn: &mut DbConn,
    actor_id: Option<&str>,
    input: NewPractitioner,
    password_hash: Option<&str>,
    now: NaiveDateTime,
) -> Result<PersonWithModality, AppError> {
    let service_id = crate::http::parse_id(&input.service_id).ok();
    let service_known = match &service_id {
        Some(s) => crate::services::find(conn, s)?.is_some(),
        None => false,
    };
    let role_known = match &input.practitioner_role {
        Some(r) => crate::reference::modality_of_role(conn, r)?.is_some(),
        None => true,
    };
    let errors = problems_of_new(&input, service_known, role_known)?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let account = NewAccount {
        email: input.email,
        full_name: input.full_name,
        roles: input.roles,
        service_id,
        practitioner_role: input.practitioner_role,
        stage: input.stage,
        wte: input.wte,
        started_on: Some(input.started_on.unwrap_or(now.date())),
        esr_assignment_number: input.esr_assignment_number,
    };
    create_account(conn, actor_id, account, password_hash, now)
}

/// An admin with no service or clinical role (the first admin, `create-user --roles admin`):
/// the same email and name rules as everyone else.
pub fn create_admin(
    conn: &mut DbConn,
    email: &str,
    full_name: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> Result<PersonWithModality, AppError> {
    use validator::ValidateEmail;
    let mut errors = Vec::new();
    let email = email.trim();
    if !email.validate_email() || email.len() > 320 {
        errors.push(FieldError::new("email", "is not an email address"));
    }
    let n = full_name.trim().chars().count();
    if !(1..=200).contains(&n) {
        errors.push(FieldError::new("full_name", "must be 1 to 200 characters"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let account = NewAccount {
        email: email.to_string(),
        full_name: full_name.to_string(),
        roles: vec![Role::Admin],
        service_id: None,
        practitioner_role: None,
        stage: None,
        wte: None,
        started_on: Some(now.date()),
        esr_assignment_number: None,
    };
    create_account(conn, None, account, Some(password_hash), now)
}

/// Creates a person with a login. Shared by the API, `registry create-user` and the first-admin
/// bootstrap; the caller has checked permissions and references.
pub struct NewAccount {
    pub email: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    pub stage: Option<Stage>,
    pub wte: Option<f64>,
    pub started_on: Option<NaiveDate>,
    pub esr_assignment_number: Option<String>,
}

pub fn create_account(
    conn: &mut DbConn,
    actor_id: Option<&str>,
    account: NewAccount,
    password_hash: Option<&str>,
    now: NaiveDateTime,
) -> Result<PersonWithModality, AppError> {
    let email = account.email.trim().to_string();
    if queries::email_taken(conn, &email.to_lowercase(), None)? {
        return Err(AppError::Conflict(format!(
            "a person with the email {email} already exists"
        )));
    }
    let row = row_of(account, now);
    queries::insert(conn, &row, password_hash)?;
    let created = queries::find(conn, &row.id)?.ok_or(AppError::NotFound)?;
    let entry = audit::Entry::new(actor_id, "practitioner", &row.id);
    entry.in_service(row.service_id.as_deref()).action(
        conn,
        "create",
        None,
        audited(&created)?,
        now,
    )?;
    Ok(created)
}

/// Inserts a person already checked to be new (an import's rows: their emails were looked up
/// together), without reading them back: the caller audits them, all in one call. `modality`
/// is their role's.
pub(crate) fn create_checked(
    conn: &mut DbConn,
    account: NewAccount,
    modality: Option<String>,
    now: NaiveDateTime,
) -> Result<PersonWithModality, AppError> {
    let row = row_of(account, now);
    queries::insert(conn, &row, None)?;
    Ok((row, modality))
}

/// A new person's row: trimmed, roles sorted, in post and active from `now`.
fn row_of(account: NewAccount, now: NaiveDateTime) -> PersonRow {
    PersonRow {
        id: uuid::Uuid::now_v7().to_string(),
        email: account.email.trim().to_string(),
        full_name: account.full_name.trim().to_string(),
        roles: roles_to_text(&rules::sorted_roles(&account.roles)),
        service_id: account.service_id,
        practitioner_role: account.practitioner_role,
        stage: account.stage,
        wte: account.wte,
        started_on: account.started_on,
        left_on: None,
        active: true,
        ethnicity: None,
        languages: "[]".into(),
        specialist_interests: "[]".into(),
        created_at: now,
        updated_at: now,
        esr_assignment_number: account.esr_assignment_number,
    }
}

/// Sets a password (the hash is never audited).
pub fn set_password(
    conn: &mut DbConn,
    user_id: &str,
    hash: &str,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    queries::set_password(conn, user_id, hash, now)
}

/// Creates the first admin when none exists; says in the log what it did.
pub fn ensure_admin(conn: &mut DbConn, email: &str, hash: &str) -> Result<bool, AppError> {
    crate::db::write_tx(conn, |conn| {
        if queries::admin_exists(conn)? {
            return Ok(false);
        }
        create_admin(conn, email, "Administrator", hash, now())?;
        Ok(true)
    })
}

/// Adds a person as `POST /practitioners` does: the caller must manage the person's service and
/// may grant only the roles they may. `password_hash` is the hash of the password given, if
/// one was; without one an invitation is queued.
pub fn add_person(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewPractitioner,
    password_hash: Option<String>,
    inviting: &Inviting,
    at: NaiveDateTime,
) -> Result<Created, AppError> {
    may_add(caller, &input)?;
    let created = create_person(conn, Some(&caller.id), input, password_hash.as_deref(), at)?;
    let invitation = match password_hash {
        Some(_) => None,
        None => Some(queue_invitation(
            conn,
            &inviting.keys,
            &created.0,
            inviting.ttl_days,
            at,
        )?),
    };
    Ok((created, invitation))
}

/// Checks an addition before any password is hashed: the input's own problems, then whether
/// the caller may add to that service with those roles.
pub fn may_add(caller: &Caller, input: &NewPractitioner) -> Result<(), AppError> {
    validate(input)?;
    let service_id = crate::http::parse_id(&input.service_id)
        .map_err(|_| AppError::invalid("service_id", "no such service"))?;
    if !can_manage_people_of(caller, Some(&service_id)) {
        return Err(AppError::needs(
            "the training_lead role in that service, or the admin role",
        ));
    }
    if !can_grant(caller, &input.roles) {
        return Err(AppError::Forbidden(
            "only an admin gives someone the admin role".into(),
        ));
    }
    Ok(())
}

/// Finds a person the caller may see; anyone else is a 404.
pub(crate) fn visible(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
) -> Result<PersonWithModality, AppError> {
    let found = queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    if can_view_person(caller, &found.0.id, found.0.service_id.as_deref()) {
        Ok(found)
    } else {
        Err(AppError::NotFound)
    }
}

/// A person as the caller may see them.
pub fn get_person(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<Person, AppError> {
    let found = visible(conn, caller, id)?;
    let is_me = sees_special_category(caller, &found.0.id);
    let mut one = [Person::view(found, is_me)];
    with_service_names(conn, &mut one)?;
    let [person] = one;
    Ok(person)
}

/// Changes a person, as far as the caller may: staff fields by their lead or an admin, the
/// profile and special-category fields by the person. A deactivation ends their sessions.
pub fn update_person(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: PractitionerPatch,
    at: NaiveDateTime,
) -> Result<Person, AppError> {
    validate(&patch)?;
    let before = visible(conn, caller, id)?;
    let mut row = before.0.clone();
    let touches = rules::apply_patch(&mut row, patch, at)?;
    let is_self = sees_special_category(caller, &row.id);
    let manages_before = can_manage_people_of(caller, before.0.service_id.as_deref());
    let manages_after = can_manage_people_of(caller, row.service_id.as_deref());
    if !may_patch(caller, is_self, manages_before, manages_after, touches) {
        return Err(AppError::Forbidden(
            "these fields are changed by the person's training lead or an admin; people change their own ethnicity, languages and specialist interests".into(),
        ));
    }
    if is_self && !row.active {
        return Err(AppError::Conflict("you cannot deactivate yourself".into()));
    }
    if !(touches.staff_fields || touches.profile_fields || touches.special_category) {
        return Ok(Person::view(before, is_self));
    }
    check_references(
        conn,
        row.service_id.as_deref(),
        row.practitioner_role.as_deref(),
    )?;
    let after = write_change(conn, Some(&caller.id), &before, row, at)?;
    Ok(Person::view(after, is_self))
}

/// Writes a change of a person already checked, and audits it: the end of `update_person` and
/// of an import's updates. A deactivation ends their sessions.
pub(crate) fn write_change(
    conn: &mut DbConn,
    actor_id: Option<&str>,
    before: &PersonWithModality,
    mut row: PersonRow,
    at: NaiveDateTime,
) -> Result<PersonWithModality, AppError> {
    if queries::email_taken(conn, &row.email.to_lowercase(), Some(&row.id))? {
        return Err(AppError::Conflict(format!(
            "a person with the email {} already exists",
            row.email
        )));
    }
    row.updated_at = at;
    queries::update(conn, &row)?;
    if row.specialist_interests != before.0.specialist_interests {
        queries::set_interests(conn, &row.id, &json_list(&row.specialist_interests))?;
    }
    if before.0.active && !row.active {
        session::revoke_all(conn, &row.id, at)?;
    }
    let after = queries::find(conn, &row.id)?.ok_or(AppError::NotFound)?;
    audit::Entry::new(actor_id, "practitioner", &row.id)
        .in_service(row.service_id.as_deref())
        .action(conn, "update", audited(before)?, audited(&after)?, at)?;
    Ok(after)
}

/// Deactivates a person (never a hard delete): their sessions end and they leave post today
/// unless a last day was recorded.
pub fn deactivate_person(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let before = visible(conn, caller, id)?;
    match may_deactivate(
        caller,
        &before.0.id,
        before.0.service_id.as_deref(),
        roles_from_text(&before.0.roles).contains(&Role::Admin),
    ) {
        Ok(()) => {}
        Err(DeactivationRefused::Yourself) => {
            return Err(AppError::Conflict("you cannot deactivate yourself".into()))
        }
        Err(DeactivationRefused::NotAllowed) => {
            return Err(AppError::needs(crate::auth::policy::SERVICE_MANAGERS))
        }
    }
    if !before.0.active {
        return Ok(());
    }
    queries::deactivate(conn, id, before.0.left_on.unwrap_or(at.date()), at)?;
    session::revoke_all(conn, id, at)?;
    let after = queries::find(conn, id)?.ok_or(AppError::NotFound)?;
    audit::of(&caller.id, "practitioner", id)
        .in_service(before.0.service_id.as_deref())
        .action(conn, "deactivate", audited(&before)?, audited(&after)?, at)
}
