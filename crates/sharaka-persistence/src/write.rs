//! The write side: inserts, versioned updates, archiving, deletion of never-referenced rows, the
//! audit trail and idempotency keys. Each function is one statement (two when a version check
//! fails and the current version is read back); callers run them on a store begun with
//! [`Store::begin`] so that a change and its audit event commit together or not at all.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, JsonValue, SqlErr};

use crate::{Conn, PersistenceError, Store, with_conn};

/// A value to store in a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, codes, partial dates, JSON.
    Text(String),
    /// Integers.
    Int(i64),
    /// Floating-point numbers (contact hours).
    Float(f64),
    /// Flags.
    Bool(bool),
    /// SQL NULL (an explicitly cleared field).
    Null,
    /// The database's current time (for timestamp columns).
    Now,
    /// An instant (for timestamp columns).
    Time(chrono::DateTime<chrono::Utc>),
}

impl Cell {
    /// Text, or NULL when absent.
    pub fn opt_text(value: Option<impl ToString>) -> Self {
        value.map_or(Cell::Null, |v| Cell::Text(v.to_string()))
    }

    pub(crate) fn expr(&self) -> SimpleExpr {
        match self {
            Cell::Text(s) => Expr::val(s.clone()),
            Cell::Int(i) => Expr::val(*i),
            Cell::Float(f) => Expr::val(*f),
            Cell::Bool(b) => Expr::val(*b),
            // An untyped `NULL`: a bound `Option::<String>::None` is a text parameter, which
            // PostgreSQL refuses for integer, boolean and timestamp columns.
            Cell::Null => Expr::null(),
            Cell::Now => Expr::current_timestamp(),
            Cell::Time(t) => Expr::val(*t),
        }
    }
}

/// Who makes a change, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// The actor's name.
    pub actor: String,
    /// The request the change came from.
    pub request_id: Option<String>,
}

/// One change to record in the audit trail.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// The kind of record, as in GraphQL (`Agreement`).
    pub entity: &'a str,
    /// The record's local id.
    pub record_id: &'a str,
    /// The mutation or transition.
    pub action: &'a str,
    /// The reason given, if any.
    pub reason: Option<&'a str>,
    /// The stored fields before.
    pub before: Option<JsonValue>,
    /// The stored fields after.
    pub after: Option<JsonValue>,
}

/// The lists stored beside a record, as (table, column holding the record's id).
fn child_lists(table: &str) -> &'static [(&'static str, &'static str)] {
    match table {
        "projects" => &[
            ("project_participants", "project_id"),
            ("project_sectors", "project_id"),
            ("project_sites", "project_id"),
            ("project_regions", "project_id"),
            ("project_agreements", "project_id"),
        ],
        "training_sessions" => &[
            ("training_providers", "training_session_id"),
            ("training_tallies", "training_session_id"),
        ],
        "exchange_visits" => &[
            ("exchange_visit_sites", "exchange_visit_id"),
            ("exchange_visit_tallies", "exchange_visit_id"),
        ],
        "agreements" => &[("agreement_partnerships", "agreement_id")],
        "indicator_periods" => &[("indicator_period_values", "period_id")],
        _ => &[],
    }
}

fn map_db(error: DbErr) -> PersistenceError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            PersistenceError::Constraint("a record with this identifier already exists".into())
        }
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => PersistenceError::Constraint(
            "the record refers to, or is referred to by, other records".into(),
        ),
        _ => PersistenceError::Database(error),
    }
}

async fn current_version<C: ConnectionTrait>(
    c: &C,
    table: &'static str,
    id: &str,
) -> Result<Option<i32>, PersistenceError> {
    let select = Query::select()
        .column(Alias::new("version"))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    Ok(match c.query_one(&select).await? {
        Some(row) => Some(row.try_get::<i32>("", "version")?),
        None => None,
    })
}

impl Store {
    /// The stored row as JSON (for the audit trail's before and after), with the rows of its
    /// lists (participants, tallies, links) under their table names, if it exists.
    pub async fn snapshot(
        &self,
        table: &'static str,
        id: &str,
    ) -> Result<Option<JsonValue>, PersistenceError> {
        let Some(mut row) = self.row_snapshot(table, id).await? else {
            return Ok(None);
        };
        for (child, column) in child_lists(table) {
            let select = Query::select()
                .column(sea_orm::sea_query::Asterisk)
                .from(Alias::new(*child))
                .and_where(Expr::col(Alias::new(*column)).eq(id))
                .to_owned();
            let rows = with_conn!(self, c => {
                let rows = c.query_all(&select).await?;
                rows.iter().map(|r| JsonValue::from_query_result(r, "")).collect::<Result<Vec<_>, DbErr>>().map_err(PersistenceError::from)
            })?;
            if let Some(object) = row.as_object_mut() {
                object.insert((*child).to_owned(), JsonValue::Array(rows));
            }
        }
        Ok(Some(row))
    }

    async fn row_snapshot(
        &self,
        table: &'static str,
        id: &str,
    ) -> Result<Option<JsonValue>, PersistenceError> {
        let select = Query::select()
            .column(sea_orm::sea_query::Asterisk)
            .from(Alias::new(table))
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .to_owned();
        let mut row = with_conn!(self, c => {
            match c.query_one(&select).await? {
                Some(row) => Ok::<_, PersistenceError>(Some(JsonValue::from_query_result(&row, "")?)),
                None => Ok(None),
            }
        })?;
        // The search keys, a contribution's date and a session's copy of its tallies are
        // derived from other texts and records, not part of the record.
        if let Some(object) = row.as_mut().and_then(JsonValue::as_object_mut) {
            object.remove(crate::search::TEXT_KEY);
            object.remove(crate::stats::DATED_ON);
            if table == "training_sessions" {
                object.remove("tallies");
            }
        }
        Ok(row)
    }

    /// Inserts one row.
    pub async fn insert(
        &self,
        table: &'static str,
        cells: &[(&'static str, Cell)],
    ) -> Result<(), PersistenceError> {
        let insert = Query::insert()
            .into_table(Alias::new(table))
            .columns(cells.iter().map(|(c, _)| Alias::new(*c)))
            .values(cells.iter().map(|(_, v)| v.expr()))
            .map_err(|e| PersistenceError::Seed(e.to_string()))?
            .to_owned();
        with_conn!(self, c => c.execute(&insert).await.map(|_| ()).map_err(map_db))?;
        // Keep the search index current, in the same transaction as the record.
        if let Some((_, Cell::Text(id))) = cells.iter().find(|(c, _)| *c == "id") {
            self.index_record(table, id).await?;
        }
        Ok(())
    }

    /// Updates a versioned row if it is still at `expected_version`; returns the new version.
    /// A stale version is [`PersistenceError::VersionConflict`] and writes nothing.
    pub async fn update(
        &self,
        table: &'static str,
        id: &str,
        expected_version: i32,
        cells: &[(&'static str, Cell)],
    ) -> Result<i32, PersistenceError> {
        let mut update = Query::update();
        update.table(Alias::new(table));
        for (column, value) in cells {
            update.value(Alias::new(*column), value.expr());
        }
        update
            .value(
                Alias::new("version"),
                Expr::col(Alias::new("version")).add(1),
            )
            .value(Alias::new("updated_at"), Expr::current_timestamp())
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .and_where(Expr::col(Alias::new("version")).eq(expected_version));
        with_conn!(self, c => {
            let result = c.execute(&update).await.map_err(map_db)?;
            if result.rows_affected() == 1 {
                Ok(())
            } else {
                match current_version(c, table, id).await? {
                    Some(current) => Err(PersistenceError::VersionConflict { table, id: id.to_owned(), current }),
                    None => Err(PersistenceError::NotFound { table, id: id.to_owned() }),
                }
            }
        })?;
        // Keep the search index current, in the same transaction as the record.
        self.index_record(table, id).await?;
        Ok(expected_version + 1)
    }

    /// Deletes every row of `table` whose `column` equals `value` (link rows, tallies).
    pub async fn delete_where(
        &self,
        table: &'static str,
        column: &'static str,
        value: &str,
    ) -> Result<u64, PersistenceError> {
        let delete = Query::delete()
            .from_table(Alias::new(table))
            .and_where(Expr::col(Alias::new(column)).eq(value))
            .to_owned();
        with_conn!(self, c => c.execute(&delete).await.map(|r| r.rows_affected()).map_err(map_db))
    }

    /// Deletes every row of `table` matching all `(column, value)` pairs (one kind of a
    /// period's disaggregated values).
    pub async fn delete_matching(
        &self,
        table: &'static str,
        conditions: &[(&'static str, &str)],
    ) -> Result<u64, PersistenceError> {
        let mut delete = Query::delete();
        delete.from_table(Alias::new(table));
        for (column, value) in conditions {
            delete.and_where(Expr::col(Alias::new(*column)).eq(*value));
        }
        with_conn!(self, c => c.execute(&delete).await.map(|r| r.rows_affected()).map_err(map_db))
    }

    /// Deletes one row; a row still referenced elsewhere is refused by the database's
    /// foreign keys and reported as [`PersistenceError::Constraint`].
    pub async fn delete(&self, table: &'static str, id: &str) -> Result<(), PersistenceError> {
        let n = self.delete_where(table, "id", id).await?;
        if n == 0 {
            return Err(PersistenceError::NotFound {
                table,
                id: id.to_owned(),
            });
        }
        // Drops the record's search entries (re-indexing a missing record removes them).
        self.index_record(table, id).await?;
        Ok(())
    }

    /// Records a change in the audit trail.
    pub async fn record(
        &self,
        author: &Author,
        change: Change<'_>,
    ) -> Result<(), PersistenceError> {
        let id = uuid::Uuid::now_v7().to_string();
        let json = |v: &Option<JsonValue>| Cell::opt_text(v.as_ref().map(|j| j.to_string()));
        let cells = [
            ("id", Cell::Text(id)),
            // Written from Rust rather than by the column default, so that the stored text and
            // the bounds of time filters share one format on SQLite (and sub-second precision).
            ("occurred_at", Cell::Time(chrono::Utc::now())),
            ("actor", Cell::Text(author.actor.clone())),
            ("request_id", Cell::opt_text(author.request_id.as_deref())),
            ("entity", Cell::Text(change.entity.to_owned())),
            ("record_id", Cell::Text(change.record_id.to_owned())),
            ("action", Cell::Text(change.action.to_owned())),
            ("reason", Cell::opt_text(change.reason)),
            ("before_state", json(&change.before)),
            ("after_state", json(&change.after)),
        ];
        self.insert("audit_events", &cells).await?;
        let event = crate::outbox::PendingEvent::new(
            change.entity,
            change.record_id,
            change.action,
            change.before.as_ref(),
            change.after.as_ref(),
        );
        match &self.pending {
            Some(pending) => match pending.lock() {
                Ok(mut events) => events.push(event),
                Err(poisoned) => poisoned.into_inner().push(event),
            },
            // Outside a transaction (a one-off write), the event is written at once, in a
            // transaction of its own so it takes its place in the outbox's order.
            None => {
                let txn = self.begin().await?;
                if let Some(pending) = &txn.pending
                    && let Ok(mut events) = pending.lock()
                {
                    events.push(event);
                }
                txn.commit().await?;
            }
        }
        Ok(())
    }

    /// The record a create with this idempotency key already produced, as `(operation, id)`.
    pub async fn idempotent(
        &self,
        actor: &str,
        key: &str,
    ) -> Result<Option<(String, String)>, PersistenceError> {
        let select = Query::select()
            .columns([Alias::new("operation"), Alias::new("record_id")])
            .from(Alias::new("idempotency_keys"))
            .and_where(Expr::col(Alias::new("actor")).eq(actor))
            .and_where(Expr::col(Alias::new("key")).eq(key))
            .to_owned();
        with_conn!(self, c => {
            match c.query_one(&select).await? {
                Some(row) => Ok(Some((row.try_get("", "operation")?, row.try_get("", "record_id")?))),
                None => Ok(None),
            }
        })
    }

    /// Remembers that `key` produced `record_id` for `operation`.
    pub async fn remember(
        &self,
        actor: &str,
        key: &str,
        operation: &str,
        record_id: &str,
    ) -> Result<(), PersistenceError> {
        let cells = [
            ("actor", Cell::Text(actor.to_owned())),
            ("key", Cell::Text(key.to_owned())),
            ("operation", Cell::Text(operation.to_owned())),
            ("record_id", Cell::Text(record_id.to_owned())),
        ];
        self.insert("idempotency_keys", &cells).await
    }
}

/// Every column that refers to a row of `table`, as (referring table, column).
fn references_to(table: &str) -> &'static [(&'static str, &'static str)] {
    match table {
        "organisations" => &[
            ("organisations", "parent_id"),
            ("sites", "operator_org_id"),
            ("partnerships", "home_org_id"),
            ("partnerships", "partner_org_id"),
            ("agreement_parties", "organisation_id"),
            ("commitments", "party_org_id"),
            ("project_participants", "organisation_id"),
            ("training_sessions", "organiser_org_id"),
            ("training_providers", "organisation_id"),
            ("contributions", "contributor_org_id"),
            ("exchange_visits", "host_org_id"),
            ("exchange_visits", "visitor_org_id"),
        ],
        "regions" => &[("sites", "region_id"), ("project_regions", "region_id")],
        "sites" => &[
            ("sites", "parent_site_id"),
            ("project_sites", "site_id"),
            ("training_sessions", "venue_site_id"),
            ("exchange_visit_sites", "site_id"),
        ],
        "partnerships" => &[("agreement_partnerships", "partnership_id")],
        "agreements" => &[
            ("agreements", "parent_agreement_id"),
            ("agreements", "supersedes_id"),
            ("agreement_partnerships", "agreement_id"),
            ("agreement_parties", "agreement_id"),
            ("commitments", "agreement_id"),
            ("project_agreements", "agreement_id"),
            ("training_sessions", "agreement_id"),
            ("contributions", "agreement_id"),
            ("exchange_visits", "agreement_id"),
        ],
        "projects" => &[
            ("projects", "parent_project_id"),
            ("project_participants", "project_id"),
            ("project_sectors", "project_id"),
            ("project_sites", "project_id"),
            ("project_regions", "project_id"),
            ("project_agreements", "project_id"),
            ("training_sessions", "project_id"),
            ("contributions", "project_id"),
            ("exchange_visits", "project_id"),
            ("project_results", "project_id"),
        ],
        "project_results" => &[("result_indicators", "result_id")],
        "result_indicators" => &[("indicator_periods", "indicator_id")],
        "training_sessions" => &[
            ("training_providers", "training_session_id"),
            ("training_tallies", "training_session_id"),
            ("contributions", "training_session_id"),
        ],
        "exchange_visits" => &[
            ("exchange_visit_sites", "exchange_visit_id"),
            ("exchange_visit_tallies", "exchange_visit_id"),
        ],
        _ => &[],
    }
}

impl Store {
    /// How many rows anywhere refer to this record (0 means it was never referenced and may be
    /// deleted for good).
    pub async fn references(&self, table: &'static str, id: &str) -> Result<u64, PersistenceError> {
        let mut total = 0u64;
        for (referring, column) in references_to(table) {
            let select = Query::select()
                .expr_as(
                    sea_orm::sea_query::Func::count(Expr::col(sea_orm::sea_query::Asterisk)),
                    Alias::new("n"),
                )
                .from(Alias::new(*referring))
                .and_where(Expr::col(Alias::new(*column)).eq(id))
                .to_owned();
            let n: i64 = with_conn!(self, c => {
                match c.query_one(&select).await? {
                    Some(row) => Ok::<i64, PersistenceError>(row.try_get("", "n")?),
                    None => Ok(0),
                }
            })?;
            total += u64::try_from(n).unwrap_or(0);
        }
        Ok(total)
    }
}

/// A session's copy of its tallies beside its tallies in `training_tallies`: see
/// [`Store::tally_copies`].
#[doc(hidden)]
#[derive(Debug)]
pub struct TallyCopy {
    /// The session.
    pub session: String,
    /// The tallies copied onto the session's row (`None` when the copy is `NULL`).
    pub copied: Option<Vec<sharaka_domain::Tally>>,
    /// The session's tallies in `training_tallies`, in the order of their ids.
    pub recorded: Vec<sharaka_domain::Tally>,
}

impl Store {
    /// Every session's copy of its tallies beside its rows in `training_tallies`, by session
    /// id. For tests of the triggers that keep the copy.
    #[doc(hidden)]
    pub async fn tally_copies(&self) -> Result<Vec<TallyCopy>, PersistenceError> {
        use crate::entities::{training_sessions, training_tallies};
        use sea_orm::{EntityTrait, QueryOrder};
        let (sessions, tallies) = with_conn!(self, c => {
            let sessions = training_sessions::Entity::find()
                .order_by_asc(training_sessions::Column::Id)
                .all(c)
                .await?;
            let tallies = training_tallies::Entity::find()
                .order_by_asc(training_tallies::Column::Id)
                .all(c)
                .await?;
            Ok::<_, PersistenceError>((sessions, tallies))
        })?;
        let mut recorded: std::collections::HashMap<String, Vec<sharaka_domain::Tally>> =
            std::collections::HashMap::new();
        for tally in tallies {
            let session = tally.training_session_id.clone();
            recorded
                .entry(session)
                .or_default()
                .push(crate::convert::training_tally(tally)?);
        }
        sessions
            .into_iter()
            .map(|session| {
                let id = session.id.clone();
                Ok(TallyCopy {
                    recorded: recorded.remove(&id).unwrap_or_default(),
                    copied: crate::convert::training_session(session)?.tallies,
                    session: id,
                })
            })
            .collect()
    }
}
