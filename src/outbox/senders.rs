//! Who an email is from, as the recipient sees it: their service's name, and whom to write to
//! (the service's contact address, else its training leads). Two queries for any number of
//! services.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::auth::roles::{holders_of, Role};
use crate::db::schema::{services, users};
use crate::db::DbConn;
use crate::error::AppError;
use crate::mail::{Contact, ContactPerson, Sender};

/// SQLite allows at most 32,766 bound values in one statement.
const CHUNK: usize = 5000;

/// The sender of each service's mail, by service id.
pub fn senders(conn: &mut DbConn, ids: &[&str]) -> Result<HashMap<String, Sender>, AppError> {
    let mut ids: Vec<&str> = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut named: Vec<(String, String, Option<String>)> = Vec::new();
    let mut leads: HashMap<String, Vec<ContactPerson>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        named.extend(
            services::table
                .filter(services::id.eq_any(chunk))
                .select((services::id, services::name, services::contact_email))
                .load::<(String, String, Option<String>)>(conn)?,
        );
        let rows: Vec<(String, String, String)> = users::table
            .filter(users::active.eq(true))
            .filter(users::service_id.eq_any(chunk))
            .filter(users::id.eq_any(holders_of(Role::TrainingLead)))
            .select((
                users::service_id.assume_not_null(),
                users::full_name,
                users::email,
            ))
            .order((users::full_name.asc(), users::id.asc()))
            .load(conn)?;
        for (service, name, email) in rows {
            leads.entry(service).or_default().push(ContactPerson {
                name: Some(name),
                email,
            });
        }
    }
    Ok(named
        .into_iter()
        .map(|(id, name, mailbox)| {
            let contact = match mailbox {
                Some(m) => Some(Contact::mailbox(&m)),
                None => leads.remove(&id).map(Contact::leads),
            };
            (
                id,
                Sender {
                    service: Some(name),
                    contact,
                },
            )
        })
        .collect())
}

/// The sender of one service's mail (none for a person without a service).
pub fn sender(conn: &mut DbConn, service: Option<&str>) -> Result<Sender, AppError> {
    let Some(service) = service else {
        return Ok(Sender::default());
    };
    Ok(senders(conn, &[service])?
        .remove(service)
        .unwrap_or_default())
}
