//! HTTP tests of the whole app, each on a fresh database, on SQLite and on PostgreSQL.

mod support;

mod accreditation;
mod audit;
mod auth;
mod competences;
mod errors;
mod people;
mod reference;
mod reminders;
mod services;
mod supervision;
