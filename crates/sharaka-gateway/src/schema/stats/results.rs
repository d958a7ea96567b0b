//! `stats.resultProgress`: target against actual per reporting period (issue 5), grouped by
//! project, result type and indicator, with the disaggregated targets and actuals. Two `GROUP BY`
//! statements over the reader's scoped store. For PARTNER and PUBLIC readers, disaggregated
//! counts of an indicator that counts people go through disclosure control (one table per kind
//! and dimension, keyed by the groups, the period and the value).

use std::collections::HashMap;

use async_graphql::{Context, Enum, ID, InputObject, Result, SimpleObject};
use sharaka_domain::{self as domain, Coded};
use sharaka_persistence::stats::{self as ps, ResultDim, ResultsFilter};

use super::{is_external, typed};
use crate::error::GqlResultExt;
use crate::schema::context::deps;
use crate::schema::disclosure::{self, Cell};
use crate::schema::filters::DateRange;
use crate::schema::ids;
use crate::schema::resolve::one;
use crate::schema::scalars::*;

/// What the results dashboard groups by (the period is always a key).
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultDimension {
    /// The project.
    Project,
    /// The result type (output, outcome, impact).
    ResultType,
    /// The indicator (exact per-indicator figures, with their achievement).
    Indicator,
}

/// Filters of the results dashboard.
#[derive(InputObject, Clone, Default)]
pub struct ResultProgressFilter {
    /// Only these projects (Project IDs).
    pub projects: Option<Vec<ID>>,
    /// Only these indicators (Indicator IDs).
    pub indicators: Option<Vec<ID>>,
    /// Only results of these types.
    pub result_types: Option<Vec<ResultType>>,
    /// Only periods that start on or after `from` and end on or before `to`.
    pub period: Option<DateRange>,
}

impl ResultProgressFilter {
    fn to_filter(input: &Option<Self>) -> Result<ResultsFilter> {
        let Some(input) = input else {
            return Ok(ResultsFilter::default());
        };
        let locals = |list: &Option<Vec<ID>>, kind: &str| -> Result<Vec<String>> {
            list.iter()
                .flatten()
                .map(|id| ids::decode_kind(id, kind).gql())
                .collect()
        };
        Ok(ResultsFilter {
            projects: locals(&input.projects, "Project")?,
            indicators: locals(&input.indicators, "Indicator")?,
            result_types: input
                .result_types
                .iter()
                .flatten()
                .map(|t| domain::ResultType::from(*t).code().to_owned())
                .collect(),
            from: input
                .period
                .and_then(|p| p.from)
                .map(|d| d.0.earliest().to_string()),
            to: input
                .period
                .and_then(|p| p.to)
                .map(|d| d.0.latest().to_string()),
        })
    }
}

/// A disaggregated target or actual of one group and period.
#[derive(SimpleObject, Clone)]
pub struct DisaggregatedFigure {
    /// The dimension.
    pub dimension: Option<DisaggregationDimension>,
    /// The dimension's value: a `Sex` or `TrainingAudience` code, or a region code.
    pub value: String,
    /// Σ amounts; null when withheld by disclosure control.
    pub amount: Option<f64>,
    /// What to display: the amount, `"<5"` for a withheld small count, `"x"` for a neighbour
    /// withheld so that it cannot be derived.
    pub display: String,
    /// Whether the amount is withheld.
    pub suppressed: bool,
    /// Whether the amount counts people protected by disclosure control.
    pub protected: bool,
}

/// Target against actual of one group of periods.
#[derive(SimpleObject)]
pub struct ResultProgressRow {
    /// The project, when grouped by it.
    pub project: Option<ID>,
    /// The result type, when grouped by it.
    pub result_type: Option<ResultType>,
    /// The indicator, when grouped by it.
    pub indicator: Option<ID>,
    /// First day of the period (`YYYY-MM-DD`).
    pub period_start: String,
    /// Last day of the period.
    pub period_end: String,
    /// Periods in the group.
    pub periods: i64,
    /// Periods with an actual recorded.
    pub reported: i64,
    /// Σ targets; null when no period has one.
    pub target: Option<f64>,
    /// Σ actuals; null when none is recorded.
    pub actual: Option<f64>,
    /// Achievement (see `IndicatorPeriod.achievement`), when grouped by indicator.
    pub achievement: Option<f64>,
    /// The targets broken down by sex, audience or region.
    pub target_disaggregations: Vec<DisaggregatedFigure>,
    /// The actuals broken down by sex, audience or region.
    pub actual_disaggregations: Vec<DisaggregatedFigure>,
}

/// Target against actual per period, and the disclosure threshold applied.
#[derive(SimpleObject)]
pub struct ResultProgress {
    /// One row per group and period.
    pub rows: Vec<ResultProgressRow>,
    /// The disclosure threshold applied (null when the reader sees exact figures).
    pub suppression_threshold: Option<i64>,
}

fn dim(d: ResultDimension) -> ResultDim {
    match d {
        ResultDimension::Project => ResultDim::Project,
        ResultDimension::ResultType => ResultDim::ResultType,
        ResultDimension::Indicator => ResultDim::Indicator,
    }
}

/// The row's identity: its keys and period.
type GroupKey = (Vec<Option<String>>, String, String);

fn figure(part: &ps::ResultPartRow) -> DisaggregatedFigure {
    DisaggregatedFigure {
        dimension: typed::<domain::DisaggregationDimension, _>(&Some(part.dimension.clone())),
        value: part.value.clone(),
        amount: Some(part.amount),
        display: part.amount.to_string(),
        suppressed: false,
        protected: part.protected,
    }
}

/// Which parts to withhold: per kind and dimension, one table keyed by the groups, the period
/// and the value, under [`disclosure::suppress`].
fn control(parts: &[ps::ResultPartRow], threshold: i64) -> Vec<bool> {
    let mut tables: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, part) in parts.iter().enumerate() {
        tables
            .entry((part.kind.as_str(), part.dimension.as_str()))
            .or_default()
            .push(i);
    }
    let mut out = vec![false; parts.len()];
    for members in tables.values() {
        let cells: Vec<Cell> = members
            .iter()
            .map(|&i| {
                let part = &parts[i];
                let mut keys = part.keys.clone();
                keys.push(Some(format!("{}/{}", part.period_start, part.period_end)));
                keys.push(Some(part.value.clone()));
                Cell {
                    keys,
                    // Counts of people are whole numbers; a fraction is rounded for the rule.
                    value: part.amount.round() as i64,
                    protected: part.protected,
                    forced: false,
                }
            })
            .collect();
        for (&i, hide) in members.iter().zip(disclosure::suppress(&cells, threshold)) {
            out[i] = hide;
        }
    }
    out
}

/// Target against actual per period, grouped by `group_by`, for the reader's scope.
pub async fn result_progress(
    ctx: &Context<'_>,
    group_by: Vec<ResultDimension>,
    filter: Option<ResultProgressFilter>,
) -> Result<ResultProgress> {
    let f = ResultProgressFilter::to_filter(&filter)?;
    let mut dims: Vec<ResultDim> = Vec::new();
    for d in group_by.into_iter().map(dim) {
        if !dims.contains(&d) {
            dims.push(d);
        }
    }
    let deps = deps(ctx);
    let rows = deps.store.result_progress(&dims, &f).await.gql()?;
    let parts = deps.store.result_parts(&dims, &f).await.gql()?;
    let external = is_external(deps.principal.role);
    let threshold = crate::config::suppression_threshold();
    let hidden = if external {
        control(&parts, threshold)
    } else {
        vec![false; parts.len()]
    };
    let mut by_group: HashMap<GroupKey, (Vec<DisaggregatedFigure>, Vec<DisaggregatedFigure>)> =
        HashMap::new();
    for (part, hide) in parts.iter().zip(hidden) {
        let mut fig = figure(part);
        if hide {
            let small = part.protected && part.amount >= 1.0 && part.amount < threshold as f64;
            fig.amount = None;
            fig.suppressed = true;
            fig.display = if small {
                format!("<{threshold}")
            } else {
                "x".to_owned()
            };
        }
        let entry = by_group
            .entry((
                part.keys.clone(),
                part.period_start.clone(),
                part.period_end.clone(),
            ))
            .or_default();
        if part.kind == domain::PeriodValueKind::Target.code() {
            entry.0.push(fig);
        } else {
            entry.1.push(fig);
        }
    }
    let indicator_at = dims.iter().position(|d| *d == ResultDim::Indicator);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut achievement = None;
        if let Some(Some(local)) = indicator_at.map(|i| &row.keys[i])
            && let Some(indicator) = one::<domain::Indicator>(ctx, Some(local)).await?
        {
            achievement = domain::achievement(
                row.target,
                row.actual,
                indicator.ascending,
                indicator.baseline.and_then(|b| b.value),
            );
        }
        let (targets, actuals) = by_group
            .remove(&(
                row.keys.clone(),
                row.period_start.clone(),
                row.period_end.clone(),
            ))
            .unwrap_or_default();
        let mut progress = ResultProgressRow {
            project: None,
            result_type: None,
            indicator: None,
            period_start: row.period_start,
            period_end: row.period_end,
            periods: row.periods,
            reported: row.reported,
            target: row.target,
            actual: row.actual,
            achievement,
            target_disaggregations: targets,
            actual_disaggregations: actuals,
        };
        for (d, key) in dims.iter().zip(&row.keys) {
            match d {
                ResultDim::Project => {
                    progress.project = key.as_deref().map(|l| ids::encode("Project", l));
                }
                ResultDim::ResultType => {
                    progress.result_type = typed::<domain::ResultType, _>(key);
                }
                ResultDim::Indicator => {
                    progress.indicator = key.as_deref().map(|l| ids::encode("Indicator", l));
                }
            }
        }
        out.push(progress);
    }
    Ok(ResultProgress {
        rows: out,
        suppression_threshold: external.then_some(threshold),
    })
}
