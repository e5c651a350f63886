//! `GET,POST /sign-off/{token}`: the page an emailed sign-off link opens, for a supervisor who
//! is not signed in (or has no account: a supervisor from outside the service). GET only shows,
//! because mail scanners open links; the POST carries a form token derived from the link, and
//! calls the same use cases as the API (`by_link`). Plain HTML that works with no script.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

use super::by_link::{self, LinkAction, LinkQueue};
use super::rules::Format;
use crate::app::AppState;
use crate::error::AppError;
use crate::http::html::page;
use crate::http::resource;
use crate::mail::escape_html as esc;

const TITLE: &str = "Countersign supervision";
const GONE: &str = "<p>This link has expired or no longer works. Links from the registry's emails \
work for 7 days. If a session still needs you, ask the person who recorded it to send it to you \
again, or sign in to the registry.</p>";

/// The form token of a link's page: anyone holding the link can compute it, so it adds nothing
/// to the link's own secret but it keeps the rule that every POST carries a form token.
fn form_token(link: &str) -> String {
    crate::auth::tokens::digest(&format!("sign-off-form:{link}"))
}

fn well_formed(token: &str) -> bool {
    (20..=200).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn format_words(format: Format, size: Option<i32>) -> String {
    match (format, size) {
        (Format::Individual, _) => "One to one".into(),
        (Format::Group, Some(n)) => format!("Group of {n}"),
        (Format::Group, None) => "Group (size not given)".into(),
    }
}

fn queue_page(token: &str, q: &LinkQueue, error: Option<&str>) -> String {
    let mut html = String::new();
    if let Some(e) = error {
        html.push_str(&format!(
            "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\"><h2>There is a problem</h2>\
             <ul><li><a href=\"#sessions\">{}</a></li></ul></div>",
            esc(e)
        ));
    }
    let n = q.logs.len();
    html.push_str(&format!(
        "<p>This page is for {name}, opened from the link in their email.</p>\
         <p>{count} waiting for you to countersign. Check each session you agree with, then \
         countersign them. If a session is not right, send it back with a reason below.</p>",
        name = esc(&q.supervisor.full_name),
        count = if n == 1 {
            "1 session is".to_string()
        } else {
            format!("{n} sessions are")
        },
    ));
    let csrf = form_token(token);
    html.push_str(&format!(
        "<form method=\"post\" action=\"/sign-off/{t}\" novalidate>\
         <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <div class=\"table-wrap\" role=\"region\" aria-label=\"Sessions waiting for you\" tabindex=\"0\"><table id=\"sessions\"><caption>Sessions waiting for you</caption><thead><tr>\
         <th scope=\"col\">Countersign</th><th scope=\"col\">Supervisee</th><th scope=\"col\">Date</th>\
         <th scope=\"col\">Type</th><th scope=\"col\">Format</th><th scope=\"col\">Minutes</th>\
         <th scope=\"col\">Notes</th></tr></thead><tbody>",
        t = esc(token),
    ));
    for v in &q.logs {
        let l = &v.log;
        let who = v.supervisee_name.as_deref().unwrap_or("A supervisee");
        let date = crate::dates::uk_date(l.held_on);
        let mut notes = esc(l.notes.as_deref().unwrap_or(""));
        for w in &v.warnings {
            notes.push_str(&format!(
                "<p class=\"warning\">Note: {}</p>",
                esc(&w.message)
            ));
        }
        html.push_str(&format!(
            "<tr><td><input type=\"checkbox\" name=\"ids\" value=\"{id}\" id=\"log-{id}\">\
             <label for=\"log-{id}\" class=\"visually-hidden\">Countersign {who_l}, {date}</label></td>\
             <td>{who}</td><td>{date}</td><td>{kind}</td><td>{format}</td><td>{minutes}</td><td>{notes}</td></tr>",
            id = esc(&l.id),
            who_l = esc(who),
            who = esc(who),
            kind = l.supervision_type.words(),
            format = esc(&format_words(l.format, l.group_size)),
            minutes = l.duration_minutes,
        ));
    }
    html.push_str(
        "</tbody></table></div><div><button type=\"submit\">Countersign the checked sessions</button></div></form>",
    );
    html.push_str("<h2>A session that is not right</h2>");
    for v in &q.logs {
        let l = &v.log;
        let who = esc(v.supervisee_name.as_deref().unwrap_or("A supervisee"));
        let date = crate::dates::uk_date(l.held_on);
        html.push_str(&format!(
            "<form method=\"post\" action=\"/sign-off/{t}\" novalidate>\
             <input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
             <input type=\"hidden\" name=\"reject\" value=\"{id}\">\
             <label for=\"reason-{id}\">Why {who}'s session of {date} is not right</label>\
             <textarea id=\"reason-{id}\" name=\"reason\" rows=\"3\" maxlength=\"2000\"></textarea>\
             <div><button type=\"submit\" class=\"secondary\">Send it back</button></div></form>",
            t = esc(token),
            id = esc(&l.id),
        ));
    }
    html
}

fn nothing_waiting(q: &LinkQueue) -> String {
    format!(
        "<p>Nothing is waiting for {}: every session this link names has been countersigned, \
         sent back, withdrawn or moved to another supervisor. You can close this page.</p>",
        esc(&q.supervisor.full_name)
    )
}

/// `GET /sign-off/{token}`: shows the sessions; changes nothing.
pub async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    if !well_formed(&token) {
        return Ok(page(StatusCode::NOT_FOUND, TITLE, GONE));
    }
    let now = state.clock.now();
    let probe = token.clone();
    let found = state
        .db(move |conn| by_link::link_queue(conn, &probe, now))
        .await?;
    Ok(match found {
        None => page(StatusCode::NOT_FOUND, TITLE, GONE),
        Some(q) if q.logs.is_empty() => page(StatusCode::OK, TITLE, &nothing_waiting(&q)),
        Some(q) => page(StatusCode::OK, TITLE, &queue_page(&token, &q, None)),
    })
}

/// `POST /sign-off/{token}`: countersigns the checked sessions (`ids`), all or none, or sends
/// one back (`reject`, `reason`).
pub async fn act(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    if !well_formed(&token) {
        return Ok(page(StatusCode::NOT_FOUND, TITLE, GONE));
    }
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if field("csrf") != Some(form_token(&token).as_str()) {
        return Ok(page(
            StatusCode::FORBIDDEN,
            TITLE,
            "<p>This form could not be accepted: it did not come from the registry's own page. \
             Open the link from your email again.</p>",
        ));
    }
    let action = match field("reject") {
        Some(id) => LinkAction::Reject {
            id: id.to_string(),
            reason: field("reason").unwrap_or_default().to_string(),
        },
        None => LinkAction::SignOff(
            fields
                .iter()
                .filter(|(k, _)| k == "ids")
                .map(|(_, v)| v.clone())
                .collect(),
        ),
    };
    let rejecting = matches!(action, LinkAction::Reject { .. });
    let now = state.clock.now();
    let secret = token.clone();
    let outcome = state
        .write(move |conn| by_link::act_by_link(conn, &secret, action, now))
        .await;
    let problem = match outcome {
        Ok(None) => return Ok(page(StatusCode::NOT_FOUND, TITLE, GONE)),
        Ok(Some(n)) => {
            let done = match (rejecting, n) {
                (true, _) => {
                    "The session has been sent back with your reason. Its supervisee will see it."
                        .to_string()
                }
                (false, 1) => "You countersigned 1 session. Thank you.".to_string(),
                (false, n) => format!("You countersigned {n} sessions. Thank you."),
            };
            return Ok(page(
                StatusCode::OK,
                TITLE,
                &format!(
                    "<p role=\"status\">{}</p><p><a href=\"/sign-off/{}\">See what is still waiting</a></p>",
                    esc(&done),
                    esc(&token)
                ),
            ));
        }
        Err(AppError::Validation(errors)) => {
            let e = errors.first();
            match e.map(|e| e.field.as_str()) {
                Some("ids") => {
                    "Check at least one session to countersign (at most 200 at once)".to_string()
                }
                Some("reason") => {
                    "Say why the session is not right (at most 2000 characters)".to_string()
                }
                _ => e
                    .map(|e| format!("{} {}", e.field, e.message))
                    .unwrap_or_default(),
            }
        }
        Err(AppError::NotFoundNamed(m)) | Err(AppError::Conflict(m)) => m,
        Err(AppError::Forbidden(m)) => m,
        Err(other) => return Err(other),
    };
    let now = state.clock.now();
    let secret = token.clone();
    let found = state
        .db(move |conn| by_link::link_queue(conn, &secret, now))
        .await?;
    Ok(match found {
        None => page(StatusCode::NOT_FOUND, TITLE, GONE),
        Some(q) if q.logs.is_empty() => page(StatusCode::CONFLICT, TITLE, &nothing_waiting(&q)),
        Some(q) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            TITLE,
            &queue_page(&token, &q, Some(&problem)),
        ),
    })
}

/// At the root, beside the other pages an emailed link opens.
pub fn public_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/sign-off/{token}", "GET, POST")
            .route(web::get().to(show))
            .route(web::post().to(act)),
    );
}
