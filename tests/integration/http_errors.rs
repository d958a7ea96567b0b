//! The HTTP protocol rules and error codes, over a real server on a free port (see
//! `sharaka_gateway::http` and `sharaka_gateway::error`): content types, body limit, batches,
//! GET rules, GraphiQL, health checks, and for each kind of bad request its status, its
//! `extensions.code`, and a message that is short and leaks neither SQL nor Rust debug text.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, ALLOW, CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};
use sharaka_gateway::Config;
use sharaka_test_support::{Data, TestApp, backend_tests, error_codes, global_id};

/// A response: its status, headers and body text.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    async fn from(response: reqwest::Response) -> Self {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        Self {
            status,
            headers,
            text,
        }
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                self.short_text()
            )
        })
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn short_text(&self) -> String {
        self.text.chars().take(600).collect()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn spawn(app: &TestApp) -> String {
    app.spawn().await.expect("server")
}

/// POSTs a JSON value to `/graphql`.
async fn post_json(base: &str, body: &Value) -> Reply {
    let response = client()
        .post(format!("{base}/graphql"))
        .json(body)
        .send()
        .await
        .expect("request");
    Reply::from(response).await
}

/// POSTs a query with variables.
async fn post_query(base: &str, query: &str, variables: Value) -> Reply {
    post_json(base, &json!({ "query": query, "variables": variables })).await
}

/// POSTs raw bytes with an optional content type.
async fn post_raw(base: &str, content_type: Option<&str>, body: impl Into<reqwest::Body>) -> Reply {
    let mut request = client().post(format!("{base}/graphql")).body(body);
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    Reply::from(request.send().await.expect("request")).await
}

/// GETs `path` with query parameters.
async fn get(base: &str, path: &str, params: &[(&str, &str)]) -> Reply {
    let response = client()
        .get(format!("{base}{path}"))
        .query(params)
        .send()
        .await
        .expect("request");
    Reply::from(response).await
}

/// Words that must never reach a client: SQL, driver and Rust debug output.
const LEAKS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE ",
    "DELETE ",
    " FROM ",
    " WHERE ",
    "sqlx",
    "sea_orm",
    "SeaORM",
    "DbErr",
    "Sqlx",
    "sqlite",
    "SQLite",
    "postgres",
    "PostgreSQL",
    "syntax error",
    "Some(",
    "None",
    "Ok(",
    "Err(",
    " {\n",
    "::",
    "panicked",
    "backtrace",
    ".rs:",
    "Error {",
];

/// Every error of `body` has a code and a short, clean message, and `code` is among them.
#[track_caller]
fn assert_error(body: &Value, code: &str) {
    let errors = body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {body:#}"));
    assert!(!errors.is_empty(), "empty errors in {body:#}");
    assert_eq!(
        error_codes(body).len(),
        errors.len(),
        "an error lacks extensions.code: {body:#}"
    );
    assert!(
        error_codes(body).iter().any(|c| c == code),
        "expected {code}, got {:?}: {body:#}",
        error_codes(body)
    );
    for error in errors {
        let message = error["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no message: {body:#}"));
        assert!(!message.is_empty(), "empty message: {body:#}");
        assert!(
            message.chars().count() < 400,
            "message too long ({} chars): {message}",
            message.chars().count()
        );
        for leak in LEAKS {
            assert!(!message.contains(leak), "message leaks `{leak}`: {message}");
        }
    }
}

/// The reply is a coded error body with this status and code.
#[track_caller]
fn assert_reply(reply: &Reply, status: StatusCode, code: &str) -> Value {
    assert_eq!(reply.status, status, "body: {}", reply.short_text());
    assert!(
        reply.content_type().starts_with("application/"),
        "content type {:?}",
        reply.content_type()
    );
    let body = reply.json();
    assert_error(&body, code);
    body
}

// ---- Success paths and content negotiation ----

backend_tests!(
    post_valid_query_is_json,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let reply = post_query(&base, "{ regions { totalCount } }", json!({})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.short_text());
        assert!(
            reply.content_type().starts_with("application/json"),
            "{:?}",
            reply.content_type()
        );
        let body = reply.json();
        assert!(body.get("errors").is_none(), "{body:#}");
        assert_eq!(body["data"]["regions"]["totalCount"], 12);

        let response = client()
            .post(format!("{base}/graphql"))
            .header(ACCEPT, "application/graphql-response+json")
            .json(&json!({ "query": "{ regions { totalCount } }" }))
            .send()
            .await
            .expect("request");
        let reply = Reply::from(response).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.short_text());
        assert!(
            reply
                .content_type()
                .starts_with("application/graphql-response+json"),
            "{:?}",
            reply.content_type()
        );
        assert_eq!(reply.json()["data"]["regions"]["totalCount"], 12);
    }
);

backend_tests!(
    health_checks_answer,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        for path in ["/health/live", "/health/ready"] {
            let reply = get(&base, path, &[]).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{path}: {}",
                reply.short_text()
            );
        }
    }
);

// ---- Transport errors ----

backend_tests!(
    malformed_json_is_400,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        for body in [
            r#"{"query": "{ regions { totalCount } }""#,
            "not json",
            "",
            r#"{"query": 5}"#,
            "[1, 2",
            "\u{0}",
        ] {
            let reply = post_raw(&base, Some("application/json"), body).await;
            assert_reply(&reply, StatusCode::BAD_REQUEST, "BAD_REQUEST");
        }
        // Well-formed JSON that holds no query is not a GraphQL request either.
        for body in [r#"{"nope": 1}"#, r#"{"query": ""}"#, r#"{"query": "  "}"#] {
            let reply = post_raw(&base, Some("application/json"), body).await;
            assert_reply(&reply, StatusCode::BAD_REQUEST, "BAD_REQUEST");
        }
    }
);

backend_tests!(
    wrong_content_type_is_415,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let query = r#"{"query": "{ regions { totalCount } }"}"#;
        for content_type in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            None,
        ] {
            let reply = post_raw(&base, content_type, query).await;
            assert_reply(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE, "BAD_REQUEST");
        }
        // A form body proper, as a browser would send it.
        let response = client()
            .post(format!("{base}/graphql"))
            .form(&[("query", "{ regions { totalCount } }")])
            .send()
            .await
            .expect("request");
        assert_reply(
            &Reply::from(response).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
        );
        // Parameters on the media type are fine.
        let reply = post_raw(&base, Some("application/json; charset=utf-8"), query).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.short_text());
    }
);

/// Declares a test that runs on SQLite and PostgreSQL over an app built with `config`, following
/// the pattern of [`backend_tests!`].
macro_rules! config_tests {
    ($name:ident, $config:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = TestApp::with_config(
                    sharaka_test_support::Backend::Sqlite,
                    Data::Demo,
                    $config,
                )
                .await
                .expect("test app");
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if sharaka_test_support::postgres_url().is_none() {
                    eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL variant did not run");
                    return;
                }
                let app = TestApp::with_config(
                    sharaka_test_support::Backend::Postgres,
                    Data::Demo,
                    $config,
                )
                .await
                .expect("test app");
                ($body)(app).await;
            }
        }
    };
}

config_tests!(
    body_over_the_limit_is_413,
    Config {
        body_limit: 64 * 1024,
        ..Config::default()
    },
    |app: TestApp| async move {
        let base = spawn(&app).await;
        // 200 KB of valid JSON: a query padded with spaces.
        let padding = " ".repeat(200 * 1024);
        let body = format!(r#"{{"query": "{{ regions {{ totalCount }} }}{padding}"}}"#);
        let reply = post_raw(&base, Some("application/json"), body).await;
        assert_reply(&reply, StatusCode::PAYLOAD_TOO_LARGE, "BAD_REQUEST");
        // Under the limit, the same query runs.
        let reply = post_query(&base, "{ regions { totalCount } }", json!({})).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.short_text());
    }
);

backend_tests!(
    batches_are_refused_by_default,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let one = json!({ "query": "{ regions { totalCount } }" });
        for batch in [json!([one]), json!([one, one])] {
            let reply = post_json(&base, &batch).await;
            assert_reply(&reply, StatusCode::BAD_REQUEST, "BAD_REQUEST");
        }
    }
);

config_tests!(
    batches_up_to_the_limit_run,
    Config {
        max_batch: 2,
        ..Config::default()
    },
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let one = json!({ "query": "{ regions { totalCount } }" });
        let reply = post_json(
            &base,
            &json!([one, { "query": "{ sites(first: 1) { nodes { localId } } }" }]),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.short_text());
        assert!(
            reply.content_type().starts_with("application/json"),
            "{:?}",
            reply.content_type()
        );
        let body = reply.json();
        let responses = body
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {body:#}"));
        assert_eq!(responses.len(), 2, "{body:#}");
        assert_eq!(responses[0]["data"]["regions"]["totalCount"], 12);
        assert!(responses[1].get("errors").is_none(), "{body:#}");
        assert_eq!(
            responses[1]["data"]["sites"]["nodes"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );

        let reply = post_json(&base, &json!([one, one, one])).await;
        assert_reply(&reply, StatusCode::BAD_REQUEST, "BAD_REQUEST");
    }
);

// ---- GET ----

backend_tests!(get_runs_queries, Data::Demo, |app: TestApp| async move {
    let base = spawn(&app).await;
    let reply = get(&base, "/graphql", &[("query", "{regions{totalCount}}")]).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.short_text());
    assert!(
        reply.content_type().starts_with("application/json"),
        "{:?}",
        reply.content_type()
    );
    assert_eq!(reply.json()["data"]["regions"]["totalCount"], 12);

    let reply = get(
        &base,
        "/graphql",
        &[
            (
                "query",
                "query($n: Int) { regions(first: $n) { nodes { isoCode } } }",
            ),
            ("variables", r#"{"n": 2}"#),
        ],
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.short_text());
    assert_eq!(
        reply.json()["data"]["regions"]["nodes"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );

    let reply = get(
        &base,
        "/graphql",
        &[
            ("query", "{regions{totalCount}}"),
            ("variables", "{not json"),
        ],
    )
    .await;
    assert_reply(&reply, StatusCode::BAD_REQUEST, "BAD_REQUEST");
    let reply = get(&base, "/graphql", &[("query", "")]).await;
    assert_reply(&reply, StatusCode::BAD_REQUEST, "BAD_REQUEST");
    let reply = get(&base, "/graphql", &[("query", "{ regions { totalCount }")]).await;
    assert_reply(&reply, StatusCode::BAD_REQUEST, "GRAPHQL_PARSE_FAILED");
});

backend_tests!(
    get_refuses_mutations_with_405,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let reply = get(&base, "/graphql", &[("query", "mutation { x }")]).await;
        assert_reply(&reply, StatusCode::METHOD_NOT_ALLOWED, "BAD_REQUEST");
        assert_eq!(
            reply.headers.get(ALLOW).and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        // Also when the mutation is the operation chosen by name.
        let reply = get(
            &base,
            "/graphql",
            &[
                (
                    "query",
                    "query Q { regions { totalCount } } mutation M { x }",
                ),
                ("operationName", "M"),
            ],
        )
        .await;
        assert_reply(&reply, StatusCode::METHOD_NOT_ALLOWED, "BAD_REQUEST");
        assert_eq!(
            reply.headers.get(ALLOW).and_then(|v| v.to_str().ok()),
            Some("POST")
        );
    }
);

backend_tests!(
    get_without_query_serves_graphiql,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        for path in ["/graphql", "/graphiql"] {
            let reply = get(&base, path, &[]).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}");
            assert!(
                reply.content_type().starts_with("text/html"),
                "{path}: {:?}",
                reply.content_type()
            );
            assert!(
                reply.text.to_lowercase().contains("graphiql"),
                "{path}: {}",
                reply.short_text()
            );
        }
    }
);

// ---- Parse and validation ----

backend_tests!(
    parse_errors_are_coded_and_short,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let reply = post_query(&base, "{ regions { totalCount }", json!({})).await;
        assert_reply(&reply, StatusCode::BAD_REQUEST, "GRAPHQL_PARSE_FAILED");

        // ~800 KB that fails to parse at its very end: the error names a position, not the text.
        let huge = format!(
            "{{ regions {{ totalCount {} !!! }} }}",
            "aaaa ".repeat(160_000)
        );
        assert!(huge.len() > 790_000);
        let reply = post_query(&base, &huge, json!({})).await;
        let body = assert_reply(&reply, StatusCode::BAD_REQUEST, "GRAPHQL_PARSE_FAILED");
        assert!(
            reply.text.len() < 1000,
            "reply is {} bytes",
            reply.text.len()
        );
        assert!(
            !body["errors"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains("aaaa"),
            "{body:#}"
        );

        // Deeply nested braces do not overflow the parser's stack.
        let deep = format!("{}{}", "{ a ".repeat(100_000), "}".repeat(100_000));
        let reply = post_query(&base, &deep, json!({})).await;
        assert_reply(&reply, StatusCode::BAD_REQUEST, "GRAPHQL_PARSE_FAILED");

        // Still serving.
        let reply = post_query(&base, "{ regions { totalCount } }", json!({})).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
);

backend_tests!(
    unknown_field_fails_validation,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let reply = post_query(&base, "{ regions { totalCount nope } }", json!({})).await;
        assert_reply(&reply, StatusCode::OK, "GRAPHQL_VALIDATION_FAILED");
        let reply = post_query(&base, "{ nope }", json!({})).await;
        assert_reply(&reply, StatusCode::OK, "GRAPHQL_VALIDATION_FAILED");
        // The GraphQL-over-HTTP response type turns a request error into a 4xx.
        let response = client()
            .post(format!("{base}/graphql"))
            .header(ACCEPT, "application/graphql-response+json")
            .json(&json!({ "query": "{ nope }" }))
            .send()
            .await
            .expect("request");
        let reply = Reply::from(response).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{}",
            reply.short_text()
        );
        assert!(
            reply
                .content_type()
                .starts_with("application/graphql-response+json")
        );
        assert_error(&reply.json(), "GRAPHQL_VALIDATION_FAILED");
    }
);

backend_tests!(
    depth_limit_is_enforced,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let depth = sharaka_gateway::schema::MAX_DEPTH + 5;
        let query = format!(
            "{{ sites(first: 1) {{ nodes {{ {} localId {} }} }} }}",
            "parent { ".repeat(depth),
            "}".repeat(depth)
        );
        let reply = post_query(&base, &query, json!({})).await;
        let body = assert_reply(&reply, StatusCode::OK, "GRAPHQL_VALIDATION_FAILED");
        assert!(body["data"].is_null(), "{body:#}");
        // Within the limit, the same shape runs.
        let query = "{ sites(first: 1) { nodes { parent { parent { localId } } } } }";
        let reply = post_query(&base, query, json!({})).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(
            reply.json().get("errors").is_none(),
            "{}",
            reply.short_text()
        );
    }
);

// ---- Bad input ----

backend_tests!(
    bad_global_ids_are_bad_input,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let reply = post_query(&base, r#"{ node(id: "!!!") { id } }"#, json!({})).await;
        assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
        // A well-formed ID of an unknown kind.
        let reply = post_query(
            &base,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": global_id("Nope", "x") }),
        )
        .await;
        assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
        // A Region's ID where an Organisation's is expected.
        let region = global_id("Region", "MA-01");
        let query = "query($p: [ID!]) { agreements(filter: { party: $p }) { totalCount } }";
        let reply = post_query(&base, query, json!({ "p": [region] })).await;
        assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
        let query =
            format!(r#"{{ organisations(filter: {{ ids: ["{region}"] }}) {{ totalCount }} }}"#);
        let reply = post_query(&base, &query, json!({})).await;
        assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
    }
);

backend_tests!(
    bad_cursor_is_bad_input,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        for cursor in ["garbage", "!!!", ""] {
            let reply = post_query(
                &base,
                "query($a: String) { regions(after: $a) { totalCount } }",
                json!({ "a": cursor }),
            )
            .await;
            assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
        }
        // A good cursor works.
        let data = app
            .data(
                "{ regions(first: 1) { pageInfo { endCursor } } }",
                json!({}),
            )
            .await;
        let cursor = data["regions"]["pageInfo"]["endCursor"].clone();
        let reply = post_query(
            &base,
            "query($a: String) { regions(first: 2, after: $a) { nodes { isoCode } } }",
            json!({ "a": cursor }),
        )
        .await;
        assert_eq!(
            reply.json()["data"]["regions"]["nodes"]
                .as_array()
                .map(Vec::len),
            Some(2),
            "{}",
            reply.short_text()
        );
    }
);

backend_tests!(
    first_out_of_range_is_bad_input,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        for first in ["501", "-1", "2147483647"] {
            let reply = post_query(
                &base,
                &format!("{{ regions(first: {first}) {{ nodes {{ isoCode }} }} }}"),
                json!({}),
            )
            .await;
            let body = assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
            assert!(
                body["data"].is_null() || body["data"]["regions"].is_null(),
                "not refused: {body:#}"
            );
        }
        // On a nested connection too.
        let reply = post_query(
            &base,
            "{ regions(first: 1) { nodes { sites(first: 501) { totalCount } } } }",
            json!({}),
        )
        .await;
        assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
        // 500 is allowed.
        let reply = post_query(
            &base,
            "{ regions(first: 500) { nodes { isoCode } } }",
            json!({}),
        )
        .await;
        assert!(
            reply.json().get("errors").is_none(),
            "{}",
            reply.short_text()
        );
    }
);

backend_tests!(
    bad_partial_dates_are_bad_input,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        for date in ["2016-13", "2016-02-30", "16", "2016/01"] {
            let query = format!(
                r#"{{ agreements(filter: {{ signedOn: {{ from: "{date}" }} }}) {{ totalCount }} }}"#
            );
            let reply = post_query(&base, &query, json!({})).await;
            assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");

            let query = "query($d: PartialDate) { agreements(filter: { signedOn: { from: $d } }) { totalCount } }";
            let reply = post_query(&base, query, json!({ "d": date })).await;
            assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");

            let query = "query($f: AgreementFilter) { agreements(filter: $f) { totalCount } }";
            let reply =
                post_query(&base, query, json!({ "f": { "signedOn": { "to": date } } })).await;
            assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
        }
    }
);

backend_tests!(
    nul_in_text_is_bad_input,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let query =
            "query($t: String) { organisations(filter: { nameContains: $t }) { totalCount } }";
        let reply = post_query(&base, query, json!({ "t": "DG\u{0}APR" })).await;
        assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
        let query = "query($f: SiteFilter) { sites(filter: $f) { totalCount } }";
        let reply = post_query(&base, query, json!({ "f": { "nameContains": "\u{0}" } })).await;
        assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
        // Written as an escape in the query text rather than sent as a variable.
        let reply = post_query(
            &base,
            r#"{ organisations(filter: { nameContains: "DG\u0000APR" }) { totalCount } }"#,
            json!({}),
        )
        .await;
        assert_reply(&reply, StatusCode::OK, "BAD_USER_INPUT");
        // A backslash followed by `u0000` is ordinary text, not a NUL.
        let reply = post_query(
            &base,
            "query($t: String) { organisations(filter: { nameContains: $t }) { totalCount } }",
            json!({ "t": "DG\\u0000APR" }),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            reply.json(),
            json!({ "data": { "organisations": { "totalCount": 0 } } })
        );
        // NUL escapes in other text arguments (lists of codes, IDs) are never a 500 and never leak
        // the database's complaint. (PostgreSQL refuses NUL in text: today these answer
        // INTERNAL_SERVER_ERROR there and an empty result on SQLite; BAD_USER_INPUT would be right.)
        for query in [
            r#"{ regions(filter: { isoCodeIn: ["MA\u0000"] }) { totalCount } }"#.to_owned(),
            r#"{ organisations(filter: { countryIn: ["M\u0000"] }) { totalCount } }"#.to_owned(),
            format!(
                r#"{{ node(id: "{}") {{ id }} }}"#,
                global_id("Region", "MA-01\u{0}")
            ),
        ] {
            let reply = post_query(&base, &query, json!({})).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.short_text());
            let body = reply.json();
            if body.get("errors").is_some() {
                let code = error_codes(&body).first().cloned().unwrap_or_default();
                assert_error(&body, &code);
            }
        }
    }
);

// ---- Languages ----

backend_tests!(languages, Data::Demo, |app: TestApp| async move {
    let base = spawn(&app).await;
    let query =
        "{ organisations(filter: { isHome: true }) { nodes { acronym name { ar fr text } } } }";

    let reply = post_query(
        &base,
        "{ organisations { nodes { name { text(lang: DE) } } } }",
        json!({}),
    )
    .await;
    assert_reply(&reply, StatusCode::OK, "GRAPHQL_VALIDATION_FAILED");

    let ask = |lang: Option<&'static str>| {
        let base = base.clone();
        async move {
            let mut request = client()
                .post(format!("{base}/graphql"))
                .json(&json!({ "query": query }));
            if let Some(lang) = lang {
                request = request.header(ACCEPT_LANGUAGE, lang);
            }
            let reply = Reply::from(request.send().await.expect("request")).await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.short_text());
            let body = reply.json();
            assert!(body.get("errors").is_none(), "{body:#}");
            body["data"]["organisations"]["nodes"][0]["name"].clone()
        }
    };

    let name = ask(Some("ar")).await;
    assert_eq!(name["text"], name["ar"], "{name:#}");
    assert!(
        name["ar"]
            .as_str()
            .is_some_and(|s| s.starts_with("المندوبية")),
        "{name:#}"
    );

    let name = ask(Some("de")).await;
    assert_eq!(name["text"], name["fr"], "{name:#}");
    assert!(
        name["fr"]
            .as_str()
            .is_some_and(|s| s.starts_with("Délégation")),
        "{name:#}"
    );

    let name = ask(Some("de-DE, ar;q=0.5")).await;
    assert_eq!(name["text"], name["ar"], "{name:#}");

    let name = ask(None).await;
    assert_eq!(name["text"], name["fr"], "{name:#}");
});

fn gunzip(packed: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(packed)
        .read_to_end(&mut unpacked)
        .expect("valid gzip");
    unpacked
}

backend_tests!(
    answers_are_compressed_when_the_client_accepts_it,
    Data::Demo,
    |app: TestApp| async move {
        let base = spawn(&app).await;
        let query =
            json!({ "query": "{ regions(first: 12) { nodes { isoCode name { ar fr en } } } }" });
        let post = |encoding: Option<&'static str>| {
            let mut request = client().post(format!("{base}/graphql")).json(&query);
            if let Some(encoding) = encoding {
                request = request.header("accept-encoding", encoding);
            }
            request.send()
        };
        let encoding = |response: &reqwest::Response| {
            response
                .headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };

        let plain = post(None).await.expect("plain request");
        assert_eq!(encoding(&plain), None, "nothing asked, nothing compressed");
        let plain = plain.bytes().await.expect("plain body");
        let answer: Value = serde_json::from_slice(&plain).expect("plain JSON");
        assert_eq!(
            answer["data"]["regions"]["nodes"].as_array().map(Vec::len),
            Some(12)
        );

        let gzip = post(Some("gzip")).await.expect("gzip request");
        assert_eq!(gzip.status(), StatusCode::OK);
        assert_eq!(encoding(&gzip).as_deref(), Some("gzip"));
        let packed = gzip.bytes().await.expect("gzip body");
        assert!(
            packed.len() < plain.len(),
            "{} ≥ {}",
            packed.len(),
            plain.len()
        );
        assert_eq!(
            gunzip(&packed),
            plain.to_vec(),
            "the same answer, compressed"
        );

        let brotli = post(Some("br;q=1.0, gzip;q=0.5"))
            .await
            .expect("br request");
        assert_eq!(encoding(&brotli).as_deref(), Some("br"));
        let packed = brotli.bytes().await.expect("br body");
        assert!(packed.len() < plain.len());

        // Errors are answers too: a coded error arrives compressed and intact.
        let refused = client()
            .post(format!("{base}/graphql"))
            .header("accept-encoding", "gzip")
            .json(&json!({ "query": "{ regions { totalCount }" }))
            .send()
            .await
            .expect("bad request");
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert_eq!(encoding(&refused).as_deref(), Some("gzip"));
        let body = refused.bytes().await.expect("error body");
        let error: Value = serde_json::from_slice(&gunzip(&body)).expect("coded error JSON");
        assert_eq!(
            error["errors"][0]["extensions"]["code"],
            "GRAPHQL_PARSE_FAILED"
        );
    }
);
