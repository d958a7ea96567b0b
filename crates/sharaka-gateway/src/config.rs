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
//! | `SHARAKA_ANONYMOUS_ROLE` | `PUBLIC` | the role of requests without credentials |
//! | `SHARAKA_JWT_HS256_SECRET` | unset | HS256 secret for bearer JWTs (development and tests) |
//! | `SHARAKA_JWT_JWKS_FILE` | unset | JWKS file with the identity provider's RS256/ES256 keys |
//! | `SHARAKA_JWT_ISSUER` | unset | required `iss` of JWTs |
//! | `SHARAKA_JWT_AUDIENCE` | unset | required `aud` of JWTs |
//! | `SHARAKA_JWT_LEEWAY_SECS` | `60` | allowed clock skew for JWT times |
//! | `RUST_LOG` | `info` | log filter |

use std::net::SocketAddr;
use std::str::FromStr;

use anyhow::Context as _;

/// The server's configuration.
#[derive(Clone)]
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
    /// How identities are checked, and the role of anonymous requests.
    pub auth: crate::auth::AuthConfig,
    /// Seconds between runs of the time-driven transitions; 0 disables them.
    pub scheduler_interval_secs: u64,
}

/// The URL with any password replaced, for printing.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:****@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &mask_url(&self.database_url))
            .field("listen", &self.listen)
            .field("migrate_on_start", &self.migrate_on_start)
            .field("seed_demo", &self.seed_demo)
            .field("body_limit", &self.body_limit)
            .field("max_batch", &self.max_batch)
            .field("max_connections", &self.max_connections)
            .field("loader_delay_ms", &self.loader_delay_ms)
            .field("scheduler_interval_secs", &self.scheduler_interval_secs)
            .field("auth", &self.auth)
            .finish_non_exhaustive()
    }
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
            auth: crate::auth::AuthConfig::default(),
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
    "SHARAKA_ANONYMOUS_ROLE",
    "SHARAKA_JWT_HS256_SECRET",
    "SHARAKA_JWT_JWKS_FILE",
    "SHARAKA_JWT_ISSUER",
    "SHARAKA_JWT_AUDIENCE",
    "SHARAKA_JWT_LEEWAY_SECS",
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
            auth: auth_config()?,
            scheduler_interval_secs: parsed(
                "SHARAKA_SCHEDULER_INTERVAL_SECS",
                defaults.scheduler_interval_secs,
            )?,
        })
    }
}

fn auth_config() -> anyhow::Result<crate::auth::AuthConfig> {
    let defaults = crate::auth::AuthConfig::default();
    let anonymous_role = match var("SHARAKA_ANONYMOUS_ROLE") {
        None => defaults.anonymous_role,
        Some(raw) => <sharaka_domain::Role as sharaka_domain::Coded>::parse(raw.trim())
            .map_err(|e| anyhow::anyhow!("SHARAKA_ANONYMOUS_ROLE: {e}"))?,
    };
    let jwks = var("SHARAKA_JWT_JWKS_FILE")
        .map(|path| {
            crate::auth::AuthConfig::load_jwks(std::path::Path::new(&path))
                .with_context(|| format!("SHARAKA_JWT_JWKS_FILE=`{path}` cannot be read as a JWKS"))
        })
        .transpose()?;
    Ok(crate::auth::AuthConfig {
        hs256_secret: var("SHARAKA_JWT_HS256_SECRET").map(secrecy::SecretString::from),
        jwks,
        issuer: var("SHARAKA_JWT_ISSUER"),
        audience: var("SHARAKA_JWT_AUDIENCE"),
        leeway_secs: parsed("SHARAKA_JWT_LEEWAY_SECS", defaults.leeway_secs)?,
        anonymous_role,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_configuration_masks_the_database_password() {
        assert_eq!(
            mask_url("postgres://sharaka:s3cret@db:5432/sharaka"),
            "postgres://sharaka:****@db:5432/sharaka"
        );
        assert_eq!(
            mask_url("sqlite://sharaka.db?mode=rwc"),
            "sqlite://sharaka.db?mode=rwc"
        );
        let config = Config {
            database_url: "postgres://u:hunter2@h/d".into(),
            ..Config::default()
        };
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
