//! How a credential renews, as plain functions of dates: a fixed expiry date, or an annual
//! declaration on the anniversary of `valid_from` with a grace period after it, moved by
//! leaves of absence.
//!
//! Definitions (the unit tests follow them):
//! - the anniversaries are `valid_from` plus whole years (29 February falls on 28 February);
//! - a declaration counts for an anniversary when made no more than `opens_days` before it:
//!   the next declaration is due on the first anniversary later than the latest declaration
//!   plus `opens_days` (with none, the first anniversary);
//! - each leave of absence that starts after the latest declaration (with none, after
//!   `valid_from`) and on or before the date so far moves it by the leave's length in days,
//!   both ends included;
//! - the grace period ends `grace_days` after the date: after that day the credential is
//!   `lapsed`; a declaration made on the last day of grace counts.

use chrono::{Duration, Months, NaiveDate};

crate::db_enum! {
    /// How a credential kind renews.
    pub enum Renewal("renewal") {
        FixedExpiry => "fixed_expiry",
        AnnualDeclaration => "annual_declaration",
    }
}

/// A leave of absence, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leave {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Leave {
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

/// Whether two leaves share a day.
pub fn overlaps(a: &Leave, b: &Leave) -> bool {
    a.from <= b.to && b.from <= a.to
}

/// The next declaration date and the leave days that moved it.
pub fn next_declaration(
    valid_from: NaiveDate,
    declarations: &[NaiveDate],
    leaves: &[Leave],
    opens_days: i64,
) -> (NaiveDate, i64) {
    let last = declarations.iter().max().copied();
    let after = last.map(|d| d + Duration::days(opens_days));
    let mut due = valid_from;
    for years in 1..=200u32 {
        let Some(a) = valid_from.checked_add_months(Months::new(12 * years)) else {
            break;
        };
        due = a;
        if after.is_none_or(|after| a > after) {
            break;
        }
    }
    let since = last.unwrap_or(valid_from);
    let mut sorted: Vec<&Leave> = leaves.iter().filter(|l| l.from > since).collect();
    sorted.sort_by_key(|l| l.from);
    let mut moved = 0;
    for l in sorted {
        if l.from <= due {
            due += Duration::days(l.days());
            moved += l.days();
        }
    }
    (due, moved)
}

/// Whether the credential has lapsed on `today`: past the last day of grace.
pub fn lapsed(next_declaration_on: NaiveDate, grace_days: i32, today: NaiveDate) -> bool {
    today > next_declaration_on + Duration::days(i64::from(grace_days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_first_declaration_is_due_on_the_first_anniversary() {
        assert_eq!(
            next_declaration(d("2025-03-10"), &[], &[], 90),
            (d("2026-03-10"), 0)
        );
        assert_eq!(
            next_declaration(d("2024-02-29"), &[], &[], 90).0,
            d("2025-02-28")
        );
    }

    #[test]
    fn a_declaration_counts_for_the_anniversary_it_was_made_for() {
        let from = d("2024-03-10");
        // On the day, a month early, within grace: the next is a year on.
        assert_eq!(
            next_declaration(from, &[d("2025-03-10")], &[], 90).0,
            d("2026-03-10")
        );
        assert_eq!(
            next_declaration(from, &[d("2025-02-08")], &[], 90).0,
            d("2026-03-10")
        );
        assert_eq!(
            next_declaration(from, &[d("2025-04-07")], &[], 90).0,
            d("2026-03-10")
        );
        // Too early (91 days before) does not count for it.
        assert_eq!(
            next_declaration(from, &[d("2024-12-09")], &[], 90).0,
            d("2025-03-10")
        );
    }

    #[test]
    fn a_declaration_on_the_last_day_of_grace_counts() {
        let from = d("2024-03-10");
        let due = d("2025-03-10");
        let last_day = due + Duration::days(28);
        assert!(!lapsed(due, 28, last_day));
        assert!(lapsed(due, 28, last_day + Duration::days(1)));
        let (next, _) = next_declaration(from, &[last_day], &[], 90);
        assert_eq!(next, d("2026-03-10"));
        assert!(!lapsed(next, 28, last_day + Duration::days(1)));
    }

    #[test]
    fn a_leave_spanning_the_due_date_moves_it_by_its_length() {
        let from = d("2024-03-10");
        let leave = Leave {
            from: d("2025-03-01"),
            to: d("2025-03-30"),
        };
        assert_eq!(leave.days(), 30);
        assert_eq!(
            next_declaration(from, &[], &[leave], 90),
            (d("2025-04-09"), 30)
        );
        // A leave starting after the (moved) date does not move it; one before the last
        // declaration neither.
        let later = Leave {
            from: d("2025-05-01"),
            to: d("2025-05-10"),
        };
        assert_eq!(next_declaration(from, &[], &[later], 90).0, d("2025-03-10"));
        let old = Leave {
            from: d("2024-05-01"),
            to: d("2024-05-10"),
        };
        assert_eq!(
            next_declaration(from, &[d("2025-03-01")], &[old], 90).0,
            d("2026-03-10")
        );
        // Two leaves in a row: the second starts before the date the first moved it to.
        let second = Leave {
            from: d("2025-04-05"),
            to: d("2025-04-14"),
        };
        assert_eq!(
            next_declaration(from, &[], &[second, leave], 90),
            (d("2025-04-19"), 40)
        );
    }

    #[test]
    fn leaves_overlap_when_they_share_a_day() {
        let a = Leave {
            from: d("2025-03-01"),
            to: d("2025-03-30"),
        };
        assert!(overlaps(
            &a,
            &Leave {
                from: d("2025-03-30"),
                to: d("2025-04-02")
            }
        ));
        assert!(!overlaps(
            &a,
            &Leave {
                from: d("2025-03-31"),
                to: d("2025-04-02")
            }
        ));
    }
}
