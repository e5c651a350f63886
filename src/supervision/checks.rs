//! Reading a log list's filter and a bulk sign-off's ids: every value checked before any query.

use super::model::{BulkSignOff, LogFilter, LogQuery, Rejection};
use super::rules::LogStatus;
use crate::error::{validate, AppError};
use crate::http::parse_id;

/// The filter a log list asks for, checked.
pub fn log_filter(q: LogQuery) -> Result<LogFilter, AppError> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            LogStatus::parse(s).ok_or_else(|| {
                AppError::invalid("status", "must be submitted, signed_off or rejected")
            })
        })
        .transpose()?;
    Ok(LogFilter {
        supervisee_id: q.supervisee_id,
        supervisor_id: q.supervisor_id,
        status,
        from: q.from,
        to: q.to,
    })
}

/// The ids a bulk sign-off names, each once.
pub fn bulk_ids(input: &BulkSignOff) -> Result<Vec<String>, AppError> {
    validate(input)?;
    let mut ids = Vec::with_capacity(input.ids.len());
    for raw in &input.ids {
        let id = parse_id(raw)?;
        if ids.contains(&id) {
            return Err(AppError::invalid("ids", "names the same log twice"));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// A rejection's reason, trimmed: one of spaces alone says nothing.
pub fn rejection_reason(input: &Rejection) -> Result<String, AppError> {
    validate(input)?;
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid(
            "reason",
            "must say why, in 1 to 2000 characters",
        ));
    }
    Ok(reason.to_string())
}
