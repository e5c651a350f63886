//! What the process counts for `GET /metrics` (see `metrics`), written in the Prometheus text
//! format: requests by route, method and status with latency histograms, and the last reminder
//! run. Kept apart from the handler so the application state can hold it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The figures of the last reminder run.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanFigures {
    pub at_unix: i64,
    pub scan_ms: u64,
    pub delivery_ms: u64,
    pub detected: usize,
    pub queued: usize,
    pub sent: usize,
    pub failed: usize,
}

/// What the process has counted since it started.
#[derive(Default)]
pub struct Metrics {
    /// By (route pattern, method, status): patterns, not paths, so the labels stay few.
    requests: Mutex<BTreeMap<(String, String, u16), Histogram>>,
    last_scan: Mutex<Option<ScanFigures>>,
}

impl Metrics {
    /// Counts one request. `route` is the pattern that matched, or `unmatched`.
    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let Ok(mut requests) = self.requests.lock() else {
            return;
        };
        let h = requests
            .entry((route.to_string(), method.to_string(), status))
            .or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    pub fn record_scan(&self, figures: ScanFigures) {
        if let Ok(mut last) = self.last_scan.lock() {
            *last = Some(figures);
        }
    }

    pub fn write_requests(&self, out: &mut String) {
        let requests = match self.requests.lock() {
            Ok(r) => r.clone(),
            Err(_) => return,
        };
        out.push_str("# HELP registry_http_request_duration_seconds Requests by route pattern, method and status, and how long they took.\n");
        out.push_str("# TYPE registry_http_request_duration_seconds histogram\n");
        for ((route, method, status), h) in &requests {
            let labels = format!(
                "route=\"{}\",method=\"{}\",status=\"{status}\"",
                escape(route),
                escape(method)
            );
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "registry_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "registry_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "registry_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "registry_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
    }

    pub fn write_scan(&self, out: &mut String) {
        let Some(s) = self.last_scan.lock().ok().and_then(|l| *l) else {
            return;
        };
        let gauges: [(&str, &str, String); 7] = [
            (
                "reminder_scan_timestamp_seconds",
                "When the last reminder run began (Unix time).",
                s.at_unix.to_string(),
            ),
            (
                "reminder_scan_duration_seconds",
                "How long the last run's scan and queueing took.",
                secs(s.scan_ms),
            ),
            (
                "reminder_delivery_duration_seconds",
                "How long the last run's mail delivery took.",
                secs(s.delivery_ms),
            ),
            (
                "reminder_scan_detected",
                "Lapses the last run found (told before or not).",
                s.detected.to_string(),
            ),
            (
                "reminder_scan_queued",
                "Notifications the last run queued.",
                s.queued.to_string(),
            ),
            (
                "reminder_scan_sent",
                "Deliveries the last run sent.",
                s.sent.to_string(),
            ),
            (
                "reminder_scan_failed",
                "Deliveries that failed in the last run.",
                s.failed.to_string(),
            ),
        ];
        for (name, help, value) in gauges {
            gauge(out, name, help, &value);
        }
    }
}

fn secs(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

pub fn gauge(out: &mut String, name: &str, help: &str, value: &str) {
    let _ = writeln!(out, "# HELP registry_{name} {help}");
    let _ = writeln!(out, "# TYPE registry_{name} gauge");
    let _ = writeln!(out, "registry_{name} {value}");
}

/// A label value as the text format wants it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
