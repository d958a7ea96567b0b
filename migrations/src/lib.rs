//! Sharaka's schema migrations: one ordered set for SQLite and PostgreSQL.
//!
//! Rules (see `README.md` beside this crate): migrations are self-contained (each file declares its
//! own identifiers and depends on no other workspace crate), additive (renames and drops go through
//! expand/contract), never edited once applied, and never seed data.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_create_partnership_graph;
mod m20261129_000002_create_audit_and_idempotency;
mod m20261129_000003_create_api_tokens;
mod m20261129_000004_create_search_index;
mod m20261130_000001_create_results;
mod m20261130_000002_exchange_rates;
mod m20261130_000003_create_outbox;
mod m20261130_000004_search_kind_indexes;
mod m20261201_000001_add_text_keys;
mod m20261202_000001_date_contributions;
mod m20261203_000001_contribution_figures_index;
mod m20261204_000001_session_tallies;
mod m20261205_000001_compact_tally_copies;
mod m20261206_000001_notify_token_changes;

/// The ordered list of Sharaka's migrations.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_partnership_graph::Migration),
            Box::new(m20261129_000002_create_audit_and_idempotency::Migration),
            Box::new(m20261129_000003_create_api_tokens::Migration),
            Box::new(m20261129_000004_create_search_index::Migration),
            Box::new(m20261130_000001_create_results::Migration),
            Box::new(m20261130_000002_exchange_rates::Migration),
            Box::new(m20261130_000003_create_outbox::Migration),
            Box::new(m20261130_000004_search_kind_indexes::Migration),
            Box::new(m20261201_000001_add_text_keys::Migration),
            Box::new(m20261202_000001_date_contributions::Migration),
            Box::new(m20261203_000001_contribution_figures_index::Migration),
            Box::new(m20261204_000001_session_tallies::Migration),
            Box::new(m20261205_000001_compact_tally_copies::Migration),
            Box::new(m20261206_000001_notify_token_changes::Migration),
        ]
    }
}
