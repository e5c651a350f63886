use actix_web::http::Method;

use crate::both;
use crate::support::*;

both!(bodies_and_modalities_are_seeded);

async fn bodies_and_modalities_are_seeded(t: TestApp) {
    let bodies = t
        .get("/api/v1/accreditation-bodies", &t.admin)
        .await
        .expect(200)
        .json();
    let mut codes: Vec<&str> = bodies["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    codes.sort();
    assert_eq!(codes, ["BABCP", "BACP", "BPC", "BPS", "IPTUK"]);
    let modalities = t
        .get("/api/v1/modalities", &t.admin)
        .await
        .expect(200)
        .json();
    let pairs: Vec<(String, String)> = modalities["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["code"].as_str().unwrap().to_string(),
                m["body"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (code, body) in [
        ("li_cbt", "BPS"),
        ("cbt", "BABCP"),
        ("cfd", "BACP"),
        ("ctfd", "BABCP"),
        ("dit", "BPC"),
        ("ipt", "IPTUK"),
    ] {
        assert!(
            pairs.contains(&(code.to_string(), body.to_string())),
            "{code} -> {body} missing: {pairs:?}"
        );
    }
    t.call(Method::GET, "/api/v1/modalities", None, None)
        .await
        .problem(401);
}
