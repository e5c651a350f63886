//! `GET /reports/workforce`: the shape of the national workforce census. Counts and summed WTE
//! in post by service, practitioner role (and so modality) and stage, with the starters, leavers
//! and turnover of a period.

use std::collections::BTreeMap;

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::queries::{in_batches, role_modalities, service_names, BATCH};
use super::{service_in_scope, PostRow};
use crate::auth::policy::PeopleScope;
use crate::error::AppError;
use crate::http::report::CsvRecord;

/// Whether a person was in post on `day`: started by then, and not yet left (`left_on` is their
/// last day). Someone deactivated with no leaving date recorded is taken as gone.
pub fn in_post(p: &PostRow, day: NaiveDate) -> bool {
    p.started_on.is_none_or(|s| s <= day)
        && match p.left_on {
            Some(last) => last >= day,
            None => p.active,
        }
}

/// One group's tallies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Tally {
    /// In post on the last day of the period.
    pub headcount: i64,
    /// Their summed whole-time equivalent.
    pub wte: f64,
    /// In post on the first day of the period.
    pub headcount_at_start: i64,
    /// Started in post within the period.
    pub starters: i64,
    /// Left within the period (last day in post inside it).
    pub leavers: i64,
    /// Leavers as a percentage of the average headcount (start and end); null when that is 0.
    pub turnover_percent: Option<f64>,
}

impl Tally {
    pub fn add(&mut self, p: &PostRow, from: NaiveDate, to: NaiveDate) {
        if in_post(p, to) {
            self.headcount += 1;
            self.wte += p.wte.unwrap_or(0.0);
        }
        if in_post(p, from) {
            self.headcount_at_start += 1;
        }
        if p.started_on.is_some_and(|s| s >= from && s <= to) {
            self.starters += 1;
        }
        if p.left_on.is_some_and(|l| l >= from && l <= to) {
            self.leavers += 1;
        }
    }

    /// Rounds WTE and works out turnover once every person is counted.
    pub fn finish(mut self) -> Tally {
        self.wte = (self.wte * 100.0).round() / 100.0;
        let average = (self.headcount + self.headcount_at_start) as f64 / 2.0;
        self.turnover_percent =
            (average > 0.0).then(|| (self.leavers as f64 / average * 1000.0).round() / 10.0);
        self
    }

    /// Counts nobody: left before the period or started after it.
    fn is_empty(&self) -> bool {
        self.headcount == 0
            && self.headcount_at_start == 0
            && self.starters == 0
            && self.leavers == 0
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkforceQuery {
    pub service_id: Option<String>,
    /// First day of the period (default: 12 months before `to`, the day after).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<NaiveDate>,
    /// Last day of the period, and the day headcount and WTE are taken (default today).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkforceRow {
    pub service_id: Option<String>,
    pub service_name: Option<String>,
    pub practitioner_role: String,
    pub modality: Option<String>,
    /// `trainee` or `qualified`.
    pub stage: Option<String>,
    #[serde(flatten)]
    pub tally: Tally,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Period {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkforceReport {
    /// One row per service, role and stage with anyone in it during the period.
    pub items: Vec<WorkforceRow>,
    /// Always null: the rows are aggregates, one page long.
    pub next_cursor: Option<String>,
    pub period: Period,
    /// Across every row.
    pub totals: Tally,
    /// The day headcount and WTE are taken (the period's last day).
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
}

/// The period asked for: `to` defaults to today, `from` to 12 months before it.
pub fn period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), AppError> {
    let to = to.unwrap_or(today);
    let from = match from {
        Some(f) => f,
        None => to
            .checked_sub_months(Months::new(12))
            .and_then(|d| d.checked_add_days(Days::new(1)))
            .ok_or_else(|| AppError::invalid("to", "is out of range"))?,
    };
    if from > to {
        return Err(AppError::invalid("from", "must not be after to"));
    }
    Ok((from, to))
}

type Key = (Option<String>, String, Option<String>);

fn build(
    conn: &mut crate::db::DbConn,
    service: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    batch: i64,
) -> Result<WorkforceReport, AppError> {
    let names = service_names(conn)?;
    let modalities = role_modalities(conn)?;
    let mut groups: BTreeMap<Key, Tally> = BTreeMap::new();
    in_batches(conn, service, (from, to), batch, |p| {
        let key = (
            p.service_id.clone(),
            p.practitioner_role.clone().unwrap_or_default(),
            p.stage.clone(),
        );
        groups.entry(key).or_default().add(p, from, to);
    })?;
    // Someone deactivated with no leaving date is read but counts nowhere.
    groups.retain(|_, t| !t.is_empty());
    let totals = groups.values().fold(Tally::default(), |mut sum, t| {
        sum.headcount += t.headcount;
        sum.wte += t.wte;
        sum.headcount_at_start += t.headcount_at_start;
        sum.starters += t.starters;
        sum.leavers += t.leavers;
        sum
    });
    let mut items: Vec<WorkforceRow> = groups
        .into_iter()
        .map(|((service_id, role, stage), tally)| WorkforceRow {
            service_name: service_id.as_ref().and_then(|s| names.get(s).cloned()),
            modality: modalities.get(&role).cloned(),
            service_id,
            practitioner_role: role,
            stage,
            tally: tally.finish(),
        })
        .collect();
    items.sort_by(|a, b| {
        (
            &a.service_name,
            &a.service_id,
            &a.practitioner_role,
            &a.stage,
        )
            .cmp(&(
                &b.service_name,
                &b.service_id,
                &b.practitioner_role,
                &b.stage,
            ))
    });
    Ok(WorkforceReport {
        items,
        next_cursor: None,
        period: Period { from, to },
        totals: totals.finish(),
        as_of: to,
    })
}

/// One workforce row as a CSV record, with the report's period.
pub struct WorkforceLine<'a> {
    pub row: &'a WorkforceRow,
    pub period: &'a str,
}

impl CsvRecord for WorkforceLine<'_> {
    const FILE: &'static str = "workforce.csv";
    const HEADER: &'static [&'static str] = &[
        "service_id",
        "service_name",
        "practitioner_role",
        "modality",
        "stage",
        "headcount",
        "wte",
        "headcount_at_start",
        "starters",
        "leavers",
        "turnover_percent",
        "period",
    ];

    fn cells(&self) -> Vec<String> {
        let (r, t) = (self.row, &self.row.tally);
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        vec![
            o(&r.service_id),
            o(&r.service_name),
            r.practitioner_role.clone(),
            o(&r.modality),
            o(&r.stage),
            t.headcount.to_string(),
            t.wte.to_string(),
            t.headcount_at_start.to_string(),
            t.starters.to_string(),
            t.leavers.to_string(),
            t.turnover_percent
                .map(|v| v.to_string())
                .unwrap_or_default(),
            self.period.to_string(),
        ]
    }
}

/// The workforce report a caller asks for: the period checked, the service in their scope.
pub fn workforce_report(
    conn: &mut crate::db::DbConn,
    scope: PeopleScope,
    q: WorkforceQuery,
    at: chrono::NaiveDateTime,
) -> Result<WorkforceReport, AppError> {
    let (from, to) = period(q.from, q.to, at.date())?;
    let service = service_in_scope(scope, q.service_id)?;
    build(conn, service.as_deref(), from, to, BATCH)
}

/// The workforce of one service (`None`: every service) in the 12 months to `today`, read in
/// one query: the dashboard's, in a fixed number of queries whatever the service's size.
pub fn census(
    conn: &mut crate::db::DbConn,
    service: Option<&str>,
    today: NaiveDate,
) -> Result<WorkforceReport, AppError> {
    let (from, to) = period(None, None, today)?;
    build(conn, service, from, to, i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn post(started: &str, left: Option<&str>, wte: f64) -> PostRow {
        PostRow {
            id: "p".into(),
            service_id: None,
            practitioner_role: Some("pwp".into()),
            stage: Some("qualified".into()),
            wte: Some(wte),
            started_on: Some(d(started)),
            left_on: left.map(d),
            active: left.is_none(),
            ethnicity: None,
            languages: "[]".into(),
            specialist_interests: "[]".into(),
        }
    }

    #[test]
    fn the_last_day_in_post_still_counts() {
        let p = post("2025-01-01", Some("2026-03-31"), 1.0);
        assert!(in_post(&p, d("2026-03-31")));
        assert!(!in_post(&p, d("2026-04-01")));
        assert!(!in_post(&p, d("2024-12-31")), "not yet started");
    }

    #[test]
    fn starters_leavers_and_turnover_over_a_year() {
        let (from, to) = (d("2025-11-23"), d("2026-11-22"));
        let people = [
            post("2020-01-01", None, 1.0),               // stays
            post("2020-01-01", None, 0.6),               // stays, part time
            post("2020-01-01", Some("2026-06-30"), 1.0), // leaves
            post("2026-02-01", None, 0.5),               // starts
            post("2026-02-01", Some("2026-08-31"), 1.0), // starts and leaves
            post("2019-01-01", Some("2025-01-31"), 1.0), // gone before the period
        ];
        let mut t = Tally::default();
        for p in &people {
            t.add(p, from, to);
        }
        let t = t.finish();
        assert_eq!(t.headcount, 3);
        assert_eq!(t.wte, 2.1);
        assert_eq!(t.headcount_at_start, 3);
        assert_eq!(t.starters, 2);
        assert_eq!(t.leavers, 2);
        // 2 leavers over an average headcount of 3: 66.7%.
        assert_eq!(t.turnover_percent, Some(66.7));
    }

    #[test]
    fn the_default_period_is_the_twelve_months_to_today() {
        let (from, to) = period(None, None, d("2026-11-22")).unwrap();
        assert_eq!((from, to), (d("2025-11-23"), d("2026-11-22")));
        assert!(period(
            Some(d("2026-12-01")),
            Some(d("2026-11-01")),
            d("2026-11-22")
        )
        .is_err());
    }
}
