//! PostgreSQL tells listeners when API tokens change: a statement-level trigger on
//! `api_tokens` sends `NOTIFY sharaka_tokens` after any `UPDATE`, `DELETE` or `TRUNCATE`
//! (a revocation, whichever process or person made it), delivered when its transaction commits.
//!
//! A server keeps the tokens it verified while it listens on that channel, and drops them all
//! at a notification, so a revocation acts at once without every request looking its token up.
//! A new token needs no notification: it is not kept until it has been looked up. SQLite has
//! no notifications; a server on SQLite keeps tokens only for `SHARAKA_TOKEN_CACHE_MS`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE OR REPLACE FUNCTION sharaka_notify_token_change() RETURNS trigger \
             LANGUAGE plpgsql AS $$ BEGIN \
             PERFORM pg_notify('sharaka_tokens', ''); \
             RETURN NULL; END $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER api_tokens_notify_change \
             AFTER UPDATE OR DELETE OR TRUNCATE ON api_tokens \
             FOR EACH STATEMENT EXECUTE FUNCTION sharaka_notify_token_change()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER IF EXISTS api_tokens_notify_change ON api_tokens")
            .await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS sharaka_notify_token_change()")
            .await?;
        Ok(())
    }
}
