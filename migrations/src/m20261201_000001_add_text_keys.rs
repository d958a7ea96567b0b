//! A `text_key` column on every table with a `…Contains` filter, and newest-first indexes on the
//! dates lists are usually sorted by.
//!
//! `text_key` holds the normalised search keys of the texts the table's text filter covers
//! (`titleContains`: the three titles; `nameContains`: the names and the acronym or city), one
//! per line. Keys hold only letters, digits and single spaces, so `text_key LIKE '%key%'`
//! matches exactly the records one of whose texts contains the key, as the `search_entries`
//! lookup did, but on the record's own row. A filtered, ordered page can then walk the order's
//! index and stop after one page, instead of collecting every matching id first: at benchmark
//! scale M, the fifth page of agreements titled `formation` by signature date took 14 ms through
//! `search_entries` and 0.9 ms walking `(signed_on DESC, id)`. On PostgreSQL a trigram index on
//! the column serves rare words, for which the walk would be long.
//!
//! The order indexes match the lists' `DESC NULLS LAST, id ASC` ordering exactly; the existing
//! ascending indexes cannot serve it (PostgreSQL sorts nulls first when it reads them
//! backwards).
//!
//! Existing rows get their key from `search_entries`, which holds the same keys. A record
//! without texts has the empty key, never NULL: `NOT (text_key LIKE …)` must hold for it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables with a text filter, and the `search_entries.field`s their filter covers.
const KEYED: [(&str, &[&str]); 7] = [
    ("organisations", &["name", "acronym"]),
    ("agreements", &["title"]),
    ("projects", &["title"]),
    ("training_sessions", &["title"]),
    ("exchange_visits", &["title"]),
    ("sites", &["name", "city"]),
    ("regions", &["name"]),
];

/// (table, date column) pairs that lists sort newest first.
const NEWEST_FIRST: [(&str, &str); 4] = [
    ("agreements", "signed_on"),
    ("projects", "actual_start"),
    ("training_sessions", "start_date"),
    ("exchange_visits", "start_date"),
];

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        let postgres = backend == DbBackend::Postgres;
        for (table, fields) in KEYED {
            if !manager.has_column(table, "text_key").await? {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .add_column(
                                ColumnDef::new(Alias::new("text_key"))
                                    .text()
                                    .not_null()
                                    .default(""),
                            )
                            .to_owned(),
                    )
                    .await?;
            }
            let aggregate = if postgres {
                "string_agg(s.search_key, E'\\n')"
            } else {
                "group_concat(s.search_key, char(10))"
            };
            let fields = fields
                .iter()
                .map(|f| format!("'{f}'"))
                .collect::<Vec<_>>()
                .join(", ");
            db.execute_unprepared(&format!(
                "UPDATE {table} SET text_key = COALESCE((SELECT {aggregate} \
                 FROM search_entries s WHERE s.record_kind = '{table}' \
                 AND s.record_id = {table}.id AND s.field IN ({fields})), '')"
            ))
            .await?;
            if postgres {
                db.execute_unprepared(&format!(
                    "CREATE INDEX IF NOT EXISTS idx_{table}_text_key_trgm \
                     ON {table} USING gin (text_key gin_trgm_ops)"
                ))
                .await?;
                // Without statistics on the new column PostgreSQL guesses that a text filter
                // keeps a handful of rows and collects them all through the trigram index,
                // where walking the order's index stops after a page (12 ms against 0.3 ms
                // for a common word at scale M).
                db.execute_unprepared(&format!("ANALYZE {table}")).await?;
            }
        }
        for (table, column) in NEWEST_FIRST {
            // SQLite sorts nulls first ascending, so a descending index puts them last already.
            let direction = if postgres { "DESC NULLS LAST" } else { "DESC" };
            db.execute_unprepared(&format!(
                "CREATE INDEX IF NOT EXISTS idx_{table}_{column}_newest \
                 ON {table} ({column} {direction}, id)"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (table, column) in NEWEST_FIRST {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS idx_{table}_{column}_newest"))
                .await?;
        }
        for (table, _) in KEYED {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS idx_{table}_text_key_trgm"))
                .await?;
            if manager.has_column(table, "text_key").await? {
                manager
                    .alter_table(
                        Table::alter()
                            .table(Alias::new(table))
                            .drop_column(Alias::new("text_key"))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
