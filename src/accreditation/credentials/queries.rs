//! Credential queries: diesel only.

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::model::AccreditationRow;
use crate::accreditation::rules::{CredentialStatus, EXPIRING_DAYS};
use crate::auth::policy::PeopleScope;
use crate::db::schema::{accreditations, users};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<AccreditationRow>, AppError> {
    Ok(accreditations::table
        .find(id)
        .select(AccreditationRow::as_select())
        .first(conn)
        .optional()?)
}

/// Every credential period of a person (a person holds a handful).
pub fn all_of(conn: &mut DbConn, person: &str) -> Result<Vec<AccreditationRow>, AppError> {
    Ok(accreditations::table
        .filter(accreditations::practitioner_id.eq(person))
        .order(accreditations::id.asc())
        .select(AccreditationRow::as_select())
        .load(conn)?)
}

/// One page (`page.fetch()` rows) of a person's accreditations, in id order.
pub fn of_person(
    conn: &mut DbConn,
    person: &str,
    page: &PageRequest,
) -> Result<Vec<AccreditationRow>, AppError> {
    let mut s = accreditations::table
        .filter(accreditations::practitioner_id.eq(person))
        .select(AccreditationRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        s = s.filter(accreditations::id.gt(after.clone()));
    }
    Ok(s.order(accreditations::id.asc())
        .limit(page.fetch())
        .load(conn)?)
}

/// Every period recorded with this body under this membership number.
pub fn with_number(
    conn: &mut DbConn,
    body: &str,
    number: &str,
) -> Result<Vec<AccreditationRow>, AppError> {
    Ok(accreditations::table
        .filter(accreditations::body_code.eq(body))
        .filter(accreditations::membership_number.eq(number))
        .select(AccreditationRow::as_select())
        .load(conn)?)
}

pub fn insert(conn: &mut DbConn, row: &AccreditationRow) -> Result<(), AppError> {
    diesel::insert_into(accreditations::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Writes a verification while the stored row is still unverified; answers whether it did.
pub fn verify(conn: &mut DbConn, row: &AccreditationRow) -> Result<bool, AppError> {
    let n = diesel::update(
        accreditations::table
            .find(&row.id)
            .filter(accreditations::verified_at.is_null()),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// The accreditation report's filters.
pub struct ReportFilter<'a> {
    pub service_id: Option<&'a str>,
    pub body: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub status: Option<CredentialStatus>,
    /// The codes of kinds renewed by declaration: their status is worked out after loading.
    pub declared: &'a [String],
}

/// One page (`page.fetch()` rows) of accreditations in the scope with their people's names and
/// services, in id order.
pub fn report_rows(
    conn: &mut DbConn,
    scope: &PeopleScope,
    f: &ReportFilter<'_>,
    page: &PageRequest,
    today: NaiveDate,
) -> Result<Vec<(AccreditationRow, String, Option<String>)>, AppError> {
    let mut s = accreditations::table
        .inner_join(users::table.on(accreditations::practitioner_id.eq(users::id)))
        .select((
            AccreditationRow::as_select(),
            users::full_name,
            users::service_id,
        ))
        .into_boxed();
    if let PeopleScope::Service(id) = scope {
        s = s.filter(users::service_id.eq(id.clone()));
    }
    if let Some(v) = f.service_id {
        s = s.filter(users::service_id.eq(v.to_string()));
    }
    if let Some(v) = f.body {
        s = s.filter(accreditations::body_code.eq(v.to_string()));
    }
    if let Some(v) = f.kind {
        s = s.filter(accreditations::kind.eq(v.to_string()));
    }
    let soon = today + Duration::days(EXPIRING_DAYS);
    // A credential renewed by declaration has its status worked out from its declarations
    // after loading (`report_page` keeps those with the status asked for), so any such row
    // passes here.
    let declared = a_kind_in(f.declared);
    s = match f.status {
        Some(CredentialStatus::PendingVerification) => {
            s.filter(accreditations::verified_at.is_null())
        }
        Some(CredentialStatus::Expired) => s
            .filter(accreditations::verified_at.is_not_null())
            .filter(accreditations::expires_on.lt(today).or(declared)),
        Some(CredentialStatus::Expiring) => {
            s.filter(accreditations::verified_at.is_not_null()).filter(
                accreditations::expires_on
                    .ge(today)
                    .and(accreditations::expires_on.le(soon))
                    .or(declared),
            )
        }
        Some(CredentialStatus::Active) => s
            .filter(accreditations::verified_at.is_not_null())
            .filter(accreditations::expires_on.gt(soon).or(declared)),
        Some(CredentialStatus::Lapsed) => s
            .filter(accreditations::verified_at.is_not_null())
            .filter(declared),
        None => s,
    };
    if let Some(after) = &page.after {
        s = s.filter(accreditations::id.gt(after.clone()));
    }
    Ok(s.order(accreditations::id.asc())
        .limit(page.fetch())
        .load(conn)?)
}

fn a_kind_in(codes: &[String]) -> diesel::dsl::EqAny<accreditations::kind, Vec<String>> {
    accreditations::kind.eq_any(codes.to_vec())
}

/// The codes of the credential kinds renewed by annual declaration.
pub fn declaration_codes(conn: &mut DbConn) -> Result<Vec<String>, AppError> {
    use crate::db::schema::credential_kinds;
    Ok(credential_kinds::table
        .filter(
            credential_kinds::renewal.eq(crate::accreditation::renewal::Renewal::AnnualDeclaration),
        )
        .select(credential_kinds::code)
        .distinct()
        .load(conn)?)
}

/// Every credential of the active people in the scope, to work out their statuses.
pub fn of_scope(
    conn: &mut DbConn,
    scope: &PeopleScope,
    service: Option<&str>,
) -> Result<Vec<AccreditationRow>, AppError> {
    let mut q = accreditations::table
        .inner_join(users::table.on(accreditations::practitioner_id.eq(users::id)))
        .select(AccreditationRow::as_select())
        .into_boxed();
    if let PeopleScope::Service(id) = scope {
        q = q.filter(users::service_id.eq(id.clone()));
    }
    if let Some(s) = service {
        q = q.filter(users::service_id.eq(s.to_string()));
    }
    Ok(q.load(conn)?)
}

/// The expiry of every credential of the active people of one service (`None`: of everyone),
/// and whether it was checked: what the dashboard tallies.
pub fn expiry_facts(
    conn: &mut DbConn,
    service: Option<&str>,
) -> Result<Vec<(NaiveDate, bool)>, AppError> {
    let mut q = accreditations::table
        .inner_join(users::table.on(accreditations::practitioner_id.eq(users::id)))
        .filter(users::active.eq(true))
        .select((accreditations::expires_on, accreditations::verified_at))
        .into_boxed();
    if let Some(s) = service {
        q = q.filter(users::service_id.eq(s.to_string()));
    }
    Ok(q.load::<(NaiveDate, Option<chrono::NaiveDateTime>)>(conn)?
        .into_iter()
        .map(|(expires, checked)| (expires, checked.is_some()))
        .collect())
}

/// A credential with its person's name and service.
pub type WithPerson = (AccreditationRow, String, Option<String>);

/// The oldest `limit` credentials never checked, of active people in the scope, with their
/// people's names and services; and how many there are in all.
pub fn waiting_oldest(
    conn: &mut DbConn,
    scope: &PeopleScope,
    limit: i64,
) -> Result<(Vec<WithPerson>, i64), AppError> {
    let base = || {
        let mut q = accreditations::table
            .inner_join(users::table.on(accreditations::practitioner_id.eq(users::id)))
            .filter(accreditations::verified_at.is_null())
            .filter(users::active.eq(true))
            .into_boxed();
        if let PeopleScope::Service(id) = scope {
            q = q.filter(users::service_id.eq(id.clone()));
        }
        q
    };
    let rows = base()
        .select((
            AccreditationRow::as_select(),
            users::full_name,
            users::service_id,
        ))
        .order((accreditations::created_at.asc(), accreditations::id.asc()))
        .limit(limit)
        .load(conn)?;
    let total = base().count().get_result(conn)?;
    Ok((rows, total))
}
