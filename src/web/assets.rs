//! The pages' own stylesheet and script, compiled into the binary and served from the registry
//! itself (nothing is fetched from another host). Their addresses carry a digest of their
//! content, so browsers may keep them for a year and still get a changed one at once.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

const CSS: &str = include_str!("../../assets/registry.css");
const JS: &str = include_str!("../../assets/registry.js");

fn versioned(path: &str, content: &str) -> String {
    let d = crate::auth::tokens::digest(content);
    format!("{path}?v={}", &d[..12])
}

pub fn stylesheet_href() -> &'static str {
    static HREF: OnceLock<String> = OnceLock::new();
    HREF.get_or_init(|| versioned("/assets/registry.css", CSS))
}

pub fn script_href() -> &'static str {
    static HREF: OnceLock<String> = OnceLock::new();
    HREF.get_or_init(|| versioned("/assets/registry.js", JS))
}

fn asset(req: &HttpRequest, content_type: &str, body: &'static str) -> HttpResponse {
    let cache = if req.query_string().starts_with("v=") {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body)
}

pub async fn stylesheet(req: HttpRequest) -> HttpResponse {
    asset(&req, "text/css; charset=utf-8", CSS)
}

pub async fn script(req: HttpRequest) -> HttpResponse {
    asset(&req, "text/javascript; charset=utf-8", JS)
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    use crate::http::resource;
    cfg.service(resource("/assets/registry.css", "GET").route(web::get().to(stylesheet)))
        .service(resource("/assets/registry.js", "GET").route(web::get().to(script)));
}
