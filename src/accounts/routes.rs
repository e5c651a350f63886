//! Accounts' JSON routes: parse, call the use case, respond.

use actix_web::{web, HttpRequest, HttpResponse};

use super::passwords::{self, PasswordChange, ResetConfirm, ResetRequest, ResetRequested};
use super::{AcceptInviteRequest, LoginRequest, Me, RefreshRequest, TokenPair};
use crate::app::AppState;
use crate::error::AppError;
use crate::http::caller::Auth;
use crate::http::client::client_addr;
use crate::http::{resource, Json};

#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth",
    summary = "Sign in with email and password",
    request_body = LoginRequest,
    description = "**Who may call:** anyone; no token. Attempts are throttled per address and per account.",
    responses(
        (status = 200, body = TokenPair),
        (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 422, body = crate::http::Problem), (status = 429, body = crate::http::Problem),
        (status = 503, body = crate::http::Problem),
    )
)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let address = client_addr(&req, &state.settings.trusted_proxies);
    let pair: TokenPair = super::log_in(&state, body.0, address).await?;
    Ok(HttpResponse::Ok().json(pair))
}

#[utoipa::path(
    post, path = "/api/v1/auth/refresh", tag = "auth",
    summary = "Swap a refresh token for new tokens",
    request_body = RefreshRequest,
    description = "**Who may call:** the holder of a current refresh token (it is used up).",
    responses(
        (status = 200, body = TokenPair),
        (status = 400, body = crate::http::Problem), (status = 401, body = crate::http::Problem),
        (status = 422, body = crate::http::Problem),
    )
)]
pub async fn refresh(
    state: web::Data<AppState>,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(super::refresh_tokens(&state, body.0).await?))
}

#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth",
    summary = "Sign out",
    description = "**Who may call:** any signed-in person; ends the session the token belongs to.",
    responses((status = 204), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn logout(
    state: web::Data<AppState>,
    Auth(caller): Auth,
) -> Result<HttpResponse, AppError> {
    super::log_out(&state, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    post, path = "/api/v1/auth/accept-invite", tag = "auth",
    summary = "Set a password from an invitation",
    request_body = AcceptInviteRequest,
    description = "**Who may call:** the holder of an invitation token, once.",
    responses(
        (status = 200, body = TokenPair, description = "the password is set; the person is logged in"),
        (status = 400, body = crate::http::Problem, description = "the invitation is unknown, used or expired"),
        (status = 422, body = crate::http::Problem), (status = 429, body = crate::http::Problem),
        (status = 503, body = crate::http::Problem),
    )
)]
pub async fn accept_invite(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<AcceptInviteRequest>,
) -> Result<HttpResponse, AppError> {
    let address = client_addr(&req, &state.settings.trusted_proxies);
    Ok(HttpResponse::Ok().json(super::accept_invitation(&state, body.0, address).await?))
}

#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth",
    summary = "Who you are signed in as",
    description = "**Who may call:** any signed-in person.",
    responses((status = 200, body = Me), (status = 401, body = crate::http::Problem)),
    security(("bearer" = []))
)]
pub async fn me(Auth(caller): Auth) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        id: caller.id,
        email: caller.email,
        full_name: caller.full_name,
        roles: caller.roles,
        service_id: caller.service_id,
    })
}

#[utoipa::path(
    post, path = "/api/v1/auth/password-reset", tag = "auth",
    summary = "Ask for a password-reset email",
    request_body = ResetRequest,
    description = "Emails a one-time link (one hour) to reset the password of the account with this email. The answer is the same 202 whether or not the email is anyone's; requests are throttled per email and per address.\n\n**Who may call:** anyone; no token. Throttled; the answer never says whether the email is known.",
    responses(
        (status = 202, body = ResetRequested),
        (status = 400, body = crate::http::Problem), (status = 422, body = crate::http::Problem),
        (status = 429, body = crate::http::Problem),
    )
)]
pub async fn password_reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<ResetRequest>,
) -> Result<HttpResponse, AppError> {
    let address = client_addr(&req, &state.settings.trusted_proxies);
    passwords::request_reset(&state, body.0, address).await?;
    Ok(HttpResponse::Accepted().json(ResetRequested {
        detail: passwords::RESET_REQUESTED,
    }))
}

#[utoipa::path(
    post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    summary = "Set a new password from a reset email",
    request_body = ResetConfirm,
    description = "Sets a new password with the emailed token, once, ends every other session of the person and signs them in.\n\n**Who may call:** the holder of a reset token, once, within its hour.",
    responses(
        (status = 200, body = TokenPair, description = "the password is set; the person is signed in"),
        (status = 400, body = crate::http::Problem, description = "the link is unknown, used or expired"),
        (status = 422, body = crate::http::Problem), (status = 429, body = crate::http::Problem),
        (status = 503, body = crate::http::Problem),
    )
)]
pub async fn password_reset_confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<ResetConfirm>,
) -> Result<HttpResponse, AppError> {
    let address = client_addr(&req, &state.settings.trusted_proxies);
    Ok(HttpResponse::Ok().json(passwords::confirm_reset(&state, body.0, address).await?))
}

#[utoipa::path(
    post, path = "/api/v1/me/password", tag = "auth",
    summary = "Change your password",
    request_body = PasswordChange,
    description = "Changes the caller's password, given the current one; ends every other session of theirs (this one stays). A wrong current password counts as a failed login.\n\n**Who may call:** any signed-in person, for their own account.",
    responses(
        (status = 204), (status = 401, body = crate::http::Problem),
        (status = 422, body = crate::http::Problem), (status = 429, body = crate::http::Problem),
        (status = 503, body = crate::http::Problem),
    ),
    security(("bearer" = []))
)]
pub async fn change_password(
    state: web::Data<AppState>,
    Auth(caller): Auth,
    body: Json<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    passwords::change_password(&state, &caller, body.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/auth/login", "POST").route(web::post().to(login)))
        .service(resource("/auth/refresh", "POST").route(web::post().to(refresh)))
        .service(resource("/auth/logout", "POST").route(web::post().to(logout)))
        .service(resource("/auth/accept-invite", "POST").route(web::post().to(accept_invite)))
        .service(resource("/auth/password-reset", "POST").route(web::post().to(password_reset)))
        .service(
            resource("/auth/password-reset/confirm", "POST")
                .route(web::post().to(password_reset_confirm)),
        )
        .service(resource("/me/password", "POST").route(web::post().to(change_password)))
        .service(resource("/me", "GET").route(web::get().to(me)));
}
