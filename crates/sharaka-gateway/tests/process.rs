//! Tests of the real `sharaka` binary, run as a child process: what only a process can show.
//!
//! - SIGKILL while clients write to SQLite: the file passes `PRAGMA integrity_check` and every
//!   acknowledged write is in it (WAL with `synchronous=FULL`).
//! - SIGTERM with requests in flight: each gets its whole response, new connections are refused
//!   once shutdown starts, and the process exits within `SHARAKA_SHUTDOWN_TIMEOUT_MS`.
//! - Two processes started together on one fresh PostgreSQL database: migrations run once, both
//!   become ready, and what one writes the other reads (skipped without `TEST_DATABASE_URL`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sharaka_persistence::{ListQuery, Store, StoreConfig};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const CREATE: &str = "mutation($name: String!) { createOrganisation(input: { name: { fr: $name }, category: OTHER }) { id localId } }";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A `sharaka serve` child process; killed when dropped.
struct Server {
    child: Child,
    base: String,
    port: u16,
    log: PathBuf,
}

impl Server {
    /// Starts `sharaka serve` on a free port over `database_url`, with `extra` settings.
    fn start(database_url: &str, dir: &Path, name: &str, extra: &[(&str, &str)]) -> Self {
        let port = free_port();
        let log = dir.join(format!("{name}.log"));
        let stderr = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_sharaka"));
        command.arg("serve");
        // Only what the test sets: no SHARAKA_* of the caller's environment leaks in.
        for (key, _) in std::env::vars() {
            if key.starts_with("SHARAKA_") || key.starts_with("OTEL_") {
                command.env_remove(key);
            }
        }
        command
            .env("DATABASE_URL", database_url)
            .env("SHARAKA_LISTEN", format!("127.0.0.1:{port}"))
            .env("SHARAKA_SEED_DEMO", "false")
            .env("SHARAKA_ANONYMOUS_ROLE", "ADMIN")
            .env("SHARAKA_RATE_LIMIT_PER_MINUTE", "0")
            .env("SHARAKA_SCHEDULER_INTERVAL_SECS", "0")
            .env("RUST_LOG", "info")
            .envs(extra.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        let child = command.spawn().expect("spawn sharaka");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            port,
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `/readyz` answers 200.
    async fn ready(&mut self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("sharaka exited early ({status}):\n{}", self.log());
            }
            if let Ok(response) = client.get(format!("{}/readyz", self.base)).send().await
                && response.status() == 200
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "sharaka did not become ready:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success(), "kill -{signal} failed");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    query: &str,
    variables: Value,
) -> Option<Value> {
    let response = client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .ok()?;
    if response.status() != 200 {
        return None;
    }
    response.json().await.ok()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_writes_loses_no_acknowledged_write_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sharaka.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let mut server = Server::start(&url, dir.path(), "sqlite", &[]);
    let http = client();
    server.ready(&http).await;

    // Four writers send creates back to back; a write counts once its response carries data.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (http, base, acknowledged) = (http.clone(), server.base.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let name = format!("kill-{writer}-{i}");
                let Some(body) = post(&http, &base, CREATE, json!({ "name": name })).await else {
                    return;
                };
                if body["data"]["createOrganisation"]["localId"].is_string() {
                    acknowledged.lock().expect("lock").push(name);
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.lock().expect("lock").len() < 40 {
        assert!(
            Instant::now() < deadline,
            "writes too slow:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Mid-stream: the writers are still sending.
    server.child.kill().expect("SIGKILL");
    let status = server.child.wait().expect("wait");
    assert!(!status.success(), "the process was killed, not stopped");
    for writer in writers {
        writer.await.expect("writer");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();

    let store = Store::connect(StoreConfig::new(url)).await.expect("reopen");
    let check = store
        .sqlite_integrity_check()
        .await
        .expect("integrity_check");
    assert_eq!(check, vec!["ok".to_owned()], "PRAGMA integrity_check");
    let names: Vec<String> = store
        .list::<sharaka_domain::Organisation>(&ListQuery::first(100_000))
        .await
        .expect("list")
        .into_iter()
        .filter_map(|o| o.name.fr)
        .collect();
    let missing: Vec<&String> = acknowledged.iter().filter(|n| !names.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged writes lost after SIGKILL: {missing:?}"
    );
    eprintln!(
        "SIGKILL after {} acknowledged writes; {} rows on disk, integrity ok",
        acknowledged.len(),
        names.len()
    );
}

/// Sends a POST whose body is held back: the headers and the first half now, the rest when
/// `release` fires. Returns the raw response.
async fn slow_post(port: u16, release: tokio::sync::watch::Receiver<bool>) -> String {
    let body = json!({ "query": "{ regions(first: 3) { totalCount } }" }).to_string();
    let (head, tail) = body.split_at(body.len() / 2);
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let request = format!(
        "POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{head}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send head");
    let mut release = release;
    let _ = release.wait_for(|go| *go).await;
    stream.write_all(tail.as_bytes()).await.expect("send tail");
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_requests_and_refuses_new_connections() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
    let bound = Duration::from_secs(4);
    let mut server = Server::start(
        &url,
        dir.path(),
        "shutdown",
        &[("SHARAKA_SHUTDOWN_TIMEOUT_MS", "4000")],
    );
    let http = client();
    server.ready(&http).await;

    let (release, released) = tokio::sync::watch::channel(false);
    let in_flight: Vec<_> = (0..4)
        .map(|_| tokio::spawn(slow_post(server.port, released.clone())))
        .collect();
    // One client that never finishes its body: it must not hold the process past the bound.
    let (_never, never_released) = tokio::sync::watch::channel(false);
    let stuck = tokio::spawn(slow_post(server.port, never_released));
    // Let the server read every request's head.
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.signal("TERM");
    let terminated = Instant::now();
    // Shutdown closes the listener: new connections are refused.
    let refused = loop {
        match tokio::net::TcpStream::connect(("127.0.0.1", server.port)).await {
            Err(_) => break true,
            Ok(_) if terminated.elapsed() > Duration::from_secs(2) => break false,
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    };
    assert!(refused, "new connections were still accepted after SIGTERM");

    let _ = release.send(true);
    for request in in_flight {
        let response = request.await.expect("in-flight request");
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "an in-flight request was dropped: {response:?}"
        );
        let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
        let body: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        assert!(
            body["data"]["regions"]["totalCount"].is_number(),
            "incomplete response: {response:?}"
        );
    }

    let status = loop {
        if let Some(status) = server.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            terminated.elapsed() < bound + Duration::from_secs(3),
            "the process did not exit within the shutdown bound:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let took = terminated.elapsed();
    assert!(status.success(), "exit status {status}:\n{}", server.log());
    assert!(
        took >= bound - Duration::from_millis(500),
        "the stuck request was given the whole bound ({took:?})"
    );
    stuck.abort();
    eprintln!("SIGTERM: 4 in-flight requests answered, exited after {took:?}");
}

/// A PostgreSQL database of the test's own, dropped at the end.
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl PgDatabase {
    fn psql(url: &str, sql: &str) -> Option<String> {
        let output = Command::new("psql")
            .args([url, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])
            .output()
            .ok()?;
        if !output.status.success() {
            eprintln!("psql: {}", String::from_utf8_lossy(&output.stderr));
            return None;
        }
        Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    fn create(admin_url: &str) -> Option<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!("sharaka_scaleout_{}_{nanos}", std::process::id());
        Self::psql(admin_url, &format!("CREATE DATABASE \"{name}\""))?;
        Some(Self {
            admin_url: admin_url.to_owned(),
            name,
        })
    }

    fn url(&self) -> String {
        let (base, _) = self
            .admin_url
            .rsplit_once('/')
            .expect("a database URL with a path");
        format!("{base}/{}", self.name)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Self::psql(
            &self.admin_url,
            &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_migrate_once_and_share_writes() {
    let Some(admin_url) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        eprintln!("TEST_DATABASE_URL is not set: the scale-out test did not run");
        return;
    };
    let database = PgDatabase::create(&admin_url).expect("create the test database (psql)");
    let url = database.url();
    let dir = tempfile::tempdir().expect("tempdir");
    // Both start at once on an empty database: both try to migrate.
    let mut a = Server::start(&url, dir.path(), "a", &[]);
    let mut b = Server::start(&url, dir.path(), "b", &[]);
    let http = client();
    let (ready_a, ready_b) = (a.ready(&http), b.ready(&http));
    tokio::join!(ready_a, ready_b);

    let store = Store::connect(StoreConfig::new(url.clone()))
        .await
        .expect("store");
    let status = store.migration_status().await.expect("status");
    assert!(status.iter().all(|(_, applied)| *applied), "{status:?}");
    let rows = PgDatabase::psql(&url, "SELECT count(*) FROM seaql_migrations").expect("count");
    assert_eq!(
        rows,
        status.len().to_string(),
        "each migration recorded once"
    );
    let duplicates = PgDatabase::psql(
        &url,
        "SELECT count(*) FROM (SELECT version FROM seaql_migrations GROUP BY version HAVING count(*) > 1) d",
    )
    .expect("duplicates");
    assert_eq!(duplicates, "0");

    // A client alternating between the processes reads each write back through the other.
    let read = "query($id: ID!) { node(id: $id) { ... on Organisation { name { fr } } } }";
    for i in 0..6 {
        let (writer, reader) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let name = format!("scale-{i}");
        let created = post(&http, &writer.base, CREATE, json!({ "name": name }))
            .await
            .expect("create");
        let id = created["data"]["createOrganisation"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("create failed: {created}"))
            .to_owned();
        let read_back = post(&http, &reader.base, read, json!({ "id": id }))
            .await
            .expect("read");
        assert_eq!(
            read_back["data"]["node"]["name"]["fr"], name,
            "written through one process, read through the other: {read_back}"
        );
    }
    drop(a);
    drop(b);
    drop(store);
}

/// A tiny OTLP/HTTP collector: keeps the body of every `POST /v1/traces`.
async fn collector() -> (String, Arc<Mutex<Vec<(String, Vec<u8>)>>>) {
    use axum::http::{HeaderMap, StatusCode, header};
    let received = Arc::new(Mutex::new(Vec::new()));
    let keep = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                let content_type = headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                keep.lock()
                    .expect("lock")
                    .push((content_type, body.to_vec()));
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "application/x-protobuf")],
                    Vec::new(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("collector listener");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}"), received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operation_spans_reach_an_otlp_collector_and_are_flushed_on_shutdown() {
    let (endpoint, received) = collector().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("s.db").display());
    let mut server = Server::start(
        &url,
        dir.path(),
        "otlp",
        &[("SHARAKA_OTLP_ENDPOINT", endpoint.as_str())],
    );
    let http = client();
    server.ready(&http).await;
    let body = post(
        &http,
        &server.base,
        "query OtlpProbe { regions(first: 1) { totalCount } }",
        json!({}),
    )
    .await
    .expect("query");
    assert!(body.get("errors").is_none(), "{body}");
    // The batch exporter would wait seconds; shutdown must flush what it holds.
    server.signal("TERM");
    let started = Instant::now();
    while server.child.try_wait().expect("try_wait").is_none() {
        assert!(started.elapsed() < Duration::from_secs(15), "no exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received = received.lock().expect("lock").clone();
    assert!(
        !received.is_empty(),
        "the collector received nothing:\n{}",
        server.log()
    );
    assert!(
        received
            .iter()
            .all(|(content_type, _)| content_type == "application/x-protobuf"),
        "OTLP/HTTP with protobuf bodies"
    );
    let bytes: Vec<u8> = received.into_iter().flat_map(|(_, body)| body).collect();
    let contains = |needle: &str| {
        bytes
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    };
    for needle in [
        "sharaka",
        "service.name",
        "query OtlpProbe",
        "graphql.operation.name",
        "OtlpProbe",
        "graphql.complexity",
    ] {
        assert!(contains(needle), "`{needle}` is not in the exported spans");
    }
}

/// Runs `sharaka` with `args` and `env` (and no SHARAKA_* of the caller's); returns success,
/// stdout and stderr.
fn run_sharaka(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sharaka"));
    for (key, _) in std::env::vars() {
        if key.starts_with("SHARAKA_") {
            command.env_remove(key);
        }
    }
    let output = command
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run sharaka");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn config_check_layers_the_environment_over_the_file_and_says_where_each_value_came_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sharaka.toml");
    std::fs::write(
        &file,
        "listen = \"127.0.0.1:9999\"\nbody_limit_bytes = 4096\ndatabase_url = \"postgres://u:hunter2@db/sharaka\"\n",
    )
    .expect("write");
    let path = file.display().to_string();
    let env = [("SHARAKA_LISTEN", "127.0.0.1:7777")];
    let (ok, stdout, stderr) = run_sharaka(&["--config", &path, "config", "check"], &env);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("127.0.0.1:7777"),
        "the environment wins:\n{stdout}"
    );
    assert!(
        stdout.contains("body_limit: 4096"),
        "the file's value:\n{stdout}"
    );
    assert!(!stdout.contains("hunter2"), "secrets are masked:\n{stdout}");
    let origin = |name: &str| {
        stdout
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{name} ")))
            .map(|line| {
                line.split_whitespace()
                    .last()
                    .unwrap_or_default()
                    .to_owned()
            })
    };
    assert_eq!(
        origin("SHARAKA_LISTEN").as_deref(),
        Some("environment"),
        "{stdout}"
    );
    assert_eq!(
        origin("SHARAKA_BODY_LIMIT_BYTES").as_deref(),
        Some("file"),
        "{stdout}"
    );
    assert_eq!(origin("DATABASE_URL").as_deref(), Some("file"), "{stdout}");
    assert_eq!(
        origin("SHARAKA_MAX_BATCH").as_deref(),
        Some("default"),
        "{stdout}"
    );

    // SHARAKA_CONFIG names the file too; an unknown key stops the start, naming the key.
    std::fs::write(&file, "listen = \"127.0.0.1:9999\"\nbody_limit = 1\n").expect("write");
    let (ok, _, stderr) = run_sharaka(&["config", "check"], &[("SHARAKA_CONFIG", &path)]);
    assert!(!ok, "an unknown key is an error");
    assert!(stderr.contains("`body_limit`"), "{stderr}");
    assert!(stderr.contains(&path), "the file is named: {stderr}");
}
