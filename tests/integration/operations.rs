//! Operating the API: the `graphql.operation` span's fields, one `graphql.batch` span per
//! DataLoader batch, introspection and suggestions switched off for `PUBLIC`, and the client
//! address behind trusted proxies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use sharaka_domain::{Principal, Role};
use sharaka_gateway::Config;
use sharaka_test_support::{
    Backend, Data, TestApp, backend_tests, backend_tests_on_one_thread, error_codes,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// The fields of one closed span.
type Fields = HashMap<String, String>;

/// One span as it was opened: its name, target, id, parent's id and fields.
#[derive(Clone, Debug)]
struct Opened {
    name: &'static str,
    target: &'static str,
    id: u64,
    parent: Option<u64>,
    fields: Fields,
}

/// A layer that keeps the fields of every closed `graphql.operation` span, and every span as it
/// was opened.
#[derive(Clone, Default)]
struct Capture {
    open: Arc<Mutex<HashMap<u64, Fields>>>,
    closed: Arc<Mutex<Vec<Fields>>>,
    opened: Arc<Mutex<Vec<Opened>>>,
}

struct Recorder<'a>(&'a mut Fields);

impl Visit for Recorder<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S> tracing_subscriber::Layer<S> for Capture
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut Recorder(&mut fields));
        if attrs.metadata().name() == "graphql.operation" {
            self.open
                .lock()
                .expect("lock")
                .insert(id.into_u64(), fields.clone());
        }
        self.opened.lock().expect("lock").push(Opened {
            name: attrs.metadata().name(),
            target: attrs.metadata().target(),
            id: id.into_u64(),
            parent: ctx
                .span(id)
                .and_then(|span| span.parent())
                .map(|parent| parent.id().into_u64()),
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        if let Some(fields) = self.open.lock().expect("lock").get_mut(&id.into_u64()) {
            values.record(&mut Recorder(fields));
        }
    }

    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        if let Some(fields) = self.open.lock().expect("lock").remove(&id.into_u64()) {
            self.closed.lock().expect("lock").push(fields);
        }
    }
}

/// Runs `query` as `principal` under a capturing subscriber; returns the response and the
/// capture.
async fn captured(app: &TestApp, principal: Principal, query: &str) -> (Value, Capture) {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    // The test runs on a current-thread runtime, so the whole operation (and its DataLoader
    // tasks) runs on this thread, under this subscriber.
    let guard = tracing::subscriber::set_default(subscriber);
    let response = app.query_as(principal, query, json!({})).await;
    drop(guard);
    (response, capture)
}

/// Runs `query` as `principal` under a capturing subscriber; returns the response and the
/// operation span's fields.
async fn traced(app: &TestApp, principal: Principal, query: &str) -> (Value, Fields) {
    let (response, capture) = captured(app, principal, query).await;
    // A span closes when its last child does, which a pooled connection's task may hold a little
    // longer: take every operation span whose outcome has been recorded.
    let mut finished: Vec<Fields> = capture.closed.lock().expect("lock").clone();
    finished.extend(capture.open.lock().expect("lock").values().cloned());
    finished.retain(|fields| fields.contains_key("outcome"));
    assert_eq!(finished.len(), 1, "one operation span: {finished:?}");
    (response, finished.remove(0))
}

async fn operation_span_fields(backend: Backend) {
    let app = TestApp::new(backend, Data::Demo).await.expect("test app");
    let admin = Principal::with_role("dev", Role::Admin);

    let query = "query Partners { organisations(first: 2) { edges { node { name { fr } } } } }";
    let (response, fields) = traced(&app, admin.clone(), query).await;
    assert!(response.get("errors").is_none(), "{response}");
    assert_eq!(fields["graphql.operation.name"], "Partners");
    assert_eq!(fields["graphql.operation.type"], "query");
    assert_eq!(fields["otel.name"], "query Partners");
    // organisations, edges, node, name, fr: five fields, five levels deep.
    assert_eq!(fields["graphql.complexity"], "5");
    assert_eq!(fields["graphql.depth"], "5");
    assert_eq!(fields["outcome"], "ok");
    let duration: f64 = fields["duration_ms"]
        .parse()
        .expect("duration_ms is a number");
    assert!(duration > 0.0, "{fields:?}");

    // A failing mutation: its type, and its error code as the outcome.
    let mutation = "mutation Rename { updateOrganisation(input: { id: \"bm9wZQ\", expectedVersion: 1, name: { fr: \"x\" } }) { id } }";
    let (response, fields) = traced(&app, admin, mutation).await;
    let codes = error_codes(&response);
    assert!(!codes.is_empty(), "{response}");
    assert_eq!(fields["graphql.operation.type"], "mutation");
    assert_eq!(fields["graphql.operation.name"], "Rename");
    assert_eq!(fields["outcome"], codes.join(","), "{response}");
}

/// A nested page loads each level in one batch, and traces it as one `graphql.batch` span under
/// the operation's: never a span per key, which on a dashboard's thousands of keys cost more
/// than the statements.
async fn batch_spans(backend: Backend) {
    let app = TestApp::new(backend, Data::Demo).await.expect("test app");
    let admin = Principal::with_role("dev", Role::Admin);
    let query = "query Nested { organisations(first: 4) { nodes { partnerships(first: 2) { \
                 nodes { agreements(first: 3) { nodes { id } } } } } } }";
    let (response, capture) = captured(&app, admin, query).await;
    assert!(response.get("errors").is_none(), "{response}");
    let partnerships: usize = response["data"]["organisations"]["nodes"]
        .as_array()
        .expect("organisations")
        .iter()
        .map(|org| org["partnerships"]["nodes"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(
        partnerships > 1,
        "the demo data has partnerships: {response}"
    );

    let opened = capture.opened.lock().expect("lock").clone();
    let operation = opened
        .iter()
        .find(|span| span.name == "graphql.operation")
        .expect("an operation span");
    let batches: Vec<&Opened> = opened
        .iter()
        .filter(|span| span.name == "graphql.batch")
        .collect();
    let seen: Vec<(&str, &str, &str)> = batches
        .iter()
        .map(|span| {
            (
                span.fields["table"].as_str(),
                span.fields["kind"].as_str(),
                span.fields["keys"].as_str(),
            )
        })
        .collect();
    let keys = partnerships.to_string();
    assert_eq!(
        seen,
        [
            ("partnerships", "children", "4"),
            ("agreements", "children", keys.as_str()),
        ],
        "{batches:?}"
    );
    for batch in &batches {
        assert_eq!(batch.parent, Some(operation.id), "{batch:?}");
    }
    // Every other span is the request's own, or the database driver's around a statement.
    let others: Vec<&Opened> = opened
        .iter()
        .filter(|span| {
            !matches!(span.name, "graphql.operation" | "graphql.batch")
                && !span.target.starts_with("sea_orm")
                && !span.target.starts_with("sqlx")
        })
        .collect();
    assert!(others.is_empty(), "spans beyond one per batch: {others:?}");
}

backend_tests_on_one_thread!(a_batch_is_traced_once_under_its_operation, batch_spans);

backend_tests_on_one_thread!(
    the_operation_span_carries_name_type_complexity_depth_duration_and_outcome,
    operation_span_fields
);

async fn post(base: &str, body: Value, forwarded_for: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .json(&body);
    if let Some(forwarded_for) = forwarded_for {
        request = request.header("x-forwarded-for", forwarded_for);
    }
    let response = request.send().await.expect("response");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn production_public() -> Config {
    let mut config = Config {
        public_introspection: false,
        ..Config::default()
    };
    config.auth.anonymous_role = Role::Public;
    config
}

backend_tests!(
    public_gets_no_introspection_or_suggestions_when_switched_off,
    Data::Demo,
    |_app: TestApp| async move {
        let app = TestApp::with_config(_app.backend, Data::Demo, production_public())
            .await
            .expect("app");
        let base = app.spawn().await.expect("server");

        // async-graphql answers introspection it does not allow with null, revealing nothing.
        let (status, body) = post(
            &base,
            json!({ "query": "{ __schema { types { name } } }" }),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["__schema"], Value::Null, "{body}");
        let (_, body) = post(
            &base,
            json!({ "query": "{ __type(name: \"Organisation\") { name fields { name } } }" }),
            None,
        )
        .await;
        assert_eq!(body["data"]["__type"], Value::Null, "{body}");

        // A misspelt field gets no "did you mean".
        let (_, body) = post(
            &base,
            json!({ "query": "{ organisatons(first: 1) { totalCount } }" }),
            None,
        )
        .await;
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("organisatons"), "{body}");
        assert!(!message.contains("Did you mean"), "{body}");

        // Ordinary queries and `__typename` still work.
        let (_, body) = post(
            &base,
            json!({ "query": "{ __typename regions(first: 1) { totalCount } }" }),
            None,
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(body["data"]["__typename"], "Query");

        // Other roles keep both.
        let admin = Principal::with_role("dev", Role::Admin);
        let body = app
            .query_as(
                admin.clone(),
                "{ __schema { queryType { name } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            body["data"]["__schema"]["queryType"]["name"], "Query",
            "{body}"
        );
        let body = app
            .query_as(
                admin,
                "{ organisatons(first: 1) { totalCount } }",
                json!({}),
            )
            .await;
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("Did you mean"), "{body}");

        // With the default (development) configuration, PUBLIC may introspect.
        let mut open = Config::default();
        open.auth.anonymous_role = Role::Public;
        let open = TestApp::with_config(app.backend, Data::Empty, open)
            .await
            .expect("app");
        let base = open.spawn().await.expect("server");
        let (_, body) = post(
            &base,
            json!({ "query": "{ __schema { queryType { name } } }" }),
            None,
        )
        .await;
        assert_eq!(
            body["data"]["__schema"]["queryType"]["name"], "Query",
            "{body}"
        );
    }
);

/// A configuration whose per-address bucket holds two requests, with `trusted` proxies.
fn rate_limited(trusted: &[&str]) -> Config {
    let mut config = sharaka_test_support::test_config();
    config.limits.rate_per_minute = 60;
    config.limits.rate_burst = 2;
    config.limits.rate_per_address_per_minute = 60;
    config.trusted_proxies = trusted.iter().map(|n| n.parse().expect("cidr")).collect();
    config
}

const SMALL: &str = "{ regions(first: 1) { totalCount } }";

backend_tests!(
    forwarded_for_is_believed_only_from_trusted_proxies,
    Data::Empty,
    |app: TestApp| async move {
        // Behind a trusted proxy (the test client is on 127.0.0.1), each forwarded client has
        // its own bucket.
        let behind = TestApp::with_config(app.backend, Data::Empty, rate_limited(&["127.0.0.0/8"]))
            .await
            .expect("app");
        let base = behind.spawn().await.expect("server");
        for _ in 0..2 {
            let (status, body) = post(&base, json!({ "query": SMALL }), Some("198.51.100.1")).await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, body) = post(&base, json!({ "query": SMALL }), Some("198.51.100.1")).await;
        assert_eq!(status, 429, "{body}");
        assert_eq!(error_codes(&body), ["RATE_LIMITED"]);
        // Another client behind the same proxy is not limited by the first one's requests, and a
        // hop the client wrote itself (left of the proxy's) does not pick the bucket.
        let (status, body) = post(&base, json!({ "query": SMALL }), Some("198.51.100.2")).await;
        assert_eq!(status, 200, "{body}");
        let (status, _) = post(
            &base,
            json!({ "query": SMALL }),
            Some("198.51.100.9, 198.51.100.1"),
        )
        .await;
        assert_eq!(status, 429, "the right-most untrusted hop is the client");

        // Without trusted proxies, the header is ignored: changing it does not escape the limit.
        let direct = TestApp::with_config(app.backend, Data::Empty, rate_limited(&[]))
            .await
            .expect("app");
        let base = direct.spawn().await.expect("server");
        for i in 0..2 {
            let forged = format!("203.0.113.{i}");
            let (status, body) = post(&base, json!({ "query": SMALL }), Some(&forged)).await;
            assert_eq!(status, 200, "{body}");
        }
        let (status, _) = post(&base, json!({ "query": SMALL }), Some("203.0.113.77")).await;
        assert_eq!(
            status, 429,
            "a forged X-Forwarded-For must not get a fresh bucket"
        );
    }
);
