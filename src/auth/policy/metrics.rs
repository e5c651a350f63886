//! Who may read `/metrics`.

use super::{MetricsAccess, MetricsDecision};

/// `/metrics` is off for everyone, open to anyone, or for whoever presents the configured
/// token (compared as SHA-256 digests, so the time taken tells nothing of the token).
pub fn metrics_access(
    access: MetricsAccess,
    want: Option<&str>,
    given: Option<&str>,
) -> MetricsDecision {
    use sha2::{Digest, Sha256};
    let (want, given) = (want.unwrap_or_default(), given.unwrap_or_default());
    let same = || !want.is_empty() && Sha256::digest(want) == Sha256::digest(given);
    match access {
        MetricsAccess::Off => MetricsDecision::Off,
        MetricsAccess::Open => MetricsDecision::Allowed,
        MetricsAccess::Token if same() => MetricsDecision::Allowed,
        MetricsAccess::Token => MetricsDecision::NeedsToken,
    }
}
