//! Creates `exchange_rates`: how many Moroccan dirhams one unit of a currency was worth from a
//! date on, and where the figure comes from. The resources dashboard converts a contribution with
//! the rate in force at its date (the latest `valid_from` on or before it). Rates are written
//! through the API (audited); this migration seeds none.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ExchangeRates {
    Table,
    Id,
    Currency,
    RateToMad,
    ValidFrom,
    Source,
    Version,
    CreatedAt,
    UpdatedAt,
    Demo,
}

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ExchangeRates::Table)
                    .if_not_exists()
                    .col(string(ExchangeRates::Id).primary_key())
                    // ISO 4217 code of the foreign currency.
                    .col(string(ExchangeRates::Currency))
                    // MAD for one unit (not one minor unit) of the currency.
                    .col(double(ExchangeRates::RateToMad))
                    // `YYYY-MM-DD`, a full date so that text order is date order.
                    .col(string(ExchangeRates::ValidFrom))
                    .col(text(ExchangeRates::Source))
                    .col(integer(ExchangeRates::Version).default(1))
                    .col(
                        timestamp_with_time_zone(ExchangeRates::CreatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .col(
                        timestamp_with_time_zone(ExchangeRates::UpdatedAt)
                            .default(Expr::current_timestamp()),
                    )
                    .col(boolean(ExchangeRates::Demo).default(false))
                    .to_owned(),
            )
            .await?;
        // One rate per currency and date; also the index the "rate in force" lookup walks.
        manager
            .create_index(
                Index::create()
                    .name("idx_exchange_rates_currency_valid_from")
                    .table(ExchangeRates::Table)
                    .col(ExchangeRates::Currency)
                    .col(ExchangeRates::ValidFrom)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(ExchangeRates::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
