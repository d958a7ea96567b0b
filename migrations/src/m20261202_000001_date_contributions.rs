//! `contributions.dated_on`: the date a contribution counts at in the dashboards' periods, kept
//! by triggers, with an index.
//!
//! A contribution is dated by what it goes to: its session's start, else its project's actual
//! then planned start, else its agreement's entry into force then signature. The figures used
//! to join the sessions, projects and agreements to find that date and only then apply a
//! period, so every statement hashed all of them: 99 ms per statement at benchmark scale M
//! (40,000 contributions, 200,000 sessions), three statements per `resources`. With the date on
//! the contribution's own row, a period is a range of this index.
//!
//! Triggers keep the column exact on both backends, whatever writes: a contribution's insert
//! or change of link; a change of a session's, project's or agreement's dates; and their
//! deletion (which also clears the link, `ON DELETE SET NULL`). Existing rows are dated here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The dating tables: (table, the contribution's link column, the date columns).
const SOURCES: [(&str, &str, &[&str]); 3] = [
    ("training_sessions", "training_session_id", &["start_date"]),
    ("projects", "project_id", &["actual_start", "planned_start"]),
    (
        "agreements",
        "agreement_id",
        &["effective_from", "signed_on"],
    ),
];

/// The date of the contribution row `c` (a table name or alias), from its links in the order
/// of [`SOURCES`]; `without` names a dating table to leave out (its record is being deleted).
fn date_of(c: &str, without: Option<&str>) -> String {
    let terms: Vec<String> = SOURCES
        .iter()
        .map(|(table, link, columns)| {
            if Some(*table) == without {
                return "NULL".to_owned();
            }
            // SQLite's COALESCE takes two arguments or more.
            let date = match columns {
                [one] => (*one).to_owned(),
                _ => format!("COALESCE({})", columns.join(", ")),
            };
            format!("(SELECT {date} FROM {table} WHERE id = {c}.{link})")
        })
        .collect();
    format!("COALESCE({})", terms.join(", "))
}

/// The triggers the statements below create, with their tables, to drop on the way down.
fn triggers() -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = ["insert", "update"]
        .map(|event| (format!("contributions_dated_on_{event}"), "contributions"))
        .into();
    for (table, _, _) in SOURCES {
        out.push((format!("{table}_date_contributions"), table));
        out.push((format!("{table}_undate_contributions"), table));
    }
    out
}

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        if !manager.has_column("contributions", "dated_on").await? {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("contributions"))
                        .add_column(ColumnDef::new(Alias::new("dated_on")).string().null())
                        .to_owned(),
                )
                .await?;
        }
        let links = SOURCES.map(|(_, link, _)| link).join(", ");
        // The contribution's own triggers: when it is written, and when its links change.
        let own = [
            ("contributions_dated_on_insert", "INSERT".to_owned()),
            (
                "contributions_dated_on_update",
                format!("UPDATE OF {links}"),
            ),
        ];
        let mut statements = Vec::new();
        if postgres {
            statements.push(format!(
                "CREATE OR REPLACE FUNCTION sharaka_date_contribution() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN NEW.dated_on := {}; RETURN NEW; END $$",
                date_of("NEW", None)
            ));
            for (name, event) in &own {
                statements.push(format!(
                    "CREATE OR REPLACE TRIGGER {name} BEFORE {event} ON contributions \
                     FOR EACH ROW EXECUTE FUNCTION sharaka_date_contribution()"
                ));
            }
            for (table, link, columns) in SOURCES {
                // One function per table, so that each `UPDATE` is planned on its own index.
                // `OLD.id` is the record's id on an update (ids never change) and a deletion;
                // a deletion's `SET NULL` on the link has already re-dated the contribution
                // through its own trigger by then, which leaves this one nothing to do.
                statements.push(format!(
                    "CREATE OR REPLACE FUNCTION sharaka_date_contributions_of_{table}() \
                     RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                     UPDATE contributions SET dated_on = {date} WHERE {link} = OLD.id; \
                     RETURN NULL; END $$",
                    date = date_of("contributions", None),
                ));
                let changed = columns
                    .iter()
                    .map(|c| format!("OLD.{c} IS DISTINCT FROM NEW.{c}"))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                statements.push(format!(
                    "CREATE OR REPLACE TRIGGER {table}_date_contributions \
                     AFTER UPDATE OF {cols} ON {table} FOR EACH ROW WHEN ({changed}) \
                     EXECUTE FUNCTION sharaka_date_contributions_of_{table}()",
                    cols = columns.join(", "),
                ));
                statements.push(format!(
                    "CREATE OR REPLACE TRIGGER {table}_undate_contributions \
                     AFTER DELETE ON {table} FOR EACH ROW \
                     EXECUTE FUNCTION sharaka_date_contributions_of_{table}()"
                ));
            }
        } else {
            // SQLite triggers cannot assign to NEW: they update the row after the fact.
            for (name, event) in &own {
                statements.push(format!(
                    "CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON contributions \
                     BEGIN UPDATE contributions SET dated_on = {} WHERE id = NEW.id; END",
                    date_of("contributions", None)
                ));
            }
            for (table, link, columns) in SOURCES {
                statements.push(format!(
                    "CREATE TRIGGER IF NOT EXISTS {table}_date_contributions \
                     AFTER UPDATE OF {cols} ON {table} \
                     BEGIN UPDATE contributions SET dated_on = {date} WHERE {link} = NEW.id; END",
                    cols = columns.join(", "),
                    date = date_of("contributions", None),
                ));
                // Before the deletion, without the record: whether or not the link's
                // `SET NULL` fires the contribution's own trigger, the date is then right.
                statements.push(format!(
                    "CREATE TRIGGER IF NOT EXISTS {table}_undate_contributions \
                     BEFORE DELETE ON {table} \
                     BEGIN UPDATE contributions SET dated_on = {date} WHERE {link} = OLD.id; END",
                    date = date_of("contributions", Some(table)),
                ));
            }
        }
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        db.execute_unprepared(&format!(
            "UPDATE contributions SET dated_on = {}",
            date_of("contributions", None)
        ))
        .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS idx_contributions_dated_on ON contributions (dated_on)",
        )
        .await?;
        if postgres {
            db.execute_unprepared("ANALYZE contributions").await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for (name, table) in triggers() {
            let on = if postgres {
                format!(" ON {table}")
            } else {
                String::new()
            };
            db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name}{on}"))
                .await?;
        }
        if postgres {
            db.execute_unprepared("DROP FUNCTION IF EXISTS sharaka_date_contribution()")
                .await?;
            for (table, _, _) in SOURCES {
                db.execute_unprepared(&format!(
                    "DROP FUNCTION IF EXISTS sharaka_date_contributions_of_{table}()"
                ))
                .await?;
            }
        }
        db.execute_unprepared("DROP INDEX IF EXISTS idx_contributions_dated_on")
            .await?;
        if manager.has_column("contributions", "dated_on").await? {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("contributions"))
                        .drop_column(Alias::new("dated_on"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
