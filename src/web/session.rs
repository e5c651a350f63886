//! Who is signed in to a page, and the form token every POST must carry: the only place pages
//! read the session cookie or check a form token. `Signed` is a signed-in caller (else 303 to
//! `/login`); `Posted` is a signed-in caller's form whose `csrf` field is their session's own
//! token and which came from the registry's own pages (else 403, and nothing changes).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{header, Method};
use actix_web::{web, FromRequest, HttpRequest};

use super::error::PageError;
use crate::app::AppState;
use crate::auth::policy::Caller;
use crate::auth::web_session;
use crate::error::AppError;

/// The session cookie's name.
pub const COOKIE: &str = "registry_session";

/// The form field that carries the session's form token.
pub const CSRF_FIELD: &str = "csrf";

/// A signed-in caller of a page, with their session's form token.
pub struct Signed {
    pub caller: Caller,
    pub csrf: String,
    secret: String,
}

impl Signed {
    /// The cookie's secret, to end the session with.
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

/// The session cookie set at sign-in: HttpOnly, SameSite=Lax, `Secure` when served over https,
/// and gone when the browser closes.
pub fn cookie(secret: String, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, secret)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish()
}

/// The cookie that clears it.
pub fn removal(secure: bool) -> Cookie<'static> {
    let mut c = cookie(String::new(), secure);
    c.make_removal();
    c
}

fn state_of(req: &HttpRequest) -> Result<web::Data<AppState>, PageError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| PageError::App(AppError::internal("application state missing")))
}

/// A cookie secret of the shape the registry makes (and nothing longer is looked up).
fn well_formed(secret: &str) -> bool {
    (20..=100).contains(&secret.len())
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The caller behind the request's cookie, if it names an open session.
pub async fn signed_in(req: &HttpRequest) -> Result<Option<Signed>, PageError> {
    let state = state_of(req)?;
    let Some(secret) = req
        .cookie(COOKIE)
        .map(|c| c.value().to_string())
        .filter(|s| well_formed(s))
    else {
        return Ok(None);
    };
    let now = state.clock.now();
    let lifetimes = state.settings.web_lifetimes();
    // Most page views are answered from the cache (as the API's callers are): what changes a
    // session on this instance forgets it at once, and other instances within the cache's TTL.
    let hash = crate::auth::tokens::digest(&secret);
    let open = match state.callers.browser(&hash) {
        Some(open) if open.answers_for(now, lifetimes) => Some(open),
        _ => {
            let probe = secret.clone();
            let open = state
                .db(move |conn| web_session::load(conn, &probe, now, lifetimes))
                .await?;
            if let Some(o) = &open {
                state.callers.put_browser(&hash, o);
            }
            open
        }
    };
    Ok(open.map(|open| {
        tracing::Span::current().record("user_id", open.caller.id.as_str());
        Signed {
            csrf: web_session::form_token(&secret),
            caller: open.caller,
            secret,
        }
    }))
}

/// Where to come back to after signing in: this page's own path and query, when it was a GET.
fn come_back(req: &HttpRequest) -> Option<String> {
    (req.method() == Method::GET)
        .then(|| req.uri().path_and_query().map(|p| p.as_str().to_string()))
        .flatten()
        .filter(|p| p != "/")
}

impl FromRequest for Signed {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Signed, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            signed_in(&req).await?.ok_or(PageError::SignIn {
                next: come_back(&req),
            })
        })
    }
}

/// A form's fields, in the order sent (a checkbox list repeats its name).
#[derive(Debug, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    pub fn parse(body: &[u8]) -> Result<Form, AppError> {
        serde_urlencoded::from_bytes(body)
            .map(Form)
            .map_err(|_| AppError::BadRequest("the form could not be read".into()))
    }

    /// The field's value, trimmed; `None` when absent or blank.
    /// A form filled in from stored values (a change form shows what is there).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Form {
        Form(pairs)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The field's value as typed (empty when absent), to show the form again.
    pub fn raw(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }
}

/// Whether a POST came from another site: the browser says so (`Sec-Fetch-Site`), or its
/// `Origin` is neither this host nor the public address.
pub fn cross_site(req: &HttpRequest, public_base: &str) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if header("sec-fetch-site") == Some("cross-site") {
        return true;
    }
    let Some(origin) = header(header::ORIGIN.as_str()) else {
        return false;
    };
    let host = req.connection_info().host().to_string();
    let same_host = origin
        .split_once("://")
        .map(|(_, authority)| authority.eq_ignore_ascii_case(&host))
        .unwrap_or(false);
    !(same_host || origin.eq_ignore_ascii_case(public_base))
}

/// Equal in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in caller's form, its form token checked.
pub struct Posted {
    pub signed: Signed,
    pub form: Form,
}

impl FromRequest for Posted {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Posted, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let state = state_of(&req)?;
            if cross_site(&req, &state.settings.public_base_url()) {
                tracing::warn!("a form from another site was refused");
                return Err(PageError::Refused);
            }
            let body = body.await.map_err(|_| AppError::PayloadTooLarge)?;
            let Some(signed) = signed_in(&req).await? else {
                return Err(PageError::Refused);
            };
            let form = Form::parse(&body)?;
            match form.get(CSRF_FIELD) {
                Some(t) if same(t, &signed.csrf) => Ok(Posted { signed, form }),
                _ => {
                    tracing::warn!(user_id = %signed.caller.id, "a form without its session's token was refused");
                    Err(PageError::Refused)
                }
            }
        })
    }
}

/// A signed-in caller's file upload (`multipart/form-data`): refused from another site before
/// the body is read, then read to `limit` bytes, its form token checked as `Posted` checks it.
pub struct PostedUpload {
    pub signed: Signed,
    pub upload: crate::imports::upload::Upload,
}

impl PostedUpload {
    pub async fn read(
        req: &HttpRequest,
        payload: web::Payload,
        limit: usize,
    ) -> Result<PostedUpload, PageError> {
        let state = state_of(req)?;
        if cross_site(req, &state.settings.public_base_url()) {
            tracing::warn!("an upload from another site was refused");
            return Err(PageError::Refused);
        }
        let Some(signed) = signed_in(req).await? else {
            return Err(PageError::Refused);
        };
        let wait = std::time::Duration::from_secs(state.settings.body_timeout_secs);
        let upload = crate::imports::upload::read(req, payload, limit, wait).await?;
        match upload.fields.get(CSRF_FIELD) {
            Some(t) if same(t.trim(), &signed.csrf) => Ok(PostedUpload { signed, upload }),
            _ => {
                tracing::warn!(user_id = %signed.caller.id, "an upload without its session's token was refused");
                Err(PageError::Refused)
            }
        }
    }
}

/// A form from someone not signed in (signing in, a forgotten password): there is no session
/// to hold a form token, so one from another site is refused by where it came from (403),
/// before anything is read or counted. Also the client's address, for the throttle.
pub struct PublicForm {
    pub form: Form,
    pub address: String,
}

impl FromRequest for PublicForm {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<PublicForm, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let state = state_of(&req)?;
            if cross_site(&req, &state.settings.public_base_url()) {
                tracing::warn!("a sign-in form from another site was refused");
                return Err(PageError::Refused);
            }
            let body = body.await.map_err(|_| AppError::PayloadTooLarge)?;
            Ok(PublicForm {
                form: Form::parse(&body)?,
                address: crate::http::client::client_addr(&req, &state.settings.trusted_proxies),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkbox_list_keeps_every_value() {
        let f = Form::parse(b"ids=a&ids=b&csrf=x&notes=+hi+").unwrap_or_default();
        assert_eq!(f.all("ids"), vec!["a", "b"]);
        assert_eq!(f.get("notes"), Some("hi"));
        assert_eq!(f.get("missing"), None);
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
