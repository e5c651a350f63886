//! `GET,POST /login` and `POST /logout`: the same accounts, throttle and answer as the API's
//! login, with a browser session behind an HttpOnly cookie.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::error::PageError;
use super::fields::Shown;
use super::page::{render, see_other, Chrome};
use super::session::{self, Posted, PublicForm};
use crate::accounts::{self, LoginRequest};
use crate::app::AppState;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "web/login.html")]
struct LoginPage {
    chrome: Chrome,
    errors: Vec<Shown>,
    email: String,
    next: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    ended: Option<String>,
}

/// A path on this registry to go to after signing in; anything else (another host, a
/// scheme-relative `//host`) is dropped.
fn local_path(next: Option<&str>) -> Option<String> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.starts_with("/\\")
            && n.len() <= 500
            && !n.chars().any(|c| c.is_control())
    })
    .map(str::to_string)
}

fn form_page(
    status: StatusCode,
    errors: Vec<Shown>,
    email: String,
    next: Option<String>,
    notice: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    render(
        status,
        &LoginPage {
            chrome: Chrome::bare("Sign in"),
            errors,
            email,
            next,
            notice,
        },
    )
}

pub async fn show(req: HttpRequest, q: web::Query<LoginQuery>) -> Result<HttpResponse, PageError> {
    if session::signed_in(&req).await?.is_some() {
        return Ok(see_other("/"));
    }
    let notice = q
        .ended
        .is_some()
        .then_some("You have signed out. Sign in again to go on.");
    form_page(
        StatusCode::OK,
        Vec::new(),
        String::new(),
        local_path(q.next.as_deref()),
        notice,
    )
}

/// `POST /login`. Signing in changes who the browser is: a form from another site could sign a
/// victim in to someone else's account, so it is refused as any other cross-site form.
pub async fn submit(
    state: web::Data<AppState>,
    posted: PublicForm,
) -> Result<HttpResponse, PageError> {
    let PublicForm { form, address } = posted;
    let email = form.raw("email");
    let next = local_path(form.get("next"));
    let login = LoginRequest {
        email: email.trim().to_string(),
        password: form.raw("password"),
    };
    let one = |text: &str| {
        vec![Shown {
            anchor: "email".into(),
            text: text.into(),
        }]
    };
    match accounts::log_in_browser(&state, login, address).await {
        Ok(secret) => {
            let mut res = see_other(next.as_deref().unwrap_or("/"));
            res.add_cookie(&session::cookie(secret, state.settings.served_over_https()))
                .map_err(AppError::internal)?;
            Ok(res)
        }
        Err(AppError::Unauthorized(_)) | Err(AppError::Validation(_)) => form_page(
            StatusCode::UNAUTHORIZED,
            one("The email address or password is not correct"),
            email,
            next,
            None,
        ),
        Err(AppError::TooManyRequests { retry_after_secs }) => {
            let minutes = (retry_after_secs + 59) / 60;
            let text = format!(
                "There have been too many sign-in attempts. Wait {minutes} minutes, then try again"
            );
            let mut res = form_page(StatusCode::TOO_MANY_REQUESTS, one(&text), email, next, None)?;
            if let Ok(v) = retry_after_secs.to_string().parse() {
                res.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, v);
            }
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn log_out(
    state: web::Data<AppState>,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let signed = posted.signed;
    accounts::log_out_browser(&state, &signed.caller, signed.secret().to_string()).await?;
    let mut res = see_other("/login?ended=1");
    res.add_removal_cookie(&session::removal(state.settings.served_over_https()))
        .map_err(AppError::internal)?;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_a_local_path_is_followed_after_sign_in() {
        assert_eq!(local_path(Some("/sign-off")), Some("/sign-off".into()));
        assert_eq!(local_path(Some("//evil.example")), None);
        assert_eq!(local_path(Some("https://evil.example")), None);
        assert_eq!(local_path(Some("/\\evil.example")), None);
        assert_eq!(local_path(None), None);
    }
}

#[derive(Template)]
#[template(path = "web/forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    errors: Vec<Shown>,
    email: String,
    sent: bool,
}

/// `GET /forgot-password`: asks for the email to send a reset link to.
pub async fn forgot(_req: HttpRequest) -> Result<HttpResponse, PageError> {
    render(
        StatusCode::OK,
        &ForgotPage {
            chrome: Chrome::bare("Reset your password"),
            errors: Vec::new(),
            email: String::new(),
            sent: false,
        },
    )
}

/// `POST /forgot-password`: the API's reset request. The page says the same whether or not the
/// email is anyone's, and is throttled as the API is.
pub async fn send_reset(
    state: web::Data<AppState>,
    posted: PublicForm,
) -> Result<HttpResponse, PageError> {
    let PublicForm { form, address } = posted;
    let email = form.raw("email");
    let asked = crate::accounts::passwords::ResetRequest {
        email: email.trim().to_string(),
    };
    let (status, errors, sent) =
        match crate::accounts::passwords::request_reset(&state, asked, address).await {
            Ok(()) => (StatusCode::OK, Vec::new(), true),
            Err(AppError::Validation(_)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![Shown {
                    anchor: "email".into(),
                    text: "Enter the email address you sign in with".into(),
                }],
                false,
            ),
            Err(e) => return Err(e.into()),
        };
    render(
        status,
        &ForgotPage {
            chrome: Chrome::bare("Reset your password"),
            errors,
            email,
            sent,
        },
    )
}
