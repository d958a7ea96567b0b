//! A project's results (issue 5): results, their indicators and the indicators' periods with
//! target, actual, achievement and disaggregations. Every level is loaded through the batching
//! loader, one statement per level whatever the number of parents.

use async_graphql::{Context, ID, Object, Result};
use sharaka_domain as domain;
use sharaka_domain::IatiCoded;
use sharaka_persistence::relations as rel;

use super::*;
use crate::schema::ids;
use crate::schema::resolve::{all_children, children, required};
use crate::schema::scalars::*;

/// A result of a project (IATI `result`): what it intends to change, at one level of the
/// results chain, measured by its indicators.
#[Object(name = "ProjectResult")]
impl ProjectResultNode {
    /// The opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        ids::encode("ProjectResult", self.0.id.as_str())
    }
    /// The stable local identifier.
    async fn local_id(&self) -> &str {
        self.0.id.as_str()
    }
    /// The record's version, for optimistic concurrency: pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.meta.version
    }
    /// When the record was created.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.updated_at
    }
    /// The record's history: every change, oldest first.
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        Ok(AuditEventConnection(
            children(ctx, rel::RECORD_HISTORY, self.0.id.as_str(), first, after)
                .await?
                .map(AuditEventNode),
        ))
    }
    /// The project the result belongs to.
    async fn project(&self, ctx: &Context<'_>) -> Result<ProjectNode> {
        Ok(ProjectNode(
            required::<domain::Project>(ctx, self.0.project_id.as_str()).await?,
        ))
    }
    /// Output, outcome, impact or other.
    async fn result_type(&self) -> ResultType {
        self.0.result_type.into()
    }
    /// The IATI ResultType code (1, 2, 3 or 9).
    async fn result_type_code(&self) -> i32 {
        self.0.result_type.iati_code()
    }
    /// The result type's label.
    async fn result_type_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.result_type, lang)
    }
    /// Whether the result's data may be aggregated across activities (IATI
    /// `aggregation-status`).
    async fn aggregation_status(&self) -> bool {
        self.0.aggregation_status
    }
    /// The title.
    async fn title(&self) -> LocalizedText {
        LocalizedText(self.0.title.clone())
    }
    /// The description.
    async fn description(&self) -> LocalizedText {
        LocalizedText(self.0.description.clone())
    }
    /// The indicators that measure the result.
    async fn indicators(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IndicatorConnection> {
        Ok(IndicatorConnection(
            children(
                ctx,
                rel::RESULT_INDICATORS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(IndicatorNode),
        ))
    }
}

/// How a result is measured: a measure, a direction, a baseline and reporting periods.
#[Object(name = "Indicator")]
impl IndicatorNode {
    /// The opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        ids::encode("Indicator", self.0.id.as_str())
    }
    /// The stable local identifier.
    async fn local_id(&self) -> &str {
        self.0.id.as_str()
    }
    /// The record's version.
    async fn version(&self) -> i32 {
        self.0.meta.version
    }
    /// When the record was created.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.updated_at
    }
    /// The record's history: every change, oldest first.
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        Ok(AuditEventConnection(
            children(ctx, rel::RECORD_HISTORY, self.0.id.as_str(), first, after)
                .await?
                .map(AuditEventNode),
        ))
    }
    /// The result the indicator measures.
    async fn result(&self, ctx: &Context<'_>) -> Result<ProjectResultNode> {
        Ok(ProjectResultNode(
            required::<domain::ProjectResult>(ctx, self.0.result_id.as_str()).await?,
        ))
    }
    /// How values are expressed: unit, percentage, nominal, ordinal or qualitative.
    async fn measure(&self) -> IndicatorMeasure {
        self.0.measure.into()
    }
    /// The IATI IndicatorMeasure code (1–5).
    async fn measure_code(&self) -> i32 {
        self.0.measure.iati_code()
    }
    /// The measure's label.
    async fn measure_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.measure, lang)
    }
    /// True when a higher value is better; false when lower is better (e.g. reoffending).
    async fn ascending(&self) -> bool {
        self.0.ascending
    }
    /// True when the indicator counts people; its small disaggregated counts are then
    /// suppressed on dashboards for partners and the public.
    async fn counts_people(&self) -> bool {
        self.0.counts_people
    }
    /// The title.
    async fn title(&self) -> LocalizedText {
        LocalizedText(self.0.title.clone())
    }
    /// The description.
    async fn description(&self) -> LocalizedText {
        LocalizedText(self.0.description.clone())
    }
    /// The year the baseline was measured; null without a baseline.
    async fn baseline_year(&self) -> Option<i32> {
        self.0.baseline.as_ref().map(|b| b.year)
    }
    /// The baseline value.
    async fn baseline_value(&self) -> Option<f64> {
        self.0.baseline.as_ref().and_then(|b| b.value)
    }
    /// A comment on the baseline.
    async fn baseline_comment(&self) -> Option<&str> {
        self.0.baseline.as_ref().and_then(|b| b.comment.as_deref())
    }
    /// The reporting periods, in the order they were added.
    async fn periods(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<IndicatorPeriodConnection> {
        Ok(IndicatorPeriodConnection(
            children(
                ctx,
                rel::INDICATOR_PERIODS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(IndicatorPeriodNode),
        ))
    }
}

/// One reporting period of an indicator: its target and, once recorded, its actual.
#[Object(name = "IndicatorPeriod")]
impl IndicatorPeriodNode {
    /// The opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        ids::encode("IndicatorPeriod", self.0.id.as_str())
    }
    /// The stable local identifier.
    async fn local_id(&self) -> &str {
        self.0.id.as_str()
    }
    /// The record's version: pass it as `expectedVersion` to `recordIndicatorActual`.
    async fn version(&self) -> i32 {
        self.0.meta.version
    }
    /// When the record last changed.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.updated_at
    }
    /// The record's history: every change, oldest first.
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        Ok(AuditEventConnection(
            children(ctx, rel::RECORD_HISTORY, self.0.id.as_str(), first, after)
                .await?
                .map(AuditEventNode),
        ))
    }
    /// The indicator the period belongs to.
    async fn indicator(&self, ctx: &Context<'_>) -> Result<IndicatorNode> {
        Ok(IndicatorNode(
            required::<domain::Indicator>(ctx, self.0.indicator_id.as_str()).await?,
        ))
    }
    /// First day (`YYYY-MM-DD`).
    async fn period_start(&self) -> chrono::NaiveDate {
        self.0.start
    }
    /// Last day (`YYYY-MM-DD`).
    async fn period_end(&self) -> chrono::NaiveDate {
        self.0.end
    }
    /// The target; null when none was set.
    async fn target(&self) -> Option<f64> {
        self.0.target
    }
    /// A comment on the target.
    async fn target_comment(&self) -> Option<&str> {
        self.0.target_comment.as_deref()
    }
    /// The actual; null until recorded.
    async fn actual(&self) -> Option<f64> {
        self.0.actual
    }
    /// A comment on the actual.
    async fn actual_comment(&self) -> Option<&str> {
        self.0.actual_comment.as_deref()
    }
    /// How far the actual has come towards the target (1.0 = met; may exceed 1). For a
    /// descending indicator, the share of the planned reduction from the baseline achieved.
    /// Null without a target or an actual.
    async fn achievement(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        if self.0.target.is_none() || self.0.actual.is_none() {
            return Ok(None);
        }
        let indicator = required::<domain::Indicator>(ctx, self.0.indicator_id.as_str()).await?;
        Ok(domain::achievement(
            self.0.target,
            self.0.actual,
            indicator.ascending,
            indicator.baseline.and_then(|b| b.value),
        ))
    }
    /// The target broken down by sex, audience or region.
    async fn target_disaggregations(&self, ctx: &Context<'_>) -> Result<Vec<DisaggregationNode>> {
        self.parts(ctx, domain::PeriodValueKind::Target).await
    }
    /// The actual broken down by sex, audience or region.
    async fn actual_disaggregations(&self, ctx: &Context<'_>) -> Result<Vec<DisaggregationNode>> {
        self.parts(ctx, domain::PeriodValueKind::Actual).await
    }
}

impl IndicatorPeriodNode {
    async fn parts(
        &self,
        ctx: &Context<'_>,
        kind: domain::PeriodValueKind,
    ) -> Result<Vec<DisaggregationNode>> {
        Ok(
            all_children::<domain::PeriodValue>(ctx, rel::PERIOD_VALUES, self.0.id.as_str())
                .await?
                .into_iter()
                .filter(|v| v.kind == kind)
                .map(|v| DisaggregationNode(v.part))
                .collect(),
        )
    }
}

/// A part of a period's target or actual, for one value of one dimension.
#[Object(name = "Disaggregation")]
impl DisaggregationNode {
    /// The dimension: sex, audience or region.
    async fn dimension(&self) -> DisaggregationDimension {
        self.0.value.dimension().into()
    }
    /// The dimension's label.
    async fn dimension_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.value.dimension(), lang)
    }
    /// The value's code: a `Sex` or `TrainingAudience` value, or a region code (`MA-04`).
    async fn value(&self) -> &str {
        self.0.value.code()
    }
    /// The value's label (a region's code is its own label; its name is on `Region`).
    async fn value_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> String {
        match &self.0.value {
            domain::DimensionValue::Sex(s) => label(ctx, *s, lang).to_owned(),
            domain::DimensionValue::Audience(a) => label(ctx, *a, lang).to_owned(),
            domain::DimensionValue::Region(r) => r.to_string(),
        }
    }
    /// The part's amount.
    async fn amount(&self) -> f64 {
        self.0.amount
    }
}
