//! The outbox: every change a transaction records (see [`Store::record`]) is also written to
//! `outbox_events` when that transaction commits, in the same transaction, so an event exists
//! if and only if its change does. Every Sharaka process reads the outbox from the last id it
//! saw and publishes what it finds to its live subscribers; nothing is lost while a process is
//! disconnected, because the rows wait for it.
//!
//! Ordering: on PostgreSQL, a committing transaction takes an advisory lock before it inserts
//! its events and holds it until the commit is visible, so event ids become visible in
//! increasing order, and a reader resuming after id `n` never skips a smaller id committed
//! later. SQLite has one writer at a time, which gives the same guarantee. `NOTIFY` (PostgreSQL)
//! only wakes readers up; readers also poll, so a notification lost during a reconnection
//! delays an event, never drops it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, QueryStatementBuilder as _};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult};

use crate::write::Cell;
use crate::{Backend, Conn, PersistenceError, Store, with_conn};

/// The PostgreSQL advisory lock key that orders outbox writes ("SHRO" in ASCII).
const OUTBOX_LOCK_KEY: i64 = 0x5348_524F;

/// The PostgreSQL channel that announces new outbox events.
pub const CHANNEL: &str = "sharaka_outbox";

/// The outbox's columns, as written (every one but `id`).
const WRITTEN: [&str; 6] = [
    "occurred_at",
    "entity",
    "record_id",
    "action",
    "from_status",
    "to_status",
];

/// A change waiting for its transaction to commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingEvent {
    pub entity: String,
    pub record_id: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
}

/// One committed change, as every process publishes it.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct OutboxEvent {
    /// The event's position in the outbox (increasing in commit order).
    pub id: i64,
    /// When the change was recorded.
    pub occurred_at: DateTime<Utc>,
    /// The kind of record (`Organisation`, `Agreement`…).
    pub entity: String,
    /// The record's local id.
    pub record_id: String,
    /// The mutation or transition (`createAgreement`, `sign`, `archive`, `delete`…).
    pub action: String,
    /// The record's status before the change, when it has one and it changed.
    pub from_status: Option<String>,
    /// The record's status after the change, when it has one and it changed.
    pub to_status: Option<String>,
}

/// The `status` field of a record's snapshot.
fn status(snapshot: Option<&serde_json::Value>) -> Option<String> {
    snapshot
        .and_then(|s| s.get("status"))
        .and_then(|s| s.as_str())
        .map(str::to_owned)
}

impl PendingEvent {
    /// The event for a recorded change; statuses are kept only when they differ.
    pub(crate) fn new(
        entity: &str,
        record_id: &str,
        action: &str,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
    ) -> Self {
        let (from, to) = (status(before), status(after));
        let (from_status, to_status) = if from == to { (None, None) } else { (from, to) };
        Self {
            entity: entity.to_owned(),
            record_id: record_id.to_owned(),
            action: action.to_owned(),
            from_status,
            to_status,
        }
    }
}

/// Writes `events` on `txn` (in commit order, see the module's documentation) and wakes the
/// readers up when it commits.
pub(crate) async fn flush(
    txn: &DatabaseTransaction,
    events: Vec<PendingEvent>,
) -> Result<(), PersistenceError> {
    if events.is_empty() {
        return Ok(());
    }
    let postgres = txn.get_database_backend() == DbBackend::Postgres;
    if postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({OUTBOX_LOCK_KEY})"))
            .await?;
    }
    let now = Utc::now();
    let mut insert = Query::insert()
        .into_table(Alias::new("outbox_events"))
        .columns(WRITTEN.map(Alias::new))
        .to_owned();
    for event in events {
        let cells = [
            Cell::Time(now),
            Cell::Text(event.entity),
            Cell::Text(event.record_id),
            Cell::Text(event.action),
            Cell::opt_text(event.from_status),
            Cell::opt_text(event.to_status),
        ];
        insert
            .values(cells.iter().map(Cell::expr))
            .map_err(|e| PersistenceError::Seed(e.to_string()))?;
    }
    txn.execute(&insert).await?;
    if postgres {
        // Delivered when (and only if) the transaction commits.
        txn.execute_unprepared(&format!("SELECT pg_notify('{CHANNEL}', '')"))
            .await?;
    }
    Ok(())
}

impl Store {
    /// The id of the newest event in the outbox (0 when it is empty): a reader that starts
    /// now publishes what comes after it.
    pub async fn outbox_head(&self) -> Result<i64, PersistenceError> {
        let select = Query::select()
            .expr_as(Expr::col(Alias::new("id")).max(), Alias::new("head"))
            .from(Alias::new("outbox_events"))
            .to_owned();
        with_conn!(self, c => {
            let row = c.query_one(&select).await?;
            Ok(row
                .and_then(|row| row.try_get::<Option<i64>>("", "head").ok().flatten())
                .unwrap_or(0))
        })
    }

    /// Up to `limit` events after `after`, oldest first.
    pub async fn outbox_after(
        &self,
        after: i64,
        limit: u64,
    ) -> Result<Vec<OutboxEvent>, PersistenceError> {
        let select = Query::select()
            .column(Alias::new("id"))
            .columns(WRITTEN.map(Alias::new))
            .from(Alias::new("outbox_events"))
            .and_where(Expr::col(Alias::new("id")).gt(after))
            .order_by(Alias::new("id"), Order::Asc)
            .limit(limit)
            .to_owned();
        with_conn!(self, c => {
            let rows = c.query_all(&select).await?;
            rows.iter()
                .map(|row| OutboxEvent::from_query_result(row, "").map_err(PersistenceError::from))
                .collect()
        })
    }

    /// Deletes events recorded before `before`, except the newest event, which is kept whatever
    /// its age: its id is the data's generation (the gateway's kept answers depend on it never
    /// going back), and on SQLite it keeps the next id from reusing a pruned one. Returns how
    /// many were deleted.
    pub async fn prune_outbox(&self, before: DateTime<Utc>) -> Result<u64, PersistenceError> {
        let newest = Query::select()
            .expr(Expr::col(Alias::new("id")).max())
            .from(Alias::new("outbox_events"))
            .to_owned();
        let delete = Query::delete()
            .from_table(Alias::new("outbox_events"))
            .and_where(Expr::col(Alias::new("occurred_at")).lt(before))
            .and_where(Expr::col(Alias::new("id")).lt(Expr::SubQuery(
                None,
                Box::new(newest.into_sub_query_statement()),
            )))
            .to_owned();
        with_conn!(self, c => Ok(c.execute(&delete).await?.rows_affected()))
    }

    /// A listener for the outbox's wake-up notifications, on a connection of its own
    /// (PostgreSQL only; `None` on SQLite, where writers and readers share the process).
    pub async fn outbox_listener(&self) -> Result<Option<OutboxListener>, PersistenceError> {
        if self.backend() != Backend::Postgres {
            return Ok(None);
        }
        let pool = self.pool.get_postgres_connection_pool();
        let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool)
            .await
            .map_err(listener_error)?;
        listener.listen(CHANNEL).await.map_err(listener_error)?;
        Ok(Some(OutboxListener(listener)))
    }
}

/// A listener's failure, as a connection error (so that it reads as the database being away).
pub(crate) fn listener_error(error: sea_orm::sqlx::Error) -> PersistenceError {
    PersistenceError::Database(sea_orm::DbErr::Conn(sea_orm::RuntimeErr::SqlxError(
        std::sync::Arc::new(error),
    )))
}

/// Wake-ups for outbox readers (PostgreSQL `LISTEN`).
#[derive(Debug)]
pub struct OutboxListener(sea_orm::sqlx::postgres::PgListener);

impl OutboxListener {
    /// Waits for the next notification. After a lost connection, it reconnects on the next
    /// call (notifications sent meanwhile are lost: readers poll the outbox too).
    pub async fn wait(&mut self) -> Result<(), PersistenceError> {
        self.0.recv().await.map(|_| ()).map_err(listener_error)
    }
}
