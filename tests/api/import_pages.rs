//! The import pages (`/imports/new`, `POST /imports`): a lead uploads a staff list, reads the
//! preview with each row's problems, uploads it corrected, and imports; forged uploads change
//! nothing; people who do not lead a service never see the page.

use actix_web::http::Method;
use actix_web::test::TestRequest;

use crate::both;
use crate::support::*;

both!(
    a_lead_previews_a_staff_list_then_imports_it,
    uploads_without_their_sessions_token_change_nothing,
    only_leads_and_admins_see_the_import_page,
);

const BOUNDARY: &str = "registry-test-boundary";

fn multipart(fields: &[(&str, &str)], file: Option<&str>) -> Vec<u8> {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    if let Some(f) = file {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"staff.csv\"\r\nContent-Type: text/csv\r\n\r\n{f}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body.into_bytes()
}

async fn upload(b: &Browser<'_>, fields: &[(&str, &str)], file: Option<&str>) -> Res {
    b.t.send(
        TestRequest::default()
            .method(Method::POST)
            .uri("/imports")
            .insert_header(("cookie", b.cookie.clone()))
            .insert_header((
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            ))
            .set_payload(multipart(fields, file)),
    )
    .await
}

const WITH_MISTAKES: &str = "email,full_name,practitioner_role,stage,wte\r\n\
    ana@registry.test,Ana Silva,pwp,trainee,1.0\r\n\
    ana@registry.test,Ana Again,pwp,trainee,1.0\r\n\
    ben@registry.test,Ben Okafor,pwp,senior,1.5\r\n";

const CORRECTED: &str = "email,full_name,practitioner_role,stage,wte\r\n\
    ana@registry.test,Ana Silva,pwp,trainee,1.0\r\n\
    ben@registry.test,Ben Okafor,pwp,qualified,0.5\r\n";

async fn a_lead_previews_a_staff_list_then_imports_it(t: TestApp) {
    let s = t.service("Northfield").await;
    t.person(&s, "lead@registry.test", &["training_lead"]).await;
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let form = b.get("/imports/new").await.expect(200).text();
    assert!(form.contains("enctype=\"multipart/form-data\"") && form.contains("name=\"dry_run\""));
    assert!(form.contains("People are added to Northfield"), "{form}");
    let before = t.count("users");
    let csrf = b.csrf.clone();
    let page = upload(
        &b,
        &[("csrf", &csrf), ("dry_run", "on")],
        Some(WITH_MISTAKES),
    )
    .await
    .expect(422)
    .text();
    assert!(
        page.contains("<title>Error: The file has problems"),
        "{page}"
    );
    assert!(
        page.contains("error-summary")
            && page.contains("href=\"#row-3\"")
            && page.contains("id=\"row-3\"")
    );
    assert!(page.contains("this email is also on row 2"));
    assert!(
        page.contains("must be trainee or qualified")
            && page.contains("must be between 0.1 and 1.0")
    );
    assert_eq!(t.count("users"), before);
    // Even without the check box, a file with problems writes nothing.
    upload(&b, &[("csrf", &csrf)], Some(WITH_MISTAKES))
        .await
        .expect(422);
    assert_eq!(t.count("users"), before);
    let preview = upload(&b, &[("csrf", &csrf), ("dry_run", "on")], Some(CORRECTED))
        .await
        .expect(200)
        .text();
    assert!(
        preview.contains("Check the import") && preview.contains("2 people will be added"),
        "{preview}"
    );
    assert!(
        preview.contains("Import these people")
            && preview.contains("type=\"hidden\" name=\"file\"")
    );
    assert_eq!(t.count("users"), before, "a preview saves nothing");
    let done = upload(&b, &[("csrf", &csrf)], Some(CORRECTED))
        .await
        .expect(200)
        .text();
    assert!(
        done.contains("Staff imported") && done.contains("2 people added"),
        "{done}"
    );
    assert_eq!(t.count(&format!("users WHERE service_id = '{s}'")), 3);
    t.smtp.wait_for(2).await;
}

async fn uploads_without_their_sessions_token_change_nothing(t: TestApp) {
    let s = t.service("Forged").await;
    t.person(&s, "lead@registry.test", &["training_lead"]).await;
    t.person(&s, "other@registry.test", &["training_lead"])
        .await;
    let b = t.sign_in("lead@registry.test", PASSWORD).await;
    let other = t.sign_in("other@registry.test", PASSWORD).await;
    let before = t.count("users");
    upload(&b, &[], Some(CORRECTED)).await.expect(403);
    upload(&b, &[("csrf", &other.csrf)], Some(CORRECTED))
        .await
        .expect(403);
    let cross =
        b.t.send(
            TestRequest::default()
                .method(Method::POST)
                .uri("/imports")
                .insert_header(("cookie", b.cookie.clone()))
                .insert_header(("sec-fetch-site", "cross-site"))
                .insert_header((
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                ))
                .set_payload(multipart(&[("csrf", &b.csrf)], Some(CORRECTED))),
        )
        .await;
    cross.expect(403);
    assert_eq!(t.count("users"), before);
    // No file chosen: the form again with the problem by the field.
    let page = upload(&b, &[("csrf", &b.csrf)], None)
        .await
        .expect(422)
        .text();
    assert!(page.contains("href=\"#file\""), "{page}");
}

async fn only_leads_and_admins_see_the_import_page(t: TestApp) {
    let s = t.service("Roles").await;
    t.service("Another").await;
    t.person(&s, "pwp@registry.test", &["practitioner", "supervisor"])
        .await;
    let p = t.sign_in("pwp@registry.test", PASSWORD).await;
    let home = p.get("/").await.expect(200).text();
    assert!(!home.contains("/imports/new"));
    p.get("/imports/new").await.expect(404);
    upload(&p, &[("csrf", &p.csrf)], Some(CORRECTED))
        .await
        .expect(404);
    let admin = t.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let home = admin.get("/").await.expect(200).text();
    assert!(home.contains("href=\"/imports/new\""));
    let form = admin.get("/imports/new").await.expect(200).text();
    assert!(
        form.contains("<select id=\"service_id\""),
        "an admin chooses the service"
    );
    t.page("/imports/new").await.expect(303);
}
