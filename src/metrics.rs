//! `GET /metrics` in the Prometheus text format (version 0.0.4): requests by route, method and
//! status with latency histograms, the database pool, the outbox by state (dead deliveries
//! among them) and the last reminder run. Off unless `REGISTRY_METRICS` is `open` or `token`
//! (then a `Bearer` `REGISTRY_METRICS_TOKEN` is needed).

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::prelude::*;

use crate::app::AppState;
use crate::auth::policy::{metrics_access, MetricsDecision};
use crate::counters::gauge;
use crate::db::schema::deliveries;
use crate::error::AppError;
use crate::outbox::DeliveryStatus;

/// Whether the request may read the metrics: `Err` answers as the route would not exist (off)
/// or as unauthorised (a missing or wrong token).
fn admit(state: &AppState, req: &HttpRequest) -> Result<(), AppError> {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let settings = &state.settings;
    match metrics_access(settings.metrics, settings.metrics_token.as_deref(), given) {
        MetricsDecision::Allowed => Ok(()),
        MetricsDecision::Off => Err(AppError::NotFoundNamed(
            "metrics are off: set REGISTRY_METRICS to open or token".into(),
        )),
        MetricsDecision::NeedsToken => Err(AppError::Unauthorized(
            "the metrics need the token set in REGISTRY_METRICS_TOKEN".into(),
        )),
    }
}

#[utoipa::path(
    get, path = "/metrics", tag = "operations",
    summary = "Prometheus metrics",
    description = "Requests by route pattern, method and status with latency histograms, the database pool, the mail outbox by state (dead deliveries among them) and the last reminder run, in the Prometheus text format. Off (404) unless `REGISTRY_METRICS` is `open` or `token`.\n\n**Who may call:** anyone when `REGISTRY_METRICS` is `open`; with `token`, whoever sends `Authorization: Bearer` and the `REGISTRY_METRICS_TOKEN`.",
    responses(
        (status = 200, description = "The metrics.", body = String, content_type = "text/plain"),
        (status = 401, description = "`REGISTRY_METRICS` is `token` and the token is missing or wrong."),
        (status = 404, description = "Metrics are off."),
    )
)]
pub async fn metrics(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    admit(&state, &req)?;
    let outbox: Vec<(DeliveryStatus, i64)> = state
        .db(|conn| {
            Ok(deliveries::table
                .group_by(deliveries::status)
                .select((deliveries::status, diesel::dsl::count_star()))
                .load(conn)?)
        })
        .await?;
    let mut out = String::new();
    state.metrics.write_requests(&mut out);
    let pool = state.pool.state();
    gauge(
        &mut out,
        "db_pool_connections",
        "Connections the pool holds.",
        &pool.connections.to_string(),
    );
    gauge(
        &mut out,
        "db_pool_idle_connections",
        "Of those, idle.",
        &pool.idle_connections.to_string(),
    );
    gauge(
        &mut out,
        "db_pool_max_connections",
        "The most the pool opens.",
        &state.pool.max_size().to_string(),
    );
    out.push_str("# HELP registry_outbox_deliveries Deliveries in the mail outbox by state (dead: given up after the last attempt).\n");
    out.push_str("# TYPE registry_outbox_deliveries gauge\n");
    for s in DeliveryStatus::ALL {
        let n = outbox.iter().find(|(st, _)| st == s).map_or(0, |(_, n)| *n);
        let _ = writeln!(
            out,
            "registry_outbox_deliveries{{state=\"{}\"}} {n}",
            s.as_str()
        );
    }
    state.metrics.write_scan(&mut out);
    let _ = writeln!(
        out,
        "# HELP registry_build_info The build.\n# TYPE registry_build_info gauge\nregistry_build_info{{version=\"{}\",schema=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        crate::SCHEMA_VERSION
    );
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .body(out))
}
