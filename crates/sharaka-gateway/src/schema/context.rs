//! Typed access to what resolvers need from the GraphQL context.

use async_graphql::Context;
use sharaka_domain::Lang;
use sharaka_persistence::Store;

use crate::loaders::StoreDataLoader;

/// What every resolver may use, attached to each request: the store scoped to the principal
/// (and, for a mutation, on the request's transaction), its loader, and who is asking.
#[derive(Clone)]
pub struct AppDeps {
    /// The store, scoped to what the principal may read.
    pub store: Store,
    /// The batching loader over that store.
    pub loader: std::sync::Arc<StoreDataLoader>,
    /// Who is asking.
    pub principal: sharaka_domain::Principal,
    /// The records this request changed, checked against the principal before commit.
    pub touched: crate::access::TouchLog,
    /// The process's live-update hub (subscriptions).
    pub live: crate::live::Live,
}

/// The language a request asked for (`Accept-Language`), attached per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestLang(pub Lang);

/// The request's dependencies. `App::execute_as` always attaches them, so their absence is a bug.
pub fn deps<'a>(ctx: &Context<'a>) -> &'a AppDeps {
    ctx.data_unchecked::<AppDeps>()
}

/// The language for a field: its `lang` argument, else the request's, else French.
pub fn lang(ctx: &Context<'_>, arg: Option<Lang>) -> Lang {
    arg.or_else(|| ctx.data_opt::<RequestLang>().map(|l| l.0))
        .unwrap_or_default()
}

/// The HTTP request's id (`x-request-id`), attached per request when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The author of changes made by this request, for the audit trail.
pub fn author(ctx: &Context<'_>) -> sharaka_persistence::write::Author {
    sharaka_persistence::write::Author {
        actor: deps(ctx).principal.actor.clone(),
        request_id: ctx.data_opt::<RequestId>().map(|r| r.0.clone()),
    }
}
