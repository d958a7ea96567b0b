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
//! fifteenth of that compressed), within a budget of bytes; the least recently used go first.
//! A client that accepts gzip is sent the kept bytes as they are; any other gets them inflated
//! a chunk at a time as it reads them.
//!
//! **Computed once.** While one request computes an answer, the others asking the same
//! question wait for it (see [`AnswerCache::lookup`]).
//!
//! **Revalidated.** Each kept answer has a weak entity tag naming that computation of it; over
//! `GET` the HTTP transport sends it, and answers `304 Not Modified` to an `If-None-Match` that
//! names the answer still kept ([`AnswerCache::current`]).
//!
//! Only the HTTP transport keeps answers: WebSocket queries and the in-process API
//! ([`crate::App::execute_as`]) always answer afresh.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection};
use axum::body::Bytes;
use sharaka_domain::{Lang, Principal};

/// The size of the chunks a kept answer is inflated in for a client that does not accept gzip.
const CHUNK: usize = 64 * 1024;

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

    /// A weak entity tag naming the answer to this key computed at `computed`: a recomputed
    /// answer (after [`MAX_AGE`], or an eviction) gets a new one, so that a change made behind
    /// Sharaka's back is not hidden behind `304 Not Modified` for longer than it is behind a
    /// kept answer.
    fn etag(&self, computed: std::time::SystemTime) -> Arc<str> {
        use std::hash::{Hash as _, Hasher as _};
        let mut hasher = std::hash::DefaultHasher::new();
        self.hash(&mut hasher);
        computed.hash(&mut hasher);
        Arc::from(format!("W/\"{:016x}\"", hasher.finish()))
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
    let Some((_, operation)) = crate::operation_named(document, operation_name) else {
        return false;
    };
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
    answer: KeptAnswer,
    stored: Instant,
}

impl Kept {
    fn fresh(&self) -> bool {
        self.stored.elapsed() < MAX_AGE
    }
}

impl Entries {
    /// The answer kept for `key` if it is still fresh (a stale one is dropped).
    fn fresh(&mut self, key: &AnswerKey) -> Option<&KeptAnswer> {
        if self.lru.peek(key).is_some_and(|kept| !kept.fresh()) {
            if let Some(old) = self.lru.pop(key) {
                self.bytes -= weight(key, &old.answer);
            }
            return None;
        }
        self.lru.get(key).map(|kept| &kept.answer)
    }
}

/// The bytes an answer and its key hold.
fn weight(key: &AnswerKey, answer: &KeptAnswer) -> usize {
    answer.gzip.len() + key.weight()
}

struct Entries {
    lru: lru::LruCache<AnswerKey, Kept>,
    bytes: usize,
    /// Answers being computed, for the requests that wait for them.
    computing: HashMap<AnswerKey, tokio::sync::watch::Receiver<Option<KeptAnswer>>>,
}

/// What a request whose answer may be kept does (see [`AnswerCache::lookup`]).
#[derive(Debug)]
pub enum Lookup {
    /// Serve this kept answer.
    Kept(KeptAnswer),
    /// Answer afresh, then hand the answer to [`Computing::finish`] if it has no errors.
    Compute(Computing),
}

/// An answer being computed. Dropped without [`Computing::finish`] (the request failed, or its
/// answer had errors), it lets the requests waiting for it compute their own.
#[derive(Debug)]
pub struct Computing {
    cache: AnswerCache,
    key: Option<AnswerKey>,
    waiting: Option<tokio::sync::watch::Sender<Option<KeptAnswer>>>,
}

impl Computing {
    /// Keeps the answer's JSON and hands it to the requests waiting for it; returns its entity
    /// tag (`None` when no answer is kept at all).
    pub fn finish(mut self, json: &[u8]) -> Option<Arc<str>> {
        let key = self.key.take()?;
        let kept = self.cache.put(key.clone(), json);
        let etag = kept.as_ref().map(|k| k.etag.clone());
        if let Some(waiting) = self.waiting.take() {
            waiting.send_replace(kept);
            self.cache.done_computing(&key);
        }
        etag
    }
}

impl Drop for Computing {
    fn drop(&mut self) {
        if self.waiting.take().is_some()
            && let Some(key) = &self.key
        {
            self.cache.done_computing(key);
        }
    }
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
pub struct KeptAnswer {
    gzip: Bytes,
    etag: Arc<str>,
}

impl KeptAnswer {
    /// The answer gzip-compressed, as kept.
    pub fn gzip(&self) -> Bytes {
        self.gzip.clone()
    }

    /// The answer's weak entity tag (see [`AnswerCache::current`]).
    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// The answer's JSON, inflated a chunk at a time as the client reads it: a megabyte
    /// answer sent to many clients at once that do not accept gzip holds a chunk per client,
    /// not a megabyte. (An error means the kept bytes were corrupt, which would be a bug; the
    /// body then ends there.)
    pub fn json_chunks(
        &self,
    ) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        let decoder = flate2::read::GzDecoder::new(std::io::Cursor::new(self.gzip.clone()));
        futures::stream::unfold(Some(decoder), |decoder| async move {
            let mut decoder = decoder?;
            let mut chunk = vec![0; CHUNK];
            match decoder.read(&mut chunk) {
                Ok(0) => None,
                Ok(n) => {
                    chunk.truncate(n);
                    Some((Ok(Bytes::from(chunk)), Some(decoder)))
                }
                Err(error) => Some((Err(error), None)),
            }
        })
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
                    computing: HashMap::new(),
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

    /// What to do with a request whose answer may be kept: serve the answer kept for `key`
    /// (younger than [`MAX_AGE`]), or compute it. While one request computes an answer, the
    /// others asking the same question wait for it rather than compute it too (after a change,
    /// a dashboard's clients all miss at once); if it fails, or its answer has errors, each
    /// computes its own. Counts a hit or a miss.
    pub async fn lookup(&self, key: AnswerKey) -> Lookup {
        let Some(entries) = &self.entries else {
            return self.compute(key, None);
        };
        let mut waiting = {
            let mut held = lock(entries);
            if let Some(kept) = held.fresh(&key).cloned() {
                drop(held);
                return self.hit(kept);
            }
            match held.computing.get(&key) {
                Some(computed) => computed.clone(),
                None => {
                    let (sender, receiver) = tokio::sync::watch::channel(None);
                    held.computing.insert(key.clone(), receiver);
                    drop(held);
                    return self.compute(key, Some(sender));
                }
            }
        };
        if waiting.changed().await.is_ok()
            && let Some(kept) = waiting.borrow_and_update().clone()
        {
            return self.hit(kept);
        }
        self.compute(key, None)
    }

    fn hit(&self, kept: KeptAnswer) -> Lookup {
        self.hits.fetch_add(1, Ordering::Relaxed);
        crate::metrics::answer_cache("hit");
        Lookup::Kept(kept)
    }

    /// Counts a request answered `304 Not Modified` (its copy is current) as a hit.
    pub fn not_modified(&self) {
        self.hits.fetch_add(1, Ordering::Relaxed);
        crate::metrics::answer_cache("not_modified");
    }

    fn compute(
        &self,
        key: AnswerKey,
        waiting: Option<tokio::sync::watch::Sender<Option<KeptAnswer>>>,
    ) -> Lookup {
        self.misses.fetch_add(1, Ordering::Relaxed);
        crate::metrics::answer_cache("miss");
        Lookup::Compute(Computing {
            cache: self.clone(),
            key: Some(key),
            waiting,
        })
    }

    /// Keeps `json` (a complete answer without errors) for `key`, evicting the least recently
    /// used answers to stay within the budget; returns it compressed. An answer larger than
    /// the budget is not kept.
    fn put(&self, key: AnswerKey, json: &[u8]) -> Option<KeptAnswer> {
        let entries = self.entries.as_ref()?;
        let mut encoder = flate2::write::GzEncoder::new(
            Vec::with_capacity(json.len() / 8),
            flate2::Compression::fast(),
        );
        encoder.write_all(json).ok()?;
        let gzip = Bytes::from(encoder.finish().ok()?);
        let answer = KeptAnswer {
            etag: key.etag(std::time::SystemTime::now()),
            gzip,
        };
        let added = weight(&key, &answer);
        if added > self.budget {
            return Some(answer);
        }
        let mut held = lock(entries);
        let kept = Kept {
            answer: answer.clone(),
            stored: Instant::now(),
        };
        if let Some(old) = held.lru.put(key.clone(), kept) {
            held.bytes -= weight(&key, &old.answer);
        }
        held.bytes += added;
        while held.bytes > self.budget {
            match held.lru.pop_lru() {
                Some((old_key, old)) => held.bytes -= weight(&old_key, &old.answer),
                None => break,
            }
        }
        Some(answer)
    }

    /// The entity tag of the answer kept for `key`, if one is (younger than [`MAX_AGE`]): a
    /// client holding it has the current answer.
    pub fn current(&self, key: &AnswerKey) -> Option<Arc<str>> {
        let mut held = lock(self.entries.as_ref()?);
        held.fresh(key).map(|kept| kept.etag.clone())
    }

    fn done_computing(&self, key: &AnswerKey) {
        if let Some(entries) = &self.entries {
            lock(entries).computing.remove(key);
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

    /// Requests served a kept answer (or told their copy is current).
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

/// Whether an `If-None-Match` value names `etag` (weak comparison, as for `GET`), or is `*`.
pub fn none_match(if_none_match: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let wanted = opaque(etag);
    if_none_match.trim() == "*" || if_none_match.split(',').any(|tag| opaque(tag) == wanted)
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

    /// Looks `key` up; computes `json` if it is not kept. Returns whether it was kept.
    /// [`ask`] on a task of its own, to wait while another request computes the answer.
    fn ask_in_background(
        cache: &AnswerCache,
        key: AnswerKey,
        json: &'static [u8],
    ) -> tokio::task::JoinHandle<Option<Vec<u8>>> {
        let cache = cache.clone();
        tokio::spawn(async move { ask(&cache, key, json).await })
    }

    async fn ask(cache: &AnswerCache, key: AnswerKey, json: &[u8]) -> Option<Vec<u8>> {
        match cache.lookup(key).await {
            Lookup::Kept(kept) => {
                let chunks: Vec<Bytes> = futures::TryStreamExt::try_collect(kept.json_chunks())
                    .await
                    .expect("inflated");
                Some(chunks.concat())
            }
            Lookup::Compute(computing) => {
                computing.finish(json);
                None
            }
        }
    }

    #[tokio::test]
    async fn an_answer_is_served_again_only_for_the_same_key() {
        let cache = AnswerCache::new(1 << 20);
        let admin = admin();
        let query = "{ stats { landscape { total } } }";
        let answer = br#"{"data":{"stats":1}}"#;
        assert_eq!(ask(&cache, key(7, &admin, query), answer).await, None);
        assert_eq!(
            ask(&cache, key(7, &admin, query), b"not this")
                .await
                .as_deref(),
            Some(&answer[..])
        );
        let Lookup::Kept(kept) = cache.lookup(key(7, &admin, query)).await else {
            panic!("kept");
        };
        let mut inflated = Vec::new();
        flate2::read::GzDecoder::new(&kept.gzip()[..])
            .read_to_end(&mut inflated)
            .expect("gzip");
        assert_eq!(inflated, answer);

        // Another generation, principal, language or variables is another answer.
        assert_eq!(ask(&cache, key(8, &admin, query), b"{}").await, None);
        let partner = Principal {
            organisation: Some(sharaka_domain::OrganisationId::from_trusted("org:a".into())),
            ..Principal::with_role("admin", sharaka_domain::Role::Partner)
        };
        assert_eq!(ask(&cache, key(7, &partner, query), b"{}").await, None);
        let english = AnswerKey::new(7, &admin, Lang::En, &request(query, serde_json::json!({})));
        assert_eq!(ask(&cache, english, b"{}").await, None);
        let period = AnswerKey::new(
            7,
            &admin,
            Lang::Fr,
            &request(query, serde_json::json!({ "from": "2020" })),
        );
        assert_eq!(ask(&cache, period, b"{}").await, None);
        assert_eq!((cache.hits(), cache.misses()), (2, 5));
    }

    #[tokio::test]
    async fn those_asking_while_an_answer_is_computed_wait_for_it() {
        let cache = AnswerCache::new(1 << 20);
        let admin = admin();
        let Lookup::Compute(first) = cache.lookup(key(1, &admin, "{ stats }")).await else {
            panic!("nothing kept yet");
        };
        let waiting = ask_in_background(&cache, key(1, &admin, "{ stats }"), b"computed again");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "waits for the answer being computed"
        );
        first.finish(b"{\"data\":1}");
        assert_eq!(
            waiting.await.expect("joined").as_deref(),
            Some(&b"{\"data\":1}"[..])
        );
        assert_eq!((cache.hits(), cache.misses()), (1, 1));

        // A computation that ends without an answer (it failed, or had errors) lets those
        // waiting compute their own; the next one is looked up afresh.
        let Lookup::Compute(failing) = cache.lookup(key(2, &admin, "{ stats }")).await else {
            panic!("nothing kept yet");
        };
        let waiting = ask_in_background(&cache, key(2, &admin, "{ stats }"), b"{\"data\":2}");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiting.is_finished());
        drop(failing);
        assert_eq!(waiting.await.expect("joined"), None, "computed its own");
        assert_eq!(
            ask(&cache, key(2, &admin, "{ stats }"), b"")
                .await
                .as_deref(),
            Some(&b"{\"data\":2}"[..])
        );
        assert_eq!((cache.hits(), cache.misses()), (2, 3));
    }

    #[tokio::test]
    async fn the_budget_evicts_the_least_recently_used() {
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
            ask(&cache, key(n, &admin, "{ stats }"), &answer(n as u64)).await;
            assert!(cache.bytes() <= 10_000, "within the budget");
        }
        // Two fit: the first went.
        assert_eq!(cache.len(), 2);
        assert_eq!(
            ask(&cache, key(0, &admin, "{ stats }"), &answer(0)).await,
            None
        );
        // That pushed the second out; reading the third makes the first the least recently
        // used.
        assert!(
            ask(&cache, key(2, &admin, "{ stats }"), b"")
                .await
                .is_some()
        );
        ask(&cache, key(3, &admin, "{ stats }"), &answer(3)).await;
        assert!(
            ask(&cache, key(2, &admin, "{ stats }"), b"")
                .await
                .is_some()
        );
        assert!(
            ask(&cache, key(3, &admin, "{ stats }"), b"")
                .await
                .is_some()
        );
        assert_eq!(cache.len(), 2);

        // Larger than the whole budget: not kept, nothing evicted.
        let large = [answer(4), answer(5), answer(6)].concat();
        ask(&cache, key(4, &admin, "{ stats }"), &large).await;
        assert_eq!(cache.len(), 2);
        assert_eq!(ask(&cache, key(4, &admin, "{ stats }"), &large).await, None);

        // A budget of zero keeps nothing.
        let off = AnswerCache::new(0);
        assert!(!off.enabled());
        ask(&off, key(0, &admin, "{ stats }"), b"{}").await;
        assert_eq!(ask(&off, key(0, &admin, "{ stats }"), b"{}").await, None);
    }

    #[tokio::test]
    async fn entity_tags_name_an_answer_as_computed() {
        let cache = AnswerCache::new(1 << 20);
        let admin = admin();
        assert!(
            cache.current(&key(3, &admin, "{ stats }")).is_none(),
            "nothing kept"
        );
        let Lookup::Compute(computing) = cache.lookup(key(3, &admin, "{ stats }")).await else {
            panic!("nothing kept yet");
        };
        let tag = computing.finish(b"{}").expect("a tag");
        assert!(tag.starts_with("W/\"") && tag.ends_with('"'), "{tag}");
        assert_eq!(
            cache.current(&key(3, &admin, "{ stats }")),
            Some(tag.clone())
        );
        let Lookup::Kept(kept) = cache.lookup(key(3, &admin, "{ stats }")).await else {
            panic!("kept");
        };
        assert_eq!(kept.etag(), &*tag);
        assert!(cache.current(&key(4, &admin, "{ stats }")).is_none());

        // The same question computed again (here at another generation and back) is tagged
        // anew: a tag names one computation, not only the question.
        let again = AnswerCache::new(1 << 20);
        let Lookup::Compute(computing) = again.lookup(key(3, &admin, "{ stats }")).await else {
            panic!("nothing kept yet");
        };
        assert_ne!(computing.finish(b"{}").expect("a tag"), tag);

        assert!(none_match(&tag, &tag));
        assert!(none_match(
            &format!("\"other\", {}", tag.trim_start_matches("W/")),
            &tag
        ));
        assert!(none_match("*", &tag));
        assert!(!none_match("W/\"0000000000000000\"", &tag));
        assert!(!none_match("", &tag));
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
