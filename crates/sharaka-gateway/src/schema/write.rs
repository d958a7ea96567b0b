//! What every mutation is built from: an audited insert, an audited versioned update, archiving,
//! idempotent creates and partial-update helpers. Each change and its audit event are written on
//! the request's transaction (see `App::execute`), so they commit together or not at all.

use std::future::Future;

use async_graphql::{Context, MaybeUndefined, Result};
use sharaka_persistence::write::{Cell, Change};

use super::context::{author, deps};
use crate::access;
use crate::error::GqlResultExt;

/// Column values for one write.
pub type Cells = Vec<(&'static str, Cell)>;

/// Inserts a record and records its creation.
pub async fn create(
    ctx: &Context<'_>,
    entity: &'static str,
    table: &'static str,
    id: &str,
    cells: Cells,
    action: &str,
) -> Result<()> {
    deps(ctx).store.insert(table, &cells).await.gql()?;
    record_created(ctx, entity, table, id, action).await
}

/// Records the creation of a row already inserted (with the rows of its lists, which the
/// audit snapshot then includes).
pub async fn record_created(
    ctx: &Context<'_>,
    entity: &'static str,
    table: &'static str,
    id: &str,
    action: &str,
) -> Result<()> {
    let store = &deps(ctx).store;
    touch(ctx, action, table, id);
    let after = store.snapshot(table, id).await.gql()?;
    store
        .record(
            &author(ctx),
            Change {
                entity,
                record_id: id,
                action,
                reason: None,
                before: None,
                after,
            },
        )
        .await
        .gql()
}

/// Notes a changed record for the access check that runs before commit.
fn touch(ctx: &Context<'_>, action: &str, table: &'static str, id: &str) {
    if let Some(kind) = access::kind_of(table) {
        deps(ctx).touched.push(access::Touched {
            action: access::write_action(action),
            kind,
            id: id.to_owned(),
        });
    }
}

/// Inserts a row that belongs to a record (a party, a tally, a link) without its own audit
/// event: the parent's event covers it.
pub async fn insert_child(ctx: &Context<'_>, table: &'static str, cells: Cells) -> Result<()> {
    deps(ctx).store.insert(table, &cells).await.gql()
}

/// Updates a record at `expected_version` and records the change; returns the new version.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    ctx: &Context<'_>,
    entity: &'static str,
    table: &'static str,
    id: &str,
    expected_version: i32,
    cells: Cells,
    action: &str,
    reason: Option<&str>,
) -> Result<i32> {
    update_then(
        ctx,
        entity,
        table,
        id,
        expected_version,
        cells,
        action,
        reason,
        || async { Ok(()) },
    )
    .await
}

/// Like [`update`], for a change that also rewrites the record's lists (participants, tallies,
/// links): `rewrite` runs after the row is updated and before the "after" snapshot, so the audit
/// event shows the lists as they were and as they became.
#[allow(clippy::too_many_arguments)]
pub async fn update_then<F, Fut>(
    ctx: &Context<'_>,
    entity: &'static str,
    table: &'static str,
    id: &str,
    expected_version: i32,
    cells: Cells,
    action: &str,
    reason: Option<&str>,
    rewrite: F,
) -> Result<i32>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<()>>,
{
    let store = &deps(ctx).store;
    // May this principal touch the record as it is? (Where it ends up is checked before commit.)
    if let Some(kind) = access::kind_of(table) {
        access::authorize(
            store,
            &deps(ctx).principal,
            access::write_action(action),
            kind,
            id,
        )
        .await
        .gql()?;
    }
    let before = store.snapshot(table, id).await.gql()?;
    let version = store
        .update(table, id, expected_version, &cells)
        .await
        .gql()?;
    rewrite().await?;
    touch(ctx, action, table, id);
    let after = store.snapshot(table, id).await.gql()?;
    store
        .record(
            &author(ctx),
            Change {
                entity,
                record_id: id,
                action,
                reason,
                before,
                after,
            },
        )
        .await
        .gql()?;
    Ok(version)
}

/// Runs a create at most once per (actor, `key`): a retry with the same key returns the id the
/// first attempt produced instead of creating a duplicate. Without a key, always creates.
pub async fn idempotent<F, Fut>(
    ctx: &Context<'_>,
    key: Option<&str>,
    operation: &str,
    create: F,
) -> Result<String>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<String>>,
{
    let Some(key) = key else {
        return create().await;
    };
    let store = &deps(ctx).store;
    let actor = author(ctx).actor;
    if let Some((previous_operation, id)) = store.idempotent(&actor, key).await.gql()? {
        if previous_operation != operation {
            return Err(crate::error::ApiError::bad_input(format!(
                "idempotency key `{key}` was already used for {previous_operation}"
            )))
            .gql();
        }
        return Ok(id);
    }
    let id = create().await?;
    store.remember(&actor, key, operation, &id).await.gql()?;
    Ok(id)
}

/// A new record id: a time-ordered UUID.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Adds `column` to a partial update: absent leaves it, `null` clears it, a value sets it.
pub fn set<T>(
    cells: &mut Cells,
    column: &'static str,
    value: MaybeUndefined<T>,
    to_cell: impl FnOnce(T) -> Cell,
) {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => cells.push((column, Cell::Null)),
        MaybeUndefined::Value(v) => cells.push((column, to_cell(v))),
    }
}

/// The Arabic, French and English columns of a name.
pub const NAME: [&str; 3] = ["name_ar", "name_fr", "name_en"];
/// … of a title.
pub const TITLE: [&str; 3] = ["title_ar", "title_fr", "title_en"];
/// … of a description.
pub const DESCRIPTION: [&str; 3] = ["description_ar", "description_fr", "description_en"];
/// … of objectives.
pub const OBJECTIVES: [&str; 3] = ["objectives_ar", "objectives_fr", "objectives_en"];

/// The cells of a trilingual text in its three `columns` (ar, fr, en).
pub fn text_cells(
    columns: [&'static str; 3],
    text: &sharaka_domain::LocalizedText,
) -> [(&'static str, Cell); 3] {
    let [ar, fr, en] = columns;
    [
        (ar, Cell::opt_text(text.ar.as_deref())),
        (fr, Cell::opt_text(text.fr.as_deref())),
        (en, Cell::opt_text(text.en.as_deref())),
    ]
}
