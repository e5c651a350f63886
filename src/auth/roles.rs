//! Who is calling and which roles people hold: the `Caller`, the roles, and the `user_roles`
//! rows written with each person's role list.

use diesel::prelude::*;

use crate::db::schema::user_roles;

crate::db_enum! {
    pub enum Role("role") {
        Admin => "admin",
        TrainingLead => "training_lead",
        Supervisor => "supervisor",
        Practitioner => "practitioner",
    }
}

/// Roles as stored: a sorted, comma-separated list.
pub fn roles_to_text(roles: &[Role]) -> String {
    let mut r = roles.to_vec();
    r.sort();
    r.dedup();
    r.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
}

pub fn roles_from_text(text: &str) -> Vec<Role> {
    text.split(',')
        .filter_map(|s| Role::parse(s.trim()))
        .collect()
}

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub service_id: Option<String>,
    pub session_id: String,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    /// A training lead of this service.
    pub fn leads(&self, service_id: Option<&str>) -> bool {
        self.has(Role::TrainingLead)
            && service_id.is_some()
            && self.service_id.as_deref() == service_id
    }
}

/// The ids of people holding `role`, as a subquery.
pub fn holders_of(
    role: Role,
) -> diesel::dsl::Select<
    diesel::dsl::Filter<user_roles::table, diesel::dsl::Eq<user_roles::role, Role>>,
    user_roles::user_id,
> {
    user_roles::table
        .filter(user_roles::role.eq(role))
        .select(user_roles::user_id)
}

/// Who may read `GET /metrics` (`REGISTRY_METRICS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricsAccess {
    Off,
    Open,
    /// Whoever sends the configured token as `Bearer`.
    Token,
}

/// What `metrics_access` decides: `Off` answers as not found, `NeedsToken` 401.
#[derive(Debug, PartialEq, Eq)]
pub enum MetricsDecision {
    Allowed,
    Off,
    NeedsToken,
}
