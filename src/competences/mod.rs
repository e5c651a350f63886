//! Supervisor competences: competence frameworks (the supervision framework seeded), sign-offs
//! of a person's competences with their history, who may supervise which modality, and the
//! competencies report. The use cases here are what the JSON routes and the pages call.

pub mod eligibility;
pub mod model;
pub mod queries;
pub mod routes;
pub mod rules;

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::audit;
use crate::auth::policy::{can_view_competences, may_assess, Caller, PeopleScope, Role};
use crate::db::DbConn;
use crate::error::{validate, AppError};
use crate::http::page::PageRequest;
use crate::http::report::Batch;
pub use model::*;
pub use routes::routes;
use rules::{CompetenceState, EvidenceMethod};

const UNKNOWN_MODALITY: &str = "must be li_cbt, cbt, cfd, ctfd, dit or ipt";

fn group(framework: FrameworkRow, all: &[Competence]) -> Framework {
    let mut domains: Vec<Domain> = Vec::new();
    for c in all.iter().filter(|c| c.framework_id == framework.id) {
        match domains.iter_mut().find(|d| d.domain == c.domain) {
            Some(d) => d.competences.push(c.clone()),
            None => domains.push(Domain {
                domain: c.domain.clone(),
                competences: vec![c.clone()],
            }),
        }
    }
    Framework { framework, domains }
}

pub fn list_frameworks(conn: &mut DbConn) -> Result<Vec<Framework>, AppError> {
    let frameworks = queries::frameworks(conn)?;
    let all = queries::competences(conn, None)?;
    Ok(frameworks.into_iter().map(|f| group(f, &all)).collect())
}

pub fn get_framework(conn: &mut DbConn, id: &str) -> Result<Framework, AppError> {
    let f = queries::framework(conn, id)?.ok_or(AppError::NotFound)?;
    let all = queries::competences(conn, Some(id))?;
    Ok(group(f, &all))
}

pub fn create_framework(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewFramework,
    at: NaiveDateTime,
) -> Result<Framework, AppError> {
    validate(&input)?;
    let f = FrameworkRow {
        id: uuid::Uuid::now_v7().to_string(),
        code: input.code.trim().into(),
        title: input.title.trim().into(),
        description: input.description,
        source: input.source,
        created_at: at,
        updated_at: at,
    };
    if queries::framework_code_taken(conn, &f.code)? {
        return Err(AppError::Conflict(format!(
            "a framework with the code {} exists",
            f.code
        )));
    }
    queries::insert_framework(conn, &f)?;
    audit::of(&caller.id, "competency_framework", &f.id).created(conn, &f, at)?;
    Ok(Framework {
        framework: f,
        domains: Vec::new(),
    })
}

pub fn add_competence(
    conn: &mut DbConn,
    caller: &Caller,
    framework: &str,
    input: NewCompetence,
    at: NaiveDateTime,
) -> Result<Competence, AppError> {
    validate(&input)?;
    queries::framework(conn, framework)?.ok_or(AppError::NotFound)?;
    if let Some(m) = &input.modality {
        let known = eligibility::modality_bodies(conn)?
            .iter()
            .any(|(code, _)| code == m);
        if !known {
            return Err(AppError::invalid("modality", UNKNOWN_MODALITY));
        }
    }
    if queries::competence_code_taken(conn, framework, input.code.trim())? {
        return Err(AppError::Conflict(format!(
            "the framework already has a competence {}",
            input.code.trim()
        )));
    }
    let c = Competence {
        id: uuid::Uuid::now_v7().to_string(),
        framework_id: framework.to_string(),
        code: input.code.trim().into(),
        domain: input.domain.trim().into(),
        title: input.title.trim().into(),
        description: input.description,
        modality_code: input.modality,
        retired_at: None,
        created_at: at,
        updated_at: at,
    };
    queries::insert_competence(conn, &c)?;
    audit::of(&caller.id, "competence", &c.id).created(conn, &c, at)?;
    Ok(c)
}

pub fn patch_competence(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    patch: CompetencePatch,
    at: NaiveDateTime,
) -> Result<Competence, AppError> {
    validate(&patch)?;
    let before = queries::competence(conn, id)?.ok_or(AppError::NotFound)?;
    let mut c = before.clone();
    if let Some(t) = patch.title {
        c.title = t.trim().into();
    }
    if let Some(d) = patch.description {
        c.description = d;
    }
    match patch.retired {
        Some(true) if c.retired_at.is_none() => c.retired_at = Some(at),
        Some(false) => c.retired_at = None,
        _ => {}
    }
    c.updated_at = at;
    queries::update_competence(conn, &c)?;
    audit::of(&caller.id, "competence", id).updated(conn, &before, &c, at)?;
    Ok(c)
}

/// Names a first assessor of a framework, before anyone holds its competences.
pub fn name_assessor(
    conn: &mut DbConn,
    caller: &Caller,
    framework: &str,
    input: NamedAssessor,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let user = crate::http::parse_id(&input.user_id)
        .map_err(|_| AppError::invalid("user_id", "no such person"))?;
    queries::framework(conn, framework)?.ok_or(AppError::NotFound)?;
    if queries::person_service(conn, &user)?.is_none() {
        return Err(AppError::invalid("user_id", "no such person"));
    }
    queries::insert_assessor(
        conn,
        &AssessorRow {
            id: uuid::Uuid::now_v7().to_string(),
            framework_id: framework.to_string(),
            user_id: user.clone(),
            named_by: caller.id.clone(),
            created_at: at,
        },
    )?;
    audit::of(&caller.id, "competency_framework", framework).action(
        conn,
        "name_assessor",
        None,
        Some(serde_json::json!({"user_id": user})),
        at,
    )
}

/// The person's service, when the caller may see their competences; 404 otherwise.
fn competence_viewer(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
) -> Result<Option<String>, AppError> {
    let service = queries::person_service(conn, person)?.ok_or(AppError::NotFound)?;
    if can_view_competences(caller, person, service.as_deref()) {
        Ok(service)
    } else {
        Err(AppError::NotFound)
    }
}

/// Every competence with the person's current state and its history, newest first.
pub fn person_competences(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    at: NaiveDateTime,
) -> Result<PersonCompetences, AppError> {
    let today = at.date();
    competence_viewer(conn, caller, person)?;
    let all = queries::competences(conn, None)?;
    let mut by_competence: HashMap<String, Vec<Assessment>> = HashMap::new();
    for a in queries::assessments_of(conn, &[person])? {
        by_competence
            .entry(a.competency_id.clone())
            .or_default()
            .push(a);
    }
    let items = all
        .into_iter()
        .filter_map(|c| {
            let history = by_competence.remove(&c.id).unwrap_or_default();
            if c.retired_at.is_some() && history.is_empty() {
                return None;
            }
            let current = history.first().cloned();
            let st = rules::state(
                current.as_ref().map(|a| (a.outcome, a.review_due_on)),
                today,
            );
            Some(PersonCompetence {
                competency_id: c.id,
                framework_id: c.framework_id,
                code: c.code,
                domain: c.domain,
                title: c.title,
                state: st,
                outcome: current.as_ref().map(|a| a.outcome),
                assessed_by: current.as_ref().map(|a| a.assessed_by.clone()),
                assessed_on: current.as_ref().map(|a| a.assessed_on),
                review_due_on: current.as_ref().and_then(|a| a.review_due_on),
                current,
                history,
            })
        })
        .collect();
    Ok(PersonCompetences {
        practitioner_id: person.to_string(),
        items,
        next_cursor: None,
    })
}

/// Records an assessment of one of a person's competences, by the caller.
pub fn assess(
    conn: &mut DbConn,
    caller: &Caller,
    person: &str,
    input: NewAssessment,
    at: NaiveDateTime,
) -> Result<Assessment, AppError> {
    validate(&input)?;
    let competence_id = crate::http::parse_id(&input.competency_id)
        .map_err(|_| AppError::invalid("competency_id", "no such competence"))?;
    let today = at.date();
    let assessed_on = input.assessed_on.unwrap_or(today);
    if assessed_on > today {
        return Err(AppError::invalid("assessed_on", "cannot be in the future"));
    }
    if input.review_due_on.is_some_and(|r| r < assessed_on) {
        return Err(AppError::invalid(
            "review_due_on",
            "cannot be before assessed_on",
        ));
    }
    let service = competence_viewer(conn, caller, person)?;
    let c = queries::competence(conn, &competence_id)?
        .ok_or_else(|| AppError::invalid("competency_id", "no such competence"))?;
    if c.retired_at.is_some() {
        return Err(AppError::invalid(
            "competency_id",
            "this competence is retired",
        ));
    }
    let holds = rules::current_met(queries::latest_of(conn, &caller.id, &competence_id)?, today);
    let named = queries::is_named_assessor(conn, &c.framework_id, &caller.id)?;
    if let Some(why) = may_assess(caller, person, service.as_deref(), holds, named) {
        return Err(AppError::Forbidden(why.into()));
    }
    let a = Assessment {
        id: uuid::Uuid::now_v7().to_string(),
        practitioner_id: person.to_string(),
        competency_id: competence_id,
        outcome: input.outcome,
        evidence: input.evidence,
        evidence_method: input.evidence_method.unwrap_or(EvidenceMethod::Unspecified),
        assessed_by: caller.id.clone(),
        assessed_on,
        review_due_on: input.review_due_on,
        created_at: at,
    };
    queries::insert_assessment(conn, &a)?;
    audit::of(&caller.id, "competency_assessment", &a.id)
        .in_service(service.as_deref())
        .action(conn, "assess", None, audit::snapshot(&a)?, at)?;
    Ok(a)
}

/// One page of the eligibility matrix: each supervisor in the scope, whether they may supervise
/// each modality, and what they lack.
pub fn eligibility_matrix(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &SupervisorQuery,
    page: &PageRequest,
    at: NaiveDateTime,
) -> Result<Vec<SupervisorRow>, AppError> {
    let mut mods = eligibility::modality_bodies(conn)?;
    if let Some(m) = &q.modality {
        mods.retain(|(code, _)| code == m);
        if mods.is_empty() {
            return Err(AppError::invalid("modality", UNKNOWN_MODALITY));
        }
    }
    let people = queries::active_people(
        conn,
        scope,
        q.service_id.as_deref(),
        Some(Role::Supervisor),
        page,
    )?;
    let ids: Vec<&str> = people.iter().map(|r| r.0.as_str()).collect();
    let mut standing = eligibility::standing(conn, &ids, &mods, at.date())?;
    let mut duties = crate::accreditation::duties::of_people(conn, &ids, at.date())?;
    Ok(people
        .iter()
        .map(|(id, name, service)| SupervisorRow {
            requirements: duties.remove(id).unwrap_or_default(),
            supervisor_id: id.clone(),
            full_name: name.clone(),
            service_id: service.clone(),
            modalities: mods
                .iter()
                .map(|(m, _)| {
                    let missing = standing
                        .remove(&(id.clone(), m.clone()))
                        .unwrap_or_default();
                    ModalityEligibility {
                        modality: m.clone(),
                        eligible: missing.is_empty(),
                        missing,
                    }
                })
                .collect(),
        })
        .collect())
}

/// The report's `state` filter: one of the states a sign-off can be in.
pub fn report_state(raw: Option<&str>) -> Result<Option<CompetenceState>, AppError> {
    const ALLOWED: [CompetenceState; 3] = [
        CompetenceState::Met,
        CompetenceState::NotYetMet,
        CompetenceState::ReviewOverdue,
    ];
    match raw {
        None => Ok(None),
        Some(s) => CompetenceState::parse(s)
            .filter(|st| ALLOWED.contains(st))
            .map(Some)
            .ok_or_else(|| {
                AppError::invalid("state", "must be met, not_yet_met or review_overdue")
            }),
    }
}

/// The current state of every assessed competence of one page of people, in three queries.
pub fn report_page(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &CompetenceReportQuery,
    page: &PageRequest,
    at: NaiveDateTime,
) -> Result<Batch<CompetenceReportRow>, AppError> {
    let wanted = report_state(q.state.as_deref())?;
    let people = queries::active_people(conn, scope, q.service_id.as_deref(), None, page)?;
    let (people, next) = page.split(people, |p| &p.0);
    let ids: Vec<&str> = people.iter().map(|p| p.0.as_str()).collect();
    let comps: HashMap<String, Competence> = queries::competences(conn, q.framework_id.as_deref())?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let mut latest: HashMap<(String, String), Assessment> = HashMap::new();
    for a in queries::assessments_of(conn, &ids)? {
        latest
            .entry((a.practitioner_id.clone(), a.competency_id.clone()))
            .or_insert(a);
    }
    let services: Vec<&str> = people.iter().filter_map(|p| p.2.as_deref()).collect();
    let service_names = crate::db::names::services(conn, &services)?;
    let assessors: Vec<&str> = latest.values().map(|a| a.assessed_by.as_str()).collect();
    let assessor_names = crate::db::names::people(conn, &assessors)?;
    let mut out = Vec::new();
    for (id, name, service) in &people {
        let mut mine: Vec<&Assessment> = latest
            .values()
            .filter(|a| &a.practitioner_id == id && comps.contains_key(&a.competency_id))
            .collect();
        mine.sort_by(|a, b| a.competency_id.cmp(&b.competency_id));
        for a in mine {
            let c = &comps[&a.competency_id];
            let st = rules::state(Some((a.outcome, a.review_due_on)), at.date());
            if wanted.is_some_and(|w| w != st) {
                continue;
            }
            out.push(CompetenceReportRow {
                practitioner_id: id.clone(),
                full_name: name.clone(),
                service_id: service.clone(),
                service_name: service.as_ref().and_then(|s| service_names.get(s).cloned()),
                competency_id: c.id.clone(),
                framework_id: c.framework_id.clone(),
                code: c.code.clone(),
                title: c.title.clone(),
                state: st,
                outcome: a.outcome,
                assessed_by: a.assessed_by.clone(),
                assessed_by_name: assessor_names.get(&a.assessed_by).cloned(),
                assessed_on: a.assessed_on,
                review_due_on: a.review_due_on,
            });
        }
    }
    Ok((out, next))
}
