//! `training_sessions.tallies` as arrays rather than objects: each tally is copied as
//! `[sex, age_band, enrolled, attended, completed]`, in the order of the tallies' ids, which
//! the aggregate now sets on both backends (`ORDER BY` inside `json_agg`, and inside
//! `json_group_array` since SQLite 3.44).
//!
//! The copy of `m20261204_000001_session_tallies` held an object per tally, with its id so that
//! readers could put SQLite's copies in order. A dashboard reads about 1,200 copied tallies
//! (its 300 sessions and the probe row of each page): parsing their keys and ids was an
//! eighth of the server's instructions per dashboard, and the keys four fifths of the bytes
//! PostgreSQL sent for them. The id has no other reader (a tally's GraphQL type shows none).
//!
//! The triggers of that migration stay, with the new expression: PostgreSQL's functions are
//! replaced, SQLite's triggers recreated. Every copy is rewritten in the same transaction
//! (forced on SQLite too), so no reader ever sees the two formats mixed. `down` brings the
//! objects back the same way.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// How each tally is copied: the format this migration brings, or the one it replaces.
#[derive(Clone, Copy)]
enum Format {
    Arrays,
    Objects,
}

/// The tallies of session `session` (an SQL expression) as a JSON array in `format`.
fn tallies_of(postgres: bool, format: Format, session: &str) -> String {
    match (postgres, format) {
        (true, Format::Arrays) => format!(
            "(SELECT COALESCE(json_agg(json_build_array(t.sex, t.age_band, t.enrolled, \
             t.attended, t.completed) ORDER BY t.id)::text, '[]') \
             FROM training_tallies t WHERE t.training_session_id = {session})"
        ),
        (false, Format::Arrays) => format!(
            "(SELECT json_group_array(json_array(t.sex, t.age_band, t.enrolled, t.attended, \
             t.completed) ORDER BY t.id) \
             FROM training_tallies t WHERE t.training_session_id = {session})"
        ),
        (true, Format::Objects) => format!(
            "(SELECT COALESCE(json_agg(json_build_object('id', t.id, 'sex', t.sex, \
             'age_band', t.age_band, 'enrolled', t.enrolled, 'attended', t.attended, \
             'completed', t.completed) ORDER BY t.id)::text, '[]') \
             FROM training_tallies t WHERE t.training_session_id = {session})"
        ),
        (false, Format::Objects) => format!(
            "(SELECT json_group_array(json_object('id', t.id, 'sex', t.sex, \
             'age_band', t.age_band, 'enrolled', t.enrolled, 'attended', t.attended, \
             'completed', t.completed)) \
             FROM (SELECT * FROM training_tallies WHERE training_session_id = {session} \
             ORDER BY id) t)"
        ),
    }
}

/// The statements that make the triggers copy in `format`, then rewrite every copy in it.
fn copy_in(postgres: bool, format: Format) -> Vec<String> {
    let mut statements = Vec::new();
    if postgres {
        // The functions as `m20261204_000001_session_tallies` made them (the lock included),
        // with the new expression; the triggers call them by name.
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
            statements.push(format!(
                "CREATE OR REPLACE FUNCTION sharaka_copy_tallies_{name}() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 PERFORM 1 FROM training_sessions s WHERE s.id IN ({sessions}) \
                 ORDER BY s.id FOR UPDATE; \
                 UPDATE training_sessions s SET tallies = {tallies} \
                 WHERE s.id IN ({sessions}); \
                 RETURN NULL; END $$",
                tallies = tallies_of(true, format, "s.id"),
            ));
        }
    } else {
        let copy = |session: &str| {
            format!(
                "UPDATE training_sessions SET tallies = {} WHERE id = {session};",
                tallies_of(false, format, session)
            )
        };
        for (name, event, body) in [
            ("insert", "INSERT", copy("NEW.training_session_id")),
            (
                "update",
                "UPDATE",
                format!(
                    "{} {}",
                    copy("OLD.training_session_id"),
                    copy("NEW.training_session_id")
                ),
            ),
            ("delete", "DELETE", copy("OLD.training_session_id")),
        ] {
            statements.push(format!(
                "DROP TRIGGER IF EXISTS training_tallies_copy_{name}"
            ));
            statements.push(format!(
                "CREATE TRIGGER IF NOT EXISTS training_tallies_copy_{name} \
                 AFTER {event} ON training_tallies BEGIN {body} END"
            ));
        }
    }
    // Sessions without tallies hold `[]` in either format; a `NULL` copy stays `NULL`.
    statements.push(format!(
        "UPDATE training_sessions SET tallies = {} \
         WHERE tallies IS NOT NULL \
         AND id IN (SELECT training_session_id FROM training_tallies)",
        tallies_of(postgres, format, "training_sessions.id")
    ));
    statements
}

/// Makes the triggers copy in `format` and rewrites every copy in it.
async fn switch_to(manager: &SchemaManager<'_>, format: Format) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let postgres = manager.get_database_backend() == DbBackend::Postgres;
    for statement in copy_in(postgres, format) {
        db.execute_unprepared(&statement).await?;
    }
    Ok(())
}

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// The triggers and the copies change together, or not at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        switch_to(manager, Format::Arrays).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        switch_to(manager, Format::Objects).await
    }
}
