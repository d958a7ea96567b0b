//! `training_sessions.tallies`: each session's tallies as JSON on the session's own row, kept
//! by triggers.
//!
//! A dashboard shows every session of its projects with its tallies: about 300 sessions and
//! 900 tallies at benchmark scale M. Read from `training_tallies`, that is one statement that
//! looks each session up in the tallies' index (the longest of the dashboard's, about a third
//! of PostgreSQL's time per dashboard) and one batched load per session on the server. With
//! the tallies on the session's row they come with the session's page.
//!
//! `training_tallies` stays the record: the figures, the audit trail and the write path use
//! it. Triggers keep the copy exact on both backends, whatever writes a tally: its insert,
//! change (including a move to another session) and deletion, one statement at a time on
//! PostgreSQL (a bulk load updates each session once). The copy is a JSON array of objects
//! with the tally's columns; readers order it by id. A new session starts with `[]` (it has
//! no tallies yet) and existing ones are filled here, so every session carries its copy; a
//! `NULL` (written by hand) reads as "not copied" and readers fall back to the table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tallies of session `session` (an SQL expression) as a JSON array.
fn tallies_of(postgres: bool, session: &str) -> String {
    if postgres {
        format!(
            "(SELECT COALESCE(json_agg(json_build_object('id', t.id, 'sex', t.sex, \
             'age_band', t.age_band, 'enrolled', t.enrolled, 'attended', t.attended, \
             'completed', t.completed) ORDER BY t.id)::text, '[]') \
             FROM training_tallies t WHERE t.training_session_id = {session})"
        )
    } else {
        format!(
            "(SELECT json_group_array(json_object('id', t.id, 'sex', t.sex, \
             'age_band', t.age_band, 'enrolled', t.enrolled, 'attended', t.attended, \
             'completed', t.completed)) \
             FROM (SELECT * FROM training_tallies WHERE training_session_id = {session} \
             ORDER BY id) t)"
        )
    }
}

/// The triggers below, to drop on the way down.
const TRIGGERS: [&str; 3] = [
    "training_tallies_copy_insert",
    "training_tallies_copy_update",
    "training_tallies_copy_delete",
];

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        if !manager.has_column("training_sessions", "tallies").await? {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("training_sessions"))
                        .add_column(
                            ColumnDef::new(Alias::new("tallies"))
                                .text()
                                .null()
                                .default("[]"),
                        )
                        .to_owned(),
                )
                .await?;
        }
        let mut statements = Vec::new();
        if postgres {
            // One function per transition table: `changed` holds the rows as they are after
            // an insert or an update, `gone` as they were before an update or a deletion.
            for (name, tables) in [
                ("new", &["changed"][..]),
                ("old", &["gone"][..]),
                ("moved", &["changed", "gone"][..]),
            ] {
                let sessions = tables
                    .iter()
                    .map(|t| format!("SELECT training_session_id FROM {t}"))
                    .collect::<Vec<_>>()
                    .join(" UNION ");
                // The sessions are locked first, in the order of their ids: a writer of the
                // same session's tallies in another transaction has then committed, and the
                // UPDATE (a statement of its own in a volatile function, so a snapshot of its
                // own) reads its tallies too. Without the lock, two concurrent writers would
                // each copy the tallies as their own snapshot saw them, and the last would
                // drop the other's.
                statements.push(format!(
                    "CREATE OR REPLACE FUNCTION sharaka_copy_tallies_{name}() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                     PERFORM 1 FROM training_sessions s WHERE s.id IN ({sessions}) \
                     ORDER BY s.id FOR UPDATE; \
                     UPDATE training_sessions s SET tallies = {tallies} \
                     WHERE s.id IN ({sessions}); \
                     RETURN NULL; END $$",
                    tallies = tallies_of(true, "s.id"),
                ));
            }
            statements.push(
                "CREATE OR REPLACE TRIGGER training_tallies_copy_insert \
                 AFTER INSERT ON training_tallies REFERENCING NEW TABLE AS changed \
                 FOR EACH STATEMENT EXECUTE FUNCTION sharaka_copy_tallies_new()"
                    .to_owned(),
            );
            statements.push(
                "CREATE OR REPLACE TRIGGER training_tallies_copy_update \
                 AFTER UPDATE ON training_tallies \
                 REFERENCING OLD TABLE AS gone NEW TABLE AS changed \
                 FOR EACH STATEMENT EXECUTE FUNCTION sharaka_copy_tallies_moved()"
                    .to_owned(),
            );
            statements.push(
                "CREATE OR REPLACE TRIGGER training_tallies_copy_delete \
                 AFTER DELETE ON training_tallies REFERENCING OLD TABLE AS gone \
                 FOR EACH STATEMENT EXECUTE FUNCTION sharaka_copy_tallies_old()"
                    .to_owned(),
            );
        } else {
            let copy = |session: &str| {
                format!(
                    "UPDATE training_sessions SET tallies = {} WHERE id = {session};",
                    tallies_of(false, session)
                )
            };
            statements.push(format!(
                "CREATE TRIGGER IF NOT EXISTS training_tallies_copy_insert \
                 AFTER INSERT ON training_tallies BEGIN {} END",
                copy("NEW.training_session_id")
            ));
            statements.push(format!(
                "CREATE TRIGGER IF NOT EXISTS training_tallies_copy_update \
                 AFTER UPDATE ON training_tallies BEGIN {} {} END",
                copy("OLD.training_session_id"),
                copy("NEW.training_session_id")
            ));
            statements.push(format!(
                "CREATE TRIGGER IF NOT EXISTS training_tallies_copy_delete \
                 AFTER DELETE ON training_tallies BEGIN {} END",
                copy("OLD.training_session_id")
            ));
        }
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        db.execute_unprepared(&format!(
            "UPDATE training_sessions SET tallies = {} \
             WHERE id IN (SELECT training_session_id FROM training_tallies)",
            tallies_of(postgres, "training_sessions.id")
        ))
        .await?;
        if postgres {
            db.execute_unprepared("ANALYZE training_sessions").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for name in TRIGGERS {
            let on = if postgres { " ON training_tallies" } else { "" };
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}{on}"))
                .await?;
        }
        if postgres {
            for name in ["new", "old", "moved"] {
                db.execute_unprepared(&format!(
                    "DROP FUNCTION IF EXISTS sharaka_copy_tallies_{name}()"
                ))
                .await?;
            }
        }
        if manager.has_column("training_sessions", "tallies").await? {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("training_sessions"))
                        .drop_column(Alias::new("tallies"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
