//! Creates `api_tokens`: machine credentials, stored only as a SHA-256 hash, with a role, an
//! optional scope, an expiry and a revocation time.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ApiTokens {
    Table,
    Id,
    Name,
    TokenHash,
    Role,
    Regions,
    OrganisationId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .if_not_exists()
                    .col(string(ApiTokens::Id).primary_key())
                    .col(string(ApiTokens::Name))
                    .col(string_uniq(ApiTokens::TokenHash))
                    .col(string(ApiTokens::Role))
                    .col(text(ApiTokens::Regions).default(""))
                    .col(string_null(ApiTokens::OrganisationId))
                    .col(
                        timestamp_with_time_zone(ApiTokens::CreatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiTokens::Table).if_exists().to_owned())
            .await
    }
}
