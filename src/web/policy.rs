//! `GET /policy`, `POST /policy`: the supervision policy as an editable table. A training lead
//! edits their service's own rules (a row left as the registry's follows it); an admin edits
//! the registry-wide rules, or a service's with `?service_id=`. Saving replaces the rules as a
//! whole through `supervision::policy::replace`, as `PUT /supervision-policy`: every problem is
//! listed at once, each beside its cell, and nothing is saved until there are none.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::page::{render, see_other, Chrome};
use super::session::{Form, Posted, Signed};
use crate::app::AppState;
use crate::auth::policy::{may_open, Area};
use crate::error::{AppError, FieldError};
use crate::supervision::policy::{Policy, PolicyRule, RuleScope};
use crate::supervision::rules::{Format, GroupCounting, SupervisionType};

/// Empty rows offered for new rules.
const BLANK_ROWS: usize = 2;

/// Marks a problem that names a row of the form rather than a rule of the policy.
const FORM_ROW: &str = "row:";

#[derive(Debug, Default, Deserialize)]
pub struct Query {
    pub service_id: Option<String>,
    pub done: Option<String>,
}

pub struct ErrorLink {
    pub anchor: String,
    pub text: String,
}

/// One row of the table as typed or stored, with its problems by field.
pub struct RowView {
    pub i: usize,
    pub role: String,
    pub stage: String,
    pub kind: String,
    pub min: String,
    pub window: String,
    pub individual: bool,
    pub group: bool,
    pub max_group: String,
    pub counting: String,
    pub source: String,
    pub scope: &'static str,
    pub errors: HashMap<String, String>,
}

impl RowView {
    pub fn err(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn id(&self, field: &str) -> String {
        format!("rules-{}-{field}", self.i)
    }

    fn blank(i: usize) -> RowView {
        RowView {
            i,
            role: String::new(),
            stage: String::new(),
            kind: String::new(),
            min: String::new(),
            window: String::new(),
            individual: true,
            group: false,
            max_group: String::new(),
            counting: GroupCounting::default().as_str().to_string(),
            source: String::new(),
            scope: "New",
            errors: HashMap::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "web/policy.html")]
struct Page {
    chrome: Chrome,
    errors: Vec<ErrorLink>,
    notice: Option<&'static str>,
    covers: String,
    action: String,
    rows: Vec<RowView>,
    roles: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    countings: Vec<(&'static str, &'static str)>,
}

/// How group time may count, in words, for the select on each row.
fn countings() -> Vec<(&'static str, &'static str)> {
    GroupCounting::ALL
        .iter()
        .map(|c| {
            (
                c.as_str(),
                match c {
                    GroupCounting::Full => "In full, any size",
                    GroupCounting::UpToSize => "In full up to the largest group",
                    GroupCounting::IndividualEquivalent => {
                        "Individual-equivalent (minutes / supervisees x 2)"
                    }
                    GroupCounting::BacpAccreditation => {
                        "BACP: half in groups up to 4, divided by size from 5"
                    }
                },
            )
        })
        .collect()
}

fn view(i: usize, r: &PolicyRule) -> RowView {
    RowView {
        i,
        role: r.practitioner_role.clone(),
        stage: r.stage.clone().unwrap_or_default(),
        kind: r.supervision_type.as_str().to_string(),
        min: r.min_minutes.to_string(),
        window: r.window_days.to_string(),
        individual: r.formats.contains(&Format::Individual),
        group: r.formats.contains(&Format::Group),
        max_group: r.max_group_size.map(|g| g.to_string()).unwrap_or_default(),
        counting: r.group_counting.as_str().to_string(),
        source: r.source.clone(),
        scope: match r.scope {
            Some(RuleScope::Service) => "This service's own",
            Some(RuleScope::Registry) => "The registry's",
            None => "Registry-wide",
        },
        errors: HashMap::new(),
    }
}

/// The service whose rules the page edits: a lead's own; for an admin the one asked for, or
/// none (the registry-wide rules).
fn target(signed: &Signed, asked: Option<String>) -> Result<Option<String>, PageError> {
    if !may_open(&signed.caller, Area::Leading) {
        return Err(AppError::NotFound.into());
    }
    let asked = asked.filter(|s| !s.is_empty());
    if signed
        .caller
        .roles
        .contains(&crate::auth::policy::Role::Admin)
    {
        Ok(asked)
    } else {
        match (&signed.caller.service_id, asked) {
            (Some(mine), Some(a)) if *mine != a => Err(AppError::NotFound.into()),
            (mine, _) => Ok(mine.clone()),
        }
    }
}

async fn page(
    state: &AppState,
    signed: &Signed,
    service: Option<String>,
    rows: Option<Vec<RowView>>,
    errors: Vec<ErrorLink>,
    status: StatusCode,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let caller = signed.caller.clone();
    let s = service.clone();
    let (policy, roles, name) = state
        .db(move |conn| {
            let policy = crate::supervision::policy::read_policy(conn, &caller, s.clone())?;
            let roles = crate::supervision::queries::practitioner_roles(conn)?;
            let name = match &s {
                Some(id) => crate::db::names::services(conn, &[id.as_str()])?.remove(id),
                None => None,
            };
            Ok((policy, roles, name))
        })
        .await?;
    let rows = rows.unwrap_or_else(|| {
        let mut v: Vec<RowView> = policy
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| view(i, r))
            .collect();
        let n = v.len();
        v.extend((n..n + BLANK_ROWS).map(RowView::blank));
        v
    });
    let mut role_choices: Vec<(String, String)> = roles
        .into_iter()
        .map(|r| (r.clone(), r.replace('_', " ")))
        .collect();
    role_choices.push((
        crate::supervision::rules::SUPERVISORS_OWN.to_string(),
        "supervisors' own supervision".into(),
    ));
    render(
        status,
        &Page {
            chrome: Chrome::signed_in(
                &signed.caller,
                &signed.csrf,
                "Supervision policy",
                "/policy",
            ),
            errors,
            notice,
            covers: match name {
                Some(n) => format!(
                    "{n}'s rules: its own, and the registry's where it has none of its own."
                ),
                None => {
                    "The registry-wide rules, which every service follows unless it has its own."
                        .into()
                }
            },
            action: match &service {
                Some(s)
                    if signed
                        .caller
                        .roles
                        .contains(&crate::auth::policy::Role::Admin) =>
                {
                    format!("/policy?service_id={s}")
                }
                _ => "/policy".into(),
            },
            rows,
            roles: role_choices,
            kinds: SupervisionType::ALL
                .iter()
                .map(|t| (t.as_str(), t.words()))
                .collect(),
            countings: countings(),
        },
    )
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let service = target(&signed, q.service_id)?;
    let notice = q
        .done
        .is_some()
        .then_some("The policy is saved. Compliance follows it from now.");
    page(
        &state,
        &signed,
        service,
        None,
        Vec::new(),
        StatusCode::OK,
        notice,
    )
    .await
}

/// The rows as typed, the rules they make (skipping removed and empty rows) with each rule's
/// row, and the problems only the form can have (a number that is not one).
fn read_rows(form: &Form) -> (Vec<RowView>, Vec<PolicyRule>, Vec<usize>, Vec<FieldError>) {
    let count: usize = form.raw("count").parse().unwrap_or(0).min(400);
    let mut rows = Vec::new();
    let mut rules = Vec::new();
    let mut at = Vec::new();
    let mut errors = Vec::new();
    for i in 0..count {
        let f = |name: &str| form.raw(&format!("rules-{i}-{name}")).trim().to_string();
        let formats = form.all(&format!("rules-{i}-formats"));
        let row = RowView {
            i,
            role: f("practitioner_role"),
            stage: f("stage"),
            kind: f("supervision_type"),
            min: f("min_minutes"),
            window: f("window_days"),
            individual: formats.iter().any(|x| x == "individual"),
            group: formats.iter().any(|x| x == "group"),
            max_group: f("max_group_size"),
            counting: f("group_counting"),
            source: f("source"),
            scope: "",
            errors: HashMap::new(),
        };
        let removed = !f("remove").is_empty();
        let empty = row.role.is_empty()
            && row.kind.is_empty()
            && row.min.is_empty()
            && row.source.is_empty();
        if removed || empty {
            if !removed {
                rows.push(RowView {
                    scope: "New",
                    ..row
                });
            }
            continue;
        }
        let mut number = |field: &str, raw: &str, required: bool| -> Option<i32> {
            if raw.is_empty() {
                if required {
                    errors.push(FieldError::new(
                        format!("rules[{i}].{field}"),
                        "must be given",
                    ));
                }
                return None;
            }
            raw.parse().map(Some).unwrap_or_else(|_| {
                errors.push(FieldError::new(
                    format!("rules[{i}].{field}"),
                    "must be a whole number",
                ));
                None
            })
        };
        let min = number("min_minutes", &row.min, true);
        let window = number("window_days", &row.window, true);
        let max_group = number("max_group_size", &row.max_group, false);
        let counting = if row.counting.is_empty() {
            Some(GroupCounting::default())
        } else {
            GroupCounting::parse(&row.counting)
        };
        if counting.is_none() {
            errors.push(FieldError::new(
                format!("rules[{i}].group_counting"),
                "must be chosen",
            ));
        }
        let kind = SupervisionType::parse(&row.kind);
        if kind.is_none() {
            errors.push(FieldError::new(
                format!("rules[{i}].supervision_type"),
                "must be chosen",
            ));
        }
        if let (Some(min), Some(window), Some(kind), Some(counting)) = (min, window, kind, counting)
        {
            let mut formats = Vec::new();
            if row.individual {
                formats.push(Format::Individual);
            }
            if row.group {
                formats.push(Format::Group);
            }
            rules.push(PolicyRule {
                practitioner_role: row.role.clone(),
                stage: Some(row.stage.clone()).filter(|s| !s.is_empty()),
                supervision_type: kind,
                min_minutes: min,
                window_days: window,
                formats,
                max_group_size: max_group,
                group_counting: counting,
                source: row.source.clone(),
                scope: None,
            });
            at.push(i);
        }
        rows.push(RowView {
            scope: "Changed",
            ..row
        });
    }
    (rows, rules, at, errors)
}

pub async fn save(
    state: web::Data<AppState>,
    posted: Posted,
    q: web::Query<Query>,
) -> Result<HttpResponse, PageError> {
    let Posted { signed, form } = posted;
    let service = target(&signed, q.into_inner().service_id)?;
    let (mut rows, rules, at, mut errors) = read_rows(&form);
    let policy = Policy {
        rules,
        service_id: service.clone(),
    };
    let caller = signed.caller.clone();
    let now = state.clock.now();
    let outcome =
        match crate::supervision::policy::prepare_replace(&caller, service.clone(), &policy) {
            Err(e) => Err(e),
            Ok((target, mut found)) => {
                // The form's own problems (a cell that is not a number) go in with the use case's,
                // so nothing is saved and every problem comes back at once; they name the form's
                // row, marked so, where the use case's name the rule.
                found.extend(std::mem::take(&mut errors).into_iter().map(|e| FieldError {
                    field: format!("{FORM_ROW}{}", e.field),
                    ..e
                }));
                state
                    .write(move |conn| {
                        crate::supervision::policy::replace(
                            conn, &caller, &target, policy, found, now,
                        )
                    })
                    .await
            }
        };
    let found = match outcome {
        Ok(_) => {
            let back = match &service {
                Some(s)
                    if signed
                        .caller
                        .roles
                        .contains(&crate::auth::policy::Role::Admin) =>
                {
                    format!("/policy?service_id={s}&done=1")
                }
                _ => "/policy?done=1".into(),
            };
            return Ok(see_other(&back));
        }
        Err(AppError::Validation(e)) => e,
        Err(e) => return Err(e.into()),
    };
    let mut links = Vec::new();
    for e in found {
        // `rules[k].field` names the k-th rule (or, marked, the k-th row): find its row.
        let (row, field) = match e.field.strip_prefix(FORM_ROW).map(split) {
            Some(Some((i, field))) => (Some(i), field),
            _ => match split(&e.field) {
                Some((k, field)) => (at.get(k).copied(), field),
                None => (None, e.field.clone()),
            },
        };
        let text = format!("{}: {}", field.replace('_', " "), e.message);
        match row.and_then(|r| rows.iter_mut().find(|v| v.i == r)) {
            Some(v) => {
                links.push(ErrorLink {
                    anchor: v.id(&field),
                    text: format!("Row {}, {text}", v.i + 1),
                });
                v.errors.insert(field, e.message);
            }
            None => links.push(ErrorLink {
                anchor: "policy".into(),
                text: super::error::sentence(&text),
            }),
        }
    }
    page(
        &state,
        &signed,
        service,
        Some(rows),
        links,
        StatusCode::UNPROCESSABLE_ENTITY,
        None,
    )
    .await
}

/// `rules[3].min_minutes` as (3, "min_minutes").
fn split(field: &str) -> Option<(usize, String)> {
    let rest = field.strip_prefix("rules[")?;
    let (k, f) = rest.split_once("].")?;
    Some((k.parse().ok()?, f.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_field_is_read() {
        assert_eq!(
            split("rules[12].window_days"),
            Some((12, "window_days".into()))
        );
        assert_eq!(split("rules"), None);
    }
}
