//! Creates the audit trail (`audit_events`: who changed which record, how, with the fields before
//! and after) and the idempotency keys that let a retried create return its first result.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    Actor,
    RequestId,
    Entity,
    RecordId,
    Action,
    Reason,
    BeforeState,
    AfterState,
}

#[derive(DeriveIden, Clone, Copy)]
enum IdempotencyKeys {
    Table,
    Actor,
    Key,
    Operation,
    RecordId,
    CreatedAt,
}

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(string(AuditEvents::Id).primary_key())
                    .col(
                        timestamp_with_time_zone(AuditEvents::OccurredAt)
                            .default(Expr::current_timestamp()),
                    )
                    .col(string(AuditEvents::Actor))
                    .col(string_null(AuditEvents::RequestId))
                    .col(string(AuditEvents::Entity))
                    .col(string(AuditEvents::RecordId))
                    .col(string(AuditEvents::Action))
                    .col(text_null(AuditEvents::Reason))
                    .col(text_null(AuditEvents::BeforeState))
                    .col(text_null(AuditEvents::AfterState))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_audit_events_record_id", AuditEvents::RecordId),
            ("idx_audit_events_actor", AuditEvents::Actor),
            ("idx_audit_events_action", AuditEvents::Action),
            ("idx_audit_events_occurred_at", AuditEvents::OccurredAt),
            ("idx_audit_events_entity", AuditEvents::Entity),
        ] {
            manager
                .create_index(
                    Index::create()
                        .if_not_exists()
                        .name(name)
                        .table(AuditEvents::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .if_not_exists()
                    .col(string(IdempotencyKeys::Actor))
                    .col(string(IdempotencyKeys::Key))
                    .col(string(IdempotencyKeys::Operation))
                    .col(string(IdempotencyKeys::RecordId))
                    .col(
                        timestamp_with_time_zone(IdempotencyKeys::CreatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::Actor)
                            .col(IdempotencyKeys::Key),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(IdempotencyKeys::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(AuditEvents::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
