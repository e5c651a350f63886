use actix_web::http::Method;
use serde_json::json;

use crate::both;
use crate::support::*;

both!(
    admins_write_services_and_everyone_reads_them,
    services_refuse_bad_input_and_unknown_ids
);

async fn admins_write_services_and_everyone_reads_them(t: TestApp) {
    let created = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Talking Therapies Camden", "provider": "C&I NHS FT"}),
        )
        .await
        .expect(201)
        .json();
    let id = created["id"].as_str().unwrap();
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    let (_, lead) = t.person(id, "lead@registry.test", &["training_lead"]).await;
    let (_, prac) = t.person(id, "prac@registry.test", &["practitioner"]).await;

    t.post(
        "/api/v1/services",
        &lead,
        json!({"name": "Mine", "provider": "X"}),
    )
    .await
    .problem(403);
    t.post(
        "/api/v1/services",
        &prac,
        json!({"name": "Mine", "provider": "X"}),
    )
    .await
    .problem(403);
    t.patch(
        &format!("/api/v1/services/{id}"),
        &lead,
        json!({"name": "Renamed"}),
    )
    .await
    .problem(403);

    let got = t
        .get(&format!("/api/v1/services/{id}"), &prac)
        .await
        .expect(200)
        .json();
    assert_eq!(got["name"], "Talking Therapies Camden");
    let list = t.get("/api/v1/services", &prac).await.expect(200).json();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["next_cursor"].is_null());

    let patched = t
        .patch(
            &format!("/api/v1/services/{id}"),
            &t.admin,
            json!({"name": "Camden and Islington"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(patched["name"], "Camden and Islington");
    assert_eq!(patched["provider"], "C&I NHS FT");
    t.call(Method::GET, "/api/v1/services", None, None)
        .await
        .problem(401);
}

async fn services_refuse_bad_input_and_unknown_ids(t: TestApp) {
    let p = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "", "provider": "X"}),
        )
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "name");
    let p = t
        .post("/api/v1/services", &t.admin, json!({"name": "A"}))
        .await
        .problem(422);
    assert_eq!(p["errors"][0]["field"], "provider");
    t.get(
        "/api/v1/services/00000000-0000-0000-0000-000000000000",
        &t.admin,
    )
    .await
    .problem(404);
    t.get("/api/v1/services/not-a-uuid", &t.admin)
        .await
        .problem(404);
    t.patch(
        "/api/v1/services/00000000-0000-0000-0000-000000000000",
        &t.admin,
        json!({"name": "x"}),
    )
    .await
    .problem(404);
}
