//! What an import answers: how many people it created, updated and left unchanged, and every
//! problem in the file, each with its row (as a spreadsheet numbers it: the header is row 1)
//! and column (as the file names it).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// One problem in a file.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct RowError {
    /// The row as a spreadsheet numbers it (the header row is 1); null for the whole file.
    pub row: Option<usize>,
    /// The column's header as the file gives it; null when the problem is not one cell's.
    pub column: Option<String>,
    /// The registry's field the column gives (`email`, `full_name`, ...), or `file`.
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn file(field: &str, message: impl Into<String>) -> RowError {
        RowError {
            row: None,
            column: None,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The outcome of an import or of its dry run.
#[derive(Debug, Clone, Serialize, ToSchema, Default)]
pub struct ImportReport {
    /// True when nothing was written (asked for, or because of the errors).
    pub dry_run: bool,
    /// People created (or, on a dry run, who would be); 0 when the import failed.
    pub created: usize,
    /// People whose record changed (or would).
    pub updated: usize,
    /// Rows that match a person's record as it is.
    pub unchanged: usize,
    /// Every problem found; an import with any writes nothing.
    pub errors: Vec<RowError>,
    /// Columns of the file the registry does not read (kept out of the import).
    pub ignored_columns: Vec<String>,
    /// One line a row, in the file's order: what happens to it.
    pub rows: Vec<RowOutcome>,
}

/// What happens to one row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowOutcome {
    pub row: usize,
    pub email: String,
    pub full_name: String,
    /// `create`, `update`, `unchanged` or `error`.
    pub action: RowAction,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    Create,
    Update,
    Unchanged,
    Error,
}

/// The query of `POST /imports/practitioners`.
#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check every row and answer the report; write nothing.
    pub dry_run: Option<bool>,
    /// The service for rows that name none (a training lead's own by default).
    pub service_id: Option<String>,
    /// For files whose headers differ: a JSON object from the registry's field to the file's
    /// header, e.g. `{"email": "Work Email", "full_name": "Employee Name"}`.
    pub mapping: Option<String>,
}

/// How a file is read: the service for rows without one, and any column mapping.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub dry_run: bool,
    pub service_id: Option<String>,
    /// Registry field to the file's header.
    pub mapping: Vec<(String, String)>,
}
