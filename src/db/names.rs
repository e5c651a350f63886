//! Names beside ids: people's and services' names for lists, reports and CSVs, one query a
//! few thousand ids. Every domain shows them, so they sit on the ground floor.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{services, users};
use super::DbConn;
use crate::error::AppError;

/// SQLite allows at most 32,766 bound values in one statement.
const CHUNK: usize = 5000;

/// Each id once (a list of many people of one service names it many times).
fn distinct<'a>(ids: &[&'a str]) -> Vec<&'a str> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// People's names by id.
pub fn people(conn: &mut DbConn, ids: &[&str]) -> Result<HashMap<String, String>, AppError> {
    let mut out = HashMap::new();
    for chunk in distinct(ids).chunks(CHUNK) {
        out.extend(
            users::table
                .filter(users::id.eq_any(chunk))
                .select((users::id, users::full_name))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(out)
}

/// Services' names by id.
pub fn services(conn: &mut DbConn, ids: &[&str]) -> Result<HashMap<String, String>, AppError> {
    let mut out = HashMap::new();
    for chunk in distinct(ids).chunks(CHUNK) {
        out.extend(
            services::table
                .filter(services::id.eq_any(chunk))
                .select((services::id, services::name))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(out)
}
