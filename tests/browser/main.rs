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

#[actix_web::test]
async fn journeys_on_sqlite() {
    journeys::run(Backend::Sqlite).await;
}

#[actix_web::test]
async fn journeys_on_postgres() {
    journeys::run(Backend::Postgres).await;
}

#[actix_web::test]
async fn lead_journeys_on_sqlite() {
    leads::run(Backend::Sqlite).await;
}

#[actix_web::test]
async fn lead_journeys_on_postgres() {
    leads::run(Backend::Postgres).await;
}
