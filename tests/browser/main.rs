//! Browser tests: the pages in real Chromium, driven through WebDriver (chromedriver), on
//! SQLite and on PostgreSQL. A practitioner signs in, records a session (correcting an error
//! first) and signs out; a supervisor countersigns from the queue; a supervisor from outside
//! the service countersigns from the link in the email the test's SMTP receiver got; a
//! training lead imports a staff list, correcting it after the preview. Every page
//! on the way is checked by axe-core against WCAG 2.2 A and AA, at 360 px wide too, and for
//! requests to any other host.
//!
//! They need Debian's `chromium` and `chromium-driver` and `npm ci` (axe-core). Without them
//! each test prints one line saying what is missing and passes, unless
//! `REGISTRY_TEST_REQUIRE_BROWSER=1` (set by `.ci/run`), when it fails.

#[allow(dead_code)]
#[path = "../api/support.rs"]
mod support;

mod driver;
mod journeys;
mod leads;

use support::Backend;

/// Runs a journey; when it fails, waits a moment before failing the test, so that email a
/// failed journey started sending is not cut off by the runtime's end (lettre then aborts the
/// whole binary, hiding the journey's own message and the other journeys' results).
async fn settled(journey: impl std::future::Future<Output = ()>) {
    use futures_util::FutureExt;
    if let Err(panic) = std::panic::AssertUnwindSafe(journey).catch_unwind().await {
        actix_web::rt::time::sleep(std::time::Duration::from_secs(5)).await;
        std::panic::resume_unwind(panic);
    }
}

#[actix_web::test]
async fn journeys_on_sqlite() {
    settled(journeys::run(Backend::Sqlite)).await;
}

#[actix_web::test]
async fn journeys_on_postgres() {
    settled(journeys::run(Backend::Postgres)).await;
}

#[actix_web::test]
async fn lead_journeys_on_sqlite() {
    settled(leads::run(Backend::Sqlite)).await;
}

#[actix_web::test]
async fn lead_journeys_on_postgres() {
    settled(leads::run(Backend::Postgres)).await;
}
