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
    /// The demo or synthetic seed could not be loaded.
    #[error("seed error: {0}")]
    Seed(String),
}
