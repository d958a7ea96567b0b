//! The `<result>` elements of the IATI 2.03 export (issue 5), in the schema's order: title,
//! description, then each indicator with its title, description, baseline and periods (start,
//! end, targets, actuals). A total is one `<target>`/`<actual>` without dimension; each
//! disaggregated part is another with its `<dimension name value>`. A result without
//! indicators is left out, since IATI requires at least one.

use std::collections::HashMap;
use std::fmt::Write as _;

use sharaka_domain::{self as domain, IatiCoded};
use sharaka_persistence::relations as rel;
use sharaka_persistence::{ListQuery, Store};

use super::{BATCH, esc, narratives};
use crate::error::ApiError;

/// A project's results with their indicators, periods and disaggregated values.
#[derive(Default)]
pub(super) struct Results {
    results: HashMap<String, Vec<domain::ProjectResult>>,
    indicators: HashMap<String, Vec<domain::Indicator>>,
    periods: HashMap<String, Vec<domain::IndicatorPeriod>>,
    values: HashMap<String, Vec<domain::PeriodValue>>,
}

/// Loads the results of `project_ids`: one statement per level and batch.
pub(super) async fn load(store: &Store, project_ids: &[String]) -> Result<Results, ApiError> {
    let children = ListQuery::first(1_000);
    let mut out = Results::default();
    for chunk in project_ids.chunks(BATCH as usize) {
        out.results.extend(
            store
                .children::<domain::ProjectResult>(&rel::PROJECT_RESULTS, chunk, &children)
                .await?,
        );
    }
    let result_ids: Vec<String> = out
        .results
        .values()
        .flatten()
        .map(|r| r.id.to_string())
        .collect();
    for chunk in result_ids.chunks(BATCH as usize) {
        out.indicators.extend(
            store
                .children::<domain::Indicator>(&rel::RESULT_INDICATORS, chunk, &children)
                .await?,
        );
    }
    let indicator_ids: Vec<String> = out
        .indicators
        .values()
        .flatten()
        .map(|i| i.id.to_string())
        .collect();
    for chunk in indicator_ids.chunks(BATCH as usize) {
        out.periods.extend(
            store
                .children::<domain::IndicatorPeriod>(&rel::INDICATOR_PERIODS, chunk, &children)
                .await?,
        );
    }
    let period_ids: Vec<String> = out
        .periods
        .values()
        .flatten()
        .map(|p| p.id.to_string())
        .collect();
    for chunk in period_ids.chunks(BATCH as usize) {
        out.values.extend(
            store
                .children::<domain::PeriodValue>(&rel::PERIOD_VALUES, chunk, &children)
                .await?,
        );
    }
    Ok(out)
}

fn flag(value: bool) -> &'static str {
    if value { "1" } else { "0" }
}

/// The IATI name of a dimension and the value it takes (codes, lower-cased as IATI examples
/// write them: `sex` = `female`).
fn dimension(value: &domain::DimensionValue) -> (&'static str, String) {
    let name = match value.dimension() {
        domain::DisaggregationDimension::Sex => "sex",
        domain::DisaggregationDimension::Audience => "audience",
        domain::DisaggregationDimension::Region => "region",
    };
    let code = match value {
        domain::DimensionValue::Region(r) => r.to_string(),
        other => other.code().to_ascii_lowercase(),
    };
    (name, code)
}

/// `<target>` or `<actual>`: the total, then one per disaggregated part.
fn values(
    out: &mut String,
    element: &str,
    total: Option<f64>,
    comment: Option<&str>,
    parts: &[&domain::PeriodValue],
) {
    let Some(total) = total else { return };
    let _ = write!(out, "<{element} value=\"{total}\">");
    if let Some(comment) = comment {
        let _ = write!(
            out,
            "<comment><narrative>{}</narrative></comment>",
            esc(comment)
        );
    }
    let _ = write!(out, "</{element}>");
    for part in parts {
        let (name, value) = dimension(&part.part.value);
        let _ = write!(
            out,
            "<{element} value=\"{}\"><dimension name=\"{name}\" value=\"{}\"/></{element}>",
            part.part.amount,
            esc(&value)
        );
    }
}

/// Writes the `<result>` elements of one project.
pub(super) fn write_results(out: &mut String, project_id: &str, all: &Results) {
    let empty = Vec::new();
    for result in all.results.get(project_id).unwrap_or(&empty) {
        let indicators = all
            .indicators
            .get(result.id.as_str())
            .unwrap_or(&Vec::new())
            .clone();
        if indicators.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            "<result type=\"{}\" aggregation-status=\"{}\"><title>",
            result.result_type.iati_code(),
            flag(result.aggregation_status)
        );
        narratives(out, &result.title, result.id.as_str());
        out.push_str("</title>");
        if !result.description.is_empty() {
            out.push_str("<description>");
            narratives(out, &result.description, "");
            out.push_str("</description>");
        }
        for indicator in &indicators {
            let _ = write!(
                out,
                "<indicator measure=\"{}\" ascending=\"{}\"><title>",
                indicator.measure.iati_code(),
                flag(indicator.ascending)
            );
            narratives(out, &indicator.title, indicator.id.as_str());
            out.push_str("</title>");
            if !indicator.description.is_empty() {
                out.push_str("<description>");
                narratives(out, &indicator.description, "");
                out.push_str("</description>");
            }
            if let Some(baseline) = &indicator.baseline {
                let _ = write!(out, "<baseline year=\"{}\"", baseline.year);
                if let Some(value) = baseline.value {
                    let _ = write!(out, " value=\"{value}\"");
                }
                out.push('>');
                if let Some(comment) = &baseline.comment {
                    let _ = write!(
                        out,
                        "<comment><narrative>{}</narrative></comment>",
                        esc(comment)
                    );
                }
                out.push_str("</baseline>");
            }
            for period in all
                .periods
                .get(indicator.id.as_str())
                .unwrap_or(&Vec::new())
            {
                let _ = write!(
                    out,
                    "<period><period-start iso-date=\"{}\"/><period-end iso-date=\"{}\"/>",
                    period.start, period.end
                );
                let stored = all.values.get(period.id.as_str());
                let parts = |kind: domain::PeriodValueKind| -> Vec<&domain::PeriodValue> {
                    stored
                        .into_iter()
                        .flatten()
                        .filter(|v| v.kind == kind)
                        .collect()
                };
                values(
                    out,
                    "target",
                    period.target,
                    period.target_comment.as_deref(),
                    &parts(domain::PeriodValueKind::Target),
                );
                values(
                    out,
                    "actual",
                    period.actual,
                    period.actual_comment.as_deref(),
                    &parts(domain::PeriodValueKind::Actual),
                );
                out.push_str("</period>");
            }
            out.push_str("</indicator>");
        }
        out.push_str("</result>");
    }
}
