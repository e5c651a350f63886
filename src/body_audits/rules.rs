//! What a body's audit asks for that the records lack, as a plain function of the records and
//! the request, with the day passed in.
//!
//! Definitions (the unit tests follow them):
//! - the audit covers the `period_months` calendar months before the month of `requested_on`;
//! - a month of it with no session that was not rejected is a break the body asks about;
//! - sessions in the period not yet countersigned are named (the logbook is countersigned);
//! - BABCP asks for a report from the previous supervisor as well when the current one (the
//!   supervisor of the latest session in the period) has supervised for under 6 months before
//!   the request;
//! - each CPD activity in the period without a reflective statement is named.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::dates::uk_date;

/// One thing the body asks for that is missing.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Missing {
    /// `supervision_gap`, `unsigned_logs`, `previous_supervisor_report` or `cpd_reflection`.
    pub code: &'static str,
    pub message: String,
}

/// A session as the audit reads it.
#[derive(Debug, Clone)]
pub struct SessionFact {
    pub held_on: NaiveDate,
    pub supervisor_id: String,
    pub countersigned: bool,
    pub rejected: bool,
}

/// A CPD activity as the audit reads it.
#[derive(Debug, Clone)]
pub struct CpdFact {
    pub title: String,
    pub held_on: NaiveDate,
    pub reflected: bool,
}

/// The first day of the period an audit requested on `requested_on` covers.
pub fn period_from(requested_on: NaiveDate, months: i32) -> NaiveDate {
    let first = requested_on.with_day(1).unwrap_or(requested_on);
    first
        .checked_sub_months(Months::new(months.max(0) as u32))
        .unwrap_or(first)
}

/// What is missing. `first_with`: the day of the first session ever with each supervisor.
pub fn missing(
    body: &str,
    requested_on: NaiveDate,
    period_months: i32,
    sessions: &[SessionFact],
    first_with: &dyn Fn(&str) -> Option<NaiveDate>,
    cpd: &[CpdFact],
) -> Vec<Missing> {
    let from = period_from(requested_on, period_months);
    let to = requested_on.with_day(1).unwrap_or(requested_on);
    let in_period = |d: NaiveDate| d >= from && d < to;
    let mut out = Vec::new();
    let held: Vec<&SessionFact> = sessions
        .iter()
        .filter(|s| !s.rejected && in_period(s.held_on))
        .collect();
    let mut month = from;
    while month < to {
        let next = month.checked_add_months(Months::new(1)).unwrap_or(to);
        if !held.iter().any(|s| s.held_on >= month && s.held_on < next) {
            out.push(Missing {
                code: "supervision_gap",
                message: format!(
                    "no supervision recorded in {}: the body asks why supervision broke and how it was remedied",
                    month.format("%B %Y")
                ),
            });
        }
        month = next;
    }
    let unsigned = held.iter().filter(|s| !s.countersigned).count();
    if unsigned > 0 {
        out.push(Missing {
            code: "unsigned_logs",
            message: format!(
                "{unsigned} session{} in the period {} not countersigned by the supervisor yet",
                if unsigned == 1 { "" } else { "s" },
                if unsigned == 1 { "is" } else { "are" }
            ),
        });
    }
    if body == "BABCP" {
        if let Some(latest) = held.iter().max_by_key(|s| s.held_on) {
            let six_months_before = requested_on
                .checked_sub_months(Months::new(6))
                .unwrap_or(requested_on);
            if first_with(&latest.supervisor_id).is_some_and(|d| d > six_months_before) {
                out.push(Missing {
                    code: "previous_supervisor_report",
                    message: "the current supervisor has supervised for under 6 months: BABCP asks for a report from the previous supervisor as well".into(),
                });
            }
        }
    }
    for c in cpd.iter().filter(|c| !c.reflected && in_period(c.held_on)) {
        out.push(Missing {
            code: "cpd_reflection",
            message: format!(
                "the CPD activity \"{}\" on {} has no reflective statement",
                c.title,
                uk_date(c.held_on)
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn session(on: &str, who: &str, signed: bool) -> SessionFact {
        SessionFact {
            held_on: d(on),
            supervisor_id: who.into(),
            countersigned: signed,
            rejected: false,
        }
    }

    #[test]
    fn the_period_is_the_whole_months_before_the_request() {
        assert_eq!(period_from(d("2026-12-04"), 12), d("2025-12-01"));
    }

    #[test]
    fn months_without_supervision_unsigned_logs_and_cpd_without_reflection_are_named() {
        // Every month from December 2025 to November 2026 but March and April 2026.
        let mut sessions: Vec<SessionFact> = [
            "2025-12-10",
            "2026-01-10",
            "2026-02-10",
            "2026-05-10",
            "2026-06-10",
            "2026-07-10",
            "2026-08-10",
            "2026-09-10",
            "2026-10-10",
            "2026-11-10",
        ]
        .iter()
        .map(|on| session(on, "old", true))
        .collect();
        sessions.push(session("2026-11-20", "old", false));
        let cpd = [
            CpdFact {
                title: "Worry workshop".into(),
                held_on: d("2026-05-01"),
                reflected: false,
            },
            CpdFact {
                title: "Reading".into(),
                held_on: d("2026-06-01"),
                reflected: true,
            },
            CpdFact {
                title: "Too old".into(),
                held_on: d("2025-11-01"),
                reflected: false,
            },
        ];
        let m = missing(
            "BACP",
            d("2026-12-04"),
            12,
            &sessions,
            &|_| Some(d("2020-01-01")),
            &cpd,
        );
        let codes: Vec<&str> = m.iter().map(|x| x.code).collect();
        assert_eq!(
            codes,
            [
                "supervision_gap",
                "supervision_gap",
                "unsigned_logs",
                "cpd_reflection"
            ]
        );
        assert!(m[0].message.contains("March 2026"));
        assert!(m[1].message.contains("April 2026"));
        assert!(m[3].message.contains("Worry workshop"));
    }

    #[test]
    fn babcp_asks_for_the_previous_supervisors_report_under_six_months() {
        let sessions: Vec<SessionFact> = (1..=12)
            .map(|m| {
                session(
                    &format!("{}-{:02}-15", if m == 12 { 2025 } else { 2026 }, m),
                    if m >= 7 && m != 12 { "new" } else { "old" },
                    true,
                )
            })
            .collect();
        // The new supervisor's first session: 2026-07-15, under 6 months before 2026-12-04.
        let first = |who: &str| {
            Some(if who == "new" {
                d("2026-07-15")
            } else {
                d("2020-01-01")
            })
        };
        let m = missing("BABCP", d("2026-12-04"), 12, &sessions, &first, &[]);
        assert_eq!(
            m.iter().map(|x| x.code).collect::<Vec<_>>(),
            ["previous_supervisor_report"]
        );
        // Six months and more: nothing; another body: nothing.
        let first = |who: &str| {
            Some(if who == "new" {
                d("2026-06-04")
            } else {
                d("2020-01-01")
            })
        };
        assert!(missing("BABCP", d("2026-12-04"), 12, &sessions, &first, &[]).is_empty());
        let first = |who: &str| {
            Some(if who == "new" {
                d("2026-07-15")
            } else {
                d("2020-01-01")
            })
        };
        assert!(missing("BACP", d("2026-12-04"), 12, &sessions, &first, &[]).is_empty());
    }
}
