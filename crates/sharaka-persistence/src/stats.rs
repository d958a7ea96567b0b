//! Dashboard aggregates (DOMAIN.md §4.6), each one `GROUP BY` statement: rows are never loaded
//! to be counted in Rust.
//!
//! Access: every table a statement reads carries the store's visibility filter, the same
//! [`crate::Visibility`] rule that lists and counts use. The main table's rule goes in `WHERE`;
//! a joined table's rule goes in its `ON`, so a left join to an invisible row contributes nothing
//! rather than dropping the row it hangs off. Link tables (`project_sites`,
//! `training_providers`) have no rule of their own: a link row counts when the record that owns
//! it is visible, as with relations.
//!
//! Measures and grouping keys are SQL written here from constants (never from client input);
//! filter values are bound parameters. Keys are grouped by their output alias, because
//! PostgreSQL does not recognise two parameterised expressions as the same grouping key.

use sea_orm::sea_query::{
    Alias, Cond, Condition, Expr, ExprTrait, JoinType, Query, SelectStatement, UnionType,
};
use sea_orm::{ConnectionTrait, QueryResult};

use crate::entities::value_at;
use crate::query::{Filter, Op, Value, condition_on};
use crate::{Conn, PersistenceError, Store, with_conn};

/// The column that holds a contribution's date (kept by triggers; not part of the record).
pub(crate) const DATED_ON: &str = "dated_on";

/// The records that date a contribution, in order of precedence, and its column linking each.
const DATING: [(&str, &str); 3] = [
    ("training_sessions", "training_session_id"),
    ("projects", "project_id"),
    ("agreements", "agreement_id"),
];

/// A contribution's date from the records joined by [`DATING`]: the session's start, else the
/// project's actual then planned start, else the agreement's entry into force then signature.
fn linked_date() -> String {
    format!(
        "COALESCE({}, {}, {}, {}, {})",
        q("training_sessions", "start_date"),
        q("projects", "actual_start"),
        q("projects", "planned_start"),
        q("agreements", "effective_from"),
        q("agreements", "signed_on"),
    )
}

mod pipeline;
mod rates;

pub use pipeline::{MedianDays, PipelineSpan};
pub use rates::{ExchangeRate, MadRow};
mod group_by;
pub use group_by::{GroupDim, GroupMeasure, GroupRow, GroupSubject};
mod results;
pub use results::{ResultDim, ResultPartRow, ResultProgressRow, ResultsFilter};

/// The audiences whose participants are staff or professionals, not prisoners or juveniles.
/// Every other audience counts people whom disclosure control protects.
pub const STAFF_AUDIENCES: [&str; 4] =
    ["STAFF", "STAFF_TRAINERS", "PARTNER_STAFF", "JUSTICE_ACTORS"];

/// The training topics (TrainingTopic codes), for grouping by a multi-valued tag column.
const TOPICS: [&str; 17] = [
    "JUDICIAL_REGISTRY_OR_CONTROL",
    "HR_MANAGEMENT",
    "BUDGET_MANAGEMENT",
    "HUMAN_RIGHTS_STANDARDS",
    "SECURITY_CRISIS",
    "CLASSIFICATION",
    "HEALTH",
    "LITERACY_EDUCATION",
    "VOCATIONAL",
    "AGRICULTURE",
    "ENTREPRENEURSHIP",
    "CULTURE_SPORT",
    "JUVENILE_JUSTICE",
    "WOMEN_IN_DETENTION",
    "ALTERNATIVE_SANCTIONS",
    "PVE_DISENGAGEMENT",
    "POST_RELEASE",
];

/// Filters shared by the aggregates; each aggregate applies those that make sense for it (see
/// each method). Dates are partial-date text (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), inclusive;
/// `to` should already be the last day of its period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsFilter {
    /// On or after this date.
    pub from: Option<String>,
    /// On or before this date.
    pub to: Option<String>,
    /// Only these regions (`MA-01` …).
    pub regions: Vec<String>,
    /// Only records involving these organisations.
    pub partners: Vec<String>,
    /// Only records under these agreements (local ids; applied by `group_by` only).
    pub agreements: Vec<String>,
    /// Only records under these projects (local ids; applied by `group_by` only).
    pub projects: Vec<String>,
}

impl StatsFilter {
    /// The same filter without its period, for figures taken at a date of their own (expiring,
    /// idle, stale drafts) rather than over a period.
    fn without_period(&self) -> StatsFilter {
        StatsFilter {
            from: None,
            to: None,
            ..self.clone()
        }
    }
}

/// A quoted `table.column`.
fn q(table: &str, column: &str) -> String {
    format!("\"{table}\".\"{column}\"")
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn texts(values: &[String]) -> Vec<Value> {
    values.iter().map(|v| Value::Text(v.clone())).collect()
}

/// One aggregate statement being built.
struct Agg {
    select: SelectStatement,
    keys: usize,
    /// Key aliases are `{prefix}{n}`; a subquery takes another prefix so that its keys never
    /// shadow the outer query's in `GROUP BY`.
    prefix: &'static str,
}

impl Agg {
    /// `FROM table`, with its visibility rule and without archived rows.
    fn from(store: &Store, table: &'static str, archived: bool) -> Result<Self, PersistenceError> {
        let mut select = Query::select();
        select.from(Alias::new(table));
        if let Some(scope) = store.scope(table) {
            select.cond_where(condition_on(table, None, &scope)?);
        }
        if archived {
            select.and_where(Expr::cust(format!("{} IS NULL", q(table, "archived_at"))));
        }
        Ok(Self {
            select,
            keys: 0,
            prefix: "k",
        })
    }

    /// Joins `table` on `on`, with its visibility rule (or, for a link table, its owner's:
    /// `owner = (column, owner table)`) inside the join condition.
    fn join(
        &mut self,
        store: &Store,
        kind: JoinType,
        table: &'static str,
        on: &str,
        archived: bool,
        owner: Option<(&'static str, &'static str)>,
    ) -> Result<&mut Self, PersistenceError> {
        let mut cond = Cond::all().add(Expr::cust(on.to_owned()));
        let scope = match owner {
            None => store.scope(table),
            Some((column, owner_table)) => store.scope(owner_table).map(|f| Filter::Subquery {
                field: column,
                table: owner_table,
                select: "id",
                filter: Box::new(f),
            }),
        };
        if let Some(scope) = scope {
            cond = cond.add(condition_on(table, None, &scope)?);
        }
        if archived {
            cond = cond.add(Expr::cust(format!("{} IS NULL", q(table, "archived_at"))));
        }
        self.select.join(kind, Alias::new(table), cond);
        Ok(self)
    }

    fn filter(&mut self, table: &'static str, filter: &Filter) -> Result<(), PersistenceError> {
        self.select.cond_where(condition_on(table, None, filter)?);
        Ok(())
    }

    fn cond(&mut self, cond: Condition) {
        self.select.cond_where(cond);
    }

    /// A grouping key `k{n}`: a [`Agg::column`] the rows are grouped by.
    fn key(&mut self, sql: &str) -> &mut Self {
        let alias = self.next_column(sql);
        self.select.add_group_by([Expr::col(alias)]);
        self
    }

    /// A column `k{n}` of each row, read without grouping (see [`Store::resource_figures`]).
    fn column(&mut self, sql: &str) -> &mut Self {
        self.next_column(sql);
        self
    }

    /// Selects `sql` as the next `k{n}` and returns that alias.
    fn next_column(&mut self, sql: &str) -> Alias {
        let alias = Alias::new(format!("{}{}", self.prefix, self.keys));
        self.keys += 1;
        self.select
            .expr_as(Expr::cust(sql.to_owned()), alias.clone());
        alias
    }

    /// An integer measure.
    fn count(&mut self, alias: &str, sql: &str) -> &mut Self {
        self.select.expr_as(
            Expr::cust(format!("CAST(COALESCE({sql}, 0) AS BIGINT)")),
            Alias::new(alias),
        );
        self
    }

    /// A floating-point measure.
    fn real(&mut self, alias: &str, sql: &str) -> &mut Self {
        self.select.expr_as(
            Expr::cust(format!("CAST(COALESCE({sql}, 0) AS DOUBLE PRECISION)")),
            Alias::new(alias),
        );
        self
    }

    async fn run(self, store: &Store) -> Result<Vec<QueryResult>, PersistenceError> {
        let select = self.select;
        with_conn!(store, c => c.query_all(&select).await.map_err(PersistenceError::from))
    }
}

/// `expr BETWEEN from AND to` on partial-date text, for the bounds that are set.
fn period(expr: &str, filter: &StatsFilter) -> Condition {
    let mut cond = Cond::all();
    if let Some(from) = &filter.from {
        cond = cond.add(Expr::cust(expr.to_owned()).gte(Expr::val(from.clone())));
    }
    if let Some(to) = &filter.to {
        cond = cond.add(Expr::cust(expr.to_owned()).lte(Expr::val(to.clone())));
    }
    cond
}

fn key(row: &QueryResult, n: usize) -> Result<Option<String>, PersistenceError> {
    // The usual keys' names, so that reading thousands of rows formats no name.
    const KEYS: [&str; 8] = ["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"];
    Ok(match KEYS.get(n) {
        Some(name) => row.try_get_by::<Option<String>, _>(*name)?,
        None => row.try_get_by::<Option<String>, _>(format!("k{n}").as_str())?,
    })
}

fn int(row: &QueryResult, alias: &str) -> Result<i64, PersistenceError> {
    Ok(row.try_get_by::<Option<i64>, _>(alias)?.unwrap_or(0))
}

fn real(row: &QueryResult, alias: &str) -> Result<f64, PersistenceError> {
    Ok(row.try_get::<Option<f64>>("", alias)?.unwrap_or(0.0))
}

/// Partnerships counted by the partner's typology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandscapeRow {
    /// PartnershipScope code.
    pub scope: Option<String>,
    /// PartnershipModality code.
    pub modality: Option<String>,
    /// The partner's PartnerCategory code.
    pub category: Option<String>,
    /// The partner's country (ISO 3166-1).
    pub country: Option<String>,
    /// Partnerships.
    pub partnerships: i64,
    /// Distinct partner organisations.
    pub partners: i64,
}

/// A count under one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCount {
    /// The key (a code, a year); `None` when unknown.
    pub key: Option<String>,
    /// How many.
    pub count: i64,
}

/// Commitments of one party or agreement, by outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FulfilmentRow {
    /// The party's organisation id, or the agreement id.
    pub key: String,
    /// Every commitment.
    pub total: i64,
    /// FULFILLED.
    pub fulfilled: i64,
    /// PARTIALLY_FULFILLED.
    pub partially_fulfilled: i64,
    /// NOT_FULFILLED.
    pub not_fulfilled: i64,
    /// WAIVED (left out of the fulfilled share's denominator).
    pub waived: i64,
    /// PLANNED or IN_PROGRESS.
    pub open: i64,
}

/// A dimension of training reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrainingDim {
    /// TrainingAudience.
    Audience,
    /// TrainingTopic (multi-valued: a session counts under each of its topics).
    Topic,
    /// StaffCategory.
    StaffCategory,
    /// The venue's region.
    Region,
    /// The venue's site type.
    SiteType,
    /// The start year.
    Year,
    /// A provider organisation (a session counts under each of its providers).
    Provider,
    /// The tally's sex (FEMALE, MALE, NOT_RECORDED); sessions without tallies have none.
    Sex,
}

/// Training reach of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingRow {
    /// One key per requested dimension, in order.
    pub keys: Vec<Option<String>>,
    /// Distinct sessions.
    pub sessions: i64,
    /// Σ attended.
    pub participants: i64,
    /// Σ attended, female.
    pub female: i64,
    /// Σ completed.
    pub completed: i64,
    /// Σ enrolled, over the tallies that record an enrolment (enrolled > 0).
    pub enrolled: i64,
    /// Σ completed over those same tallies: the numerator of the completion rate.
    pub completed_of_enrolled: i64,
    /// Σ attended in audiences other than [`STAFF_AUDIENCES`] (prisoners, juveniles, …).
    pub protected_participants: i64,
    /// Σ attended × contact hours.
    pub participant_hours: f64,
}

/// Sites of one region and type, and how many host at least one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageRow {
    /// Region id.
    pub region: Option<String>,
    /// SiteType code.
    pub site_type: Option<String>,
    /// Sites.
    pub sites: i64,
    /// Sites with at least one (matching) project.
    pub covered: i64,
}

/// Exchange visits of one direction, country and year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitRow {
    /// VisitDirection code.
    pub direction: Option<String>,
    /// Country visited or visiting.
    pub country: Option<String>,
    /// Start year.
    pub year: Option<String>,
    /// Visits.
    pub visits: i64,
    /// Σ delegation members.
    pub delegates: i64,
}

impl Store {
    /// Every contribution's stored date beside the date its links give now, as `(id, stored,
    /// from links)`. For tests of the triggers that keep `dated_on`.
    #[doc(hidden)]
    pub async fn contribution_dates(
        &self,
    ) -> Result<Vec<(String, Option<String>, Option<String>)>, PersistenceError> {
        let joins = DATING
            .map(|(table, column)| {
                format!(
                    "LEFT JOIN {table} ON {} = {}",
                    q(table, "id"),
                    q("contributions", column)
                )
            })
            .join(" ");
        let sql = format!(
            "SELECT {}, {}, {} FROM contributions {joins} ORDER BY 1",
            q("contributions", "id"),
            q("contributions", DATED_ON),
            linked_date(),
        );
        with_conn!(self, c => {
            let backend = c.get_database_backend();
            let rows = c.query_all_raw(sea_orm::Statement::from_string(backend, sql)).await?;
            rows.iter()
                .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?, r.try_get_by_index(2)?)))
                .collect::<Result<Vec<_>, sea_orm::DbErr>>()
                .map_err(PersistenceError::from)
        })
    }

    /// Partnerships by scope × modality × the partner's category × country. Filters: `from`/`to`
    /// on `since`, `partners` on the partner.
    pub async fn partner_landscape(
        &self,
        filter: &StatsFilter,
    ) -> Result<Vec<LandscapeRow>, PersistenceError> {
        let mut agg = Agg::from(self, "partnerships", true)?;
        agg.join(
            self,
            JoinType::InnerJoin,
            "organisations",
            &format!(
                "{} = {}",
                q("organisations", "id"),
                q("partnerships", "partner_org_id")
            ),
            true,
            None,
        )?;
        self.partnership_filters(&mut agg, filter)?;
        agg.key(&q("partnerships", "scope"))
            .key(&q("partnerships", "modality"))
            .key(&q("organisations", "category"))
            .key(&q("organisations", "country_code"))
            .count("n", "COUNT(*)")
            .count(
                "partners",
                &format!("COUNT(DISTINCT {})", q("partnerships", "partner_org_id")),
            );
        agg.run(self)
            .await?
            .iter()
            .map(|r| {
                Ok(LandscapeRow {
                    scope: key(r, 0)?,
                    modality: key(r, 1)?,
                    category: key(r, 2)?,
                    country: key(r, 3)?,
                    partnerships: int(r, "n")?,
                    partners: int(r, "partners")?,
                })
            })
            .collect()
    }

    fn partnership_filters(
        &self,
        agg: &mut Agg,
        filter: &StatsFilter,
    ) -> Result<(), PersistenceError> {
        agg.cond(period(&q("partnerships", "since"), filter));
        if !filter.partners.is_empty() {
            agg.filter(
                "partnerships",
                &Filter::In {
                    field: "partner_org_id",
                    values: texts(&filter.partners),
                },
            )?;
        }
        Ok(())
    }

    /// New partnerships per year of `since` (partnerships without a start are left out).
    pub async fn partnerships_per_year(
        &self,
        filter: &StatsFilter,
    ) -> Result<Vec<KeyCount>, PersistenceError> {
        let mut agg = Agg::from(self, "partnerships", true)?;
        self.partnership_filters(&mut agg, filter)?;
        agg.cond(Cond::all().add(Expr::cust(format!(
            "{} IS NOT NULL",
            q("partnerships", "since")
        ))));
        agg.key(&format!("SUBSTR({}, 1, 4)", q("partnerships", "since")))
            .count("n", "COUNT(*)");
        key_counts(agg.run(self).await?)
    }

    fn agreement_filters(
        &self,
        agg: &mut Agg,
        filter: &StatsFilter,
    ) -> Result<(), PersistenceError> {
        agg.cond(period(
            &format!(
                "COALESCE({}, {})",
                q("agreements", "signed_on"),
                q("agreements", "drafted_on")
            ),
            filter,
        ));
        if !filter.partners.is_empty() {
            agg.filter(
                "agreements",
                &Filter::Related {
                    field: "id",
                    table: "agreement_parties",
                    select: "agreement_id",
                    where_field: "organisation_id",
                    values: texts(&filter.partners),
                },
            )?;
        }
        Ok(())
    }

    /// Agreements by status. Filters: `from`/`to` on the signature (else drafting) date,
    /// `partners` on the parties.
    pub async fn agreements_by_status(
        &self,
        filter: &StatsFilter,
    ) -> Result<Vec<KeyCount>, PersistenceError> {
        let mut agg = Agg::from(self, "agreements", true)?;
        self.agreement_filters(&mut agg, filter)?;
        agg.key(&q("agreements", "status")).count("n", "COUNT(*)");
        key_counts(agg.run(self).await?)
    }

    /// ACTIVE agreements whose `effective_to` falls between `today` and `until` (both
    /// `YYYY-MM-DD`, inclusive).
    pub async fn agreements_expiring(
        &self,
        today: &str,
        until: &str,
        filter: &StatsFilter,
    ) -> Result<i64, PersistenceError> {
        let mut agg = Agg::from(self, "agreements", true)?;
        self.agreement_filters(&mut agg, &filter.without_period())?;
        agg.filter(
            "agreements",
            &Filter::All(vec![
                Filter::Compare {
                    field: "status",
                    op: Op::Eq,
                    value: Value::Text("ACTIVE".into()),
                },
                Filter::Compare {
                    field: "effective_to",
                    op: Op::Gte,
                    value: Value::Text(today.into()),
                },
                Filter::Compare {
                    field: "effective_to",
                    op: Op::Lte,
                    value: Value::Text(until.into()),
                },
            ]),
        )?;
        agg.count("n", "COUNT(*)");
        let rows = agg.run(self).await?;
        rows.first().map_or(Ok(0), |r| int(r, "n"))
    }

    /// Commitments by outcome, grouped by `column` (`party_org_id` or `agreement_id`). Filters:
    /// `from`/`to` on the due date, `partners` on the party.
    pub async fn commitment_fulfilment(
        &self,
        by_agreement: bool,
        filter: &StatsFilter,
    ) -> Result<Vec<FulfilmentRow>, PersistenceError> {
        let mut agg = Agg::from(self, "commitments", true)?;
        self.commitment_filters(&mut agg, filter)?;
        let column = if by_agreement {
            "agreement_id"
        } else {
            "party_org_id"
        };
        let status = q("commitments", "status");
        let when = |codes: &[&str]| {
            format!(
                "SUM(CASE WHEN {status} IN ({}) THEN 1 ELSE 0 END)",
                quoted_list(codes)
            )
        };
        agg.key(&q("commitments", column))
            .count("total", "COUNT(*)")
            .count("fulfilled", &when(&["FULFILLED"]))
            .count("partial", &when(&["PARTIALLY_FULFILLED"]))
            .count("not_fulfilled", &when(&["NOT_FULFILLED"]))
            .count("waived", &when(&["WAIVED"]))
            .count("open", &when(&["PLANNED", "IN_PROGRESS"]));
        agg.run(self)
            .await?
            .iter()
            .map(|r| {
                Ok(FulfilmentRow {
                    key: key(r, 0)?.unwrap_or_default(),
                    total: int(r, "total")?,
                    fulfilled: int(r, "fulfilled")?,
                    partially_fulfilled: int(r, "partial")?,
                    not_fulfilled: int(r, "not_fulfilled")?,
                    waived: int(r, "waived")?,
                    open: int(r, "open")?,
                })
            })
            .collect()
    }

    fn commitment_filters(
        &self,
        agg: &mut Agg,
        filter: &StatsFilter,
    ) -> Result<(), PersistenceError> {
        agg.cond(period(&q("commitments", "due_on"), filter));
        if !filter.partners.is_empty() {
            agg.filter(
                "commitments",
                &Filter::In {
                    field: "party_org_id",
                    values: texts(&filter.partners),
                },
            )?;
        }
        Ok(())
    }

    /// Open commitments (PLANNED or IN_PROGRESS) due before `today` (`YYYY-MM-DD`).
    pub async fn commitments_overdue(
        &self,
        today: &str,
        filter: &StatsFilter,
    ) -> Result<i64, PersistenceError> {
        let mut agg = Agg::from(self, "commitments", true)?;
        self.commitment_filters(&mut agg, filter)?;
        agg.filter(
            "commitments",
            &Filter::All(vec![
                Filter::In {
                    field: "status",
                    values: texts(&["PLANNED".into(), "IN_PROGRESS".into()]),
                },
                Filter::Compare {
                    field: "due_on",
                    op: Op::Lt,
                    value: Value::Text(today.into()),
                },
            ]),
        )?;
        agg.count("n", "COUNT(*)");
        let rows = agg.run(self).await?;
        rows.first().map_or(Ok(0), |r| int(r, "n"))
    }

    /// `FROM contributions`, and the date each contribution counts at: its session's start,
    /// else its project's actual then planned start, else its agreement's entry into force then
    /// signature. Filters: `from`/`to` on that date, `partners` on the contributor.
    ///
    /// The date is kept on the contribution's row by triggers (`dated_on`, indexed; see the
    /// migration `m20261202_000001`), so a period is an index range and no join is needed. A
    /// caller who may not read every session, project and agreement gets the joins instead,
    /// each with its visibility rule: a record the caller cannot read does not date anything.
    fn contributions(&self, filter: &StatsFilter) -> Result<(Agg, String), PersistenceError> {
        let mut agg = Agg::from(self, "contributions", true)?;
        let date = if DATING.iter().all(|(table, _)| self.scope(table).is_none()) {
            q("contributions", DATED_ON)
        } else {
            for (table, column) in DATING {
                agg.join(
                    self,
                    JoinType::LeftJoin,
                    table,
                    &format!("{} = {}", q(table, "id"), q("contributions", column)),
                    false,
                    None,
                )?;
            }
            linked_date()
        };
        agg.cond(period(&date, filter));
        if !filter.partners.is_empty() {
            agg.filter(
                "contributions",
                &Filter::In {
                    field: "contributor_org_id",
                    values: texts(&filter.partners),
                },
            )?;
        }
        Ok((agg, date))
    }

    /// The figures of resources mobilised, from one statement: each contribution's contributor,
    /// type, year, currency, stage and amount, read as a stream and folded by the domain
    /// ([`sharaka_domain::ResourceFold`]) as they come, so that the thousands of rows are never
    /// held at once beside the figures.
    ///
    /// The statement does not group: the fold groups anyway, and contributions are sparse over
    /// contributor × type × year × currency × stage (at scale M, 7,826 contributions of three
    /// years made 7,707 groups), so grouping in SQL cost PostgreSQL as much again as reading
    /// them (13 ms against 7) and saved no rows. The partial index `idx_contributions_figures`
    /// covers the columns read, so PostgreSQL answers from the index alone (5 ms).
    pub async fn resource_figures(
        &self,
        filter: &StatsFilter,
    ) -> Result<sharaka_domain::ResourceFigures, PersistenceError> {
        use futures::TryStreamExt as _;
        use sea_orm::StreamTrait as _;
        let (mut agg, date) = self.contributions(filter)?;
        agg.column(&q("contributions", "contributor_org_id"))
            .column(&q("contributions", "contribution_type"))
            .column(&format!("SUBSTR({date}, 1, 4)"))
            .column(&q("contributions", "currency"))
            .column(&q("contributions", "status"))
            .count("amount", &q("contributions", "amount_minor"));
        // Read by position, in the order selected above: thousands of rows, and looking each
        // column up by name hashed its name every time (a tenth of the server's CPU).
        let text = |r: &QueryResult, i: usize| value_at::<Option<String>>(r, i);
        let group =
            |r: &QueryResult| -> Result<sharaka_domain::ContributionGroup, PersistenceError> {
                Ok(sharaka_domain::ContributionGroup {
                    contributor: text(r, 0)?,
                    contribution_type: text(r, 1)?.and_then(|c| c.parse().ok()),
                    year: text(r, 2)?,
                    currency: text(r, 3)?,
                    status: text(r, 4)?.and_then(|c| c.parse().ok()),
                    count: 1,
                    amount_minor: value_at::<Option<i64>>(r, 5)?.unwrap_or(0),
                })
            };
        let select = agg.select;
        with_conn!(self, c => {
            let mut rows = c.stream(&select).await?;
            let mut fold = sharaka_domain::ResourceFold::default();
            while let Some(row) = rows.try_next().await? {
                fold.add(group(&row)?);
            }
            Ok(fold.finish())
        })
    }

    /// Training reach grouped by `dims` (none: one total row). Filters: `from`/`to` on the start
    /// date, `regions` on the venue's region, `partners` on the organiser or a provider;
    /// `validated_only` keeps VALIDATED sessions, the official figures.
    pub async fn training_reach(
        &self,
        dims: &[TrainingDim],
        validated_only: bool,
        filter: &StatsFilter,
    ) -> Result<Vec<TrainingRow>, PersistenceError> {
        let s = "training_sessions";
        let t = "training_tallies";
        let mut agg = self.training_agg(dims, validated_only, filter)?;
        let attended = format!("COALESCE({}, 0)", q(t, "attended"));
        agg.count("sessions", &format!("COUNT(DISTINCT {})", q(s, "id")))
            .count("participants", &format!("SUM({attended})"))
            .count(
                "female",
                &format!(
                    "SUM(CASE WHEN {} = 'FEMALE' THEN {attended} ELSE 0 END)",
                    q(t, "sex")
                ),
            )
            .count(
                "completed",
                &format!("SUM(COALESCE({}, 0))", q(t, "completed")),
            )
            .count(
                "enrolled",
                &format!(
                    "SUM(CASE WHEN {e} > 0 THEN {e} ELSE 0 END)",
                    e = q(t, "enrolled")
                ),
            )
            .count(
                "completed_of_enrolled",
                &format!(
                    "SUM(CASE WHEN {} > 0 THEN COALESCE({}, 0) ELSE 0 END)",
                    q(t, "enrolled"),
                    q(t, "completed")
                ),
            )
            .count(
                "protected",
                &format!(
                    "SUM(CASE WHEN {} IN ({}) THEN 0 ELSE {attended} END)",
                    q(s, "audience"),
                    quoted_list(&STAFF_AUDIENCES)
                ),
            )
            .real(
                "hours",
                &format!("SUM({attended} * COALESCE({}, 0))", q(s, "contact_hours")),
            );
        agg.run(self)
            .await?
            .iter()
            .map(|r| {
                Ok(TrainingRow {
                    keys: (0..dims.len())
                        .map(|n| key(r, n))
                        .collect::<Result<_, _>>()?,
                    sessions: int(r, "sessions")?,
                    participants: int(r, "participants")?,
                    female: int(r, "female")?,
                    completed: int(r, "completed")?,
                    enrolled: int(r, "enrolled")?,
                    completed_of_enrolled: int(r, "completed_of_enrolled")?,
                    protected_participants: int(r, "protected")?,
                    participant_hours: real(r, "hours")?,
                })
            })
            .collect()
    }

    /// `FROM training_sessions` with its tallies and venue (and providers or topics when
    /// grouped by them), the filters of [`Store::training_reach`] and one key per dimension.
    fn training_agg(
        &self,
        dims: &[TrainingDim],
        validated_only: bool,
        filter: &StatsFilter,
    ) -> Result<Agg, PersistenceError> {
        let s = "training_sessions";
        let t = "training_tallies";
        let mut agg = Agg::from(self, s, true)?;
        agg.join(
            self,
            JoinType::LeftJoin,
            t,
            &format!("{} = {}", q(t, "training_session_id"), q(s, "id")),
            false,
            None,
        )?;
        agg.join(
            self,
            JoinType::LeftJoin,
            "sites",
            &format!("{} = {}", q("sites", "id"), q(s, "venue_site_id")),
            false,
            None,
        )?;
        if dims.contains(&TrainingDim::Provider) {
            agg.join(
                self,
                JoinType::InnerJoin,
                "training_providers",
                &format!(
                    "{} = {}",
                    q("training_providers", "training_session_id"),
                    q(s, "id")
                ),
                false,
                Some(("training_session_id", s)),
            )?;
        }
        if dims.contains(&TrainingDim::Topic) {
            let mut topics = Query::select();
            topics.expr_as(Expr::cust(format!("'{}'", TOPICS[0])), Alias::new("topic"));
            for topic in &TOPICS[1..] {
                topics.union(
                    UnionType::All,
                    Query::select()
                        .expr_as(Expr::cust(format!("'{topic}'")), Alias::new("topic"))
                        .to_owned(),
                );
            }
            agg.select.join_subquery(
                JoinType::InnerJoin,
                topics,
                Alias::new("topic_codes"),
                Cond::all().add(Expr::cust(format!(
                    "(',' || {} || ',') LIKE ('%,' || {} || ',%')",
                    q(s, "topics"),
                    q("topic_codes", "topic")
                ))),
            );
        }
        if validated_only {
            agg.cond(Cond::all().add(Expr::cust(format!("{} = 'VALIDATED'", q(s, "status")))));
        }
        agg.cond(period(&q(s, "start_date"), filter));
        if !filter.regions.is_empty() {
            agg.filter(
                "sites",
                &Filter::In {
                    field: "region_id",
                    values: texts(&filter.regions),
                },
            )?;
        }
        if !filter.partners.is_empty() {
            agg.filter(
                s,
                &Filter::Any(vec![
                    Filter::In {
                        field: "organiser_org_id",
                        values: texts(&filter.partners),
                    },
                    Filter::Related {
                        field: "id",
                        table: "training_providers",
                        select: "training_session_id",
                        where_field: "organisation_id",
                        values: texts(&filter.partners),
                    },
                ]),
            )?;
        }
        for dim in dims {
            let sql = match dim {
                TrainingDim::Audience => q(s, "audience"),
                TrainingDim::StaffCategory => q(s, "staff_category"),
                TrainingDim::Topic => q("topic_codes", "topic"),
                TrainingDim::Region => q("sites", "region_id"),
                TrainingDim::SiteType => q("sites", "site_type"),
                TrainingDim::Year => format!("SUBSTR({}, 1, 4)", q(s, "start_date")),
                TrainingDim::Provider => q("training_providers", "organisation_id"),
                TrainingDim::Sex => q(t, "sex"),
            };
            agg.key(&sql);
        }
        Ok(agg)
    }

    /// Regions with at least one OPERATIONAL post-care centre, each with how many.
    pub async fn post_care_regions(&self) -> Result<Vec<KeyCount>, PersistenceError> {
        let mut agg = Agg::from(self, "sites", true)?;
        agg.cond(Cond::all().add(Expr::cust(format!(
            "{} = 'POST_CARE_CENTRE' AND {} = 'OPERATIONAL' AND {} IS NOT NULL",
            q("sites", "site_type"),
            q("sites", "status"),
            q("sites", "region_id")
        ))));
        agg.key(&q("sites", "region_id")).count("n", "COUNT(*)");
        key_counts(agg.run(self).await?)
    }

    /// Sites by region and type, and how many host at least one project (only projects in
    /// IMPLEMENTATION when `active_only`). Filter: `regions`.
    pub async fn site_coverage(
        &self,
        active_only: bool,
        filter: &StatsFilter,
    ) -> Result<Vec<CoverageRow>, PersistenceError> {
        let mut agg = Agg::from(self, "sites", true)?;
        if !filter.regions.is_empty() {
            agg.filter(
                "sites",
                &Filter::In {
                    field: "region_id",
                    values: texts(&filter.regions),
                },
            )?;
        }
        // Projects that count: visible, not archived, and active when asked.
        let mut projects = vec![Filter::Null {
            field: "archived_at",
            is_null: true,
        }];
        if let Some(scope) = self.scope("projects") {
            projects.push(scope);
        }
        if active_only {
            projects.push(Filter::Compare {
                field: "status",
                op: Op::Eq,
                value: Value::Int(2),
            });
        }
        let linked = Filter::Subquery {
            field: "id",
            table: "project_sites",
            select: "site_id",
            filter: Box::new(Filter::Subquery {
                field: "project_id",
                table: "projects",
                select: "id",
                filter: Box::new(Filter::All(projects)),
            }),
        };
        // The CASE holds bound parameters, so it is rendered by sea-query rather than as text.
        let covered =
            Expr::case(condition_on("sites", None, &linked)?, Expr::val(1)).finally(Expr::val(0));
        agg.key(&q("sites", "region_id"))
            .key(&q("sites", "site_type"))
            .count("n", "COUNT(*)");
        agg.select.expr_as(
            sea_orm::sea_query::Func::cast_as(
                sea_orm::sea_query::Func::sum(covered),
                Alias::new("BIGINT"),
            ),
            Alias::new("covered"),
        );
        agg.run(self)
            .await?
            .iter()
            .map(|r| {
                Ok(CoverageRow {
                    region: key(r, 0)?,
                    site_type: key(r, 1)?,
                    sites: int(r, "n")?,
                    covered: int(r, "covered")?,
                })
            })
            .collect()
    }

    /// Exchange visits by direction × country × start year, with delegation sizes. Filters:
    /// `from`/`to` on the start date, `partners` on host or visitor. Cancelled visits are left
    /// out.
    pub async fn exchange_visits_stats(
        &self,
        filter: &StatsFilter,
    ) -> Result<Vec<VisitRow>, PersistenceError> {
        let v = "exchange_visits";
        let mut agg = self.visits_agg(filter)?;
        agg.key(&q(v, "direction"))
            .key(&q(v, "country_code"))
            .key(&format!("SUBSTR({}, 1, 4)", q(v, "start_date")))
            .count("visits", "COUNT(*)")
            .count("delegates", &format!("SUM({})", q("sizes", "size")));
        agg.run(self)
            .await?
            .iter()
            .map(|r| {
                Ok(VisitRow {
                    direction: key(r, 0)?,
                    country: key(r, 1)?,
                    year: key(r, 2)?,
                    visits: int(r, "visits")?,
                    delegates: int(r, "delegates")?,
                })
            })
            .collect()
    }

    /// `FROM exchange_visits` (cancelled ones left out) with each visit's delegation size as
    /// `"sizes"."size"`, under the filters of [`Store::exchange_visits_stats`].
    fn visits_agg(&self, filter: &StatsFilter) -> Result<Agg, PersistenceError> {
        let v = "exchange_visits";
        let mut agg = Agg::from(self, v, true)?;
        agg.cond(Cond::all().add(Expr::cust(format!("{} <> 'CANCELLED'", q(v, "status")))));
        agg.cond(period(&q(v, "start_date"), filter));
        if !filter.partners.is_empty() {
            agg.filter(
                v,
                &Filter::Any(vec![
                    Filter::In {
                        field: "host_org_id",
                        values: texts(&filter.partners),
                    },
                    Filter::In {
                        field: "visitor_org_id",
                        values: texts(&filter.partners),
                    },
                ]),
            )?;
        }
        // Delegation sizes come from a grouped subquery, so that joining them cannot multiply
        // visits.
        let mut sizes = Agg::from(self, "exchange_visit_tallies", false)?;
        sizes.prefix = "visit";
        sizes
            .key(&q("exchange_visit_tallies", "exchange_visit_id"))
            .count(
                "size",
                &format!("SUM({})", q("exchange_visit_tallies", "count")),
            );
        agg.select.join_subquery(
            JoinType::LeftJoin,
            sizes.select,
            Alias::new("sizes"),
            Cond::all().add(Expr::cust(format!(
                "{} = {}",
                q("sizes", "visit0"),
                q(v, "id")
            ))),
        );
        Ok(agg)
    }
}

fn key_counts(rows: Vec<QueryResult>) -> Result<Vec<KeyCount>, PersistenceError> {
    rows.iter()
        .map(|r| {
            Ok(KeyCount {
                key: key(r, 0)?,
                count: int(r, "n")?,
            })
        })
        .collect()
}
