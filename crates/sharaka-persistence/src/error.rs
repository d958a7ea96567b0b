//! Persistence's error type. Database errors stay inside: callers see what went wrong in domain
//! terms (not found, conflict) or an internal error whose detail is only logged.

use sea_orm::DbErr;

/// What can go wrong when reading or writing the store.
#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    /// The database failed; the detail is for logs, not clients.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// A stored row does not satisfy the domain's rules (a bug or a manual edit).
    #[error("corrupt row in {table} `{id}`: {reason}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The row's id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// A query named a field the resource cannot be filtered or sorted on (a gateway bug).
    #[error("{table} has no filterable field `{field}`")]
    UnknownField {
        /// The table.
        table: &'static str,
        /// The field.
        field: String,
    },
    /// The store's transaction was already committed or rolled back (a bug).
    #[error("the transaction is already closed")]
    TransactionClosed,
    /// The record does not exist.
    #[error("{table} `{id}` was not found")]
    NotFound {
        /// The table.
        table: &'static str,
        /// The id.
        id: String,
    },
    /// The record changed since the caller read it: nothing was written.
    #[error("{table} `{id}` is at version {current}, not the expected one")]
    VersionConflict {
        /// The table.
        table: &'static str,
        /// The id.
        id: String,
        /// The stored version.
        current: i32,
    },
    /// A uniqueness or reference rule of the database refused the write.
    #[error("the change conflicts with existing records ({0})")]
    Constraint(String),
    /// The demo or synthetic seed could not be loaded.
    #[error("seed error: {0}")]
    Seed(String),
}

impl PersistenceError {
    /// Whether the database is out of reach (down, restarting, pool exhausted) rather than the
    /// request or the code being wrong: such requests fail fast and may be retried.
    pub fn is_unavailable(&self) -> bool {
        let PersistenceError::Database(error) = self else {
            return false;
        };
        match error {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
            DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))
            | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) => {
                matches!(
                    &**e,
                    sea_orm::sqlx::Error::Io(_)
                        | sea_orm::sqlx::Error::PoolTimedOut
                        | sea_orm::sqlx::Error::PoolClosed
                        | sea_orm::sqlx::Error::WorkerCrashed
                ) || e
                    .as_database_error()
                    .and_then(|d| d.code())
                    .is_some_and(|c| c.starts_with("57P") || c.starts_with("08"))
            }
            _ => false,
        }
    }
}
