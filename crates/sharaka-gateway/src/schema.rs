//! The GraphQL schema, built by a pure function (no IO), so that the SDL can be exported and
//! checked without a database.

pub mod columns;
pub mod connection;
pub mod context;
pub mod disclosure;
pub mod export;
pub mod filters;
pub mod ids;
pub mod mutations;
pub mod nodes;
pub mod plain;
pub mod query;
pub mod resolve;
pub mod rows;
pub mod scalars;
pub mod search;
pub mod stats;
pub mod subscription;
pub mod write;

use async_graphql::Schema;

pub use context::{AppDeps, RequestId, RequestLang};

/// Depth limit: the deepest useful query (organisation → partnerships → agreements → projects →
/// training sessions → tallies, through edges and nodes) is about 16 levels.
pub const MAX_DEPTH: usize = 20;
/// Complexity limit: one point per field; a 5-level nested query over 50-item pages stays well
/// under it, while a query that asks for everything everywhere does not.
pub const MAX_COMPLEXITY: usize = 5_000;

/// The schema type.
pub type AppSchema =
    Schema<query::QueryRoot, mutations::MutationRoot, subscription::SubscriptionRoot>;

/// Builds the schema. It holds no dependencies: `App::execute_as` attaches them to each request,
/// scoped to who is asking, so the SDL can be exported without a database.
pub fn build_schema() -> AppSchema {
    builder().finish()
}

/// The same schema without field suggestions ("Did you mean …?" in validation errors), for
/// `PUBLIC` requests when introspection is switched off for them: suggestions would otherwise
/// reveal the schema field by field. async-graphql sets suggestions per schema, so the
/// application builds this one once, at start.
pub fn build_public_schema() -> AppSchema {
    builder().disable_suggestions().finish()
}

/// No per-field tracing extension: async-graphql's `Tracing` opens a span for every resolved
/// field, which on a dashboard answer (thousands of fields) cost more server time than its SQL.
/// Each operation still has its own span (`telemetry::operation_span`: name, type,
/// complexity, depth, duration and outcome). No extension at all, in fact: pages of nodes answer
/// their plain fields in place ([`plain`]), where an extension's per-field hook would not see
/// them.
fn builder() -> async_graphql::SchemaBuilder<
    query::QueryRoot,
    mutations::MutationRoot,
    subscription::SubscriptionRoot,
> {
    Schema::build(
        query::QueryRoot,
        mutations::MutationRoot::default(),
        subscription::SubscriptionRoot,
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
}
