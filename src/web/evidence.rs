//! A practitioner's evidence pack for a body's audit (`/evidence`): choose the body and the
//! period, then view it (a printable page) or download it as CSV. The same use case and the
//! same renderers as `GET /practitioners/{id}/evidence-pack`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::page::{render, Chrome};
use super::session::Signed;
use crate::app::AppState;
use crate::auth::policy::{may_open, Area};
use crate::error::AppError;
use crate::evidence::{render as pack, PackQuery};

#[derive(Template)]
#[template(path = "web/evidence.html")]
struct EvidencePage {
    chrome: Chrome,
    bodies: Vec<(String, String, bool)>,
    months: u32,
    query: String,
}

#[derive(Deserialize)]
pub struct EvidenceQuery {
    body: Option<String>,
    months: Option<u32>,
}

pub async fn show(
    state: web::Data<AppState>,
    signed: Signed,
    q: web::Query<EvidenceQuery>,
) -> Result<HttpResponse, PageError> {
    if !may_open(&signed.caller, Area::Practice) {
        return Err(AppError::NotFound.into());
    }
    let bodies = state.db(crate::reference::queries::bodies).await?;
    let months = q.months.filter(|m| (1..=60).contains(m)).unwrap_or(12);
    let chosen = q
        .body
        .clone()
        .filter(|b| bodies.iter().any(|x| &x.code == b));
    let query = match &chosen {
        Some(b) => format!("body={b}&months={months}"),
        None => format!("months={months}"),
    };
    let page = EvidencePage {
        chrome: Chrome::signed_in(
            &signed.caller,
            &signed.csrf,
            "Your evidence pack",
            "/evidence",
        ),
        bodies: bodies
            .into_iter()
            .map(|b| {
                let on = chosen.as_deref() == Some(b.code.as_str());
                (b.code, b.name, on)
            })
            .collect(),
        months,
        query,
    };
    render(StatusCode::OK, &page)
}

/// The pack itself: `view` as a printable page, `download` as CSV.
pub async fn pack_file(
    state: web::Data<AppState>,
    signed: Signed,
    how: web::Path<String>,
    q: web::Query<EvidenceQuery>,
) -> Result<HttpResponse, PageError> {
    if !may_open(&signed.caller, Area::Practice) {
        return Err(AppError::NotFound.into());
    }
    let me = signed.caller.id.clone();
    answer(&state, &signed, me, &how, q.into_inner()).await
}

/// A person's pack for their training lead (`/people/{id}/evidence/{view|download}`): the same
/// use case decides who may see it, and answers 404 to anyone else.
pub async fn person_pack(
    state: web::Data<AppState>,
    signed: Signed,
    path: web::Path<(String, String)>,
    q: web::Query<EvidenceQuery>,
) -> Result<HttpResponse, PageError> {
    if !may_open(&signed.caller, Area::Leading) {
        return Err(AppError::NotFound.into());
    }
    let (id, how) = path.into_inner();
    let id = crate::http::parse_id(&id).map_err(|_| AppError::NotFound)?;
    answer(&state, &signed, id, &how, q.into_inner()).await
}

async fn answer(
    state: &AppState,
    signed: &Signed,
    person: String,
    how: &str,
    q: EvidenceQuery,
) -> Result<HttpResponse, PageError> {
    let input = PackQuery {
        body: q.body,
        months: q.months,
    };
    let at = state.clock.now();
    let who = signed.caller.clone();
    let p = state
        .db(move |conn| crate::evidence::evidence_pack(conn, &who, &person, &input, at))
        .await?;
    match how {
        "view" => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((
                "Content-Security-Policy",
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ))
            .body(pack::html(&p))),
        "download" => {
            let name = format!(
                "evidence-{}-{}-{}.csv",
                p.body.code.to_lowercase(),
                crate::http::report::slug(&p.practitioner.full_name),
                p.to
            );
            Ok(crate::http::csv::response(&name, pack::csv(&p)))
        }
        _ => Err(AppError::NotFound.into()),
    }
}
