//! The few operations every resolver is built from: load one record by id, one page of a
//! relation, one page of a root list. All go through the batching loader or one statement.

use std::sync::Arc;

use async_graphql::Context;
use sharaka_persistence::{Filter, ListQuery, Order, Relation, Resource};

use super::columns::{Reads, selected};
use super::connection::{Paged, TotalFn, page, probe};
use super::context::deps;
use crate::error::{ApiError, GqlResultExt};
use crate::loaders::{ChildKey, CountKey, IdKey};

impl<T> Paged<T> {
    /// Wraps each item (domain record → GraphQL node).
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            offset: self.offset,
            has_next: self.has_next,
            total: self.total,
        }
    }
}

/// The record of type `R` with this id, through the loader; `None` when absent.
pub async fn one<R: Resource>(
    ctx: &Context<'_>,
    id: Option<&str>,
) -> async_graphql::Result<Option<R>> {
    match id {
        None => Ok(None),
        Some(id) => deps(ctx)
            .loader
            .load_one(IdKey::<R>::new(id))
            .await
            .map_err(ApiError::from)
            .gql(),
    }
}

/// The record of type `R` with this id, which referential integrity guarantees exists.
pub async fn required<R: Resource>(ctx: &Context<'_>, id: &str) -> async_graphql::Result<R> {
    one::<R>(ctx, Some(id))
        .await?
        .ok_or_else(|| ApiError::Internal(format!("dangling reference to {} `{id}`", R::TABLE)))
        .gql()
}

/// Every child (small, bounded lists such as tallies and sectors), through the loader.
pub async fn all_children<R: Resource>(
    ctx: &Context<'_>,
    relation: Relation,
    parent: &str,
) -> async_graphql::Result<Vec<R>> {
    let query = ListQuery::first(super::connection::MAX_PAGE);
    let key = ChildKey::<R>::new(relation, parent, query);
    Ok(deps(ctx)
        .loader
        .load_one(key)
        .await
        .map_err(ApiError::from)
        .gql()?
        .map(Arc::unwrap_or_clone)
        .unwrap_or_default())
}

/// One page of `parent`'s children under `relation`, with a lazily counted total; each read
/// from the columns the page's selection needs ([`super::columns`]).
pub async fn children<R: Reads>(
    ctx: &Context<'_>,
    relation: Relation,
    parent: &str,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Paged<R>> {
    let page = page(first, after.as_deref()).gql()?;
    let query = ListQuery {
        filter: None,
        order: Vec::new(),
        page: probe(page),
        include_archived: false,
    };
    let columns = selected::<R>(ctx);
    let loader = Arc::clone(&deps(ctx).loader);
    let rows = loader
        .load_one(ChildKey::<R>::reading(
            relation,
            parent,
            query.clone(),
            columns,
        ))
        .await
        .map_err(ApiError::from)
        .gql()?
        .map(Arc::unwrap_or_clone)
        .unwrap_or_default();
    let count_key = CountKey::<R>::new(
        relation,
        parent,
        ListQuery {
            page: sharaka_persistence::Page::first(0),
            ..query
        },
    );
    let total: TotalFn = Arc::new(move || {
        let loader = Arc::clone(&loader);
        let key = count_key.clone();
        Box::pin(async move {
            Ok(loader
                .load_one(key)
                .await
                .map_err(ApiError::from)?
                .unwrap_or(0))
        })
    });
    Ok(Paged::new(rows, page, total))
}

/// One page of a root list, each record read from the columns the page's selection needs
/// ([`super::columns`]).
pub async fn list<R: Reads>(
    ctx: &Context<'_>,
    filter: Option<Filter>,
    order: Vec<Order>,
    include_archived: bool,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<Paged<R>> {
    let page = page(first, after.as_deref()).gql()?;
    let query = ListQuery {
        filter,
        order,
        page: probe(page),
        include_archived,
    };
    let store = deps(ctx).store.clone();
    let rows = store
        .list_reading::<R>(&query, selected::<R>(ctx))
        .await
        .gql()?;
    let total: TotalFn = Arc::new(move || {
        let store = store.clone();
        let query = query.clone();
        Box::pin(async move { Ok(store.count::<R>(&query).await?) })
    });
    Ok(Paged::new(rows, page, total))
}
