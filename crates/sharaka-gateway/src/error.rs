//! The API's errors and their stable codes.
//!
//! Policy (after crates.io's `util/errors.rs`):
//! - Every error a client sees has `extensions.code` from the one table below, and a short
//!   message a person can act on.
//! - Internal failures (database, corrupt rows, bugs) are logged with their detail and the
//!   request id, and reach the client as the generic message "internal error" — never SQL or a
//!   stack trace.
//! - Resolvers convert with `.gql()?` (see [`GqlResultExt`]) instead of a bare `?`, because
//!   async-graphql turns any `Display` error into a client message.

use async_graphql::{ErrorExtensions, Value};
use sharaka_domain::{DomainError, FieldError};
use sharaka_persistence::PersistenceError;

/// The stable codes, in one table. Clients match on these, so they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The query text does not parse.
    GraphqlParseFailed,
    /// The query does not validate against the schema.
    GraphqlValidationFailed,
    /// An argument or input value is invalid.
    BadUserInput,
    /// The record does not exist.
    NotFound,
    /// The change conflicts with the stored state.
    Conflict,
    /// The request is not acceptable over HTTP (method, content type, size, batch).
    BadRequest,
    /// Something failed inside the server.
    InternalServerError,
}

impl Code {
    /// The code's text in `extensions.code`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Code::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::NotFound => "NOT_FOUND",
            Code::Conflict => "CONFLICT",
            Code::BadRequest => "BAD_REQUEST",
            Code::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// An error the API reports.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Invalid input, with every offending field when known.
    #[error("{message}")]
    BadUserInput {
        /// What is wrong, for a person.
        message: String,
        /// The offending fields.
        fields: Vec<FieldError>,
    },
    /// The record does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The change conflicts with the stored state.
    #[error("{0}")]
    Conflict(String),
    /// Anything else: logged in full, shown as "internal error".
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// A bad-input error with one message.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self::BadUserInput {
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// The error's code.
    pub fn code(&self) -> Code {
        match self {
            ApiError::BadUserInput { .. } => Code::BadUserInput,
            ApiError::NotFound(_) => Code::NotFound,
            ApiError::Conflict(_) => Code::Conflict,
            ApiError::Internal(_) => Code::InternalServerError,
        }
    }
}

impl From<PersistenceError> for ApiError {
    fn from(error: PersistenceError) -> Self {
        ApiError::Internal(error.to_string())
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::NotFound { .. } => ApiError::NotFound(error.to_string()),
            DomainError::Invalid(fields) => ApiError::BadUserInput {
                message: DomainError::Invalid(fields.clone()).to_string(),
                fields,
            },
            DomainError::Conflict { .. } => ApiError::Conflict(error.to_string()),
        }
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        if let ApiError::Internal(detail) = self {
            tracing::error!(error = %detail, "internal error");
        }
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", self.code().as_str());
            if let ApiError::BadUserInput { fields, .. } = self
                && !fields.is_empty()
            {
                let list: Vec<Value> = fields
                    .iter()
                    .map(|f| {
                        let mut map = async_graphql::indexmap::IndexMap::new();
                        map.insert(
                            async_graphql::Name::new("path"),
                            Value::from(f.path.clone()),
                        );
                        map.insert(
                            async_graphql::Name::new("reason"),
                            Value::from(f.reason.clone()),
                        );
                        Value::Object(map)
                    })
                    .collect();
                ext.set("fields", Value::List(list));
            }
        })
    }
}

/// Converts any error the API knows into a coded GraphQL error.
pub trait GqlResultExt<T> {
    /// Maps the error through [`ApiError`] and its extensions.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T, E: Into<ApiError>> GqlResultExt<T> for Result<T, E> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.into().extend())
    }
}

impl From<std::sync::Arc<ApiError>> for ApiError {
    fn from(error: std::sync::Arc<ApiError>) -> Self {
        match &*error {
            ApiError::BadUserInput { message, fields } => ApiError::BadUserInput {
                message: message.clone(),
                fields: fields.clone(),
            },
            ApiError::NotFound(m) => ApiError::NotFound(m.clone()),
            ApiError::Conflict(m) => ApiError::Conflict(m.clone()),
            ApiError::Internal(m) => ApiError::Internal(m.clone()),
        }
    }
}
