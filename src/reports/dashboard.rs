//! A service's dashboard (`GET /reports/dashboard`, and the `/dashboard` page): supervision
//! compliance by type, credentials by month of expiry, the workforce, required training not
//! completed and competence reviews overdue. Every figure is a tally of what the reports of
//! each domain compute, read through their own use cases in a fixed number of queries whatever
//! the service's size (each reads the whole service in one query).

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::workforce::{Tally, WorkforceRow};
use super::{service_in_scope, workforce};
use crate::accreditation::rules::{credential_status, CredentialStatus};
use crate::auth::policy::PeopleScope;
use crate::db::DbConn;
use crate::error::AppError;
use crate::http::page::PageRequest;
use crate::supervision::rules::{ComplianceStatus, SupervisionType};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// For admins: one service (default: the whole registry). A training lead's is their own.
    pub service_id: Option<String>,
}

/// How many people are in each state for one required supervision type.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupervisionTally {
    pub supervision_type: SupervisionType,
    pub compliant: i64,
    pub due_soon: i64,
    pub overdue: i64,
    /// Would be overdue but on a leave of absence today.
    pub on_leave: i64,
}

/// Credentials checked and expiring in one calendar month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthCount {
    /// The month's first day.
    #[schema(value_type = String, format = Date)]
    pub month: NaiveDate,
    pub expiring: i64,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct CredentialTally {
    /// This month (from today) and the 11 after it.
    pub expiring_by_month: Vec<MonthCount>,
    pub expired: i64,
    pub pending_verification: i64,
    /// Checked and not expiring within the next 12 months.
    pub later: i64,
}

/// A required course and how many active people it applies to have not completed it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrainingGap {
    pub required_course_id: String,
    pub course_id: String,
    pub title: String,
    /// Null: everyone in the service.
    pub practitioner_role: Option<String>,
    pub service_id: String,
    pub lacking: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Dashboard {
    /// Null: the whole registry (admins).
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    /// Active practitioners counted.
    pub practitioners: i64,
    /// One entry per supervision type some rule requires of someone here.
    pub supervision: Vec<SupervisionTally>,
    pub credentials: CredentialTally,
    /// Headcount and WTE on `as_of` by role and stage, with starters and leavers in the 12
    /// months to it (as `GET /reports/workforce`).
    pub workforce: Vec<WorkforceRow>,
    pub workforce_totals: Tally,
    pub training: Vec<TrainingGap>,
    pub competence_reviews_overdue: i64,
}

/// Counts each person's status per supervision type, in the order of the types.
pub fn supervision_tally<'a>(
    items: impl IntoIterator<Item = &'a crate::supervision::ComplianceItem>,
) -> Vec<SupervisionTally> {
    let mut by_type: BTreeMap<usize, SupervisionTally> = BTreeMap::new();
    for item in items {
        let order = SupervisionType::ALL
            .iter()
            .position(|t| *t == item.supervision_type)
            .unwrap_or(usize::MAX);
        let t = by_type.entry(order).or_insert_with(|| SupervisionTally {
            supervision_type: item.supervision_type,
            compliant: 0,
            due_soon: 0,
            overdue: 0,
            on_leave: 0,
        });
        match item.status {
            ComplianceStatus::Compliant => t.compliant += 1,
            ComplianceStatus::DueSoon => t.due_soon += 1,
            ComplianceStatus::Overdue => t.overdue += 1,
            ComplianceStatus::OnLeave => t.on_leave += 1,
        }
    }
    by_type.into_values().collect()
}

/// Tallies credentials (expiry, checked) on `today`: expired, waiting for a check, and the
/// checked ones expiring in each of the 12 calendar months from this one.
pub fn credential_tally(facts: &[(NaiveDate, bool)], today: NaiveDate) -> CredentialTally {
    let first = today.with_day(1).unwrap_or(today);
    let months: Vec<NaiveDate> = (0..12)
        .filter_map(|n| first.checked_add_months(Months::new(n)))
        .collect();
    let end = first.checked_add_months(Months::new(12));
    let mut out = CredentialTally {
        expiring_by_month: months
            .iter()
            .map(|m| MonthCount {
                month: *m,
                expiring: 0,
            })
            .collect(),
        ..CredentialTally::default()
    };
    for (expires, checked) in facts {
        match credential_status(*checked, *expires, today) {
            CredentialStatus::PendingVerification => out.pending_verification += 1,
            CredentialStatus::Expired | CredentialStatus::Lapsed => out.expired += 1,
            CredentialStatus::Active | CredentialStatus::Expiring => {
                if end.is_some_and(|e| *expires >= e) {
                    out.later += 1;
                } else if let Some(slot) = out
                    .expiring_by_month
                    .iter_mut()
                    .rev()
                    .find(|m| m.month <= *expires)
                {
                    slot.expiring += 1;
                }
            }
        }
    }
    out
}

/// The dashboard of the service in the caller's scope (a lead's own; for an admin the one
/// asked for, or the whole registry).
pub fn service_dashboard(
    conn: &mut DbConn,
    scope: PeopleScope,
    q: DashboardQuery,
    at: NaiveDateTime,
) -> Result<Dashboard, AppError> {
    let today = at.date();
    let service = service_in_scope(scope.clone(), q.service_id)?;
    let service_name = match &service {
        Some(id) => Some(
            crate::db::names::services(conn, &[id.as_str()])?
                .remove(id)
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let everyone = PageRequest::everything();
    let subjects = crate::supervision::queries::report_subjects(
        conn,
        &scope,
        service.as_deref(),
        None,
        &everyone,
    )?;
    let compliance = crate::supervision::compliance::statuses(conn, &subjects, today)?;
    let supervision = supervision_tally(compliance.values().flatten());
    let facts = crate::accreditation::credentials::queries::expiry_facts(conn, service.as_deref())?;
    let credentials = credential_tally(&facts, today);
    let census = workforce::census(conn, service.as_deref(), today)?;
    let training = crate::accreditation::required::lacking_counts(conn, service.as_deref())?
        .into_iter()
        .map(|(r, title, lacking)| TrainingGap {
            required_course_id: r.id,
            course_id: r.course_id,
            title,
            practitioner_role: r.practitioner_role,
            service_id: r.service_id,
            lacking: lacking as i64,
        })
        .collect();
    let reviews = crate::competences::report_page(
        conn,
        &scope,
        &crate::competences::CompetenceReportQuery {
            service_id: service.clone(),
            framework_id: None,
            state: Some("review_overdue".into()),
            limit: None,
            cursor: None,
        },
        &everyone,
        at,
    )?
    .0;
    Ok(Dashboard {
        service_id: service,
        service_name,
        as_of: today,
        practitioners: subjects.len() as i64,
        supervision,
        credentials,
        workforce: census.items,
        workforce_totals: census.totals,
        training,
        competence_reviews_overdue: reviews.len() as i64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("a date")
    }

    #[test]
    fn credentials_fall_in_the_month_they_expire() {
        let today = d("2026-12-04");
        let facts = [
            (d("2026-12-03"), true),  // expired yesterday
            (d("2026-12-04"), true),  // expires today: this month
            (d("2026-12-31"), true),  // this month
            (d("2027-01-01"), true),  // next month
            (d("2027-11-30"), true),  // the twelfth month
            (d("2027-12-01"), true),  // after the twelve months
            (d("2025-01-01"), false), // never checked: pending, whatever its date
        ];
        let t = credential_tally(&facts, today);
        let counts: Vec<i64> = t.expiring_by_month.iter().map(|m| m.expiring).collect();
        assert_eq!(counts, vec![2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(t.expiring_by_month[0].month, d("2026-12-01"));
        assert_eq!(t.expiring_by_month[11].month, d("2027-11-01"));
        assert_eq!((t.expired, t.pending_verification, t.later), (1, 1, 1));
    }
}
