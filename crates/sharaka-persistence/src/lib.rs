//! Sharaka's storage. Owns sea-orm completely: entities are private, and every public function
//! returns domain types or [`PersistenceError`]. One code path serves SQLite (the embedded
//! default) and PostgreSQL, chosen by the connection URL.

pub mod audit;
mod convert;
// Link-table entities are not read through sea-orm's typed API yet; the write path uses them.
#[allow(dead_code)]
mod entities;
mod error;
pub mod outbox;
pub mod query;
pub mod relations;
mod resource;
pub mod search;
pub mod seed;
pub mod stats;
pub mod tokens;
pub mod write;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use sharaka_migrations::Migrator;

pub use error::PersistenceError;
pub use query::{Direction, Filter, ListQuery, Op, Order, Page, Value};
pub use resource::{Columns, Relation, Resource, Via};

/// The PostgreSQL advisory lock key that serialises migrations across replicas (an arbitrary
/// constant: "SHRK" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x5348_524B;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, the embedded default.
    Sqlite,
    /// PostgreSQL, for production and scale-out.
    Postgres,
}

/// Counts every SQL statement a store runs; tests use it to prove that queries do not grow
/// with the number of rows (no N+1).
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Starts counting again from zero.
    pub fn reset(&self) {
        self.0.store(0, Ordering::SeqCst);
    }
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `sqlite://path?mode=rwc` or `postgres://…`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// When set, every statement increments it.
    pub counter: Option<StatementCounter>,
    /// How long a request waits for a pooled connection before failing.
    pub acquire_timeout: Duration,
    /// The longest a statement may run on PostgreSQL (`statement_timeout`); `None` for no limit.
    /// SQLite has no equivalent: a statement runs to its next row on sqlx's worker thread even
    /// when the request that started it was dropped at its deadline (see the README, "SQLite and
    /// the request deadline").
    pub statement_timeout: Option<Duration>,
}

impl StoreConfig {
    /// A configuration with the default pool size, a 5 s acquire timeout, a 30 s statement
    /// timeout and no counter.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            counter: None,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Some(Duration::from_secs(30)),
        }
    }
}

/// The connection a store runs its statements on: the pool, or one open transaction.
#[derive(Debug, Clone)]
enum Conn {
    Pool(DatabaseConnection),
    /// `None` once committed or rolled back. The mutex serialises the statements of one
    /// transaction, which run on one database connection anyway.
    Txn(Arc<tokio::sync::Mutex<Option<DatabaseTransaction>>>),
}

/// Runs `$body` with `$c` bound to the store's connection (pool or open transaction).
macro_rules! with_conn {
    ($store:expr, $c:ident => $body:expr) => {
        match &$store.conn {
            Conn::Pool($c) => $body,
            Conn::Txn(txn) => {
                let guard = txn.lock().await;
                match guard.as_ref() {
                    Some($c) => $body,
                    None => Err(PersistenceError::TransactionClosed),
                }
            }
        }
    };
}
pub(crate) use with_conn;

/// Which rows of each table the current principal may read. Applied by every read of a
/// scoped store — lists, counts, batches by id and relations alike — so that access rules have
/// one enforcement point.
pub trait Visibility: Send + Sync + std::fmt::Debug {
    /// A filter over `table`'s rows, or `None` for every row (`Filter::Any(vec![])` hides all).
    fn filter(&self, table: &'static str) -> Option<Filter>;
}

/// A connection pool to Sharaka's database — or, after [`Store::begin`], one transaction on it —
/// and the reads and writes over it, optionally limited to what a principal may see.
#[derive(Debug, Clone)]
pub struct Store {
    conn: Conn,
    pool: DatabaseConnection,
    visibility: Option<Arc<dyn Visibility>>,
    /// The changes a transaction recorded, written to the outbox when it commits.
    pending: Option<Arc<std::sync::Mutex<Vec<outbox::PendingEvent>>>>,
}

impl Store {
    /// Connects (creating an SQLite file if needed). Does not migrate.
    pub async fn connect(config: StoreConfig) -> Result<Self, PersistenceError> {
        let mut options = ConnectOptions::new(config.url.clone());
        options
            .max_connections(config.max_connections)
            .min_connections(1)
            .connect_timeout(config.acquire_timeout)
            .acquire_timeout(config.acquire_timeout)
            .sqlx_logging(false);
        if config.url.starts_with("sqlite:") {
            // WAL with synchronous=FULL: an acknowledged write survives a crash or power loss.
            options.map_sqlx_sqlite_opts(|opts| {
                opts.create_if_missing(true)
                    .foreign_keys(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
            });
        } else if let Some(timeout) = config.statement_timeout {
            let millis = timeout.as_millis().to_string();
            options.map_sqlx_postgres_opts(move |opts| {
                opts.options([("statement_timeout", millis.as_str())])
            });
        }
        let mut db = Database::connect(options).await?;
        if let Some(counter) = config.counter {
            db.set_metric_callback(move |_info| {
                counter.0.fetch_add(1, Ordering::SeqCst);
            });
        }
        Ok(Self {
            conn: Conn::Pool(db.clone()),
            pool: db,
            visibility: None,
            pending: None,
        })
    }

    /// Applies every pending migration. On PostgreSQL, replicas that start together take turns
    /// through an advisory lock (sea-orm-migration takes none), so migrations run once.
    pub async fn migrate(&self) -> Result<(), PersistenceError> {
        if self.backend() != Backend::Postgres {
            Migrator::up(&self.pool, None).await?;
            return Ok(());
        }
        // A session-level lock lives on one connection: hold it on a connection of its own.
        let lock = self.pool.begin().await?;
        lock.execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
        ))
        .await?;
        let result = Migrator::up(&self.pool, None).await;
        lock.commit().await?;
        result?;
        Ok(())
    }

    /// Whether every known migration is applied (for readiness).
    pub async fn migrations_applied(&self) -> Result<bool, PersistenceError> {
        Ok(self
            .migration_status()
            .await?
            .iter()
            .all(|(_, applied)| *applied))
    }

    /// Rolls back the last `steps` migrations.
    pub async fn migrate_down(&self, steps: u32) -> Result<(), PersistenceError> {
        Migrator::down(&self.pool, Some(steps)).await?;
        Ok(())
    }

    /// Every migration with whether it is applied, in order.
    pub async fn migration_status(&self) -> Result<Vec<(String, bool)>, PersistenceError> {
        use sea_orm_migration::MigrationStatus;
        let migrations = Migrator::get_migration_with_status(&self.pool).await?;
        Ok(migrations
            .iter()
            .map(|m| (m.name().to_owned(), m.status() == MigrationStatus::Applied))
            .collect())
    }

    /// Writes a consistent copy of an SQLite database to `path` while it stays online
    /// (`VACUUM INTO`). PostgreSQL is backed up with `pg_dump` instead.
    pub async fn backup_sqlite(&self, path: &str) -> Result<(), PersistenceError> {
        if self.backend() != Backend::Sqlite {
            return Err(PersistenceError::Seed(
                "online backup is for SQLite; use pg_dump for PostgreSQL".into(),
            ));
        }
        let statement = sea_orm::Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "VACUUM INTO ?",
            [path.into()],
        );
        self.pool.execute_raw(statement).await?;
        Ok(())
    }

    /// SQLite's own consistency check (`PRAGMA integrity_check`): `["ok"]` for a sound file,
    /// else one line per problem. PostgreSQL has no equivalent; it is refused.
    pub async fn sqlite_integrity_check(&self) -> Result<Vec<String>, PersistenceError> {
        if self.backend() != Backend::Sqlite {
            return Err(PersistenceError::Seed(
                "the integrity check is SQLite's; PostgreSQL checks itself".into(),
            ));
        }
        let statement =
            sea_orm::Statement::from_string(DbBackend::Sqlite, "PRAGMA integrity_check");
        let rows = self.pool.query_all_raw(statement).await?;
        rows.iter()
            .map(|row| {
                row.try_get_by_index::<String>(0)
                    .map_err(PersistenceError::from)
            })
            .collect()
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        match self.pool.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// The pool's open and idle connections, for metrics.
    pub fn pool_stats(&self) -> (u32, usize) {
        match self.backend() {
            Backend::Postgres => {
                let pool = self.pool.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            Backend::Sqlite => {
                let pool = self.pool.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), PersistenceError> {
        self.pool.ping().await?;
        Ok(())
    }

    /// Starts a transaction; the returned store runs every read and write in it until
    /// [`Store::commit`] or [`Store::rollback`]. On SQLite the transaction takes the write lock
    /// at once (`BEGIN IMMEDIATE`), so concurrent writers queue instead of failing mid-way.
    pub async fn begin(&self) -> Result<Store, PersistenceError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let txn = self.pool.begin_with_options(options).await?;
        Ok(Self {
            conn: Conn::Txn(Arc::new(tokio::sync::Mutex::new(Some(txn)))),
            pool: self.pool.clone(),
            visibility: self.visibility.clone(),
            pending: Some(Arc::default()),
        })
    }

    /// Commits the transaction this store was begun with (a no-op on a pool store), with the
    /// outbox events of the changes it recorded (see [`outbox`]).
    pub async fn commit(&self) -> Result<(), PersistenceError> {
        if let Conn::Txn(txn) = &self.conn
            && let Some(txn) = txn.lock().await.take()
        {
            // On failure the transaction is dropped, which rolls it back: no change without
            // its event.
            outbox::flush(&txn, self.take_pending()).await?;
            txn.commit().await?;
        }
        Ok(())
    }

    /// The outbox events recorded so far on this transaction, emptied.
    fn take_pending(&self) -> Vec<outbox::PendingEvent> {
        self.pending
            .as_ref()
            .map(|pending| match pending.lock() {
                Ok(mut events) => std::mem::take(&mut *events),
                Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
            })
            .unwrap_or_default()
    }

    /// Rolls back the transaction this store was begun with (a no-op on a pool store).
    pub async fn rollback(&self) -> Result<(), PersistenceError> {
        if let Conn::Txn(txn) = &self.conn
            && let Some(txn) = txn.lock().await.take()
        {
            txn.rollback().await?;
        }
        Ok(())
    }

    /// The same store, reading only what `visibility` allows.
    pub fn scoped(&self, visibility: Arc<dyn Visibility>) -> Store {
        Store {
            visibility: Some(visibility),
            ..self.clone()
        }
    }

    /// The same store without read limits (background jobs, seeding, checks).
    pub fn unscoped(&self) -> Store {
        Store {
            visibility: None,
            ..self.clone()
        }
    }

    fn scope(&self, table: &'static str) -> Option<Filter> {
        self.visibility.as_ref().and_then(|v| v.filter(table))
    }

    /// One page of records.
    pub async fn list<R: Resource>(&self, query: &ListQuery) -> Result<Vec<R>, PersistenceError> {
        self.list_reading(query, Columns::ALL).await
    }

    /// One page of records, each read from `columns` only (see [`Columns`]).
    pub async fn list_reading<R: Resource>(
        &self,
        query: &ListQuery,
        columns: Columns,
    ) -> Result<Vec<R>, PersistenceError> {
        let scope = self.scope(R::TABLE);
        with_conn!(self, c => resource::list(c, query, scope.as_ref(), columns).await)
    }

    /// Keyset paging (see [`resource::list_after`]): at most `limit` records the filter keeps
    /// after the record `after`, in the list's order by the keys of `order` (by id alone when
    /// empty). For walks over every record.
    pub async fn list_after<R: Resource>(
        &self,
        filter: Option<&Filter>,
        include_archived: bool,
        order: &[Order],
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<(String, R)>, PersistenceError> {
        let scope = self.scope(R::TABLE);
        with_conn!(self, c => resource::list_after(c, filter, include_archived, order, after, limit, scope.as_ref()).await)
    }

    /// How many records the query's filter keeps.
    pub async fn count<R: Resource>(&self, query: &ListQuery) -> Result<u64, PersistenceError> {
        let scope = self.scope(R::TABLE);
        with_conn!(self, c => resource::count::<R, _>(c, query, scope.as_ref()).await)
    }

    /// Records by id, in one statement.
    pub async fn by_ids<R: Resource>(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, R>, PersistenceError> {
        let scope = self.scope(R::TABLE);
        with_conn!(self, c => resource::by_ids(c, ids, scope.as_ref()).await)
    }

    /// Which of `ids` name unarchived records of `R` this store's reader may see, in one
    /// statement that reads ids only.
    pub async fn visible_ids<R: Resource>(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashSet<String>, PersistenceError> {
        let scope = self.scope(R::TABLE);
        with_conn!(self, c => resource::visible_ids::<R, _>(c, ids, scope.as_ref()).await)
    }

    /// Children of many parents, one page per parent, in one statement.
    pub async fn children<R: Resource>(
        &self,
        relation: &Relation,
        parent_ids: &[String],
        query: &ListQuery,
    ) -> Result<HashMap<String, Vec<R>>, PersistenceError> {
        self.children_reading(relation, parent_ids, query, Columns::ALL)
            .await
    }

    /// Children of many parents, one page per parent, in one statement, each read from
    /// `columns` only (see [`Columns`]).
    pub async fn children_reading<R: Resource>(
        &self,
        relation: &Relation,
        parent_ids: &[String],
        query: &ListQuery,
        columns: Columns,
    ) -> Result<HashMap<String, Vec<R>>, PersistenceError> {
        let scope = self.scope(R::TABLE);
        with_conn!(self, c => resource::children(c, relation, parent_ids, query, scope.as_ref(), columns).await)
    }

    /// Child counts of many parents, in one statement.
    pub async fn child_counts<R: Resource>(
        &self,
        relation: &Relation,
        parent_ids: &[String],
        query: &ListQuery,
    ) -> Result<HashMap<String, u64>, PersistenceError> {
        let scope = self.scope(R::TABLE);
        with_conn!(self, c => resource::child_counts::<R, _>(c, relation, parent_ids, query, scope.as_ref()).await)
    }

    /// Applies the next `steps` pending migrations (for tests that walk the migrations one at
    /// a time; serving applies them all with [`Store::migrate`]).
    #[doc(hidden)]
    pub async fn migrate_up(&self, steps: u32) -> Result<(), PersistenceError> {
        Migrator::up(&self.pool, Some(steps)).await?;
        Ok(())
    }

    /// What the database's schema holds, one sorted line per table column, index, constraint,
    /// trigger and function (SQLite: its `sqlite_master` entries), so that two states can be
    /// compared. For tests of the migrations.
    #[doc(hidden)]
    pub async fn schema_outline(&self) -> Result<Vec<String>, PersistenceError> {
        let sql = match self.backend() {
            Backend::Postgres => {
                "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' \
                   || is_nullable || ' ' || COALESCE(column_default, '') \
                   || COALESCE(' collate ' || collation_name, '') AS line \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' \
                 UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname \
                   || ' ' || pg_get_constraintdef(oid) \
                 FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
                 UNION ALL SELECT 'trigger ' || tgrelid::regclass::text || ' ' || tgname \
                 FROM pg_trigger WHERE NOT tgisinternal \
                 UNION ALL SELECT 'function ' || p.proname FROM pg_proc p \
                 JOIN pg_namespace n ON n.oid = p.pronamespace \
                 WHERE n.nspname = 'public' AND p.prokind = 'f' \
                   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
            }
            _ => {
                "SELECT type || ' ' || name || ' ' || tbl_name || ' ' || COALESCE(sql, '') AS line \
                 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            }
        };
        let rows = self
            .pool
            .query_all_raw(sea_orm::Statement::from_string(
                self.pool.get_database_backend(),
                sql,
            ))
            .await?;
        let mut lines = rows
            .iter()
            .map(|row| row.try_get_by_index::<String>(0))
            .collect::<Result<Vec<_>, _>>()?;
        lines.sort();
        Ok(lines)
    }

    /// Reads every stored row of every table with both of persistence's row decoders and
    /// compares them (see `entities::Positional`); returns how many rows agreed. For tests.
    #[doc(hidden)]
    pub async fn compare_row_decoders(&self) -> Result<usize, PersistenceError> {
        Ok(entities::compare_decoders(&self.pool).await?)
    }

    /// The pool, for seeding (which opens its own transaction).
    pub(crate) fn connection(&self) -> &DatabaseConnection {
        &self.pool
    }
}
