//! Sharaka's domain: the partnership graph's types, their codes with Arabic, French and English
//! labels, and the rules that hold whatever stores or serves them.
//!
//! Error policy: functions here return [`DomainError`] (or a small parse error that converts into
//! it). Nothing here does IO; persistence and the gateway load, call into this crate, and store.

pub mod access;
pub mod codes;
pub mod commands;
pub mod error;
pub mod ids;
pub mod lang;
pub mod lifecycle;
pub mod model;
pub mod partial_date;
pub mod problem;
pub mod resources;
pub mod results;
pub mod search;
pub mod text;

pub use access::{
    Principal, ReadScope, RecordKind, WriteAction, WriteTarget, can_write, read_scope,
};
pub use codes::*;
pub use commands::*;
pub use error::{DomainError, FieldError};
pub use ids::*;
pub use lang::Lang;
pub use lifecycle::*;
pub use model::*;
pub use partial_date::PartialDate;
pub use problem::Problem;
pub use resources::*;
pub use results::*;
pub use text::LocalizedText;

#[cfg(test)]
mod dependency_tests {
    /// The domain stays pure: its normal dependencies carry no database, GraphQL, HTTP or async
    /// runtime crate (STYLE.md practice 2). Reads this crate's manifest.
    #[test]
    fn domain_has_no_io_dependencies() {
        let manifest = include_str!("../Cargo.toml");
        let deps = manifest
            .split("[dependencies]")
            .nth(1)
            .and_then(|rest| rest.split("\n[").next())
            .unwrap_or("");
        for forbidden in [
            "sea-orm",
            "async-graphql",
            "axum",
            "tokio",
            "reqwest",
            "tracing-subscriber",
            "sqlx",
        ] {
            assert!(
                !deps.contains(forbidden),
                "sharaka-domain must not depend on {forbidden}"
            );
        }
        assert!(
            deps.contains("thiserror"),
            "the manifest section was not found"
        );
    }
}
