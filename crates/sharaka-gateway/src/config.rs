//! Configuration: one typed struct, read once from the environment, failing fast on bad values.
//! The only place that reads environment variables.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `sqlite://sharaka.db?mode=rwc` | SQLite file (embedded default) or `postgres://…` |
//! | `SHARAKA_LISTEN` | `127.0.0.1:8080` | address to serve on |
//! | `SHARAKA_MIGRATE_ON_START` | `true` | apply pending migrations when serving |
//! | `SHARAKA_SEED_DEMO` | `true` | load the demo records into an empty database when serving |
//! | `SHARAKA_BODY_LIMIT_BYTES` | `1048576` | largest request body (`413` beyond) |
//! | `SHARAKA_MAX_BATCH` | `0` | operations allowed in one batched request (0 refuses batches) |
//! | `SHARAKA_DB_MAX_CONNECTIONS` | `10` | database pool size |
//! | `SHARAKA_LOADER_DELAY_MS` | `1` | how long a DataLoader batch waits for more keys |
//! | `SHARAKA_SCHEDULER_INTERVAL_SECS` | `3600` | how often time-driven transitions run (also at start; 0 disables) |
//! | `SHARAKA_DEV_ACTOR` | `dev` | the identity recorded as author of changes until access control lands |
//! | `RUST_LOG` | `info` | log filter |

use std::net::SocketAddr;
use std::str::FromStr;

use anyhow::Context as _;

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database URL.
    pub database_url: String,
    /// The listening address.
    pub listen: SocketAddr,
    /// Migrate when serving.
    pub migrate_on_start: bool,
    /// Seed the demo data into an empty database when serving.
    pub seed_demo: bool,
    /// Request body limit in bytes.
    pub body_limit: usize,
    /// Largest batch.
    pub max_batch: usize,
    /// Pool size.
    pub max_connections: u32,
    /// DataLoader batch delay in milliseconds.
    pub loader_delay_ms: u64,
    /// The development identity that authors changes.
    pub dev_actor: String,
    /// Seconds between runs of the time-driven transitions; 0 disables them.
    pub scheduler_interval_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "sqlite://sharaka.db?mode=rwc".to_owned(),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            migrate_on_start: true,
            seed_demo: true,
            body_limit: 1024 * 1024,
            max_batch: 0,
            max_connections: 10,
            loader_delay_ms: 1,
            dev_actor: "dev".to_owned(),
            scheduler_interval_secs: 3600,
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parsed<T: FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("{name}=`{raw}` is invalid")),
    }
}

const KNOWN: &[&str] = &[
    "SHARAKA_LISTEN",
    "SHARAKA_MIGRATE_ON_START",
    "SHARAKA_SEED_DEMO",
    "SHARAKA_BODY_LIMIT_BYTES",
    "SHARAKA_MAX_BATCH",
    "SHARAKA_DB_MAX_CONNECTIONS",
    "SHARAKA_LOADER_DELAY_MS",
    "SHARAKA_DEV_ACTOR",
    "SHARAKA_SCHEDULER_INTERVAL_SECS",
];

impl Config {
    /// Reads the configuration from the environment (and a `.env` file in development).
    pub fn from_env() -> anyhow::Result<Self> {
        let defaults = Self::default();
        for (name, _) in std::env::vars() {
            if name.starts_with("SHARAKA_") && !KNOWN.contains(&name.as_str()) {
                tracing::warn!(variable = %name, "unknown SHARAKA_ variable ignored (typo?)");
            }
        }
        Ok(Self {
            database_url: var("DATABASE_URL").unwrap_or(defaults.database_url),
            listen: parsed("SHARAKA_LISTEN", defaults.listen)?,
            migrate_on_start: parsed("SHARAKA_MIGRATE_ON_START", defaults.migrate_on_start)?,
            seed_demo: parsed("SHARAKA_SEED_DEMO", defaults.seed_demo)?,
            body_limit: parsed("SHARAKA_BODY_LIMIT_BYTES", defaults.body_limit)?,
            max_batch: parsed("SHARAKA_MAX_BATCH", defaults.max_batch)?,
            max_connections: parsed("SHARAKA_DB_MAX_CONNECTIONS", defaults.max_connections)?,
            loader_delay_ms: parsed("SHARAKA_LOADER_DELAY_MS", defaults.loader_delay_ms)?,
            dev_actor: var("SHARAKA_DEV_ACTOR").unwrap_or(defaults.dev_actor),
            scheduler_interval_secs: parsed(
                "SHARAKA_SCHEDULER_INTERVAL_SECS",
                defaults.scheduler_interval_secs,
            )?,
        })
    }
}
