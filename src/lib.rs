//! registry: the training, accreditation and clinical-supervision registry for NHS Talking
//! Therapies services. `main` and the tests build the same app from here.

pub mod accounts;
pub mod accreditation;
pub mod app;
pub mod audit;
pub mod auth;
pub mod body_audits;
pub mod calendar;
pub mod competences;
pub mod config;
pub mod counters;
pub mod dates;
pub mod db;
pub mod error;
pub mod evidence;
pub mod external;
pub mod files;
pub mod http;
pub mod imports;
pub mod live_assessments;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod outbox;
pub mod people;
pub mod reference;
pub mod reminders;
pub mod reports;
pub mod services;
pub mod supervision;
pub mod thresholds;
pub mod web;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{web as aweb, App, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_swagger_ui::SwaggerUi;

pub use app::AppState;
use config::Settings;
use db::DbUrl;
use http::{resource, AppError, MAX_BODY_BYTES};

/// Connects, migrates, loads the signing secret, sets up mail and creates the first admin
/// when asked to: everything `serve` needs before it listens.
pub fn build_state(settings: Settings) -> Result<AppState, String> {
    let url = settings.database_url.clone();
    files::private_dir(&settings.data_dir)?;
    let pool = db::connect(
        &url,
        settings.db_pool_size,
        settings.db_connect_timeout_secs,
        &settings.data_dir,
    )?;
    {
        let mut conn = pool
            .get()
            .map_err(|e| format!("cannot connect to {}: {e}", url.redacted()))?;
        let applied = db::migrate(&mut conn)?;
        for m in &applied {
            tracing::info!(migration = %m, "migration applied");
        }
    }
    let secret =
        auth::tokens::load_or_create_secret(settings.jwt_secret.as_deref(), &settings.data_dir)?;
    let mailer = mail::Mailer::from_settings(&settings)?;
    let db_files: Vec<std::path::PathBuf> = match &url {
        DbUrl::Sqlite(p) => vec![p.into()],
        DbUrl::Postgres(_) => Vec::new(),
    };
    files::warn_loose_modes(&settings.data_dir, &db_files);
    let hashers = auth::password::Hashers::start(settings.hash_workers, settings.hash_queue)?;
    let state = AppState {
        pool,
        tokens: Arc::new(auth::tokens::TokenKeys::new(
            &secret,
            settings.access_token_ttl_secs,
        )),
        callers: Arc::new(auth::cache::CallerCache::new(settings.auth_cache_secs)),
        settings: Arc::new(settings),
        mailer,
        hashers,
        metrics: Arc::new(counters::Metrics::default()),
        clock: app::Clock::System,
        background: Arc::default(),
    };
    bootstrap_admin(&state)?;
    Ok(state)
}

fn bootstrap_admin(state: &AppState) -> Result<(), String> {
    let mut conn = state.pool.get().map_err(|e| e.to_string())?;
    match (&state.settings.admin_email, &state.settings.admin_password) {
        (Some(email), Some(password)) => {
            if people::queries::admin_exists(&mut conn).map_err(|e| e.to_string())? {
                return Ok(());
            }
            let hash = auth::password::hash(password)?;
            match people::ensure_admin(&mut conn, email, &hash) {
                Ok(true) => {
                    tracing::info!(email = %email, "created the first admin from REGISTRY_ADMIN_EMAIL")
                }
                Ok(false) => {}
                Err(AppError::Conflict(_)) => tracing::warn!(
                    email = %email,
                    "REGISTRY_ADMIN_EMAIL belongs to an existing person who is not an admin; no admin was created"
                ),
                Err(e) => return Err(format!("cannot create the first admin: {e}")),
            }
        }
        _ => {
            if !people::queries::admin_exists(&mut conn).map_err(|e| e.to_string())? {
                tracing::warn!(
                    "no admin exists: set REGISTRY_ADMIN_EMAIL and REGISTRY_ADMIN_PASSWORD, or run \
                     `registry create-user --email ADDRESS --roles admin` (it reads the password from standard input)"
                );
            }
        }
    }
    Ok(())
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// "ok" while the database answers.
    pub status: &'static str,
}

/// What this build is.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Version {
    /// The registry's version (`CARGO_PKG_VERSION`).
    pub version: &'static str,
    /// The newest database migration this build applies.
    pub schema: &'static str,
}

/// The newest migration both migration trees hold.
pub const SCHEMA_VERSION: &str = "2026-12-04-000022_body_obligations";

#[utoipa::path(
    get, path = "/version", tag = "operations",
    summary = "The build's version",
    description = "The build's version, for operators and monitoring (no token needed).\n\n**Who may call:** anyone; no token.",
    responses((status = 200, body = Version))
)]
pub async fn version() -> HttpResponse {
    HttpResponse::Ok().json(Version {
        version: env!("CARGO_PKG_VERSION"),
        schema: SCHEMA_VERSION,
    })
}

#[utoipa::path(
    get, path = "/health", tag = "operations",
    summary = "Is the server up",
    description = "200 while the database answers, else 503.\n\n**Who may call:** anyone; no token.",
    responses((status = 200, body = Health), (status = 503, body = crate::http::Problem))
)]
pub async fn health(state: aweb::Data<AppState>) -> Result<HttpResponse, AppError> {
    state
        .db(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1")
                .map_err(|e| AppError::Unavailable(e.to_string()))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Health { status: "ok" }))
}

/// The HTTP server over a bound listener, as `HttpServer` would build it, except that every
/// connection goes through [`http::wire::ProblemIo`] so even the parser's refusals are problem
/// details. Headers must arrive within 5 s (408); a body within `body_timeout_secs` (408, from
/// the JSON extractor); each worker holds at most `max_connections` connections.
pub fn server(
    data: aweb::Data<AppState>,
    listener: std::net::TcpListener,
) -> Result<actix_web::dev::Server, String> {
    use actix_service::{fn_service, map_config, IntoServiceFactory, ServiceFactoryExt};
    let settings = data.settings.clone();
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    Ok(actix_server::Server::build()
        .max_concurrent_connections(settings.max_connections)
        .shutdown_timeout(30)
        .listen("registry", listener, move || {
            let app = build_app(data.clone())
                .into_factory()
                .map_err(|e: actix_web::Error| e.error_response().map_into_boxed_body());
            let http = actix_http::HttpService::build()
                .client_request_timeout(std::time::Duration::from_secs(5))
                .client_disconnect_timeout(std::time::Duration::from_secs(2))
                .local_addr(addr)
                .finish(map_config(app, |_| actix_web::dev::AppConfig::default()));
            fn_service(|io: actix_web::rt::net::TcpStream| async move {
                let peer = io.peer_addr().ok();
                let _ = io.set_nodelay(true);
                Ok((
                    http::wire::ProblemIo::new(io),
                    actix_http::Protocol::Http1,
                    peer,
                ))
            })
            .and_then(http)
        })
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?
        .run())
}

/// The whole application, for `serve` and for the tests.
pub fn build_app(
    state: aweb::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(state)
        .app_data(aweb::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(
            aweb::QueryConfig::default()
                .error_handler(|e, _| AppError::BadRequest(format!("invalid query: {e}")).into()),
        )
        .app_data(aweb::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
        .wrap(from_fn(http::input::query_guard))
        .wrap(from_fn(http::request_span))
        .service(resource("/health", "GET").route(aweb::get().to(health)))
        .service(resource("/version", "GET").route(aweb::get().to(version)))
        .service(resource("/metrics", "GET").route(aweb::get().to(metrics::metrics)))
        .configure(calendar::public_routes)
        .configure(accounts::pages::public_routes)
        .configure(supervision::pages::public_routes)
        .configure(crate::web::routes)
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", openapi::document()))
        .service(
            aweb::scope("/api/v1")
                .configure(accounts::routes)
                .configure(services::routes)
                .configure(people::routes)
                .configure(imports::routes)
                .configure(reference::routes)
                .configure(audit::routes)
                .configure(supervision::routes)
                .configure(live_assessments::routes)
                .configure(thresholds::routes)
                .configure(body_audits::routes)
                .configure(external::routes)
                .configure(accreditation::routes)
                .configure(competences::routes)
                .configure(reminders::routes)
                .configure(reports::routes)
                .configure(evidence::routes)
                .configure(calendar::routes)
                .default_service(aweb::to(openapi::not_found)),
        )
        .default_service(aweb::to(openapi::not_found))
}
