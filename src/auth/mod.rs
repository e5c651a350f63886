//! Who is calling and what they may do: password hashing, tokens, sessions, throttling and
//! every permission rule (`policy`). No routes (those are `accounts`) and no HTTP: the
//! extractors that turn a bearer token into a `Caller` are `http::caller`.

pub mod cache;
pub mod password;
pub mod policy;
pub mod roles;
pub mod session;
pub mod throttle;
pub mod tokens;
pub mod web_session;

pub fn valid_password(p: &str) -> Result<(), validator::ValidationError> {
    password::check_strength(p)
        .map_err(|m| validator::ValidationError::new("password").with_message(m.into()))
}
