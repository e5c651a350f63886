//! The pages an emailed link opens: setting a first password from an invitation, and a new one
//! from a reset link. Plain HTML that works with no script; the web pages restyle them. They
//! call the same use cases as `POST /auth/accept-invite` and `/auth/password-reset/confirm`.
//! The link's token is the only secret a form carries, so it guards the POST as a CSRF token
//! would; pages answer `no-store`, and no referrer leaves them.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::password::MIN_LENGTH;
use crate::auth::session::{self, LinkPurpose};
use crate::error::{AppError, FieldError};
use crate::http::client::client_addr;
use crate::http::html::page;
use crate::http::resource;
use crate::mail::escape_html as esc;

#[derive(Debug, Deserialize)]
pub struct LinkQuery {
    pub token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

struct Kind {
    purpose: LinkPurpose,
    action: &'static str,
    title: &'static str,
    intro: &'static str,
    done: &'static str,
    expired: &'static str,
}

const INVITE: Kind = Kind {
    purpose: LinkPurpose::Invite,
    action: "/accept-invite",
    title: "Set your password",
    intro: "Choose the password you will sign in with.",
    done: "Your password is set. You can now sign in to the registry with your email address and this password.",
    expired: "This invitation link has already been used or has expired. Ask your training lead to send you a new invitation.",
};

const RESET: Kind = Kind {
    purpose: LinkPurpose::Reset,
    action: "/reset-password",
    title: "Choose a new password",
    intro: "Choose a new password for your account. You will be signed out everywhere else.",
    done: "Your password has been changed. You can now sign in with your email address and the new password.",
    expired: "This reset link has already been used or has expired. Ask for a new one from the sign-in page, or ask your training lead.",
};

fn form(kind: &Kind, token: &str, error: Option<&str>) -> String {
    let summary = match error {
        Some(e) => format!(
            "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\"><h2>There is a problem</h2>\
             <ul><li><a href=\"#password\">{}</a></li></ul></div>",
            esc(e)
        ),
        None => String::new(),
    };
    let message = match error {
        Some(e) => format!(
            "<p class=\"error\" id=\"password-error\">Error: {}</p>",
            esc(e)
        ),
        None => String::new(),
    };
    let described = if error.is_some() {
        "password-hint password-error"
    } else {
        "password-hint"
    };
    format!(
        "{summary}<p>{intro}</p><form method=\"post\" action=\"{action}\" novalidate>\
         <input type=\"hidden\" name=\"token\" value=\"{token}\">\
         <label for=\"password\">New password</label>\
         <p class=\"hint\" id=\"password-hint\">At least {MIN_LENGTH} characters. A few unrelated words are easy to remember and hard to guess.</p>\
         {message}<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"new-password\" \
         aria-describedby=\"{described}\" required>\
         <div><button type=\"submit\">{title}</button></div></form>",
        intro = esc(kind.intro),
        action = kind.action,
        token = esc(token),
        title = esc(kind.title),
    )
}

async fn show(
    state: &AppState,
    kind: &Kind,
    token: Option<String>,
) -> Result<HttpResponse, AppError> {
    let Some(token) = token.filter(|t| !t.is_empty() && t.len() <= 200) else {
        return Ok(page(
            StatusCode::BAD_REQUEST,
            kind.title,
            "<p>This link is incomplete. Open the link from your email again, or copy all of it into the address bar.</p>",
        ));
    };
    let at = state.clock.now();
    let purpose = kind.purpose;
    let probe = token.clone();
    let open = state
        .db(move |conn| session::link_is_open(conn, &probe, purpose, at))
        .await?;
    if !open {
        return Ok(page(
            StatusCode::BAD_REQUEST,
            kind.title,
            &format!("<p>{}</p>", esc(kind.expired)),
        ));
    }
    Ok(page(StatusCode::OK, kind.title, &form(kind, &token, None)))
}

async fn submit(
    state: &AppState,
    req: &HttpRequest,
    kind: &Kind,
    body: &[u8],
) -> Result<HttpResponse, AppError> {
    let f: PasswordForm = serde_urlencoded::from_bytes(body)
        .map_err(|_| AppError::BadRequest("the form could not be read".into()))?;
    let address = client_addr(req, &state.settings.trusted_proxies);
    let result = match kind.purpose {
        LinkPurpose::Invite => {
            super::accept_invitation(
                state,
                super::AcceptInviteRequest {
                    token: f.token.clone(),
                    password: f.password,
                },
                address,
            )
            .await
        }
        LinkPurpose::Reset => {
            super::passwords::confirm_reset(
                state,
                super::passwords::ResetConfirm {
                    token: f.token.clone(),
                    password: f.password,
                },
                address,
            )
            .await
        }
        LinkPurpose::SignOff => Err(AppError::NotFound),
    };
    match result {
        Ok(_) => Ok(page(
            StatusCode::OK,
            kind.title,
            &format!("<p>{}</p><p><a href=\"/login\">Sign in</a></p>", esc(kind.done)),
        )),
        Err(AppError::Validation(errors)) => {
            let message = first_message(&errors);
            Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                kind.title,
                &form(kind, &f.token, Some(&message)),
            ))
        }
        Err(AppError::BadRequest(_)) => Ok(page(
            StatusCode::BAD_REQUEST,
            kind.title,
            &format!("<p>{}</p>", esc(kind.expired)),
        )),
        Err(AppError::TooManyRequests { retry_after_secs }) => Ok(page(
            StatusCode::TOO_MANY_REQUESTS,
            kind.title,
            &format!(
                "<p>There have been too many tries from here. Wait {} minutes, then open the link again.</p>",
                (retry_after_secs + 59) / 60
            ),
        )),
        Err(other) => Err(other),
    }
}

fn first_message(errors: &[FieldError]) -> String {
    errors
        .iter()
        .find(|e| e.field == "password")
        .or(errors.first())
        .map(|e| format!("The password {}", e.message))
        .unwrap_or_else(|| "The password cannot be used".into())
}

pub async fn accept_invite_page(
    state: web::Data<AppState>,
    q: web::Query<LinkQuery>,
) -> Result<HttpResponse, AppError> {
    show(&state, &INVITE, q.into_inner().token).await
}

pub async fn accept_invite_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    submit(&state, &req, &INVITE, &body).await
}

pub async fn reset_page(
    state: web::Data<AppState>,
    q: web::Query<LinkQuery>,
) -> Result<HttpResponse, AppError> {
    show(&state, &RESET, q.into_inner().token).await
}

pub async fn reset_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    submit(&state, &req, &RESET, &body).await
}

/// At the root, beside `/health`.
pub fn public_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/accept-invite", "GET, POST")
            .route(web::get().to(accept_invite_page))
            .route(web::post().to(accept_invite_submit)),
    )
    .service(
        resource("/reset-password", "GET, POST")
            .route(web::get().to(reset_page))
            .route(web::post().to(reset_submit)),
    );
}
