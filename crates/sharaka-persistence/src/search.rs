//! The search index (`search_entries`): one row per searchable text of a record, holding its
//! normalised key ([`sharaka_domain::search::search_key`]) beside the original. Rows are written
//! by [`Store::insert`] and [`Store::update`] in the same transaction as the record, by the seed
//! loaders, and rebuilt by [`Store::reindex_search`].
//!
//! Reads of the index are not scoped: they return candidate record ids only, and the gateway
//! loads every hit through the principal's scoped store, dropping those it may not see.

use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{ConnectionTrait, DbBackend, StreamTrait, Value as SqlValue};
use sharaka_domain::Lang;
use sharaka_domain::search::{inner_trigrams, search_key};

use crate::entities::{str_at, value_at};
use crate::query::escape_like;
use crate::{Conn, PersistenceError, Store, with_conn};

const TABLE: &str = "search_entries";

/// How one table's records are indexed.
struct Spec {
    /// The record's table (also the entries' `record_kind`).
    table: &'static str,
    /// Texts read from another table: (column of `table` holding that table's id, that table).
    source: Option<(&'static str, &'static str)>,
    /// (column, field, language code or `""` for language-neutral text).
    fields: &'static [(&'static str, &'static str, &'static str)],
    /// The fields whose keys make up the record's `text_key` column (see [`TEXT_KEY`]): those
    /// its `…Contains` filter covers. Empty for tables without a text filter (and the column).
    text_key: &'static [&'static str],
}

/// The column of a record holding the search keys of its filterable texts, one per line. Keys
/// are letters, digits and single spaces, so `text_key LIKE '%key%'` matches exactly the records
/// one of whose texts contains the key. Kept by [`index`], in the same statement sequence as the
/// record's `search_entries` rows.
pub(crate) const TEXT_KEY: &str = "text_key";

const NAMES: &[(&str, &str, &str)] = &[
    ("name_ar", "name", "ar"),
    ("name_fr", "name", "fr"),
    ("name_en", "name", "en"),
];
const TITLES: &[(&str, &str, &str)] = &[
    ("title_ar", "title", "ar"),
    ("title_fr", "title", "fr"),
    ("title_en", "title", "en"),
];

const SPECS: &[Spec] = &[
    Spec {
        table: "organisations",
        source: None,
        fields: &[
            ("name_ar", "name", "ar"),
            ("name_fr", "name", "fr"),
            ("name_en", "name", "en"),
            ("acronym", "acronym", ""),
        ],
        text_key: &["name", "acronym"],
    },
    Spec {
        table: "partnerships",
        source: Some(("partner_org_id", "organisations")),
        fields: &[
            ("name_ar", "partner_name", "ar"),
            ("name_fr", "partner_name", "fr"),
            ("name_en", "partner_name", "en"),
            ("acronym", "partner_acronym", ""),
        ],
        text_key: &[],
    },
    Spec {
        table: "agreements",
        source: None,
        fields: &[
            ("title_ar", "title", "ar"),
            ("title_fr", "title", "fr"),
            ("title_en", "title", "en"),
            ("reference", "reference", ""),
        ],
        text_key: &["title"],
    },
    Spec {
        table: "projects",
        source: None,
        fields: TITLES,
        text_key: &["title"],
    },
    Spec {
        table: "sites",
        source: None,
        fields: &[
            ("name_ar", "name", "ar"),
            ("name_fr", "name", "fr"),
            ("name_en", "name", "en"),
            ("city", "city", ""),
        ],
        text_key: &["name", "city"],
    },
    Spec {
        table: "training_sessions",
        source: None,
        fields: TITLES,
        text_key: &["title"],
    },
    Spec {
        table: "exchange_visits",
        source: None,
        fields: TITLES,
        text_key: &["title"],
    },
    // Regions are not search results, but their names are indexed for `nameContains`.
    Spec {
        table: "regions",
        source: None,
        fields: NAMES,
        text_key: &["name"],
    },
];

fn spec(table: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.table == table)
}

/// One indexed text of a record. The table and field are the index's own names, not copies:
/// a search holds thousands of candidates at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchEntry {
    /// The record's table (`organisations`, `agreements`, …).
    pub table: &'static str,
    /// The record's local id.
    pub record_id: String,
    /// The indexed field (`name`, `title`, `acronym`, `partner_name`, …).
    pub field: &'static str,
    /// The text's language; `None` for language-neutral text (acronyms, references, cities).
    pub lang: Option<Lang>,
    /// The normalised search key.
    pub key: String,
    /// The text as written.
    pub original: String,
}

/// Which index entries to consider for a query.
#[derive(Debug, Clone)]
pub struct SearchRequest<'a> {
    /// The query's search key (already normalised).
    pub key: &'a str,
    /// Only records of these tables.
    pub tables: &'a [&'static str],
    /// Only text in this language (language-neutral text always qualifies).
    pub lang: Option<Lang>,
    /// The most entries to return.
    pub limit: u64,
}

/// The most `LIKE` patterns one candidate lookup uses (a long query's trigrams are sampled).
const MAX_PATTERNS: usize = 48;

fn col(field: &str) -> Expr {
    Expr::col((Alias::new(TABLE), Alias::new(field)))
}

/// `record_kind` restricted to `kinds`. One known kind is written as a literal, not a bound
/// parameter: PostgreSQL uses a partial index (the kind's trigram index) only when its plan can
/// see the value, and a prepared statement's generic plan cannot. The literal is one of the
/// index's own table names, never caller text.
fn kind_is(kinds: &[&str]) -> Expr {
    match kinds {
        [kind] => match spec(kind) {
            Some(spec) => Expr::cust(format!("\"{TABLE}\".\"record_kind\" = '{}'", spec.table)),
            None => col("record_kind").eq(*kind),
        },
        _ => col("record_kind").is_in(kinds.iter().copied()),
    }
}

fn like(pattern_body: &str) -> LikeExpr {
    LikeExpr::new(format!("%{}%", escape_like(pattern_body))).escape('\\')
}

/// The index entries that may match `request`: those containing the whole key or at least one
/// trigram of its words, at most `request.limit`. Ranking is done by the caller with the
/// domain's similarity, so both backends rank alike; on PostgreSQL the GIN trigram index serves
/// these `LIKE`s.
///
/// When more entries qualify than the limit (a common word's trigrams match most records of a
/// kind), the entries that contain the whole key come first, so an exact or partial match is
/// never cut off; fuzzy candidates follow in the index's own order. These are two statements:
/// in one, ordered by "whole key first", PostgreSQL collected and sorted every entry sharing a
/// trigram (100,000 of a kind at scale M: 82 ms); the fuzzy statement alone walks the primary
/// key and stops at the limit (2.4 ms). (Ordering fuzzy candidates by `pg_trgm` similarity was
/// tried too: it doubled the single statement's time.)
pub async fn candidates<C: ConnectionTrait + StreamTrait>(
    c: &C,
    request: &SearchRequest<'_>,
) -> Result<Vec<SearchEntry>, PersistenceError> {
    let mut found = Vec::new();
    if request.key.is_empty() || request.tables.is_empty() || request.limit == 0 {
        return Ok(found);
    }
    let whole = || col("search_key").like(like(request.key));
    entries(c, request, whole(), request.limit, &mut found).await?;
    let left = request.limit.saturating_sub(found.len() as u64);
    if left > 0 {
        let trigrams: Vec<String> = inner_trigrams(request.key).into_iter().collect();
        let step = trigrams.len().div_ceil(MAX_PATTERNS).max(1);
        let mut any = Cond::any();
        for trigram in trigrams.iter().step_by(step) {
            any = any.add(col("search_key").like(like(trigram)));
        }
        let fuzzy = Cond::all().add(any).add(whole().not());
        entries(c, request, fuzzy, left, &mut found).await?;
    }
    Ok(found)
}

/// Appends to `out` at most `limit` index entries of `request`'s kinds and language that meet
/// `condition`, in primary key order (which an index walk gives without sorting). The rows are
/// read as a stream and each becomes an entry as it comes: thousands of candidates are never
/// held twice, once as rows and once as entries. An entry of a table or field the index does
/// not define (written by another version) is skipped.
async fn entries<C: ConnectionTrait + StreamTrait>(
    c: &C,
    request: &SearchRequest<'_>,
    condition: impl sea_orm::sea_query::IntoCondition,
    limit: u64,
    out: &mut Vec<SearchEntry>,
) -> Result<(), PersistenceError> {
    use futures::TryStreamExt as _;
    let mut select = Query::select();
    select
        .columns(
            [
                "record_kind",
                "record_id",
                "field",
                "lang",
                "search_key",
                "original_text",
            ]
            .map(|c| (Alias::new(TABLE), Alias::new(c))),
        )
        .from(Alias::new(TABLE))
        .and_where(kind_is(request.tables))
        .cond_where(condition);
    if let Some(lang) = request.lang {
        select.and_where(col("lang").is_in([lang.code(), ""]));
    }
    for key in ["record_kind", "record_id", "field", "lang"] {
        select.order_by_expr(col(key), sea_orm::sea_query::Order::Asc);
    }
    select.limit(limit);
    let rows = c.stream(&select).await?;
    let mut rows = std::pin::pin!(rows);
    // Read by position, in the order selected above; the kind, field and language are only
    // compared, so they are borrowed from the row.
    let text = |row: &sea_orm::QueryResult, i: usize| value_at::<String>(row, i);
    while let Some(row) = rows.try_next().await? {
        let Some(spec) = spec(&str_at(&row, 0)?) else {
            continue;
        };
        let field = str_at(&row, 2)?;
        let Some(&(_, field, _)) = spec.fields.iter().find(|(_, f, _)| *f == field) else {
            continue;
        };
        out.push(SearchEntry {
            table: spec.table,
            record_id: text(&row, 1)?,
            field,
            lang: str_at(&row, 3)?.parse().ok(),
            key: text(&row, 4)?,
            original: text(&row, 5)?,
        });
    }
    Ok(())
}

/// A `Contains` filter's match through the search keys: the condition, and the columns whose
/// every match it already finds.
pub(crate) struct IndexedContains {
    /// `text_key LIKE '%key%'` on the record's own row, or `id IN (SELECT record_id …)` over
    /// `search_entries` when the filter's columns are not those of the record's key.
    pub condition: Expr,
    /// The filter's columns the condition covers. The normalised key of a text contains the
    /// key of any text its lowercase form contains (folding works character by character, and
    /// runs of spaces and punctuation become one space on both sides), so `LOWER(column) LIKE`
    /// on these columns would find nothing more and can be left out: on PostgreSQL that is
    /// what lets an index answer alone.
    pub covered: Vec<&'static str>,
}

/// The search-key match for a `Contains` filter over `columns` of `table`, when those columns
/// are indexed: text filters then match normalised text (accents, case, Arabic variants
/// folded) on both backends. `None` when nothing applies — including text with `%`, `_` or
/// `\`: those match themselves literally, and the key would fold them into word breaks
/// (`Rabat%` would find Rabat).
///
/// When the filter covers every text of the record's `text_key` (the API's filters all do),
/// the condition reads that column: a filtered page ordered by an indexed column then walks
/// the index and stops after one page, where the `search_entries` lookup had to collect every
/// matching id first (at scale M, 0.9 ms instead of 14 for the fifth page of a common word).
pub(crate) fn contains_condition(
    table: &str,
    columns: &[&str],
    text: &str,
) -> Option<IndexedContains> {
    if text.contains(['%', '_', '\\']) {
        return None;
    }
    let spec = spec(table)?;
    let key = search_key(text);
    if key.is_empty() {
        return None;
    }
    let keyed: Vec<&'static str> = spec
        .fields
        .iter()
        .filter(|(_, field, _)| spec.text_key.contains(field))
        .map(|(column, _, _)| *column)
        .collect();
    if !keyed.is_empty() && keyed.iter().all(|c| columns.contains(c)) {
        return Some(IndexedContains {
            condition: Expr::col((Alias::new(spec.table), Alias::new(TEXT_KEY))).like(like(&key)),
            covered: keyed,
        });
    }
    let mut fields = Cond::any();
    let mut covered = Vec::new();
    for (column, field, lang) in spec.fields {
        if columns.contains(column) {
            covered.push(*column);
            fields = fields.add(
                Cond::all()
                    .add(col("field").eq(*field))
                    .add(col("lang").eq(*lang)),
            );
        }
    }
    if covered.is_empty() {
        return None;
    }
    // Texts read from another table are that table's columns, not the filtered table's.
    if spec.source.is_some() {
        covered.clear();
    }
    let subquery = Query::select()
        .column((Alias::new(TABLE), Alias::new("record_id")))
        .from(Alias::new(TABLE))
        .and_where(kind_is(&[spec.table]))
        .and_where(col("search_key").like(like(&key)))
        .cond_where(fields)
        .to_owned();
    Some(IndexedContains {
        condition: Expr::col((Alias::new(spec.table), Alias::new("id"))).in_subquery(subquery),
        covered,
    })
}

/// Reads the indexed texts of `spec`'s records (all of them, or those with these ids).
async fn rows<C: ConnectionTrait>(
    c: &C,
    spec: &Spec,
    ids: Option<&[String]>,
) -> Result<Vec<SearchEntry>, PersistenceError> {
    const RECORD: &str = "__record";
    const SOURCE: &str = "__source";
    let mut select = Query::select();
    select
        .expr_as(
            Expr::col((Alias::new(RECORD), Alias::new("id"))),
            Alias::new("__id"),
        )
        .from_as(Alias::new(spec.table), Alias::new(RECORD));
    let from = match spec.source {
        Some((fk, other)) => {
            select.join_as(
                sea_orm::sea_query::JoinType::InnerJoin,
                Alias::new(other),
                Alias::new(SOURCE),
                Expr::col((Alias::new(SOURCE), Alias::new("id")))
                    .equals((Alias::new(RECORD), Alias::new(fk))),
            );
            SOURCE
        }
        None => RECORD,
    };
    for (i, (column, _, _)) in spec.fields.iter().enumerate() {
        select.expr_as(
            Expr::col((Alias::new(from), Alias::new(*column))),
            Alias::new(format!("__c{i}")),
        );
    }
    if let Some(ids) = ids {
        select.and_where(
            Expr::col((Alias::new(RECORD), Alias::new("id"))).is_in(ids.iter().cloned()),
        );
    }
    let mut out = Vec::new();
    for row in c.query_all(&select).await? {
        let id: String = row.try_get("", "__id")?;
        for (i, (_, field, lang)) in spec.fields.iter().enumerate() {
            let text: Option<String> = row.try_get("", &format!("__c{i}"))?;
            let Some(text) = text else { continue };
            let key = search_key(&text);
            if key.is_empty() {
                continue;
            }
            out.push(SearchEntry {
                table: spec.table,
                record_id: id.clone(),
                field,
                lang: lang.parse().ok(),
                key,
                original: text,
            });
        }
    }
    Ok(out)
}

/// Rows per multi-row insert: 6 parameters each stays far below SQLite's parameter limit.
const INSERT_CHUNK: usize = 500;

async fn insert_entries<C: ConnectionTrait>(
    c: &C,
    entries: &[SearchEntry],
) -> Result<(), PersistenceError> {
    for chunk in entries.chunks(INSERT_CHUNK) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new(TABLE)).columns(
            [
                "record_kind",
                "record_id",
                "field",
                "lang",
                "search_key",
                "original_text",
            ]
            .map(Alias::new),
        );
        for e in chunk {
            let values: [SqlValue; 6] = [
                e.table.into(),
                e.record_id.clone().into(),
                e.field.into(),
                e.lang.map_or("", Lang::code).to_owned().into(),
                e.key.clone().into(),
                e.original.clone().into(),
            ];
            insert
                .values(values.map(Expr::val))
                .map_err(|e| PersistenceError::Seed(e.to_string()))?;
        }
        c.execute(&insert).await?;
    }
    Ok(())
}

/// Re-indexes these records of `spec` (or all of its records).
async fn index<C: ConnectionTrait>(
    c: &C,
    spec: &Spec,
    ids: Option<&[String]>,
) -> Result<u64, PersistenceError> {
    let mut delete = Query::delete();
    delete
        .from_table(Alias::new(TABLE))
        .and_where(Expr::col(Alias::new("record_kind")).eq(spec.table));
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(0);
        }
        delete.and_where(Expr::col(Alias::new("record_id")).is_in(ids.iter().cloned()));
    }
    c.execute(&delete).await?;
    let entries = rows(c, spec, ids).await?;
    insert_entries(c, &entries).await?;
    refresh_text_keys(c, spec, ids).await?;
    Ok(entries.len() as u64)
}

/// Sets the `text_key` of these records of `spec` (or of all of them) from their entries.
async fn refresh_text_keys<C: ConnectionTrait>(
    c: &C,
    spec: &Spec,
    ids: Option<&[String]>,
) -> Result<(), PersistenceError> {
    if spec.text_key.is_empty() {
        return Ok(());
    }
    const ENTRY: &str = "__entry";
    let entry = |column: &str| Expr::col((Alias::new(ENTRY), Alias::new(column)));
    // One key per line; the separator never occurs in a key, so no match spans two texts.
    let aggregate = match c.get_database_backend() {
        DbBackend::Postgres => format!("string_agg(\"{ENTRY}\".\"search_key\", E'\\n')"),
        _ => format!("group_concat(\"{ENTRY}\".\"search_key\", char(10))"),
    };
    let keys = Query::select()
        .expr(Expr::cust(aggregate))
        .from_as(Alias::new(TABLE), Alias::new(ENTRY))
        .and_where(entry("record_kind").eq(spec.table))
        .and_where(entry("record_id").equals((Alias::new(spec.table), Alias::new("id"))))
        .and_where(entry("field").is_in(spec.text_key.iter().copied()))
        .to_owned();
    let mut update = Query::update();
    update.table(Alias::new(spec.table)).value(
        Alias::new(TEXT_KEY),
        // A record without texts has the empty key, not NULL, so that `NOT (… LIKE …)` holds.
        Func::coalesce([Expr::SubQuery(None, Box::new(keys.into())), Expr::val("")]),
    );
    if let Some(ids) = ids {
        update.and_where(
            Expr::col((Alias::new(spec.table), Alias::new("id"))).is_in(ids.iter().cloned()),
        );
    }
    c.execute(&update).await?;
    Ok(())
}

/// Indexes these records of `table` (loaded by a path that bypassed the write path, such as the
/// seed); a no-op for tables without search entries. Returns the number of entries written.
pub(crate) async fn index_records<C: ConnectionTrait>(
    c: &C,
    table: &str,
    ids: &[String],
) -> Result<u64, PersistenceError> {
    /// Ids per statement: far below either backend's limit on bound parameters.
    const CHUNK: usize = 1_000;
    let Some(spec) = spec(table) else {
        return Ok(0);
    };
    let mut written = 0;
    for chunk in ids.chunks(CHUNK) {
        written += index(c, spec, Some(chunk)).await?;
    }
    Ok(written)
}

/// Whether `table`'s records are indexed.
pub(crate) fn is_indexed(table: &str) -> bool {
    spec(table).is_some()
}

/// Re-indexes one record after it was written (and the records whose entries quote it: a
/// partner's name is a partnership's too). A record that no longer exists loses its entries.
pub(crate) async fn index_record<C: ConnectionTrait>(
    c: &C,
    table: &str,
    id: &str,
) -> Result<(), PersistenceError> {
    let Some(spec) = spec(table) else {
        return Ok(());
    };
    let ids = [id.to_owned()];
    index(c, spec, Some(&ids)).await?;
    for dependent in SPECS {
        if let Some((fk, source)) = dependent.source
            && source == table
        {
            let select = Query::select()
                .column(Alias::new("id"))
                .from(Alias::new(dependent.table))
                .and_where(Expr::col(Alias::new(fk)).eq(id))
                .to_owned();
            let ids = c
                .query_all(&select)
                .await?
                .iter()
                .map(|row| row.try_get::<String>("", "id"))
                .collect::<Result<Vec<_>, _>>()?;
            index(c, dependent, Some(&ids)).await?;
        }
    }
    Ok(())
}

/// Rebuilds the whole index; returns the number of entries written.
pub(crate) async fn reindex_all<C: ConnectionTrait>(c: &C) -> Result<u64, PersistenceError> {
    let mut total = 0;
    for spec in SPECS {
        total += index(c, spec, None).await?;
    }
    Ok(total)
}

impl Store {
    /// Index entries that may match a search (see [`candidates`]). Not scoped: callers must
    /// load each hit through a scoped store before showing it.
    pub async fn search_candidates(
        &self,
        request: &SearchRequest<'_>,
    ) -> Result<Vec<SearchEntry>, PersistenceError> {
        with_conn!(self, c => candidates(c, request).await)
    }

    /// Rebuilds the search index from the records, in one transaction; returns the number of
    /// entries. For databases that held records before the index existed, and after bulk loads
    /// that bypass the write path.
    pub async fn reindex_search(&self) -> Result<u64, PersistenceError> {
        let txn = self.begin().await?;
        let result = with_conn!(txn, c => reindex_all(c).await);
        match result {
            Ok(n) => {
                txn.commit().await?;
                // Until autovacuum comes by, the rebuilt table carries every replaced entry as
                // a dead row (which the trigram indexes still return, to be rechecked) and stale
                // planner statistics. At scale M, stale statistics made PostgreSQL pick the
                // shared trigram index over the kind's own (a filtered list page took 63 ms
                // instead of 14), and the dead rows halved the list scenario's throughput
                // (75 → 138 req/s after a VACUUM). `VACUUM` cannot run inside a transaction.
                // The records' rewritten `text_key`s need statistics too: without them
                // PostgreSQL guesses that a text filter keeps a handful of rows and collects
                // them all through the trigram index instead of walking the order's index for
                // one page (12 ms against 0.3 ms for a common word at scale M).
                let statement = match (self.backend(), &self.conn) {
                    (crate::Backend::Postgres, Conn::Pool(_)) => {
                        let keyed: Vec<&str> = SPECS
                            .iter()
                            .filter(|s| !s.text_key.is_empty())
                            .map(|s| s.table)
                            .collect();
                        format!("VACUUM (ANALYZE) {TABLE}, {}", keyed.join(", "))
                    }
                    _ => format!("ANALYZE {TABLE}"),
                };
                with_conn!(self, c => c.execute_unprepared(&statement).await.map_err(PersistenceError::from))?;
                Ok(n)
            }
            Err(e) => {
                txn.rollback().await?;
                Err(e)
            }
        }
    }

    /// Rebuilds the index when it is empty but records exist (a database migrated from before
    /// the index); a no-op otherwise. Returns the number of entries written.
    pub async fn backfill_search_index(&self) -> Result<u64, PersistenceError> {
        let probe = |table: &str| {
            Query::select()
                .expr(Expr::val(1))
                .from(Alias::new(table))
                .limit(1)
                .to_owned()
        };
        let (indexed, records) = with_conn!(self, c => {
            let indexed = c.query_one(&probe(TABLE)).await?.is_some();
            let mut records = false;
            for spec in SPECS {
                records |= c.query_one(&probe(spec.table)).await?.is_some();
            }
            Ok::<_, PersistenceError>((indexed, records))
        })?;
        if indexed || !records {
            return Ok(0);
        }
        self.reindex_search().await
    }

    /// Re-indexes one record in this store's transaction (see [`index_record`]).
    pub(crate) async fn index_record(&self, table: &str, id: &str) -> Result<(), PersistenceError> {
        if !is_indexed(table) {
            return Ok(());
        }
        with_conn!(self, c => index_record(c, table, id).await)
    }
}
