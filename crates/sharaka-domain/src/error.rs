//! The domain's one error type. It carries no infrastructure detail: persistence and the gateway
//! map their own failures onto it or alongside it.

/// One invalid input field: where it is and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path, such as `name` or `tallies[2].completed`.
    pub path: String,
    /// Why the value was refused, for a person to act on.
    pub reason: String,
}

impl FieldError {
    /// A field error at `path`.
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// Why a domain operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The record does not exist (or is not visible).
    #[error("{entity} `{id}` was not found")]
    NotFound {
        /// The kind of record.
        entity: &'static str,
        /// The identifier that was asked for.
        id: String,
    },
    /// One or more fields are invalid; every one is listed.
    #[error("invalid input: {}", .0.iter().map(|f| format!("{}: {}", f.path, f.reason)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The change conflicts with the stored state.
    #[error("conflict on {field}")]
    Conflict {
        /// What conflicts.
        field: String,
    },
}

impl DomainError {
    /// An invalid-input error listing `fields`.
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self::Invalid(fields)
    }

    /// A single invalid field.
    pub fn invalid_field(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(path, reason)])
    }
}
