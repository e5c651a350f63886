//! Who is calling, for the JSON routes: a bearer token turned into the `Caller` (`Auth`), and
//! `Admin` for admin-only routes, refused before the handler runs.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::app::AppState;
use crate::auth::policy::Caller;
use crate::auth::session;
use crate::error::AppError;

const TOKEN_REFUSED: &str = "the access token is missing, invalid or expired";

/// The authenticated caller: a valid access token of an active user whose session is open.
pub struct Auth(pub Caller);

impl FromRequest for Auth {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Auth, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then(|| token.trim().to_string())
            });
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal("application state missing"))?;
            let token = token.ok_or_else(|| AppError::Unauthorized(TOKEN_REFUSED.into()))?;
            let claims = state.tokens.verify(&token).map_err(|e| {
                tracing::debug!(reason = %e, "access token refused");
                AppError::Unauthorized(TOKEN_REFUSED.into())
            })?;
            let caller = match state.callers.get(&claims.sub, &claims.sid) {
                Some(c) => c,
                None => {
                    let c = state
                        .db(move |conn| session::load_caller(conn, &claims.sub, &claims.sid))
                        .await?
                        .ok_or_else(|| AppError::Unauthorized(TOKEN_REFUSED.into()))?;
                    state.callers.put(&c);
                    c
                }
            };
            tracing::Span::current().record("user_id", caller.id.as_str());
            Ok(Auth(caller))
        })
    }
}

/// An authenticated admin: anyone else is refused (403) before the handler runs, so an
/// admin-only route says so once, in its signature.
pub struct Admin(pub Caller);

impl FromRequest for Admin {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Admin, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let auth = Auth::from_request(req, payload);
        Box::pin(async move {
            let Auth(caller) = auth.await?;
            if crate::auth::policy::is_admin(&caller) {
                Ok(Admin(caller))
            } else {
                Err(AppError::Forbidden("this needs the admin role".into()))
            }
        })
    }
}
