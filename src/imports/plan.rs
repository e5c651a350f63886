//! Deciding each row before anything is written: a new person, a change to a person, nothing
//! to do, or the row's problems. Every row is checked, so a report lists every problem at once.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::columns::{Columns, Field};
use super::model::RowError;
use super::sheet::Row;
use super::values;
use crate::auth::policy::{may_import_into, may_import_roles, Importer, Role};
use crate::error::{validate, AppError, FieldError};
use crate::people::queries::{PersonRow, PersonWithModality};
use crate::people::{rules, NewAccount, NewPractitioner, PractitionerPatch};

/// What the rows are checked against, read once for the file.
pub struct Known {
    /// Service id and name.
    pub services: Vec<(String, String)>,
    /// Practitioner role code and name.
    pub roles: Vec<(String, String)>,
    /// People already registered, by lower-cased email.
    pub people: HashMap<String, PersonWithModality>,
}

/// What a row comes to.
pub enum Plan {
    Create(Box<NewAccount>),
    Update {
        before: Box<PersonWithModality>,
        after: Box<PersonRow>,
    },
    Unchanged,
}

/// A row's cells, read.
#[derive(Default)]
struct Cells {
    email: String,
    full_name: Option<String>,
    service_id: Option<String>,
    practitioner_role: Option<String>,
    stage: Option<crate::people::Stage>,
    wte: Option<f64>,
    started_on: Option<chrono::NaiveDate>,
    roles: Option<Vec<Role>>,
    esr: Option<String>,
}

/// Checks rows one at a time, remembering the emails seen so far.
pub struct Planner<'a> {
    pub columns: &'a Columns,
    pub known: &'a Known,
    pub importer: &'a Importer,
    /// The service for rows that name none (the request's, else a lead's own).
    pub default_service: Option<String>,
    pub at: NaiveDateTime,
    pub seen: HashMap<String, usize>,
}

impl Planner<'_> {
    fn problem(&self, row: &Row, field: Field, message: impl Into<String>) -> RowError {
        RowError {
            row: Some(row.number),
            column: Some(self.columns.header(field)),
            field: super::columns::name(field).to_string(),
            message: message.into(),
        }
    }

    /// A problem from the people rules, whose field names the API's (`service_id`, ...).
    fn field_problem(&self, row: &Row, e: FieldError) -> RowError {
        let field = match e.field.as_str() {
            "email" => Field::Email,
            "full_name" => Field::FullName,
            "service_id" => Field::Service,
            "practitioner_role" => Field::PractitionerRole,
            "stage" => Field::Stage,
            "wte" => Field::Wte,
            "started_on" => Field::StartedOn,
            "esr_assignment_number" => Field::Esr,
            _ => Field::Roles,
        };
        self.problem(row, field, e.message)
    }

    fn service(&self, text: &str) -> Option<String> {
        let wanted = values::key(text);
        self.known
            .services
            .iter()
            .find(|(id, name)| id == text.trim() || values::key(name) == wanted)
            .map(|(id, _)| id.clone())
    }

    fn role(&self, text: &str) -> Option<String> {
        let code = values::practitioner_role(text);
        let wanted = values::key(text);
        self.known
            .roles
            .iter()
            .find(|(c, name)| *c == code || values::key(name) == wanted)
            .map(|(c, _)| c.clone())
    }

    /// Reads a row's cells, each problem named by its column.
    fn cells(&self, row: &Row, errors: &mut Vec<RowError>) -> Cells {
        let c = self.columns;
        let mut out = Cells::default();
        for field in [
            Field::Email,
            Field::FullName,
            Field::FirstName,
            Field::LastName,
            Field::PractitionerRole,
            Field::Stage,
            Field::Wte,
            Field::StartedOn,
            Field::Service,
            Field::Roles,
            Field::Esr,
        ] {
            if let Some(text) = row.cell(c.of(field)) {
                if let Err(m) = values::one_line(text) {
                    errors.push(self.problem(row, field, m));
                }
            }
        }
        match row.cell(c.of(Field::Email)) {
            Some(e) => out.email = e.to_string(),
            None => errors.push(self.problem(row, Field::Email, "is required")),
        }
        out.full_name = match (
            row.cell(c.of(Field::FullName)),
            row.cell(c.of(Field::FirstName)),
            row.cell(c.of(Field::LastName)),
        ) {
            (Some(full), _, _) => Some(full.to_string()),
            (None, Some(first), Some(last)) => Some(format!("{first} {last}")),
            (None, first, last) => first.or(last).map(str::to_string),
        };
        if let Some(text) = row.cell(c.of(Field::Service)) {
            match self.service(text) {
                Some(id) => out.service_id = Some(id),
                None => errors.push(self.problem(
                    row,
                    Field::Service,
                    format!("there is no service named {text:?} (give its name or id)"),
                )),
            }
        }
        if let Some(text) = row.cell(c.of(Field::PractitionerRole)) {
            match self.role(text) {
                Some(code) => out.practitioner_role = Some(code),
                None => {
                    let codes: Vec<&str> = self.known.roles.iter().map(|r| r.0.as_str()).collect();
                    errors.push(self.problem(
                        row,
                        Field::PractitionerRole,
                        format!(
                            "{text:?} is not a practitioner role: use one of {}",
                            codes.join(", ")
                        ),
                    ));
                }
            }
        }
        let mut read = |field: Field, f: &mut dyn FnMut(&str) -> Result<(), String>| {
            if let Some(text) = row.cell(c.of(field)) {
                if let Err(m) = f(text) {
                    errors.push(self.problem(row, field, m));
                }
            }
        };
        read(Field::Stage, &mut |t| {
            values::stage(t).map(|v| out.stage = Some(v))
        });
        read(Field::Wte, &mut |t| {
            values::wte(t).map(|v| out.wte = Some(v))
        });
        read(Field::StartedOn, &mut |t| {
            values::date(t).map(|v| out.started_on = Some(v))
        });
        read(Field::Roles, &mut |t| {
            values::roles(t).map(|v| out.roles = Some(v))
        });
        out.esr = row.cell(c.of(Field::Esr)).map(str::to_string);
        out
    }

    /// Decides one row: its plan, or every problem it has.
    pub fn plan(&mut self, row: &Row) -> Result<(Plan, String), Vec<RowError>> {
        let mut errors = Vec::new();
        let cells = self.cells(row, &mut errors);
        let email_key = cells.email.to_lowercase();
        if !email_key.is_empty() {
            if let Some(first) = self.seen.get(&email_key) {
                errors.push(self.problem(
                    row,
                    Field::Email,
                    format!("this email is also on row {first}: give each person once"),
                ));
            } else {
                self.seen.insert(email_key.clone(), row.number);
            }
        }
        if let Some(roles) = &cells.roles {
            if !may_import_roles(self.importer, roles) {
                errors.push(self.problem(
                    row,
                    Field::Roles,
                    "only an admin gives someone the admin role",
                ));
            }
        }
        let existing = self.known.people.get(&email_key);
        let service = cells
            .service_id
            .clone()
            .or_else(|| self.default_service.clone());
        let target = service
            .clone()
            .or_else(|| existing.and_then(|p| p.0.service_id.clone()));
        match &target {
            Some(s) if !may_import_into(self.importer, Some(s)) => {
                errors.push(self.problem(
                    row,
                    Field::Service,
                    "you import people into your own service only",
                ));
            }
            None if existing.is_none() => errors.push(self.problem(
                row,
                Field::Service,
                "is required: give a service column, or choose the service for the whole file",
            )),
            _ => {}
        }
        let name = cells
            .full_name
            .clone()
            .or_else(|| existing.map(|p| p.0.full_name.clone()))
            .unwrap_or_default();
        let plan = match existing {
            Some(person) => self.update(row, person, cells, service, &mut errors),
            None => self.create(row, cells, target, &mut errors),
        };
        match plan {
            Some(p) if errors.is_empty() => Ok((p, name)),
            _ => Err(errors),
        }
    }

    fn create(
        &self,
        row: &Row,
        cells: Cells,
        service: Option<String>,
        errors: &mut Vec<RowError>,
    ) -> Option<Plan> {
        if cells.email.is_empty() || service.is_none() {
            return None;
        }
        let input = NewPractitioner {
            email: cells.email,
            full_name: cells.full_name.unwrap_or_default(),
            service_id: service.unwrap_or_default(),
            practitioner_role: cells.practitioner_role,
            stage: cells.stage,
            wte: cells.wte,
            roles: cells.roles.unwrap_or_default(),
            started_on: cells.started_on,
            esr_assignment_number: cells.esr,
            password: None,
        };
        match crate::people::problems_of_new(&input, true, true) {
            Ok(found) if found.is_empty() => {}
            Ok(found) => {
                errors.extend(found.into_iter().map(|e| self.field_problem(row, e)));
                return None;
            }
            Err(other) => {
                errors.push(self.problem(row, Field::Email, other.to_string()));
                return None;
            }
        }
        Some(Plan::Create(Box::new(NewAccount {
            email: input.email,
            full_name: input.full_name,
            roles: input.roles,
            service_id: Some(input.service_id),
            practitioner_role: input.practitioner_role,
            stage: input.stage,
            wte: input.wte,
            started_on: Some(input.started_on.unwrap_or(self.at.date())),
            esr_assignment_number: input.esr_assignment_number,
        })))
    }

    fn update(
        &self,
        row: &Row,
        person: &PersonWithModality,
        cells: Cells,
        service: Option<String>,
        errors: &mut Vec<RowError>,
    ) -> Option<Plan> {
        if !person.0.active {
            errors.push(self.problem(row, Field::Email, "this person's record is deactivated: reactivate them on their page first, or take the row out"));
            return None;
        }
        if !may_import_into(self.importer, person.0.service_id.as_deref()) {
            errors.push(self.problem(row, Field::Email, "this person is registered with another service: their training lead or an admin changes their record"));
            return None;
        }
        let patch = PractitionerPatch {
            full_name: cells.full_name,
            service_id: service,
            practitioner_role: cells.practitioner_role,
            stage: cells.stage,
            wte: cells.wte,
            roles: cells.roles,
            started_on: cells.started_on,
            esr_assignment_number: cells.esr,
            ..Default::default()
        };
        if let Err(AppError::Validation(found)) = validate(&patch) {
            errors.extend(found.into_iter().map(|e| self.field_problem(row, e)));
            return None;
        }
        let mut after = person.0.clone();
        let touches = match rules::apply_patch(&mut after, patch, self.at) {
            Ok(t) => t,
            Err(AppError::Validation(found)) => {
                errors.extend(found.into_iter().map(|e| self.field_problem(row, e)));
                return None;
            }
            Err(other) => {
                errors.push(self.problem(row, Field::Email, other.to_string()));
                return None;
            }
        };
        let roles = crate::auth::policy::roles_from_text(&after.roles);
        let clinical = rules::clinical_fields(
            after.practitioner_role.is_some(),
            after.stage.is_some(),
            after.wte.is_some(),
            &roles,
        );
        if !clinical.is_empty() {
            errors.extend(clinical.into_iter().map(|e| self.field_problem(row, e)));
            return None;
        }
        if touches.admin_role && !may_import_roles(self.importer, &[Role::Admin]) {
            errors.push(self.problem(
                row,
                Field::Roles,
                "only an admin gives or takes away the admin role",
            ));
            return None;
        }
        if touches.staff_fields {
            Some(Plan::Update {
                before: Box::new(person.clone()),
                after: Box::new(after),
            })
        } else {
            Some(Plan::Unchanged)
        }
    }
}
