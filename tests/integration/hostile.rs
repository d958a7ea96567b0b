//! The hostile-input suite: hundreds of malformed, heavy and malicious requests, generated and
//! hand-written, against a real server on a loopback port (and nowhere else). Each must get a
//! clean answer: a status below 500, a JSON body, every error coded (never
//! `INTERNAL_SERVER_ERROR`) with a short message that leaks nothing; or the correct data. After
//! each group the server must still answer a normal query. Every loop is bounded in count, and
//! every request in time (the client's timeout). The suite prints how many inputs it tried.
//!
//! Then the protocol defences one by one: rate limiting, the execution deadline, slow clients,
//! CORS, CSRF, persisted queries (automatic and allow-list), graceful shutdown, and the
//! in-process document check.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sharaka_gateway::Config;
use sharaka_gateway::limits::Limits;
use sharaka_test_support::{Data, TestApp, error_codes, global_id, test_config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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
    "sqlite",
    "SQLite",
    "postgres",
    "PostgreSQL",
    "syntax error",
    "Some(",
    "Ok(",
    "Err(",
    "panicked",
    "backtrace",
    ".rs:",
    "Error {",
];

/// The normal query that must work after every group.
const NORMAL: &str = "{ regions { totalCount } }";

/// A reply: status, headers, body text.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    fn short(&self) -> String {
        self.text.chars().take(400).collect()
    }
}

/// What a reply must be, beyond clean.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Clean: a coded error or data.
    Clean,
    /// An error with this code.
    Code(&'static str),
    /// Data without errors.
    Data,
}

/// The suite's client: counts inputs, checks every reply.
struct Hostile {
    base: String,
    client: reqwest::Client,
    tried: usize,
}

impl Hostile {
    fn new(base: String) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("client");
        Self {
            base,
            client,
            tried: 0,
        }
    }

    async fn send(
        &mut self,
        label: &str,
        request: reqwest::RequestBuilder,
        expect: Expect,
    ) -> Reply {
        self.tried += 1;
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{label}: no reply ({e})"));
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let reply = Reply {
            status,
            headers,
            text,
        };
        check(label, &reply, expect);
        reply
    }

    async fn post(&mut self, label: &str, body: &Value, expect: Expect) -> Reply {
        let request = self
            .client
            .post(format!("{}/graphql", self.base))
            .json(body);
        self.send(label, request, expect).await
    }

    async fn query(&mut self, label: &str, query: &str, variables: Value, expect: Expect) -> Reply {
        self.post(
            label,
            &json!({ "query": query, "variables": variables }),
            expect,
        )
        .await
    }

    async fn raw(
        &mut self,
        label: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
        expect: Expect,
    ) -> Reply {
        let request = self
            .client
            .post(format!("{}/graphql", self.base))
            .header(CONTENT_TYPE, content_type)
            .body(body);
        self.send(label, request, expect).await
    }

    async fn get(&mut self, label: &str, params: &[(&str, &str)], expect: Expect) -> Reply {
        let request = self
            .client
            .get(format!("{}/graphql", self.base))
            .query(params);
        self.send(label, request, expect).await
    }

    /// The server's `host:port`.
    fn host(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Sends raw bytes over a new connection and reads what comes back until the server closes
    /// it or 10 s pass (the loopback server only).
    async fn raw_http(&mut self, label: &str, bytes: &[u8]) -> String {
        self.tried += 1;
        let stream = tokio::net::TcpStream::connect(self.host())
            .await
            .unwrap_or_else(|e| panic!("{label}: connect: {e}"));
        let (mut reader, mut writer) = stream.into_split();
        // The server may answer (and close) before reading everything: write while reading,
        // and a write error is fine.
        let bytes = bytes.to_vec();
        let writing = tokio::spawn(async move {
            for chunk in bytes.chunks(16 * 1024) {
                if writer.write_all(chunk).await.is_err() {
                    break;
                }
            }
            writer
        });
        let mut answer = Vec::new();
        let mut buf = [0u8; 8192];
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, reader.read(&mut buf)).await {
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
        }
        writing.abort();
        let answer = String::from_utf8_lossy(&answer).into_owned();
        assert!(!answer.starts_with("HTTP/1.1 5"), "{label}: {answer:.300}");
        answer
    }

    /// The server still answers a normal query correctly.
    async fn still_serving(&mut self, after: &str) {
        let reply = self
            .query(
                &format!("normal query after {after}"),
                NORMAL,
                json!({}),
                Expect::Data,
            )
            .await;
        assert_eq!(
            reply.json()["data"]["regions"]["totalCount"],
            12,
            "after {after}: {}",
            reply.short()
        );
    }
}

/// Checks that a reply is clean, and what was expected.
#[track_caller]
fn check(label: &str, reply: &Reply, expect: Expect) {
    assert!(
        reply.status.as_u16() < 500,
        "{label}: status {} — {}",
        reply.status,
        reply.short()
    );
    let content_type = reply
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        content_type.starts_with("application/"),
        "{label}: content type {content_type:?}, status {} — {}",
        reply.status,
        reply.short()
    );
    let body: Value = serde_json::from_str(&reply.text)
        .unwrap_or_else(|e| panic!("{label}: not JSON ({e}): {}", reply.short()));
    let bodies: Vec<&Value> = match &body {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for body in &bodies {
        check_body(label, body);
    }
    match expect {
        Expect::Clean => {}
        Expect::Data => {
            for body in &bodies {
                assert!(
                    body.get("errors").is_none() && !body["data"].is_null(),
                    "{label}: expected data, got {}",
                    reply.short()
                );
            }
        }
        Expect::Code(code) => {
            let codes: Vec<String> = bodies.iter().flat_map(|b| error_codes(b)).collect();
            assert!(
                codes.iter().any(|c| c == code),
                "{label}: expected {code}, got {codes:?} (status {}): {}",
                reply.status,
                reply.short()
            );
        }
    }
}

#[track_caller]
fn check_body(label: &str, body: &Value) {
    let Some(errors) = body.get("errors") else {
        assert!(
            body.get("data").is_some(),
            "{label}: neither data nor errors: {body}"
        );
        return;
    };
    let errors = errors
        .as_array()
        .unwrap_or_else(|| panic!("{label}: `errors` is not a list: {body}"));
    assert!(!errors.is_empty(), "{label}: empty errors");
    assert!(errors.len() <= 100, "{label}: {} errors", errors.len());
    for error in errors {
        let code = error["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{label}: an error without a code: {error}"));
        assert_ne!(
            code, "INTERNAL_SERVER_ERROR",
            "{label}: an internal error: {error}"
        );
        let message = error["message"].as_str().unwrap_or("");
        assert!(!message.is_empty(), "{label}: an empty message");
        assert!(
            message.chars().count() < 400,
            "{label}: a long message: {message}"
        );
        // A message may quote the client's own input (an invalid ID is named), never more.
        for leak in LEAKS.iter().filter(|leak| !label.contains(**leak)) {
            assert!(
                !message.contains(leak),
                "{label}: the message leaks `{leak}`: {message}"
            );
        }
    }
}

/// The configuration of the suite: no rate limits (it sends hundreds of requests from one
/// address), batches of up to 5.
fn hostile_config() -> Config {
    Config {
        max_batch: 5,
        limits: Limits::without_rate_limits(),
        ..test_config()
    }
}

/// Declares a test on SQLite and PostgreSQL over an app built with `config`.
macro_rules! hostile_tests {
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

// ---- The generated and hand-written inputs ----

/// Strings an attacker tries in text filters.
const INJECTIONS: &[&str] = &[
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE organisations; --",
    "\" OR \"\"=\"",
    "1; SELECT pg_sleep(5) --",
    "') UNION SELECT id, name_fr FROM organisations --",
    "%' AND 1=1 AND '%'='",
    "\\'; --",
    "%%%%",
    "____",
    "\\",
    "*/ OR /*",
    "$1",
    "?",
    "ma' || (select 1) || '",
    "‘ OR ’1’=’1",
];

/// Unicode an attacker (or a confused client) sends.
const UNICODE: &[&str] = &[
    "\u{202E}RPAGD",
    "DG\u{202A}APR\u{202C}",
    "\u{2066}المندوبية\u{2069}",
    "\u{2067}\u{2068}",
    "DGAPR المندوبية",
    "المندوبية",
    "A\u{200D}B\u{200B}C\u{FEFF}",
    "e\u{0301}\u{0301}\u{0301}\u{0301}",
    "🇲🇦🏛️",
    "\u{FFFD}\u{FFFF}",
    "١٢٣",
    "Ǆǅǆ",
    "İstanbul",
    "ß",
];

async fn depth_and_nesting(h: &mut Hostile) {
    // Field depth around the limit: over it is refused, the same way with and without
    // fragments.
    let max = sharaka_gateway::schema::MAX_DEPTH;
    for extra in [1usize, 2, 5, 20] {
        let depth = max + extra;
        let query = format!(
            "{{ sites(first: 1) {{ nodes {{ {} localId {} }} }} }}",
            "parent { ".repeat(depth),
            "}".repeat(depth)
        );
        h.query(
            &format!("depth {depth}"),
            &query,
            json!({}),
            Expect::Code("GRAPHQL_VALIDATION_FAILED"),
        )
        .await;
    }
    let query = format!(
        "{{ sites(first: 1) {{ nodes {{ ...P0 }} }} }} {}",
        (0..40)
            .map(|i| format!("fragment P{i} on Site {{ parent {{ ...P{} }} }}", i + 1))
            .collect::<String>()
            + "fragment P40 on Site { localId }"
    );
    h.query(
        "depth through fragments",
        &query,
        json!({}),
        Expect::Code("GRAPHQL_VALIDATION_FAILED"),
    )
    .await;
    // Bracket nesting, in selections, lists and objects: refused before the parser recurses.
    for n in [65usize, 100, 1_000, 5_000, 100_000] {
        let braces = format!("{}{}", "{ a ".repeat(n), "}".repeat(n));
        h.query(
            &format!("{n} nested selections"),
            &braces,
            json!({}),
            Expect::Code("GRAPHQL_PARSE_FAILED"),
        )
        .await;
        let lists = format!(
            "{{ regions(first: {}1{}) {{ totalCount }} }}",
            "[".repeat(n),
            "]".repeat(n)
        );
        h.query(
            &format!("{n} nested lists"),
            &lists,
            json!({}),
            Expect::Code("GRAPHQL_PARSE_FAILED"),
        )
        .await;
        let objects = format!(
            "{{ organisations(filter: {}{{ isHome: true }}{}) {{ totalCount }} }}",
            "{ not: ".repeat(n),
            "}".repeat(n)
        );
        h.query(
            &format!("{n} nested filters"),
            &objects,
            json!({}),
            Expect::Code("GRAPHQL_PARSE_FAILED"),
        )
        .await;
    }
    // Within the limit, a nested filter works: `not` twice is the filter itself.
    let query = format!(
        "{{ organisations(filter: {}{{ isHome: true }}{}) {{ totalCount }} }}",
        "{ not: ".repeat(20),
        "}".repeat(20)
    );
    let reply = h
        .query("20 nested nots", &query, json!({}), Expect::Data)
        .await;
    assert_eq!(reply.json()["data"]["organisations"]["totalCount"], 1);
    // Deep variables: beyond the nesting limit, and beyond serde's own limit.
    for n in [30usize, 65, 127, 200, 5_000] {
        // Built as text: a deeply nested `serde_json::Value` would overflow the test's stack.
        let filter = format!(
            "{}{{\"isHome\": true}}{}",
            "{\"not\": ".repeat(n),
            "}".repeat(n)
        );
        h.raw(
            &format!("{n} nested filter variables"),
            "application/json",
            format!(
                r#"{{"query": "query($f: OrganisationFilter) {{ organisations(filter: $f) {{ totalCount }} }}", "variables": {{"f": {filter}}}}}"#
            ),
            Expect::Clean,
        )
        .await;
        let deep_list = format!("{}1{}", "[".repeat(n), "]".repeat(n));
        h.raw(
            &format!("{n} nested list variable"),
            "application/json",
            format!(
                r#"{{"query": "query($x: [String]) {{ regions(filter: {{ isoCodeIn: $x }}) {{ totalCount }} }}", "variables": {{"x": {deep_list}}}}}"#
            ),
            Expect::Clean,
        )
        .await;
    }
    // Comments and strings do not hide brackets from the scan, nor count as nesting.
    let query = format!(
        "{{ regions(filter: {{ nameContains: \"{}\" }}) {{ totalCount }} }} # {}",
        "[".repeat(500),
        "{".repeat(500)
    );
    let reply = h
        .query(
            "brackets in strings and comments",
            &query,
            json!({}),
            Expect::Data,
        )
        .await;
    assert_eq!(reply.json()["data"]["regions"]["totalCount"], 0);
    h.still_serving("depth and nesting").await;
}

async fn alias_and_field_bombs(h: &mut Hostile) {
    // `__typename` counts like any field, aliased or not.
    for n in [10_001usize, 50_000] {
        let query = format!("{{ {} }}", "__typename ".repeat(n));
        h.query(
            &format!("{n} __typename"),
            &query,
            json!({}),
            Expect::Code("GRAPHQL_VALIDATION_FAILED"),
        )
        .await;
        let query = format!(
            "{{ {} }}",
            (0..n)
                .map(|i| format!("a{i}: __typename "))
                .collect::<String>()
        );
        h.query(
            &format!("{n} aliased __typename"),
            &query,
            json!({}),
            Expect::Code("GRAPHQL_VALIDATION_FAILED"),
        )
        .await;
    }
    // Aliases beyond the limit, nested (so not root fields).
    let query = format!(
        "{{ regions(first: 1) {{ nodes {{ {} }} }} }}",
        (0..501)
            .map(|i| format!("i{i}: isoCode "))
            .collect::<String>()
    );
    h.query(
        "501 aliases",
        &query,
        json!({}),
        Expect::Code("GRAPHQL_VALIDATION_FAILED"),
    )
    .await;
    let query = format!(
        "{{ regions(first: 1) {{ nodes {{ {} }} }} }}",
        (0..100)
            .map(|i| format!("i{i}: isoCode "))
            .collect::<String>()
    );
    h.query("100 aliases", &query, json!({}), Expect::Data)
        .await;
    // Root fields beyond the limit, and at it.
    for (n, expect) in [
        (51usize, Expect::Code("GRAPHQL_VALIDATION_FAILED")),
        (200, Expect::Code("GRAPHQL_VALIDATION_FAILED")),
        (50, Expect::Data),
    ] {
        let query = format!(
            "{{ {} }}",
            (0..n)
                .map(|i| format!("r{i}: regions(first: 1) {{ totalCount }} "))
                .collect::<String>()
        );
        h.query(&format!("{n} root fields"), &query, json!({}), expect)
            .await;
    }
    // Directives: many on one field, many over the query, unknown ones.
    for n in [101usize, 1_000] {
        let query = format!(
            "{{ regions {{ totalCount {} }} }}",
            "@include(if: true) ".repeat(n)
        );
        h.query(
            &format!("{n} directives on a field"),
            &query,
            json!({}),
            Expect::Code("GRAPHQL_VALIDATION_FAILED"),
        )
        .await;
    }
    let query = format!(
        "{{ regions {{ totalCount {} }} }}",
        "@nope(x: 1) ".repeat(50)
    );
    h.query(
        "50 unknown directives",
        &query,
        json!({}),
        Expect::Code("GRAPHQL_VALIDATION_FAILED"),
    )
    .await;
    // A wide duplicate selection (the overlap rule must stay linear).
    let query = format!(
        "{{ regions(first: 1) {{ nodes {{ {} }} }} }}",
        "isoCode ".repeat(4_000)
    );
    h.query("4000 duplicate fields", &query, json!({}), Expect::Data)
        .await;
    h.still_serving("alias and field bombs").await;
}

async fn fragment_bombs_and_cycles(h: &mut Hostile) {
    // Each fragment spreads the next twice: 2^k fields in a few hundred bytes. async-graphql
    // alone spends tens of seconds on k = 30; the pre-validation check refuses it at once.
    for k in [14usize, 20, 30, 64] {
        let mut query = String::from("query { ...F0 }\n");
        for i in 0..k {
            query.push_str(&format!(
                "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
                n = i + 1
            ));
        }
        query.push_str(&format!("fragment F{k} on Query {{ __typename }}\n"));
        assert!(query.len() < 3_000);
        let reply = h
            .query(
                &format!("fragment bomb 2^{k}"),
                &query,
                json!({}),
                Expect::Code("GRAPHQL_VALIDATION_FAILED"),
            )
            .await;
        assert!(reply.json()["data"].is_null(), "the fragment bomb ran");
    }
    // A wide bomb: ten spreads per level, with aliases and nested fields.
    let mut query = String::from("{ ...W0 }\n");
    for i in 0..6 {
        query.push_str(&format!(
            "fragment W{i} on Query {{ {} }}\n",
            (0..10)
                .map(|j| format!("a{j}: __typename ...W{} ", i + 1))
                .collect::<String>()
        ));
    }
    query.push_str("fragment W6 on Query { regions { totalCount } }\n");
    h.query(
        "wide fragment bomb",
        &query,
        json!({}),
        Expect::Code("GRAPHQL_VALIDATION_FAILED"),
    )
    .await;
    // The same bomb through inline fragments (no names to memoise: bounded by the text).
    let inline = format!(
        "{{ {}__typename{} }}",
        "... on Query { ".repeat(60),
        " }".repeat(60)
    );
    h.query("nested inline fragments", &inline, json!({}), Expect::Clean)
        .await;
    // Cycles: refused, never expanded.
    for (label, query) in [
        ("a fragment spreading itself", "{ ...A } fragment A on Query { ...A }".to_owned()),
        (
            "a two-fragment cycle",
            "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }".to_owned(),
        ),
        (
            "a cycle through fields",
            "{ sites { nodes { ...S } } } fragment S on Site { parent { ...T } } fragment T on Site { parent { ...S } }".to_owned(),
        ),
        (
            "a cycle through an inline fragment",
            "{ ...A } fragment A on Query { ... on Query { ...B } } fragment B on Query { __typename ...A }".to_owned(),
        ),
        (
            "a cycle in an unused fragment",
            "{ __typename } fragment A on Query { ...B } fragment B on Query { ...A }".to_owned(),
        ),
        ("a long cycle", {
            let mut q = String::from("{ ...C0 }\n");
            for i in 0..500 {
                q.push_str(&format!("fragment C{i} on Query {{ ...C{} }}\n", (i + 1) % 500));
            }
            q
        }),
        ("a spread of an unknown fragment", "{ ...Nope }".to_owned()),
        (
            "a fragment on an unknown type",
            "{ ...A } fragment A on Nope { x }".to_owned(),
        ),
    ] {
        h.query(label, &query, json!({}), Expect::Code("GRAPHQL_VALIDATION_FAILED"))
            .await;
    }
    // A long chain of fragments is fine (linear).
    let mut query = String::from("{ ...L0 }\n");
    for i in 0..2_000 {
        query.push_str(&format!("fragment L{i} on Query {{ ...L{} }}\n", i + 1));
    }
    query.push_str("fragment L2000 on Query { regions { totalCount } }\n");
    h.query(
        "a chain of 2000 fragments",
        &query,
        json!({}),
        Expect::Clean,
    )
    .await;
    h.still_serving("fragment bombs").await;
}

async fn huge_inputs(h: &mut Hostile) {
    // Long lists: within the input limit, the right answer; beyond it, refused before SQL.
    let codes: Vec<String> = (0..900).map(|i| format!("X{i:04}")).collect();
    let mut with_real = codes.clone();
    with_real.push("MA-01".to_owned());
    let reply = h
        .query(
            "900 iso codes",
            "query($c: [String!]) { regions(filter: { isoCodeIn: $c }) { totalCount } }",
            json!({ "c": with_real }),
            Expect::Data,
        )
        .await;
    assert_eq!(reply.json()["data"]["regions"]["totalCount"], 1);
    let many: Vec<String> = (0..40_000).map(|i| format!("X{i}")).collect();
    for (label, query) in [
        (
            "40000 iso codes",
            "query($c: [String!]) { regions(filter: { isoCodeIn: $c }) { totalCount } }",
        ),
        (
            "40000 country codes",
            "query($c: [String!]) { organisations(filter: { countryIn: $c }) { totalCount } }",
        ),
        (
            "40000 sectors",
            "query($c: [String!]) { projects(filter: { sectorIn: $c }) { totalCount } }",
        ),
        (
            "40000 ids",
            "query($c: [ID!]) { organisations(filter: { ids: $c }) { totalCount } }",
        ),
    ] {
        h.query(
            label,
            query,
            json!({ "c": many }),
            Expect::Code("GRAPHQL_VALIDATION_FAILED"),
        )
        .await;
    }
    // The same as a literal list in the query text.
    let literal = format!(
        "{{ regions(filter: {{ isoCodeIn: [{}] }}) {{ totalCount }} }}",
        (0..20_000)
            .map(|i| format!("\"X{i}\","))
            .collect::<String>()
    );
    h.query(
        "20000 literal codes",
        &literal,
        json!({}),
        Expect::Code("GRAPHQL_VALIDATION_FAILED"),
    )
    .await;
    // A wide `or` of text filters: each one several SQL parameters.
    let ors: Vec<Value> = (0..300)
        .map(|i| json!({ "nameContains": format!("n{i}") }))
        .collect();
    h.query(
        "an or of 300 text filters",
        "query($f: OrganisationFilter) { organisations(filter: $f) { totalCount } }",
        json!({ "f": { "or": ors } }),
        Expect::Data,
    )
    .await;
    let ors: Vec<Value> = (0..2_000)
        .map(|i| json!({ "nameContains": format!("n{i}") }))
        .collect();
    h.query(
        "an or of 2000 text filters",
        "query($f: OrganisationFilter) { organisations(filter: $f) { totalCount } }",
        json!({ "f": { "or": ors } }),
        Expect::Code("GRAPHQL_VALIDATION_FAILED"),
    )
    .await;
    // A long enum list on a tag column: one condition per value, nested shallowly.
    let themes: Vec<&str> = std::iter::repeat_n("EDUCATION_TRAINING", 900).collect();
    h.query(
        "900 themes",
        "query($t: [Theme!]) { partnerships(filter: { themes: { in: $t } }) { totalCount } }",
        json!({ "t": themes }),
        Expect::Clean,
    )
    .await;
    // Unused variables do not escape the count.
    let junk: serde_json::Map<String, Value> =
        (0..20_000).map(|i| (format!("v{i}"), json!(i))).collect();
    h.query(
        "20000 unused variables",
        NORMAL,
        Value::Object(junk),
        Expect::Clean,
    )
    .await;
    // `nodes` with too many ids, and with 500 forged ones.
    let ids: Vec<String> = (0..501)
        .map(|i| global_id("Region", &format!("XX-{i}")))
        .collect();
    h.query(
        "501 node ids",
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        json!({ "ids": ids }),
        Expect::Code("BAD_USER_INPUT"),
    )
    .await;
    let ids: Vec<String> = (0..500)
        .map(|i| global_id("Region", &format!("XX-{i}")))
        .collect();
    let reply = h
        .query(
            "500 unknown node ids",
            "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
            json!({ "ids": ids }),
            Expect::Data,
        )
        .await;
    assert!(
        reply.json()["data"]["nodes"]
            .as_array()
            .is_some_and(|n| n.len() == 500 && n.iter().all(Value::is_null))
    );
    // Overlong strings, in every kind of text argument.
    for len in [10_000usize, 60_000, 300_000] {
        let long = "a".repeat(len);
        for (label, query) in [
            (
                "name",
                "query($t: String) { organisations(filter: { nameContains: $t }) { totalCount } }",
            ),
            (
                "title",
                "query($t: String) { agreements(filter: { titleContains: $t }) { totalCount } }",
            ),
            (
                "iso code",
                "query($t: String!) { regions(filter: { isoCodeIn: [$t] }) { totalCount } }",
            ),
            (
                "cursor",
                "query($t: String) { regions(after: $t) { totalCount } }",
            ),
            ("id", "query($t: ID!) { node(id: $t) { id } }"),
        ] {
            h.query(
                &format!("a {len}-byte {label}"),
                query,
                json!({ "t": long }),
                Expect::Clean,
            )
            .await;
        }
    }
    // A body over the limit, declared or chunked.
    let big = format!(
        r#"{{"query": "{{ regions {{ totalCount }} }}", "x": "{}"}}"#,
        "a".repeat(1_100_000)
    );
    let reply = h
        .raw(
            "a 1.1 MB body",
            "application/json",
            big,
            Expect::Code("BAD_REQUEST"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Chunked, with no length declared: cut off at the limit all the same.
    let mut chunked = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        h.host()
    )
    .into_bytes();
    for _ in 0..20 {
        chunked.extend_from_slice(format!("{:x}\r\n", 100_000).as_bytes());
        chunked.extend_from_slice(&[b' '; 100_000]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = h.raw_http("a 2 MB chunked body", &chunked).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.200}");
    h.still_serving("huge inputs").await;
}

async fn batches(h: &mut Hostile) {
    let one = json!({ "query": NORMAL });
    for n in [6usize, 100, 10_000] {
        let batch = Value::Array(vec![one.clone(); n]);
        let reply = h
            .post(
                &format!("a batch of {n}"),
                &batch,
                Expect::Code("BAD_REQUEST"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
    let reply = h
        .post(
            "a batch of 5",
            &Value::Array(vec![one.clone(); 5]),
            Expect::Data,
        )
        .await;
    assert_eq!(reply.json().as_array().map(Vec::len), Some(5));
    h.post("an empty batch", &json!([]), Expect::Clean).await;
    let mut bomb = String::from("query { ...F0 }\n");
    for i in 0..30 {
        bomb.push_str(&format!(
            "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    bomb.push_str("fragment F30 on Query { __typename }\n");
    h.post(
        "a batch of fragment bombs",
        &Value::Array(vec![json!({ "query": bomb }); 5]),
        Expect::Code("GRAPHQL_VALIDATION_FAILED"),
    )
    .await;
    h.post(
        "a batch with one bad member",
        &json!([one, { "query": "{ nope" }]),
        Expect::Code("GRAPHQL_PARSE_FAILED"),
    )
    .await;
    h.post(
        "a batch of non-requests",
        &json!([1, "x", null]),
        Expect::Code("BAD_REQUEST"),
    )
    .await;
    h.post(
        "a nested batch",
        &json!([[one]]),
        Expect::Code("BAD_REQUEST"),
    )
    .await;
    // A flood of batches, bounded.
    for i in 0..20 {
        h.post(
            &format!("flood batch {i}"),
            &Value::Array(vec![one.clone(); 5]),
            Expect::Data,
        )
        .await;
    }
    h.still_serving("batches").await;
}

async fn bad_bodies(h: &mut Hostile) {
    // Invalid JSON, and JSON that is not a GraphQL request.
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("empty", b"".to_vec()),
        ("a space", b" ".to_vec()),
        (
            "truncated",
            br#"{"query": "{ regions { totalCount } }""#.to_vec(),
        ),
        (
            "trailing garbage",
            br#"{"query": "{ regions { totalCount } }"} x"#.to_vec(),
        ),
        (
            "two objects",
            br#"{"query": "{ __typename }"}{"query": "{ __typename }"}"#.to_vec(),
        ),
        ("NaN", br#"{"query": NaN}"#.to_vec()),
        ("single quotes", b"{'query': '{ __typename }'}".to_vec()),
        ("a bare string", br#""{ __typename }""#.to_vec()),
        ("a number", b"42".to_vec()),
        ("null", b"null".to_vec()),
        ("true", b"true".to_vec()),
        ("query null", br#"{"query": null}"#.to_vec()),
        ("query a list", br#"{"query": ["{ __typename }"]}"#.to_vec()),
        ("query an object", br#"{"query": {"a": 1}}"#.to_vec()),
        (
            "variables a string",
            br#"{"query": "{ __typename }", "variables": "x"}"#.to_vec(),
        ),
        (
            "variables a list",
            br#"{"query": "{ __typename }", "variables": [1]}"#.to_vec(),
        ),
        (
            "operationName a number",
            br#"{"query": "{ __typename }", "operationName": 5}"#.to_vec(),
        ),
        (
            "extensions a number",
            br#"{"query": "{ __typename }", "extensions": 5}"#.to_vec(),
        ),
        (
            "a lone surrogate",
            br#"{"query": "{ __typename }", "variables": {"a": "\ud800"}}"#.to_vec(),
        ),
        ("a bad escape", br#"{"query": "{ \q }"}"#.to_vec()),
        (
            "control characters",
            b"{\"query\": \"{ __typename \x01\x02 }\"}".to_vec(),
        ),
        (
            "a BOM",
            b"\xEF\xBB\xBF{\"query\": \"{ __typename }\"}".to_vec(),
        ),
        (
            "UTF-16",
            "{\"query\": \"{ __typename }\"}"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect(),
        ),
        (
            "deep arrays",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        ),
        (
            "deep objects",
            format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000)).into_bytes(),
        ),
        (
            "a huge number",
            format!(
                r#"{{"query": "{{ __typename }}", "variables": {{"n": 1{}}}}}"#,
                "0".repeat(5_000)
            )
            .into_bytes(),
        ),
        (
            "1e999",
            br#"{"query": "{ __typename }", "variables": {"n": 1e999}}"#.to_vec(),
        ),
    ];
    for (label, body) in bodies {
        h.raw(
            &format!("body: {label}"),
            "application/json",
            body,
            Expect::Clean,
        )
        .await;
    }
    // Invalid UTF-8, in the query and in variables.
    let utf8: Vec<(&str, Vec<u8>)> = vec![
        ("0xFF", b"{\"query\": \"{ \xFF }\"}".to_vec()),
        ("a broken pair", b"{\"query\": \"{ \xC3\x28 }\"}".to_vec()),
        ("an overlong NUL", b"{\"query\": \"{ \xC0\x80 }\"}".to_vec()),
        ("an encoded surrogate", b"{\"query\": \"{ \xED\xA0\x80 }\"}".to_vec()),
        ("a truncated sequence", b"{\"query\": \"{ __typename }\", \"variables\": {\"a\": \"\xE2\x82\"}}".to_vec()),
        ("Latin-1", b"{\"query\": \"{ organisations(filter: { nameContains: \\\"D\xE9l\xE9gation\\\" }) { totalCount } }\"}".to_vec()),
        ("0xFE 0xFF", b"\xFE\xFF".to_vec()),
        ("a 5-byte sequence", b"{\"query\": \"{ \xF8\x88\x80\x80\x80 }\"}".to_vec()),
    ];
    for (label, body) in utf8 {
        h.raw(
            &format!("invalid UTF-8: {label}"),
            "application/json",
            body,
            Expect::Code("BAD_REQUEST"),
        )
        .await;
    }
    // Text that parses as JSON but not as GraphQL.
    for (label, query) in [
        ("garbage", "!!!"),
        ("half a query", "{ regions { totalCount }"),
        ("a number", "42"),
        ("a string", "\"x\""),
        ("two anonymous operations", "{ __typename } { __typename }"),
        (
            "an unterminated string",
            "{ regions(filter: { nameContains: \"x }) { totalCount } }",
        ),
        (
            "an unterminated block string",
            "{ regions(filter: { nameContains: \"\"\"x }) { totalCount } }",
        ),
        ("a subscription", "subscription { regions { totalCount } }"),
        ("a schema definition", "type Query { x: Int }"),
        (
            "a duplicate operation name",
            "query A { __typename } query A { __typename }",
        ),
    ] {
        h.query(
            &format!("query text: {label}"),
            query,
            json!({}),
            Expect::Clean,
        )
        .await;
    }
    // Unknown operation names.
    h.post(
        "an unknown operation name",
        &json!({ "query": "query A { __typename }", "operationName": "B" }),
        Expect::Clean,
    )
    .await;
    h.post(
        "no operation name for two operations",
        &json!({ "query": "query A { __typename } query B { __typename }" }),
        Expect::Clean,
    )
    .await;
    h.still_serving("bad bodies").await;
}

/// Every text filter of the API, as (label, query with `$t: String` or `$l: [String!]`).
const TEXT_FILTERS: &[(&str, &str)] = &[
    (
        "organisations.nameContains",
        "query($t: String) { organisations(filter: { nameContains: $t }) { totalCount } }",
    ),
    (
        "sites.nameContains",
        "query($t: String) { sites(filter: { nameContains: $t }) { totalCount } }",
    ),
    (
        "regions.nameContains",
        "query($t: String) { regions(filter: { nameContains: $t }) { totalCount } }",
    ),
    (
        "agreements.titleContains",
        "query($t: String) { agreements(filter: { titleContains: $t }) { totalCount } }",
    ),
    (
        "projects.titleContains",
        "query($t: String) { projects(filter: { titleContains: $t }) { totalCount } }",
    ),
    (
        "trainingSessions.titleContains",
        "query($t: String) { trainingSessions(filter: { titleContains: $t }) { totalCount } }",
    ),
    (
        "exchangeVisits.titleContains",
        "query($t: String) { exchangeVisits(filter: { titleContains: $t }) { totalCount } }",
    ),
];

const LIST_FILTERS: &[(&str, &str)] = &[
    (
        "organisations.countryIn",
        "query($l: [String!]) { organisations(filter: { countryIn: $l }) { totalCount } }",
    ),
    (
        "exchangeVisits.countryIn",
        "query($l: [String!]) { exchangeVisits(filter: { countryIn: $l }) { totalCount } }",
    ),
    (
        "regions.isoCodeIn",
        "query($l: [String!]) { regions(filter: { isoCodeIn: $l }) { totalCount } }",
    ),
    (
        "projects.sectorIn",
        "query($l: [String!]) { projects(filter: { sectorIn: $l }) { totalCount } }",
    ),
];

/// The first total count in a reply's data.
fn total(reply: &Reply) -> Option<i64> {
    reply.json()["data"]
        .as_object()
        .and_then(|d| d.values().next())
        .and_then(|v| v["totalCount"].as_i64())
}

async fn injections(h: &mut Hostile) {
    // Payloads with letters get a rare prefix: text filters also match a normalised form of
    // the text (punctuation dropped), and `" OR ""="` alone would find names holding the word
    // "or". With the prefix nothing matches, unless the payload escapes its string and turns
    // the condition into `… OR 1=1`, which matches every row.
    let payloads: Vec<String> = INJECTIONS
        .iter()
        .map(|p| {
            if p.chars().any(char::is_alphanumeric) {
                format!("zqx{p}")
            } else {
                (*p).to_owned()
            }
        })
        .collect();
    for payload in &payloads {
        for (label, query) in TEXT_FILTERS {
            let reply = h
                .query(
                    &format!("{label} = {payload:?}"),
                    query,
                    json!({ "t": payload }),
                    Expect::Data,
                )
                .await;
            assert_eq!(
                total(&reply),
                Some(0),
                "{label} = {payload:?}: {}",
                reply.short()
            );
        }
        for (label, query) in LIST_FILTERS {
            let reply = h
                .query(
                    &format!("{label} = [{payload:?}]"),
                    query,
                    json!({ "l": [payload] }),
                    Expect::Clean,
                )
                .await;
            if let Some(n) = total(&reply) {
                assert_eq!(n, 0, "{label} = [{payload:?}]: {}", reply.short());
            }
        }
        // In IDs and cursors: refused as bad input.
        let id = global_id("Organisation", payload);
        let reply = h
            .query(
                &format!("node(id) of {payload:?}"),
                "query($id: ID!) { node(id: $id) { id } }",
                json!({ "id": id }),
                Expect::Data,
            )
            .await;
        assert!(reply.json()["data"]["node"].is_null(), "{}", reply.short());
        h.query(
            &format!("ids = {payload:?}"),
            "query($ids: [ID!]) { organisations(filter: { ids: $ids }) { totalCount } }",
            json!({ "ids": [payload] }),
            Expect::Code("BAD_USER_INPUT"),
        )
        .await;
        h.query(
            &format!("after = {payload:?}"),
            "query($a: String) { regions(after: $a) { totalCount } }",
            json!({ "a": payload }),
            Expect::Code("BAD_USER_INPUT"),
        )
        .await;
    }
    // The same strings written into the query text, escaped as GraphQL strings.
    for payload in payloads.iter().take(8) {
        let literal = serde_json::to_string(payload).expect("json string");
        let query =
            format!("{{ organisations(filter: {{ nameContains: {literal} }}) {{ totalCount }} }}");
        let reply = h
            .query(
                &format!("literal nameContains {payload:?}"),
                &query,
                json!({}),
                Expect::Data,
            )
            .await;
        assert_eq!(total(&reply), Some(0), "{}", reply.short());
    }
    // Still there: the tables were not dropped, the counts are right.
    let reply = h
        .query(
            "organisations after injections",
            "{ organisations { totalCount } }",
            json!({}),
            Expect::Data,
        )
        .await;
    assert!(total(&reply).is_some_and(|n| n > 0));
    h.still_serving("injections").await;
}

async fn nul_and_unicode(h: &mut Hostile) {
    // NUL, raw in the query text, in variables, keys, names, IDs and cursors, and escaped.
    let nul = "DG\u{0}APR";
    for (label, query) in TEXT_FILTERS {
        h.query(
            &format!("NUL in {label}"),
            query,
            json!({ "t": nul }),
            Expect::Code("BAD_USER_INPUT"),
        )
        .await;
    }
    for (label, query) in LIST_FILTERS {
        h.query(
            &format!("NUL in {label}"),
            query,
            json!({ "l": ["M\u{0}A"] }),
            Expect::Code("BAD_USER_INPUT"),
        )
        .await;
    }
    for (label, body) in [
        (
            "raw in the query",
            json!({ "query": "{ regions { totalCount } }\u{0}" }),
        ),
        (
            "in a variable name",
            json!({ "query": NORMAL, "variables": { "a\u{0}": 1 } }),
        ),
        (
            "in an input object key",
            json!({ "query": "query($f: RegionFilter) { regions(filter: $f) { totalCount } }", "variables": { "f": { "name\u{0}Contains": "x" } } }),
        ),
        (
            "in an ID",
            json!({ "query": "query($id: ID!) { node(id: $id) { id } }", "variables": { "id": global_id("Region", "MA-01\u{0}") } }),
        ),
        (
            "in a cursor",
            json!({ "query": "query($a: String) { regions(after: $a) { totalCount } }", "variables": { "a": "cursor:\u{0}" } }),
        ),
        (
            "in an operation name",
            json!({ "query": "query A { __typename }", "operationName": "A\u{0}" }),
        ),
    ] {
        h.post(&format!("NUL {label}"), &body, Expect::Clean).await;
    }
    for query in [
        r#"{ organisations(filter: { nameContains: "DG\u0000APR" }) { totalCount } }"#,
        r#"{ regions(filter: { isoCodeIn: ["MA\u0000"] }) { totalCount } }"#,
        r#"{ organisations(filter: { countryIn: ["M\u0000"] }) { totalCount } }"#,
        r#"{ projects(filter: { sectorIn: ["\u0000"] }) { totalCount } }"#,
        r#"{ regions(after: "\u0000") { totalCount } }"#,
        r#"{ node(id: "\u0000") { id } }"#,
    ] {
        h.query(
            &format!("escaped NUL: {query}"),
            query,
            json!({}),
            Expect::Code("BAD_USER_INPUT"),
        )
        .await;
    }
    // Bidi controls, Arabic, mixed scripts and other Unicode in every text filter: correct
    // answers (bidi controls are allowed in free text; they match nothing stored).
    for text in UNICODE {
        for (label, query) in TEXT_FILTERS {
            h.query(
                &format!("{label} = {text:?}"),
                query,
                json!({ "t": text }),
                Expect::Data,
            )
            .await;
        }
        for (label, query) in LIST_FILTERS {
            h.query(
                &format!("{label} = [{text:?}]"),
                query,
                json!({ "l": [text] }),
                Expect::Clean,
            )
            .await;
        }
    }
    // Arabic finds the home organisation.
    let reply = h
        .query(
            "Arabic name",
            TEXT_FILTERS[0].1,
            json!({ "t": "المندوبية" }),
            Expect::Data,
        )
        .await;
    let plain = total(&reply).unwrap_or_default();
    assert!(plain >= 1, "{}", reply.short());
    // With a bidi override appended: never more (the normalised match may ignore it).
    let reply = h
        .query(
            "Arabic name with a bidi override",
            TEXT_FILTERS[0].1,
            json!({ "t": "المندوبية\u{202E}" }),
            Expect::Data,
        )
        .await;
    assert!(
        total(&reply).is_some_and(|n| n <= plain),
        "{}",
        reply.short()
    );
    // Unicode in names of things: operations, aliases, variables (GraphQL names are ASCII; a
    // byte-order mark is an ignored token).
    for query in [
        "query المندوبية { __typename }",
        "{ اسم: __typename }",
        "query($متغير: Int) { __typename }",
        "{ __typename\u{202E} }",
        "{ \u{FEFF}__typename }",
    ] {
        h.query(
            &format!("unicode name: {query}"),
            query,
            json!({}),
            Expect::Clean,
        )
        .await;
    }
    h.still_serving("NUL and unicode").await;
}

async fn wrong_types(h: &mut Hostile) {
    // Literals of the wrong type for every kind of argument.
    for value in [
        "\"10\"",
        "1.5",
        "true",
        "null",
        "[1]",
        "{ a: 1 }",
        "2147483648",
        "-2147483649",
        "1e400",
        "ACTIVE",
        "$undeclared",
        "\"\"",
    ] {
        h.query(
            &format!("first: {value}"),
            &format!("{{ regions(first: {value}) {{ totalCount }} }}"),
            json!({}),
            Expect::Clean,
        )
        .await;
    }
    for (label, query) in [
        (
            "a string for a filter",
            "{ regions(filter: \"x\") { totalCount } }",
        ),
        (
            "a list for a filter",
            "{ regions(filter: [1]) { totalCount } }",
        ),
        (
            "a number for isHome",
            "{ organisations(filter: { isHome: 1 }) { totalCount } }",
        ),
        (
            "a string for isHome",
            "{ organisations(filter: { isHome: \"true\" }) { totalCount } }",
        ),
        (
            "a string for an enum",
            "{ agreements(filter: { status: { eq: \"ACTIVE\" } }) { totalCount } }",
        ),
        (
            "an unknown enum value",
            "{ agreements(filter: { status: { eq: NOPE } }) { totalCount } }",
        ),
        (
            "an unknown filter field",
            "{ regions(filter: { nope: 1 }) { totalCount } }",
        ),
        (
            "a number for an ID list",
            "{ organisations(filter: { ids: 5 }) { totalCount } }",
        ),
        ("an object for an ID", "{ node(id: { a: 1 }) { id } }"),
        ("a null for a non-null ID", "{ node(id: null) { id } }"),
        ("a missing required argument", "{ node { id } }"),
        ("an unknown argument", "{ regions(nope: 1) { totalCount } }"),
        (
            "a bad orderBy",
            "{ regions(orderBy: [{ field: NOPE }]) { totalCount } }",
        ),
        (
            "a string for orderBy",
            "{ regions(orderBy: \"name\") { totalCount } }",
        ),
        (
            "a bad date",
            "{ agreements(filter: { signedOn: { from: \"2016-13-45\" } }) { totalCount } }",
        ),
        (
            "a number for a date",
            "{ agreements(filter: { signedOn: { from: 2016 } }) { totalCount } }",
        ),
        (
            "a negative expiring window",
            "{ agreements(filter: { expiringWithinDays: -1 }) { totalCount } }",
        ),
        (
            "a huge expiring window",
            "{ agreements(filter: { expiringWithinDays: 4294967295 }) { totalCount } }",
        ),
        ("a field on a scalar", "{ regions { totalCount { x } } }"),
        ("a scalar without subfields", "{ regions }"),
        (
            "a fragment on the wrong type",
            "{ regions { ... on Site { localId } } }",
        ),
        (
            "an inline fragment on a scalar",
            "{ regions { totalCount { ... on Int { x } } } }",
        ),
        (
            "a mutation of a query field",
            "mutation { regions { totalCount } }",
        ),
        (
            "introspection of an unknown type",
            "{ __type(name: \"Nope\") { name } }",
        ),
        (
            "a variable of an unknown type",
            "query($x: Nope) { __typename }",
        ),
        (
            "a variable used at the wrong type",
            "query($x: Boolean) { regions(first: $x) { totalCount } }",
        ),
        (
            "an input object as an output",
            "query($x: RegionFilter) { regions(filter: { nameContains: $x }) { totalCount } }",
        ),
    ] {
        h.query(label, query, json!({}), Expect::Clean).await;
    }
    // Variables of the wrong type.
    let q = "query($n: Int) { regions(first: $n) { totalCount } }";
    for value in [
        json!("x"),
        json!(1.5),
        json!(true),
        json!([1]),
        json!({ "a": 1 }),
        json!(9_007_199_254_740_993_u64),
        json!(-1),
        json!(501),
        json!(i64::MAX),
    ] {
        h.query(
            &format!("$n = {value}"),
            q,
            json!({ "n": value }),
            Expect::Clean,
        )
        .await;
    }
    let q = "query($f: OrganisationFilter) { organisations(filter: $f) { totalCount } }";
    for value in [
        json!("x"),
        json!([{ "isHome": true }]),
        json!({ "isHome": "yes" }),
        json!({ "nameContains": 5 }),
        json!({ "nameContains": ["a"] }),
        json!({ "countryIn": "MA" }),
        json!({ "countryIn": [1, 2] }),
        json!({ "ids": [null] }),
        json!({ "category": { "eq": "NOPE" } }),
        json!({ "and": { "isHome": true } }),
        json!({ "not": [] }),
        json!({ "nope": 1 }),
    ] {
        h.query(
            &format!("$f = {value}"),
            q,
            json!({ "f": value }),
            Expect::Clean,
        )
        .await;
    }
    h.post(
        "a missing non-null variable",
        &json!({ "query": "query($id: ID!) { node(id: $id) { id } }" }),
        Expect::Clean,
    )
    .await;
    h.still_serving("wrong types").await;
}

async fn forged_ids_and_cursors(h: &mut Hostile) {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let std64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let cursors = [
        b64("cursor:-1"),
        b64("cursor:18446744073709551615"),
        b64("cursor:18446744073709551614"),
        b64("cursor:9223372036854775807"),
        b64("cursor:9223372036854775806"),
        b64("cursor:99999999999999999999999"),
        b64("cursor:1e3"),
        b64("cursor: 1"),
        b64("cursor:"),
        b64("Region:MA-01"),
        b64("cursor:1; DROP TABLE regions"),
        std64("cursor:1"),
        format!("{}=", b64("cursor:1")),
        "Y3Vyc29yOjE".to_owned() + "!!",
        "\u{202E}Y3Vyc29yOjE".to_owned(),
        "%00".to_owned(),
    ];
    for cursor in &cursors {
        h.query(
            &format!("cursor {cursor:?}"),
            "query($a: String) { regions(first: 2, after: $a) { nodes { isoCode } } }",
            json!({ "a": cursor }),
            Expect::Clean,
        )
        .await;
        h.query(
            &format!("nested cursor {cursor:?}"),
            "query($a: String) { regions(first: 1) { nodes { sites(first: 2, after: $a) { totalCount } } } }",
            json!({ "a": cursor }),
            Expect::Clean,
        )
        .await;
    }
    // A cursor past the end is an empty page, not an error.
    let reply = h
        .query(
            "a cursor past the end",
            "query($a: String) { regions(after: $a) { nodes { isoCode } } }",
            json!({ "a": b64("cursor:1000000") }),
            Expect::Data,
        )
        .await;
    assert_eq!(reply.json()["data"]["regions"]["nodes"], json!([]));
    // IDs: forged, of another type, malformed.
    let ids = [
        global_id("Region", "MA-01"),
        global_id("Site", "nope"),
        global_id("Nope", "x"),
        global_id("Organisation", ""),
        global_id("", "org:dgapr"),
        global_id("Organisation", "../../etc/passwd"),
        global_id("Organisation", &"x".repeat(10_000)),
        global_id("__typename", "x"),
        global_id("Organisation", "org:dgapr\u{202E}"),
        b64("Organisation"),
        b64(":"),
        std64("Organisation:org:dgapr"),
        "!!!".to_owned(),
        String::new(),
        "=".repeat(100),
        "\u{202E}".to_owned(),
    ];
    for id in &ids {
        h.query(
            &format!("node({id:.40})"),
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
            Expect::Clean,
        )
        .await;
        for (label, query) in [
            (
                "organisations.ids",
                "query($i: [ID!]) { organisations(filter: { ids: $i }) { totalCount } }",
            ),
            (
                "agreements.party",
                "query($i: [ID!]) { agreements(filter: { party: $i }) { totalCount } }",
            ),
            (
                "projects.region",
                "query($i: [ID!]) { projects(filter: { region: $i }) { totalCount } }",
            ),
            (
                "sites.operator",
                "query($i: [ID!]) { sites(filter: { operator: $i }) { totalCount } }",
            ),
        ] {
            h.query(
                &format!("{label} [{id:.40}]"),
                query,
                json!({ "i": [id] }),
                Expect::Clean,
            )
            .await;
        }
    }
    // A Region's ID where an Organisation's is expected is bad input, not a silent miss.
    h.query(
        "a region id as a party",
        "query($i: [ID!]) { agreements(filter: { party: $i }) { totalCount } }",
        json!({ "i": [global_id("Region", "MA-01")] }),
        Expect::Code("BAD_USER_INPUT"),
    )
    .await;
    // Mutations with forged IDs (the test principal is an administrator: the first ID is a
    // real region, which it could archive).
    for id in ids.iter().skip(1).take(8) {
        h.query(
            &format!("archive {id:.40}"),
            "mutation($id: ID!) { archiveRecord(id: $id, expectedVersion: 1) { id } }",
            json!({ "id": id }),
            Expect::Clean,
        )
        .await;
    }
    h.still_serving("forged ids and cursors").await;
}

async fn methods_and_headers(h: &mut Hostile) {
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
        reqwest::Method::OPTIONS,
    ] {
        let request = h
            .client
            .request(method.clone(), format!("{}/graphql", h.base))
            .json(&json!({ "query": NORMAL }));
        h.tried += 1;
        let response = request.send().await.expect("reply");
        assert!(
            response.status().is_client_error(),
            "{method}: {}",
            response.status()
        );
    }
    for (label, content_type) in [
        ("text/plain", "text/plain"),
        ("a form", "application/x-www-form-urlencoded"),
        ("multipart", "multipart/form-data; boundary=x"),
        ("application/graphql", "application/graphql"),
        ("json with a suffix", "application/jsonx"),
        ("empty", ""),
        ("garbage", "x/y; ==;;charset"),
    ] {
        let reply = h
            .raw(
                &format!("content type {label}"),
                content_type,
                json!({ "query": NORMAL }).to_string(),
                Expect::Code("BAD_REQUEST"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    // Odd headers do not matter.
    for (name, value) in [
        ("accept", "text/html"),
        ("accept", "application/graphql-response+json;q=0.1, */*"),
        ("accept-language", &"ar-MA,".repeat(500)),
        ("accept-language", "*"),
        ("x-request-id", &"x".repeat(2_000)),
        ("authorization", "Bearer"),
        ("authorization", "Basic YWRtaW46YWRtaW4="),
        ("authorization", &format!("Bearer {}", "a".repeat(5_000))),
    ] {
        let request = h
            .client
            .post(format!("{}/graphql", h.base))
            .header(name, value)
            .json(&json!({ "query": NORMAL }));
        h.send(
            &format!("header {name}: {value:.30}"),
            request,
            Expect::Clean,
        )
        .await;
    }
    // GET: mutations refused, oversized and malformed parameters.
    let reply = h
        .get(
            "a mutation over GET",
            &[(
                "query",
                "mutation { archiveRecord(id: \"x\", expectedVersion: 1) { id } }",
            )],
            Expect::Code("BAD_REQUEST"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    h.get(
        "a GET fragment bomb",
        &[("query", &{
            let mut q = String::from("{ ...F0 }");
            for i in 0..30 {
                q.push_str(&format!(
                    " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
                    n = i + 1
                ));
            }
            q + " fragment F30 on Query { __typename }"
        })],
        Expect::Code("GRAPHQL_VALIDATION_FAILED"),
    )
    .await;
    h.get(
        "GET bad variables",
        &[("query", NORMAL), ("variables", "[")],
        Expect::Code("BAD_REQUEST"),
    )
    .await;
    h.get(
        "GET bad extensions",
        &[("query", NORMAL), ("extensions", "5")],
        Expect::Code("BAD_REQUEST"),
    )
    .await;
    h.get(
        "GET a 50 KB query",
        &[(
            "query",
            &format!(
                "{{ regions {{ totalCount {} }} }}",
                "__typename ".repeat(5_000)
            ),
        )],
        Expect::Clean,
    )
    .await;
    h.still_serving("methods and headers").await;
}

async fn persisted_abuse(h: &mut Hostile) {
    let hash = |q: &str| format!("{:x}", Sha256::digest(q.as_bytes()));
    for (label, extensions, expect) in [
        (
            "version 2",
            json!({ "persistedQuery": { "version": 2, "sha256Hash": hash(NORMAL) } }),
            Expect::Code("BAD_REQUEST"),
        ),
        (
            "a short hash",
            json!({ "persistedQuery": { "version": 1, "sha256Hash": "abc" } }),
            Expect::Code("BAD_REQUEST"),
        ),
        (
            "a hash of the wrong text",
            json!({ "persistedQuery": { "version": 1, "sha256Hash": hash("{ x }") } }),
            Expect::Code("BAD_REQUEST"),
        ),
        (
            "a string extension",
            json!({ "persistedQuery": "x" }),
            Expect::Code("BAD_REQUEST"),
        ),
        (
            "a null extension",
            json!({ "persistedQuery": null }),
            Expect::Code("BAD_REQUEST"),
        ),
        (
            "other extensions",
            json!({ "nope": { "a": [1, 2] } }),
            Expect::Data,
        ),
    ] {
        h.post(
            &format!("persisted query: {label}"),
            &json!({ "query": NORMAL, "extensions": extensions }),
            expect,
        )
        .await;
    }
    for i in 0..10 {
        h.post(
            &format!("an unknown persisted hash {i}"),
            &json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash(&format!("{{ q{i} }}")) } } }),
            Expect::Code("PERSISTED_QUERY_NOT_FOUND"),
        )
        .await;
    }
    // Registering a bomb fails, and leaves nothing registered.
    let mut bomb = String::from("{ ...F0 }");
    for i in 0..30 {
        bomb.push_str(&format!(
            " fragment F{i} on Query {{ ...F{n} ...F{n} }}",
            n = i + 1
        ));
    }
    bomb.push_str(" fragment F30 on Query { __typename }");
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash(&bomb) } });
    h.post(
        "registering a fragment bomb",
        &json!({ "query": bomb, "extensions": ext }),
        Expect::Code("GRAPHQL_VALIDATION_FAILED"),
    )
    .await;
    h.post(
        "running the unregistered bomb",
        &json!({ "extensions": ext }),
        Expect::Code("PERSISTED_QUERY_NOT_FOUND"),
    )
    .await;
    h.still_serving("persisted query abuse").await;
}

hostile_tests!(
    hostile_inputs,
    hostile_config(),
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let mut h = Hostile::new(base);
        let started = std::time::Instant::now();
        depth_and_nesting(&mut h).await;
        alias_and_field_bombs(&mut h).await;
        fragment_bombs_and_cycles(&mut h).await;
        huge_inputs(&mut h).await;
        batches(&mut h).await;
        bad_bodies(&mut h).await;
        injections(&mut h).await;
        nul_and_unicode(&mut h).await;
        wrong_types(&mut h).await;
        forged_ids_and_cursors(&mut h).await;
        methods_and_headers(&mut h).await;
        persisted_abuse(&mut h).await;
        println!(
            "hostile-input suite ({:?}): {} inputs tried in {:.1} s, every one answered cleanly",
            app.backend,
            h.tried,
            started.elapsed().as_secs_f64()
        );
        assert!(h.tried >= 300, "only {} inputs", h.tried);
    }
);

// ---- The defences one by one ----

/// A client that never reuses connections (each request stands alone).
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(0)
        .build()
        .expect("client")
}

async fn reply_of(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    Reply {
        status,
        headers,
        text,
    }
}

hostile_tests!(
    rate_limits_answer_429_with_retry_after,
    Config {
        max_batch: 5,
        limits: Limits {
            rate_per_minute: 60,
            rate_burst: 3,
            rate_per_address_per_minute: 0,
            ..Limits::default()
        },
        ..test_config()
    },
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let client = fresh_client();
        let post = |auth: Option<&'static str>, body: Value| {
            let mut request = client.post(format!("{base}/graphql")).json(&body);
            if let Some(auth) = auth {
                request = request.header("authorization", auth);
            }
            async move { reply_of(request.send().await.expect("reply")).await }
        };
        for i in 0..3 {
            let reply = post(None, json!({ "query": NORMAL })).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "request {i}: {}",
                reply.short()
            );
        }
        let reply = post(None, json!({ "query": NORMAL })).await;
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            reply.short()
        );
        assert_eq!(error_codes(&reply.json()), ["RATE_LIMITED"]);
        let retry_after: u64 = reply
            .headers
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After in seconds");
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        // GET is counted too; health checks are not limited.
        let reply = reply_of(
            client
                .get(format!("{base}/graphql"))
                .query(&[("query", NORMAL)])
                .send()
                .await
                .expect("reply"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        for _ in 0..5 {
            let health = client
                .get(format!("{base}/health/live"))
                .send()
                .await
                .expect("reply");
            assert_eq!(health.status(), StatusCode::OK);
        }
        // Another identity has its own bucket (its token is refused, but not rate limited).
        let reply = post(Some("Bearer someone-else"), json!({ "query": NORMAL })).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.short());
        // A batch costs one request per operation.
        let batch = Value::Array(vec![json!({ "query": NORMAL }); 5]);
        let reply = post(Some("Bearer batcher"), batch).await;
        assert_eq!(
            reply.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            reply.short()
        );
    }
);

hostile_tests!(
    the_address_bucket_holds_every_identity,
    Config {
        limits: Limits {
            rate_per_minute: 600,
            rate_burst: 100,
            rate_per_address_per_minute: 60,
            ..Limits::default()
        },
        ..test_config()
    },
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let client = fresh_client();
        // The address's burst is the identity burst scaled by 60/600: 10. Made-up tokens
        // (each a new identity) do not get around it.
        let mut statuses = Vec::new();
        for i in 0..12 {
            let response = client
                .post(format!("{base}/graphql"))
                .header("authorization", format!("Bearer made-up-{i}"))
                .json(&json!({ "query": NORMAL }))
                .send()
                .await
                .expect("reply");
            statuses.push(response.status().as_u16());
        }
        assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
        assert_eq!(&statuses[10..], &[429; 2], "{statuses:?}");
    }
);

hostile_tests!(
    an_operation_past_its_deadline_is_stopped,
    Config {
        // Every DataLoader batch waits 400 ms; the deadline is 50 ms.
        loader_delay_ms: 400,
        limits: Limits {
            request_timeout: Duration::from_millis(50),
            ..Limits::without_rate_limits()
        },
        ..test_config()
    },
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let mut h = Hostile::new(base);
        let query = "query($id: ID!) { node(id: $id) { id } }";
        let id = global_id("Region", "MA-01");
        let reply = h
            .query(
                "a slow operation",
                query,
                json!({ "id": id }),
                Expect::Code("TIMEOUT"),
            )
            .await;
        assert!(reply.json()["data"].is_null(), "{}", reply.short());
        // In-process too.
        let response = app.query(query, json!({ "id": id })).await;
        assert_eq!(error_codes(&response), ["TIMEOUT"], "{response}");
        // A fast one still runs.
        h.still_serving("a timeout").await;
    }
);

/// Reads from a raw connection until the server closes it; how long that took, and what it sent.
async fn until_closed(stream: &mut tokio::net::TcpStream, limit: Duration) -> (Duration, String) {
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(
            limit.saturating_sub(started.elapsed()),
            stream.read(&mut buf),
        )
        .await
        {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => panic!(
                "the connection was still open after {limit:?}: {}",
                String::from_utf8_lossy(&answer)
            ),
        }
    }
    (
        started.elapsed(),
        String::from_utf8_lossy(&answer).into_owned(),
    )
}

hostile_tests!(
    slow_clients_are_cut_off,
    Config {
        limits: Limits {
            header_timeout: Duration::from_millis(300),
            body_timeout: Duration::from_millis(300),
            ..Limits::without_rate_limits()
        },
        ..test_config()
    },
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let host = base.trim_start_matches("http://").to_owned();
        let limit = Duration::from_secs(5);
        // Silent after connecting.
        let mut stream = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        let (took, _) = until_closed(&mut stream, limit).await;
        assert!(took >= Duration::from_millis(250), "{took:?}");
        // Half the headers, then nothing.
        let mut stream = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        stream
            .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("write");
        let (took, _) = until_closed(&mut stream, limit).await;
        assert!(took >= Duration::from_millis(250), "{took:?}");
        // Headers one byte at a time, slower than the deadline allows.
        let mut stream = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        let started = std::time::Instant::now();
        for byte in b"GET /health/live HTTP/1.1\r\nHost: x\r\n".iter() {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            if started.elapsed() > limit {
                panic!("a trickle of headers kept the connection open");
            }
        }
        // Half an HTTP/2 preface.
        let mut stream = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        stream
            .write_all(b"PRI * HTTP/2.0\r\n")
            .await
            .expect("write");
        until_closed(&mut stream, limit).await;
        // An idle keep-alive connection is closed after the header deadline.
        let mut stream = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        stream
            .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .expect("write");
        let (_, answer) = until_closed(&mut stream, limit).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        // A body that stops arriving: 408.
        let mut stream = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        stream
            .write_all(
                b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\"",
            )
            .await
            .expect("write");
        let (_, answer) = until_closed(&mut stream, limit).await;
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("BAD_REQUEST"), "{answer}");
        // Still serving.
        let mut h = Hostile::new(base);
        h.still_serving("slow clients").await;
    }
);

hostile_tests!(
    graceful_shutdown_finishes_in_flight_requests,
    Config {
        loader_delay_ms: 300,
        limits: Limits::without_rate_limits(),
        ..test_config()
    },
    |app: TestApp| async move {
        // Hold the whole test app (and so its database): the block below uses only `app.app`,
        // and a closure captures just the fields it uses.
        let app = app;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.app.clone().serve(listener, async move {
            let _ = stopped.await;
        }));
        // A request that takes 300 ms (a DataLoader batch), in flight when shutdown starts.
        let client = fresh_client();
        let slow = tokio::spawn(
            client
                .post(format!("http://{address}/graphql"))
                .json(&json!({
                    "query": "query($id: ID!) { node(id: $id) { id } }",
                    "variables": { "id": global_id("Region", "MA-01") }
                }))
                .send(),
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(()).expect("stop");
        let reply = reply_of(slow.await.expect("task").expect("the in-flight request")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.short());
        assert!(
            reply.json()["data"]["node"]["id"].is_string(),
            "{}",
            reply.short()
        );
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .expect("the server stopped")
            .expect("task")
            .expect("served");
        assert!(tokio::net::TcpStream::connect(address).await.is_err());
    }
);

hostile_tests!(
    cors_answers_only_allowed_origins,
    Config {
        cors_origins: vec!["https://dash.example.org".to_owned()],
        limits: Limits::without_rate_limits(),
        ..test_config()
    },
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let client = fresh_client();
        let preflight = |origin: &'static str| {
            client
                .request(reqwest::Method::OPTIONS, format!("{base}/graphql"))
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "content-type, authorization",
                )
                .send()
        };
        let allowed = preflight("https://dash.example.org").await.expect("reply");
        assert!(allowed.status().is_success(), "{}", allowed.status());
        let headers = allowed.headers();
        assert_eq!(
            headers
                .get("access-control-allow-origin")
                .and_then(|v| v.to_str().ok()),
            Some("https://dash.example.org")
        );
        let methods = headers
            .get("access-control-allow-methods")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        assert!(methods.contains("POST"), "{methods}");
        let evil = preflight("https://evil.example.com").await.expect("reply");
        assert!(evil.headers().get("access-control-allow-origin").is_none());
        // An actual request from the allowed origin carries the header; from another, not.
        for (origin, allowed) in [
            ("https://dash.example.org", true),
            ("https://evil.example.com", false),
        ] {
            let response = client
                .post(format!("{base}/graphql"))
                .header("origin", origin)
                .json(&json!({ "query": NORMAL }))
                .send()
                .await
                .expect("reply");
            assert_eq!(
                response
                    .headers()
                    .get("access-control-allow-origin")
                    .is_some(),
                allowed,
                "{origin}"
            );
        }
    }
);

hostile_tests!(
    no_cors_by_default,
    hostile_config(),
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let response = fresh_client()
            .request(reqwest::Method::OPTIONS, format!("{base}/graphql"))
            .header("origin", "https://dash.example.org")
            .header("access-control-request-method", "POST")
            .send()
            .await
            .expect("reply");
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
        assert!(!response.status().is_server_error());
    }
);

hostile_tests!(
    cross_site_forms_never_run_mutations,
    hostile_config(),
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let count = || async {
            app.data("{ organisations { totalCount } }", json!({}))
                .await["organisations"]["totalCount"]
                .as_i64()
                .unwrap_or_default()
        };
        let before = count().await;
        let mutation = "mutation { createOrganisation(input: { name: { fr: \"CSRF\" }, category: OTHER }) { id } }";
        let client = fresh_client();
        // What a cross-site form or a no-CORS fetch can send: urlencoded, multipart, text/plain.
        let form = client
            .post(format!("{base}/graphql"))
            .form(&[("query", mutation)])
            .send()
            .await
            .expect("reply");
        assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        for content_type in [
            "text/plain",
            "multipart/form-data; boundary=x",
            "text/plain; charset=utf-8",
        ] {
            let response = client
                .post(format!("{base}/graphql"))
                .header(CONTENT_TYPE, content_type)
                .body(json!({ "query": mutation }).to_string())
                .send()
                .await
                .expect("reply");
            assert_eq!(
                response.status(),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{content_type}"
            );
        }
        // A link or an image: GET never runs a mutation.
        let get = client
            .get(format!("{base}/graphql"))
            .query(&[("query", mutation)])
            .send()
            .await
            .expect("reply");
        assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            count().await,
            before,
            "a cross-site request created a record"
        );
        // The same mutation as JSON (which a browser sends cross-site only after a CORS
        // preflight) does run: the refusals above were not for another reason.
        let json_post = client
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": mutation }))
            .send()
            .await
            .expect("reply");
        assert_eq!(json_post.status(), StatusCode::OK);
        assert_eq!(count().await, before + 1);
    }
);

fn sha256(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

hostile_tests!(
    automatic_persisted_queries,
    hostile_config(),
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let mut h = Hostile::new(base);
        let query = "{ regions(first: 2) { nodes { isoCode } } }";
        let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(query) } });
        // Unknown hash: the client is told to send the text.
        let reply = h
            .post(
                "hash only, unknown",
                &json!({ "extensions": ext }),
                Expect::Code("PERSISTED_QUERY_NOT_FOUND"),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(
            reply.json()["errors"][0]["message"],
            "PersistedQueryNotFound"
        );
        // Text and hash: runs and registers.
        h.post(
            "text and hash",
            &json!({ "query": query, "extensions": ext }),
            Expect::Data,
        )
        .await;
        // Now the hash alone runs, over POST and GET.
        let reply = h
            .post(
                "hash only, known",
                &json!({ "extensions": ext }),
                Expect::Data,
            )
            .await;
        assert_eq!(
            reply.json()["data"]["regions"]["nodes"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        h.get(
            "hash only over GET",
            &[("extensions", &ext.to_string())],
            Expect::Data,
        )
        .await;
        // A hash that is not the text's: refused, and nothing registered under it.
        let other = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256("{ x }") } });
        h.post(
            "text with a wrong hash",
            &json!({ "query": query, "extensions": other }),
            Expect::Code("BAD_REQUEST"),
        )
        .await;
        h.post(
            "the wrong hash alone",
            &json!({ "extensions": other }),
            Expect::Code("PERSISTED_QUERY_NOT_FOUND"),
        )
        .await;
    }
);

hostile_tests!(
    the_allow_list_runs_only_registered_operations,
    Config {
        persisted_queries: sharaka_gateway::limits::persisted::Mode::AllowList(
            std::sync::Arc::new(
                sharaka_gateway::limits::persisted::AllowList::new([ALLOWED]).expect("allow-list"),
            )
        ),
        limits: Limits::without_rate_limits(),
        ..test_config()
    },
    |app: TestApp| async move {
        let base = app.spawn().await.expect("server");
        let mut h = Hostile::new(base);
        let ext = |q: &str| json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(q) } });
        // The listed operation runs: as text, as a hash, as both, over GET.
        h.post("listed text", &json!({ "query": ALLOWED }), Expect::Data)
            .await;
        h.post(
            "listed hash",
            &json!({ "extensions": ext(ALLOWED) }),
            Expect::Data,
        )
        .await;
        h.post(
            "listed text and hash",
            &json!({ "query": ALLOWED, "extensions": ext(ALLOWED) }),
            Expect::Data,
        )
        .await;
        h.get(
            "listed hash over GET",
            &[("extensions", &ext(ALLOWED).to_string())],
            Expect::Data,
        )
        .await;
        // Anything else is refused: other text, an unknown hash, registration of other text,
        // and the listed text altered by a single space.
        let other = "{ organisations { totalCount } }";
        for (label, body) in [
            ("other text", json!({ "query": other })),
            ("an unknown hash", json!({ "extensions": ext(other) })),
            (
                "registering other text",
                json!({ "query": other, "extensions": ext(other) }),
            ),
            (
                "the listed text, altered",
                json!({ "query": format!("{ALLOWED} ") }),
            ),
            (
                "a mutation",
                json!({ "query": "mutation { archiveRecord(id: \"x\", expectedVersion: 1) { id } }" }),
            ),
        ] {
            let reply = h
                .post(label, &body, Expect::Code("OPERATION_NOT_ALLOWED"))
                .await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{label}");
        }
        // Registration did not take: the hash alone is still refused.
        h.post(
            "other hash after registering",
            &json!({ "extensions": ext(other) }),
            Expect::Code("OPERATION_NOT_ALLOWED"),
        )
        .await;
    }
);

/// The one operation of the allow-list test.
const ALLOWED: &str = "query Regions { regions { totalCount } }";

hostile_tests!(
    in_process_execution_is_held_to_the_same_limits,
    hostile_config(),
    |app: TestApp| async move {
        let mut bomb = String::from("query { ...F0 }\n");
        for i in 0..40 {
            bomb.push_str(&format!(
                "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
                n = i + 1
            ));
        }
        bomb.push_str("fragment F40 on Query { __typename }\n");
        let response = app.query(&bomb, json!({})).await;
        assert_eq!(
            error_codes(&response),
            ["GRAPHQL_VALIDATION_FAILED"],
            "{response}"
        );
        let deep = format!(
            "{{ regions(first: {}1{}) {{ totalCount }} }}",
            "[".repeat(5_000),
            "]".repeat(5_000)
        );
        let response = app.query(&deep, json!({})).await;
        assert_eq!(
            error_codes(&response),
            ["GRAPHQL_PARSE_FAILED"],
            "{response}"
        );
        let typenames = format!("{{ {} }}", "__typename ".repeat(20_000));
        let response = app.query(&typenames, json!({})).await;
        assert_eq!(
            error_codes(&response),
            ["GRAPHQL_VALIDATION_FAILED"],
            "{response}"
        );
        let response = app
            .query(
                "query($t: String) { regions(filter: { nameContains: $t }) { totalCount } }",
                json!({ "t": "a\u{0}" }),
            )
            .await;
        assert_eq!(error_codes(&response), ["BAD_USER_INPUT"], "{response}");
        assert_eq!(
            app.data(NORMAL, json!({})).await["regions"]["totalCount"],
            12
        );
    }
);

hostile_tests!(
    operations_beyond_the_bound_wait_their_turn_within_their_deadline,
    Config {
        // One operation at a time; each takes at least 800 ms (its DataLoader batch waits that
        // long), and the deadline is 1,300 ms: the first has 500 ms to spare on a busy machine,
        // and the second, which cannot finish before 1,600 ms, always misses it.
        max_operations: 1,
        loader_delay_ms: 800,
        limits: Limits {
            request_timeout: Duration::from_millis(1_300),
            ..Limits::without_rate_limits()
        },
        ..test_config()
    },
    |app: TestApp| async move {
        let query = "query($id: ID!) { node(id: $id) { id } }";
        let id = global_id("Region", "MA-01");
        let vars = json!({ "id": id });
        let (a, b) = tokio::join!(
            app.query(query, vars.clone()),
            app.query(query, vars.clone())
        );
        // The second waited for the first (800 ms or more), so it could not finish by 1,300 ms;
        // without the bound both would have answered in about 800 ms.
        let mut codes = [error_codes(&a), error_codes(&b)];
        codes.sort();
        assert_eq!(codes, [vec![], vec!["TIMEOUT".to_owned()]], "{a}\n{b}");
        // The turn was given back: the next operation runs.
        let response = app.query(query, vars).await;
        assert_eq!(response["data"]["node"]["id"], json!(id), "{response}");
    }
);

hostile_tests!(
    large_answers_wait_for_their_own_turn,
    Config {
        // One large answer at a time. The operation that holds the turn also looks a region up
        // through the loader, whose batch waits a second, so it holds the turn that long.
        max_large_answers: 1,
        loader_delay_ms: 1_000,
        limits: Limits {
            request_timeout: Duration::from_secs(10),
            ..Limits::without_rate_limits()
        },
        ..test_config()
    },
    |app: TestApp| async move {
        const FIGURES: &str = "{ stats { resources { cashInKind { cash count } } } }";
        const SLOW: &str = "query($id: ID!) {
            stats { resources { cashInKind { cash count } } }
            node(id: $id) { id }
        }";
        assert_eq!(app.app.large_answers_free(), Some(1));
        // Alone, the figures answer at once: no loader is involved.
        let started = std::time::Instant::now();
        let alone = app.data(FIGURES, json!({})).await;
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "the figures alone took {:?}",
            started.elapsed()
        );
        let vars = json!({ "id": global_id("Region", "MA-01") });
        let (slow, (waiting, waited)) = tokio::join!(app.query(SLOW, vars), async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            // The slow operation holds the one turn; a small operation still runs.
            assert_eq!(app.app.large_answers_free(), Some(0));
            let regions = app.data("{ regions { totalCount } }", json!({})).await;
            assert_eq!(regions["regions"]["totalCount"], 12);
            let started = std::time::Instant::now();
            (app.data(FIGURES, json!({})).await, started.elapsed())
        });
        assert!(slow.get("errors").is_none(), "{slow}");
        assert_eq!(slow["data"]["stats"], alone["stats"]);
        // The second figures waited for the first operation's second-long turn (without the
        // bound they answer at once, as above).
        assert!(
            waited >= Duration::from_millis(500),
            "waited only {waited:?}"
        );
        assert_eq!(waiting, alone);
        assert_eq!(app.app.large_answers_free(), Some(1));

        // A search ranks thousands of candidates: it waits for the turn as well.
        const SEARCH: &str = "{ search(query: \"Maroc\", first: 3) { totalCount } }";
        let found_alone = app.data(SEARCH, json!({})).await;
        let vars = json!({ "id": global_id("Region", "MA-01") });
        let (slow, (found, waited)) = tokio::join!(app.query(SLOW, vars), async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert_eq!(app.app.large_answers_free(), Some(0));
            let started = std::time::Instant::now();
            (app.data(SEARCH, json!({})).await, started.elapsed())
        });
        assert!(slow.get("errors").is_none(), "{slow}");
        assert!(
            waited >= Duration::from_millis(500),
            "the search waited only {waited:?}"
        );
        assert_eq!(found, found_alone);
        // Every turn was given back.
        assert_eq!(app.app.large_answers_free(), Some(1));
    }
);
