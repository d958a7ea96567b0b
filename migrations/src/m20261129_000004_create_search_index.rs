//! Creates `search_entries`: one row per searchable text of a record (a name, title or acronym in
//! one language) with its normalised search key, kept current by the write path in the same
//! transaction as the record. On PostgreSQL, `pg_trgm` and a GIN trigram index on the key serve
//! the `LIKE '%…%'` candidate lookups; on SQLite the key is scanned (the index is small: a few
//! rows per record) and similarity is computed in Rust on both backends, so both give the same
//! answers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum SearchEntries {
    Table,
    RecordKind,
    RecordId,
    Field,
    Lang,
    SearchKey,
    OriginalText,
}

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SearchEntries::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(SearchEntries::RecordKind)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SearchEntries::RecordId).string().not_null())
                    .col(ColumnDef::new(SearchEntries::Field).string().not_null())
                    // `''` for language-neutral text (acronyms, references, cities).
                    .col(
                        ColumnDef::new(SearchEntries::Lang)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .col(ColumnDef::new(SearchEntries::SearchKey).text().not_null())
                    .col(
                        ColumnDef::new(SearchEntries::OriginalText)
                            .text()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .name("pk_search_entries")
                            .col(SearchEntries::RecordKind)
                            .col(SearchEntries::RecordId)
                            .col(SearchEntries::Field)
                            .col(SearchEntries::Lang),
                    )
                    .to_owned(),
            )
            .await?;
        // Filters look entries up by record id (`id IN (SELECT record_id …)`).
        manager
            .create_index(
                Index::create()
                    .name("idx_search_entries_record_id")
                    .table(SearchEntries::Table)
                    .col(SearchEntries::RecordId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                .await?;
            db.execute_unprepared(
                "CREATE INDEX IF NOT EXISTS idx_search_entries_key_trgm \
                 ON search_entries USING gin (search_key gin_trgm_ops)",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The extension stays: other objects may use it, and dropping it needs more rights.
        manager
            .drop_table(
                Table::drop()
                    .table(SearchEntries::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
