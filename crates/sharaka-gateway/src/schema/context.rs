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
