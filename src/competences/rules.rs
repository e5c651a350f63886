//! Competence rules as plain functions: the current state of a competence, who may assess it,
//! and whether a supervisor may supervise a modality.

use chrono::NaiveDate;

crate::db_enum! {
    pub enum Outcome("competence outcome") {
        Met => "met",
        NotYetMet => "not_yet_met",
    }
}

crate::db_enum! {
    /// How an assessment was made (`unspecified` when the assessor did not say).
    pub enum EvidenceMethod("evidence method") {
        DirectObservation => "direct_observation",
        Recording => "recording",
        SupervisorReport => "supervisor_report",
        Portfolio => "portfolio",
        Unspecified => "unspecified",
    }
}

crate::db_enum! {
    pub enum CompetenceState("competence state") {
        NotAssessed => "not_assessed",
        Met => "met",
        NotYetMet => "not_yet_met",
        /// The latest assessment's review date has passed.
        ReviewOverdue => "review_overdue",
    }
}

/// The state given the latest assessment (outcome and review date), on `today`.
pub fn state(latest: Option<(Outcome, Option<NaiveDate>)>, today: NaiveDate) -> CompetenceState {
    match latest {
        None => CompetenceState::NotAssessed,
        Some((_, Some(review))) if review < today => CompetenceState::ReviewOverdue,
        Some((Outcome::Met, _)) => CompetenceState::Met,
        Some((Outcome::NotYetMet, _)) => CompetenceState::NotYetMet,
    }
}

/// Whether a latest assessment is a current `met` (met, and not past its review).
pub fn current_met(latest: Option<(Outcome, Option<NaiveDate>)>, today: NaiveDate) -> bool {
    state(latest, today) == CompetenceState::Met
}

/// What a supervisor has towards supervising one modality.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    pub has_role: bool,
    /// Completed a `supervisor_training` course for the modality.
    pub trained: bool,
    /// Holds a current `met` for the modality's application competence.
    pub competent: bool,
    /// Holds credentials with the modality's body, all expired.
    pub credentials_expired: bool,
    /// A supervisor from outside the service: whether their registration with their body has
    /// been checked. It stands in for the registry's training records and credentials.
    pub external: Option<bool>,
}

/// What stands between a supervisor and supervising a modality; empty when eligible.
pub fn missing(s: Standing, modality: &str, body: &str) -> Vec<String> {
    let mut out = Vec::new();
    if !s.has_role {
        out.push("does not hold the supervisor role".to_string());
    }
    if let Some(verified) = s.external {
        if !verified {
            out.push("is from outside the service and not verified yet: the training lead checks their registration with their body first".to_string());
        }
        return out;
    }
    if !(s.trained || s.competent) {
        out.push(format!(
            "has neither completed supervisor training for {modality} nor a current sign-off of the {modality} application competence"
        ));
    }
    if s.credentials_expired {
        out.push(format!("their {body} credentials have expired"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_latest_assessment_and_its_review_date_decide() {
        let today = d("2026-03-15");
        assert_eq!(state(None, today), CompetenceState::NotAssessed);
        assert_eq!(
            state(Some((Outcome::Met, Some(d("2026-09-01")))), today),
            CompetenceState::Met
        );
        assert_eq!(
            state(Some((Outcome::Met, None)), today),
            CompetenceState::Met
        );
        assert_eq!(
            state(Some((Outcome::Met, Some(d("2026-03-14")))), today),
            CompetenceState::ReviewOverdue
        );
        assert_eq!(
            state(Some((Outcome::NotYetMet, None)), today),
            CompetenceState::NotYetMet
        );
        assert!(!current_met(
            Some((Outcome::Met, Some(d("2026-03-01")))),
            today
        ));
    }

    #[test]
    fn eligibility_names_each_missing_condition() {
        let ok = Standing {
            has_role: true,
            trained: true,
            ..Standing::default()
        };
        assert!(missing(ok, "cbt", "BABCP").is_empty());
        let by_competence = Standing {
            has_role: true,
            competent: true,
            ..Standing::default()
        };
        assert!(missing(by_competence, "cbt", "BABCP").is_empty());
        let untrained = Standing {
            has_role: true,
            ..Standing::default()
        };
        assert_eq!(missing(untrained, "cbt", "BABCP").len(), 1);
        let lapsed = Standing {
            has_role: true,
            trained: true,
            credentials_expired: true,
            ..Standing::default()
        };
        assert_eq!(
            missing(lapsed, "cbt", "BABCP"),
            vec!["their BABCP credentials have expired".to_string()]
        );
        let outside = |verified| Standing {
            has_role: true,
            external: Some(verified),
            ..Standing::default()
        };
        assert!(missing(outside(true), "counselling", "BACP").is_empty());
        assert!(missing(outside(false), "counselling", "BACP")[0].contains("not verified yet"));
    }
}
