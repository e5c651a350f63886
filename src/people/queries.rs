//! The people queries: rows of `users` with their role's modality, in one query per page.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::auth::policy::{roles_from_text, PeopleScope, Role};
use crate::db::schema::{
    courses, person_interests, practitioner_roles, training_records, user_roles, users,
};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// A person as stored, less the password hash.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct PersonRow {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub roles: String,
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    pub stage: Option<super::Stage>,
    pub wte: Option<f64>,
    pub started_on: Option<NaiveDate>,
    /// The last day in post, once the person has left (or will leave).
    pub left_on: Option<NaiveDate>,
    pub active: bool,
    pub ethnicity: Option<String>,
    pub languages: String,
    pub specialist_interests: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The ESR assignment number of the person's post, when their trust gives it.
    pub esr_assignment_number: Option<String>,
}

/// A row with the modality of its practitioner role.
pub type PersonWithModality = (PersonRow, Option<String>);

#[derive(Debug, Default, Clone)]
pub struct PeopleFilter {
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    pub q: Option<String>,
    pub active: Option<bool>,
    /// The role's modality, or one learnt on a completed practitioner-training course.
    pub modality: Option<String>,
    /// A specialist interest, any case.
    pub specialist_interest: Option<String>,
    pub stage: Option<super::Stage>,
    /// Holding a credential in this state on `today`.
    /// Only these people (those a computed filter, such as compliance, let through).
    pub among: Option<Vec<String>>,
}

fn like_pattern(q: &str) -> String {
    let escaped = q
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// One page of practitioners (people with a practitioner role) the scope allows.
pub use crate::auth::roles::holders_of;

pub fn list(
    conn: &mut DbConn,
    scope: &PeopleScope,
    f: &PeopleFilter,
    page: &PageRequest,
) -> Result<Vec<PersonWithModality>, AppError> {
    let mut q = users::table
        .left_join(practitioner_roles::table)
        .filter(users::practitioner_role.is_not_null())
        .select((
            PersonRow::as_select(),
            practitioner_roles::modality_code.nullable(),
        ))
        .into_boxed();
    if let PeopleScope::Service(s) = scope {
        q = q.filter(users::service_id.eq(s.clone()));
    }
    if let Some(s) = &f.service_id {
        q = q.filter(users::service_id.eq(s.clone()));
    }
    if let Some(r) = &f.practitioner_role {
        q = q.filter(users::practitioner_role.eq(r.clone()));
    }
    if let Some(a) = f.active {
        q = q.filter(users::active.eq(a));
    }
    if let Some(m) = &f.modality {
        let trained = training_records::table
            .inner_join(courses::table)
            .filter(courses::modality_code.eq(m.clone()))
            .filter(
                courses::kind.eq(crate::accreditation::courses::CourseKind::PractitionerTraining),
            )
            .filter(
                training_records::status.eq(crate::accreditation::rules::TrainingStatus::Completed),
            )
            .select(training_records::practitioner_id);
        q = q.filter(
            practitioner_roles::modality_code
                .nullable()
                .eq(m.clone())
                .or(users::id.eq_any(trained).nullable()),
        );
    }
    if let Some(i) = &f.specialist_interest {
        let holders = person_interests::table
            .filter(person_interests::interest.eq(interest_key(i)))
            .select(person_interests::user_id);
        q = q.filter(users::id.eq_any(holders));
    }
    if let Some(st) = f.stage {
        q = q.filter(users::stage.eq(st));
    }
    if let Some(ids) = &f.among {
        q = q.filter(users::id.eq_any(ids.clone()));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = like_pattern(text);
        q = q.filter(
            users::email_lower
                .like(pattern.clone())
                .escape('\\')
                .or(lower(users::full_name).like(pattern).escape('\\')),
        );
    }
    if let Some(after) = &page.after {
        q = q.filter(users::id.gt(after.clone()));
    }
    Ok(q.order(users::id.asc()).limit(page.fetch()).load(conn)?)
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<PersonWithModality>, AppError> {
    Ok(users::table
        .left_join(practitioner_roles::table)
        .filter(users::id.eq(id))
        .select((
            PersonRow::as_select(),
            practitioner_roles::modality_code.nullable(),
        ))
        .first(conn)
        .optional()?)
}

/// The people with these emails (lower-cased), a few hundred to a query.
pub fn by_emails(
    conn: &mut DbConn,
    emails_lower: &[String],
) -> Result<Vec<PersonWithModality>, AppError> {
    let mut out = Vec::with_capacity(emails_lower.len());
    for chunk in emails_lower.chunks(500) {
        let rows: Vec<PersonWithModality> = users::table
            .left_join(practitioner_roles::table)
            .filter(users::email_lower.eq_any(chunk))
            .select((
                PersonRow::as_select(),
                practitioner_roles::modality_code.nullable(),
            ))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out)
}

pub fn email_taken(
    conn: &mut DbConn,
    email_lower: &str,
    except_id: Option<&str>,
) -> Result<bool, AppError> {
    let mut q = users::table
        .filter(users::email_lower.eq(email_lower))
        .select(users::id)
        .into_boxed();
    if let Some(id) = except_id {
        q = q.filter(users::id.ne(id.to_string()));
    }
    Ok(q.first::<String>(conn).optional()?.is_some())
}

/// Inserts a person. The email must not be taken (callers check first, for a clear 409).
pub fn insert(
    conn: &mut DbConn,
    row: &PersonRow,
    password_hash: Option<&str>,
) -> Result<(), AppError> {
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&row.id),
            users::email.eq(&row.email),
            users::email_lower.eq(row.email.to_lowercase()),
            users::full_name.eq(&row.full_name),
            users::password_hash.eq(password_hash),
            users::roles.eq(&row.roles),
            users::service_id.eq(&row.service_id),
            users::practitioner_role.eq(&row.practitioner_role),
            users::stage.eq(&row.stage),
            users::wte.eq(row.wte),
            users::started_on.eq(row.started_on),
            users::left_on.eq(row.left_on),
            users::active.eq(row.active),
            users::ethnicity.eq(&row.ethnicity),
            users::languages.eq(&row.languages),
            users::specialist_interests.eq(&row.specialist_interests),
            users::created_at.eq(row.created_at),
            users::updated_at.eq(row.updated_at),
            users::esr_assignment_number.eq(&row.esr_assignment_number),
        ))
        .execute(conn)?;
    insert_roles(conn, &row.id, &row.roles)
}

/// Writes a person's roles as rows too, in the caller's transaction, for indexed lookups.
fn sync_roles(conn: &mut DbConn, user_id: &str, roles: &str) -> Result<(), AppError> {
    diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id))).execute(conn)?;
    insert_roles(conn, user_id, roles)
}

/// A new person's roles as rows (one statement a role: the backends share no batch insert).
fn insert_roles(conn: &mut DbConn, user_id: &str, roles: &str) -> Result<(), AppError> {
    for role in roles_from_text(roles) {
        diesel::insert_into(user_roles::table)
            .values((user_roles::user_id.eq(user_id), user_roles::role.eq(role)))
            .execute(conn)?;
    }
    Ok(())
}

/// Writes every changeable column of `row`.
pub fn update(conn: &mut DbConn, row: &PersonRow) -> Result<(), AppError> {
    diesel::update(users::table.find(&row.id))
        .set((
            users::email.eq(&row.email),
            users::email_lower.eq(row.email.to_lowercase()),
            users::full_name.eq(&row.full_name),
            users::roles.eq(&row.roles),
            users::service_id.eq(&row.service_id),
            users::practitioner_role.eq(&row.practitioner_role),
            users::stage.eq(&row.stage),
            users::wte.eq(row.wte),
            users::started_on.eq(row.started_on),
            users::left_on.eq(row.left_on),
            users::active.eq(row.active),
            users::ethnicity.eq(&row.ethnicity),
            users::languages.eq(&row.languages),
            users::specialist_interests.eq(&row.specialist_interests),
            users::updated_at.eq(row.updated_at),
            users::esr_assignment_number.eq(&row.esr_assignment_number),
        ))
        .execute(conn)?;
    sync_roles(conn, &row.id, &row.roles)
}

/// How an interest is matched: trimmed, any case.
pub fn interest_key(interest: &str) -> String {
    interest.trim().to_lowercase()
}

/// Keeps `person_interests` (the rows planning filters on) in step with the person's list.
pub fn set_interests(
    conn: &mut DbConn,
    user_id: &str,
    interests: &[String],
) -> Result<(), AppError> {
    diesel::delete(person_interests::table.filter(person_interests::user_id.eq(user_id)))
        .execute(conn)?;
    let mut keys: Vec<String> = interests
        .iter()
        .map(|i| interest_key(i))
        .filter(|k| !k.is_empty())
        .collect();
    keys.sort();
    keys.dedup();
    // One statement per interest: the multi-backend connection has no batch insert, and a
    // person holds a handful.
    for k in &keys {
        diesel::insert_into(person_interests::table)
            .values((
                person_interests::user_id.eq(user_id),
                person_interests::interest.eq(k),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn has_password(conn: &mut DbConn, id: &str) -> Result<bool, AppError> {
    let hash: Option<String> = users::table
        .find(id)
        .select(users::password_hash)
        .first(conn)?;
    Ok(hash.is_some())
}

/// Whether a person is a supervisor from outside the service (who never signs in).
pub fn is_external(conn: &mut DbConn, id: &str) -> Result<bool, AppError> {
    Ok(externals_among(conn, &[id])?.contains(id))
}

/// Which of these people are supervisors from outside the service.
pub fn externals_among(
    conn: &mut DbConn,
    ids: &[&str],
) -> Result<std::collections::HashSet<String>, AppError> {
    use crate::db::schema::external_supervisors;
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(5000) {
        found.extend(
            external_supervisors::table
                .filter(external_supervisors::user_id.eq_any(chunk))
                .select(external_supervisors::user_id)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

pub fn admin_exists(conn: &mut DbConn) -> Result<bool, AppError> {
    let found: Option<String> = users::table
        .filter(users::id.eq_any(holders_of(Role::Admin)))
        .filter(users::active.eq(true))
        .select(users::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Marks a person inactive, having left post on `left_on`.
pub fn deactivate(
    conn: &mut DbConn,
    id: &str,
    left_on: chrono::NaiveDate,
    at: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(users::table.find(id))
        .set((
            users::active.eq(false),
            users::left_on.eq(left_on),
            users::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Sets a password hash.
pub fn set_password(
    conn: &mut DbConn,
    id: &str,
    hash: &str,
    at: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}
