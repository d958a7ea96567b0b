//! The GraphQL schema, built by a pure function (no IO), so that the SDL can be exported and
//! checked without a database.

pub mod connection;
pub mod context;
pub mod filters;
pub mod ids;
pub mod mutations;
pub mod nodes;
pub mod query;
pub mod resolve;
pub mod scalars;
pub mod write;

use async_graphql::{EmptySubscription, Schema};

pub use context::{AppDeps, RequestId, RequestLang, Viewer};

/// Depth limit: the deepest useful query (organisation → partnerships → agreements → projects →
/// training sessions → tallies, through edges and nodes) is about 16 levels.
pub const MAX_DEPTH: usize = 20;
/// Complexity limit: one point per field; a 5-level nested query over 50-item pages stays well
/// under it, while a query that asks for everything everywhere does not.
pub const MAX_COMPLEXITY: usize = 5_000;

/// The schema type.
pub type AppSchema = Schema<query::QueryRoot, mutations::MutationRoot, EmptySubscription>;

/// Builds the schema. With `deps` absent the schema still exports its SDL (for the schema
/// check), but resolvers would fail; the server always passes them.
pub fn build_schema(deps: Option<AppDeps>) -> AppSchema {
    let mut builder = Schema::build(
        query::QueryRoot,
        mutations::MutationRoot::default(),
        EmptySubscription,
    )
    .extension(async_graphql::extensions::Tracing)
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY);
    if let Some(deps) = deps {
        builder = builder.data(deps);
    }
    builder.finish()
}
