//! Sharaka's storage. Owns sea-orm completely: entities are private, and every public function
//! returns domain types or [`PersistenceError`]. One code path serves SQLite (the embedded
//! default) and PostgreSQL, chosen by the connection URL.

mod convert;
// Link-table entities are not read through sea-orm's typed API yet; the write path uses them.
#[allow(dead_code)]
mod entities;
mod error;
pub mod query;
pub mod relations;
mod resource;
pub mod seed;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use sea_orm_migration::MigratorTrait;
use sharaka_migrations::Migrator;

pub use error::PersistenceError;
pub use query::{Direction, Filter, ListQuery, Op, Order, Page, Value};
pub use resource::{Relation, Resource, Via};

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
}

impl StoreConfig {
    /// A configuration with the default pool size and no counter.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 10,
            counter: None,
        }
    }
}

/// A connection pool to Sharaka's database, and the reads over it.
#[derive(Debug, Clone)]
pub struct Store {
    db: DatabaseConnection,
}

impl Store {
    /// Connects (creating an SQLite file if needed). Does not migrate.
    pub async fn connect(config: StoreConfig) -> Result<Self, PersistenceError> {
        let mut options = ConnectOptions::new(config.url.clone());
        options
            .max_connections(config.max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        if config.url.starts_with("sqlite:") {
            options.map_sqlx_sqlite_opts(|opts| {
                opts.create_if_missing(true)
                    .foreign_keys(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(10))
            });
        }
        let mut db = Database::connect(options).await?;
        if let Some(counter) = config.counter {
            db.set_metric_callback(move |_info| {
                counter.0.fetch_add(1, Ordering::SeqCst);
            });
        }
        Ok(Self { db })
    }

    /// Applies every pending migration.
    pub async fn migrate(&self) -> Result<(), PersistenceError> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        match self.db.get_database_backend() {
            DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), PersistenceError> {
        self.db.ping().await?;
        Ok(())
    }

    /// One page of records.
    pub async fn list<R: Resource>(&self, query: &ListQuery) -> Result<Vec<R>, PersistenceError> {
        resource::list(&self.db, query).await
    }

    /// How many records the query's filter keeps.
    pub async fn count<R: Resource>(&self, query: &ListQuery) -> Result<u64, PersistenceError> {
        resource::count::<R>(&self.db, query).await
    }

    /// Records by id, in one statement.
    pub async fn by_ids<R: Resource>(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, R>, PersistenceError> {
        resource::by_ids(&self.db, ids).await
    }

    /// Children of many parents, one page per parent, in one statement.
    pub async fn children<R: Resource>(
        &self,
        relation: &Relation,
        parent_ids: &[String],
        query: &ListQuery,
    ) -> Result<HashMap<String, Vec<R>>, PersistenceError> {
        resource::children(&self.db, relation, parent_ids, query).await
    }

    /// Child counts of many parents, in one statement.
    pub async fn child_counts<R: Resource>(
        &self,
        relation: &Relation,
        parent_ids: &[String],
        query: &ListQuery,
    ) -> Result<HashMap<String, u64>, PersistenceError> {
        resource::child_counts::<R>(&self.db, relation, parent_ids, query).await
    }

    pub(crate) fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}
