//! Typed access to what resolvers need from the GraphQL context.

use async_graphql::Context;
use sharaka_domain::Lang;
use sharaka_persistence::Store;

use crate::loaders::StoreDataLoader;

/// The dependencies every resolver may use, attached to the schema once.
#[derive(Clone)]
pub struct AppDeps {
    /// The store.
    pub store: Store,
    /// The batching loader.
    pub loader: std::sync::Arc<StoreDataLoader>,
}

/// The language a request asked for (`Accept-Language`), attached per request.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestLang(pub Lang);

/// The app's dependencies. `build_schema` always attaches them, so their absence is a bug.
pub fn deps<'a>(ctx: &Context<'a>) -> &'a AppDeps {
    ctx.data_unchecked::<AppDeps>()
}

/// The language for a field: its `lang` argument, else the request's, else French.
pub fn lang(ctx: &Context<'_>, arg: Option<Lang>) -> Lang {
    arg.or_else(|| ctx.data_opt::<RequestLang>().map(|l| l.0))
        .unwrap_or_default()
}

/// Who is making the request. Until access control lands this is the configured development
/// identity (`SHARAKA_DEV_ACTOR`); identity checks will replace how it is built, in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    /// The actor's name, as recorded in the audit trail.
    pub actor: String,
}

/// The HTTP request's id (`x-request-id`), attached per request when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The author of changes made by this request, for the audit trail.
pub fn author(ctx: &Context<'_>) -> sharaka_persistence::write::Author {
    sharaka_persistence::write::Author {
        actor: ctx
            .data_opt::<Viewer>()
            .map_or_else(|| "anonymous".to_owned(), |v| v.actor.clone()),
        request_id: ctx.data_opt::<RequestId>().map(|r| r.0.clone()),
    }
}
