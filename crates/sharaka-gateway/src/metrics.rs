//! Prometheus metrics at `/metrics`: GraphQL operations (count and latency by operation and
//! outcome), errors by code, kept answers served or not, DataLoader batch sizes and the
//! database pool's use.
//!
//! The recorder is process-wide (the `metrics` facade); [`install`] is idempotent so tests that
//! build several apps share one.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder once; returns its handle (None if another recorder won).
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
                .ok()?;
            builder.install_recorder().ok()
        })
        .clone()
}

/// The metrics in Prometheus's text format.
pub fn render() -> String {
    install().map(|h| h.render()).unwrap_or_default()
}

/// Records one executed GraphQL operation.
pub fn operation(name: &str, kind: &'static str, elapsed: Duration, error_codes: &[String]) {
    let outcome = if error_codes.is_empty() {
        "ok"
    } else {
        "error"
    };
    let labels = [
        ("operation", name.to_owned()),
        ("kind", kind.to_owned()),
        ("outcome", outcome.to_owned()),
    ];
    metrics::counter!("sharaka_graphql_operations_total", &labels).increment(1);
    metrics::histogram!("sharaka_graphql_operation_seconds", &labels).record(elapsed.as_secs_f64());
    for code in error_codes {
        metrics::counter!("sharaka_graphql_errors_total", "code" => code.clone()).increment(1);
    }
}

/// Records how a request that could be served a kept answer was answered (see
/// [`crate::answers`]): `hit` (the kept answer), `not_modified` (`304`: the client's copy is
/// current) or `miss` (afresh).
pub fn answer_cache(outcome: &'static str) {
    metrics::counter!("sharaka_answer_cache_requests_total", "outcome" => outcome).increment(1);
}

/// Records a DataLoader batch.
pub fn batch(resource: &'static str, keys: usize) {
    metrics::histogram!("sharaka_dataloader_batch_keys", "resource" => resource)
        .record(keys as f64);
}

/// Records the database pool's state.
pub fn pool(size: u32, idle: usize) {
    metrics::gauge!("sharaka_db_pool_connections").set(f64::from(size));
    metrics::gauge!("sharaka_db_pool_idle_connections").set(idle as f64);
}

/// Holds a gauge one higher while it lives: open WebSocket connections, live subscriptions.
/// Dropping it (however its owner ends) takes the one back.
#[derive(Debug)]
pub struct GaugeGuard(&'static str);

impl GaugeGuard {
    /// Raises the gauge `name` by one until the guard is dropped.
    pub fn new(name: &'static str) -> Self {
        metrics::gauge!(name).increment(1.0);
        Self(name)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        metrics::gauge!(self.0).decrement(1.0);
    }
}
