//! API tokens verified recently, so that a client sending many requests is not looked up for
//! each: the lookup was one of a node lookup's two statements, and a round trip to the database
//! for every request of every client.
//!
//! A kept token is trusted in one of two ways:
//! - **while watched** (PostgreSQL, `SHARAKA_TOKEN_WATCH_MS`, ten minutes by default): the
//!   process listens for changes to `api_tokens` (a trigger notifies `sharaka_tokens` after any
//!   update or delete, migration `m20261206_000001_notify_token_changes`), and a change heard
//!   drops every kept token. A revocation, by any process or by hand in SQL, acts as soon as its
//!   notification arrives. When the listening connection is lost, or does not answer its check
//!   every [`CHECK_EVERY`], every kept token is dropped and none is trusted this way until the
//!   process listens again;
//! - **for a fixed time** (`SHARAKA_TOKEN_CACHE_MS`, off by default): a revocation acts once the
//!   entry is that old. This is the only way on SQLite, which has no notifications.
//!
//! Either way a kept token stops at its expiry to the second, and only tokens that passed are
//! kept, by the hash of their secret, at most [`TokenCache::CAPACITY`] (least recently used
//! dropped). A lookup that was running when a change was heard is not kept (see
//! [`TokenCache::ticket`]): it may have read the token before the change.

use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sharaka_domain::Principal;
use sharaka_persistence::Store;
use sharaka_persistence::tokens::{TokenListener, TokenNews};

/// How long the listening connection may stay quiet before it is checked.
pub(crate) const CHECK_EVERY: Duration = Duration::from_secs(5);
/// How long a check may take before the connection counts as lost.
const CHECK_WITHIN: Duration = Duration::from_secs(2);
/// The longest wait before listening is tried again after a failure.
const RETRY_AT_MOST: Duration = Duration::from_secs(30);

/// Verified API tokens (see the module's documentation). Cheap to clone: clones share it.
#[derive(Clone)]
pub struct TokenCache {
    /// How long a kept token is trusted without being watched (zero: not at all).
    ttl: Duration,
    /// How long a kept token is trusted while watched (zero: tokens are not watched).
    watched_ttl: Duration,
    /// `None` when neither way keeps anything.
    shared: Option<Arc<Shared>>,
}

struct Shared {
    state: Mutex<State>,
    /// Whether the watcher was started.
    started: std::sync::Once,
}

struct State {
    entries: lru::LruCache<String, Kept>,
    /// Moves on at every change heard and whenever watching starts or stops: an entry of an
    /// older generation is not trusted as watched.
    generation: u64,
    /// Whether the process listens for changes to tokens right now.
    watched: bool,
}

#[derive(Clone)]
struct Kept {
    principal: Principal,
    verified: Instant,
    expires_at: Option<DateTime<Utc>>,
    generation: u64,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("ttl", &self.ttl)
            .field("watched_ttl", &self.watched_ttl)
            .field("watched", &self.is_watched())
            .finish()
    }
}

impl TokenCache {
    /// The most tokens kept at once.
    pub const CAPACITY: usize = 10_000;

    /// A cache that trusts a verified token for `ttl`, or for `watched_ttl` while it is
    /// watched (both zero: a cache that keeps nothing).
    pub fn new(ttl: Duration, watched_ttl: Duration) -> Self {
        let shared = (!ttl.is_zero() || !watched_ttl.is_zero()).then(|| {
            let capacity =
                std::num::NonZeroUsize::new(Self::CAPACITY).unwrap_or(std::num::NonZeroUsize::MIN);
            Arc::new(Shared {
                state: Mutex::new(State {
                    entries: lru::LruCache::new(capacity),
                    generation: 0,
                    watched: false,
                }),
                started: std::sync::Once::new(),
            })
        });
        Self {
            ttl,
            watched_ttl,
            shared,
        }
    }

    fn state(&self) -> Option<MutexGuard<'_, State>> {
        // A poisoned lock only means a panic elsewhere while holding it; the state is whole.
        self.shared
            .as_ref()
            .map(|shared| shared.state.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// The principal of the token whose secret hashes to `hash`, when it is kept and trusted.
    pub(super) fn get(&self, hash: &str) -> Option<Principal> {
        let mut state = self.state()?;
        let (watched, generation) = (state.watched, state.generation);
        let entry = state.entries.get(hash)?;
        let age = entry.verified.elapsed();
        let trusted =
            age < self.ttl || (watched && entry.generation == generation && age < self.watched_ttl);
        if trusted && entry.expires_at.is_none_or(|at| at > Utc::now()) {
            Some(entry.principal.clone())
        } else {
            state.entries.pop(hash);
            None
        }
    }

    /// A ticket for a lookup about to start, to give back to [`TokenCache::put`].
    pub(super) fn ticket(&self) -> u64 {
        self.state().map_or(0, |state| state.generation)
    }

    /// Keeps a token verified by a lookup that started with `ticket`, unless a change to tokens
    /// was heard since.
    pub(super) fn put(
        &self,
        hash: String,
        principal: Principal,
        expires_at: Option<DateTime<Utc>>,
        ticket: u64,
    ) {
        let Some(mut state) = self.state() else {
            return;
        };
        if state.generation != ticket {
            return;
        }
        let generation = state.generation;
        state.entries.put(
            hash,
            Kept {
                principal,
                verified: Instant::now(),
                expires_at,
                generation,
            },
        );
    }

    /// Whether changes to tokens are being listened for right now.
    pub fn is_watched(&self) -> bool {
        self.state().is_some_and(|state| state.watched)
    }

    /// Starts listening for changes to tokens in `store`, once (nothing on SQLite, or when
    /// `watched_ttl` is zero). Must be called within the Tokio runtime.
    pub(crate) fn watch(&self, store: &Store) {
        let Some(shared) = &self.shared else { return };
        if !self.can_watch(store) {
            return;
        }
        shared.started.call_once(|| {
            tokio::spawn(watch(Arc::downgrade(shared), store.clone()));
        });
    }

    /// Whether tokens in `store` can be watched: on PostgreSQL, with a window to trust them.
    fn can_watch(&self, store: &Store) -> bool {
        !self.watched_ttl.is_zero() && store.backend() == sharaka_persistence::Backend::Postgres
    }

    /// Waits up to `within` for the tokens to be watched, starting the watch if needed;
    /// whether they are (at once `false` where they cannot be). For start-up and tests.
    pub async fn watched_within(&self, store: &Store, within: Duration) -> bool {
        if !self.can_watch(store) {
            return false;
        }
        self.watch(store);
        let deadline = Instant::now() + within;
        while !self.is_watched() {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        true
    }

    /// Drops every kept token and moves to a new generation; then sets whether the tokens are
    /// watched.
    fn forget(shared: &Shared, watched: bool) {
        let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        state.entries.clear();
        state.generation = state.generation.wrapping_add(1);
        state.watched = watched;
    }
}

/// Listens for changes to tokens until the cache is dropped, connecting again after failures.
async fn watch(weak: Weak<Shared>, store: Store) {
    let mut retry = Duration::from_millis(250);
    loop {
        let mut listener = match store.token_listener().await {
            Ok(Some(listener)) => listener,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for changes to API tokens; retrying");
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(RETRY_AT_MOST);
                if weak.strong_count() == 0 {
                    return;
                }
                continue;
            }
        };
        retry = Duration::from_millis(250);
        {
            let Some(shared) = weak.upgrade() else { return };
            TokenCache::forget(&shared, true);
        }
        tracing::debug!("listening for changes to API tokens");
        let lost = listen(&weak, &mut listener).await;
        let Some(shared) = weak.upgrade() else { return };
        TokenCache::forget(&shared, false);
        drop(shared);
        if let Some(error) = lost {
            tracing::warn!(error, "lost the changes to API tokens; kept tokens dropped");
        }
    }
}

/// Hears changes on `listener` until the cache is dropped (`None`) or the connection fails.
async fn listen(weak: &Weak<Shared>, listener: &mut TokenListener) -> Option<String> {
    loop {
        let heard = tokio::time::timeout(CHECK_EVERY, listener.next()).await;
        let shared = weak.upgrade()?;
        match heard {
            // Changes missed while reconnecting are not known: everything is dropped either way.
            Ok(Ok(TokenNews::Changed | TokenNews::Reconnected)) => {
                TokenCache::forget(&shared, true);
            }
            Ok(Err(error)) => return Some(error.to_string()),
            Err(_quiet) => {
                drop(shared);
                match tokio::time::timeout(CHECK_WITHIN, listener.check()).await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => return Some(error.to_string()),
                    Err(_slow) => {
                        return Some("the listening connection did not answer its check".into());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sharaka_domain::Role;

    fn principal() -> Principal {
        Principal::anonymous(Role::Viewer)
    }

    fn shared(cache: &TokenCache) -> &Shared {
        cache.shared.as_deref().expect("a cache that keeps")
    }

    #[test]
    fn a_cache_without_a_window_keeps_nothing() {
        let cache = TokenCache::new(Duration::ZERO, Duration::ZERO);
        let ticket = cache.ticket();
        cache.put("h".into(), principal(), None, ticket);
        assert!(cache.get("h").is_none());
    }

    #[test]
    fn watched_tokens_are_kept_until_a_change_is_heard() {
        let cache = TokenCache::new(Duration::ZERO, Duration::from_secs(600));
        // Not watched yet: nothing is trusted.
        let ticket = cache.ticket();
        cache.put("h".into(), principal(), None, ticket);
        assert!(cache.get("h").is_none());
        // Watching starts: kept from now on.
        TokenCache::forget(shared(&cache), true);
        let ticket = cache.ticket();
        cache.put("h".into(), principal(), None, ticket);
        assert!(cache.get("h").is_some());
        // A change is heard: dropped.
        TokenCache::forget(shared(&cache), true);
        assert!(cache.get("h").is_none());
    }

    #[test]
    fn a_lookup_that_overlaps_a_change_is_not_kept() {
        let cache = TokenCache::new(Duration::ZERO, Duration::from_secs(600));
        TokenCache::forget(shared(&cache), true);
        let ticket = cache.ticket();
        // The token is revoked while its lookup runs; the lookup may have read it before.
        TokenCache::forget(shared(&cache), true);
        cache.put("h".into(), principal(), None, ticket);
        assert!(cache.get("h").is_none());
    }

    #[test]
    fn tokens_are_not_trusted_as_watched_once_watching_stops() {
        let cache = TokenCache::new(Duration::ZERO, Duration::from_secs(600));
        TokenCache::forget(shared(&cache), true);
        let ticket = cache.ticket();
        cache.put("h".into(), principal(), None, ticket);
        TokenCache::forget(shared(&cache), false);
        assert!(!cache.is_watched());
        let ticket = cache.ticket();
        cache.put("h".into(), principal(), None, ticket);
        assert!(cache.get("h").is_none(), "not watched, and no fixed window");
    }

    #[test]
    fn a_fixed_window_keeps_without_watching_and_expiry_is_exact() {
        let cache = TokenCache::new(Duration::from_secs(60), Duration::ZERO);
        let ticket = cache.ticket();
        cache.put("h".into(), principal(), None, ticket);
        assert!(cache.get("h").is_some());
        let past = Utc::now() - chrono::Duration::seconds(1);
        cache.put("e".into(), principal(), Some(past), ticket);
        assert!(cache.get("e").is_none(), "expired tokens are never served");
    }
}
