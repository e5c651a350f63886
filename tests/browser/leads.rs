//! A training lead's journeys in a real browser, every page checked on the way: a staff list
//! with mistakes, its preview, the corrected file and the import.

use crate::driver::Browser;
use crate::journeys::{serve, Checks};
use crate::support::{Backend, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};

const WITH_MISTAKES: &str = "Email,Full name,Practitioner role,Stage,WTE\r\n\
    ana@registry.test,Ana Silva,pwp,trainee,1.0\r\n\
    not-an-email,Ben Okafor,pwp,qualified,0.5\r\n\
    cai@registry.test,Cai Jones,cbt,qualified,3\r\n";

const CORRECTED: &str = "Email,Full name,Practitioner role,Stage,WTE\r\n\
    ana@registry.test,Ana Silva,pwp,trainee,1.0\r\n\
    ben@registry.test,Ben Okafor,pwp,qualified,0.5\r\n\
    cai@registry.test,Cai Jones,cbt,qualified,0.8\r\n";

const IMPORTED: &str =
    "users WHERE email IN ('ana@registry.test', 'ben@registry.test', 'cai@registry.test')";

pub async fn run(backend: Backend) {
    let Some((tools, t, base)) = serve(backend).await else {
        return;
    };
    let url = |p: &str| format!("{base}{p}");
    let service = t.service("Talking Therapies West").await;
    t.person(&service, "lead@registry.test", &["training_lead"])
        .await;
    let files = tempfile::tempdir().expect("a folder for the files");
    let with_mistakes = files.path().join("staff.csv");
    std::fs::write(&with_mistakes, WITH_MISTAKES).expect("written");
    let corrected = files.path().join("staff-corrected.csv");
    std::fs::write(&corrected, CORRECTED).expect("written");

    let b = Browser::start(&tools).await;
    let mut checks = Checks::new(&base);
    b.open(&url("/login")).await;
    b.fill("email", "lead@registry.test").await;
    b.fill("password", PASSWORD).await;
    b.press("Sign in").await;
    b.follow("a[href='/imports/new']").await;
    assert_eq!(b.path().await, "/imports/new");
    checks.page(&b, "import staff").await;

    // A file with two mistakes: the preview says which rows, and nothing is saved.
    b.attach("file", &with_mistakes).await;
    b.press("Upload").await;
    let preview = b.text().await;
    assert!(preview.contains("The file has problems"), "{preview}");
    assert!(preview.contains("Row 3"), "{preview}");
    assert!(preview.contains("Row 4"), "{preview}");
    checks.page(&b, "import preview, with problems").await;
    assert_eq!(t.count(IMPORTED), 0);
    // The summary's link goes to the row.
    b.click(".error-summary a[href='#row-3']").await;

    // The corrected file: a clean preview, then the import.
    b.attach("file", &corrected).await;
    b.press("Upload").await;
    let check = b.text().await;
    assert!(check.contains("3 people will be added"), "{check}");
    checks.page(&b, "import preview").await;
    b.press("Import these people").await;
    let done = b.text().await;
    assert!(done.contains("Staff imported"), "{done}");
    checks.page(&b, "import done").await;
    assert_eq!(t.count(IMPORTED), 3);

    // The dashboard counts them; its figures lead to the reports, which download as CSV.
    // A credential of one of them waits for a check: recorded with a mistake first.
    let ana = t
        .get("/api/v1/practitioners?q=ana", &t.admin)
        .await
        .expect(200)
        .json()["items"][0]["id"]
        .as_str()
        .expect("Ana's id")
        .to_string();
    t.post(
        &format!("/api/v1/practitioners/{ana}/accreditations"),
        &t.admin,
        serde_json::json!({"body": "BPS", "kind": "wpw_register", "membership_number": "WPW-9",
                           "valid_from": "2026-01-01", "expires_on": "2027-12-31"}),
    )
    .await
    .expect(201);
    b.open(&url("/audits")).await;
    checks.page(&b, "audits by the bodies").await;
    b.open(&url("/verification")).await;
    checks.page(&b, "check credentials").await;
    b.press("Record the check").await;
    assert!(b.text().await.contains("There is a problem"));
    checks.page(&b, "check credentials, with an error").await;
    b.click(".error-summary a").await;
    b.choose(
        &format!("method-{}", first_form_id(&b).await),
        "register_lookup",
    )
    .await;
    b.press("Record the check").await;
    assert!(b.text().await.contains("The check is recorded"));

    b.follow("a[href='/dashboard']").await;
    let dashboard = b.text().await;
    assert!(dashboard.contains("4 practitioners in post"), "{dashboard}");
    b.screenshot("dashboard.png").await;
    checks.page(&b, "dashboard").await;
    b.follow("a[href^='/reports/supervision-compliance?status=overdue']")
        .await;
    checks.page(&b, "supervision compliance report").await;
    // The report's "Download CSV": its link, followed with the browser's own session cookie.
    let csv = b.attribute("a[href*='format=csv']", "href").await;
    let file = t
        .send(
            actix_web::test::TestRequest::get()
                .uri(&csv)
                .insert_header(("cookie", b.cookie_header().await)),
        )
        .await
        .expect(200);
    assert!(
        file.header("content-disposition")
            .is_some_and(|d| d.contains("attachment")),
        "{csv}"
    );
    let file = file.text();
    assert!(
        file.starts_with("practitioner_id,full_name"),
        "{csv}: {file}"
    );
    b.open(&url("/reports")).await;
    checks.page(&b, "reports").await;
    for name in [
        "accreditation",
        "courses",
        "competencies",
        "workforce",
        "representation",
    ] {
        b.open(&url(&format!("/reports/{name}"))).await;
        checks.page(&b, name).await;
    }
    // People: the list, one person, and adding someone (a mistake first).
    b.follow("a[href='/people']").await;
    checks.page(&b, "people").await;
    b.follow(&format!("a[href='/people/{ana}']")).await;
    assert!(b.text().await.contains("WPW-9"));
    checks.page(&b, "a person").await;
    b.follow("a[href$='/edit']").await;
    checks.page(&b, "change a person").await;
    b.open(&url("/people/new")).await;
    checks.page(&b, "add a person").await;
    b.fill("email", "not an email").await;
    b.press("Add and invite them").await;
    assert!(b.text().await.contains("There is a problem"));
    checks.page(&b, "add a person, with errors").await;

    for (path, name) in [
        ("/courses", "courses"),
        ("/frameworks", "frameworks"),
        ("/supervisors", "supervisors"),
    ] {
        b.open(&url(path)).await;
        checks.page(&b, name).await;
    }
    b.open(&url("/policy")).await;
    checks.page(&b, "supervision policy").await;
    b.fill("rules-0-min_minutes", "lots").await;
    b.press("Save the policy").await;
    assert!(b.text().await.contains("There is a problem"));
    checks.page(&b, "supervision policy, with an error").await;
    b.open(&url("/reminders")).await;
    checks.page(&b, "reminders").await;
    b.press("Run now").await;
    assert!(b.text().await.contains("The run found"));
    checks.page(&b, "reminders, after a run").await;

    b.open(&url("/audit")).await;
    checks.page(&b, "audit trail").await;
    b.press("Verify the trail").await;
    assert!(b.text().await.contains("The trail is intact"));
    checks.page(&b, "audit trail, verified").await;
    b.press("Sign out").await;

    // An admin: every service's dashboard, and the services.
    b.fill("email", ADMIN_EMAIL).await;
    b.fill("password", ADMIN_PASSWORD).await;
    b.press("Sign in").await;
    b.open(&url("/dashboard")).await;
    assert!(b.text().await.contains("Dashboard: every service"));
    checks.page(&b, "dashboard, every service").await;
    b.follow("a[href='/services']").await;
    checks.page(&b, "services").await;
    b.press("Add the service").await;
    assert!(b.text().await.contains("There is a problem"));
    checks.page(&b, "services, with errors").await;

    checks.finish(30);
}

/// The id of the credential whose form is first on the page.
async fn first_form_id(b: &Browser) -> String {
    b.attribute("form[action^='/verification/']", "action")
        .await
        .trim_start_matches("/verification/")
        .to_string()
}
