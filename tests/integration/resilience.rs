//! Resilience to database faults: a PostgreSQL instance of the test's own (initdb and pg_ctl on
//! a free port in a temporary folder) is stopped and restarted while a client keeps writing.
//! While it is down, requests fail fast with `SERVICE_UNAVAILABLE` and readiness turns red; when
//! it is back, Sharaka recovers without a restart, and every acknowledged write is present.
//!
//! PostgreSQL refuses to run as root, so the instance runs as the `postgres` system user. Where
//! Debian's server binaries are missing the test says so and does not run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sharaka_gateway::{App, Config};
use sharaka_persistence::{Store, StoreConfig};

fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .collect();
    versions.sort();
    versions.pop().filter(|bin| bin.join("pg_ctl").exists())
}

fn as_postgres(program: &Path, args: &[&str]) -> bool {
    Command::new("runuser")
        .arg("-u")
        .arg("postgres")
        .arg("--")
        .arg(program)
        .args(args)
        .output()
        .map(|o| {
            if !o.status.success() {
                eprintln!(
                    "{} failed: {}",
                    program.display(),
                    String::from_utf8_lossy(&o.stderr)
                );
            }
            o.status.success()
        })
        .unwrap_or(false)
}

pub(crate) struct Instance {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl Instance {
    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    pub(crate) fn start(&self) -> bool {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("pg.log").display().to_string();
        as_postgres(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                &self.data(),
                "-o",
                &options,
                "-l",
                &log,
                "-w",
                "-t",
                "30",
                "start",
            ],
        )
    }

    pub(crate) fn stop(&self) -> bool {
        as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", &self.data(), "-m", "fast", "-w", "stop"],
        )
    }

    pub(crate) fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", &self.data(), "-m", "immediate", "stop"],
        );
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(55432)
}

pub(crate) fn instance() -> Option<Instance> {
    let bin = pg_bin()?;
    let dir = tempfile::Builder::new()
        .prefix("sharaka-pg-")
        .tempdir()
        .ok()?;
    // The postgres user must own the folder it runs in.
    let owned = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir.path())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !owned {
        return None;
    }
    let data = dir.path().join("data").display().to_string();
    if !as_postgres(
        &bin.join("initdb"),
        &[
            "-D",
            &data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
    ) {
        return None;
    }
    let instance = Instance {
        bin,
        dir,
        port: free_port(),
    };
    instance.start().then_some(instance)
}

async fn post(client: &reqwest::Client, base: &str, query: &str, variables: Value) -> (u16, Value) {
    match client
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
    {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

const CREATE: &str = "mutation($name: String!) { createOrganisation(input: { name: { fr: $name }, category: OTHER }) { localId } }";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_loses_no_acknowledged_write() {
    let Some(pg) = instance() else {
        eprintln!(
            "PostgreSQL server binaries or the postgres user are missing: the resilience test did not run"
        );
        return;
    };
    let config = Config {
        database_url: pg.url(),
        db_acquire_timeout_ms: 1_000,
        seed_demo: false,
        ..sharaka_test_support::test_config()
    };
    let app = App::build(config, None)
        .await
        .expect("app on the private instance");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("listener");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(app.clone().serve(listener, std::future::pending()));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");

    let mut acknowledged = Vec::new();
    for i in 0..5 {
        let name = format!("avant-{i}");
        let (status, body) = post(&client, &base, CREATE, json!({ "name": name })).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        acknowledged.push(name);
    }

    assert!(pg.stop(), "stop PostgreSQL");
    let started = Instant::now();
    let (status, body) = post(&client, &base, CREATE, json!({ "name": "pendant" })).await;
    let elapsed = started.elapsed();
    assert_eq!(status, 200, "{body}");
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(code, "SERVICE_UNAVAILABLE", "{body}");
    assert!(
        elapsed < Duration::from_secs(8),
        "a request fails within a bounded time, took {elapsed:?}"
    );
    let ready = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("readyz")
        .status()
        .as_u16();
    assert_eq!(ready, 503, "readiness is red while the database is down");

    assert!(pg.start(), "restart PostgreSQL");
    // Recovery without a restart: the pool reconnects on its own.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = post(&client, &base, CREATE, json!({ "name": "après" })).await;
        if status == 200 && body.get("errors").is_none() {
            acknowledged.push("après".to_owned());
            break;
        }
        assert!(Instant::now() < deadline, "Sharaka did not recover: {body}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let ready = client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("readyz")
        .status()
        .as_u16();
    assert_eq!(ready, 200);

    // Every acknowledged write is present.
    let store = Store::connect(StoreConfig::new(pg.url()))
        .await
        .expect("store");
    let orgs = store
        .list::<sharaka_domain::Organisation>(&sharaka_persistence::ListQuery::first(100))
        .await
        .expect("list");
    let names: Vec<String> = orgs.iter().filter_map(|o| o.name.fr.clone()).collect();
    for name in &acknowledged {
        assert!(
            names.contains(name),
            "acknowledged write `{name}` is missing from {names:?}"
        );
    }
    assert!(
        !names.contains(&"pendant".to_owned()),
        "the refused write was not half-applied"
    );
}
