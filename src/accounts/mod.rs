//! Accounts: login with throttling, rotating refresh tokens, logout, invitations and `/me`.
//! The rules they use (passwords, tokens, sessions, throttling) live in `auth`.

pub mod pages;
pub mod passwords;
pub mod routes;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::app::AppState;

use crate::auth::policy::{Caller, Role};
use crate::auth::session::{self, LinkPurpose, Refresh};
use crate::auth::web_session;
use crate::auth::{throttle, valid_password};
use crate::error::{validate, AppError};
pub use routes::routes;

/// The one answer to any failed login, whether or not the email exists.
pub const LOGIN_REFUSED: &str = "the email or password is not correct";

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 320, message = "is required"))]
    #[schema(min_length = 1, max_length = 320)]
    pub email: String,
    #[validate(length(min = 1, max = 1024, message = "is required"))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Always "Bearer".
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: i64,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 200, message = "is required"))]
    #[schema(min_length = 1, max_length = 200)]
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct AcceptInviteRequest {
    #[validate(length(min = 1, max = 200, message = "is required"))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    #[validate(custom(function = "valid_password"))]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub email: String,
    pub full_name: String,
    pub roles: Vec<Role>,
    pub service_id: Option<String>,
}

pub(crate) fn token_pair(
    state: &AppState,
    user_id: &str,
    session_id: &str,
    refresh_token: String,
) -> Result<TokenPair, AppError> {
    let access_token = state
        .tokens
        .issue(user_id, session_id, chrono::Utc::now().timestamp())
        .map_err(AppError::internal)?;
    Ok(TokenPair {
        access_token,
        refresh_token,
        token_type: "Bearer",
        expires_in: state.tokens.access_ttl_secs,
    })
}

pub(crate) fn limits(state: &AppState) -> throttle::Limits {
    throttle::Limits {
        per_account: state.settings.login_max_failures_per_account,
        per_address: state.settings.login_max_failures_per_address,
        window_secs: state.settings.login_window_secs,
    }
}

/// Runs password work (hashing, verifying) that a throttled attempt is waiting on. Work that
/// could not run (the hashing pool is full) checked nothing, so it is no failure: the attempt
/// is taken back and the error answered.
pub(crate) async fn unless_unchecked<T>(
    state: &AppState,
    attempts: &[String],
    work: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    match work.await {
        Ok(v) => Ok(v),
        Err(e) => {
            let attempts = attempts.to_vec();
            state
                .write(move |conn| throttle::forgive(conn, &attempts))
                .await?;
            Err(e)
        }
    }
}

/// An email and password that matched an active account; the throttle's bookkeeping is
/// settled in the transaction that opens the session (`settle`).
struct Checked {
    user_id: String,
    account_key: String,
    attempts: Vec<String>,
}

/// Checks an email and password, for the API and for the sign-in page alike. Any wrong pair is
/// the same 401; too many failures for the account or from the address answer 429 with
/// `Retry-After`. The attempt is counted before the password is checked, so concurrent guesses
/// cannot outrun the limit.
async fn check_login(
    state: &AppState,
    body: LoginRequest,
    address: &str,
    now: chrono::NaiveDateTime,
) -> Result<Checked, AppError> {
    validate(&body)?;
    let email = body.email.trim().to_lowercase();
    let account_key = throttle::account_key(&email);
    let address_key = throttle::address_key(address);
    let limits = limits(state);

    let (k1, k2) = (account_key.clone(), address_key.clone());
    let (attempts, candidate) = state
        .write(move |conn| {
            let ids = throttle::begin_attempt(
                conn,
                &[(&k1, limits.per_account), (&k2, limits.per_address)],
                limits.window_secs,
                now,
            )?;
            Ok((ids, session::find_by_email(conn, &email)?))
        })
        .await?;
    let stored = candidate.as_ref().and_then(|c| c.password_hash.clone());
    let matches = unless_unchecked(
        state,
        &attempts,
        state.hashers.verify(body.password, stored),
    )
    .await?;
    match candidate {
        Some(c) if matches && c.active => Ok(Checked {
            user_id: c.user_id,
            account_key,
            attempts,
        }),
        _ => {
            tracing::info!(address = %address, "login refused");
            Err(AppError::Unauthorized(LOGIN_REFUSED.into()))
        }
    }
}

/// A successful login clears the account's failures and takes back its own attempt.
fn settle(conn: &mut crate::db::DbConn, c: &Checked) -> Result<(), AppError> {
    throttle::clear(conn, &c.account_key)?;
    throttle::forgive(conn, &c.attempts)
}

/// Exchanges email and password for a token pair (`check_login` says what is refused).
pub async fn log_in(
    state: &AppState,
    body: LoginRequest,
    address: String,
) -> Result<TokenPair, AppError> {
    let now = state.clock.now();
    let checked = check_login(state, body, &address, now).await?;
    let ttl = state.settings.refresh_token_ttl_days;
    let user_id = checked.user_id.clone();
    let (session_id, refresh) = state
        .write(move |conn| {
            settle(conn, &checked)?;
            session::open(conn, &checked.user_id, ttl, now)
        })
        .await?;
    tracing::info!(user_id = %user_id, "login");
    token_pair(state, &user_id, &session_id, refresh)
}

/// Signs a browser in with email and password, as `log_in` does for the API (the same
/// throttle, the same answer for any wrong pair); answers the session cookie's secret.
pub async fn log_in_browser(
    state: &AppState,
    body: LoginRequest,
    address: String,
) -> Result<String, AppError> {
    let now = state.clock.now();
    let checked = check_login(state, body, &address, now).await?;
    let user_id = checked.user_id.clone();
    let lifetimes = state.settings.web_lifetimes();
    let secret = state
        .write(move |conn| {
            settle(conn, &checked)?;
            web_session::open(conn, &checked.user_id, now, lifetimes)
        })
        .await?;
    tracing::info!(user_id = %user_id, "login (browser)");
    Ok(secret)
}

/// Ends a browser's session (and its account session); the cookie stops working at once.
pub async fn log_out_browser(
    state: &AppState,
    caller: &Caller,
    secret: String,
) -> Result<(), AppError> {
    let now = state.clock.now();
    state
        .write(move |conn| web_session::end(conn, &secret, now))
        .await?;
    state.callers.forget(&caller.id);
    tracing::info!(user_id = %caller.id, "logout (browser)");
    Ok(())
}

/// Spends a refresh token for a new pair. A token used twice ends its whole session.
pub async fn refresh_tokens(state: &AppState, body: RefreshRequest) -> Result<TokenPair, AppError> {
    let now = state.clock.now();
    validate(&body)?;
    let ttl = state.settings.refresh_token_ttl_days;
    let outcome = state
        .write(move |conn| session::rotate(conn, &body.refresh_token, ttl, now))
        .await?;
    match outcome {
        Refresh::Rotated {
            user_id,
            session_id,
            refresh_token,
        } => token_pair(state, &user_id, &session_id, refresh_token),
        Refresh::Reused { user_id } => {
            state.callers.forget(&user_id);
            Err(AppError::Unauthorized(
                "this refresh token was already used; the session has been ended, log in again"
                    .into(),
            ))
        }
        Refresh::Refused => Err(AppError::Unauthorized(
            "the refresh token is invalid or expired".into(),
        )),
    }
}

/// Ends the caller's session: its refresh tokens and access tokens stop working.
pub async fn log_out(state: &AppState, caller: &Caller) -> Result<(), AppError> {
    let now = state.clock.now();
    let sid = caller.session_id.clone();
    state
        .write(move |conn| session::revoke(conn, &sid, now))
        .await?;
    state.callers.forget(&caller.id);
    tracing::info!(user_id = %caller.id, "logout");
    Ok(())
}

/// Sets the password of an invited person, once, and logs them in. The invitation is looked up
/// before the password is hashed, and tries are throttled per address like logins.
pub async fn accept_invitation(
    state: &AppState,
    body: AcceptInviteRequest,
    address: String,
) -> Result<TokenPair, AppError> {
    validate(&body)?;
    passwords::redeem(
        state,
        body.token,
        body.password,
        address,
        LinkPurpose::Invite,
    )
    .await
}
