//! The frame of every page: its title, who is signed in, the navigation their roles open, the
//! sign-out form; and the headers every page answers with.

use actix_web::http::{header, StatusCode};
use actix_web::HttpResponse;
use askama::Template;

use super::error::PageError;
use crate::auth::policy::{areas, Area, Caller};

/// What the layout needs on every page.
pub struct Chrome {
    pub title: String,
    /// The signed-in person's name; `None` on sign-in and error pages.
    pub user: Option<String>,
    pub nav: Vec<NavLink>,
    /// The session's form token, for the sign-out form (and the page's own forms).
    pub csrf: String,
    pub css: &'static str,
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

impl Chrome {
    /// A page for a signed-in caller; `here` is the path of the page, to mark its link.
    pub fn signed_in(caller: &Caller, csrf: &str, title: &str, here: &str) -> Chrome {
        let mut links = vec![("/", "Home")];
        for area in areas(caller) {
            match area {
                Area::Practice => {
                    links.push(("/supervision/new", "Record a session"));
                    links.push(("/supervision", "My sessions"));
                    links.push(("/records", "My records"));
                    links.push(("/evidence", "Evidence pack"));
                }
                Area::Supervising => {
                    links.push(("/sign-off", "Countersign"));
                    links.push(("/supervisees", "My supervisees"));
                }
                Area::Leading => {
                    links.push(("/dashboard", "Dashboard"));
                    links.push(("/people", "People"));
                    links.push(("/verification", "Check credentials"));
                    links.push(("/audits", "Audits"));
                    links.push(("/courses", "Courses"));
                    links.push(("/supervisors", "Supervisors"));
                    links.push(("/policy", "Policy"));
                    links.push(("/reports", "Reports"));
                    links.push(("/reminders", "Reminders"));
                    links.push(("/audit", "Audit trail"));
                    links.push(("/imports/new", "Import staff"));
                }
                Area::Running => links.push(("/services", "Services")),
            }
        }
        links.push(("/settings", "Settings"));
        Chrome {
            title: title.to_string(),
            user: Some(caller.full_name.clone()),
            nav: links
                .into_iter()
                .map(|(href, label)| NavLink {
                    href,
                    label,
                    current: href == here,
                })
                .collect(),
            csrf: csrf.to_string(),
            css: super::assets::stylesheet_href(),
        }
    }

    /// A page for someone not signed in.
    pub fn bare(title: &str) -> Chrome {
        Chrome {
            title: title.to_string(),
            user: None,
            nav: Vec::new(),
            csrf: String::new(),
            css: super::assets::stylesheet_href(),
        }
    }
}

/// The headers of every page: no caching of personal data, no framing, nothing fetched from
/// another host, no referrer beyond the registry.
pub fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header(("Referrer-Policy", "same-origin"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .body(body)
}

/// Renders a template into a page.
pub fn render(status: StatusCode, t: &impl Template) -> Result<HttpResponse, PageError> {
    let body = t
        .render()
        .map_err(|e| PageError::from(crate::error::AppError::internal(e)))?;
    Ok(html(status, body))
}

/// 303 See Other: where a form's success goes.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Dates as people in England write them: 1 December 2026.
pub fn date(d: chrono::NaiveDate) -> String {
    crate::dates::uk_date(d)
}

/// "1 session", "3 sessions".
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
