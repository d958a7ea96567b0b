//! Project results (issue 5): a nested, atomic create of a result with its indicators and their
//! periods; updates of a result's own fields; periods added later; and actuals recorded on a
//! period at its `expectedVersion`. Every result, indicator and period is an audited, versioned
//! record, under the project's access rules (checked in `access.rs` against the project's
//! regions and implementing organisations).

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};
use sharaka_domain as domain;
use sharaka_domain::Coded;
use sharaka_persistence::ListQuery;
use sharaka_persistence::relations as rel;
use sharaka_persistence::write::Cell;

use super::project::{References, ensure_version, load, local};
use super::{LocalizedTextInput, merge, merge_text};
use crate::error::GqlResultExt;
use crate::schema::context::deps;
use crate::schema::nodes::{IndicatorNode, IndicatorPeriodNode, ProjectResultNode};
use crate::schema::scalars::*;
use crate::schema::write::{self, Cells, DESCRIPTION, TITLE};

/// Mutations on project results, indicators and periods.
#[derive(Default)]
pub struct ResultMutation;

/// A part of a target or an actual, for one value of one dimension.
#[derive(InputObject)]
pub struct DisaggregationInput {
    /// The dimension.
    pub dimension: DisaggregationDimension,
    /// A code of the dimension: a `Sex` value (`FEMALE`), a `TrainingAudience` value
    /// (`PRISONERS_ADULT`) or a region code (`MA-04`).
    pub value: String,
    /// The part's amount (≥ 0; at most 100 for a percentage). The parts of one dimension may
    /// not add up to more than the total.
    pub amount: f64,
}

/// A reporting period with its target.
#[derive(InputObject)]
pub struct IndicatorPeriodInput {
    /// First day, `YYYY-MM-DD`.
    pub period_start: String,
    /// Last day, `YYYY-MM-DD`, not before the first.
    pub period_end: String,
    /// The target (≥ 0; at most 100 for a percentage).
    pub target: Option<f64>,
    /// A comment on the target.
    pub target_comment: Option<String>,
    /// The target broken down by sex, audience or region (needs a `target`).
    #[graphql(default)]
    pub target_disaggregations: Vec<DisaggregationInput>,
}

/// An indicator with its periods.
#[derive(InputObject)]
pub struct IndicatorInput {
    /// How values are expressed.
    pub measure: IndicatorMeasure,
    /// True (the default) when a higher value is better.
    #[graphql(default = true)]
    pub ascending: bool,
    /// True when the indicator counts people (its small counts are then suppressed on
    /// dashboards for partners and the public).
    #[graphql(default)]
    pub counts_people: bool,
    /// The title, in at least one language.
    pub title: LocalizedTextInput,
    /// The description.
    pub description: Option<LocalizedTextInput>,
    /// The year the baseline was measured (required with a baseline value or comment).
    pub baseline_year: Option<i32>,
    /// The baseline value.
    pub baseline_value: Option<f64>,
    /// A comment on the baseline.
    pub baseline_comment: Option<String>,
    /// Reporting periods.
    #[graphql(default)]
    pub periods: Vec<IndicatorPeriodInput>,
}

/// A new result of a project, with its indicators and their periods, created in one step.
#[derive(InputObject)]
pub struct CreateProjectResultInput {
    /// The project's ID.
    pub project_id: ID,
    /// Output, outcome, impact or other.
    pub result_type: ResultType,
    /// Whether the result's data may be aggregated across activities.
    #[graphql(default)]
    pub aggregation_status: bool,
    /// The title, in at least one language.
    pub title: LocalizedTextInput,
    /// The description.
    pub description: Option<LocalizedTextInput>,
    /// Indicators.
    #[graphql(default)]
    pub indicators: Vec<IndicatorInput>,
}

/// Changes to a result's own fields (its indicators and periods have their own mutations):
/// absent fields stay, `null` clears the description.
#[derive(InputObject)]
pub struct UpdateProjectResultInput {
    /// The result's ID.
    pub id: ID,
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub expected_version: i32,
    /// Output, outcome, impact or other.
    pub result_type: Option<ResultType>,
    /// Whether the result's data may be aggregated across activities.
    pub aggregation_status: Option<bool>,
    /// The title.
    pub title: MaybeUndefined<LocalizedTextInput>,
    /// The description.
    pub description: MaybeUndefined<LocalizedTextInput>,
}

/// Changes to an indicator's own fields (its periods have their own mutations): absent fields
/// stay, `null` clears an optional one. The measure may change only while the indicator has
/// no periods.
#[derive(InputObject)]
pub struct UpdateIndicatorInput {
    /// The indicator's ID.
    pub id: ID,
    /// The version you read; a stale one is refused with `CONFLICT`.
    pub expected_version: i32,
    /// How values are expressed.
    pub measure: Option<IndicatorMeasure>,
    /// True when a higher value is better.
    pub ascending: Option<bool>,
    /// True when the indicator counts people (its small counts are then suppressed on
    /// dashboards for partners and the public).
    pub counts_people: Option<bool>,
    /// The title, in at least one language.
    pub title: MaybeUndefined<LocalizedTextInput>,
    /// The description.
    pub description: MaybeUndefined<LocalizedTextInput>,
    /// The year the baseline was measured (required with a baseline value or comment).
    pub baseline_year: MaybeUndefined<i32>,
    /// The baseline value.
    pub baseline_value: MaybeUndefined<f64>,
    /// A comment on the baseline.
    pub baseline_comment: MaybeUndefined<String>,
}

fn parts(list: Vec<DisaggregationInput>) -> Vec<domain::DisaggregationInput> {
    list.into_iter()
        .map(|d| domain::DisaggregationInput {
            dimension: d.dimension.into(),
            value: d.value,
            amount: d.amount,
        })
        .collect()
}

fn period_input(p: IndicatorPeriodInput) -> domain::PeriodInput {
    domain::PeriodInput {
        start: p.period_start,
        end: p.period_end,
        target: p.target,
        target_comment: p.target_comment,
        target_disaggregations: parts(p.target_disaggregations),
    }
}

fn indicator_input(i: IndicatorInput) -> domain::IndicatorInput {
    domain::IndicatorInput {
        measure: i.measure.into(),
        ascending: i.ascending,
        counts_people: i.counts_people,
        title: i.title.into(),
        description: i.description.map(Into::into).unwrap_or_default(),
        baseline_year: i.baseline_year,
        baseline_value: i.baseline_value,
        baseline_comment: i.baseline_comment,
        periods: i.periods.into_iter().map(period_input).collect(),
    }
}

fn opt_float(value: Option<f64>) -> Cell {
    value.map_or(Cell::Null, Cell::Float)
}

fn result_cells(r: &domain::NewResult) -> Cells {
    let mut cells: Cells = write::text_cells(TITLE, &r.title).into();
    cells.extend(write::text_cells(DESCRIPTION, &r.description));
    cells.extend([
        ("result_type", Cell::Text(r.result_type.code().to_owned())),
        ("aggregation_status", Cell::Bool(r.aggregation_status)),
    ]);
    cells
}

/// The ids of a period's parents, copied onto it (see the migration).
struct PeriodParents<'a> {
    indicator_id: &'a str,
    result_id: &'a str,
    project_id: &'a str,
}

/// Writes a period's disaggregated values of one kind.
async fn write_values(
    ctx: &Context<'_>,
    period_id: &str,
    project_id: &str,
    kind: domain::PeriodValueKind,
    values: &[domain::Disaggregation],
) -> Result<()> {
    for part in values {
        write::insert_child(
            ctx,
            "indicator_period_values",
            vec![
                ("id", Cell::Text(write::new_id())),
                ("period_id", Cell::Text(period_id.to_owned())),
                ("project_id", Cell::Text(project_id.to_owned())),
                ("kind", Cell::Text(kind.code().to_owned())),
                (
                    "dimension",
                    Cell::Text(part.value.dimension().code().to_owned()),
                ),
                ("dimension_value", Cell::Text(part.value.code().to_owned())),
                ("value", Cell::Float(part.amount)),
            ],
        )
        .await?;
    }
    Ok(())
}

/// Creates a period with its target and disaggregated target, audited.
async fn create_period(
    ctx: &Context<'_>,
    parents: &PeriodParents<'_>,
    period: &domain::NewPeriod,
) -> Result<String> {
    let id = write::new_id();
    let cells = vec![
        ("id", Cell::Text(id.clone())),
        ("indicator_id", Cell::Text(parents.indicator_id.to_owned())),
        ("result_id", Cell::Text(parents.result_id.to_owned())),
        ("project_id", Cell::Text(parents.project_id.to_owned())),
        ("period_start", Cell::Text(period.start.to_string())),
        ("period_end", Cell::Text(period.end.to_string())),
        ("target_value", opt_float(period.target)),
        (
            "target_comment",
            Cell::opt_text(period.target_comment.as_deref()),
        ),
    ];
    // The values are inserted before the period's audit snapshot would miss them: create the
    // row, then its values, then record the creation with both.
    let store = &deps(ctx).store;
    store.insert("indicator_periods", &cells).await.gql()?;
    write_values(
        ctx,
        &id,
        parents.project_id,
        domain::PeriodValueKind::Target,
        &period.target_disaggregations,
    )
    .await?;
    write::record_created(
        ctx,
        "IndicatorPeriod",
        "indicator_periods",
        &id,
        "createIndicatorPeriod",
    )
    .await?;
    Ok(id)
}

/// An indicator's own columns (not its ids, nor its periods).
fn indicator_cells(indicator: &domain::NewIndicator) -> Cells {
    let mut cells: Cells = write::text_cells(TITLE, &indicator.title).into();
    cells.extend(write::text_cells(DESCRIPTION, &indicator.description));
    let baseline = indicator.baseline.as_ref();
    cells.extend([
        ("measure", Cell::Text(indicator.measure.code().to_owned())),
        ("ascending", Cell::Bool(indicator.ascending)),
        ("counts_people", Cell::Bool(indicator.counts_people)),
        (
            "baseline_year",
            baseline.map_or(Cell::Null, |b| Cell::Int(i64::from(b.year))),
        ),
        ("baseline_value", opt_float(baseline.and_then(|b| b.value))),
        (
            "baseline_comment",
            Cell::opt_text(baseline.and_then(|b| b.comment.as_deref())),
        ),
    ]);
    cells
}

/// Creates an indicator with its periods, audited.
async fn create_indicator(
    ctx: &Context<'_>,
    result_id: &str,
    project_id: &str,
    indicator: &domain::NewIndicator,
) -> Result<()> {
    let id = write::new_id();
    let mut cells = indicator_cells(indicator);
    cells.extend([
        ("id", Cell::Text(id.clone())),
        ("result_id", Cell::Text(result_id.to_owned())),
        ("project_id", Cell::Text(project_id.to_owned())),
    ]);
    write::create(
        ctx,
        "Indicator",
        "result_indicators",
        &id,
        cells,
        "createIndicator",
    )
    .await?;
    let parents = PeriodParents {
        indicator_id: &id,
        result_id,
        project_id,
    };
    for period in &indicator.periods {
        create_period(ctx, &parents, period).await?;
    }
    Ok(())
}

async fn result_node(ctx: &Context<'_>, id: &str) -> Result<ProjectResultNode> {
    Ok(ProjectResultNode(load(ctx, id, "project result").await?))
}

async fn period_node(ctx: &Context<'_>, id: &str) -> Result<IndicatorPeriodNode> {
    Ok(IndicatorPeriodNode(
        load(ctx, id, "indicator period").await?,
    ))
}

#[Object]
impl ResultMutation {
    /// Creates a result of a project with its indicators and their periods in one step (all
    /// or nothing). Allowed to editors and administrators, to regional officers for projects
    /// located in their regions, and to a partner for projects its organisation implements.
    /// With an `idempotencyKey`, a retry returns the first result.
    async fn create_project_result(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The result.")] input: CreateProjectResultInput,
        #[graphql(desc = "A key that makes a retried request return the first result.")]
        idempotency_key: Option<String>,
    ) -> Result<ProjectResultNode> {
        let id = write::idempotent(
            ctx,
            idempotency_key.as_deref(),
            "createProjectResult",
            || async {
                let project_id = local(&input.project_id, "Project")?;
                let raw = domain::ResultInput {
                    project_id: project_id.clone(),
                    result_type: input.result_type.into(),
                    aggregation_status: input.aggregation_status,
                    title: input.title.into(),
                    description: input.description.map(Into::into).unwrap_or_default(),
                    indicators: input.indicators.into_iter().map(indicator_input).collect(),
                };
                // The project is the result's parent, not a mere reference: one outside the
                // caller's reach is `NOT_FOUND`, as for any record.
                let _: domain::Project = load(ctx, &project_id, "project").await?;
                let command = References::default().finish(domain::NewResult::try_from(raw))?;
                let id = write::new_id();
                let project_id = command.project_id.as_str();
                let mut cells = result_cells(&command);
                cells.push(("id", Cell::Text(id.clone())));
                cells.push(("project_id", Cell::Text(project_id.to_owned())));
                write::create(
                    ctx,
                    "ProjectResult",
                    "project_results",
                    &id,
                    cells,
                    "createProjectResult",
                )
                .await?;
                for indicator in &command.indicators {
                    create_indicator(ctx, &id, project_id, indicator).await?;
                }
                Ok(id)
            },
        )
        .await?;
        result_node(ctx, &id).await
    }

    /// Updates a result's type, aggregation status, title or description at
    /// `expectedVersion`; the whole result is validated.
    async fn update_project_result(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateProjectResultInput,
    ) -> Result<ProjectResultNode> {
        let id = local(&input.id, "ProjectResult")?;
        let current: domain::ProjectResult = load(ctx, &id, "project result").await?;
        ensure_version(
            &current.meta,
            input.expected_version,
            "project_results",
            &id,
        )?;
        let raw = domain::ResultInput {
            project_id: current.project_id.to_string(),
            result_type: input.result_type.map_or(current.result_type, Into::into),
            aggregation_status: input
                .aggregation_status
                .unwrap_or(current.aggregation_status),
            title: merge_text(&current.title, input.title),
            description: merge_text(&current.description, input.description),
            indicators: Vec::new(),
        };
        let command = References::default().finish(domain::NewResult::try_from(raw))?;
        write::update(
            ctx,
            "ProjectResult",
            "project_results",
            &id,
            input.expected_version,
            result_cells(&command),
            "updateProjectResult",
            None,
        )
        .await?;
        result_node(ctx, &id).await
    }

    /// Updates an indicator's measure, direction, title, description or baseline at
    /// `expectedVersion`; the whole indicator is validated as on creation. The measure may
    /// change only while the indicator has no periods (`MEASURE_FIXED_BY_PERIODS`): their
    /// targets and actuals are expressed in it. Allowed to whoever may change the project's
    /// results.
    async fn update_indicator(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The changes.")] input: UpdateIndicatorInput,
    ) -> Result<IndicatorNode> {
        let id = local(&input.id, "Indicator")?;
        let current: domain::Indicator = load(ctx, &id, "indicator").await?;
        ensure_version(
            &current.meta,
            input.expected_version,
            "result_indicators",
            &id,
        )?;
        // Every period counts, whoever asks: the rule is about the data, not the reader.
        let periods = deps(ctx)
            .store
            .unscoped()
            .child_counts::<domain::IndicatorPeriod>(
                &rel::INDICATOR_PERIODS,
                std::slice::from_ref(&id),
                &ListQuery {
                    include_archived: true,
                    ..ListQuery::first(0)
                },
            )
            .await
            .gql()?;
        let baseline = current.baseline.as_ref();
        let raw = domain::IndicatorInput {
            measure: input.measure.map_or(current.measure, Into::into),
            ascending: input.ascending.unwrap_or(current.ascending),
            counts_people: input.counts_people.unwrap_or(current.counts_people),
            title: merge_text(&current.title, input.title),
            description: merge_text(&current.description, input.description),
            baseline_year: merge(baseline.map(|b| b.year), input.baseline_year),
            baseline_value: merge(baseline.and_then(|b| b.value), input.baseline_value),
            baseline_comment: merge(
                baseline.and_then(|b| b.comment.clone()),
                input.baseline_comment,
            ),
            periods: Vec::new(),
        };
        let has_periods = periods.get(&id).is_some_and(|n| *n > 0);
        let command = domain::NewIndicator::validate_change(&raw, current.measure, has_periods)
            .map_err(crate::error::ApiError::from)
            .gql()?;
        write::update(
            ctx,
            "Indicator",
            "result_indicators",
            &id,
            input.expected_version,
            indicator_cells(&command),
            "updateIndicator",
            None,
        )
        .await?;
        Ok(IndicatorNode(load(ctx, &id, "indicator").await?))
    }

    /// Adds a reporting period, with its target, to an indicator. With an `idempotencyKey`, a
    /// retry returns the first result.
    async fn add_indicator_period(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The indicator's ID.")] indicator_id: ID,
        #[graphql(desc = "The period.")] input: IndicatorPeriodInput,
        #[graphql(desc = "A key that makes a retried request return the first result.")]
        idempotency_key: Option<String>,
    ) -> Result<IndicatorPeriodNode> {
        let id = write::idempotent(
            ctx,
            idempotency_key.as_deref(),
            "addIndicatorPeriod",
            || async {
                let indicator_id = local(&indicator_id, "Indicator")?;
                let indicator: domain::Indicator = load(ctx, &indicator_id, "indicator").await?;
                let period = domain::NewPeriod::validate(&period_input(input), indicator.measure)
                    .map_err(crate::error::ApiError::from)
                    .gql()?;
                let parents = PeriodParents {
                    indicator_id: indicator.id.as_str(),
                    result_id: indicator.result_id.as_str(),
                    project_id: indicator.project_id.as_str(),
                };
                create_period(ctx, &parents, &period).await
            },
        )
        .await?;
        period_node(ctx, &id).await
    }

    /// Records a period's actual at `expectedVersion` (a stale one is `CONFLICT`), replacing
    /// its disaggregated actual values. The actual is ≥ 0 (at most 100 for a percentage), and
    /// the parts of one dimension may not add up to more than it. Allowed to whoever may
    /// change the project's results, including a partner for projects its organisation
    /// implements.
    async fn record_indicator_actual(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The period's ID.")] period_id: ID,
        #[graphql(desc = "The version you read; a stale one is refused with `CONFLICT`.")]
        expected_version: i32,
        #[graphql(desc = "The value reached.")] actual: f64,
        #[graphql(
            desc = "The value broken down by sex, audience or region (replaces the stored breakdown; absent or null for none)."
        )]
        disaggregations: Option<Vec<DisaggregationInput>>,
        #[graphql(desc = "A comment on the actual.")] comment: Option<String>,
    ) -> Result<IndicatorPeriodNode> {
        let id = local(&period_id, "IndicatorPeriod")?;
        let period: domain::IndicatorPeriod = load(ctx, &id, "indicator period").await?;
        ensure_version(&period.meta, expected_version, "indicator_periods", &id)?;
        let indicator: domain::Indicator =
            load(ctx, period.indicator_id.as_str(), "indicator").await?;
        let input = domain::ActualInput {
            actual,
            comment,
            disaggregations: parts(disaggregations.unwrap_or_default()),
        };
        let command = domain::NewActual::validate(&input, indicator.measure)
            .map_err(crate::error::ApiError::from)
            .gql()?;
        let cells = vec![
            ("actual_value", Cell::Float(command.actual)),
            ("actual_comment", Cell::opt_text(command.comment.as_deref())),
        ];
        let project_id = period.project_id.as_str();
        write::update_then(
            ctx,
            "IndicatorPeriod",
            "indicator_periods",
            &id,
            expected_version,
            cells,
            "recordIndicatorActual",
            None,
            || async {
                deps(ctx)
                    .store
                    .delete_matching(
                        "indicator_period_values",
                        &[
                            ("period_id", id.as_str()),
                            ("kind", domain::PeriodValueKind::Actual.code()),
                        ],
                    )
                    .await
                    .gql()?;
                write_values(
                    ctx,
                    &id,
                    project_id,
                    domain::PeriodValueKind::Actual,
                    &command.disaggregations,
                )
                .await
            },
        )
        .await?;
        period_node(ctx, &id).await
    }
}
