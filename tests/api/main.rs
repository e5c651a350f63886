//! HTTP tests of the whole app, each on a fresh database, on SQLite and on PostgreSQL.

mod support;

mod accreditation;
mod attacks;
mod audit;
mod auth;
mod calendar;
mod competences;
mod dashboard;
mod errors;
mod evidence;
mod external;
mod house;
mod import_pages;
mod imports;
mod obligations;
mod openapi;
mod operations;
mod pages;
mod passwords;
mod people;
mod people_pages;
mod reference;
mod reminders;
mod reports;
mod services;
mod shape;
mod supervision;
mod verification_pages;
