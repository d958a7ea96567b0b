//! Limits and protocol defences: what no request, however malformed or heavy, may get past.
//!
//! - [`document`]: the pre-validation check of a query (bracket nesting, fields, aliases, root
//!   fields, directives and depth counted after expanding fragments with memoisation, fragment
//!   cycles, input values), linear in the request's size. It runs once per request: over HTTP in
//!   `http::precheck`, before anything else looks at the query; in-process in
//!   [`crate::App::execute_as`]. What it measured (complexity, depth) goes on the operation's
//!   span.
//! - A per-request execution deadline ([`Limits::request_timeout`], in `App::execute_as`): a
//!   request still running when it passes is dropped (its transaction rolled back) and answered
//!   with the code `TIMEOUT`.
//! - [`rate`]: token buckets per identity and per client address (`429`, `Retry-After`,
//!   `RATE_LIMITED`).
//! - [`persisted`]: Apollo's automatic persisted queries, and an allow-list mode.
//! - [`serve`]: the accept loop, with header-read deadlines for slow clients.
//! - [`turns`]: operations executing at once, and large answers (`stats`, `export`) among them.
//! - [`proxy`]: the client's address behind trusted reverse proxies.
//! - CORS from an allow-list of origins, and the body deadline, live in `http`.
//!
//! Every number is configurable (see `config`), with the defaults of [`Limits::default`].

pub mod document;
pub mod parsed;
pub mod persisted;
pub mod proxy;
pub mod rate;
pub mod serve;
pub mod turns;

use std::time::Duration;

pub use document::DocumentLimits;

/// The configurable limits. A duration of zero, or a rate of zero, switches its check off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Most fields (aliased and `__typename` included) and fragment spreads a query may select,
    /// counted after expanding fragments (`SHARAKA_MAX_FIELDS`).
    pub max_fields: u64,
    /// Most aliased fields after expanding fragments (`SHARAKA_MAX_ALIASES`).
    pub max_aliases: u64,
    /// Most root fields in one operation (`SHARAKA_MAX_ROOT_FIELDS`).
    pub max_root_fields: u64,
    /// Most directives after expanding fragments (`SHARAKA_MAX_DIRECTIVES`).
    pub max_directives: u64,
    /// Deepest bracket nesting in the query text, and list/object nesting in variables
    /// (`SHARAKA_MAX_NESTING`). Keep it well under a thousand: the parser recurses.
    pub max_nesting: usize,
    /// Most values in a request's arguments and variables (`SHARAKA_MAX_INPUT_VALUES`).
    pub max_input_values: u64,
    /// Execution deadline of one operation (`SHARAKA_REQUEST_TIMEOUT_MS`).
    pub request_timeout: Duration,
    /// Request headers must arrive within this (`SHARAKA_HEADER_TIMEOUT_MS`).
    pub header_timeout: Duration,
    /// A request body must arrive within this (`SHARAKA_BODY_TIMEOUT_MS`).
    pub body_timeout: Duration,
    /// Requests per minute per identity (`SHARAKA_RATE_LIMIT_PER_MINUTE`; 0 switches rate
    /// limiting off altogether).
    pub rate_per_minute: u32,
    /// Requests at once on a full bucket (`SHARAKA_RATE_LIMIT_BURST`).
    pub rate_burst: u32,
    /// Requests per minute per client address over all its identities
    /// (`SHARAKA_RATE_LIMIT_PER_ADDRESS_PER_MINUTE`; 0 switches this bucket off). Its burst is
    /// `rate_burst` scaled by the same ratio.
    pub rate_per_address_per_minute: u32,
    /// Bytes of query text kept for automatic persisted queries (`SHARAKA_APQ_CACHE_BYTES`).
    pub apq_cache_bytes: usize,
    /// On shutdown, how long in-flight requests may take to finish before their connections
    /// are closed (`SHARAKA_SHUTDOWN_TIMEOUT_MS`; zero waits for them all).
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_fields: 10_000,
            max_aliases: 500,
            max_root_fields: 50,
            max_directives: 100,
            max_nesting: 64,
            max_input_values: 1_000,
            request_timeout: Duration::from_secs(30),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            rate_per_minute: 600,
            rate_burst: 100,
            rate_per_address_per_minute: 3_000,
            apq_cache_bytes: 16 * 1024 * 1024,
            shutdown_timeout: Duration::from_secs(30),
        }
    }
}

impl Limits {
    /// Limits with rate limiting switched off (tests that send many requests).
    pub fn without_rate_limits() -> Self {
        Self {
            rate_per_minute: 0,
            ..Self::default()
        }
    }

    /// The document limits, with the schema's depth limit.
    pub fn document(&self) -> DocumentLimits {
        DocumentLimits {
            max_fields: self.max_fields,
            max_aliases: self.max_aliases,
            max_root_fields: self.max_root_fields,
            max_directives: self.max_directives,
            max_depth: crate::schema::MAX_DEPTH as u64,
            max_nesting: self.max_nesting,
            max_input_values: self.max_input_values,
        }
    }

    /// The rate limiter these limits describe.
    pub fn rate_limits(&self) -> rate::RateLimits {
        let off = rate::Budget {
            per_minute: 0,
            burst: 0,
        };
        if self.rate_per_minute == 0 {
            return rate::RateLimits::new(off, off);
        }
        let identity = rate::Budget {
            per_minute: self.rate_per_minute,
            burst: self.rate_burst,
        };
        let address = if self.rate_per_address_per_minute == 0 {
            off
        } else {
            let scaled = u64::from(self.rate_burst) * u64::from(self.rate_per_address_per_minute)
                / u64::from(self.rate_per_minute);
            rate::Budget {
                per_minute: self.rate_per_address_per_minute,
                burst: u32::try_from(scaled.max(1)).unwrap_or(u32::MAX),
            }
        };
        rate::RateLimits::new(identity, address)
    }

    /// The connection deadlines.
    pub fn deadlines(&self) -> serve::Deadlines {
        let header = if self.header_timeout.is_zero() {
            // hyper needs a deadline once it has a timer; a day is as good as none.
            Duration::from_secs(86_400)
        } else {
            self.header_timeout
        };
        serve::Deadlines {
            header,
            drain: optional(self.shutdown_timeout),
        }
    }
}

/// `None` for a zero duration (switched off).
pub fn optional(duration: Duration) -> Option<Duration> {
    (!duration.is_zero()).then_some(duration)
}

/// Checks a request in-process: the nesting scan, then (parsing the query once, and leaving
/// the parsed document in the request for async-graphql to reuse) the document and its inputs.
/// Returns what the document would make the server do (`None` for a query that does not parse:
/// it passes, and execution reports the parse error).
pub fn check_request(
    request: &mut async_graphql::Request,
    limits: &DocumentLimits,
    documents: &parsed::DocumentCache,
) -> Result<Option<document::Usage>, document::Refusal> {
    document::scan_nesting(&request.query, limits.max_nesting)?;
    let variables = std::mem::take(&mut request.variables);
    let result = match documents.parse(request) {
        Ok(parsed) => document::check(parsed, &variables, limits).map(Some),
        Err(_) => Ok(None),
    };
    request.variables = variables;
    result
}
