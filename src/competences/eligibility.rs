//! Who may supervise which modality: the supervisor role, supervisor training or a current
//! sign-off of the modality's application competence, and credentials with its body not all
//! expired. Computed for any number of supervisors in five queries.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use diesel::prelude::*;

use super::rules::{current_met, missing, Standing};
use crate::auth::policy::{roles_from_text, Role};
use crate::db::schema::{
    accreditations, competencies, competency_assessments, courses, external_supervisors,
    modalities, training_records, users,
};
use crate::db::DbConn;
use crate::error::AppError;

/// Modality code -> accrediting body code.
pub fn modality_bodies(conn: &mut DbConn) -> Result<Vec<(String, String)>, AppError> {
    Ok(modalities::table
        .select((modalities::code, modalities::body_code))
        .order(modalities::code)
        .load(conn)?)
}

/// For each (supervisor, modality): what is missing (empty when eligible).
pub fn standing(
    conn: &mut DbConn,
    people: &[&str],
    modalities: &[(String, String)],
    today: NaiveDate,
) -> Result<HashMap<(String, String), Vec<String>>, AppError> {
    let roles: HashMap<String, bool> = users::table
        .filter(users::id.eq_any(people))
        .select((users::id, users::roles))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(id, r)| (id, roles_from_text(&r).contains(&Role::Supervisor)))
        .collect();
    let trained: HashSet<(String, String)> = training_records::table
        .inner_join(courses::table)
        .filter(training_records::practitioner_id.eq_any(people))
        .filter(training_records::status.eq(crate::accreditation::rules::TrainingStatus::Completed))
        .filter(courses::kind.eq(crate::accreditation::courses::CourseKind::SupervisorTraining))
        .select((training_records::practitioner_id, courses::modality_code))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    // Latest assessment of each person for each application competence, oldest first so the
    // last one written into the map wins.
    let assessed: Vec<(String, String, super::rules::Outcome, Option<NaiveDate>)> =
        competency_assessments::table
            .inner_join(competencies::table)
            .filter(competency_assessments::practitioner_id.eq_any(people))
            .filter(competencies::modality_code.is_not_null())
            .filter(competencies::retired_at.is_null())
            .order((
                competency_assessments::assessed_on.asc(),
                competency_assessments::id.asc(),
            ))
            .select((
                competency_assessments::practitioner_id,
                competencies::modality_code.assume_not_null(),
                competency_assessments::outcome,
                competency_assessments::review_due_on,
            ))
            .load(conn)?;
    let mut latest: HashMap<(String, String), (super::rules::Outcome, Option<NaiveDate>)> =
        HashMap::new();
    for (who, modality, outcome, review) in assessed {
        latest.insert((who, modality), (outcome, review));
    }
    let creds: Vec<(String, String, NaiveDate)> = accreditations::table
        .filter(accreditations::practitioner_id.eq_any(people))
        .select((
            accreditations::practitioner_id,
            accreditations::body_code,
            accreditations::expires_on,
        ))
        .load(conn)?;
    let mut any_current: HashMap<(String, String), bool> = HashMap::new();
    for (who, body, expires) in creds {
        let e = any_current.entry((who, body)).or_insert(false);
        *e |= expires >= today;
    }
    let external: HashMap<String, bool> = external_supervisors::table
        .filter(external_supervisors::user_id.eq_any(people))
        .select((
            external_supervisors::user_id,
            external_supervisors::verified_at.is_not_null(),
        ))
        .load::<(String, bool)>(conn)?
        .into_iter()
        .collect();
    let mut out = HashMap::new();
    for p in people {
        for (modality, body) in modalities {
            let key = (p.to_string(), modality.clone());
            let s = Standing {
                has_role: roles.get(*p).copied().unwrap_or(false),
                trained: trained.contains(&key),
                competent: latest
                    .get(&key)
                    .is_some_and(|(o, r)| current_met(Some((*o, *r)), today)),
                credentials_expired: any_current.get(&(p.to_string(), body.clone()))
                    == Some(&false),
                external: external.get(*p).copied(),
            };
            out.insert(key, missing(s, modality, body));
        }
    }
    Ok(out)
}

/// Refuses (422 on `supervisor_id`) a supervisor who may not supervise this supervisee's modality.
pub fn check_supervisor(
    conn: &mut DbConn,
    supervisor: &str,
    supervisee_role: Option<&str>,
    today: NaiveDate,
) -> Result<(), AppError> {
    let Some(role) = supervisee_role else {
        return Ok(());
    };
    let Some(modality) = crate::reference::modality_of_role(conn, role)? else {
        return Ok(());
    };
    let pair: Vec<(String, String)> = modality_bodies(conn)?
        .into_iter()
        .filter(|(m, _)| *m == modality)
        .collect();
    let gaps = standing(conn, &[supervisor], &pair, today)?
        .remove(&(supervisor.to_string(), modality.clone()))
        .unwrap_or_default();
    if gaps.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid(
            "supervisor_id",
            &format!(
                "this supervisor may not supervise {modality}: {}",
                gaps.join("; ")
            ),
        ))
    }
}
