//! The journeys a new user takes, in a real browser, every page checked on the way.

use serde_json::json;

use crate::driver::{Browser, Tools};
use crate::support::{Backend, TestApp, PASSWORD};

/// What every page is checked for; problems are gathered and reported together.
pub struct Checks {
    base: String,
    problems: Vec<String>,
    pages: usize,
}

impl Checks {
    pub fn new(base: &str) -> Checks {
        Checks {
            base: base.to_string(),
            problems: Vec::new(),
            pages: 0,
        }
    }

    /// Fails with every problem found, once at least `pages` pages were checked.
    pub fn finish(self, pages: usize) {
        assert!(self.pages >= pages, "{} pages checked", self.pages);
        assert!(
            self.problems.is_empty(),
            "{} problems:\n{}",
            self.problems.len(),
            self.problems.join("\n")
        );
    }

    pub async fn page(&mut self, b: &Browser, name: &str) {
        self.pages += 1;
        for v in b.violations().await {
            self.problems.push(format!("{name}: {v}"));
        }
        for r in b.requests_elsewhere(&self.base).await {
            self.problems
                .push(format!("{name}: fetched {r} from another host"));
        }
        // At 360 px wide (a phone; also what 200% zoom of a 720 px window lays out as).
        b.resize(360, 800).await;
        for w in b.wider_than_window().await {
            self.problems.push(format!("{name}: at 360 px, {w}"));
        }
        for v in b.violations().await {
            self.problems.push(format!("{name} at 360 px: {v}"));
        }
        b.resize(1100, 900).await;
    }
}

fn days_ago(n: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(n)).to_string()
}

/// The browser's tools and the app served on loopback with its base address, or `None` (after
/// a line saying why) where the tools or the backend are missing.
pub async fn serve(backend: Backend) -> Option<(Tools, TestApp, String)> {
    let tools = Tools::find()?;
    // Served over plain http on loopback, so the session cookie is not `Secure` here.
    let t = TestApp::start_with(backend, |s| s.public_url = None).await?;
    let base = format!("http://{}", t.serve());
    Some((tools, t, base))
}

pub async fn run(backend: Backend) {
    let Some((tools, t, base)) = serve(backend).await else {
        return;
    };
    let url = |p: &str| format!("{base}{p}");
    let service = t.service("Talking Therapies East").await;
    let (sup, sup_token) = t
        .person(&service, "sup@registry.test", &["supervisor"])
        .await;
    t.train_supervisor(&sup, "li_cbt", "BPS").await;
    let (_, pwp_token) = t
        .person(&service, "pwp@registry.test", &["practitioner"])
        .await;
    let _ = sup_token;
    let b = Browser::start(&tools).await;
    let mut checks = Checks::new(&base);

    // A practitioner signs in (a wrong password first).
    b.open(&url("/supervision")).await;
    assert!(
        b.path().await.starts_with("/login?next="),
        "{}",
        b.path().await
    );
    checks.page(&b, "sign in").await;
    b.follow("a[href='/forgot-password']").await;
    checks.page(&b, "forgotten password").await;
    b.open(&url("/supervision")).await;
    b.fill("email", "pwp@registry.test").await;
    b.fill("password", "not the password").await;
    b.press("Sign in").await;
    assert!(b
        .text()
        .await
        .contains("The email address or password is not correct"));
    checks.page(&b, "sign in, refused").await;
    b.fill("email", "pwp@registry.test").await;
    b.fill("password", PASSWORD).await;
    b.press("Sign in").await;
    assert_eq!(b.path().await, "/supervision");
    b.open(&url("/")).await;
    let home = b.text().await;
    assert!(home.contains("Due soon"), "{home}");
    checks.page(&b, "practitioner home").await;

    // Records a session: an error to correct first.
    b.follow("a[href='/supervision/new']").await;
    assert_eq!(b.path().await, "/supervision/new");
    checks.page(&b, "record a session").await;
    b.choose("supervisor_id", &sup).await;
    b.set("held_on", &days_ago(1)).await;
    b.fill("duration_minutes", "600").await;
    b.choose("supervision_type", "case_management").await;
    b.click("#format-individual").await;
    b.press("Record the session").await;
    let error = b.text().await;
    assert!(error.contains("There is a problem"), "{error}");
    assert!(
        error.contains("Length of the session must be 1 to 480 minutes"),
        "{error}"
    );
    checks.page(&b, "record a session, with an error").await;
    // The summary's link takes the keyboard to the field.
    b.click(".error-summary a").await;
    b.fill("duration_minutes", "60").await;
    b.press("Record the session").await;
    assert_eq!(
        b.path().await,
        "/supervision?done=recorded",
        "{}",
        b.text().await
    );
    assert!(b.text().await.contains("Waiting for countersignature"));
    checks.page(&b, "my sessions").await;
    // Its change page and withdraw confirmation.
    b.follow("a[href$='/edit']").await;
    checks.page(&b, "change a session").await;
    b.open(&url("/supervision")).await;
    b.follow("a[href$='/withdraw']").await;
    checks.page(&b, "withdraw a session").await;
    // Records, the evidence pack and settings.
    b.open(&url("/records")).await;
    checks.page(&b, "my records").await;
    b.follow("a[href='/records/cpd/new']").await;
    checks.page(&b, "add CPD").await;
    b.press("Add it").await;
    assert!(b.text().await.contains("There is a problem"));
    checks.page(&b, "add CPD, with errors").await;
    b.open(&url("/records/credentials/new")).await;
    checks.page(&b, "add a credential").await;
    b.open(&url("/records/training/new")).await;
    checks.page(&b, "add training").await;
    b.open(&url("/evidence")).await;
    checks.page(&b, "evidence pack").await;
    b.open(&url("/settings")).await;
    assert!(
        b.text().await.contains("Copy the address"),
        "the script adds a copy button"
    );
    checks.page(&b, "settings").await;
    b.press("Sign out").await;
    assert!(b.path().await.starts_with("/login"));

    // Two more sessions, through the API; the supervisor countersigns two from the queue.
    let mut ids = Vec::new();
    for (days, minutes) in [(6, 60), (3, 45)] {
        let log = t
            .post(
                "/api/v1/supervision-logs",
                &pwp_token,
                json!({"supervisor_id": sup, "held_on": days_ago(days), "duration_minutes": minutes,
                       "supervision_type": "case_management", "format": "individual"}),
            )
            .await
            .expect(201)
            .json();
        ids.push(log["id"].as_str().expect("id").to_string());
    }
    b.fill("email", "sup@registry.test").await;
    b.fill("password", PASSWORD).await;
    b.press("Sign in").await;
    checks.page(&b, "supervisor home").await;
    b.open(&url("/sign-off")).await;
    assert!(b.text().await.contains("3 sessions are waiting"));
    b.screenshot("sign-off-queue.png").await;
    checks.page(&b, "countersign queue").await;
    for id in &ids {
        b.click(&format!("input[value='{id}']")).await;
    }
    b.press("Countersign the checked sessions").await;
    assert_eq!(b.path().await, "/sign-off?signed=2");
    assert!(b.text().await.contains("You countersigned 2 sessions"));
    checks.page(&b, "countersign queue, after").await;
    b.follow("a[href$='/reject']").await;
    checks.page(&b, "send a session back").await;
    b.open(&url("/supervisees")).await;
    checks.page(&b, "my supervisees").await;
    b.follow("a[href$='/competences']").await;
    checks.page(&b, "a supervisee's competences").await;
    b.press("Record the assessment").await;
    assert!(b.text().await.contains("There is a problem"));
    checks
        .page(&b, "a supervisee's competences, with errors")
        .await;
    b.open(&url("/supervisees")).await;
    b.follow("a[href$='/live-assessments']").await;
    checks.page(&b, "a supervisee's live assessments").await;
    b.press("Record the live assessment").await;
    assert!(b.text().await.contains("There is a problem"));
    checks
        .page(&b, "a supervisee's live assessments, with errors")
        .await;
    b.open(&url("/supervision/new")).await;
    checks.page(&b, "page not found").await;
    b.follow("a[href='/']").await;
    b.press("Sign out").await;

    // The practitioner's home now shows countersigned time.
    b.fill("email", "pwp@registry.test").await;
    b.fill("password", PASSWORD).await;
    b.press("Sign in").await;
    b.screenshot("practitioner-home.png").await;
    b.press("Sign out").await;

    // A supervisor from outside the service countersigns from the emailed link, signed out.
    let lead_id = t
        .person(&service, "lead@registry.test", &["training_lead"])
        .await
        .1;
    let ext = t
        .post(
            "/api/v1/external-supervisors",
            &lead_id,
            json!({"email": "ext@elsewhere.test", "full_name": "Erin External", "body": "BACP", "registration_number": "BACP-123456"}),
        )
        .await
        .expect(201)
        .json();
    let ext_id = ext["id"].as_str().expect("id").to_string();
    t.post(
        &format!("/api/v1/external-supervisors/{ext_id}/verification"),
        &lead_id,
        json!({"verified": true, "verification_method": "register_lookup", "verification_reference": "BACP register"}),
    )
    .await
    .expect(200);
    let log = t
        .post(
            "/api/v1/supervision-logs",
            &pwp_token,
            json!({"supervisor_id": ext_id, "held_on": days_ago(2), "duration_minutes": 50,
                   "supervision_type": "clinical_skills", "format": "individual"}),
        )
        .await
        .expect(201)
        .json();
    let log_id = log["id"].as_str().expect("id").to_string();
    let mail = t.smtp.wait_for(1).await;
    let token = mail
        .iter()
        .find(|m| m.to.iter().any(|to| to == "ext@elsewhere.test"))
        .expect("the countersign email")
        .sign_off_token();
    b.open(&url(&format!("/sign-off/{token}"))).await;
    assert!(b.text().await.contains("Person pwp@registry.test"));
    checks.page(&b, "countersign from the email").await;
    b.click(&format!("input[value='{log_id}']")).await;
    b.press("Countersign the checked sessions").await;
    assert!(
        b.text().await.contains("You countersigned 1 session"),
        "{}",
        b.text().await
    );
    let decided = t
        .get(&format!("/api/v1/supervision-logs/{log_id}"), &t.admin)
        .await
        .expect(200)
        .json();
    assert_eq!(decided["status"], "signed_off");

    // With page scripts off, a practitioner signs in and records a session just the same.
    drop(b);
    let plain = Browser::without_scripts(&tools).await;
    plain.open(&url("/login")).await;
    plain.fill("email", "pwp@registry.test").await;
    plain.fill("password", PASSWORD).await;
    plain.press("Sign in").await;
    assert_eq!(plain.path().await, "/");
    plain.open(&url("/supervision/new")).await;
    plain.choose("supervisor_id", &sup).await;
    let held = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    // A date field takes keystrokes in the browser's locale order (en-US here).
    plain
        .fill("held_on", &held.format("%m%d%Y").to_string())
        .await;
    plain.fill("duration_minutes", "30").await;
    plain.choose("supervision_type", "clinical_skills").await;
    plain.click("#format-individual").await;
    plain.press("Record the session").await;
    assert_eq!(
        plain.path().await,
        "/supervision?done=recorded",
        "{}",
        plain.text().await
    );
    assert!(plain.text().await.contains("Waiting for countersignature"));
    // The page's own script really did not run: the settings page has no "Copy" button.
    plain.open(&url("/settings")).await;
    assert!(!plain.text().await.contains("Copy the address"));

    checks.finish(15);
}
