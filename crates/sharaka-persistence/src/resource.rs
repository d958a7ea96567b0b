//! Generic reads over every resource of the graph: filtered, ordered pages; batches by id; and
//! children of many parents at once with a per-parent window (`ROW_NUMBER() OVER (PARTITION BY
//! parent)`), so that a nested `first: 5` is applied in SQL and never by loading every child.
//! Each function issues exactly one statement, which is what keeps DataLoader-driven GraphQL
//! queries free of N+1.

use std::collections::{HashMap, HashSet};

use sea_orm::sea_query::extension::postgres::PgFunc;
use sea_orm::sea_query::{
    Alias, Asterisk, Cond, Expr, ExprTrait, Func, NullOrdering, Order as SqlOrder, OverStatement,
    Query, SelectStatement, WindowStatement,
};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult};
use sharaka_domain as domain;

use crate::convert;
use crate::entities::every;
use crate::entities::*;
use crate::error::PersistenceError;
use crate::query::{Direction, Filter, ListQuery, Order, Page, condition, condition_on};

mod sealed {
    pub trait Sealed {}
}

/// A record kind that can be listed, counted and batch-loaded. Implemented for the domain types
/// of the graph's records; sealed, because each implementation is tied to a table.
pub trait Resource: sealed::Sealed + Clone + Send + Sync + 'static {
    #[doc(hidden)]
    type Row: Positional + Send + Sync;
    /// The table the records live in.
    const TABLE: &'static str;
    /// Fields that may appear in filters and orderings.
    const FIELDS: &'static [&'static str];
    #[doc(hidden)]
    fn from_row(row: Self::Row) -> Result<Self, PersistenceError>;
    /// The columns a record is read from: its entity's, named rather than `*`, so that derived
    /// columns (`text_key`, which can be long) are not sent with every row.
    #[doc(hidden)]
    fn columns() -> &'static [&'static str];
    /// The columns a record cannot be built without (its id and the codes its conversion
    /// parses), when a read may leave the others out (see [`Columns`]); `None` when every read
    /// takes every column.
    const NEEDED: Option<&'static [&'static str]> = None;
}

/// Which of a record's columns a read fetches: every one, or those a page's selection reads
/// together with those the record cannot be built without ([`Resource::NEEDED`]).
///
/// A nested page of a dashboard asks a few fields of each record (a session's audience and
/// start date) where the record has two dozen columns (titles in three languages, venue,
/// series, meta); fetching and decoding the rest was a fifth of the server's work. A column
/// left out is read as its field's default (`None` for an optional field), so the record must
/// only be given to resolvers of the fields it was read for: the gateway keys such pages by
/// their columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    /// Every column.
    pub const ALL: Self = Self(u64::MAX);

    /// `R`'s columns named in `names`, with those every record of `R` is read with. Every
    /// column when a name is not one of `R`'s, when `R` has no [`Resource::NEEDED`], or when
    /// the names cover them all.
    pub fn of<'a, R: Resource>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let Some(needed) = R::NEEDED else {
            return Self::ALL;
        };
        let all = R::columns();
        let bit = |name: &str| all.iter().position(|c| *c == name).map(|i| 1u64 << i);
        let mut wanted = 0;
        for name in needed.iter().copied().chain(names) {
            match bit(name) {
                Some(b) => wanted |= b,
                None => return Self::ALL,
            }
        }
        if wanted == every(all.len()) {
            Self::ALL
        } else {
            Self(wanted)
        }
    }

    /// Whether the column at `index` is read.
    fn has(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }

    /// How many of `R`'s columns are read.
    fn count<R: Resource>(self) -> usize {
        (self.0 & every(R::columns().len())).count_ones() as usize
    }
}

macro_rules! resource {
    ($domain:ty, $module:ident, $convert:path, [$($field:literal),* $(,)?]
     $(, needs [$($needed:literal),* $(,)?])?) => {
        impl sealed::Sealed for $domain {}
        impl Resource for $domain {
            type Row = $module::Model;
            const TABLE: &'static str = stringify!($module);
            const FIELDS: &'static [&'static str] = &[$($field),*];
            fn from_row(row: Self::Row) -> Result<Self, PersistenceError> {
                $convert(row)
            }
            fn columns() -> &'static [&'static str] {
                // The order `Positional::read` expects (tested to be the entity's columns).
                <$module::Model as Positional>::NAMES
            }
            $(const NEEDED: Option<&'static [&'static str]> = Some(&[$($needed),*]);)?
        }
    };
}

resource!(
    domain::Organisation,
    organisations,
    convert::organisation,
    [
        "id",
        "name_ar",
        "name_fr",
        "name_en",
        "acronym",
        "category",
        "iati_org_type",
        "legal_nature",
        "country_code",
        "parent_id",
        "founded_on",
        "is_home",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ],
    needs ["id", "category", "identifiers"]
);
resource!(
    domain::Region,
    regions,
    convert::region,
    [
        "id",
        "name_ar",
        "name_fr",
        "name_en",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ]
);
resource!(
    domain::Site,
    sites,
    convert::site,
    [
        "id",
        "site_type",
        "name_ar",
        "name_fr",
        "name_en",
        "operator_org_id",
        "region_id",
        "city",
        "parent_site_id",
        "status",
        "opened_on",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ]
);
resource!(
    domain::Partnership,
    partnerships,
    convert::partnership,
    [
        "id",
        "home_org_id",
        "partner_org_id",
        "scope",
        "modality",
        "themes",
        "since",
        "status",
        "is_strategic",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ],
    needs ["id", "scope", "modality", "themes", "status"]
);
resource!(
    domain::Agreement,
    agreements,
    convert::agreement,
    [
        "id",
        "reference",
        "agreement_type",
        "status",
        "title_ar",
        "title_fr",
        "title_en",
        "themes",
        "drafted_on",
        "agreed_on",
        "signed_on",
        "effective_from",
        "effective_to",
        "terminated_on",
        "parent_agreement_id",
        "supersedes_id",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ],
    needs ["id", "agreement_type", "status", "themes"]
);
resource!(
    domain::AgreementParty,
    agreement_parties,
    convert::agreement_party,
    [
        "id",
        "agreement_id",
        "organisation_id",
        "role",
        "signed_on",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ],
    needs ["id", "role"]
);
resource!(
    domain::Commitment,
    commitments,
    convert::commitment,
    [
        "id",
        "agreement_id",
        "party_org_id",
        "kind",
        "due_on",
        "status",
        "illustrative",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ],
    needs ["id", "kind", "status"]
);
resource!(
    domain::Project,
    projects,
    convert::project,
    [
        "id",
        "iati_identifier",
        "title_ar",
        "title_fr",
        "title_en",
        "status",
        "planned_start",
        "actual_start",
        "planned_end",
        "actual_end",
        "parent_project_id",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ],
    needs ["id", "status"]
);
resource!(
    domain::ProjectParticipant,
    project_participants,
    convert::project_participant,
    ["id", "project_id", "organisation_id", "role",]
);
resource!(
    domain::ProjectSector,
    project_sectors,
    convert::project_sector,
    ["project_id", "vocabulary", "code", "percentage",]
);
resource!(
    domain::Contribution,
    contributions,
    convert::contribution,
    [
        "id",
        "contributor_org_id",
        "project_id",
        "agreement_id",
        "training_session_id",
        "contribution_type",
        "amount_minor",
        "currency",
        "status",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ]
);
resource!(
    domain::TrainingSession,
    training_sessions,
    convert::training_session,
    [
        "id",
        "title_ar",
        "title_fr",
        "title_en",
        "project_id",
        "agreement_id",
        "organiser_org_id",
        "audience",
        "staff_category",
        "topics",
        "delivery_mode",
        "venue_site_id",
        "venue_country",
        "start_date",
        "end_date",
        "contact_hours",
        "status",
        "series_id",
        "cycle_number",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ],
    needs ["id", "audience", "topics", "status"]
);
resource!(
    domain::Tally,
    training_tallies,
    convert::training_tally,
    [
        "id",
        "training_session_id",
        "sex",
        "age_band",
        "enrolled",
        "attended",
        "completed",
    ]
);
resource!(
    domain::ExchangeVisit,
    exchange_visits,
    convert::exchange_visit,
    [
        "id",
        "title_ar",
        "title_fr",
        "title_en",
        "direction",
        "visit_type",
        "host_org_id",
        "visitor_org_id",
        "country_code",
        "start_date",
        "end_date",
        "topics",
        "status",
        "project_id",
        "agreement_id",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ]
);
resource!(
    domain::DelegationTally,
    exchange_visit_tallies,
    convert::visit_tally,
    ["id", "exchange_visit_id", "sex", "count",]
);
resource!(
    domain::ProjectResult,
    project_results,
    convert::project_result,
    [
        "id",
        "project_id",
        "result_type",
        "aggregation_status",
        "title_ar",
        "title_fr",
        "title_en",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ]
);
resource!(
    domain::Indicator,
    result_indicators,
    convert::indicator,
    [
        "id",
        "result_id",
        "project_id",
        "measure",
        "ascending",
        "counts_people",
        "title_ar",
        "title_fr",
        "title_en",
        "baseline_year",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ]
);
resource!(
    domain::IndicatorPeriod,
    indicator_periods,
    convert::indicator_period,
    [
        "id",
        "indicator_id",
        "result_id",
        "project_id",
        "period_start",
        "period_end",
        "target_value",
        "actual_value",
        "created_at",
        "updated_at",
        "archived_at",
        "demo",
    ]
);
resource!(
    domain::PeriodValue,
    indicator_period_values,
    convert::period_value,
    [
        "id",
        "period_id",
        "project_id",
        "kind",
        "dimension",
        "dimension_value",
        "value",
    ]
);

resource!(
    crate::audit::AuditEvent,
    audit_events,
    crate::audit::from_row,
    [
        "id",
        "occurred_at",
        "actor",
        "request_id",
        "entity",
        "record_id",
        "action",
    ]
);

/// Whether `R` has an archive marker, so that default lists leave its archived rows out.
fn has_archive<R: Resource>() -> bool {
    R::FIELDS.contains(&"archived_at")
}

/// How children hang off their parents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Via {
    /// The child table has a column holding the parent's id.
    Column(&'static str),
    /// A link table maps parents to children: `table(parent, child)`, `child` = child id.
    Link {
        /// The link table.
        table: &'static str,
        /// The link column holding the parent's id.
        parent: &'static str,
        /// The link column holding the child's id.
        child: &'static str,
    },
}

/// A named one-to-many or many-to-many relation from one resource to `target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Relation {
    /// A stable name, for logs and loader keys.
    pub name: &'static str,
    /// The child table.
    pub target: &'static str,
    /// How children are found.
    pub via: Via,
    /// Whether a parent has only a few children (a session's tallies, one per sex and age
    /// band): a first page of them is then read by reading all of each parent's and keeping
    /// the page's worth, which costs the database less than numbering them.
    pub short: bool,
}

const PARENT: &str = "__parent";
const LINK: &str = "__link";
const ROW_NUMBER: &str = "__rn";

fn record_columns<R: Resource>(columns: Columns) -> impl Iterator<Item = (Alias, Alias)> {
    R::columns()
        .iter()
        .enumerate()
        .filter(move |(i, _)| columns.has(*i))
        .map(|(_, column)| (Alias::new(R::TABLE), Alias::new(*column)))
}

/// `column` is one of `ids`. On PostgreSQL `column = ANY($1)` with the ids as one array: the
/// statement's text is the same whatever the number of ids, so the driver's prepared statement
/// is reused and the server neither parses nor plans a list of hundreds of parameters again.
/// SQLite has no arrays: `column IN (…)`.
///
/// One id is compared with `column = $1`, a second text: PostgreSQL plans `= ANY($1)` afresh
/// at every execution, because its generic plan assumes an array of several ids and so looks
/// dearer than the custom plan made for one; the plan of `= $1` costs the same either way, so
/// after five executions a connection keeps the generic one and stops planning single lookups
/// (the `node` scenario's).
fn one_of(column: Expr, ids: &[String], backend: DbBackend) -> Expr {
    match backend {
        DbBackend::Postgres if ids.len() == 1 => column.eq(ids[0].as_str()),
        DbBackend::Postgres => column.eq(PgFunc::any(Expr::val(ids.to_vec()))),
        _ => column.is_in(ids.iter().cloned()),
    }
}

fn base_select<R: Resource>(
    query: &ListQuery,
    scope: Option<&Filter>,
    columns: Columns,
) -> Result<SelectStatement, PersistenceError> {
    let mut select = Query::select();
    select
        .columns(record_columns::<R>(columns))
        .from(Alias::new(R::TABLE));
    if let Some(scope) = scope {
        select.cond_where(condition_on(R::TABLE, None, scope)?);
    }
    if let Some(filter) = &query.filter {
        select.cond_where(condition(R::TABLE, R::FIELDS, filter)?);
    }
    if !query.include_archived && has_archive::<R>() {
        select.and_where(Expr::col((Alias::new(R::TABLE), Alias::new("archived_at"))).is_null());
    }
    Ok(select)
}

fn order_exprs<R: Resource>(query: &ListQuery) -> Result<Vec<(Expr, SqlOrder)>, PersistenceError> {
    let mut out = Vec::with_capacity(query.order.len() + 1);
    for order in &query.order {
        if !R::FIELDS.contains(&order.field) {
            return Err(PersistenceError::UnknownField {
                table: R::TABLE,
                field: order.field.to_owned(),
            });
        }
        let dir = match order.direction {
            Direction::Asc => SqlOrder::Asc,
            Direction::Desc => SqlOrder::Desc,
        };
        out.push((
            Expr::col((Alias::new(R::TABLE), Alias::new(order.field))),
            dir,
        ));
    }
    // A unique tie-breaker makes pages stable whatever the requested order.
    for key in ["id", "code", "sex"] {
        if R::FIELDS.contains(&key) {
            out.push((
                Expr::col((Alias::new(R::TABLE), Alias::new(key))),
                SqlOrder::Asc,
            ));
            break;
        }
    }
    Ok(out)
}

/// Decodes a row that starts with `R`'s columns (see [`record_columns`]).
fn decode<R: Resource>(row: &QueryResult) -> Result<R, PersistenceError> {
    R::from_row(R::Row::read(row)?)
}

/// Decodes a row that starts with those of `R`'s columns that `columns` reads.
fn decode_some<R: Resource>(row: &QueryResult, columns: Columns) -> Result<R, PersistenceError> {
    if columns == Columns::ALL {
        return decode::<R>(row);
    }
    R::from_row(R::Row::read_some(row, columns.0, columns.0)?)
}

/// Decodes row `number` of `page`, rows that start with those of `R`'s columns that `columns`
/// reads: the page's probe row ([`Page::probe`]) from the columns `R` cannot be built without
/// (every column when `R` names none), the others whole. Which columns the probe reads is
/// worked out once per page, not per row.
fn numbered_decoder<R: Resource>(
    columns: Columns,
    page: Page,
) -> impl Fn(&QueryResult, i64) -> Result<R, PersistenceError> {
    let needed = Columns::of::<R>([]);
    let lean = (needed != Columns::ALL).then_some(columns.0 & needed.0);
    move |row, number| match lean {
        Some(lean) if page.is_probe(number) => {
            R::from_row(R::Row::read_some(row, columns.0, lean)?)
        }
        _ => decode_some::<R>(row, columns),
    }
}

/// Decodes a row of `R` (see [`decode`]) with its id.
fn decode_with_id<R: Resource>(row: &QueryResult) -> Result<(String, R), PersistenceError> {
    let id: String = row.try_get("", "id")?;
    Ok((id, decode::<R>(row)?))
}

/// `R`'s rows that the query keeps, in its order: each key `NULLS LAST`, then the id. This is
/// the lists' one ordering, which their indexes are built for; the caller sets the window.
fn ordered_select<R: Resource>(
    query: &ListQuery,
    scope: Option<&Filter>,
    columns: Columns,
) -> Result<SelectStatement, PersistenceError> {
    let mut select = base_select::<R>(query, scope, columns)?;
    for (expr, dir) in order_exprs::<R>(query)? {
        select.order_by_expr_with_nulls(expr, dir, NullOrdering::Last);
    }
    Ok(select)
}

/// One page of `R`, filtered and ordered.
pub async fn list<R: Resource, C: ConnectionTrait>(
    db: &C,
    query: &ListQuery,
    scope: Option<&Filter>,
    columns: Columns,
) -> Result<Vec<R>, PersistenceError> {
    let mut select = ordered_select::<R>(query, scope, columns)?;
    select.limit(query.page.limit).offset(query.page.offset);
    let rows = db.query_all(&select).await?;
    let before = i64::try_from(query.page.offset).unwrap_or(i64::MAX);
    let decode = numbered_decoder::<R>(columns, query.page);
    (1..)
        .zip(&rows)
        .map(|(k, row)| decode(row, before.saturating_add(k)))
        .collect()
}

/// Keyset paging: at most `limit` records of `R` that the filter keeps, in the list's order by
/// the keys of `order` (by id alone when empty), after the record with id `after` (from the
/// first when `None`), each with its id. Each page starts where the last ended, through the
/// order's index where there is one, so a walk reads no earlier page's rows again (an offset
/// does: the 400th page of 200,000 sessions took 108 ms that way on PostgreSQL in id order,
/// 508 ms newest first), and a record added or archived during the walk shifts nothing.
pub async fn list_after<R: Resource, C: ConnectionTrait>(
    db: &C,
    filter: Option<&Filter>,
    include_archived: bool,
    order: &[Order],
    after: Option<&str>,
    limit: u64,
    scope: Option<&Filter>,
) -> Result<Vec<(String, R)>, PersistenceError> {
    if !R::FIELDS.contains(&"id") {
        return Err(PersistenceError::UnknownField {
            table: R::TABLE,
            field: "id".to_owned(),
        });
    }
    let query = ListQuery {
        filter: filter.cloned(),
        order: order.to_vec(),
        page: Page::first(limit),
        include_archived,
    };
    let after = match (after, order) {
        (Some(after), [order]) => {
            return after_in_key::<R, C>(db, &query, order, after, scope).await;
        }
        (Some(after), [_, _, ..]) => {
            return after_in_keys::<R, C>(db, &query, order, after, scope).await;
        }
        (after, _) => after,
    };
    let mut select = ordered_select::<R>(&query, scope, Columns::ALL)?;
    select.limit(limit);
    if let Some(after) = after {
        select.and_where(Expr::col((Alias::new(R::TABLE), Alias::new("id"))).gt(after));
    }
    let rows = db.query_all(&select).await?;
    rows.iter().map(decode_with_id::<R>).collect()
}

/// `what` read on the record `after`, the one a keyset page starts after; `NotFound` when it
/// no longer exists (deleted during the walk: its place is unknown).
async fn after_record<R: Resource, C: ConnectionTrait>(
    db: &C,
    what: Expr,
    after: &str,
) -> Result<QueryResult, PersistenceError> {
    let table = Alias::new(R::TABLE);
    db.query_one(
        Query::select()
            .expr(what)
            .from(table.clone())
            .and_where(Expr::col((table, Alias::new("id"))).eq(after)),
    )
    .await?
    .ok_or_else(|| PersistenceError::NotFound {
        table: R::TABLE,
        id: after.to_owned(),
    })
}

/// The page of `query` (ordered by `order`, then the id) after the record `after`: first the
/// records whose key lies beyond the `after` record's (`>`, `<` when descending), or equals it
/// with a greater id; then those without a key, by id. The key's value is read from the `after`
/// record itself, through a subquery (whatever the column's type). When that record no longer
/// exists (deleted during the walk) its place is unknown: `NotFound`.
async fn after_in_key<R: Resource, C: ConnectionTrait>(
    db: &C,
    query: &ListQuery,
    order: &Order,
    after: &str,
    scope: Option<&Filter>,
) -> Result<Vec<(String, R)>, PersistenceError> {
    let table = Alias::new(R::TABLE);
    let key = Expr::col((table.clone(), Alias::new(order.field)));
    let id = Expr::col((table.clone(), Alias::new("id")));
    let value = || value_of::<R>(order.field, after);
    // Whether the `after` record has a key, which says in which part of the order it stands.
    let unset: bool = after_record::<R, C>(db, key.clone().is_null(), after)
        .await?
        .try_get_by_index(0)?;
    let limit = query.page.limit;
    let mut out = Vec::new();
    if !unset {
        // `bound` adds nothing to the `any` that follows but is what an index can start from.
        let (bound, beyond) = match order.direction {
            Direction::Asc => (key.clone().gte(value()), key.clone().gt(value())),
            Direction::Desc => (key.clone().lte(value()), key.clone().lt(value())),
        };
        let mut select = ordered_select::<R>(query, scope, Columns::ALL)?;
        select
            .and_where(bound)
            .cond_where(
                Cond::any()
                    .add(beyond)
                    .add(key.clone().eq(value()).and(id.clone().gt(after))),
            )
            .limit(limit);
        let rows = db.query_all(&select).await?;
        out = rows
            .iter()
            .map(decode_with_id::<R>)
            .collect::<Result<Vec<_>, _>>()?;
    }
    let left = limit.saturating_sub(out.len() as u64);
    if left > 0 {
        let mut select = ordered_select::<R>(query, scope, Columns::ALL)?;
        select.and_where(key.is_null());
        if unset {
            select.and_where(id.gt(after));
        }
        select.limit(left);
        for row in &db.query_all(&select).await? {
            out.push(decode_with_id::<R>(row)?);
        }
    }
    Ok(out)
}

/// The value of `field` on the record `after`, read by a subquery whatever the column's type.
fn value_of<R: Resource>(field: &str, after: &str) -> Expr {
    let seek = Alias::new("seek");
    Expr::SubQuery(
        None,
        Box::new(
            Query::select()
                .expr(Expr::col((seek.clone(), Alias::new(field))))
                .from_as(Alias::new(R::TABLE), seek.clone())
                .and_where(Expr::col((seek, Alias::new("id"))).eq(after))
                .to_owned()
                .into(),
        ),
    )
}

/// The page of `query` ordered by several keys, each `NULLS LAST`, then the id, after the
/// record `after`: for each key in turn, the records that tie with `after` on the keys before
/// it and lie beyond it on this one; then those that tie on every key, with a greater id. Two
/// records tie on a key when both have the same value or neither has one; beyond a set value
/// lie the greater ones (the lesser, descending) and the unset; beyond an unset value, nothing.
///
/// One statement, with the keys' values read from `after` by subqueries. An order of several
/// keys has no index of its own to walk, so each page reads the filtered rows; unlike an offset
/// it does not read the earlier pages' again, and a record added or archived during the walk
/// shifts nothing. When `after` no longer exists: `NotFound`.
async fn after_in_keys<R: Resource, C: ConnectionTrait>(
    db: &C,
    query: &ListQuery,
    keys: &[Order],
    after: &str,
    scope: Option<&Filter>,
) -> Result<Vec<(String, R)>, PersistenceError> {
    let table = Alias::new(R::TABLE);
    let col = |field: &str| Expr::col((table.clone(), Alias::new(field)));
    after_record::<R, C>(db, col("id"), after).await?;
    let value = |field: &str| value_of::<R>(field, after);
    let mut later = Cond::any();
    let mut tie = Cond::all();
    for key in keys {
        let (k, v) = (col(key.field), value(key.field));
        let beyond = match key.direction {
            Direction::Asc => k.clone().gt(v.clone()),
            Direction::Desc => k.clone().lt(v.clone()),
        };
        later = later.add(
            tie.clone().add(
                Cond::any()
                    .add(beyond)
                    .add(k.clone().is_null().and(v.clone().is_not_null())),
            ),
        );
        tie = tie.add(
            Cond::any()
                .add(k.clone().eq(v.clone()))
                .add(k.is_null().and(v.is_null())),
        );
    }
    later = later.add(tie.add(col("id").gt(after)));
    let mut select = ordered_select::<R>(query, scope, Columns::ALL)?;
    select.cond_where(later).limit(query.page.limit);
    db.query_all(&select)
        .await?
        .iter()
        .map(decode_with_id::<R>)
        .collect()
}

/// How many rows of `R` the query's filter keeps (ignoring its page).
pub async fn count<R: Resource, C: ConnectionTrait>(
    db: &C,
    query: &ListQuery,
    scope: Option<&Filter>,
) -> Result<u64, PersistenceError> {
    let mut select = base_select::<R>(query, scope, Columns::ALL)?;
    select
        .clear_selects()
        .expr_as(Func::count(Expr::col(Asterisk)), Alias::new("n"));
    let row = db.query_one(&select).await?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The records with these ids, archived or not, keyed by id. Missing ids are simply absent.
pub async fn by_ids<R: Resource, C: ConnectionTrait>(
    db: &C,
    ids: &[String],
    scope: Option<&Filter>,
) -> Result<HashMap<String, R>, PersistenceError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut select = Query::select();
    select
        .columns(record_columns::<R>(Columns::ALL))
        .from(Alias::new(R::TABLE))
        .and_where(one_of(
            Expr::col((Alias::new(R::TABLE), Alias::new("id"))),
            ids,
            db.get_database_backend(),
        ));
    if let Some(scope) = scope {
        select.cond_where(condition_on(R::TABLE, None, scope)?);
    }
    let rows = db.query_all(&select).await?;
    rows.iter().map(decode_with_id::<R>).collect()
}

/// Which of `ids` name unarchived records of `R` that the scope lets through. Only the ids are
/// read: a caller that must drop what a reader may not see among many candidates (search ranks
/// thousands) loads whole records for the few it shows, not for every candidate.
pub async fn visible_ids<R: Resource, C: ConnectionTrait>(
    db: &C,
    ids: &[String],
    scope: Option<&Filter>,
) -> Result<HashSet<String>, PersistenceError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let id = Expr::col((Alias::new(R::TABLE), Alias::new("id")));
    // The lists' scope and archive rules, reading the id alone.
    let mut select = base_select::<R>(&ListQuery::first(0), scope, Columns::ALL)?;
    select
        .clear_selects()
        .expr(id.clone())
        .and_where(one_of(id, ids, db.get_database_backend()));
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| Ok(row.try_get_by_index::<String>(0)?))
        .collect()
}

/// Refuses a relation that does not lead to `R`'s table.
fn leads_to<R: Resource>(relation: &Relation) -> Result<(), PersistenceError> {
    if relation.target != R::TABLE {
        return Err(PersistenceError::UnknownField {
            table: R::TABLE,
            field: relation.name.to_owned(),
        });
    }
    Ok(())
}

fn children_select<R: Resource>(
    db: &impl ConnectionTrait,
    relation: &Relation,
    parent_ids: &[String],
    query: &ListQuery,
    scope: Option<&Filter>,
    columns: Columns,
) -> Result<(SelectStatement, Expr), PersistenceError> {
    leads_to::<R>(relation)?;
    let backend = db.get_database_backend();
    let mut select = base_select::<R>(query, scope, columns)?;
    let parent_col = match relation.via {
        Via::Column(column) => Expr::col((Alias::new(R::TABLE), Alias::new(column))),
        Via::Link {
            table,
            parent,
            child,
        } => {
            // A link table may hold several rows per pair (one per role), so join its distinct
            // pairs: a child is listed, and counted, once per parent.
            let pairs = Query::select()
                .distinct()
                .column(Alias::new(parent))
                .column(Alias::new(child))
                .from(Alias::new(table))
                .and_where(one_of(Expr::col(Alias::new(parent)), parent_ids, backend))
                .to_owned();
            select.join_subquery(
                sea_orm::sea_query::JoinType::InnerJoin,
                pairs,
                Alias::new(LINK),
                Expr::col((Alias::new(LINK), Alias::new(child)))
                    .equals((Alias::new(R::TABLE), Alias::new("id"))),
            );
            Expr::col((Alias::new(LINK), Alias::new(parent)))
        }
    };
    select.and_where(one_of(parent_col.clone(), parent_ids, backend));
    Ok((select, parent_col))
}

/// Children of many parents in one statement, at most `query.page.limit` per parent after
/// skipping `query.page.offset`, keyed by parent id, each read from `columns`. A parent without
/// children is absent.
pub async fn children<R: Resource, C: ConnectionTrait>(
    db: &C,
    relation: &Relation,
    parent_ids: &[String],
    query: &ListQuery,
    scope: Option<&Filter>,
    columns: Columns,
) -> Result<HashMap<String, Vec<R>>, PersistenceError> {
    if parent_ids.is_empty() {
        return Ok(HashMap::new());
    }
    if relation.short && query.page.offset == 0 {
        return short_children(db, relation, parent_ids, query, scope, columns).await;
    }
    if db.get_database_backend() == DbBackend::Postgres {
        return lateral_children(db, relation, parent_ids, query, scope, columns).await;
    }
    let (mut inner, parent_col) =
        children_select::<R>(db, relation, parent_ids, query, scope, columns)?;
    let mut window = WindowStatement::new();
    window.add_partition_by(parent_col.clone());
    for (expr, dir) in order_exprs::<R>(query)? {
        window.order_by_expr_with_nulls(expr, dir, NullOrdering::Last);
    }
    inner
        .expr_as(parent_col, Alias::new(PARENT))
        .expr_window_as(
            Func::cust(Alias::new("ROW_NUMBER")),
            window,
            Alias::new(ROW_NUMBER),
        );
    let low = i64::try_from(query.page.offset).unwrap_or(i64::MAX);
    let high = low.saturating_add(i64::try_from(query.page.limit).unwrap_or(i64::MAX));
    // No `ORDER BY` on the outer select: each parent's rows are put in order here, by their row
    // number, rather than by a second sort in the database (an eighth of the statement's time
    // on a dashboard's tallies).
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new("windowed"))
        .and_where(Expr::col(Alias::new(ROW_NUMBER)).gt(low))
        .and_where(Expr::col(Alias::new(ROW_NUMBER)).lte(high))
        .to_owned();
    let rows = db.query_all(&outer).await?;
    // The parent id and the row number follow the record's columns.
    let after = columns.count::<R>();
    let decode = numbered_decoder::<R>(columns, query.page);
    let numbered = rows.iter().map(|row| {
        let parent = crate::entities::str_at(row, after)?;
        let number: i64 = crate::entities::value_at(row, after + 1)?;
        Ok((parent, number, decode(row, number)?))
    });
    // At most one entry per parent, and at most a page (and its probe row) per parent.
    let per_parent = usize::try_from(query.page.limit).map_or(PER_PARENT, |l| l.min(PER_PARENT));
    in_row_order(numbered, parent_ids.len(), per_parent)
}

/// How many rows of one parent room is made for at first (a nested page is usually small).
const PER_PARENT: usize = 8;

/// The parents' ids unnested, and the one column that holds them ([`lateral_children`]).
const PARENTS: &str = "__parents";
/// Each parent's page ([`lateral_children`]).
const PAGE: &str = "__page";

/// Children of many parents on PostgreSQL: the same pages as [`children`] numbers with a
/// window, each read by a lateral subquery per parent,
/// `unnest($1) AS __parents JOIN LATERAL (… WHERE parent = __parents ORDER BY … LIMIT n
/// OFFSET m)`.
///
/// The window numbered every child of every parent, sorted them all by parent and order, and
/// copied each row through the window's store before the page was cut: on a dashboard's
/// sessions (110 projects, 440 rows) that was a third of the statement's time. Each parent's
/// subquery stops at its page, and a parent with thousands of children costs no more than its
/// page and its sort. A nested loop over the parents gives each parent's rows together and in
/// their subquery's order, which is how they are numbered here.
async fn lateral_children<R: Resource, C: ConnectionTrait>(
    db: &C,
    relation: &Relation,
    parent_ids: &[String],
    query: &ListQuery,
    scope: Option<&Filter>,
    columns: Columns,
) -> Result<HashMap<String, Vec<R>>, PersistenceError> {
    // Each parent once: an id given twice would have its rows read, and numbered, twice.
    let mut seen = HashSet::with_capacity(parent_ids.len());
    let parents: Vec<String> = parent_ids
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .cloned()
        .collect();
    let parent = Expr::col((Alias::new(PARENTS), Alias::new(PARENTS)));
    let mut page = base_select::<R>(query, scope, columns)?;
    parent_condition::<R>(&mut page, relation, parent.clone())?;
    for (expr, dir) in order_exprs::<R>(query)? {
        page.order_by_expr_with_nulls(expr, dir, NullOrdering::Last);
    }
    page.limit(query.page.limit).offset(query.page.offset);
    let select = Query::select()
        .column((Alias::new(PAGE), Asterisk))
        .expr_as(parent, Alias::new(PARENT))
        .from_function(
            Func::cust(Alias::new("unnest")).arg(Expr::val(parents)),
            Alias::new(PARENTS),
        )
        .join_lateral(
            sea_orm::sea_query::JoinType::InnerJoin,
            page,
            Alias::new(PAGE),
            Expr::val(true),
        )
        .to_owned();
    let rows = db.query_all(&select).await?;
    // Each page starts after the offset; the subquery already stopped at its end.
    numbered_runs::<R>(&rows, parent_ids.len(), query, columns, i64::MAX)
}

/// Children read one parent after another, each parent's rows in order, the parent's id after
/// the record's `columns`: numbered by their place in their parent's run (the first after
/// `query.page.offset`), those numbered past `last` skipped without being decoded, and grouped
/// by parent ([`in_row_order`]) for `parents` parents.
fn numbered_runs<R: Resource>(
    rows: &[QueryResult],
    parents: usize,
    query: &ListQuery,
    columns: Columns,
    last: i64,
) -> Result<HashMap<String, Vec<R>>, PersistenceError> {
    let after = columns.count::<R>();
    let decode = numbered_decoder::<R>(columns, query.page);
    let first = i64::try_from(query.page.offset)
        .unwrap_or(i64::MAX)
        .saturating_add(1);
    let mut previous: Option<std::borrow::Cow<'_, str>> = None;
    let mut number = 0;
    let numbered = rows.iter().filter_map(|row| {
        let parent = match crate::entities::str_at(row, after) {
            Ok(parent) => parent,
            Err(e) => return Some(Err(e.into())),
        };
        number = if previous.as_deref() == Some(parent.as_ref()) {
            number + 1
        } else {
            first
        };
        previous = Some(parent.clone());
        (number <= last).then(|| Ok((parent, number, decode(row, number)?)))
    });
    let per_parent = usize::try_from(query.page.limit).map_or(PER_PARENT, |l| l.min(PER_PARENT));
    in_row_order(numbered, parents, per_parent)
}

/// Keeps `R`'s rows that are children of `parent` (an SQL expression: the parent's id) through
/// `relation`. A link table's pairs are matched with `IN`, which counts a child once however
/// many rows (roles) link it to the parent.
fn parent_condition<R: Resource>(
    select: &mut SelectStatement,
    relation: &Relation,
    parent: Expr,
) -> Result<(), PersistenceError> {
    leads_to::<R>(relation)?;
    let condition = match relation.via {
        Via::Column(column) => Expr::col((Alias::new(R::TABLE), Alias::new(column))).eq(parent),
        Via::Link {
            table,
            parent: parent_column,
            child,
        } => Expr::col((Alias::new(R::TABLE), Alias::new("id"))).in_subquery(
            Query::select()
                .column((Alias::new(table), Alias::new(child)))
                .from(Alias::new(table))
                .and_where(Expr::col((Alias::new(table), Alias::new(parent_column))).eq(parent))
                .to_owned(),
        ),
    };
    select.and_where(condition);
    Ok(())
}

/// The first page of children of a short relation ([`Relation::short`]): every child of the
/// parents, ordered by parent and then as the page orders them, of which each parent keeps its
/// first `query.page.limit`. The same page as [`children`] numbers in SQL, without the window
/// and the subquery around it (a sixth of the time of a dashboard's tallies statement).
async fn short_children<R: Resource, C: ConnectionTrait>(
    db: &C,
    relation: &Relation,
    parent_ids: &[String],
    query: &ListQuery,
    scope: Option<&Filter>,
    columns: Columns,
) -> Result<HashMap<String, Vec<R>>, PersistenceError> {
    let (mut select, parent_col) =
        children_select::<R>(db, relation, parent_ids, query, scope, columns)?;
    select
        .expr_as(parent_col.clone(), Alias::new(PARENT))
        .order_by_expr(parent_col, SqlOrder::Asc);
    for (expr, dir) in order_exprs::<R>(query)? {
        select.order_by_expr_with_nulls(expr, dir, NullOrdering::Last);
    }
    let rows = db.query_all(&select).await?;
    // Each parent's rows come together, in order (the offset is 0): those past the page are
    // not decoded.
    let limit = i64::try_from(query.page.limit).unwrap_or(i64::MAX);
    numbered_runs::<R>(&rows, parent_ids.len(), query, columns, limit)
}

/// Groups numbered rows by parent, each parent's in the order of their numbers, whatever the
/// order they came in.
///
/// Rows usually come one parent after another, each parent's in order (the window numbers them
/// parent by parent): such a run is gathered before the map is touched, so a parent's id is
/// copied and hashed once per run rather than once per row.
/// `parents` and `per_parent` size the gathering: how many parents there may be, and how many
/// rows one usually has.
fn in_row_order<P: AsRef<str>, T>(
    rows: impl Iterator<Item = Result<(P, i64, T), PersistenceError>>,
    parents: usize,
    per_parent: usize,
) -> Result<HashMap<String, Vec<T>>, PersistenceError> {
    let mut numbered: HashMap<String, (Vec<i64>, Vec<T>)> = HashMap::with_capacity(parents);
    let mut run: Option<(String, Vec<i64>, Vec<T>)> = None;
    for row in rows {
        let (parent, number, child) = row?;
        if let Some((current, numbers, children)) = &mut run
            && current.as_str() == parent.as_ref()
        {
            numbers.push(number);
            children.push(child);
            continue;
        }
        let mut numbers = Vec::with_capacity(per_parent);
        let mut children = Vec::with_capacity(per_parent);
        numbers.push(number);
        children.push(child);
        let next = (parent.as_ref().to_owned(), numbers, children);
        if let Some(done) = run.replace(next) {
            add_run(&mut numbered, done);
        }
    }
    if let Some(done) = run {
        add_run(&mut numbered, done);
    }
    Ok(numbered
        .into_iter()
        .map(|(parent, (numbers, children))| {
            // Usually in order already: then the children are kept as they are.
            if numbers.is_sorted() {
                return (parent, children);
            }
            let mut pairs: Vec<(i64, T)> = numbers.into_iter().zip(children).collect();
            pairs.sort_by_key(|(number, _)| *number);
            (parent, pairs.into_iter().map(|(_, child)| child).collect())
        })
        .collect())
}

/// Adds one parent's run of rows to what is gathered (after its earlier runs, if any).
fn add_run<T>(
    numbered: &mut HashMap<String, (Vec<i64>, Vec<T>)>,
    (parent, numbers, children): (String, Vec<i64>, Vec<T>),
) {
    match numbered.entry(parent) {
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert((numbers, children));
        }
        std::collections::hash_map::Entry::Occupied(mut slot) => {
            let (all_numbers, all_children) = slot.get_mut();
            all_numbers.extend(numbers);
            all_children.extend(children);
        }
    }
}

/// How many children each parent has under `relation` and the query's filter, in one statement.
pub async fn child_counts<R: Resource, C: ConnectionTrait>(
    db: &C,
    relation: &Relation,
    parent_ids: &[String],
    query: &ListQuery,
    scope: Option<&Filter>,
) -> Result<HashMap<String, u64>, PersistenceError> {
    if parent_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let (mut select, parent_col) =
        children_select::<R>(db, relation, parent_ids, query, scope, Columns::ALL)?;
    select
        .clear_selects()
        .expr_as(parent_col.clone(), Alias::new(PARENT))
        .expr_as(Func::count(Expr::col(Asterisk)), Alias::new("n"))
        .add_group_by([parent_col]);
    let rows = db.query_all(&select).await?;
    rows.iter()
        .map(|row| {
            let parent: String = row.try_get("", PARENT)?;
            let n: i64 = row.try_get("", "n")?;
            Ok((parent, u64::try_from(n).unwrap_or(0)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("org:{i}")).collect()
    }

    fn by_parent(backend: DbBackend, n: usize) -> SelectStatement {
        Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("partnerships"))
            .and_where(one_of(
                Expr::col(Alias::new("partner_id")),
                &ids(n),
                backend,
            ))
            .to_owned()
    }

    #[test]
    fn on_postgres_a_batch_is_one_statement_text_whatever_its_size() {
        let (two, two_values) = by_parent(DbBackend::Postgres, 2).build(PostgresQueryBuilder);
        let (many, many_values) = by_parent(DbBackend::Postgres, 300).build(PostgresQueryBuilder);
        assert_eq!(two, many);
        assert!(two.contains("= ANY($1)"), "{two}");
        assert_eq!((two_values.0.len(), many_values.0.len()), (1, 1));
    }

    #[test]
    fn children_are_put_in_their_row_order_per_parent() {
        let rows = [
            ("b", 2, "b2"),
            ("a", 3, "a3"),
            ("b", 1, "b1"),
            ("a", 1, "a1"),
            // A run of one parent in order, then another run of the same parent.
            ("c", 1, "c1"),
            ("c", 2, "c2"),
            ("d", 1, "d1"),
            ("c", 3, "c3"),
            // A run whose numbers go back.
            ("e", 2, "e2"),
            ("e", 1, "e1"),
        ]
        .map(|(parent, number, child)| Ok((parent, number, child)));
        let grouped = in_row_order(rows.into_iter(), 2, 1).expect("grouped");
        assert_eq!(grouped.len(), 5);
        assert_eq!(grouped["a"], ["a1", "a3"]);
        assert_eq!(grouped["b"], ["b1", "b2"]);
        assert_eq!(grouped["c"], ["c1", "c2", "c3"]);
        assert_eq!(grouped["d"], ["d1"]);
        assert_eq!(grouped["e"], ["e1", "e2"]);
    }

    #[test]
    fn on_sqlite_a_batch_lists_its_ids() {
        let (sql, values) = by_parent(DbBackend::Sqlite, 3).build(SqliteQueryBuilder);
        assert!(sql.contains("IN (?, ?, ?)"), "{sql}");
        assert_eq!(values.0.len(), 3);
    }

    #[test]
    fn records_are_read_by_their_columns_without_derived_ones() {
        let select = base_select::<domain::Organisation>(&ListQuery::first(5), None, Columns::ALL);
        let sql = select.map(|s| s.to_string(PostgresQueryBuilder));
        let sql = sql.unwrap_or_default();
        assert!(sql.contains(r#""organisations"."name_fr""#), "{sql}");
        assert!(!sql.contains("text_key"), "{sql}");
        assert!(!sql.contains('*'), "{sql}");
    }

    #[test]
    fn some_columns_are_those_named_and_those_every_record_needs() {
        type S = domain::TrainingSession;
        let lean = Columns::of::<S>(["start_date"]);
        assert_ne!(lean, Columns::ALL);
        // id, audience, topics, status, then the one named.
        assert_eq!(lean.count::<S>(), 5);
        let read: Vec<&str> = S::columns()
            .iter()
            .enumerate()
            .filter(|(i, _)| lean.has(*i))
            .map(|(_, c)| *c)
            .collect();
        assert_eq!(read, ["id", "audience", "topics", "start_date", "status"]);
        // A name that is not a column, a type without needed columns, or every column named:
        // every column.
        assert_eq!(Columns::of::<S>(["start_date", "startDate"]), Columns::ALL);
        assert_eq!(Columns::of::<domain::Site>(["id"]), Columns::ALL);
        assert_eq!(Columns::of::<S>(S::columns().iter().copied()), Columns::ALL);
        assert_eq!(Columns::ALL.count::<S>(), S::columns().len());
    }

    #[test]
    fn the_columns_every_record_needs_are_its_own() {
        fn check<R: Resource>() {
            let needed = R::NEEDED.expect("needed columns");
            for column in needed {
                assert!(R::columns().contains(column), "{}.{column}", R::TABLE);
            }
            assert!(needed.contains(&"id"), "{}", R::TABLE);
        }
        check::<domain::Partnership>();
        check::<domain::Agreement>();
        check::<domain::AgreementParty>();
        check::<domain::Commitment>();
        check::<domain::Project>();
        check::<domain::TrainingSession>();
    }

    #[test]
    fn a_page_read_from_some_columns_selects_only_those() {
        let lean = Columns::of::<domain::Project>(["title_fr"]);
        let select = base_select::<domain::Project>(&ListQuery::first(3), None, lean);
        let sql = select.map(|s| s.to_string(PostgresQueryBuilder));
        let sql = sql.unwrap_or_default();
        assert!(sql.contains(r#""projects"."title_fr""#), "{sql}");
        assert!(sql.contains(r#""projects"."status""#), "{sql}");
        for left_out in ["description_fr", "title_en", "planned_start", "created_at"] {
            assert!(!sql.contains(left_out), "{left_out} in {sql}");
        }
    }
}
