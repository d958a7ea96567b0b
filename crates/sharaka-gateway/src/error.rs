//! The API's errors and their stable codes.
//!
//! Policy (after crates.io's `util/errors.rs`):
//! - Every error a client sees has `extensions.code` from the one table below, and a short
//!   message a person can act on, in the request's language where the domain gives one.
//! - Internal failures (database, corrupt rows, bugs) are logged with their detail and the
//!   request id, and reach the client as the generic message "internal error" — never SQL or a
//!   stack trace.
//! - Resolvers convert with `.gql()?` (see [`GqlResultExt`]) instead of a bare `?`, because
//!   async-graphql turns any `Display` error into a client message.

use async_graphql::indexmap::IndexMap;
use async_graphql::{ErrorExtensions, Name, Value};
use sharaka_domain::{DomainError, FieldError, Lang, Problem};
use sharaka_persistence::PersistenceError;

tokio::task_local! {
    /// The language of the request being executed, for rendering error reasons.
    pub static ERROR_LANG: Lang;
}

fn current_lang() -> Lang {
    ERROR_LANG.try_with(|l| *l).unwrap_or_default()
}

/// The stable codes, in one table. Clients match on these, so they never change meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The query text does not parse.
    GraphqlParseFailed,
    /// The query does not validate against the schema.
    GraphqlValidationFailed,
    /// An argument or input value is invalid; `extensions.fields` lists every invalid field.
    BadUserInput,
    /// The record does not exist.
    NotFound,
    /// The record changed since it was read (`extensions.currentVersion`), or the change
    /// conflicts with other records.
    Conflict,
    /// A lifecycle transition is not allowed from the record's status
    /// (`extensions.currentStatus`, `extensions.allowedTransitions`).
    InvalidTransition,
    /// The role does not allow this action on a record the principal can see.
    Forbidden,
    /// The credentials are missing where required, malformed, expired or revoked.
    Unauthenticated,
    /// The request is not acceptable over HTTP (method, content type, size, batch).
    BadRequest,
    /// Too many requests: slow down (`Retry-After`).
    RateLimited,
    /// An automatic persisted query's hash is unknown: send the query text with it.
    PersistedQueryNotFound,
    /// The server runs only registered operations (allow-list mode), and this is not one.
    OperationNotAllowed,
    /// The operation ran past the server's execution deadline and was stopped.
    Timeout,
    /// The database is unavailable; try again shortly.
    ServiceUnavailable,
    /// A subscriber fell too far behind its events and was closed: subscribe again (and read
    /// what it missed with a query).
    SubscriberTooSlow,
    /// A WebSocket connection already runs as many subscriptions as allowed.
    TooManySubscriptions,
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
            Code::InvalidTransition => "INVALID_TRANSITION",
            Code::Forbidden => "FORBIDDEN",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::BadRequest => "BAD_REQUEST",
            Code::RateLimited => "RATE_LIMITED",
            Code::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Code::OperationNotAllowed => "OPERATION_NOT_ALLOWED",
            Code::Timeout => "TIMEOUT",
            Code::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Code::SubscriberTooSlow => "SUBSCRIBER_TOO_SLOW",
            Code::TooManySubscriptions => "TOO_MANY_SUBSCRIPTIONS",
            Code::InternalServerError => "INTERNAL_SERVER_ERROR",
        }
    }
}

/// An error the API reports.
#[derive(Debug, Clone, thiserror::Error)]
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
    #[error("{message}")]
    Conflict {
        /// What conflicts.
        message: String,
        /// The record's stored version, when the conflict is a stale `expectedVersion`.
        current_version: Option<i32>,
    },
    /// A refused lifecycle transition.
    #[error("{message}")]
    InvalidTransition {
        /// The English explanation.
        message: String,
        /// The record's status.
        current: &'static str,
        /// The refused action.
        action: &'static str,
        /// The actions allowed from `current`.
        allowed: Vec<&'static str>,
        /// The guard's reason, when a guard refused.
        reason: Option<Problem>,
    },
    /// The role does not allow the action.
    #[error("{0}")]
    Forbidden(String),
    /// The database cannot be reached right now: logged in full, shown as a retryable error.
    #[error("the database is unavailable; try again shortly")]
    Unavailable(String),
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
            ApiError::Conflict { .. } => Code::Conflict,
            ApiError::InvalidTransition { .. } => Code::InvalidTransition,
            ApiError::Forbidden(_) => Code::Forbidden,
            ApiError::Unavailable(_) => Code::ServiceUnavailable,
            ApiError::Internal(_) => Code::InternalServerError,
        }
    }

    /// The message in `lang`, where the domain gives one.
    fn message(&self, lang: Lang) -> String {
        match self {
            ApiError::BadUserInput { fields, .. } if !fields.is_empty() => {
                let list = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.path, f.reason(lang)))
                    .collect::<Vec<_>>()
                    .join("; ");
                match lang {
                    Lang::Ar => format!("مدخلات غير صالحة — {list}"),
                    Lang::Fr => format!("Saisie invalide — {list}"),
                    Lang::En => format!("Invalid input — {list}"),
                }
            }
            ApiError::InvalidTransition {
                current,
                action,
                allowed,
                reason,
                ..
            } => {
                let allowed = if allowed.is_empty() {
                    "—".to_owned()
                } else {
                    allowed.join(", ")
                };
                let why = reason
                    .as_ref()
                    .map(|r| format!(" ({})", r.message(lang)))
                    .unwrap_or_default();
                match lang {
                    Lang::Ar => format!(
                        "لا يمكن تنفيذ {action} انطلاقا من الحالة {current}{why}؛ المسموح: {allowed}"
                    ),
                    Lang::Fr => format!(
                        "Impossible d'appliquer {action} depuis le statut {current}{why} ; possibles : {allowed}"
                    ),
                    Lang::En => {
                        format!("cannot {action} from status {current}{why}; allowed: {allowed}")
                    }
                }
            }
            other => other.to_string(),
        }
    }
}

impl From<PersistenceError> for ApiError {
    fn from(error: PersistenceError) -> Self {
        match error {
            PersistenceError::NotFound { table, id } => {
                ApiError::NotFound(format!("{table} `{id}` was not found"))
            }
            PersistenceError::VersionConflict { current, .. } => ApiError::Conflict {
                message: format!(
                    "the record was changed by someone else: it is now at version {current}; reload it and try again"
                ),
                current_version: Some(current),
            },
            PersistenceError::Constraint(message) => ApiError::Conflict {
                message,
                current_version: None,
            },
            ref unavailable if unavailable.is_unavailable() => {
                ApiError::Unavailable(error.to_string())
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::NotFound { .. } => ApiError::NotFound(error.to_string()),
            DomainError::Forbidden { .. } => ApiError::Forbidden(error.to_string()),
            DomainError::Invalid(fields) => ApiError::BadUserInput {
                message: DomainError::Invalid(fields.clone()).to_string(),
                fields,
            },
            DomainError::Conflict {
                current_version, ..
            } => ApiError::Conflict {
                message: error.to_string(),
                current_version,
            },
            DomainError::InvalidTransition {
                current,
                action,
                ref allowed,
                ref reason,
                ..
            } => ApiError::InvalidTransition {
                message: error.to_string(),
                current,
                action,
                allowed: allowed.clone(),
                reason: reason.clone(),
            },
        }
    }
}

fn object(pairs: Vec<(&str, Value)>) -> Value {
    let mut map = IndexMap::new();
    for (k, v) in pairs {
        map.insert(Name::new(k), v);
    }
    Value::Object(map)
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        match self {
            ApiError::Internal(detail) => tracing::error!(error = %detail, "internal error"),
            ApiError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable")
            }
            _ => {}
        }
        let lang = current_lang();
        async_graphql::Error::new(self.message(lang)).extend_with(|_, ext| {
            ext.set("code", self.code().as_str());
            match self {
                ApiError::BadUserInput { fields, .. } if !fields.is_empty() => {
                    let list = fields
                        .iter()
                        .map(|f| {
                            object(vec![
                                ("path", Value::from(f.path.clone())),
                                ("problem", Value::from(f.problem.code())),
                                ("reason", Value::from(f.reason(lang))),
                            ])
                        })
                        .collect();
                    ext.set("fields", Value::List(list));
                }
                ApiError::Conflict {
                    current_version: Some(v),
                    ..
                } => ext.set("currentVersion", *v),
                ApiError::InvalidTransition {
                    current, allowed, ..
                } => {
                    ext.set("currentStatus", *current);
                    ext.set(
                        "allowedTransitions",
                        Value::List(allowed.iter().map(|a| Value::from(*a)).collect()),
                    );
                }
                _ => {}
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
        (*error).clone()
    }
}
