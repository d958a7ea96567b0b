//! Archive and restore, for every kind of record. Archiving hides a record from default lists
//! (`includeArchived: true` shows it) and keeps everything that refers to it.

use async_graphql::{Context, ID, Object, Result};
use sharaka_persistence::write::Cell;

use crate::error::{ApiError, GqlResultExt};
use crate::schema::ids;
use crate::schema::nodes::Node;
use crate::schema::query::node_by_id;
use crate::schema::write;

/// Archive and restore.
#[derive(Default)]
pub struct RecordMutation;

/// The table of each kind of record that can be archived.
fn table(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "Organisation" => ("Organisation", "organisations"),
        "Site" => ("Site", "sites"),
        "Partnership" => ("Partnership", "partnerships"),
        "Agreement" => ("Agreement", "agreements"),
        "AgreementParty" => ("AgreementParty", "agreement_parties"),
        "Commitment" => ("Commitment", "commitments"),
        "Project" => ("Project", "projects"),
        "Contribution" => ("Contribution", "contributions"),
        "TrainingSession" => ("TrainingSession", "training_sessions"),
        "ExchangeVisit" => ("ExchangeVisit", "exchange_visits"),
        "Region" => ("Region", "regions"),
        _ => return None,
    })
}

async fn set_archived(
    ctx: &Context<'_>,
    id: &ID,
    expected_version: i32,
    reason: Option<&str>,
    archive: bool,
) -> Result<Node> {
    let (kind, local) = ids::decode(id).gql()?;
    let (entity, table) = table(&kind)
        .ok_or_else(|| ApiError::bad_input(format!("a {kind} cannot be archived")))
        .gql()?;
    let Some(_) = node_by_id(ctx, id).await? else {
        return Err(ApiError::NotFound(format!(
            "{kind} `{local}` was not found"
        )))
        .gql();
    };
    let (value, action) = if archive {
        (Cell::Now, "archive")
    } else {
        (Cell::Null, "restore")
    };
    write::update(
        ctx,
        entity,
        table,
        &local,
        expected_version,
        vec![("archived_at", value)],
        action,
        reason,
    )
    .await?;
    node_by_id(ctx, id)
        .await?
        .ok_or_else(|| {
            ApiError::Internal(format!(
                "{kind} `{local}` vanished inside its own transaction"
            ))
        })
        .gql()
}

#[Object]
impl RecordMutation {
    /// Archives a record: it disappears from default lists but stays readable by ID, keeps its
    /// relations, and can be restored.
    async fn archive_record(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        reason: Option<String>,
    ) -> Result<Node> {
        set_archived(ctx, &id, expected_version, reason.as_deref(), true).await
    }

    /// Deletes a record for good. Administrators only, and only for a record nothing refers to
    /// (no party, link, session, child…): anything else is archived instead. Returns the
    /// deleted record's ID; the deletion stays in the audit trail.
    async fn delete_record(&self, ctx: &Context<'_>, id: ID, reason: Option<String>) -> Result<ID> {
        let (kind, local) = ids::decode(&id).gql()?;
        let (entity, table) = table(&kind)
            .ok_or_else(|| ApiError::bad_input(format!("a {kind} cannot be deleted")))
            .gql()?;
        if node_by_id(ctx, &id).await?.is_none() {
            return Err(ApiError::NotFound(format!(
                "{kind} `{local}` was not found"
            )))
            .gql();
        }
        let deps = crate::schema::context::deps(ctx);
        if let Some(record_kind) = crate::access::kind_of(table) {
            sharaka_domain::can_write(
                &deps.principal,
                sharaka_domain::WriteAction::Delete,
                record_kind,
                sharaka_domain::WriteTarget::default(),
            )
            .gql()?;
        }
        let references = deps.store.references(table, &local).await.gql()?;
        if references > 0 {
            return Err(ApiError::Conflict {
                message: format!("{kind} `{local}` is referenced by {references} other record(s): archive it instead"),
                current_version: None,
            })
            .gql();
        }
        let before = deps.store.snapshot(table, &local).await.gql()?;
        deps.store.delete(table, &local).await.gql()?;
        deps.store
            .record(
                &crate::schema::context::author(ctx),
                sharaka_persistence::write::Change {
                    entity,
                    record_id: &local,
                    action: "deleteRecord",
                    reason: reason.as_deref(),
                    before,
                    after: None,
                },
            )
            .await
            .gql()?;
        Ok(id)
    }

    /// Restores an archived record to default lists.
    async fn restore_record(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        reason: Option<String>,
    ) -> Result<Node> {
        set_archived(ctx, &id, expected_version, reason.as_deref(), false).await
    }
}
