//! The domain's one error type. It carries no infrastructure detail: persistence and the gateway
//! map their own failures onto it or alongside it. Reasons are [`Problem`]s, rendered in the
//! request's language only at the edge.

use crate::lang::Lang;
use crate::problem::Problem;

/// One invalid input field: where it is and why it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path in the GraphQL input, such as `name` or `tallies[2].completed`.
    pub path: String,
    /// Why the value was refused.
    pub problem: Problem,
}

impl FieldError {
    /// A field error at `path`.
    pub fn new(path: impl Into<String>, problem: Problem) -> Self {
        Self {
            path: path.into(),
            problem,
        }
    }

    /// Why the value was refused, as a sentence in `lang` that a person can act on.
    pub fn reason(&self, lang: Lang) -> String {
        self.problem.message(lang)
    }
}

/// Lists `allowed` for a message, or says there is none.
fn list_or_none(allowed: &[&'static str]) -> String {
    if allowed.is_empty() {
        "none (final status)".to_owned()
    } else {
        allowed.join(", ")
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
    #[error("invalid input: {}", .0.iter().map(|f| format!("{}: {}", f.path, f.problem)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// A lifecycle transition is not allowed from the record's status, or its guard failed.
    #[error(
        "{entity}: cannot {action} from status {current}{}; allowed from {current}: {}",
        .reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default(),
        list_or_none(.allowed)
    )]
    InvalidTransition {
        /// The kind of record.
        entity: &'static str,
        /// The record's current status code.
        current: &'static str,
        /// The refused action's code.
        action: &'static str,
        /// The codes of the actions the table allows from `current`.
        allowed: Vec<&'static str>,
        /// The guard's explanation when the table allows the action but a guard refused it.
        reason: Option<Problem>,
    },
    /// The principal's role does not allow this change to this record.
    #[error("the {role} role may not {action} this {kind}")]
    Forbidden {
        /// The principal's role.
        role: crate::codes::Role,
        /// The refused action.
        action: String,
        /// The kind of record.
        kind: String,
    },
    /// The change conflicts with the stored state (for example a stale `expectedVersion`).
    #[error(
        "conflict on {field}{}",
        .current_version.map(|v| format!(": the record is now at version {v}")).unwrap_or_default()
    )]
    Conflict {
        /// What conflicts.
        field: String,
        /// The stored version, when the conflict is a stale version.
        current_version: Option<i32>,
    },
}

impl DomainError {
    /// An invalid-input error listing `fields`.
    pub fn invalid(fields: Vec<FieldError>) -> Self {
        Self::Invalid(fields)
    }

    /// A single invalid field with a structured problem.
    pub fn field(path: impl Into<String>, problem: Problem) -> Self {
        Self::Invalid(vec![FieldError::new(path, problem)])
    }

    /// A single invalid field with a free-text reason ([`Problem::Other`], not translated).
    pub fn invalid_field(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::field(path, Problem::Other(reason.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_stays_readable() {
        let e = DomainError::InvalidTransition {
            entity: "Agreement",
            current: "SIGNED",
            action: "SIGN",
            allowed: vec!["ENTER_INTO_FORCE", "TERMINATE"],
            reason: None,
        };
        assert_eq!(
            e.to_string(),
            "Agreement: cannot SIGN from status SIGNED; allowed from SIGNED: ENTER_INTO_FORCE, TERMINATE"
        );
        let c = DomainError::Conflict {
            field: "version".into(),
            current_version: Some(4),
        };
        assert_eq!(
            c.to_string(),
            "conflict on version: the record is now at version 4"
        );
        let i = DomainError::field("name", Problem::NeedsOneLanguage);
        assert!(
            i.to_string()
                .starts_with("invalid input: name: Enter the text")
        );
        let FieldError { problem, .. } = match DomainError::invalid_field("x", "free text") {
            DomainError::Invalid(mut v) => v.remove(0),
            other => panic!("{other:?}"),
        };
        assert_eq!(problem, Problem::Other("free text".into()));
    }
}
