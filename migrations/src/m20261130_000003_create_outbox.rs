//! Creates `outbox_events`: one row per committed change, written in the change's own
//! transaction, from which every Sharaka process publishes live updates (subscriptions). The id
//! is the order of publication: on PostgreSQL, writers take a transaction-level advisory lock
//! before they insert their rows, so ids become visible in increasing order and a reader that
//! resumes from the last id it saw misses nothing. `NOTIFY` only wakes readers up.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum OutboxEvents {
    Table,
    Id,
    OccurredAt,
    Entity,
    RecordId,
    Action,
    FromStatus,
    ToStatus,
}

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxEvents::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(OutboxEvents::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(OutboxEvents::OccurredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(OutboxEvents::Entity).string().not_null())
                    .col(ColumnDef::new(OutboxEvents::RecordId).string().not_null())
                    .col(ColumnDef::new(OutboxEvents::Action).string().not_null())
                    .col(ColumnDef::new(OutboxEvents::FromStatus).string().null())
                    .col(ColumnDef::new(OutboxEvents::ToStatus).string().null())
                    .to_owned(),
            )
            .await?;
        // Pruning deletes by age.
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_events_occurred_at")
                    .table(OutboxEvents::Table)
                    .col(OutboxEvents::OccurredAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutboxEvents::Table).to_owned())
            .await
    }
}
