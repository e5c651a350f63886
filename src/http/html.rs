//! The registry's own plain HTML shell for the pages an emailed link opens: no script, no
//! third-party code, nothing fetched from elsewhere; never cached, indexed or referred from.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;

use crate::mail::escape_html as esc;

/// One page of the registry's own plain HTML.
pub fn page(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    let html = format!(
        "<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
         <meta name=\"robots\" content=\"noindex, nofollow\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} - Training registry</title><style>{STYLE}</style></head><body>\
         <a class=\"skip\" href=\"#main\">Skip to main content</a>\
         <header><p>Talking Therapies training registry</p></header>\
         <main id=\"main\"><h1>{title}</h1>{body}</main></body></html>",
        title = esc(title),
    );
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("X-Robots-Tag", "noindex, nofollow"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ))
        .body(html)
}

const STYLE: &str = "body{font-family:Arial,sans-serif;font-size:1.1875rem;line-height:1.5;\
margin:0;color:#212b32;background:#f0f4f5}header{background:#005eb8;color:#fff;padding:.75rem 1rem}\
header p{margin:0;font-weight:bold}main{max-width:40rem;margin:0 auto;padding:1rem}\
label{display:block;font-weight:bold;margin:1rem 0 .25rem}.hint{color:#4c6272;margin:0 0 .5rem}\
input[type=password]{font-size:1.1875rem;padding:.5rem;width:100%;max-width:24rem;border:2px solid #4c6272}\
button{font-size:1.1875rem;padding:.6rem 1.2rem;margin-top:1rem;background:#007f3b;color:#fff;border:0;\
border-bottom:4px solid #00401e;cursor:pointer}:focus{outline:4px solid #ffeb3b;outline-offset:0}\
.error-summary{border:4px solid #d5281b;padding:1rem;background:#fff}.error{color:#d5281b;font-weight:bold}\
.skip{position:absolute;left:-999px}.table-wrap{overflow-x:auto;position:relative;margin:0 0 1rem}\
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #d8dde0;vertical-align:top}\
input[type=checkbox]{width:1.5rem;height:1.5rem}textarea{font-size:1.1875rem;width:100%;max-width:30rem;border:2px solid #4c6272}\
.secondary{background:#d5281b;border-bottom-color:#6b140e}.warning{color:#7a4a00}.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}.skip:focus{left:1rem;top:1rem;background:#ffeb3b;color:#212b32;padding:.5rem}";
