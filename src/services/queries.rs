//! Service queries: diesel only.

use diesel::prelude::*;

use super::Service;
use crate::db::schema::services;
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<Service>, AppError> {
    Ok(services::table
        .find(id)
        .select(Service::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn, page: &PageRequest) -> Result<Vec<Service>, AppError> {
    let mut q = services::table.select(Service::as_select()).into_boxed();
    if let Some(after) = &page.after {
        q = q.filter(services::id.gt(after.clone()));
    }
    Ok(q.order(services::id.asc()).limit(page.fetch()).load(conn)?)
}

pub fn insert(conn: &mut DbConn, s: &Service) -> Result<(), AppError> {
    diesel::insert_into(services::table)
        .values(s)
        .execute(conn)?;
    Ok(())
}

pub fn update(conn: &mut DbConn, s: &Service) -> Result<(), AppError> {
    diesel::update(services::table.find(&s.id))
        .set(s)
        .execute(conn)?;
    Ok(())
}
