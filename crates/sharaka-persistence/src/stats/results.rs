//! Target against actual per reporting period (issue 5): one `GROUP BY` over
//! `indicator_periods` joined to their indicator and result, and one over the disaggregated
//! values. Every table carries the store's visibility filter; archived results, indicators and
//! periods are left out.
//!
//! Sums add targets and actuals of the periods in a group; they are exact per indicator and
//! meaningful across indicators only when those count the same thing (group by `INDICATOR` for
//! per-indicator figures; percentages are never meaningfully summed).

use sea_orm::QueryResult;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, JoinType};

use super::{Agg, STAFF_AUDIENCES, key, q, quoted_list, texts};
use crate::query::Filter;
use crate::{PersistenceError, Store};

const P: &str = "indicator_periods";
const I: &str = "result_indicators";
const R: &str = "project_results";
const V: &str = "indicator_period_values";

/// A dimension the results dashboard groups by (the period is always a key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResultDim {
    /// The project.
    Project,
    /// The ResultType code.
    ResultType,
    /// The indicator.
    Indicator,
}

/// Filters of the results dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultsFilter {
    /// Only these projects.
    pub projects: Vec<String>,
    /// Only these indicators.
    pub indicators: Vec<String>,
    /// Only results of these types (ResultType codes).
    pub result_types: Vec<String>,
    /// Periods starting on or after this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Periods ending on or before this day.
    pub to: Option<String>,
}

/// Target against actual of one group of periods.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultProgressRow {
    /// One key per requested dimension, in order.
    pub keys: Vec<Option<String>>,
    /// First day of the period.
    pub period_start: String,
    /// Last day of the period.
    pub period_end: String,
    /// Periods in the group.
    pub periods: i64,
    /// Periods with an actual recorded.
    pub reported: i64,
    /// Σ targets (`None` when no period has one).
    pub target: Option<f64>,
    /// Σ actuals (`None` when no period has one).
    pub actual: Option<f64>,
}

/// A disaggregated target or actual of one group of periods.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultPartRow {
    /// One key per requested dimension, in order.
    pub keys: Vec<Option<String>>,
    /// First day of the period.
    pub period_start: String,
    /// Last day of the period.
    pub period_end: String,
    /// `TARGET` or `ACTUAL`.
    pub kind: String,
    /// DisaggregationDimension code.
    pub dimension: String,
    /// The dimension's value (a code).
    pub value: String,
    /// Σ amounts.
    pub amount: f64,
    /// Whether the amount counts people protected by disclosure control: an indicator that
    /// counts people, and a value other than a staff or professional audience.
    pub protected: bool,
}

fn opt_real(row: &QueryResult, alias: &str) -> Result<Option<f64>, PersistenceError> {
    Ok(row.try_get::<Option<f64>>("", alias)?)
}

impl Store {
    /// `FROM indicator_periods JOIN result_indicators JOIN project_results`, scoped, without
    /// archived rows, with the filter and the requested keys (then the period's days).
    fn periods_agg(
        &self,
        dims: &[ResultDim],
        filter: &ResultsFilter,
    ) -> Result<Agg, PersistenceError> {
        let mut agg = Agg::from(self, P, true)?;
        agg.join(
            self,
            JoinType::InnerJoin,
            I,
            &format!("{} = {}", q(I, "id"), q(P, "indicator_id")),
            true,
            None,
        )?;
        agg.join(
            self,
            JoinType::InnerJoin,
            R,
            &format!("{} = {}", q(R, "id"), q(P, "result_id")),
            true,
            None,
        )?;
        let within = |table: &'static str, field: &'static str, values: &[String]| {
            (!values.is_empty()).then(|| {
                (
                    table,
                    Filter::In {
                        field,
                        values: texts(values),
                    },
                )
            })
        };
        for (table, f) in [
            within(P, "project_id", &filter.projects),
            within(P, "indicator_id", &filter.indicators),
            within(R, "result_type", &filter.result_types),
        ]
        .into_iter()
        .flatten()
        {
            agg.filter(table, &f)?;
        }
        let mut cond = Cond::all();
        if let Some(from) = &filter.from {
            cond = cond.add(Expr::cust(q(P, "period_start")).gte(Expr::val(from.clone())));
        }
        if let Some(to) = &filter.to {
            cond = cond.add(Expr::cust(q(P, "period_end")).lte(Expr::val(to.clone())));
        }
        agg.cond(cond);
        for dim in dims {
            agg.key(&match dim {
                ResultDim::Project => q(P, "project_id"),
                ResultDim::ResultType => q(R, "result_type"),
                ResultDim::Indicator => q(P, "indicator_id"),
            });
        }
        agg.key(&q(P, "period_start")).key(&q(P, "period_end"));
        Ok(agg)
    }

    /// Target against actual per period, grouped by `dims`, in one statement, ordered by the
    /// keys and the period.
    pub async fn result_progress(
        &self,
        dims: &[ResultDim],
        filter: &ResultsFilter,
    ) -> Result<Vec<ResultProgressRow>, PersistenceError> {
        let mut agg = self.periods_agg(dims, filter)?;
        agg.count("periods", "COUNT(*)")
            .count("reported", &format!("COUNT({})", q(P, "actual_value")));
        // NULL stays NULL (no target is not a target of 0).
        agg.select
            .expr_as(
                Expr::cust(format!(
                    "CAST(SUM({}) AS DOUBLE PRECISION)",
                    q(P, "target_value")
                )),
                sea_orm::sea_query::Alias::new("target"),
            )
            .expr_as(
                Expr::cust(format!(
                    "CAST(SUM({}) AS DOUBLE PRECISION)",
                    q(P, "actual_value")
                )),
                sea_orm::sea_query::Alias::new("actual"),
            );
        order_by_keys(&mut agg, dims.len() + 2);
        let n = dims.len();
        agg.run(self)
            .await?
            .iter()
            .map(|r| {
                Ok(ResultProgressRow {
                    keys: (0..n).map(|i| key(r, i)).collect::<Result<_, _>>()?,
                    period_start: key(r, n)?.unwrap_or_default(),
                    period_end: key(r, n + 1)?.unwrap_or_default(),
                    periods: super::int(r, "periods")?,
                    reported: super::int(r, "reported")?,
                    target: opt_real(r, "target")?,
                    actual: opt_real(r, "actual")?,
                })
            })
            .collect()
    }

    /// The disaggregated targets and actuals of the same groups, per kind, dimension and
    /// value, in one statement.
    pub async fn result_parts(
        &self,
        dims: &[ResultDim],
        filter: &ResultsFilter,
    ) -> Result<Vec<ResultPartRow>, PersistenceError> {
        let mut agg = self.periods_agg(dims, filter)?;
        agg.join(
            self,
            JoinType::InnerJoin,
            V,
            &format!("{} = {}", q(V, "period_id"), q(P, "id")),
            false,
            None,
        )?;
        agg.key(&q(V, "kind"))
            .key(&q(V, "dimension"))
            .key(&q(V, "dimension_value"))
            .real("amount", &format!("SUM({})", q(V, "value")))
            .count(
                "protected",
                &format!(
                    "MAX(CASE WHEN {counts} = TRUE AND NOT ({dim} = 'AUDIENCE' AND {value} IN ({staff})) THEN 1 ELSE 0 END)",
                    counts = q(I, "counts_people"),
                    dim = q(V, "dimension"),
                    value = q(V, "dimension_value"),
                    staff = quoted_list(&STAFF_AUDIENCES),
                ),
            );
        let n = dims.len();
        order_by_keys(&mut agg, n + 5);
        agg.run(self)
            .await?
            .iter()
            .map(|r| {
                Ok(ResultPartRow {
                    keys: (0..n).map(|i| key(r, i)).collect::<Result<_, _>>()?,
                    period_start: key(r, n)?.unwrap_or_default(),
                    period_end: key(r, n + 1)?.unwrap_or_default(),
                    kind: key(r, n + 2)?.unwrap_or_default(),
                    dimension: key(r, n + 3)?.unwrap_or_default(),
                    value: key(r, n + 4)?.unwrap_or_default(),
                    amount: super::real(r, "amount")?,
                    protected: super::int(r, "protected")? > 0,
                })
            })
            .collect()
    }
}

/// Orders by the first `n` keys, so that rows come in a stable order on both backends.
fn order_by_keys(agg: &mut Agg, n: usize) {
    for i in 0..n {
        agg.select.order_by(
            sea_orm::sea_query::Alias::new(format!("{}{i}", agg.prefix)),
            sea_orm::sea_query::Order::Asc,
        );
    }
}
