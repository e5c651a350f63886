//! The people list: one page of the people the caller may list, with every filter the API and
//! the `/people` page take, including supervision compliance (worked out for the scope).

use super::queries::{self, PeopleFilter};
use super::{sees_special_category, PeopleQuery, Person, Stage};
use crate::auth::policy::{people_scope, Caller};
use crate::db::DbConn;
use crate::error::{AppError, FieldError};
use crate::http::page::PageRequest;

/// One page of the people the caller may list.
pub fn list_people(
    conn: &mut DbConn,
    caller: &Caller,
    q: PeopleQuery,
    page: &PageRequest,
    today: chrono::NaiveDate,
) -> Result<Vec<Person>, AppError> {
    list_people_among(conn, caller, q, page, today, None)
}

/// As [`list_people`], only among these people when given (those a filter worked out in
/// another domain let through: `reports::roster` filters by supervision compliance).
pub fn list_people_among(
    conn: &mut DbConn,
    caller: &Caller,
    q: PeopleQuery,
    page: &PageRequest,
    today: chrono::NaiveDate,
    among: Option<Vec<String>>,
) -> Result<Vec<Person>, AppError> {
    let scope =
        people_scope(caller).ok_or_else(|| AppError::needs(crate::auth::policy::PEOPLE_READERS))?;
    let mut errors = Vec::new();
    let stage = q.stage.as_deref().and_then(|s| {
        Stage::parse(s).or_else(|| {
            errors.push(FieldError::new("stage", "must be trainee or qualified"));
            None
        })
    });
    let credential_status = q.credential_status.as_deref().and_then(|s| {
        crate::accreditation::rules::CredentialStatus::parse(s).or_else(|| {
            errors.push(FieldError::new(
                "credential_status",
                "must be pending_verification, active, expiring, expired or lapsed",
            ));
            None
        })
    });
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    // A credential's status depends on its declarations and leaves, worked out in
    // accreditation: the people it lets through narrow the list.
    let among = match credential_status {
        Some(status) => {
            let holders = crate::accreditation::credentials::people_with_status(
                conn,
                &scope,
                q.service_id.as_deref(),
                status,
                today,
            )?;
            Some(match among {
                Some(ids) => ids
                    .into_iter()
                    .filter(|i| holders.binary_search(i).is_ok())
                    .collect(),
                None => holders,
            })
        }
        None => among,
    };
    let filter = PeopleFilter {
        service_id: q.service_id,
        practitioner_role: q.practitioner_role,
        q: q.q,
        active: q.active,
        modality: q.modality,
        specialist_interest: q.specialist_interest,
        stage,
        among,
    };
    let rows = queries::list(conn, &scope, &filter, page)?;
    let mut people: Vec<Person> = rows
        .into_iter()
        .map(|r| {
            let is_me = sees_special_category(caller, &r.0.id);
            Person::view(r, is_me)
        })
        .collect();
    with_service_names(conn, &mut people)?;
    Ok(people)
}

/// Fills in the names of people's services: one query.
pub(crate) fn with_service_names(conn: &mut DbConn, people: &mut [Person]) -> Result<(), AppError> {
    let mut ids: Vec<&str> = people
        .iter()
        .filter_map(|p| p.service_id.as_deref())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names = crate::db::names::services(conn, &ids)?;
    for p in people.iter_mut() {
        p.service_name = p.service_id.as_ref().and_then(|s| names.get(s).cloned());
    }
    Ok(())
}
