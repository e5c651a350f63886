//! Dates as people in England read them: "8 December 2026", never an ISO date, in everything
//! written for a person (emails, and pages later).

use chrono::{NaiveDate, NaiveDateTime};

/// "8 December 2026".
pub fn uk_date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// "8 December 2026 at 14:30 UTC".
pub fn uk_date_time(t: NaiveDateTime) -> String {
    t.format("%-d %B %Y at %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_in_england() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 8).expect("a date");
        assert_eq!(uk_date(d), "8 December 2026");
        let t = d.and_hms_opt(9, 5, 0).expect("a time");
        assert_eq!(uk_date_time(t), "8 December 2026 at 09:05 UTC");
    }
}
