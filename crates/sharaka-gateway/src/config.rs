//! Configuration: one typed struct, read once from the environment and an optional TOML file,
//! failing fast on bad values. The only place that reads environment variables.
//!
//! Every setting is an environment variable; the same settings can be written in a TOML file
//! (`--config FILE` or `SHARAKA_CONFIG`), one key per setting, named like its variable in lower
//! case without `SHARAKA_` (`listen = "0.0.0.0:8080"`, `database_url = "postgres://…"`,
//! `cors_origins = ["https://a.example"]`). The environment overrides the file; an unknown key in
//! the file is an error naming it. [`Sources`] records where each value came from, for
//! `sharaka config check`.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `SHARAKA_CONFIG` | unset | TOML file with settings (the environment overrides it) |
//! | `SHARAKA_ENV` | `development` | `production` changes the defaults marked so below |
//! | `DATABASE_URL` | `sqlite://sharaka.db?mode=rwc` | SQLite file (embedded default) or `postgres://…` |
//! | `SHARAKA_LISTEN` | `127.0.0.1:8080` | address to serve on |
//! | `SHARAKA_MIGRATE_ON_START` | `true` | apply pending migrations when serving |
//! | `SHARAKA_SEED_DEMO` | `true` | load the demo records into an empty database when serving |
//! | `SHARAKA_BODY_LIMIT_BYTES` | `1048576` | largest request body (`413` beyond) |
//! | `SHARAKA_MAX_BATCH` | `0` | operations allowed in one batched request (0 refuses batches) |
//! | `SHARAKA_DB_MAX_CONNECTIONS` | `10` | database pool size |
//! | `SHARAKA_DB_ACQUIRE_TIMEOUT_MS` | `5000` | how long a request waits for a database connection |
//! | `SHARAKA_DB_STATEMENT_TIMEOUT_MS` | `30000` | PostgreSQL `statement_timeout` (0: none) |
//! | `SHARAKA_LOADER_DELAY_MS` | `1` | how long a DataLoader batch waits for more keys |
//! | `SHARAKA_MAX_OPERATIONS` | 4 × CPU cores | operations executing at once; more wait their turn, within their deadline (0: no bound) |
//! | `SHARAKA_MAX_LARGE_ANSWERS` | 2 × CPU cores | operations at once that build a large answer (`stats`, `export`, `search`: megabytes in memory each), within `SHARAKA_MAX_OPERATIONS`; more wait their turn, within their deadline (0: no bound of their own) |
//! | `SHARAKA_SCHEDULER_INTERVAL_SECS` | `3600` | how often time-driven transitions run (also at start; 0 disables) |
//! | `SHARAKA_TOKEN_CACHE_MS` | `0` | how long a verified API token is trusted without looking it up again (0: every request looks it up); a revocation can take this long to act (expiry is always exact) |
//! | `SHARAKA_TOKEN_WATCH_MS` | `600000` | on PostgreSQL, how long a verified API token is trusted while the process listens for changes to tokens; a revocation acts as soon as its notification arrives (0: not watched; set it behind a pooler in transaction mode, where `LISTEN` does not work) |
//! | `SHARAKA_ANONYMOUS_ROLE` | `PUBLIC` | the role of requests without credentials |
//! | `SHARAKA_JWT_HS256_SECRET` | unset | HS256 secret for bearer JWTs (development and tests) |
//! | `SHARAKA_JWT_JWKS_FILE` | unset | JWKS file with the identity provider's RS256/ES256 keys |
//! | `SHARAKA_JWT_ISSUER` | unset | required `iss` of JWTs |
//! | `SHARAKA_JWT_AUDIENCE` | unset | required `aud` of JWTs |
//! | `SHARAKA_JWT_LEEWAY_SECS` | `60` | allowed clock skew for JWT times |
//! | `SHARAKA_MAX_FIELDS` | `10000` | most fields (aliases and `__typename` included) and fragment spreads a query selects, counted after expanding fragments |
//! | `SHARAKA_MAX_ALIASES` | `500` | most aliased fields in a query, after expanding fragments |
//! | `SHARAKA_MAX_ROOT_FIELDS` | `50` | most root fields in one operation |
//! | `SHARAKA_MAX_DIRECTIVES` | `100` | most directives in a query, after expanding fragments |
//! | `SHARAKA_MAX_NESTING` | `64` | deepest bracket nesting in the query text, and list/object nesting in variables |
//! | `SHARAKA_MAX_INPUT_VALUES` | `1000` | most values (scalars, list items, object fields) in a request's arguments and variables |
//! | `SHARAKA_REQUEST_TIMEOUT_MS` | `30000` | execution deadline of one operation (`TIMEOUT`; 0 disables) |
//! | `SHARAKA_HEADER_TIMEOUT_MS` | `10000` | request headers must arrive within this; also closes idle keep-alive connections |
//! | `SHARAKA_BODY_TIMEOUT_MS` | `30000` | a request body must arrive within this (`408`; 0 disables) |
//! | `SHARAKA_RATE_LIMIT_PER_MINUTE` | `600` | requests per minute per identity (bearer credential, else client address); `429` beyond; 0 disables rate limiting |
//! | `SHARAKA_RATE_LIMIT_BURST` | `100` | requests at once on a full bucket |
//! | `SHARAKA_RATE_LIMIT_PER_ADDRESS_PER_MINUTE` | `3000` | requests per minute per client address over all its identities (IPv6 by /64; 0 disables) |
//! | `SHARAKA_CORS_ORIGINS` | unset | comma-separated origins allowed to call the API from a browser (`*` for any); unset allows none |
//! | `SHARAKA_PERSISTED_QUERIES` | `apq` | `apq` (Apollo automatic persisted queries), `allowlist` (only the operations of the file run) or `off` |
//! | `SHARAKA_PERSISTED_QUERIES_FILE` | unset | allow-list mode: JSON of `id → query`, or an Apollo persisted query manifest |
//! | `SHARAKA_APQ_CACHE_BYTES` | `16777216` | memory for automatic persisted queries (least recently used dropped) |
//! | `SHARAKA_SUPPRESSION_THRESHOLD` | `5` | disclosure control: external roles see protected counts below this as `"<5"` |
//! | `SHARAKA_LIVE_POLL_MS` | `1000` | live updates: the longest a committed change waits to be published when no wake-up arrives |
//! | `SHARAKA_LIVE_BUFFER` | `1024` | live updates: events a subscriber may fall behind before it is closed (`SUBSCRIBER_TOO_SLOW`) |
//! | `SHARAKA_OUTBOX_RETENTION_HOURS` | `24` | how long published events stay in the outbox |
//! | `SHARAKA_WS_INIT_TIMEOUT_MS` | `10000` | a WebSocket must send `connection_init` within this (closed with `4408`) |
//! | `SHARAKA_WS_MAX_SUBSCRIPTIONS` | `20` | subscriptions one WebSocket connection may run at once |
//! | `SHARAKA_WS_MAX_MESSAGE_BYTES` | `65536` | largest WebSocket message (frame) a client may send |
//! | `SHARAKA_PUBLIC_INTROSPECTION` | `true`; `false` in production | whether `PUBLIC` requests may introspect the schema and get "did you mean" suggestions |
//! | `SHARAKA_TRUSTED_PROXIES` | unset | comma-separated CIDRs of reverse proxies; from them, the client address is the right-most untrusted `X-Forwarded-For` hop |
//! | `SHARAKA_SHUTDOWN_TIMEOUT_MS` | `30000` | on SIGTERM or Ctrl-C, how long in-flight requests may take to finish (0: no bound) |
//! | `SHARAKA_OTLP_ENDPOINT` | `OTEL_EXPORTER_OTLP_ENDPOINT`, else unset | OTLP/HTTP collector (`http://host:4318`): export traces, service name `sharaka` |
//! | `RUST_LOG` | `info` | log filter (environment only) |
//! | `SHARAKA_LOG_FORMAT` | `text` | `json` for one JSON object per log line |

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
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
    /// Milliseconds a request waits for a database connection.
    pub db_acquire_timeout_ms: u64,
    /// PostgreSQL statement timeout in milliseconds (0: none).
    pub db_statement_timeout_ms: u64,
    /// DataLoader batch delay in milliseconds.
    pub loader_delay_ms: u64,
    /// Operations executing at once; more wait their turn, within their deadline (0: no bound).
    pub max_operations: usize,
    /// Operations at once that build a large answer (`stats`, `export`), within
    /// `max_operations` (0: no bound of their own); see [`crate::limits::turns`].
    pub max_large_answers: usize,
    /// How long a verified API token is trusted without a lookup, in milliseconds (0: never).
    pub token_cache_ms: u64,
    /// How long a verified API token is trusted while changes to tokens are listened for, on
    /// PostgreSQL, in milliseconds (0: not watched); see [`crate::auth::TokenCache`].
    pub token_watch_ms: u64,
    /// Bytes of `stats` answers kept until the data changes (0: none kept); see
    /// [`crate::answers`].
    pub answer_cache_bytes: usize,
    /// How identities are checked, and the role of anonymous requests.
    pub auth: crate::auth::AuthConfig,
    /// Seconds between runs of the time-driven transitions; 0 disables them.
    pub scheduler_interval_secs: u64,
    /// Query limits, deadlines and rate limits.
    pub limits: crate::limits::Limits,
    /// Origins allowed by CORS (`*` for any); empty allows none.
    pub cors_origins: Vec<String>,
    /// How persisted queries are handled.
    pub persisted_queries: crate::limits::persisted::Mode,
    /// How live updates are read and buffered.
    pub live: crate::live::LiveConfig,
    /// The WebSocket transport's guards.
    pub websocket: crate::ws::WsConfig,
    /// The deployment profile (`SHARAKA_ENV`).
    pub environment: Environment,
    /// Whether `PUBLIC` requests may introspect the schema and get field suggestions.
    pub public_introspection: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where traces are exported over OTLP/HTTP (none: not exported).
    pub otlp_endpoint: Option<String>,
}

/// The deployment profile: some defaults are stricter in production.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Environment {
    /// Development and tests (the default).
    #[default]
    Development,
    /// Production: `PUBLIC` gets no introspection and no field suggestions unless enabled.
    Production,
}

impl FromStr for Environment {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Self::Development),
            "production" | "prod" => Ok(Self::Production),
            _ => Err("use `development` or `production`".to_owned()),
        }
    }
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
            .field("max_operations", &self.max_operations)
            .field("max_large_answers", &self.max_large_answers)
            .field("token_cache_ms", &self.token_cache_ms)
            .field("token_watch_ms", &self.token_watch_ms)
            .field("answer_cache_bytes", &self.answer_cache_bytes)
            .field("scheduler_interval_secs", &self.scheduler_interval_secs)
            .field("auth", &self.auth)
            .field("limits", &self.limits)
            .field("cors_origins", &self.cors_origins)
            .field("environment", &self.environment)
            .field("public_introspection", &self.public_introspection)
            .field("trusted_proxies", &self.trusted_proxies)
            .field(
                "otlp_endpoint",
                &self.otlp_endpoint.as_deref().map(mask_url),
            )
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
            db_acquire_timeout_ms: 5_000,
            db_statement_timeout_ms: 30_000,
            loader_delay_ms: 1,
            max_operations: default_max_operations(),
            max_large_answers: default_max_large_answers(),
            token_cache_ms: 0,
            token_watch_ms: 600_000,
            answer_cache_bytes: 32 * 1024 * 1024,
            auth: crate::auth::AuthConfig::default(),
            scheduler_interval_secs: 3600,
            limits: crate::limits::Limits::default(),
            cors_origins: Vec::new(),
            persisted_queries: crate::limits::persisted::Mode::default(),
            live: crate::live::LiveConfig::default(),
            websocket: crate::ws::WsConfig::default(),
            environment: Environment::Development,
            public_introspection: true,
            trusted_proxies: Vec::new(),
            otlp_endpoint: None,
        }
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An environment variable.
    Environment,
    /// The configuration file.
    File,
    /// Neither: the default.
    Default,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Environment => "environment",
            Self::File => "file",
            Self::Default => "default",
        })
    }
}

/// Where settings are read from: the environment, then the configuration file. Remembers where
/// each value it handed out came from.
#[derive(Debug, Default)]
pub struct Sources {
    file: Option<PathBuf>,
    /// The file's settings, by variable name (`SHARAKA_LISTEN`, `DATABASE_URL`).
    from_file: BTreeMap<String, String>,
    seen: RefCell<BTreeMap<String, Origin>>,
}

/// Settings that only the environment sets (read outside [`Config`]).
const ENVIRONMENT_ONLY: &[&str] = &["SHARAKA_CONFIG", "SHARAKA_SUPPRESSION_THRESHOLD"];

/// The variable a file key stands for: `listen` is `SHARAKA_LISTEN`, `database_url` is
/// `DATABASE_URL`.
fn variable_of(key: &str) -> String {
    if key == "database_url" {
        "DATABASE_URL".to_owned()
    } else {
        format!("SHARAKA_{}", key.to_ascii_uppercase())
    }
}

/// The file key of a variable.
fn key_of(variable: &str) -> String {
    variable
        .strip_prefix("SHARAKA_")
        .unwrap_or(variable)
        .to_ascii_lowercase()
}

impl Sources {
    /// The environment alone.
    pub fn environment() -> Self {
        Self::default()
    }

    /// The environment over the TOML file at `path`, if any. An unknown key, or a value that is
    /// not a string, number, boolean or list of them, is an error naming it.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else {
            return Ok(Self::environment());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        let mut sources =
            Self::parse(&text).with_context(|| format!("configuration file {}", path.display()))?;
        sources.file = Some(path.to_owned());
        Ok(sources)
    }

    /// The environment over the TOML `text`.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let table: toml::Table = text.parse().context("not valid TOML")?;
        let mut from_file = BTreeMap::new();
        for (key, value) in table {
            let variable = variable_of(&key);
            if key != key.to_ascii_lowercase()
                || !(KNOWN.contains(&variable.as_str()) || variable == "DATABASE_URL")
            {
                anyhow::bail!(
                    "unknown setting `{key}` (settings are the SHARAKA_* variables in lower case without the prefix, e.g. `listen`; see the README)"
                );
            }
            if ENVIRONMENT_ONLY.contains(&variable.as_str()) {
                anyhow::bail!("`{key}` can only be set in the environment ({variable})");
            }
            let scalar = |value: &toml::Value| match value {
                toml::Value::String(s) => Some(s.clone()),
                toml::Value::Integer(i) => Some(i.to_string()),
                toml::Value::Float(f) => Some(f.to_string()),
                toml::Value::Boolean(b) => Some(b.to_string()),
                _ => None,
            };
            let raw = match &value {
                toml::Value::Array(items) => items
                    .iter()
                    .map(scalar)
                    .collect::<Option<Vec<_>>>()
                    .map(|items| items.join(",")),
                other => scalar(other),
            }
            .with_context(|| {
                format!("`{key}` must be a string, a number, a boolean or a list of them")
            })?;
            from_file.insert(variable, raw);
        }
        Ok(Self {
            from_file,
            ..Self::default()
        })
    }

    /// The configuration file, if one was read.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// Where each setting read so far came from, by variable name.
    pub fn origins(&self) -> Vec<(String, Origin)> {
        self.seen
            .borrow()
            .iter()
            .map(|(name, origin)| (name.clone(), *origin))
            .collect()
    }

    fn var(&self, name: &str) -> Option<String> {
        let (value, origin) = match std::env::var(name).ok().filter(|v| !v.trim().is_empty()) {
            Some(value) => (Some(value), Origin::Environment),
            None => match self.from_file.get(name).filter(|v| !v.trim().is_empty()) {
                Some(value) => (Some(value.clone()), Origin::File),
                None => (None, Origin::Default),
            },
        };
        self.seen.borrow_mut().insert(name.to_owned(), origin);
        value
    }

    /// How to name a setting in an error: the variable, or the file's key.
    fn describe(&self, name: &str) -> String {
        match self.seen.borrow().get(name) {
            Some(Origin::File) => format!("`{}` in the configuration file", key_of(name)),
            _ => name.to_owned(),
        }
    }

    fn parsed<T: FromStr>(&self, name: &str, default: T) -> anyhow::Result<T>
    where
        T::Err: std::fmt::Display,
    {
        match self.var(name) {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(|| format!("{} = `{raw}` is invalid", self.describe(name))),
        }
    }

    /// What logging and trace export need, read before the rest (logging starts first).
    pub fn telemetry(&self) -> crate::telemetry::TelemetrySettings {
        crate::telemetry::TelemetrySettings {
            json_logs: self
                .var("SHARAKA_LOG_FORMAT")
                .is_some_and(|f| f.trim().eq_ignore_ascii_case("json")),
            otlp_endpoint: self.otlp_endpoint(),
        }
    }

    fn otlp_endpoint(&self) -> Option<String> {
        self.var("SHARAKA_OTLP_ENDPOINT").or_else(|| {
            std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
    }
}

/// Operations executing at once by default: 4 per core. The server's work is CPU-bound, so more
/// at once only holds more answers in memory and spreads each one's CPU thinner: at scale M
/// with 32 clients on 2 cores, a bound of 16 took the dashboard's peak memory from 153–170 MiB
/// to 143–146 at the same throughput (ninth session); a bound of 8 (fourteenth session, four
/// runs against five alternated) took the dashboard from 188–203 to 200–210 req/s and its p99
/// from 197–230 to 182–214 ms, mixed's p99 from 88–94 to 68–69 ms, stats and search the same
/// or slightly better, and cost node lookups, which mostly wait on the database, about a
/// tenth of their peak throughput (4,231–4,413 → 3,659–3,823 req/s; p99 12–13 ms either way).
fn default_max_operations() -> usize {
    4 * cores()
}

/// Large answers building at once by default: 2 per core. Building one is all CPU once its one
/// or two statements have answered, so more at once finish no sooner and only hold more
/// megabytes (see [`crate::limits::turns`]).
fn default_max_large_answers() -> usize {
    2 * cores()
}

/// The CPU cores this process may use (2 when unknown).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

const KNOWN: &[&str] = &[
    "SHARAKA_LISTEN",
    "SHARAKA_LOG_FORMAT",
    "SHARAKA_MIGRATE_ON_START",
    "SHARAKA_SEED_DEMO",
    "SHARAKA_BODY_LIMIT_BYTES",
    "SHARAKA_MAX_BATCH",
    "SHARAKA_DB_MAX_CONNECTIONS",
    "SHARAKA_DB_ACQUIRE_TIMEOUT_MS",
    "SHARAKA_DB_STATEMENT_TIMEOUT_MS",
    "SHARAKA_LOADER_DELAY_MS",
    "SHARAKA_MAX_OPERATIONS",
    "SHARAKA_MAX_LARGE_ANSWERS",
    "SHARAKA_TOKEN_CACHE_MS",
    "SHARAKA_TOKEN_WATCH_MS",
    "SHARAKA_ANONYMOUS_ROLE",
    "SHARAKA_JWT_HS256_SECRET",
    "SHARAKA_JWT_JWKS_FILE",
    "SHARAKA_JWT_ISSUER",
    "SHARAKA_JWT_AUDIENCE",
    "SHARAKA_JWT_LEEWAY_SECS",
    "SHARAKA_SCHEDULER_INTERVAL_SECS",
    "SHARAKA_MAX_FIELDS",
    "SHARAKA_MAX_ALIASES",
    "SHARAKA_MAX_ROOT_FIELDS",
    "SHARAKA_MAX_DIRECTIVES",
    "SHARAKA_MAX_NESTING",
    "SHARAKA_MAX_INPUT_VALUES",
    "SHARAKA_REQUEST_TIMEOUT_MS",
    "SHARAKA_HEADER_TIMEOUT_MS",
    "SHARAKA_BODY_TIMEOUT_MS",
    "SHARAKA_RATE_LIMIT_PER_MINUTE",
    "SHARAKA_RATE_LIMIT_BURST",
    "SHARAKA_RATE_LIMIT_PER_ADDRESS_PER_MINUTE",
    "SHARAKA_CORS_ORIGINS",
    "SHARAKA_PERSISTED_QUERIES",
    "SHARAKA_PERSISTED_QUERIES_FILE",
    "SHARAKA_APQ_CACHE_BYTES",
    "SHARAKA_SUPPRESSION_THRESHOLD",
    "SHARAKA_LIVE_POLL_MS",
    "SHARAKA_LIVE_BUFFER",
    "SHARAKA_OUTBOX_RETENTION_HOURS",
    "SHARAKA_WS_INIT_TIMEOUT_MS",
    "SHARAKA_WS_MAX_SUBSCRIPTIONS",
    "SHARAKA_WS_MAX_MESSAGE_BYTES",
    "SHARAKA_CONFIG",
    "SHARAKA_ENV",
    "SHARAKA_PUBLIC_INTROSPECTION",
    "SHARAKA_TRUSTED_PROXIES",
    "SHARAKA_SHUTDOWN_TIMEOUT_MS",
    "SHARAKA_OTLP_ENDPOINT",
];

impl Config {
    /// Reads the configuration from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_sources(&Sources::environment())
    }

    /// Reads the configuration from `src`: the environment, over the configuration file.
    pub fn from_sources(src: &Sources) -> anyhow::Result<Self> {
        let defaults = Self::default();
        for (name, _) in std::env::vars() {
            if name.starts_with("SHARAKA_") && !KNOWN.contains(&name.as_str()) {
                tracing::warn!(variable = %name, "unknown SHARAKA_ variable ignored (typo?)");
            }
        }
        let environment: Environment = src.parsed("SHARAKA_ENV", Environment::default())?;
        Ok(Self {
            database_url: src.var("DATABASE_URL").unwrap_or(defaults.database_url),
            listen: src.parsed("SHARAKA_LISTEN", defaults.listen)?,
            migrate_on_start: src.parsed("SHARAKA_MIGRATE_ON_START", defaults.migrate_on_start)?,
            seed_demo: src.parsed("SHARAKA_SEED_DEMO", defaults.seed_demo)?,
            body_limit: src.parsed("SHARAKA_BODY_LIMIT_BYTES", defaults.body_limit)?,
            max_batch: src.parsed("SHARAKA_MAX_BATCH", defaults.max_batch)?,
            max_connections: src.parsed("SHARAKA_DB_MAX_CONNECTIONS", defaults.max_connections)?,
            db_acquire_timeout_ms: src.parsed(
                "SHARAKA_DB_ACQUIRE_TIMEOUT_MS",
                defaults.db_acquire_timeout_ms,
            )?,
            db_statement_timeout_ms: src.parsed(
                "SHARAKA_DB_STATEMENT_TIMEOUT_MS",
                defaults.db_statement_timeout_ms,
            )?,
            loader_delay_ms: src.parsed("SHARAKA_LOADER_DELAY_MS", defaults.loader_delay_ms)?,
            max_operations: src.parsed("SHARAKA_MAX_OPERATIONS", defaults.max_operations)?,
            max_large_answers: src
                .parsed("SHARAKA_MAX_LARGE_ANSWERS", defaults.max_large_answers)?,
            token_cache_ms: src.parsed("SHARAKA_TOKEN_CACHE_MS", defaults.token_cache_ms)?,
            token_watch_ms: src.parsed("SHARAKA_TOKEN_WATCH_MS", defaults.token_watch_ms)?,
            answer_cache_bytes: src
                .parsed("SHARAKA_ANSWER_CACHE_BYTES", defaults.answer_cache_bytes)?,
            auth: auth_config(src)?,
            scheduler_interval_secs: src.parsed(
                "SHARAKA_SCHEDULER_INTERVAL_SECS",
                defaults.scheduler_interval_secs,
            )?,
            limits: limits_config(src, &defaults.limits)?,
            cors_origins: cors_origins(src)?,
            persisted_queries: persisted_queries(src)?,
            live: live_config(src, &defaults.live)?,
            websocket: ws_config(src, &defaults.websocket)?,
            environment,
            public_introspection: src.parsed(
                "SHARAKA_PUBLIC_INTROSPECTION",
                environment != Environment::Production,
            )?,
            trusted_proxies: trusted_proxies(src)?,
            otlp_endpoint: src.otlp_endpoint(),
        })
    }
}

/// `SHARAKA_TRUSTED_PROXIES`: CIDRs (a bare address is a single host).
fn trusted_proxies(src: &Sources) -> anyhow::Result<Vec<ipnet::IpNet>> {
    let Some(raw) = src.var("SHARAKA_TRUSTED_PROXIES") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|proxy| {
            proxy
                .parse::<ipnet::IpNet>()
                .or_else(|_| proxy.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    anyhow::anyhow!(
                        "{}: `{proxy}` is not a CIDR (10.0.0.0/8, fd00::/8) or an IP address",
                        src.describe("SHARAKA_TRUSTED_PROXIES")
                    )
                })
        })
        .collect()
}

fn millis(
    src: &Sources,
    name: &str,
    default: std::time::Duration,
) -> anyhow::Result<std::time::Duration> {
    let default = u64::try_from(default.as_millis()).unwrap_or(u64::MAX);
    Ok(std::time::Duration::from_millis(src.parsed(name, default)?))
}

fn limits_config(
    src: &Sources,
    defaults: &crate::limits::Limits,
) -> anyhow::Result<crate::limits::Limits> {
    let limits = crate::limits::Limits {
        max_fields: src.parsed("SHARAKA_MAX_FIELDS", defaults.max_fields)?,
        max_aliases: src.parsed("SHARAKA_MAX_ALIASES", defaults.max_aliases)?,
        max_root_fields: src.parsed("SHARAKA_MAX_ROOT_FIELDS", defaults.max_root_fields)?,
        max_directives: src.parsed("SHARAKA_MAX_DIRECTIVES", defaults.max_directives)?,
        max_nesting: src.parsed("SHARAKA_MAX_NESTING", defaults.max_nesting)?,
        max_input_values: src.parsed("SHARAKA_MAX_INPUT_VALUES", defaults.max_input_values)?,
        request_timeout: millis(src, "SHARAKA_REQUEST_TIMEOUT_MS", defaults.request_timeout)?,
        header_timeout: millis(src, "SHARAKA_HEADER_TIMEOUT_MS", defaults.header_timeout)?,
        body_timeout: millis(src, "SHARAKA_BODY_TIMEOUT_MS", defaults.body_timeout)?,
        rate_per_minute: src.parsed("SHARAKA_RATE_LIMIT_PER_MINUTE", defaults.rate_per_minute)?,
        rate_burst: src.parsed("SHARAKA_RATE_LIMIT_BURST", defaults.rate_burst)?,
        rate_per_address_per_minute: src.parsed(
            "SHARAKA_RATE_LIMIT_PER_ADDRESS_PER_MINUTE",
            defaults.rate_per_address_per_minute,
        )?,
        apq_cache_bytes: src.parsed("SHARAKA_APQ_CACHE_BYTES", defaults.apq_cache_bytes)?,
        shutdown_timeout: millis(
            src,
            "SHARAKA_SHUTDOWN_TIMEOUT_MS",
            defaults.shutdown_timeout,
        )?,
    };
    if limits.max_nesting == 0 || limits.max_nesting > 512 {
        anyhow::bail!(
            "SHARAKA_MAX_NESTING must be between 1 and 512 (the query parser recurses once per level)"
        );
    }
    if limits.rate_per_minute > 0 && limits.rate_burst == 0 {
        anyhow::bail!("SHARAKA_RATE_LIMIT_BURST must be at least 1 when rate limiting is on");
    }
    Ok(limits)
}

fn live_config(
    src: &Sources,
    defaults: &crate::live::LiveConfig,
) -> anyhow::Result<crate::live::LiveConfig> {
    let hours: u64 = src.parsed(
        "SHARAKA_OUTBOX_RETENTION_HOURS",
        defaults.retention.as_secs() / 3_600,
    )?;
    let live = crate::live::LiveConfig {
        poll_interval: millis(src, "SHARAKA_LIVE_POLL_MS", defaults.poll_interval)?,
        buffer: src.parsed("SHARAKA_LIVE_BUFFER", defaults.buffer)?,
        retention: std::time::Duration::from_secs(hours.saturating_mul(3_600)),
    };
    if live.poll_interval.is_zero() || live.buffer == 0 || hours == 0 {
        anyhow::bail!(
            "SHARAKA_LIVE_POLL_MS, SHARAKA_LIVE_BUFFER and SHARAKA_OUTBOX_RETENTION_HOURS must be at least 1"
        );
    }
    Ok(live)
}

fn ws_config(src: &Sources, defaults: &crate::ws::WsConfig) -> anyhow::Result<crate::ws::WsConfig> {
    let ws = crate::ws::WsConfig {
        init_timeout: millis(src, "SHARAKA_WS_INIT_TIMEOUT_MS", defaults.init_timeout)?,
        max_subscriptions: src
            .parsed("SHARAKA_WS_MAX_SUBSCRIPTIONS", defaults.max_subscriptions)?,
        max_message_bytes: src
            .parsed("SHARAKA_WS_MAX_MESSAGE_BYTES", defaults.max_message_bytes)?,
    };
    if ws.init_timeout.is_zero() || ws.max_message_bytes < 1_024 {
        anyhow::bail!(
            "SHARAKA_WS_INIT_TIMEOUT_MS must be at least 1 and SHARAKA_WS_MAX_MESSAGE_BYTES at least 1024"
        );
    }
    Ok(ws)
}

fn cors_origins(src: &Sources) -> anyhow::Result<Vec<String>> {
    let Some(raw) = src.var("SHARAKA_CORS_ORIGINS") else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let valid = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && !origin.ends_with('/')
                    && origin.split("://").nth(1).is_some_and(|host| {
                        !host.is_empty() && !host.contains('/') && !host.contains(char::is_whitespace)
                    }));
            if valid {
                Ok(origin.to_owned())
            } else {
                Err(anyhow::anyhow!(
                    "SHARAKA_CORS_ORIGINS: `{origin}` is not an origin (scheme://host[:port], no path) or `*`"
                ))
            }
        })
        .collect()
}

fn persisted_queries(src: &Sources) -> anyhow::Result<crate::limits::persisted::Mode> {
    use crate::limits::persisted::{AllowList, Mode};
    let file = src.var("SHARAKA_PERSISTED_QUERIES_FILE");
    let mode = src.var("SHARAKA_PERSISTED_QUERIES");
    if file.is_some() && mode.as_deref().map(str::trim) != Some("allowlist") {
        tracing::warn!(
            "SHARAKA_PERSISTED_QUERIES_FILE is ignored unless SHARAKA_PERSISTED_QUERIES=allowlist"
        );
    }
    match mode.as_deref().map(str::trim) {
        None | Some("apq") => Ok(Mode::Automatic),
        Some("off") => Ok(Mode::Off),
        Some("allowlist") => {
            let path = file.context(
                "SHARAKA_PERSISTED_QUERIES=allowlist needs SHARAKA_PERSISTED_QUERIES_FILE",
            )?;
            let list = AllowList::load(std::path::Path::new(&path))
                .with_context(|| format!("SHARAKA_PERSISTED_QUERIES_FILE=`{path}`"))?;
            tracing::info!(
                operations = list.len(),
                "allow-list mode: only listed operations run"
            );
            Ok(Mode::AllowList(std::sync::Arc::new(list)))
        }
        Some(other) => Err(anyhow::anyhow!(
            "SHARAKA_PERSISTED_QUERIES=`{other}` is invalid: use apq, allowlist or off"
        )),
    }
}

fn auth_config(src: &Sources) -> anyhow::Result<crate::auth::AuthConfig> {
    let defaults = crate::auth::AuthConfig::default();
    let anonymous_role = match src.var("SHARAKA_ANONYMOUS_ROLE") {
        None => defaults.anonymous_role,
        Some(raw) => <sharaka_domain::Role as sharaka_domain::Coded>::parse(raw.trim())
            .map_err(|e| anyhow::anyhow!("SHARAKA_ANONYMOUS_ROLE: {e}"))?,
    };
    let jwks = src
        .var("SHARAKA_JWT_JWKS_FILE")
        .map(|path| {
            crate::auth::AuthConfig::load_jwks(std::path::Path::new(&path))
                .with_context(|| format!("SHARAKA_JWT_JWKS_FILE=`{path}` cannot be read as a JWKS"))
        })
        .transpose()?;
    Ok(crate::auth::AuthConfig {
        hs256_secret: src
            .var("SHARAKA_JWT_HS256_SECRET")
            .map(secrecy::SecretString::from),
        jwks,
        issuer: src.var("SHARAKA_JWT_ISSUER"),
        audience: src.var("SHARAKA_JWT_AUDIENCE"),
        leeway_secs: src.parsed("SHARAKA_JWT_LEEWAY_SECS", defaults.leeway_secs)?,
        anonymous_role,
    })
}

/// Disclosure control's threshold (`SHARAKA_SUPPRESSION_THRESHOLD`, default
/// [`crate::schema::disclosure::DEFAULT_THRESHOLD`]): read once, and an unparsable or
/// zero value falls back to the default, because a typo must never turn suppression off.
pub fn suppression_threshold() -> i64 {
    static THRESHOLD: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *THRESHOLD.get_or_init(|| {
        var("SHARAKA_SUPPRESSION_THRESHOLD")
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|v| *v > 0)
            .unwrap_or(crate::schema::disclosure::DEFAULT_THRESHOLD)
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

    #[test]
    fn a_configuration_file_sets_settings_by_their_lower_case_names() {
        let sources = Sources::parse(
            r#"
            body_limit_bytes = 2048
            cors_origins = ["https://a.example", "https://b.example"]
            public_introspection = false
            trusted_proxies = ["10.0.0.0/8", "192.0.2.1"]
            "#,
        )
        .expect("parses");
        let config = Config::from_sources(&sources).expect("valid");
        assert_eq!(config.body_limit, 2048);
        assert_eq!(
            config.cors_origins,
            ["https://a.example", "https://b.example"]
        );
        assert!(!config.public_introspection);
        assert_eq!(config.trusted_proxies.len(), 2);
        let origins: BTreeMap<String, Origin> = sources.origins().into_iter().collect();
        assert_eq!(origins["SHARAKA_BODY_LIMIT_BYTES"], Origin::File);
        assert_eq!(origins["SHARAKA_MAX_BATCH"], Origin::Default);
    }

    #[test]
    fn an_unknown_or_malformed_key_is_an_error_that_names_it() {
        let error = Sources::parse("listen = \"127.0.0.1:1\"\nlisten_adress = 1\n")
            .expect_err("unknown key");
        assert!(error.to_string().contains("`listen_adress`"), "{error}");
        let error = Sources::parse("[limits]\nmax_fields = 1\n").expect_err("a table");
        assert!(error.to_string().contains("`limits`"), "{error}");
        let error = Sources::parse("LISTEN = \"127.0.0.1:1\"\n").expect_err("upper case");
        assert!(error.to_string().contains("`LISTEN`"), "{error}");
        let error = Sources::parse("config = \"other.toml\"\n").expect_err("environment only");
        assert!(error.to_string().contains("environment"), "{error}");
        let error = Sources::parse("max_fields = { a = 1 }\n").expect_err("not a scalar");
        assert!(error.to_string().contains("`max_fields`"), "{error}");

        let sources = Sources::parse("max_batch = \"many\"\n").expect("parses");
        let error = Config::from_sources(&sources).expect_err("invalid value");
        assert!(
            format!("{error:#}").contains("`max_batch` in the configuration file"),
            "{error:#}"
        );
        let sources = Sources::parse("trusted_proxies = [\"10.0.0.0/33\"]\n").expect("parses");
        let error = Config::from_sources(&sources).expect_err("invalid CIDR");
        assert!(format!("{error:#}").contains("10.0.0.0/33"), "{error:#}");
    }

    #[test]
    fn production_switches_public_introspection_off_by_default() {
        let production = Sources::parse("env = \"production\"\n").expect("parses");
        let config = Config::from_sources(&production).expect("valid");
        assert_eq!(config.environment, Environment::Production);
        assert!(!config.public_introspection);
        let reopened =
            Sources::parse("env = \"production\"\npublic_introspection = true\n").expect("parses");
        assert!(
            Config::from_sources(&reopened)
                .expect("valid")
                .public_introspection
        );
        assert!(
            Config::from_sources(&Sources::environment())
                .expect("valid")
                .public_introspection
        );
    }
}
