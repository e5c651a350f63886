//! The outbox list's and preferences' queries: diesel only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::Notification;
use crate::auth::policy::PeopleScope;
use crate::db::schema::{deliveries, notification_preferences, notifications, users};
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;
use crate::outbox::DeliveryStatus;

/// One page (`page.fetch()` rows) of notifications with their deliveries, newest first.
pub fn notifications(
    conn: &mut DbConn,
    scope: &PeopleScope,
    status: Option<DeliveryStatus>,
    recipient: Option<&str>,
    page: &PageRequest,
) -> Result<Vec<Notification>, AppError> {
    let mut s = notifications::table
        .left_join(deliveries::table)
        .inner_join(users::table.on(notifications::recipient_id.eq(users::id)))
        .select((
            notifications::id,
            notifications::recipient_id,
            notifications::kind,
            notifications::urgent,
            notifications::subject_id,
            notifications::summary,
            notifications::due_on,
            notifications::created_at,
            notifications::delivery_id,
            deliveries::status.nullable(),
            deliveries::attempts.nullable(),
            deliveries::last_error.nullable(),
        ))
        .into_boxed();
    if let PeopleScope::Service(id) = scope {
        s = s.filter(users::service_id.eq(id.clone()));
    }
    if let Some(v) = status {
        s = s.filter(deliveries::status.eq(v));
    }
    if let Some(v) = recipient {
        s = s.filter(notifications::recipient_id.eq(v.to_string()));
    }
    if let Some(after) = &page.after {
        s = s.filter(notifications::id.lt(after.clone()));
    }
    Ok(s.order(notifications::id.desc())
        .limit(page.fetch())
        .load(conn)?)
}

/// The kinds a person turned off, as stored (comma-separated); `None` when never set.
pub fn disabled_kinds(conn: &mut DbConn, user_id: &str) -> Result<Option<String>, AppError> {
    Ok(notification_preferences::table
        .find(user_id)
        .select(notification_preferences::disabled_kinds)
        .first(conn)
        .optional()?)
}

pub fn put_disabled_kinds(
    conn: &mut DbConn,
    user_id: &str,
    text: &str,
    exists: bool,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    if exists {
        diesel::update(notification_preferences::table.find(user_id))
            .set((
                notification_preferences::disabled_kinds.eq(text),
                notification_preferences::updated_at.eq(at),
            ))
            .execute(conn)?;
    } else {
        diesel::insert_into(notification_preferences::table)
            .values((
                notification_preferences::user_id.eq(user_id),
                notification_preferences::disabled_kinds.eq(text),
                notification_preferences::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
