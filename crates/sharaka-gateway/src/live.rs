//! Live updates: every process reads the outbox (see [`sharaka_persistence::outbox`]) from the
//! last event it published and broadcasts what it finds to its subscribers. A process wakes up
//! when its own transactions commit, on PostgreSQL's `NOTIFY` (which carries the other
//! processes' commits), and at least every [`LiveConfig::poll_interval`] in any case — so a
//! notification lost while the database was away delays an event, never loses it.
//!
//! The reader starts with the first subscription, from the outbox's head at that moment, and
//! stops when the application is dropped. Each subscriber reads the broadcast through a bounded
//! buffer ([`LiveConfig::buffer`]): one that falls behind loses its place and is closed with a
//! clear error, and never slows the others.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sharaka_persistence::Store;
use sharaka_persistence::outbox::OutboxEvent;
use tokio::sync::{Notify, OnceCell, broadcast, watch};

/// How live updates behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveConfig {
    /// The longest a committed event waits before it is read when no wake-up arrives.
    pub poll_interval: Duration,
    /// How many events a subscriber may fall behind before it is closed.
    pub buffer: usize,
    /// How long events stay in the outbox (for processes that were away).
    pub retention: Duration,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(1_000),
            buffer: 1_024,
            retention: Duration::from_secs(24 * 3_600),
        }
    }
}

/// The most events read in one statement.
const PAGE: u64 = 500;
/// How often old events are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);

/// The live-update hub of one process: cheap to clone.
#[derive(Clone)]
pub struct Live {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: LiveConfig,
    sender: broadcast::Sender<Arc<OutboxEvent>>,
    wake: Notify,
    started: OnceCell<()>,
    closing: watch::Sender<bool>,
}

impl std::fmt::Debug for Live {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Live")
            .field("config", &self.inner.config)
            .field("subscribers", &self.inner.sender.receiver_count())
            .finish()
    }
}

impl Live {
    /// A hub over `store` (unscoped: access is applied per subscriber).
    pub fn new(store: Store, config: LiveConfig) -> Self {
        let (sender, _) = broadcast::channel(config.buffer.max(1));
        let (closing, _) = watch::channel(false);
        Self {
            inner: Arc::new(Inner {
                store: store.unscoped(),
                config,
                sender,
                wake: Notify::new(),
                started: OnceCell::new(),
                closing,
            }),
        }
    }

    /// Every event committed from now on. Starts the reader on first use; fails only when the
    /// outbox cannot be read at all (the database is away).
    pub async fn subscribe(
        &self,
    ) -> Result<broadcast::Receiver<Arc<OutboxEvent>>, sharaka_persistence::PersistenceError> {
        // Subscribe before the reader starts, so that nothing it reads can pass unseen.
        let receiver = self.inner.sender.subscribe();
        self.inner
            .started
            .get_or_try_init(|| async {
                let head = self.inner.store.outbox_head().await?;
                let listener = match self.inner.store.outbox_listener().await {
                    Ok(listener) => listener,
                    Err(error) => {
                        tracing::warn!(%error, "cannot listen for outbox notifications; polling only");
                        None
                    }
                };
                let weak = Arc::downgrade(&self.inner);
                tokio::spawn(read(weak.clone(), head));
                if let Some(listener) = listener {
                    tokio::spawn(listen(weak, listener));
                }
                Ok::<(), sharaka_persistence::PersistenceError>(())
            })
            .await?;
        Ok(receiver)
    }

    /// Reads the outbox now (after a local commit).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Tells every live connection to close (the server is shutting down).
    pub fn close_all(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Resolves when [`Live::close_all`] has been called.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }

    /// How many subscriptions are live in this process.
    pub fn subscribers(&self) -> usize {
        self.inner.sender.receiver_count()
    }
}

/// The reader: publishes outbox events after `cursor` until the hub is dropped.
async fn read(weak: Weak<Inner>, mut cursor: i64) {
    let mut last_prune = tokio::time::Instant::now();
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let mut full_page = false;
        match inner.store.outbox_after(cursor, PAGE).await {
            Ok(events) => {
                full_page = events.len() as u64 == PAGE;
                for event in events {
                    cursor = event.id;
                    // No receiver is not an error: nobody is listening right now.
                    let _ = inner.sender.send(Arc::new(event));
                }
            }
            Err(error) => tracing::warn!(%error, cursor, "cannot read the outbox; retrying"),
        }
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = tokio::time::Instant::now();
            let horizon = chrono::Utc::now()
                - chrono::Duration::from_std(inner.config.retention)
                    .unwrap_or_else(|_| chrono::Duration::days(1));
            match inner.store.prune_outbox(horizon).await {
                Ok(pruned) if pruned > 0 => tracing::debug!(pruned, "pruned the outbox"),
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot prune the outbox"),
            }
        }
        if full_page {
            continue;
        }
        tokio::select! {
            () = inner.wake.notified() => {}
            () = tokio::time::sleep(inner.config.poll_interval) => {}
        }
    }
}

/// Turns PostgreSQL notifications into wake-ups until the hub is dropped.
async fn listen(weak: Weak<Inner>, mut listener: sharaka_persistence::outbox::OutboxListener) {
    loop {
        // Bounded waits, so that a dropped hub is noticed; a notification cut short by the
        // timeout is caught by the reader's polling.
        let received = tokio::time::timeout(Duration::from_secs(5), listener.wait()).await;
        let Some(inner) = weak.upgrade() else { return };
        match received {
            Ok(Ok(())) => inner.wake.notify_one(),
            Ok(Err(error)) => {
                tracing::warn!(%error, "lost the outbox notifications; reconnecting");
                // Whatever was missed is in the outbox: read it as soon as possible.
                inner.wake.notify_one();
                drop(inner);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(_elapsed) => {}
        }
    }
}
