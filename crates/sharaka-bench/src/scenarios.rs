//! The scenarios, their clients, and the measurements around them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::ValueEnum;
use serde_json::{Value, json};
use sharaka_gateway::answers::AnswerCache;
use sharaka_persistence::StatementCounter;

use crate::data::{self, Scale};

/// A named workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// Organisations → partnerships → agreements → parties and commitments → projects →
    /// training sessions → tallies.
    Dashboard,
    /// A filtered, ordered list with a text filter, walking pages by cursor.
    List,
    /// Single lookups by global ID.
    Node,
    /// Reads with 10% mutations (`updateOrganisation`, retried on `CONFLICT`).
    Mixed,
    /// The dashboard's aggregates through `stats`: training reach by region × year (with the
    /// female participants), and resources by partner × type, over a rotating period.
    Stats,
    /// `search` in Arabic, French and English, with a misspelling and accent-less queries.
    Search,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Self::Dashboard => "dashboard",
            Self::List => "list",
            Self::Node => "node",
            Self::Mixed => "mixed",
            Self::Stats => "stats",
            Self::Search => "search",
        }
    }

    /// SQL statements one request runs beyond the token check, when the count is fixed:
    /// the dashboard runs one per level that has its own table (organisations, partnerships,
    /// agreements, parties, commitments, projects, sessions; the tallies come on their
    /// sessions' rows) whatever the page sizes; `stats` answered
    /// afresh four whatever the period (measured with the counter: the data generation, two for
    /// training reach, one for every figure of resources), one when a kept answer is served
    /// ([`Scenario::kept_statements`]);
    /// `search` four, every query asking for one kind of record: the index entries holding the
    /// whole query, the fuzzy candidates, which of their records the reader may see (ids only),
    /// and the page's records.
    fn expected_statements(self) -> Option<u64> {
        match self {
            Self::Dashboard => Some(7),
            Self::List | Self::Node => Some(1),
            Self::Stats => Some(STATS_STATEMENTS),
            Self::Search => Some(4),
            Self::Mixed => None,
        }
    }

    /// SQL statements beyond the token check of a request served a kept answer (the data
    /// generation; see `sharaka_gateway::answers`), for the scenarios whose answers are kept.
    fn kept_statements(self) -> Option<u64> {
        match self {
            Self::Stats => Some(1),
            _ => None,
        }
    }
}

/// One scenario's figures.
#[derive(Debug, serde::Serialize)]
pub struct Outcome {
    pub scenario: &'static str,
    pub requests: u64,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub errors: u64,
    pub error_samples: Vec<String>,
    pub statements_per_request: Option<f64>,
    /// Statements of one request run alone (under load, a DataLoader batch may be split in two
    /// when its keys arrive further apart than the loader's delay).
    pub statements_alone: Option<u64>,
    pub expected_statements: Option<u64>,
    /// Requests served a kept answer, and requests answered afresh that could have been (the
    /// in-process server's `stats` answers; see `sharaka_gateway::answers`).
    pub kept_answers: Option<KeptAnswers>,
    pub server_cpu_seconds_per_1000: Option<f64>,
    pub mutations: u64,
    pub conflicts_retried: u64,
    /// Peak resident memory of the process (server and clients) while this scenario ran, in
    /// MiB: the peak is reset before each scenario, so loading the data set does not count.
    pub peak_memory_mib: Option<f64>,
}

/// How many requests of a scenario were served a kept answer, and what one costs.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct KeptAnswers {
    pub hits: u64,
    pub misses: u64,
    /// Statements a hit costs, the token check included.
    pub statements_per_hit: u64,
}

impl Outcome {
    /// Statements per request expected on average: the fixed count, or, where answers are
    /// kept, the fixed count for the requests answered afresh and a hit's for the others.
    pub fn expected_average(&self) -> Option<f64> {
        let expected = self.expected_statements? as f64;
        match self.kept_answers {
            Some(kept) if kept.hits + kept.misses > 0 => {
                let lookups = (kept.hits + kept.misses) as f64;
                Some(
                    (kept.misses as f64 * expected
                        + kept.hits as f64 * kept.statements_per_hit as f64)
                        / lookups,
                )
            }
            _ => Some(expected),
        }
    }

    /// The smoke test's checks: some requests, no errors, the expected statement count.
    pub fn check(&self) -> bool {
        let mut ok = true;
        if self.requests == 0 {
            eprintln!("{}: no request completed", self.scenario);
            ok = false;
        }
        if self.errors > 0 {
            eprintln!("{}: {} errors", self.scenario, self.errors);
            ok = false;
        }
        if let (Some(expected), Some(actual)) =
            (self.expected_average(), self.statements_per_request)
            && (actual - expected).abs() > 1e-9
        {
            eprintln!(
                "{}: {actual:.3} statements per request, expected {expected:.3}",
                self.scenario
            );
            ok = false;
        }
        ok
    }
}

/// The server under test.
#[derive(Clone)]
pub struct Target {
    client: reqwest::Client,
    url: String,
    auth: String,
}

/// A GraphQL answer's failure, with its code when it has one.
#[derive(Debug)]
struct Failure {
    code: Option<String>,
    message: String,
}

impl Target {
    pub fn new(url: String, token: String) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(1024)
            .build()?;
        Ok(Self {
            client,
            url,
            auth: format!("Bearer {token}"),
        })
    }

    async fn post(&self, query: &str, variables: Value) -> Result<Value, Failure> {
        self.post_as::<Value>(query, variables)
            .await
            .map(|data| data.unwrap_or(Value::Null))
    }

    /// Posts one operation and reads its answer as `T`. A scenario that does not look at its
    /// answer reads it as [`serde::de::IgnoredAny`]: the body is still checked to be JSON, and
    /// its `errors` still fail the request, but no tree is built. The clients share the
    /// machine with the server: before this, they spent about 3 ms of CPU per dashboard, a
    /// sixth of what the server spent.
    async fn post_as<T: serde::de::DeserializeOwned>(
        &self,
        query: &str,
        variables: Value,
    ) -> Result<Option<T>, Failure> {
        #[derive(serde::Deserialize)]
        struct Envelope<T> {
            data: Option<T>,
            #[serde(default)]
            errors: Vec<Value>,
        }
        let response = self
            .client
            .post(&self.url)
            .header("authorization", &self.auth)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|e| Failure {
                code: None,
                message: format!("transport: {e}"),
            })?;
        let status = response.status();
        let body: Envelope<T> = response.json().await.map_err(|e| Failure {
            code: None,
            message: format!("HTTP {status}: unreadable body: {e}"),
        })?;
        if let Some(error) = body.errors.first() {
            return Err(Failure {
                code: error
                    .pointer("/extensions/code")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                message: error.to_string(),
            });
        }
        if !status.is_success() {
            return Err(Failure {
                code: None,
                message: format!("HTTP {status}"),
            });
        }
        Ok(body.data)
    }

    /// Polls until the server answers (bounded: 100 tries over at most 10 s).
    pub async fn first_answer(&self) -> anyhow::Result<()> {
        let mut last = String::new();
        for _ in 0..100 {
            match self.post("{ __typename }", json!({})).await {
                Ok(_) => return Ok(()),
                Err(f) => last = f.message,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        anyhow::bail!("the server did not answer: {last}")
    }

    /// One trivial authenticated request.
    pub async fn typename(&self) -> anyhow::Result<()> {
        self.post("{ __typename }", json!({}))
            .await
            .map(|_| ())
            .map_err(|f| anyhow::anyhow!(f.message))
    }
}

fn global_id(kind: &str, local: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{local}"))
}

/// A per-client generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const DASHBOARD: &str = r#"query Dashboard($ids: [ID!]) {
  organisations(first: 10, filter: { ids: $ids }) {
    nodes {
      id name { fr } category
      partnerships(first: 2) {
        nodes {
          id status
          agreements(first: 5) {
            nodes {
              id title { fr } status signedOn
              parties(first: 5) { nodes { id role } }
              commitments(first: 5) { nodes { id kind status } }
              projects(first: 3) {
                nodes {
                  id title { fr } statusCode
                  trainingSessions(first: 3) {
                    nodes { id audience startDate tallies { sex enrolled attended completed } }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}"#;

const LIST: &str = r#"query List($text: String!, $after: String) {
  agreements(first: 20, after: $after, filter: { titleContains: $text },
             orderBy: [{ field: SIGNED_ON, direction: DESC }]) {
    nodes { id title { fr } status signedOn effectiveTo }
    pageInfo { hasNextPage endCursor }
  }
}"#;

const NODE: &str = r#"query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Organisation { name { fr } category version }
    ... on Agreement { title { fr } status signedOn }
    ... on Project { title { fr } statusCode }
    ... on TrainingSession { audience startDate contactHours }
  }
}"#;

const ORG_VERSION: &str = r#"query Version($id: ID!) {
  node(id: $id) { ... on Organisation { version } }
}"#;

const UPDATE: &str = r#"mutation Update($input: UpdateOrganisationInput!) {
  updateOrganisation(input: $input) { id version website }
}"#;

/// Statements of one `stats` request answered afresh (see [`Scenario::expected_statements`]).
const STATS_STATEMENTS: u64 = 4;

const STATS: &str = r#"query Stats($period: DateRange) {
  stats {
    trainingReach(groupBy: [REGION, YEAR], filter: { period: $period }) {
      rows {
        region year sessions
        participants { value display suppressed }
        femaleParticipants { value display suppressed }
        completed { value display suppressed }
        participantHours femaleShare completionRate
      }
      total { sessions participants { value } femaleParticipants { value } femaleShare }
      suppressionThreshold
    }
    resources(filter: { period: $period }) {
      byContributor { contributor contributionType year count amount { currency value } }
      funnel { currency }
      cashInKind { cash count amount { currency value } }
    }
  }
}"#;

const SEARCH: &str = r#"query Search($query: String!, $types: [SearchType!], $lang: Lang) {
  search(query: $query, types: $types, lang: $lang, first: 10) {
    totalCount
    nodes { type field lang matched score snippet record { id } }
  }
}"#;

/// A search query: the text people type, the one kind of record asked for, and the language.
struct SearchQuery {
    query: fn(u64) -> String,
    kind: &'static str,
    lang: Option<&'static str>,
}

/// What the `search` scenario rotates through, built from the names `data` generates
/// (organisations "شريك n" / "Partenaire <word> n" / "Partner n", agreements "اتفاقية n" /
/// "Convention n : <word>" / "Agreement n", projects "Projet n : <word>", sites
/// "Établissement n"); `n` is a record number drawn within the scale.
const SEARCHES: [SearchQuery; 9] = [
    SearchQuery {
        query: |n| format!("شريك {n}"),
        kind: "ORGANISATION",
        lang: Some("AR"),
    },
    SearchQuery {
        query: |n| format!("اتفاقية {n}"),
        kind: "AGREEMENT",
        lang: Some("AR"),
    },
    SearchQuery {
        query: |n| format!("Partenaire {n}"),
        kind: "ORGANISATION",
        lang: Some("FR"),
    },
    SearchQuery {
        query: |n| format!("Convention {n}"),
        kind: "AGREEMENT",
        lang: Some("FR"),
    },
    // Accent-less: "Établissement", "réinsertion".
    SearchQuery {
        query: |n| format!("etablissement {n}"),
        kind: "SITE",
        lang: None,
    },
    SearchQuery {
        query: |_| "reinsertion".to_owned(),
        kind: "PROJECT",
        lang: Some("FR"),
    },
    // A misspelling of "Partner".
    SearchQuery {
        query: |n| format!("Parnter {n}"),
        kind: "ORGANISATION",
        lang: Some("EN"),
    },
    SearchQuery {
        query: |n| format!("Agreement {n}"),
        kind: "AGREEMENT",
        lang: Some("EN"),
    },
    SearchQuery {
        query: |n| format!("Project {n}"),
        kind: "PROJECT",
        lang: None,
    },
];

/// What one client measured.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
    error_samples: Vec<String>,
    mutations: u64,
    conflicts: u64,
}

impl Tally {
    fn record<T>(&mut self, started: Instant, result: &Result<T, Failure>, measuring: bool) {
        if !measuring {
            return;
        }
        self.latencies_us
            .push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
        if let Err(f) = result {
            self.errors += 1;
            if self.error_samples.len() < 3 {
                self.error_samples
                    .push(f.message.chars().take(300).collect());
            }
        }
    }
}

struct Ctx {
    target: Target,
    scale: Scale,
    measuring: std::sync::atomic::AtomicBool,
    stop: std::sync::atomic::AtomicBool,
    mutation_seq: AtomicU64,
}

async fn dashboard(ctx: &Ctx, rng: &mut Rng, tally: &mut Tally) {
    let orgs = ctx.scale.organisations;
    let first = rng.below(orgs);
    let ids: Vec<String> = (0..10.min(orgs))
        .map(|k| global_id("Organisation", &data::org_id((first + k * 7) % orgs)))
        .collect();
    let measuring = ctx.measuring.load(Ordering::Relaxed);
    let started = Instant::now();
    let result = ctx
        .target
        .post_as::<serde::de::IgnoredAny>(DASHBOARD, json!({ "ids": ids }))
        .await;
    tally.record(started, &result, measuring);
}

async fn list(ctx: &Ctx, rng: &mut Rng, tally: &mut Tally) {
    // One walk: up to 5 pages of a text-filtered, ordered list; each page is a request.
    let text = data::WORDS[rng.below(data::WORDS.len() as u64) as usize];
    let mut after: Option<String> = None;
    for _ in 0..5 {
        if ctx.stop.load(Ordering::Relaxed) {
            return;
        }
        let measuring = ctx.measuring.load(Ordering::Relaxed);
        let started = Instant::now();
        let result = ctx
            .target
            .post(LIST, json!({ "text": text, "after": after }))
            .await;
        tally.record(started, &result, measuring);
        let Ok(data) = result else { return };
        let page = &data["agreements"]["pageInfo"];
        match (page["hasNextPage"].as_bool(), page["endCursor"].as_str()) {
            (Some(true), Some(cursor)) => after = Some(cursor.to_owned()),
            _ => return,
        }
    }
}

fn random_node(scale: &Scale, rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => global_id(
            "Organisation",
            &data::org_id(rng.below(scale.organisations)),
        ),
        1 => global_id(
            "Agreement",
            &data::agreement_id(rng.below(scale.agreements)),
        ),
        2 => global_id("Project", &data::project_id(rng.below(scale.projects))),
        _ => global_id(
            "TrainingSession",
            &data::session_id(rng.below(scale.sessions)),
        ),
    }
}

async fn node(ctx: &Ctx, rng: &mut Rng, tally: &mut Tally) {
    let id = random_node(&ctx.scale, rng);
    let measuring = ctx.measuring.load(Ordering::Relaxed);
    let started = Instant::now();
    let result = ctx.target.post(NODE, json!({ "id": id })).await;
    if let Ok(data) = &result
        && data["node"].is_null()
    {
        let failure: Result<Value, Failure> = Err(Failure {
            code: None,
            message: format!("node {id} not found"),
        });
        tally.record(started, &failure, measuring);
        return;
    }
    tally.record(started, &result, measuring);
}

/// Reads the organisation's version and updates it, retrying on `CONFLICT` (at most 5 times).
async fn mutate(ctx: &Ctx, rng: &mut Rng, tally: &mut Tally) {
    let id = global_id(
        "Organisation",
        &data::org_id(rng.below(ctx.scale.organisations)),
    );
    for _ in 0..5 {
        let measuring = ctx.measuring.load(Ordering::Relaxed);
        let started = Instant::now();
        let read = ctx.target.post(ORG_VERSION, json!({ "id": id })).await;
        tally.record(started, &read, measuring);
        let Ok(data) = read else { return };
        let Some(version) = data["node"]["version"].as_i64() else {
            return;
        };
        let n = ctx.mutation_seq.fetch_add(1, Ordering::Relaxed);
        let input = json!({
            "id": id,
            "expectedVersion": version,
            "website": format!("https://bench.example.org/{n}"),
        });
        let measuring = ctx.measuring.load(Ordering::Relaxed);
        let started = Instant::now();
        let result = ctx.target.post(UPDATE, json!({ "input": input })).await;
        if measuring {
            tally.mutations += 1;
        }
        match &result {
            Err(f) if f.code.as_deref() == Some("CONFLICT") => {
                if measuring {
                    tally.conflicts += 1;
                    tally
                        .latencies_us
                        .push(u32::try_from(started.elapsed().as_micros()).unwrap_or(u32::MAX));
                }
            }
            _ => {
                tally.record(started, &result, measuring);
                return;
            }
        }
    }
}

async fn mixed(ctx: &Ctx, rng: &mut Rng, tally: &mut Tally) {
    match rng.below(20) {
        // Two requests (read the version, update): about 10% of requests are mutations.
        0..=1 => mutate(ctx, rng, tally).await,
        2..=4 => dashboard(ctx, rng, tally).await,
        5..=9 => list_page(ctx, rng, tally).await,
        _ => node(ctx, rng, tally).await,
    }
}

/// The dashboard's aggregates over a period of one to five years starting between 2010 and
/// 2025 (the generated dates' span), so that consecutive requests differ.
async fn stats(ctx: &Ctx, rng: &mut Rng, tally: &mut Tally) {
    let from = 2010 + rng.below(16);
    let to = from + rng.below(5);
    let period = json!({ "from": from.to_string(), "to": to.to_string() });
    let measuring = ctx.measuring.load(Ordering::Relaxed);
    let started = Instant::now();
    let result = ctx
        .target
        .post_as::<serde::de::IgnoredAny>(STATS, json!({ "period": period }))
        .await;
    tally.record(started, &result, measuring);
}

/// One search from [`SEARCHES`]; a search that finds nothing counts as an error (every query
/// is built from names the data set holds, misspelled or not).
async fn search(ctx: &Ctx, rng: &mut Rng, tally: &mut Tally) {
    let s = &SEARCHES[rng.below(SEARCHES.len() as u64) as usize];
    let count = match s.kind {
        "ORGANISATION" => ctx.scale.organisations,
        "AGREEMENT" => ctx.scale.agreements,
        "PROJECT" => ctx.scale.projects,
        _ => ctx.scale.sites,
    };
    let query = (s.query)(rng.below(count));
    let measuring = ctx.measuring.load(Ordering::Relaxed);
    let started = Instant::now();
    let result = ctx
        .target
        .post(
            SEARCH,
            json!({ "query": query, "types": [s.kind], "lang": s.lang }),
        )
        .await;
    if let Ok(data) = &result
        && data["search"]["nodes"]
            .as_array()
            .is_none_or(|nodes| nodes.is_empty())
    {
        let failure: Result<Value, Failure> = Err(Failure {
            code: None,
            message: format!("search {query:?} ({}) found nothing", s.kind),
        });
        tally.record(started, &failure, measuring);
        return;
    }
    tally.record(started, &result, measuring);
}

/// The first page of a text-filtered list.
async fn list_page(ctx: &Ctx, rng: &mut Rng, tally: &mut Tally) {
    let text = data::WORDS[rng.below(data::WORDS.len() as u64) as usize];
    let measuring = ctx.measuring.load(Ordering::Relaxed);
    let started = Instant::now();
    let result = ctx
        .target
        .post(LIST, json!({ "text": text, "after": null }))
        .await;
    tally.record(started, &result, measuring);
}

/// This process's threads' CPU seconds, for the threads whose name starts with one of
/// `prefixes` (the server runtime's workers and SQLite's connection threads).
fn cpu_seconds(prefixes: &[&str]) -> Option<f64> {
    let ticks = 100.0; // USER_HZ: 100 on every Linux this runs on.
    let mut total = 0u64;
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        let path = entry.ok()?.path();
        let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
            continue;
        };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = &stat[open + 1..close];
        if !prefixes.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        // After the name: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
        // cmajflt utime stime (fields 14 and 15 of the whole line).
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        total += utime + stime;
    }
    Some(total as f64 / ticks)
}

const SERVER_THREADS: [&str; 2] = ["bench-server", "sqlx-sqlite"];

/// Resets this process's peak resident memory to its current size (Linux 4.0 and later:
/// writing `5` to `/proc/self/clear_refs`); whether it could.
pub fn reset_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident memory of this process (`VmHWM`), in MiB.
pub fn vm_hwm_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

/// Runs one scenario: `clients` concurrent clients for the warm-up, then for `duration`.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    scenario: Scenario,
    target: &Target,
    scale: &Scale,
    seed: u64,
    clients: usize,
    duration: Duration,
    warmup: Duration,
    counter: Option<&StatementCounter>,
    baseline: Option<u64>,
    answers: Option<&AnswerCache>,
) -> anyhow::Result<Outcome> {
    eprintln!(
        "== {} ({clients} clients, {} s)",
        scenario.name(),
        duration.as_secs()
    );
    let ctx = Arc::new(Ctx {
        target: target.clone(),
        scale: *scale,
        measuring: std::sync::atomic::AtomicBool::new(warmup.is_zero()),
        stop: std::sync::atomic::AtomicBool::new(false),
        mutation_seq: AtomicU64::new(seed << 20),
    });
    let statements_alone = match (counter, scenario.expected_statements()) {
        (Some(c), Some(_)) => {
            let mut rng = Rng(seed);
            let mut tally = Tally::default();
            c.reset();
            match scenario {
                Scenario::Dashboard => dashboard(&ctx, &mut rng, &mut tally).await,
                Scenario::List => list_page(&ctx, &mut rng, &mut tally).await,
                Scenario::Stats => stats(&ctx, &mut rng, &mut tally).await,
                Scenario::Search => search(&ctx, &mut rng, &mut tally).await,
                _ => node(&ctx, &mut rng, &mut tally).await,
            }
            Some(c.get())
        }
        _ => None,
    };
    let kept_count = || answers.map(|a| (a.hits(), a.misses()));
    let mut kept_before = kept_count();
    if warmup.is_zero()
        && let Some(c) = counter
    {
        c.reset();
        kept_before = kept_count();
    }
    let cpu_at_spawn = counter.and_then(|_| cpu_seconds(&SERVER_THREADS));
    let mut handles = Vec::with_capacity(clients);
    for c in 0..clients {
        let ctx = ctx.clone();
        let mut rng = Rng(seed
            ^ (c as u64 + 1).wrapping_mul(0x5851_F42D_4C95_7F2D)
            ^ ((scenario as u64) << 56));
        handles.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            // Bounded in count as well as in time.
            for _ in 0..10_000_000u64 {
                if ctx.stop.load(Ordering::Relaxed) {
                    break;
                }
                match scenario {
                    Scenario::Dashboard => dashboard(&ctx, &mut rng, &mut tally).await,
                    Scenario::List => list(&ctx, &mut rng, &mut tally).await,
                    Scenario::Node => node(&ctx, &mut rng, &mut tally).await,
                    Scenario::Mixed => mixed(&ctx, &mut rng, &mut tally).await,
                    Scenario::Stats => stats(&ctx, &mut rng, &mut tally).await,
                    Scenario::Search => search(&ctx, &mut rng, &mut tally).await,
                }
            }
            tally
        }));
    }
    tokio::time::sleep(warmup).await;
    // In-flight requests of the warm-up are not counted; statements are counted from here, so
    // a request straddling either edge may shift the per-request count by a fraction.
    let cpu_before = if warmup.is_zero() {
        cpu_at_spawn
    } else {
        if let Some(c) = counter {
            c.reset();
        }
        kept_before = kept_count();
        counter.and_then(|_| cpu_seconds(&SERVER_THREADS))
    };
    let started = Instant::now();
    ctx.measuring.store(true, Ordering::Relaxed);
    tokio::time::sleep(duration).await;
    ctx.stop.store(true, Ordering::Relaxed);
    let mut all = Tally::default();
    for handle in handles {
        let tally = handle.await.context("a client panicked")?;
        all.latencies_us.extend(tally.latencies_us);
        all.errors += tally.errors;
        all.mutations += tally.mutations;
        all.conflicts += tally.conflicts;
        for sample in tally.error_samples {
            if all.error_samples.len() < 3 {
                all.error_samples.push(sample);
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let statements = counter.map(StatementCounter::get);
    let kept_answers = match (
        kept_before,
        kept_count(),
        baseline,
        scenario.kept_statements(),
    ) {
        (Some((hits, misses)), Some((hits_after, misses_after)), Some(b), Some(per_hit)) => {
            Some(KeptAnswers {
                hits: hits_after - hits,
                misses: misses_after - misses,
                statements_per_hit: b + per_hit,
            })
        }
        _ => None,
    };
    let cpu_after = counter.and_then(|_| cpu_seconds(&SERVER_THREADS));
    let requests = all.latencies_us.len() as u64;
    all.latencies_us.sort_unstable();
    let per_request = |total: f64| (requests > 0).then(|| total / requests as f64);
    Ok(Outcome {
        scenario: scenario.name(),
        requests,
        seconds: elapsed,
        requests_per_second: requests as f64 / elapsed,
        p50_ms: percentile(&all.latencies_us, 50.0),
        p95_ms: percentile(&all.latencies_us, 95.0),
        p99_ms: percentile(&all.latencies_us, 99.0),
        max_ms: percentile(&all.latencies_us, 100.0),
        errors: all.errors,
        error_samples: all.error_samples,
        statements_per_request: statements.and_then(|s| per_request(s as f64)),
        statements_alone,
        expected_statements: baseline.and_then(|b| scenario.expected_statements().map(|e| b + e)),
        kept_answers,
        server_cpu_seconds_per_1000: match (cpu_before, cpu_after) {
            (Some(b), Some(a)) => per_request((a - b) * 1000.0),
            _ => None,
        },
        mutations: all.mutations,
        conflicts_retried: all.conflicts,
        peak_memory_mib: None,
    })
}

/// The dashboard cut at each depth, run alone: the statements each level adds (the profile of
/// the dashboard's statement count).
pub async fn dashboard_levels(
    target: &Target,
    counter: &StatementCounter,
    scale: &Scale,
) -> anyhow::Result<Vec<(&'static str, i64)>> {
    const LEVELS: [(&str, &str, &str); 8] = [
        (
            "organisations",
            "organisations(first: 10, filter: { ids: $ids }) { nodes { id ",
            "} }",
        ),
        (
            "partnerships",
            "partnerships(first: 2) { nodes { id ",
            "} }",
        ),
        ("agreements", "agreements(first: 5) { nodes { id ", "} }"),
        ("parties", "parties(first: 5) { nodes { id } } ", ""),
        ("commitments", "commitments(first: 5) { nodes { id } } ", ""),
        ("projects", "projects(first: 3) { nodes { id ", "} }"),
        (
            "trainingSessions",
            "trainingSessions(first: 3) { nodes { id ",
            "} }",
        ),
        ("tallies", "tallies { sex } ", ""),
    ];
    let ids: Vec<String> = (0..10.min(scale.organisations))
        .map(|k| global_id("Organisation", &data::org_id(k)))
        .collect();
    let mut out = Vec::new();
    let mut previous = None;
    for depth in 1..=LEVELS.len() {
        let mut query = String::from("query Levels($ids: [ID!]) { ");
        for (_, open, _) in &LEVELS[..depth] {
            query.push_str(open);
        }
        for (_, _, close) in LEVELS[..depth].iter().rev() {
            query.push_str(close);
        }
        query.push_str(" }");
        counter.reset();
        target
            .post(&query, json!({ "ids": ids }))
            .await
            .map_err(|f| anyhow::anyhow!("level {depth}: {}", f.message))?;
        // Signed: with batching split by timing (`--loader-delay-ms 0`), a deeper query may
        // run fewer statements than the one before it.
        let total = i64::try_from(counter.get()).unwrap_or(i64::MAX);
        out.push((LEVELS[depth - 1].0, total - previous.unwrap_or(0)));
        previous = Some(total);
    }
    Ok(out)
}
