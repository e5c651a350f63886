//! `GET /reports/supervision-compliance`: one row per practitioner and supervision rule, JSON
//! (paged by practitioner) or CSV (every row), computed with a fixed number of queries per page.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::ComplianceItem;
use super::rules::ComplianceStatus;
use crate::auth::policy::PeopleScope;
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;
use crate::http::report::{Batch, CsvRecord};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    pub service_id: Option<String>,
    pub practitioner_role: Option<String>,
    /// `compliant`, `due_soon` or `overdue`.
    pub status: Option<String>,
    /// Practitioners per page (1 to 500, default 50); CSV answers every row.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ComplianceRow)]
pub struct ReportRow {
    pub practitioner_id: String,
    pub full_name: String,
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    pub practitioner_role: Option<String>,
    pub stage: Option<String>,
    pub wte: Option<f64>,
    #[serde(flatten)]
    pub item: ComplianceItem,
    /// The person's live assessments against their body's rule (the same on each of their
    /// rows); null where no rule covers their role.
    pub live_assessment: Option<super::live::LiveAssessmentCompliance>,
}

/// The report's `status` filter.
pub fn report_status(raw: Option<&str>) -> Result<Option<ComplianceStatus>, AppError> {
    raw.map(|s| {
        ComplianceStatus::parse(s).ok_or_else(|| {
            AppError::invalid("status", "must be compliant, due_soon, overdue or on_leave")
        })
    })
    .transpose()
}

pub fn report_page(
    conn: &mut DbConn,
    scope: &PeopleScope,
    q: &ReportQuery,
    page: &PageRequest,
    today: NaiveDate,
) -> Result<Batch<ReportRow>, AppError> {
    let (people, next) = page.split(
        super::queries::report_subjects(
            conn,
            scope,
            q.service_id.as_deref(),
            q.practitioner_role.as_deref(),
            page,
        )?,
        |p| &p.id,
    );
    let mut by_person = super::compliance(conn, &people, today)?;
    let live = super::live::of_subjects(conn, &people, today)?;
    let wanted = report_status(q.status.as_deref())?;
    let services: Vec<&str> = people
        .iter()
        .filter_map(|p| p.service_id.as_deref())
        .collect();
    let service_names = crate::db::names::services(conn, &services)?;
    let mut out = Vec::new();
    for p in &people {
        for item in by_person.remove(&p.id).unwrap_or_default() {
            if wanted.is_some_and(|w| w != item.status) {
                continue;
            }
            out.push(ReportRow {
                practitioner_id: p.id.clone(),
                full_name: p.full_name.clone(),
                service_id: p.service_id.clone(),
                service_name: p
                    .service_id
                    .as_ref()
                    .and_then(|s| service_names.get(s).cloned()),
                practitioner_role: p.practitioner_role.clone(),
                stage: p.stage.clone(),
                wte: p.wte,
                item,
                live_assessment: live.get(&p.id).map(|(c, _, _)| c.clone()),
            });
        }
    }
    Ok((out, next))
}

impl CsvRecord for ReportRow {
    const FILE: &'static str = "supervision-compliance.csv";
    const HEADER: &'static [&'static str] = &[
        "practitioner_id",
        "full_name",
        "service_id",
        "service_name",
        "practitioner_role",
        "stage",
        "wte",
        "supervision_type",
        "required_minutes",
        "achieved_minutes",
        "unsigned_minutes",
        "window_days",
        "last_held_on",
        "next_due_on",
        "status",
        "held_minutes",
        "group_counting",
        "live_assessments_required",
        "live_assessments_achieved",
        "live_assessment_interventions",
        "live_assessment_next_due_on",
        "live_assessment_status",
    ];

    fn cells(&self) -> Vec<String> {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            self.practitioner_id.clone(),
            self.full_name.clone(),
            opt(&self.service_id),
            opt(&self.service_name),
            opt(&self.practitioner_role),
            opt(&self.stage),
            self.wte.map(|w| w.to_string()).unwrap_or_default(),
            self.item.supervision_type.as_str().to_string(),
            self.item.required_minutes.to_string(),
            self.item.achieved_minutes.to_string(),
            self.item.unsigned_minutes.to_string(),
            self.item.window_days.to_string(),
            self.item
                .last_held_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            self.item.next_due_on.to_string(),
            self.item.status.as_str().to_string(),
            self.item.held_minutes.to_string(),
            self.item.group_counting.as_str().to_string(),
        ]
        .into_iter()
        .chain(match &self.live_assessment {
            Some(l) => vec![
                l.required.to_string(),
                l.achieved.to_string(),
                l.distinct_interventions.to_string(),
                l.next_due_on.to_string(),
                l.status.as_str().to_string(),
            ],
            None => vec![String::new(); 5],
        })
        .collect()
    }
}
