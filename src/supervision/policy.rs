//! The supervision policy: rows of (role, stage, type, minutes, window, formats, largest group,
//! source). The registry-wide rules are the admin's; a service may have its own rules, which
//! replace the registry's for its people type by type (its training lead writes those). Everyone
//! may read both. An empty policy is refused.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::model::PolicyRow;
use super::queries::{self, load_policy};
use super::rules::{Format, GroupCounting, SupervisionType};
use crate::audit;
use crate::auth::policy::{can_read_service_policy, policy_target, Caller, PolicyTarget};
use crate::db::DbConn;
use crate::error::{validate, AppError, FieldError};
use crate::http::parse_id;

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    /// A practitioner role (`pwp`, `cbt_therapist`, ...), or `supervisor` for supervisors' own supervision.
    pub practitioner_role: String,
    /// `trainee`, `qualified`, or null for both.
    pub stage: Option<String>,
    pub supervision_type: SupervisionType,
    /// Full-time minutes within the window (scaled by WTE, with a floor of half).
    #[validate(range(min = 1, max = 6000, message = "must be 1 to 6000 minutes"))]
    #[schema(minimum = 1, maximum = 6000)]
    pub min_minutes: i32,
    #[validate(range(min = 1, max = 366, message = "must be 1 to 366 days"))]
    #[schema(minimum = 1, maximum = 366)]
    pub window_days: i32,
    #[validate(length(min = 1, max = 2, message = "must name individual, group or both"))]
    #[schema(min_items = 1, max_items = 2)]
    pub formats: Vec<Format>,
    /// The largest group whose time counts; null: any size.
    #[validate(range(min = 2, max = 100, message = "must be 2 to 100"))]
    #[schema(minimum = 2, maximum = 100)]
    pub max_group_size: Option<i32>,
    /// How group time counts: `full`; `up_to_size` (in full up to `max_group_size`, the
    /// default); `individual_equivalent` (minutes / supervisees x 2, BABCP training);
    /// `bacp_accreditation` (half in groups of 4 or fewer, minutes / size in groups of 5 or more).
    #[serde(default)]
    pub group_counting: GroupCounting,
    /// Where the figure comes from.
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub source: String,
    /// In a service's policy: `service` for its own rule, `registry` for one it follows from
    /// the registry-wide policy. Ignored when written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<RuleScope>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleScope {
    Registry,
    Service,
}

impl PolicyRule {
    fn key(&self) -> (&str, Option<&str>, SupervisionType) {
        (
            self.practitioner_role.as_str(),
            self.stage.as_deref(),
            self.supervision_type,
        )
    }

    /// The same requirement, whatever the order of its formats or the spaces around its source.
    fn same_as(&self, other: &PolicyRule) -> bool {
        let formats = |r: &PolicyRule| r.formats.iter().copied().collect::<HashSet<Format>>();
        self.key() == other.key()
            && self.min_minutes == other.min_minutes
            && self.window_days == other.window_days
            && formats(self) == formats(other)
            && self.max_group_size == other.max_group_size
            && self.group_counting == other.group_counting
            && self.source.trim() == other.source.trim()
    }
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(alias = "items")]
    #[validate(
        nested,
        length(min = 1, max = 200, message = "must hold 1 to 200 rules")
    )]
    pub rules: Vec<PolicyRule>,
    /// Absent: the registry-wide policy. Else the service whose own rules these are; for each
    /// supervision type it has rules for, they replace the registry's for its people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PolicyQuery {
    /// A service: its own rules (GET), or the rules to replace (PUT, DELETE).
    pub service_id: Option<String>,
}

fn view(row: &PolicyRow) -> PolicyRule {
    PolicyRule {
        practitioner_role: row.practitioner_role.clone(),
        stage: row.stage.clone(),
        supervision_type: row.supervision_type,
        min_minutes: row.min_minutes,
        window_days: row.window_days,
        formats: row.formats(),
        max_group_size: row.max_group_size,
        group_counting: row.group_counting,
        source: row.source.clone(),
        scope: None,
    }
}

/// The registry-wide rules (`None`), or those a service follows: its own, each in the place of
/// the registry's rule for the same role, stage and type, and the registry's others.
pub fn current(conn: &mut DbConn, service: Option<&str>) -> Result<Policy, AppError> {
    let rows = load_policy(conn)?;
    let registry: Vec<PolicyRule> = rows
        .iter()
        .filter(|r| r.service_id.is_none())
        .map(view)
        .collect();
    let Some(service) = service else {
        return Ok(Policy {
            rules: registry,
            service_id: None,
        });
    };
    let mut own: Vec<PolicyRule> = rows
        .iter()
        .filter(|r| r.service_id.as_deref() == Some(service))
        .map(|r| PolicyRule {
            scope: Some(RuleScope::Service),
            ..view(r)
        })
        .collect();
    let mut rules = Vec::with_capacity(registry.len() + own.len());
    for r in registry {
        match own.iter().position(|o| o.key() == r.key()) {
            Some(i) => rules.push(own.remove(i)),
            None => rules.push(PolicyRule {
                scope: Some(RuleScope::Registry),
                ..r
            }),
        }
    }
    rules.append(&mut own);
    Ok(Policy {
        rules,
        service_id: Some(service.to_string()),
    })
}

/// The checks `validator` cannot make alone: known roles and stages, formats and group sizes
/// that agree, and no two rules for the same role, stage and type.
/// `errors`: what `validator` already found, so the answer lists every problem at once.
fn check(conn: &mut DbConn, policy: &Policy, mut errors: Vec<FieldError>) -> Result<(), AppError> {
    let known: HashSet<String> = queries::practitioner_roles(conn)?.into_iter().collect();
    let mut seen = HashSet::new();
    for (i, r) in policy.rules.iter().enumerate() {
        let at = |f: &str| format!("rules[{i}].{f}");
        if r.practitioner_role != super::rules::SUPERVISORS_OWN
            && !known.contains(&r.practitioner_role)
        {
            errors.push(FieldError::new(
                at("practitioner_role"),
                "must be a practitioner role or supervisor",
            ));
        }
        if let Some(s) = &r.stage {
            if crate::people::Stage::parse(s).is_none() {
                errors.push(FieldError::new(
                    at("stage"),
                    "must be trainee, qualified or null",
                ));
            }
        }
        if r.formats.iter().collect::<HashSet<_>>().len() != r.formats.len() {
            errors.push(FieldError::new(at("formats"), "names a format twice"));
        }
        if r.max_group_size.is_some() && !r.formats.contains(&Format::Group) {
            errors.push(FieldError::new(
                at("max_group_size"),
                "applies only when group is an allowed format",
            ));
        }
        if !seen.insert((
            r.practitioner_role.clone(),
            r.stage.clone(),
            r.supervision_type,
        )) {
            errors.push(FieldError::new(
                at("supervision_type"),
                "another rule already covers this role, stage and type",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        Err(AppError::Validation(errors))
    }
}

/// Which policy a request names: `?service_id=` or the body's `service_id` (they must agree).
fn named_service(query: Option<String>, body: Option<&str>) -> Result<Option<String>, AppError> {
    let parse =
        |raw: &str| parse_id(raw).map_err(|_| AppError::invalid("service_id", "no such service"));
    let q = query.as_deref().map(parse).transpose()?;
    let b = body.map(parse).transpose()?;
    match (q, b) {
        (Some(q), Some(b)) if q != b => Err(AppError::invalid(
            "service_id",
            "names another service than the query string",
        )),
        (q, b) => Ok(q.or(b)),
    }
}

fn resolve(caller: &Caller, service: Option<String>) -> Result<PolicyTarget, AppError> {
    policy_target(caller, service.as_deref()).ok_or_else(|| {
        AppError::Forbidden(
            "the registry-wide policy is an admin's; a training lead changes only their own service's rules".into(),
        )
    })
}

/// Replaces the rules of `target` with `policy`, audited against the service it affects (or
/// none, for the registry-wide rules, which every lead's audit trail shows). Every problem is
/// listed at once; an empty policy is refused.
pub fn replace(
    conn: &mut DbConn,
    caller: &Caller,
    target: &PolicyTarget,
    policy: Policy,
    field_errors: Vec<FieldError>,
    at: NaiveDateTime,
) -> Result<Policy, AppError> {
    let service = match target {
        PolicyTarget::Registry => None,
        PolicyTarget::Service(s) => Some(s.as_str()),
    };
    let mut field_errors = field_errors;
    if let Some(s) = service {
        if crate::services::find(conn, s)?.is_none() {
            field_errors.push(FieldError::new("service_id", "no such service"));
        }
    }
    check(conn, &policy, field_errors)?;
    let before = current(conn, service)?;
    // A service keeps only the rules that differ from the registry's: the rest it follows, so
    // a later change to the registry-wide rule reaches its people too.
    let mut rules = policy.rules;
    if service.is_some() {
        let registry = current(conn, None)?.rules;
        rules.retain(|r| !registry.iter().any(|g| g.same_as(r)));
    }
    queries::delete_rules(conn, service)?;
    queries::insert_rules(conn, &rules, service, at)?;
    let after = current(conn, service)?;
    record_change(conn, caller, "replace", service, &before, &after, at)?;
    Ok(after)
}

/// Removes a service's own rules: its people follow the registry's again.
pub fn clear_service(
    conn: &mut DbConn,
    caller: &Caller,
    service: &str,
    at: NaiveDateTime,
) -> Result<Policy, AppError> {
    let before = current(conn, Some(service))?;
    queries::delete_rules(conn, Some(service))?;
    let after = current(conn, Some(service))?;
    record_change(conn, caller, "clear", Some(service), &before, &after, at)?;
    Ok(after)
}

fn record_change(
    conn: &mut DbConn,
    caller: &Caller,
    action: &str,
    service: Option<&str>,
    before: &Policy,
    after: &Policy,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let snap = |p: &Policy| {
        serde_json::to_value(p).map_err(|e| AppError::internal(format!("policy snapshot: {e}")))
    };
    audit::of(
        &caller.id,
        "supervision_policy",
        service.unwrap_or("supervision_policy"),
    )
    .in_service(service)
    .action(conn, action, Some(snap(before)?), Some(snap(after)?), at)
}

/// The policy a reader asks for: the registry's, or with `service_id` what that service
/// follows (read by its own people and admins; 404 for anyone else).
pub fn read_policy(
    conn: &mut DbConn,
    caller: &Caller,
    service_id: Option<String>,
) -> Result<Policy, AppError> {
    let service = named_service(service_id, None)?;
    if let Some(s) = &service {
        if !can_read_service_policy(caller, s) {
            return Err(AppError::NotFound);
        }
        crate::services::find(conn, s)?.ok_or(AppError::NotFound)?;
    }
    current(conn, service.as_deref())
}

/// The checks a replacement passes before it opens a transaction: which rules it replaces,
/// whether the caller may, and every field problem `validator` finds.
pub fn prepare_replace(
    caller: &Caller,
    service_id: Option<String>,
    policy: &Policy,
) -> Result<(PolicyTarget, Vec<FieldError>), AppError> {
    let service = named_service(service_id, policy.service_id.as_deref())?;
    let target = resolve(caller, service)?;
    let field_errors = match validate(policy) {
        Ok(()) => Vec::new(),
        Err(AppError::Validation(errors)) => errors,
        Err(other) => return Err(other),
    };
    Ok((target, field_errors))
}

/// The service whose own rules a removal names; the registry's cannot be removed.
pub fn clear_target(caller: &Caller, service_id: Option<String>) -> Result<String, AppError> {
    let service = named_service(service_id, None)?;
    match resolve(caller, service)? {
        PolicyTarget::Service(service) => Ok(service),
        PolicyTarget::Registry => Err(AppError::invalid(
            "service_id",
            "the registry-wide policy cannot be removed; name a service",
        )),
    }
}

/// Removes a named service's own rules, refusing an unknown service.
pub fn clear_policy(
    conn: &mut DbConn,
    caller: &Caller,
    service: &str,
    at: NaiveDateTime,
) -> Result<Policy, AppError> {
    crate::services::find(conn, service)?
        .ok_or_else(|| AppError::invalid("service_id", "no such service"))?;
    clear_service(conn, caller, service, at)
}
