//! Statuses in words, each with the style of its tag: a status is never shown by colour alone.

use crate::accreditation::rules::CredentialStatus;
use crate::supervision::rules::{ComplianceStatus, Format, LogStatus};

/// A status as a page shows it: the words, and the class that colours them.
#[derive(Debug, Clone)]
pub struct Tag {
    pub words: &'static str,
    pub class: &'static str,
}

pub fn compliance(s: ComplianceStatus) -> Tag {
    match s {
        ComplianceStatus::Compliant => Tag {
            words: "Compliant",
            class: "tag-good",
        },
        ComplianceStatus::DueSoon => Tag {
            words: "Due soon",
            class: "tag-soon",
        },
        ComplianceStatus::Overdue => Tag {
            words: "Overdue",
            class: "tag-bad",
        },
        ComplianceStatus::OnLeave => Tag {
            words: "On leave",
            class: "tag-neutral",
        },
    }
}

pub fn log(s: LogStatus) -> Tag {
    match s {
        LogStatus::Submitted => Tag {
            words: "Waiting for countersignature",
            class: "tag-neutral",
        },
        LogStatus::SignedOff => Tag {
            words: "Countersigned",
            class: "tag-good",
        },
        LogStatus::Rejected => Tag {
            words: "Sent back",
            class: "tag-bad",
        },
    }
}

pub fn credential(s: CredentialStatus) -> Tag {
    match s {
        CredentialStatus::PendingVerification => Tag {
            words: "Not verified yet",
            class: "tag-neutral",
        },
        CredentialStatus::Active => Tag {
            words: "Current",
            class: "tag-good",
        },
        CredentialStatus::Expiring => Tag {
            words: "Expiring soon",
            class: "tag-soon",
        },
        CredentialStatus::Expired => Tag {
            words: "Expired",
            class: "tag-bad",
        },
        CredentialStatus::Lapsed => Tag {
            words: "Lapsed: no declaration",
            class: "tag-bad",
        },
    }
}

pub fn format(f: Format, size: Option<i32>) -> String {
    match (f, size) {
        (Format::Individual, _) => "One to one".into(),
        (Format::Group, Some(n)) => format!("Group of {n}"),
        (Format::Group, None) => "Group (size not given)".into(),
    }
}

/// Minutes as hours and minutes: "1 hour 30 minutes".
pub fn minutes(m: i32) -> String {
    let (h, r) = (m / 60, m % 60);
    let hours = match h {
        0 => String::new(),
        1 => "1 hour".into(),
        n => format!("{n} hours"),
    };
    let mins = match r {
        0 => String::new(),
        1 => "1 minute".into(),
        n => format!("{n} minutes"),
    };
    match (hours.is_empty(), mins.is_empty()) {
        (true, true) => "0 minutes".into(),
        (false, true) => hours,
        (true, false) => mins,
        (false, false) => format!("{hours} {mins}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn minutes_read_as_hours_and_minutes() {
        assert_eq!(super::minutes(0), "0 minutes");
        assert_eq!(super::minutes(90), "1 hour 30 minutes");
        assert_eq!(super::minutes(120), "2 hours");
        assert_eq!(super::minutes(45), "45 minutes");
    }
}
