//! Who may bring people in from a staff list: admins into any service, a training lead into
//! their own service only; the command line (an operator with the database) as an admin.

use super::{Caller, Role};

/// Who runs an import.
#[derive(Debug, Clone)]
pub enum Importer {
    /// Someone signed in, through the API or the pages.
    Person(Caller),
    /// `registry import` on the server: whoever holds the database holds every service.
    Operator,
}

impl Importer {
    /// The id written to the audit trail (none for the command line).
    pub fn actor_id(&self) -> Option<&str> {
        match self {
            Importer::Person(c) => Some(&c.id),
            Importer::Operator => None,
        }
    }

    /// The service a file goes to when neither its rows nor the request name one.
    pub fn home_service(&self) -> Option<&str> {
        match self {
            Importer::Person(c) if !c.is_admin() => c.service_id.as_deref(),
            _ => None,
        }
    }
}

/// Whether the caller may import at all (before any file is read).
pub fn may_import(importer: &Importer) -> bool {
    match importer {
        Importer::Operator => true,
        Importer::Person(c) => {
            c.is_admin() || (c.has(Role::TrainingLead) && c.service_id.is_some())
        }
    }
}

/// Whether a row may put a person in (or take one from) this service.
pub fn may_import_into(importer: &Importer, service_id: Option<&str>) -> bool {
    match importer {
        Importer::Operator => true,
        Importer::Person(c) => c.is_admin() || c.leads(service_id),
    }
}

/// Whether a row may give these roles: the admin role only from an admin (or the operator).
pub fn may_import_roles(importer: &Importer, roles: &[Role]) -> bool {
    match importer {
        Importer::Operator => true,
        Importer::Person(c) => c.is_admin() || !roles.contains(&Role::Admin),
    }
}
