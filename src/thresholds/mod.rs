//! Reminder thresholds as data: each a number of days with its source or "local choice",
//! read by the reminder scan and the rules, edited by an admin (validated, audited).

pub mod routes;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::audit;
use crate::auth::policy::{is_admin, Caller};
use crate::db::schema::reminder_thresholds;
use crate::db::DbConn;
use crate::error::{validate, AppError};
pub use routes::routes;

crate::db_enum! {
    /// The thresholds there are.
    pub enum Threshold("reminder threshold") {
        /// Days overdue after which supervisors and the lead are told too.
        EscalateAfterDays => "escalate_after_days",
        /// Days a log waits for sign-off before its supervisor is reminded.
        SignOffWaitDays => "sign_off_wait_days",
        /// Days before a course's accreditation ends that it is announced.
        CourseNoticeDays => "course_notice_days",
        /// Days before a renewal that CPD short of its rule is announced.
        CpdNoticeDays => "cpd_notice_days",
        /// Days before a live assessment falls due that it is `due_soon`.
        LiveAssessmentNoticeDays => "live_assessment_notice_days",
        /// Days before an anniversary from which a declaration counts for it.
        DeclarationOpensDays => "declaration_opens_days",
    }
}

impl Threshold {
    /// The days an admin may set.
    fn range(self) -> (i32, i32) {
        match self {
            Threshold::EscalateAfterDays | Threshold::SignOffWaitDays => (1, 90),
            Threshold::CourseNoticeDays | Threshold::CpdNoticeDays => (1, 365),
            Threshold::LiveAssessmentNoticeDays => (0, 180),
            Threshold::DeclarationOpensDays => (1, 180),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = reminder_thresholds)]
pub struct ThresholdRow {
    pub key: Threshold,
    pub days: i32,
    /// Where the figure comes from, or "local choice".
    pub source: String,
    #[serde(serialize_with = "crate::app::instant::serialize")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Thresholds {
    pub items: Vec<ThresholdRow>,
}

impl Thresholds {
    /// One threshold's days. Every key is seeded by the migration and none can be deleted,
    /// so a missing one is a broken database, said as such.
    pub fn days(&self, key: Threshold) -> Result<i64, AppError> {
        self.items
            .iter()
            .find(|t| t.key == key)
            .map(|t| i64::from(t.days))
            .ok_or_else(|| {
                AppError::Internal(format!(
                    "the reminder threshold {} is missing",
                    key.as_str()
                ))
            })
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdPatch {
    pub days: i32,
    /// Where the figure comes from, or "local choice".
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub source: String,
}

/// Every threshold (one query).
pub fn all(conn: &mut DbConn) -> Result<Thresholds, AppError> {
    Ok(Thresholds {
        items: reminder_thresholds::table
            .order(reminder_thresholds::key.asc())
            .select(ThresholdRow::as_select())
            .load(conn)?,
    })
}

/// An admin sets one threshold, with its source.
pub fn set(
    conn: &mut DbConn,
    caller: &Caller,
    key: &str,
    patch: ThresholdPatch,
    at: NaiveDateTime,
) -> Result<ThresholdRow, AppError> {
    let key = Threshold::parse(key).ok_or(AppError::NotFound)?;
    if !is_admin(caller) {
        return Err(AppError::Forbidden("thresholds are set by an admin".into()));
    }
    let (lo, hi) = key.range();
    let mut errors = match validate(&patch) {
        Err(AppError::Validation(e)) => e,
        Err(other) => return Err(other),
        Ok(()) => Vec::new(),
    };
    if !(lo..=hi).contains(&patch.days) {
        errors.insert(
            0,
            crate::error::FieldError::new("days", format!("must be {lo} to {hi} days")),
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let before = reminder_thresholds::table
        .find(key)
        .select(ThresholdRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    diesel::update(reminder_thresholds::table.find(key))
        .set((
            reminder_thresholds::days.eq(patch.days),
            reminder_thresholds::source.eq(patch.source.trim()),
            reminder_thresholds::updated_at.eq(at),
        ))
        .execute(conn)?;
    let after = ThresholdRow {
        days: patch.days,
        source: patch.source.trim().to_string(),
        updated_at: at,
        ..before.clone()
    };
    audit::of(&caller.id, "reminder_threshold", key.as_str()).updated(conn, &before, &after, at)?;
    Ok(after)
}
