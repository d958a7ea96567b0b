//! Dashboard answers kept until the data changes (`SHARAKA_ANSWER_CACHE_BYTES`).
//!
//! A `stats` answer is computed from hundreds of thousands of rows and is about a megabyte of
//! JSON at scale M; building it is mostly GraphQL values and their serialisation, which no
//! index makes cheaper. Dashboards ask the same few questions over and over, far more often than
//! the data changes. So the HTTP transport keeps the serialised answers of queries that select
//! only `stats`, and serves them again while nothing has changed.
//!
//! **When an answer is served again.** Only to a request that is the same in everything the
//! answer depends on ([`AnswerKey`]): the data's generation, the UTC day (some figures count
//! from today), the principal (what it may see), the language, and the query, operation name
//! and variables. The generation is the id of the newest outbox event, read for every such
//! request (one indexed statement). Every change Sharaka makes writes its event in the change's
//! own transaction, and event ids become visible in increasing order (see
//! `sharaka_persistence::outbox`), so an answer computed after reading generation `g` holds
//! every change up to `g`: it may be newer than its key, never older. Pruning the outbox keeps
//! its newest event, so the generation never goes back. Changes made behind Sharaka's back (SQL
//! typed into the database) are not events: an answer is kept at most [`MAX_AGE`].
//!
//! **What is kept.** Answers without errors, gzip-compressed (a megabyte of figures is about a
//! tenth of that compressed), within a budget of bytes; the least recently used go first. A
//! client that accepts gzip is sent the kept bytes as they are; any other gets them inflated.

use std::io::{Read as _, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use axum::body::Bytes;
use sharaka_domain::{Lang, Principal};

/// The longest an answer is served again, whatever the generation says.
pub const MAX_AGE: Duration = Duration::from_secs(300);

/// The top-level field whose answers are kept (beside `__typename`): only figures from the
/// store, as of the day.
const KEPT_FIELD: &str = "stats";

/// Everything a kept answer depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AnswerKey {
    generation: i64,
    day: chrono::NaiveDate,
    principal: Principal,
    lang: Lang,
    query: String,
    operation: Option<String>,
    variables: String,
}

impl AnswerKey {
    /// The key of `request` asked by `principal` in `lang` at data generation `generation`.
    pub fn new(
        generation: i64,
        principal: &Principal,
        lang: Lang,
        request: &async_graphql::Request,
    ) -> Self {
        Self {
            generation,
            day: chrono::Utc::now().date_naive(),
            principal: principal.clone(),
            lang,
            query: request.query.clone(),
            operation: request.operation_name.clone(),
            // The variables as sent (their order included): a different order only misses.
            variables: serde_json::to_string(&request.variables).unwrap_or_default(),
        }
    }

    fn weight(&self) -> usize {
        self.query.len() + self.variables.len() + std::mem::size_of::<Self>()
    }
}

/// Whether the operation `request` selects is a query of kept fields only.
pub fn is_kept(request: &mut async_graphql::Request) -> bool {
    let wanted = request.operation_name.clone();
    match request.parsed_query() {
        Ok(document) => selects_kept_fields(document, wanted.as_deref()),
        Err(_) => false,
    }
}

fn selects_kept_fields(document: &ExecutableDocument, operation_name: Option<&str>) -> bool {
    let selected = document
        .operations
        .iter()
        .find(|(name, _)| match (operation_name, name) {
            (Some(wanted), Some(name)) => wanted == name.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        });
    let Some((_, operation)) = selected else {
        return false;
    };
    let operation = &operation.node;
    let items = &operation.selection_set.node.items;
    operation.ty == OperationType::Query
        && items
            .iter()
            .any(|item| field_name(&item.node) == Some(KEPT_FIELD))
        && items.iter().all(|item| {
            field_name(&item.node).is_some_and(|n| n == KEPT_FIELD || n == "__typename")
        })
}

fn field_name(selection: &Selection) -> Option<&str> {
    match selection {
        Selection::Field(field) => Some(field.node.name.node.as_str()),
        _ => None,
    }
}

struct Kept {
    gzip: Bytes,
    stored: Instant,
}

struct Entries {
    lru: lru::LruCache<AnswerKey, Kept>,
    bytes: usize,
}

/// The kept answers of one server (cheap to clone: shared).
#[derive(Clone)]
pub struct AnswerCache {
    entries: Option<Arc<Mutex<Entries>>>,
    budget: usize,
    hits: Arc<AtomicU64>,
    misses: Arc<AtomicU64>,
}

impl std::fmt::Debug for AnswerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerCache")
            .field("budget", &self.budget)
            .field("bytes", &self.bytes())
            .field("hits", &self.hits())
            .field("misses", &self.misses())
            .finish()
    }
}

/// A kept answer, compressed.
#[derive(Debug, Clone)]
pub struct KeptAnswer(Bytes);

impl KeptAnswer {
    /// The answer gzip-compressed, as kept.
    pub fn gzip(&self) -> Bytes {
        self.0.clone()
    }

    /// The answer's JSON (`None` if the kept bytes could not be inflated, which would be a bug:
    /// the caller then answers afresh).
    pub fn json(&self) -> Option<Vec<u8>> {
        let mut json = Vec::with_capacity(self.0.len() * 8);
        flate2::read::GzDecoder::new(&self.0[..])
            .read_to_end(&mut json)
            .ok()?;
        Some(json)
    }
}

impl AnswerCache {
    /// A cache holding at most `budget` bytes of compressed answers and their keys (0: keeps
    /// nothing).
    pub fn new(budget: usize) -> Self {
        Self {
            entries: (budget > 0).then(|| {
                Arc::new(Mutex::new(Entries {
                    lru: lru::LruCache::unbounded(),
                    bytes: 0,
                }))
            }),
            budget,
            hits: Arc::default(),
            misses: Arc::default(),
        }
    }

    /// Whether answers are kept at all.
    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The answer kept for `key`, if it is younger than [`MAX_AGE`]; counts a hit or a miss.
    pub fn get(&self, key: &AnswerKey) -> Option<KeptAnswer> {
        let entries = self.entries.as_ref()?;
        let found = {
            let mut entries = lock(entries);
            match entries.lru.get(key) {
                Some(kept) if kept.stored.elapsed() < MAX_AGE => {
                    Some(KeptAnswer(kept.gzip.clone()))
                }
                Some(_) => {
                    if let Some(old) = entries.lru.pop(key) {
                        entries.bytes -= old.gzip.len() + key.weight();
                    }
                    None
                }
                None => None,
            }
        };
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        crate::metrics::answer_cache(found.is_some());
        found
    }

    /// Keeps `json` (a complete answer without errors) for `key`, evicting the least recently
    /// used answers to stay within the budget. An answer larger than the budget is not kept.
    pub fn put(&self, key: AnswerKey, json: &[u8]) {
        let Some(entries) = &self.entries else {
            return;
        };
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 8),
            flate2::Compression::fast(),
        );
        let Ok(gzip) = encoder.write_all(json).and_then(|()| encoder.finish()) else {
            return;
        };
        let weight = gzip.len() + key.weight();
        if weight > self.budget {
            return;
        }
        let mut entries = lock(entries);
        let kept = Kept {
            gzip: Bytes::from(gzip),
            stored: Instant::now(),
        };
        if let Some(old) = entries.lru.put(key.clone(), kept) {
            entries.bytes -= old.gzip.len() + key.weight();
        }
        entries.bytes += weight;
        while entries.bytes > self.budget {
            match entries.lru.pop_lru() {
                Some((old_key, old)) => entries.bytes -= old.gzip.len() + old_key.weight(),
                None => break,
            }
        }
    }

    /// Bytes held (compressed answers and their keys).
    pub fn bytes(&self) -> usize {
        self.entries.as_ref().map_or(0, |e| lock(e).bytes)
    }

    /// Answers held.
    pub fn len(&self) -> usize {
        self.entries.as_ref().map_or(0, |e| lock(e).lru.len())
    }

    /// Whether no answer is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Requests served a kept answer.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Requests that could have been served a kept answer and were not.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }
}

fn lock(entries: &Mutex<Entries>) -> std::sync::MutexGuard<'_, Entries> {
    // A panic while holding the lock leaves consistent entries (every update is one step).
    entries
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether an `Accept-Encoding` value accepts gzip (`gzip` or `*`, with a non-zero quality).
pub fn accepts_gzip(accept_encoding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str, variables: serde_json::Value) -> async_graphql::Request {
        async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(variables))
    }

    fn key(generation: i64, principal: &Principal, query: &str) -> AnswerKey {
        AnswerKey::new(
            generation,
            principal,
            Lang::Fr,
            &request(query, serde_json::json!({})),
        )
    }

    fn admin() -> Principal {
        Principal::with_role("admin", sharaka_domain::Role::Admin)
    }

    #[test]
    fn only_queries_of_stats_are_kept() {
        let kept = |query: &str, name: Option<&str>| {
            let mut request = async_graphql::Request::new(query);
            if let Some(name) = name {
                request = request.operation_name(name);
            }
            is_kept(&mut request)
        };
        assert!(kept("{ stats { landscape { total } } }", None));
        assert!(kept(
            "query S { __typename figures: stats { landscape { total } } }",
            None
        ));
        assert!(!kept("{ stats { landscape { total } } me { role } }", None));
        assert!(!kept("{ __typename }", None));
        assert!(!kept(
            "{ ...F } fragment F on Query { stats { landscape { total } } }",
            None
        ));
        assert!(!kept("mutation { stats }", None));
        assert!(!kept("{ stats {", None));
        // The operation the request names, not the first one.
        let two = "query A { stats { landscape { total } } } query B { node(id: \"x\") { id } }";
        assert!(kept(two, Some("A")));
        assert!(!kept(two, Some("B")));
        assert!(!kept(two, Some("C")));
    }

    #[test]
    fn an_answer_is_served_again_only_for_the_same_key() {
        let cache = AnswerCache::new(1 << 20);
        let admin = admin();
        let query = "{ stats { landscape { total } } }";
        assert!(cache.get(&key(7, &admin, query)).is_none());
        cache.put(key(7, &admin, query), br#"{"data":{"stats":1}}"#);
        let kept = cache.get(&key(7, &admin, query)).expect("kept");
        assert_eq!(
            kept.json().as_deref(),
            Some(&br#"{"data":{"stats":1}}"#[..])
        );
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(&kept.gzip()[..])
            .read_to_end(&mut inflated)
            .expect("gzip");
        assert_eq!(inflated, br#"{"data":{"stats":1}}"#);

        // Another generation, principal, language or variables is another answer.
        assert!(cache.get(&key(8, &admin, query)).is_none());
        let partner = Principal {
            organisation: Some(sharaka_domain::OrganisationId::from_trusted("org:a".into())),
            ..Principal::with_role("admin", sharaka_domain::Role::Partner)
        };
        assert!(cache.get(&key(7, &partner, query)).is_none());
        let english = AnswerKey::new(7, &admin, Lang::En, &request(query, serde_json::json!({})));
        assert!(cache.get(&english).is_none());
        let period = AnswerKey::new(
            7,
            &admin,
            Lang::Fr,
            &request(query, serde_json::json!({ "from": "2020" })),
        );
        assert!(cache.get(&period).is_none());
        assert_eq!((cache.hits(), cache.misses()), (1, 5));
    }

    #[test]
    fn the_budget_evicts_the_least_recently_used() {
        let admin = admin();
        // Incompressible answers, so that their size is known.
        let answer = |seed: u64| -> Vec<u8> {
            let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            (0..4096)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect()
        };
        let cache = AnswerCache::new(10_000);
        for n in 0..3 {
            cache.put(key(n, &admin, "{ stats }"), &answer(n as u64));
            assert!(cache.bytes() <= 10_000, "within the budget");
        }
        // Two fit: the first went.
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&key(0, &admin, "{ stats }")).is_none());
        // Reading the second makes the third the least recently used.
        assert!(cache.get(&key(1, &admin, "{ stats }")).is_some());
        cache.put(key(3, &admin, "{ stats }"), &answer(3));
        assert!(cache.get(&key(1, &admin, "{ stats }")).is_some());
        assert!(cache.get(&key(2, &admin, "{ stats }")).is_none());

        // Larger than the whole budget: not kept, nothing evicted.
        cache.put(
            key(4, &admin, "{ stats }"),
            &[answer(4), answer(5), answer(6)].concat(),
        );
        assert!(cache.get(&key(4, &admin, "{ stats }")).is_none());
        assert_eq!(cache.len(), 2);

        // A budget of zero keeps nothing.
        let off = AnswerCache::new(0);
        off.put(key(0, &admin, "{ stats }"), b"{}");
        assert!(!off.enabled());
        assert!(off.get(&key(0, &admin, "{ stats }")).is_none());
    }

    #[test]
    fn gzip_is_accepted_unless_refused() {
        assert!(accepts_gzip("gzip"));
        assert!(accepts_gzip("br, GZIP;q=0.5"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("br"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(!accepts_gzip("gzip; q=0.0, br"));
        assert!(!accepts_gzip(""));
    }
}
