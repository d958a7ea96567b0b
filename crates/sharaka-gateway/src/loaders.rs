//! DataLoaders over the store. One loader type serves every resource and relation: its keys carry
//! the resource type, the relation and the page, so that one batch becomes one SQL statement per
//! (relation, page) — whatever the number of parents. Loaders do batching only (no cache shared
//! across requests, which would mix data between users).

use std::collections::HashMap;
use std::hash::{BuildHasher as _, Hash, Hasher};
use std::marker::PhantomData;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use sharaka_persistence::{Columns, ListQuery, Relation, Resource, Store};
use tracing::Instrument as _;

use crate::error::ApiError;

/// The loader type registered in the schema.
pub type StoreDataLoader = DataLoader<StoreLoader>;

/// The most keys one batch holds. Large enough that a level of a nested query over thousands
/// of parents is one statement; small enough to stay far below SQLite's (32,766) and
/// PostgreSQL's (65,535) limits on bound parameters.
pub const MAX_BATCH: usize = 5_000;

/// Builds the schema's loader (the one place that knows async-graphql's DataLoader API).
/// `delay` is how long a batch waits for more keys before it is loaded.
///
/// Tracing is per batch, not per key: async-graphql's `tracing` feature (off) opens a span for
/// every `load_one`, which on a dashboard (thousands of keys) was about 8% of the server's CPU.
/// Each statement of a batch runs in a `graphql.batch` span instead ([`batch_span`]), a child
/// of the operation that started it: the spawned task keeps the span that was current when it
/// was spawned.
pub fn register(store: Store, delay: std::time::Duration) -> StoreDataLoader {
    DataLoader::new(StoreLoader { store }, |task| {
        tokio::spawn(task.in_current_span())
    })
    .max_batch_size(MAX_BATCH)
    .delay(delay)
}

/// The span one batch's statement runs in: the table read, the kind of batch and its keys.
fn batch_span(table: &'static str, kind: &'static str, keys: usize) -> tracing::Span {
    tracing::info_span!("graphql.batch", table, kind, keys)
}

/// Loads anything from the store in batches.
pub struct StoreLoader {
    store: Store,
}

/// `Clone`, `Eq` and `Hash` without bounds on the phantom `R`. Equality compares every field;
/// the hash is the key's `fingerprint`: the hash of its id alone, computed once when the key is
/// made (equal keys have equal ids, so they still hash alike).
///
/// The DataLoader hashes each key about five times per load, with SipHash. Hashing a child
/// key's whole page query (filter, order, page) cost about 5% of a nested dashboard's CPU;
/// within one batch the page query is nearly always the same for every key, so it would not
/// tell keys apart anyway. Hashing the id each time was still about 3%: the DataLoader now
/// hashes the fingerprint's 8 bytes instead.
macro_rules! key_impls {
    ($name:ident { $($field:ident),* }) => {
        impl<R> Clone for $name<R> {
            fn clone(&self) -> Self {
                Self {
                    $($field: self.$field.clone(),)*
                    fingerprint: self.fingerprint,
                    _resource: PhantomData,
                }
            }
        }
        impl<R> PartialEq for $name<R> {
            fn eq(&self, other: &Self) -> bool {
                self.fingerprint == other.fingerprint $(&& self.$field == other.$field)*
            }
        }
        impl<R> Eq for $name<R> {}
        impl<R> Hash for $name<R> {
            fn hash<H: Hasher>(&self, state: &mut H) {
                state.write_u64(self.fingerprint);
            }
        }
    };
}

/// The fingerprint of a key's id (see [`key_impls`]): foldhash, seeded at random once per
/// process, so that ids cannot be chosen to collide.
fn fingerprint(id: &str) -> u64 {
    static SEED: std::sync::LazyLock<foldhash::fast::RandomState> =
        std::sync::LazyLock::new(foldhash::fast::RandomState::default);
    SEED.hash_one(id)
}

/// A record of type `R` by id.
pub struct IdKey<R> {
    id: String,
    fingerprint: u64,
    _resource: PhantomData<fn() -> R>,
}
key_impls!(IdKey { id });

impl<R> IdKey<R> {
    /// The key for `id`.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        Self {
            fingerprint: fingerprint(&id),
            id,
            _resource: PhantomData,
        }
    }
}

/// One page of `R` children of `parent` under `relation`, read from `columns`. Pages read from
/// different columns are different keys: a record read for some fields is never handed to the
/// resolvers of others.
pub struct ChildKey<R> {
    relation: Relation,
    parent: String,
    query: ListQuery,
    columns: Columns,
    fingerprint: u64,
    _resource: PhantomData<fn() -> R>,
}
key_impls!(ChildKey {
    relation,
    parent,
    query,
    columns
});

impl<R> ChildKey<R> {
    /// The key for one parent's page, read from every column.
    pub fn new(relation: Relation, parent: impl Into<String>, query: ListQuery) -> Self {
        Self::reading(relation, parent, query, Columns::ALL)
    }

    /// The key for one parent's page, read from `columns`.
    pub fn reading(
        relation: Relation,
        parent: impl Into<String>,
        query: ListQuery,
        columns: Columns,
    ) -> Self {
        let parent = parent.into();
        Self {
            relation,
            fingerprint: fingerprint(&parent),
            parent,
            query,
            columns,
            _resource: PhantomData,
        }
    }
}

/// How many `R` children `parent` has under `relation` and the query's filter.
pub struct CountKey<R> {
    relation: Relation,
    parent: String,
    query: ListQuery,
    fingerprint: u64,
    _resource: PhantomData<fn() -> R>,
}
key_impls!(CountKey {
    relation,
    parent,
    query
});

impl<R> CountKey<R> {
    /// The key for one parent's count.
    pub fn new(relation: Relation, parent: impl Into<String>, query: ListQuery) -> Self {
        let parent = parent.into();
        Self {
            relation,
            fingerprint: fingerprint(&parent),
            parent,
            query,
            _resource: PhantomData,
        }
    }
}

fn shared(error: impl Into<ApiError>) -> Arc<ApiError> {
    Arc::new(error.into())
}

/// Groups keys that share a relation and a page, so each group is one statement. A batch nearly
/// always holds one group (every parent asks for the same page) and never many (one per
/// distinct page in the query), so groups are found by comparing, without hashing or copying
/// each key's page query.
fn groups<'a, I>(keys: I) -> Vec<((Relation, ListQuery, Columns), Vec<String>)>
where
    I: Iterator<Item = (&'a Relation, &'a ListQuery, Columns, &'a String)>,
{
    let mut out: Vec<((Relation, ListQuery, Columns), Vec<String>)> = Vec::new();
    for (relation, query, columns, parent) in keys {
        let group = out
            .iter_mut()
            .rev()
            .find(|((r, q, c), _)| r == relation && *c == columns && q == query);
        match group {
            Some((_, parents)) => parents.push(parent.clone()),
            None => out.push(((*relation, query.clone(), columns), vec![parent.clone()])),
        }
    }
    out
}

impl<R: Resource> Loader<IdKey<R>> for StoreLoader {
    type Value = R;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[IdKey<R>]) -> Result<HashMap<IdKey<R>, R>, Self::Error> {
        crate::metrics::batch(R::TABLE, keys.len());
        let ids: Vec<String> = keys.iter().map(|k| k.id.clone()).collect();
        let found = self
            .store
            .by_ids::<R>(&ids)
            .instrument(batch_span(R::TABLE, "ids", keys.len()))
            .await
            .map_err(shared)?;
        Ok(found
            .into_iter()
            .map(|(id, value)| (IdKey::new(id), value))
            .collect())
    }
}

/// A page of children is shared, not copied: the DataLoader clones each value it hands out, and
/// a deep copy of every record of a nested page was a visible share of a dashboard's CPU. The
/// batch drops its own reference as soon as it has answered, so the resolver usually takes the
/// page without copying it (`Arc::unwrap_or_clone`).
impl<R: Resource> Loader<ChildKey<R>> for StoreLoader {
    type Value = Arc<Vec<R>>;
    type Error = Arc<ApiError>;

    async fn load(
        &self,
        keys: &[ChildKey<R>],
    ) -> Result<HashMap<ChildKey<R>, Arc<Vec<R>>>, Self::Error> {
        let mut out = HashMap::with_capacity(keys.len());
        for ((relation, query, columns), parents) in groups(
            keys.iter()
                .map(|k| (&k.relation, &k.query, k.columns, &k.parent)),
        ) {
            let found = self
                .store
                .children_reading::<R>(&relation, &parents, &query, columns)
                .instrument(batch_span(R::TABLE, "children", parents.len()))
                .await
                .map_err(shared)?;
            for (parent, children) in found {
                out.insert(
                    ChildKey::reading(relation, parent, query.clone(), columns),
                    Arc::new(children),
                );
            }
        }
        Ok(out)
    }
}

impl<R: Resource> Loader<CountKey<R>> for StoreLoader {
    type Value = u64;
    type Error = Arc<ApiError>;

    async fn load(&self, keys: &[CountKey<R>]) -> Result<HashMap<CountKey<R>, u64>, Self::Error> {
        let mut out = HashMap::with_capacity(keys.len());
        for ((relation, query, _), parents) in groups(
            keys.iter()
                .map(|k| (&k.relation, &k.query, Columns::ALL, &k.parent)),
        ) {
            let found = self
                .store
                .child_counts::<R>(&relation, &parents, &query)
                .instrument(batch_span(R::TABLE, "counts", parents.len()))
                .await
                .map_err(shared)?;
            for (parent, n) in found {
                out.insert(CountKey::new(relation, parent, query.clone()), n);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use sharaka_domain::Partnership;
    use sharaka_persistence::relations as rel;

    use super::*;

    #[test]
    fn child_keys_are_equal_only_when_every_field_is() {
        let hasher = std::collections::hash_map::RandomState::new();
        let key = |relation, parent: &str, first| {
            ChildKey::<Partnership>::new(relation, parent, ListQuery::first(first))
        };
        let a = key(rel::ORGANISATION_PARTNERSHIPS, "org:1", 5);
        let same = key(rel::ORGANISATION_PARTNERSHIPS, "org:1", 5);
        assert!(a == same);
        assert_eq!(hasher.hash_one(&a), hasher.hash_one(&same));
        // The hash leaves the relation and the page out; equality does not.
        assert!(a != key(rel::ORGANISATION_PARTNERSHIPS, "org:1", 6));
        assert!(a != key(rel::ORGANISATION_HOME_PARTNERSHIPS, "org:1", 5));
        assert!(a != key(rel::ORGANISATION_PARTNERSHIPS, "org:2", 5));
        // A page read from some columns is not the page read from all.
        let some = Columns::of::<Partnership>(["since"]);
        assert_ne!(some, Columns::ALL);
        let lean = ChildKey::<Partnership>::reading(
            rel::ORGANISATION_PARTNERSHIPS,
            "org:1",
            ListQuery::first(5),
            some,
        );
        assert!(a != lean);
    }

    #[test]
    fn keys_are_grouped_by_relation_page_and_columns() {
        let lean = Columns::of::<Partnership>(["since"]);
        let all = Columns::ALL;
        let keys = [
            (rel::ORGANISATION_PARTNERSHIPS, 5, all, "org:1"),
            (rel::ORGANISATION_PARTNERSHIPS, 2, all, "org:2"),
            (rel::ORGANISATION_HOME_PARTNERSHIPS, 5, all, "org:3"),
            (rel::ORGANISATION_PARTNERSHIPS, 5, all, "org:4"),
            (rel::ORGANISATION_PARTNERSHIPS, 2, all, "org:5"),
            (rel::ORGANISATION_PARTNERSHIPS, 5, lean, "org:6"),
        ]
        .map(|(relation, first, columns, parent)| {
            (
                relation,
                ListQuery::first(first),
                columns,
                parent.to_owned(),
            )
        });
        let grouped = groups(keys.iter().map(|(r, q, c, p)| (r, q, *c, p)));
        let summary: Vec<(&str, u64, bool, Vec<&str>)> = grouped
            .iter()
            .map(|((relation, query, columns), parents)| {
                let parents = parents.iter().map(String::as_str).collect();
                (relation.name, query.page.limit, *columns == all, parents)
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("organisation.partnerships", 5, true, vec!["org:1", "org:4"]),
                ("organisation.partnerships", 2, true, vec!["org:2", "org:5"]),
                ("organisation.homePartnerships", 5, true, vec!["org:3"]),
                ("organisation.partnerships", 5, false, vec!["org:6"]),
            ]
        );
    }
}
