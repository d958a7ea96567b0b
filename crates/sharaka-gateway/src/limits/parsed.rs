//! Parsed documents, kept by query text. Clients send the same few operations over and over (a
//! dashboard's query differs only in its variables), and parsing is a noticeable share of a
//! request's CPU (6% of a nested dashboard, more for a small lookup). A hit hands async-graphql
//! a copy of the parsed document; only queries that parsed are kept, and only short ones, so
//! the cache's memory stays bounded whatever clients send.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Request, ServerError};

/// How many documents are kept (least recently used first out).
pub const CAPACITY: usize = 256;
/// The longest query text kept, in bytes: at most `CAPACITY` × this much text is held.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

/// Parsed documents by query text, shared by every transport of one server.
#[derive(Clone)]
pub struct DocumentCache {
    entries: Arc<Mutex<lru::LruCache<Arc<str>, ExecutableDocument>>>,
    hits: Arc<AtomicU64>,
}

impl Default for DocumentCache {
    fn default() -> Self {
        Self::new(CAPACITY)
    }
}

impl std::fmt::Debug for DocumentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentCache")
            .field("len", &self.len())
            .field("hits", &self.hits())
            .finish()
    }
}

impl DocumentCache {
    /// A cache of at most `capacity` documents (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        Self {
            entries: Arc::new(Mutex::new(lru::LruCache::new(capacity))),
            hits: Arc::new(AtomicU64::new(0)),
        }
    }

    /// How many documents are kept.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// How many requests were served a kept document.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<Arc<str>, ExecutableDocument>> {
        // A panic while holding the lock leaves nothing half-written (each call is one get or
        // one put), so a poisoned cache is still sound.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The request's parsed document: from the cache when this query text was parsed before,
    /// else parsed now (and kept when it parses and is short enough). Either way the document
    /// stays in the request, so async-graphql does not parse it again.
    pub fn parse<'r>(
        &self,
        request: &'r mut Request,
    ) -> Result<&'r ExecutableDocument, ServerError> {
        let cacheable = request.query.len() <= MAX_QUERY_BYTES;
        if cacheable {
            let hit = self.lock().get(request.query.as_str()).cloned();
            if let Some(document) = hit {
                self.hits.fetch_add(1, Ordering::Relaxed);
                request.set_parsed_query(document);
                return request.parsed_query();
            }
        }
        let key: Option<Arc<str>> = cacheable.then(|| Arc::from(request.query.as_str()));
        let parsed = request.parsed_query()?;
        if let Some(key) = key {
            self.lock().put(key, parsed.clone());
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "query Q($id: ID!) { node(id: $id) { id } }";

    fn operation_names(document: &ExecutableDocument) -> Vec<String> {
        document
            .operations
            .iter()
            .map(|(name, _)| name.map_or_else(String::new, |n| n.to_string()))
            .collect()
    }

    #[test]
    fn a_query_parsed_once_is_served_from_the_cache() {
        let cache = DocumentCache::new(4);
        let mut first = Request::new(QUERY);
        let parsed = cache.parse(&mut first).map(operation_names).ok();
        assert_eq!((cache.len(), cache.hits()), (1, 0));
        let mut second = Request::new(QUERY);
        let cached = cache.parse(&mut second).map(operation_names).ok();
        assert_eq!(cached, parsed);
        assert_eq!(cached, Some(vec!["Q".to_owned()]));
        assert_eq!(
            (cache.len(), cache.hits()),
            (1, 1),
            "the same text is one entry"
        );
        // A different text is parsed, not mistaken for the kept one.
        let other = cache
            .parse(&mut Request::new("query R { __typename }"))
            .map(operation_names)
            .ok();
        assert_eq!(other, Some(vec!["R".to_owned()]));
        assert_eq!((cache.len(), cache.hits()), (2, 1));
    }

    #[test]
    fn documents_that_do_not_parse_or_are_too_long_are_not_kept() {
        let cache = DocumentCache::new(4);
        assert!(cache.parse(&mut Request::new("{ node(")).is_err());
        assert!(cache.is_empty());
        let long = format!("{{ __typename }}{}", " ".repeat(MAX_QUERY_BYTES));
        assert!(cache.parse(&mut Request::new(long)).is_ok());
        assert!(cache.is_empty());
    }

    #[test]
    fn the_cache_keeps_at_most_its_capacity() {
        let cache = DocumentCache::new(2);
        for n in 0..5 {
            let query = format!("{{ a{n}: __typename }}");
            assert!(cache.parse(&mut Request::new(query)).is_ok());
        }
        assert_eq!(cache.len(), 2);
    }
}
