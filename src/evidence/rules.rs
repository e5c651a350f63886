//! Evidence-pack arithmetic that needs no database.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonthTotal {
    /// `YYYY-MM`.
    pub month: String,
    pub sessions: i64,
    pub minutes: i64,
    pub hours: f64,
}

/// Minutes as hours, to two places.
pub fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

/// Totals for every calendar month from `from`'s to `to`'s, including months with nothing.
pub fn monthly(
    from: NaiveDate,
    to: NaiveDate,
    sessions: impl Iterator<Item = (NaiveDate, i64)>,
) -> Vec<MonthTotal> {
    let first = |d: NaiveDate| NaiveDate::from_ymd_opt(d.year(), d.month(), 1);
    let (Some(start), Some(end)) = (first(from), first(to)) else {
        return Vec::new();
    };
    let mut months = Vec::new();
    let mut m = start;
    while m <= end {
        months.push(MonthTotal {
            month: format!("{:04}-{:02}", m.year(), m.month()),
            sessions: 0,
            minutes: 0,
            hours: 0.0,
        });
        match m.checked_add_months(Months::new(1)) {
            Some(next) => m = next,
            None => break,
        }
    }
    for (day, minutes) in sessions {
        let key = format!("{:04}-{:02}", day.year(), day.month());
        if let Some(t) = months.iter_mut().find(|t| t.month == key) {
            t.sessions += 1;
            t.minutes += minutes;
        }
    }
    for t in &mut months {
        t.hours = hours(t.minutes);
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_month_is_listed_and_empty_ones_show_as_breaks() {
        let m = monthly(
            d("2025-11-23"),
            d("2026-11-22"),
            [
                (d("2025-11-30"), 60),
                (d("2026-01-05"), 90),
                (d("2026-01-19"), 30),
                (d("2026-11-22"), 45),
            ]
            .into_iter(),
        );
        assert_eq!(m.len(), 13, "Nov 2025 to Nov 2026");
        assert_eq!(m[0].month, "2025-11");
        assert_eq!((m[0].sessions, m[0].minutes), (1, 60));
        assert_eq!(m[1].month, "2025-12");
        assert_eq!(m[1].sessions, 0);
        assert_eq!((m[2].sessions, m[2].minutes, m[2].hours), (2, 120, 2.0));
        assert_eq!((m[12].month.as_str(), m[12].minutes), ("2026-11", 45));
        assert_eq!(m[12].hours, 0.75);
    }
}
