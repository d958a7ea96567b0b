//! Test helpers: a fresh, migrated database per test on SQLite (a temporary file) or PostgreSQL
//! (a database created from `TEST_DATABASE_URL` and dropped afterwards), and a [`TestApp`] that
//! runs GraphQL in-process or over real HTTP on a free port.
//!
//! Tests are written once and run on both backends with [`backend_tests!`]. Without
//! `TEST_DATABASE_URL`, the PostgreSQL variants report that they did not run; with it set and
//! PostgreSQL unreachable, they fail.

use std::sync::Arc;

use anyhow::Context as _;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use sharaka_domain::{Lang, Principal, Role};
use sharaka_gateway::{App, Config};
use sharaka_persistence::{StatementCounter, Store, StoreConfig};

/// The database engines tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A temporary SQLite file.
    Sqlite,
    /// A temporary PostgreSQL database.
    Postgres,
}

/// The PostgreSQL server URL for tests, if configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A database that exists for one test.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// Creates an empty database on `backend`.
    pub async fn new(backend: Backend) -> anyhow::Result<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir()?;
                let path = dir.path().join("test.db");
                Ok(Self {
                    url: format!("sqlite://{}?mode=rwc", path.display()),
                    cleanup: Cleanup::Sqlite(dir),
                })
            }
            Backend::Postgres => {
                let admin_url = postgres_url().context("TEST_DATABASE_URL is not set")?;
                let name = format!("sharaka_t_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .with_context(|| "cannot reach PostgreSQL at TEST_DATABASE_URL".to_string())?;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await?;
                admin.close().await?;
                let url = replace_database(&admin_url, &name);
                Ok(Self {
                    url,
                    cleanup: Cleanup::Postgres { admin_url, name },
                })
            }
        }
    }
}

/// Swaps the database name of a PostgreSQL URL.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], name);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = &self.cleanup {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a separate thread with its own runtime
            // can block on the async drop without deadlocking it.
            let handle = std::thread::spawn(move || {
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async move {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            });
            let _ = handle.join();
        }
    }
}

/// The principal in-process test queries run as: an administrator named `dev`, who may read
/// and change everything. Access tests pass their own principals to [`TestApp::query_as`].
pub fn test_principal() -> Principal {
    Principal::with_role("dev", Role::Admin)
}

/// The configuration tests run with: the defaults, except that requests without credentials
/// act as administrators, so protocol tests over HTTP need no tokens. Access tests build their
/// own configuration with the production default (`PUBLIC`).
pub fn test_config() -> Config {
    let mut config = Config::default();
    config.auth.anonymous_role = Role::Admin;
    config
}

/// A running application over its own database.
pub struct TestApp {
    /// The application.
    pub app: App,
    /// Counts the statements the store runs.
    pub counter: StatementCounter,
    /// The backend.
    pub backend: Backend,
    _db: Arc<TestDb>,
}

/// What to load before the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    /// Nothing but the schema.
    Empty,
    /// The real demo records.
    Demo,
}

impl TestApp {
    /// A migrated database with `data`, on `backend`.
    pub async fn new(backend: Backend, data: Data) -> anyhow::Result<Self> {
        Self::with_config(backend, data, test_config()).await
    }

    /// Like [`TestApp::new`], with settings from `config` (its database URL is replaced).
    /// [`TestApp::new`] uses [`test_config`].
    pub async fn with_config(backend: Backend, data: Data, config: Config) -> anyhow::Result<Self> {
        let db = Arc::new(TestDb::new(backend).await?);
        let counter = StatementCounter::default();
        let store = Store::connect(StoreConfig {
            max_connections: 5,
            counter: Some(counter.clone()),
            ..StoreConfig::new(db.url.clone())
        })
        .await?;
        store.migrate().await?;
        if data == Data::Demo {
            sharaka_persistence::seed::demo(&store).await?;
        }
        let app = App::from_store(
            store,
            Config {
                database_url: db.url.clone(),
                ..config
            },
        );
        Ok(Self {
            app,
            counter,
            backend,
            _db: db,
        })
    }

    /// Runs `statements` on the test's own database, over a connection of their own: for a
    /// test that must write what the API cannot. Panics, naming the statement, if one fails.
    pub async fn execute_sql(&self, statements: &[&str]) {
        let db = Database::connect(&self._db.url).await.expect("database");
        for statement in statements {
            db.execute_unprepared(statement).await.expect(statement);
        }
        db.close().await.expect("close");
    }

    /// The URL of the test's own database, for a test that needs connections of its own.
    pub fn database_url(&self) -> &str {
        &self._db.url
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.app.store
    }

    /// Runs a query in-process as [`test_principal`] and returns the JSON response.
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        self.query_as(test_principal(), query, variables).await
    }

    /// Runs a query in-process as `principal` and returns the JSON response.
    pub async fn query_as(&self, principal: Principal, query: &str, variables: Value) -> Value {
        let request = async_graphql::Request::new(query)
            .variables(async_graphql::Variables::from_json(variables));
        let response = self
            .app
            .execute_as(request, principal, Lang::default())
            .await;
        serde_json::to_value(&response).unwrap_or(Value::Null)
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.query(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    /// Archives the record of GraphQL type `kind` with the global ID `id` at its current
    /// version, as an administrator would.
    pub async fn archive(&self, kind: &str, id: &str) {
        let version = self
            .data(
                &format!("query($id: ID!) {{ node(id: $id) {{ ... on {kind} {{ version }} }} }}"),
                json!({ "id": id }),
            )
            .await["node"]["version"]
            .clone();
        self.data(
            "mutation($id: ID!, $v: Int!) {
               archiveRecord(id: $id, expectedVersion: $v, reason: \"test\") { id } }",
            json!({ "id": id, "v": version }),
        )
        .await;
    }

    /// Serves the app on a free loopback port; returns its base URL. The server stops when the
    /// test's runtime ends.
    pub async fn spawn(&self) -> anyhow::Result<String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let app = self.app.clone();
        tokio::spawn(async move {
            let _ = app.serve(listener, std::future::pending()).await;
        });
        Ok(format!("http://{addr}"))
    }
}

/// A response header's value as text, if it is there and is text.
pub fn header_text(
    response: &reqwest::Response,
    name: impl reqwest::header::AsHeaderName,
) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The global ID of a record, as the API encodes it.
pub fn global_id(kind: &str, local: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{local}"))
}

/// The `extensions.code` of each error of a response.
pub fn error_codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A JSON body for a GraphQL request.
pub fn body(query: &str) -> Value {
    json!({ "query": query })
}

/// Declares a test that runs on SQLite and on PostgreSQL: `backend_tests!(name, |app| async { … })`
/// where the body receives a `TestApp` built with the given data.
#[macro_export]
macro_rules! backend_tests {
    ($name:ident, $data:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::TestApp::new($crate::Backend::Sqlite, $data)
                    .await
                    .expect("test app");
                ($body)(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::postgres_url().is_none() {
                    eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL variant did not run");
                    return;
                }
                let app = $crate::TestApp::new($crate::Backend::Postgres, $data)
                    .await
                    .expect("test app");
                ($body)(app).await;
            }
        }
    };
}

/// Declares a test that runs `run(backend)` on SQLite and on PostgreSQL in a `current_thread`
/// runtime: `backend_tests_on_one_thread!(name, run)` where `run` is an `async fn(Backend)`
/// that builds its own app. For what one thread makes deterministic: statement counts whose
/// DataLoader batches must not be split, and traces captured by a thread-local subscriber.
#[macro_export]
macro_rules! backend_tests_on_one_thread {
    ($name:ident, $run:path) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "current_thread")]
            async fn sqlite() {
                $run($crate::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "current_thread")]
            async fn postgres() {
                if $crate::postgres_url().is_none() {
                    eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL variant did not run");
                    return;
                }
                $run($crate::Backend::Postgres).await;
            }
        }
    };
}
