//! Persisted queries.
//!
//! - **Automatic persisted queries** (Apollo's protocol): a request may carry
//!   `extensions.persistedQuery = { version: 1, sha256Hash }`. With the query text, the server
//!   checks the hash, and once the query has passed every check before execution, remembers it;
//!   without the text, it runs the remembered query, or answers `PERSISTED_QUERY_NOT_FOUND` so
//!   that the client sends the text. The memory is an LRU bounded in bytes. It is a cache, not a
//!   defence: any client may register any query (which is then held to every limit).
//! - **Allow-list mode**: only the operations of a file run, matched by the SHA-256 of their
//!   exact text, sent either as a hash or as the text itself; anything else, registration
//!   included, is `OPERATION_NOT_ALLOWED`. (async-graphql's `ApolloPersistedQueries` cannot do
//!   this: it registers whatever it is sent.)
//!
//! The allow-list file is JSON, either an object of `id → query text` (Relay's form; the ids
//! are not used, the text is hashed) or Apollo's persisted query manifest
//! (`{ "format": "apollo-persisted-query-manifest", "operations": [{ "body": … }] }`). Every
//! operation must parse; the server refuses to start otherwise.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use sha2::{Digest, Sha256};

/// How persisted queries are handled.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    /// `extensions.persistedQuery` is ignored.
    Off,
    /// Apollo's automatic persisted queries.
    #[default]
    Automatic,
    /// Only the listed operations run.
    AllowList(Arc<AllowList>),
}

impl Mode {
    /// The mode's name in `SHARAKA_PERSISTED_QUERIES`.
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::Automatic => "apq",
            Mode::AllowList(_) => "allowlist",
        }
    }
}

/// The operations allowed in allow-list mode, by the SHA-256 of their text.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    by_hash: HashMap<String, Arc<str>>,
}

impl AllowList {
    /// A list of these operations' texts.
    pub fn new<I, S>(operations: I) -> anyhow::Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut by_hash = HashMap::new();
        for (i, text) in operations.into_iter().enumerate() {
            let text: String = text.into();
            async_graphql::parser::parse_query(&text)
                .map_err(|e| anyhow::anyhow!("{e}"))
                .with_context(|| format!("allowed operation #{} does not parse", i + 1))?;
            by_hash.insert(sha256_hex(&text), Arc::from(text));
        }
        Ok(Self { by_hash })
    }

    /// Reads a list from a JSON file (see the module documentation).
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let json: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", path.display()))?;
        let operations: Vec<String> = match &json {
            serde_json::Value::Object(map) if map.contains_key("operations") => map["operations"]
                .as_array()
                .context("`operations` must be a list")?
                .iter()
                .map(|op| {
                    op.get("body")
                        .and_then(|b| b.as_str())
                        .map(str::to_owned)
                        .context("every operation needs a `body` string")
                })
                .collect::<anyhow::Result<_>>()?,
            serde_json::Value::Object(map) => map
                .values()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .context("every value must be a query string")
                })
                .collect::<anyhow::Result<_>>()?,
            _ => anyhow::bail!("expected an object of id → query, or an Apollo manifest"),
        };
        if operations.is_empty() {
            anyhow::bail!("{} lists no operation", path.display());
        }
        Self::new(operations)
    }

    /// The operation with this hash.
    pub fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.by_hash.get(hash).cloned()
    }

    /// How many operations are allowed.
    pub fn len(&self) -> usize {
        self.by_hash.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.by_hash.is_empty()
    }
}

/// The lowercase hex SHA-256 of a text.
pub fn sha256_hex(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

/// A byte-bounded LRU of registered queries.
#[derive(Debug)]
pub struct Cache {
    inner: Mutex<CacheInner>,
    max_bytes: usize,
}

#[derive(Debug)]
struct CacheInner {
    entries: lru::LruCache<String, Arc<str>>,
    bytes: usize,
}

impl Cache {
    /// A cache that holds at most `max_bytes` of query text (plus keys).
    pub fn new(max_bytes: usize) -> Self {
        Self {
            inner: Mutex::new(CacheInner {
                entries: lru::LruCache::unbounded(),
                bytes: 0,
            }),
            max_bytes,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheInner> {
        // A panic while holding the lock leaves consistent data (every step is one call).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The query registered under `hash`.
    pub fn get(&self, hash: &str) -> Option<Arc<str>> {
        self.lock().entries.get(hash).cloned()
    }

    /// Registers a query, evicting the least recently used ones beyond the byte bound; a query
    /// larger than the whole bound is not kept.
    pub fn put(&self, hash: String, query: Arc<str>) {
        let size = hash.len() + query.len();
        if size > self.max_bytes {
            return;
        }
        let mut inner = self.lock();
        if let Some(old) = inner.entries.put(hash.clone(), query) {
            inner.bytes -= hash.len() + old.len();
        }
        inner.bytes += size;
        while inner.bytes > self.max_bytes {
            match inner.entries.pop_lru() {
                Some((k, v)) => inner.bytes -= k.len() + v.len(),
                None => break,
            }
        }
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }
}

/// What a request's `persistedQuery` extension asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The hash, lowercase hex.
    pub sha256: String,
}

/// A malformed `persistedQuery` extension.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Malformed(pub &'static str);

/// Reads `extensions.persistedQuery`, if present.
pub fn extension(value: &async_graphql::Value) -> Result<Extension, Malformed> {
    let async_graphql::Value::Object(map) = value else {
        return Err(Malformed("`extensions.persistedQuery` must be an object"));
    };
    match map.get("version") {
        Some(async_graphql::Value::Number(n)) if n.as_i64() == Some(1) => {}
        _ => {
            return Err(Malformed(
                "only version 1 of persisted queries is supported",
            ));
        }
    }
    let Some(async_graphql::Value::String(hash)) = map.get("sha256Hash") else {
        return Err(Malformed("`persistedQuery.sha256Hash` must be a string"));
    };
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Malformed(
            "`persistedQuery.sha256Hash` must be 64 hexadecimal digits",
        ));
    }
    Ok(Extension {
        sha256: hash.to_ascii_lowercase(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_bounded_in_bytes() {
        let cache = Cache::new(200);
        for i in 0..10 {
            let q: Arc<str> = Arc::from(format!("{{ f{i} }}").repeat(3));
            cache.put(sha256_hex(&q), q);
            assert!(cache.bytes() <= 200);
        }
        // The most recent stays, the oldest went.
        let last: String = "{ f9 }".repeat(3);
        assert!(cache.get(&sha256_hex(&last)).is_some());
        assert!(cache.get(&sha256_hex(&"{ f0 }".repeat(3))).is_none());
        // Too big to keep at all.
        let huge: Arc<str> = Arc::from("x".repeat(500));
        cache.put(sha256_hex(&huge), huge.clone());
        assert!(cache.get(&sha256_hex(&huge)).is_none());
    }

    #[test]
    fn the_extension_is_checked() {
        let ok = async_graphql::Value::from_json(serde_json::json!({
            "version": 1, "sha256Hash": "A".repeat(64)
        }))
        .expect("value");
        assert_eq!(
            extension(&ok),
            Ok(Extension {
                sha256: "a".repeat(64)
            })
        );
        for bad in [
            serde_json::json!({ "version": 2, "sha256Hash": "a".repeat(64) }),
            serde_json::json!({ "version": 1, "sha256Hash": "abc" }),
            serde_json::json!({ "version": 1, "sha256Hash": "g".repeat(64) }),
            serde_json::json!({ "version": 1 }),
            serde_json::json!("x"),
        ] {
            let value = async_graphql::Value::from_json(bad).expect("value");
            assert!(extension(&value).is_err());
        }
    }

    #[test]
    fn allow_lists_load_both_forms() {
        let dir = std::env::temp_dir().join(format!("sharaka-pq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let relay = dir.join("relay.json");
        std::fs::write(&relay, r#"{"a": "{ regions { totalCount } }"}"#).expect("write");
        let list = AllowList::load(&relay).expect("loads");
        assert!(
            list.get(&sha256_hex("{ regions { totalCount } }"))
                .is_some()
        );
        let apollo = dir.join("apollo.json");
        std::fs::write(
            &apollo,
            r#"{"format":"apollo-persisted-query-manifest","version":1,
                "operations":[{"id":"x","name":"R","type":"query","body":"query R { regions { totalCount } }"}]}"#,
        )
        .expect("write");
        let list = AllowList::load(&apollo).expect("loads");
        assert_eq!(list.len(), 1);
        let bad = dir.join("bad.json");
        std::fs::write(&bad, r#"{"a": "{ regions "}"#).expect("write");
        assert!(AllowList::load(&bad).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
