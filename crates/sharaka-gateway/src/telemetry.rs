//! Telemetry: logs, and OpenTelemetry traces over OTLP.
//!
//! - Logs go to stderr, human-readable by default, one JSON object per line with
//!   `SHARAKA_LOG_FORMAT=json`; `RUST_LOG` filters them (default `info`).
//! - When an OTLP endpoint is configured (`SHARAKA_OTLP_ENDPOINT`, else the standard
//!   `OTEL_EXPORTER_OTLP_ENDPOINT`), every span that passes the filter is also exported over
//!   OTLP/HTTP (protobuf) to `<endpoint>/v1/traces`, with the service name `sharaka`, through
//!   `tracing-opentelemetry` (async-graphql's own `opentelemetry` feature pins an old release).
//!   Spans are batched; [`Telemetry::shutdown`] flushes what is left when the server stops.
//! - Each GraphQL operation runs in a `graphql.operation` span ([`operation_span`]) carrying its
//!   name, type, complexity and depth (the numbers of the document check in
//!   [`crate::limits::document`], not a second walk), its duration and its outcome.
//!
//! Setting telemetry up can fail only on a malformed endpoint; that is a configuration error
//! reported at start. An unreachable collector is not: the exporter logs and drops spans.

use std::time::Duration;

use anyhow::Context as _;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Span;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::limits::document::Usage;

/// The service name spans are exported under.
pub const SERVICE_NAME: &str = "sharaka";

/// The OTLP/HTTP path of traces, appended to a base endpoint.
const TRACES_PATH: &str = "/v1/traces";

/// How telemetry is set up; read before the rest of the configuration, because logging starts
/// first (see `config::Sources::telemetry`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TelemetrySettings {
    /// One JSON object per log line.
    pub json_logs: bool,
    /// The OTLP/HTTP base endpoint (`http://collector:4318`), or the full traces URL.
    pub otlp_endpoint: Option<String>,
}

/// The traces URL for an OTLP base endpoint: `<base>/v1/traces`, unless it already names it.
pub fn traces_url(endpoint: &str) -> String {
    let trimmed = endpoint.trim().trim_end_matches('/');
    if trimmed.ends_with(TRACES_PATH) {
        trimmed.to_owned()
    } else {
        format!("{trimmed}{TRACES_PATH}")
    }
}

/// Installed telemetry; keep it until the process ends and call [`Telemetry::shutdown`].
#[derive(Debug)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Flushes the spans not yet exported and stops the exporter (bounded: a collector that
    /// does not answer cannot hold the process).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(error) = provider.force_flush() {
                tracing::warn!(%error, "could not flush the last spans");
            }
            if let Err(error) = provider.shutdown_with_timeout(Duration::from_secs(5)) {
                tracing::warn!(%error, "the span exporter did not stop cleanly");
            }
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        // An early return (an error in `main`) still flushes.
        self.stop();
    }
}

/// The OpenTelemetry tracer provider exporting to `endpoint` over OTLP/HTTP.
fn tracer_provider(endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    let url = traces_url(endpoint);
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .with_endpoint(url.clone())
        .with_timeout(Duration::from_secs(5))
        .build()
        .with_context(|| format!("OTLP endpoint `{url}` is invalid"))?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(SERVICE_NAME)
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

/// Installs the process-wide subscriber: the log filter, logs to stderr, and the OTLP export
/// when configured.
pub fn init(settings: &TelemetrySettings) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = if settings.json_logs {
        tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .boxed()
    };
    let provider = settings
        .otlp_endpoint
        .as_deref()
        .map(tracer_provider)
        .transpose()?;
    let otel = provider
        .as_ref()
        .map(|provider| tracing_opentelemetry::layer().with_tracer(provider.tracer(SERVICE_NAME)));
    tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(otel)
        .try_init()
        .context("could not install the log subscriber")?;
    if let Some(endpoint) = &settings.otlp_endpoint {
        tracing::info!(endpoint = %traces_url(endpoint), "exporting traces over OTLP/HTTP");
    }
    Ok(Telemetry { provider })
}

/// The span one GraphQL operation runs in. `duration_ms` and `outcome` are recorded by
/// [`finish_operation`].
pub fn operation_span(name: &str, kind: &str, usage: Option<Usage>) -> Span {
    let usage = usage.unwrap_or_default();
    tracing::info_span!(
        "graphql.operation",
        otel.name = %format!("{kind} {name}"),
        graphql.operation.name = %name,
        graphql.operation.type = kind,
        graphql.complexity = usage.fields,
        graphql.depth = usage.depth,
        duration_ms = tracing::field::Empty,
        outcome = tracing::field::Empty,
    )
}

/// Records how an operation ended on its span: its duration, and `ok` or its error codes
/// (comma-separated, in order, each once).
pub fn finish_operation(span: &Span, elapsed: Duration, codes: &[String]) {
    let outcome = if codes.is_empty() {
        "ok".to_owned()
    } else {
        let mut unique: Vec<&str> = Vec::new();
        for code in codes {
            if !unique.contains(&code.as_str()) {
                unique.push(code);
            }
        }
        unique.join(",")
    };
    span.record("duration_ms", elapsed.as_secs_f64() * 1000.0);
    span.record("outcome", outcome.as_str());
    tracing::debug!(parent: span, outcome = %outcome, "operation finished");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_traces_path_is_appended_once() {
        assert_eq!(
            traces_url("http://collector:4318"),
            "http://collector:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://collector:4318/"),
            "http://collector:4318/v1/traces"
        );
        assert_eq!(
            traces_url("http://collector:4318/v1/traces"),
            "http://collector:4318/v1/traces"
        );
    }
}
