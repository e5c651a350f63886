//! Onboarding a team from a staff list: a CSV file of people, checked row by row, then written
//! all or nothing in one transaction, idempotent by email (a row that matches a person's
//! record changes nothing; a changed row updates them). New people get an invitation queued in
//! the outbox, sent after the transaction commits. The API, the pages and `registry import`
//! all call [`import_practitioners`].

mod columns;
pub mod model;
mod plan;
mod queries;
pub mod routes;
mod sheet;
pub mod upload;
mod values;

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::auth::policy::{may_import, may_import_into, Importer};
use crate::db::DbConn;
use crate::error::AppError;
use crate::people::Inviting;
pub use model::*;
use plan::{Known, Plan, Planner};
pub use routes::routes;

/// The fields an import reads and the headers it knows each by, for documentation and pages.
pub fn understood_columns() -> Vec<(&'static str, &'static [&'static str])> {
    columns::FIELDS.iter().map(|f| (f.1, f.2)).collect()
}

/// The services an importer may send people to (id and name, by name): every one for an
/// admin, their own for a lead.
pub fn services_for(
    conn: &mut DbConn,
    importer: &Importer,
) -> Result<Vec<(String, String)>, AppError> {
    let mut all = queries::services(conn)?;
    all.retain(|(id, _)| may_import_into(importer, Some(id)));
    all.sort_by_key(|a| a.1.to_lowercase());
    Ok(all)
}

/// Checks a request before the file is read: whether the importer may import at all, and the
/// service it names for the whole file.
pub fn check_request(
    conn: &mut DbConn,
    importer: &Importer,
    options: &ImportOptions,
) -> Result<Option<String>, AppError> {
    if !may_import(importer) {
        return Err(AppError::needs(crate::auth::policy::SERVICE_MANAGERS));
    }
    match &options.service_id {
        Some(raw) => {
            let id = crate::http::parse_id(raw)
                .map_err(|_| AppError::invalid("service_id", "no such service"))?;
            if crate::services::find(conn, &id)?.is_none() {
                return Err(AppError::invalid("service_id", "no such service"));
            }
            if !may_import_into(importer, Some(&id)) {
                return Err(AppError::Forbidden(
                    "a training lead imports people into their own service only".into(),
                ));
            }
            Ok(Some(id))
        }
        None => Ok(importer.home_service().map(str::to_string)),
    }
}

/// Imports a staff list (or, with `options.dry_run`, only checks it). With any problem in the
/// file nothing is written and the report lists every problem. `progress` is told the rows
/// done and the rows in all, as the work goes (for a progress bar).
pub fn import_practitioners(
    conn: &mut DbConn,
    importer: &Importer,
    bytes: &[u8],
    options: &ImportOptions,
    inviting: &Inviting,
    at: NaiveDateTime,
    progress: &dyn Fn(usize, usize),
) -> Result<ImportReport, AppError> {
    let default_service = check_request(conn, importer, options)?;
    let mut report = ImportReport {
        dry_run: options.dry_run,
        ..Default::default()
    };
    let sheet = match sheet::read(bytes) {
        Ok(s) => s,
        Err(e) => {
            report.errors.push(e);
            return Ok(report);
        }
    };
    let columns = match columns::map(&sheet.headers, &options.mapping) {
        Ok(c) => c,
        Err(errors) => {
            report.errors = errors;
            return Ok(report);
        }
    };
    report.ignored_columns = columns.ignored.clone();
    let emails: Vec<String> = sheet
        .rows
        .iter()
        .filter_map(|r| r.cell(columns.of(columns::Field::Email)))
        .map(str::to_lowercase)
        .collect();
    let known = Known {
        services: queries::services(conn)?,
        roles: queries::practitioner_roles(conn)?,
        people: crate::people::queries::by_emails(conn, &emails)?
            .into_iter()
            .map(|p| (p.0.email.to_lowercase(), p))
            .collect(),
    };
    let mut planner = Planner {
        columns: &columns,
        known: &known,
        importer,
        default_service,
        at,
        seen: HashMap::new(),
    };
    let total = sheet.rows.len();
    let mut plans = Vec::with_capacity(total);
    for row in &sheet.rows {
        let (action, email) = match planner.plan(row) {
            Ok((plan, name)) => {
                let action = match &plan {
                    Plan::Create(_) => RowAction::Create,
                    Plan::Update { .. } => RowAction::Update,
                    Plan::Unchanged => RowAction::Unchanged,
                };
                plans.push(plan);
                (action, name)
            }
            Err(errors) => {
                report.errors.extend(errors);
                (RowAction::Error, String::new())
            }
        };
        report.rows.push(RowOutcome {
            row: row.number,
            email: row
                .cell(columns.of(columns::Field::Email))
                .unwrap_or_default()
                .to_string(),
            full_name: email,
            action,
        });
    }
    let count = |a: RowAction| report.rows.iter().filter(|r| r.action == a).count();
    if !report.errors.is_empty() {
        return Ok(report);
    }
    (report.created, report.updated, report.unchanged) = (
        count(RowAction::Create),
        count(RowAction::Update),
        count(RowAction::Unchanged),
    );
    if options.dry_run {
        return Ok(report);
    }
    write(conn, importer, plans, inviting, at, progress)?;
    crate::audit::Entry::new(
        importer.actor_id(),
        "import",
        &uuid::Uuid::now_v7().to_string(),
    )
    .in_service(planner.default_service.as_deref())
    .action(
        conn,
        "import",
        None,
        Some(serde_json::json!({
            "rows": total,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        })),
        at,
    )?;
    Ok(report)
}

/// Writes the plans, each audited: run only when every row passed. New people were checked
/// together (their emails looked up at once, duplicates in the file refused), so each is
/// inserted without another look-up, their invitations from senders read once a service, and
/// their creation audited in one call at the end.
fn write(
    conn: &mut DbConn,
    importer: &Importer,
    plans: Vec<Plan>,
    inviting: &Inviting,
    at: NaiveDateTime,
    progress: &dyn Fn(usize, usize),
) -> Result<(), AppError> {
    let total = plans.len();
    let modalities = crate::reports::queries::role_modalities(conn)?;
    let services: Vec<String> = plans
        .iter()
        .filter_map(|p| match p {
            Plan::Create(a) => a.service_id.clone(),
            _ => None,
        })
        .collect();
    let ids: Vec<&str> = services.iter().map(String::as_str).collect();
    let senders = crate::outbox::senders::senders(conn, &ids)?;
    let mut created = Vec::new();
    for (done, plan) in plans.into_iter().enumerate() {
        match plan {
            Plan::Create(account) => {
                let modality = account
                    .practitioner_role
                    .as_ref()
                    .and_then(|r| modalities.get(r).cloned());
                let person = crate::people::create_checked(conn, *account, modality, at)?;
                let from = person
                    .0
                    .service_id
                    .as_ref()
                    .and_then(|s| senders.get(s).cloned())
                    .unwrap_or_default();
                crate::people::queue_invitation_from(
                    conn,
                    &inviting.keys,
                    &person.0,
                    inviting.ttl_days,
                    at,
                    &from,
                )?;
                created.push(person);
            }
            Plan::Update { before, after } => {
                crate::people::write_change(conn, importer.actor_id(), &before, *after, at)?;
            }
            Plan::Unchanged => {}
        }
        if done % 100 == 99 || done + 1 == total {
            progress(done + 1, total);
        }
    }
    let snapshots = created
        .iter()
        .map(crate::people::audited)
        .collect::<Result<Vec<_>, AppError>>()?;
    let changes = created
        .iter()
        .zip(snapshots)
        .map(|(p, after)| crate::audit::Change {
            actor_id: importer.actor_id(),
            action: "create",
            entity_type: "practitioner",
            entity_id: &p.0.id,
            service_id: p.0.service_id.as_deref(),
            before: None,
            after,
        })
        .collect();
    crate::audit::record_all(conn, changes, at)
}
