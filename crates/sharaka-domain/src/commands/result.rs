//! Results, indicators, periods and actuals (issue 5): a result is created with its indicators
//! and their periods in one step; periods are added and actuals recorded later. Values are
//! finite and ≥ 0; a percentage indicator's values are at most 100; a disaggregation lists each
//! value of a dimension once, with codes of that dimension, and its parts never add up to more
//! than the total they break down.

use chrono::NaiveDate;

use super::{Check, MAX_PROSE_CHARS};
use crate::codes::{DisaggregationDimension, IndicatorMeasure, ResultType};
use crate::error::DomainError;
use crate::ids::ProjectId;
use crate::problem::Problem;
use crate::results::{Baseline, DimensionValue, Disaggregation};
use crate::text::LocalizedText;

/// The earliest and latest years a baseline may be measured in.
const BASELINE_YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// One part of a disaggregated value as submitted (`…disaggregations[i]`).
#[derive(Debug, Clone, PartialEq)]
pub struct DisaggregationInput {
    /// The dimension (`dimension`).
    pub dimension: DisaggregationDimension,
    /// A code of the dimension: a sex, an audience or a region code (`value`).
    pub value: String,
    /// The part's amount (`amount`).
    pub amount: f64,
}

/// A reporting period as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodInput {
    /// First day, `YYYY-MM-DD` (`periodStart`).
    pub start: String,
    /// Last day, `YYYY-MM-DD`, not before the first (`periodEnd`).
    pub end: String,
    /// The target (`target`).
    pub target: Option<f64>,
    /// A comment on the target (`targetComment`).
    pub target_comment: Option<String>,
    /// The target broken down (`targetDisaggregations`).
    pub target_disaggregations: Vec<DisaggregationInput>,
}

/// An indicator as submitted, with its periods.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorInput {
    /// How values are expressed (`measure`).
    pub measure: IndicatorMeasure,
    /// Whether higher is better (`ascending`).
    pub ascending: bool,
    /// Whether the indicator counts people (`countsPeople`).
    pub counts_people: bool,
    /// Title in at least one language (`title`).
    pub title: LocalizedText,
    /// Description (`description`).
    pub description: LocalizedText,
    /// Baseline year (`baselineYear`), required when a baseline value or comment is given.
    pub baseline_year: Option<i32>,
    /// Baseline value (`baselineValue`).
    pub baseline_value: Option<f64>,
    /// Baseline comment (`baselineComment`).
    pub baseline_comment: Option<String>,
    /// Periods (`periods`).
    pub periods: Vec<PeriodInput>,
}

/// A project result as submitted, with its indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultInput {
    /// The project (`projectId`).
    pub project_id: String,
    /// Output, outcome, impact or other (`resultType`).
    pub result_type: ResultType,
    /// Whether its data may be aggregated across activities (`aggregationStatus`).
    pub aggregation_status: bool,
    /// Title in at least one language (`title`).
    pub title: LocalizedText,
    /// Description (`description`).
    pub description: LocalizedText,
    /// Indicators (`indicators`).
    pub indicators: Vec<IndicatorInput>,
}

/// An actual as submitted for a period of an indicator measured in `measure`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActualInput {
    /// The value reached (`actual`).
    pub actual: f64,
    /// A comment (`comment`).
    pub comment: Option<String>,
    /// The value broken down (`disaggregations`).
    pub disaggregations: Vec<DisaggregationInput>,
}

/// A valid period to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPeriod {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub target: Option<f64>,
    pub target_comment: Option<String>,
    pub target_disaggregations: Vec<Disaggregation>,
}

/// A valid indicator to create, with its periods.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIndicator {
    pub measure: IndicatorMeasure,
    pub ascending: bool,
    pub counts_people: bool,
    pub title: LocalizedText,
    pub description: LocalizedText,
    pub baseline: Option<Baseline>,
    pub periods: Vec<NewPeriod>,
}

/// A valid result to create (or, without indicators, the fields of an update).
#[derive(Debug, Clone, PartialEq)]
pub struct NewResult {
    pub project_id: ProjectId,
    pub result_type: ResultType,
    pub aggregation_status: bool,
    pub title: LocalizedText,
    pub description: LocalizedText,
    pub indicators: Vec<NewIndicator>,
}

/// A valid actual to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewActual {
    pub actual: f64,
    pub comment: Option<String>,
    pub disaggregations: Vec<Disaggregation>,
}

impl Check {
    /// A value of an indicator measured in `measure`: finite, ≥ 0, and ≤ 100 for a percentage.
    fn measured(&mut self, path: &str, value: f64, measure: IndicatorMeasure) -> bool {
        let problem = if !value.is_finite() {
            Some(Problem::InvalidNumber)
        } else if value < 0.0 {
            Some(Problem::Negative)
        } else if measure == IndicatorMeasure::Percentage && value > 100.0 {
            Some(Problem::PercentageOver100)
        } else {
            None
        };
        match problem {
            Some(problem) => {
                self.add(path, problem);
                false
            }
            None => true,
        }
    }

    /// A required `YYYY-MM-DD` day.
    fn day(&mut self, path: &str, raw: &str) -> Option<NaiveDate> {
        let raw = raw.trim();
        if raw.is_empty() {
            self.add(path, Problem::Required);
            return None;
        }
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(day) => Some(day),
            Err(_) => {
                self.add(path, Problem::InvalidDate);
                None
            }
        }
    }

    /// The parts of a `total` under `path[i]`: codes of their dimension, each listed once,
    /// each a valid value, and per dimension adding up to no more than the total. Without a
    /// total, parts are refused at `total_path` (`REQUIRED`).
    fn disaggregations(
        &mut self,
        path: &str,
        parts: &[DisaggregationInput],
        total: Option<f64>,
        total_path: &str,
        measure: IndicatorMeasure,
    ) -> Vec<Disaggregation> {
        if parts.is_empty() {
            return Vec::new();
        }
        if total.is_none() {
            self.add(total_path, Problem::Required);
        }
        let mut out: Vec<Disaggregation> = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let at = |field: &str| format!("{path}[{i}].{field}");
            let value = match DimensionValue::parse(part.dimension, &part.value) {
                Ok(value) => Some(value),
                Err(problem) => {
                    self.add(at("value"), problem);
                    None
                }
            };
            let amount_ok = self.measured(&at("amount"), part.amount, measure);
            let Some(value) = value else { continue };
            if out.iter().any(|d| d.value == value) {
                self.add(at("value"), Problem::DuplicateEntry);
                continue;
            }
            if amount_ok {
                out.push(Disaggregation {
                    value,
                    amount: part.amount,
                });
            }
        }
        // Percentages of sub-groups do not add up to the group's percentage; an invalid total
        // is reported on its own.
        let comparable =
            |t: &f64| t.is_finite() && *t >= 0.0 && measure != IndicatorMeasure::Percentage;
        if let Some(total) = total.filter(comparable) {
            for dimension in [
                DisaggregationDimension::Sex,
                DisaggregationDimension::Audience,
                DisaggregationDimension::Region,
            ] {
                let sum: f64 = out
                    .iter()
                    .filter(|d| d.value.dimension() == dimension)
                    .map(|d| d.amount)
                    .sum();
                // A tolerance for decimal fractions that binary floats cannot hold exactly.
                if sum > total + 1e-9 * total.abs().max(1.0) {
                    self.add(path, Problem::DisaggregationExceedsTotal);
                    break;
                }
            }
        }
        out
    }

    fn period(&mut self, path: &str, input: &PeriodInput, measure: IndicatorMeasure) -> NewPeriod {
        let at = |field: &str| {
            if path.is_empty() {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            }
        };
        let start = self.day(&at("periodStart"), &input.start);
        let end = self.day(&at("periodEnd"), &input.end);
        if let (Some(start), Some(end)) = (start, end)
            && end < start
        {
            self.add(
                at("periodEnd"),
                Problem::DateOrder {
                    earlier_field: "periodStart",
                },
            );
        }
        if let Some(target) = input.target {
            self.measured(&at("target"), target, measure);
        }
        let target_comment = self.label(
            &at("targetComment"),
            input.target_comment.as_deref(),
            MAX_PROSE_CHARS,
        );
        let target_disaggregations = self.disaggregations(
            &at("targetDisaggregations"),
            &input.target_disaggregations,
            input.target,
            &at("target"),
            measure,
        );
        NewPeriod {
            start: start.unwrap_or_default(),
            end: end.unwrap_or_default(),
            target: input.target,
            target_comment,
            target_disaggregations,
        }
    }

    fn indicator(&mut self, path: &str, input: &IndicatorInput) -> NewIndicator {
        let at = |field: &str| format!("{path}.{field}");
        let title = self.title(&at("title"), &input.title);
        let description = self.prose(&at("description"), &input.description);
        if let Some(value) = input.baseline_value {
            self.measured(&at("baselineValue"), value, input.measure);
        }
        let comment = self.label(
            &at("baselineComment"),
            input.baseline_comment.as_deref(),
            MAX_PROSE_CHARS,
        );
        let baseline = match input.baseline_year {
            Some(year) if !BASELINE_YEARS.contains(&year) => {
                self.add(at("baselineYear"), Problem::InvalidDate);
                None
            }
            Some(year) => Some(Baseline {
                year,
                value: input.baseline_value,
                comment,
            }),
            None if input.baseline_value.is_some() || comment.is_some() => {
                self.add(at("baselineYear"), Problem::Required);
                None
            }
            None => None,
        };
        let periods = input
            .periods
            .iter()
            .enumerate()
            .map(|(i, p)| self.period(&at(&format!("periods[{i}]")), p, input.measure))
            .collect();
        NewIndicator {
            measure: input.measure,
            ascending: input.ascending,
            counts_people: input.counts_people,
            title,
            description,
            baseline,
            periods,
        }
    }
}

impl TryFrom<ResultInput> for NewResult {
    type Error = DomainError;

    fn try_from(input: ResultInput) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let project_id = check.id("projectId", &input.project_id, ProjectId::parse);
        let title = check.title("title", &input.title);
        let description = check.prose("description", &input.description);
        let indicators = input
            .indicators
            .iter()
            .enumerate()
            .map(|(i, ind)| check.indicator(&format!("indicators[{i}]"), ind))
            .collect();
        check.finish(|| {
            Some(NewResult {
                project_id: project_id?,
                result_type: input.result_type,
                aggregation_status: input.aggregation_status,
                title,
                description,
                indicators,
            })
        })
    }
}

impl NewIndicator {
    /// Validates an indicator added on its own (its paths start at the indicator's fields).
    pub fn validate(input: &IndicatorInput) -> Result<Self, DomainError> {
        Self::validate_change(input, input.measure, false)
    }

    /// Validates an existing indicator's new state (`input`, whose periods are left out: they
    /// have their own mutations). Its measure may change only while it has no periods, whose
    /// targets and actuals are expressed in it.
    pub fn validate_change(
        input: &IndicatorInput,
        measure_now: IndicatorMeasure,
        has_periods: bool,
    ) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let indicator = check.indicator("", input);
        if has_periods && input.measure != measure_now {
            check.add(".measure", Problem::MeasureFixedByPeriods);
        }
        // `indicator("")` prefixes paths with `.`; strip it for a top-level input.
        check.errors.iter_mut().for_each(|e| {
            if let Some(rest) = e.path.strip_prefix('.') {
                e.path = rest.to_owned();
            }
        });
        check.finish(|| Some(indicator))
    }
}

impl NewPeriod {
    /// Validates a period of an indicator measured in `measure`.
    pub fn validate(input: &PeriodInput, measure: IndicatorMeasure) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let period = check.period("", input, measure);
        check.finish(|| Some(period))
    }
}

impl NewActual {
    /// Validates an actual of an indicator measured in `measure`.
    pub fn validate(input: &ActualInput, measure: IndicatorMeasure) -> Result<Self, DomainError> {
        let mut check = Check::default();
        check.measured("actual", input.actual, measure);
        let comment = check.label("comment", input.comment.as_deref(), MAX_PROSE_CHARS);
        let disaggregations = check.disaggregations(
            "disaggregations",
            &input.disaggregations,
            Some(input.actual),
            "actual",
            measure,
        );
        check.finish(|| {
            Some(NewActual {
                actual: input.actual,
                comment,
                disaggregations,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Sex;
    use crate::commands::tests::{Case, one, refusals};

    fn part(dimension: DisaggregationDimension, value: &str, amount: f64) -> DisaggregationInput {
        DisaggregationInput {
            dimension,
            value: value.into(),
            amount,
        }
    }

    fn result() -> ResultInput {
        ResultInput {
            project_id: "prj:syn-1".into(),
            result_type: ResultType::Output,
            aggregation_status: true,
            title: LocalizedText::new(None, Some("Détenus formés".into()), None),
            description: LocalizedText::default(),
            indicators: vec![IndicatorInput {
                measure: IndicatorMeasure::Unit,
                ascending: true,
                counts_people: true,
                title: LocalizedText::new(None, None, Some("Inmates trained".into())),
                description: LocalizedText::default(),
                baseline_year: Some(2020),
                baseline_value: Some(0.0),
                baseline_comment: None,
                periods: vec![PeriodInput {
                    start: "2021-01-01".into(),
                    end: "2021-12-31".into(),
                    target: Some(100.0),
                    target_comment: None,
                    target_disaggregations: vec![
                        part(DisaggregationDimension::Sex, "FEMALE", 40.0),
                        part(DisaggregationDimension::Sex, "MALE", 60.0),
                        part(DisaggregationDimension::Region, "MA-04", 100.0),
                    ],
                }],
            }],
        }
    }

    #[test]
    fn an_indicator_keeps_its_measure_once_it_has_periods() {
        let mut input = result().indicators.remove(0);
        input.periods.clear();
        input.measure = IndicatorMeasure::Percentage;
        // Without periods the measure may change; the rest is validated as on creation.
        let changed = NewIndicator::validate_change(&input, IndicatorMeasure::Unit, false)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(changed.measure, IndicatorMeasure::Percentage);
        assert!(changed.periods.is_empty());
        assert_eq!(
            refusals(NewIndicator::validate_change(
                &input,
                IndicatorMeasure::Unit,
                true
            )),
            one("measure", Problem::MeasureFixedByPeriods)
        );
        // The same measure is no change, periods or not.
        input.measure = IndicatorMeasure::Unit;
        assert!(NewIndicator::validate_change(&input, IndicatorMeasure::Unit, true).is_ok());
        // Other problems are found alongside, at the indicator's own paths.
        input.measure = IndicatorMeasure::Percentage;
        input.baseline_value = Some(150.0);
        assert_eq!(
            refusals(NewIndicator::validate_change(
                &input,
                IndicatorMeasure::Unit,
                true
            )),
            [
                ("baselineValue".to_owned(), Problem::PercentageOver100),
                ("measure".to_owned(), Problem::MeasureFixedByPeriods),
            ]
        );
    }

    #[test]
    fn a_valid_result_is_accepted_with_its_nested_parts() {
        let ok = NewResult::try_from(result()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.indicators.len(), 1);
        let period = &ok.indicators[0].periods[0];
        assert_eq!(period.target_disaggregations.len(), 3);
        assert_eq!(
            ok.indicators[0].baseline.as_ref().map(|b| b.year),
            Some(2020)
        );
    }

    #[test]
    fn each_result_rule_refuses() {
        let cases: Vec<Case<ResultInput>> = vec![
            (
                |i| i.project_id = String::new(),
                "projectId",
                Problem::Required,
            ),
            (
                |i| i.title = LocalizedText::default(),
                "title",
                Problem::NeedsOneLanguage,
            ),
            (
                |i| i.indicators[0].baseline_year = None,
                "indicators[0].baselineYear",
                Problem::Required,
            ),
            (
                |i| i.indicators[0].baseline_year = Some(20),
                "indicators[0].baselineYear",
                Problem::InvalidDate,
            ),
            (
                |i| i.indicators[0].periods[0].end = "2020-12-31".into(),
                "indicators[0].periods[0].periodEnd",
                Problem::DateOrder {
                    earlier_field: "periodStart",
                },
            ),
            (
                |i| i.indicators[0].periods[0].start = "2021-02-30".into(),
                "indicators[0].periods[0].periodStart",
                Problem::InvalidDate,
            ),
            (
                |i| i.indicators[0].periods[0].target = Some(-1.0),
                "indicators[0].periods[0].target",
                Problem::Negative,
            ),
            (
                |i| i.indicators[0].periods[0].target_disaggregations[1].amount = 61.0,
                "indicators[0].periods[0].targetDisaggregations",
                Problem::DisaggregationExceedsTotal,
            ),
            (
                |i| i.indicators[0].periods[0].target_disaggregations[1].value = "FEMALE".into(),
                "indicators[0].periods[0].targetDisaggregations[1].value",
                Problem::DuplicateEntry,
            ),
            (
                |i| i.indicators[0].periods[0].target_disaggregations[2].value = "MA-99".into(),
                "indicators[0].periods[0].targetDisaggregations[2].value",
                Problem::InvalidDimensionValue {
                    dimension: "REGION",
                },
            ),
        ];
        for (edit, path, problem) in cases {
            let mut input = result();
            edit(&mut input);
            assert_eq!(
                refusals(NewResult::try_from(input)),
                one(path, problem),
                "{path}"
            );
        }
    }

    #[test]
    fn percentages_stop_at_100_and_their_parts_are_not_summed() {
        let mut input = result();
        let indicator = &mut input.indicators[0];
        indicator.measure = IndicatorMeasure::Percentage;
        indicator.baseline_value = Some(101.0);
        indicator.periods[0].target = Some(80.0);
        indicator.periods[0].target_disaggregations = vec![
            part(DisaggregationDimension::Sex, "FEMALE", 90.0),
            part(DisaggregationDimension::Sex, "MALE", 70.0),
        ];
        assert_eq!(
            refusals(NewResult::try_from(input)),
            one("indicators[0].baselineValue", Problem::PercentageOver100)
        );
    }

    #[test]
    fn an_actual_lists_every_problem_at_once() {
        let input = ActualInput {
            actual: 10.0,
            comment: None,
            disaggregations: vec![
                part(DisaggregationDimension::Sex, "FEMALE", 8.0),
                part(DisaggregationDimension::Sex, "MALE", 3.0),
                part(DisaggregationDimension::Audience, "NOBODY", 1.0),
                part(DisaggregationDimension::Region, "MA-01", -2.0),
            ],
        };
        assert_eq!(
            refusals(NewActual::validate(&input, IndicatorMeasure::Unit)),
            [
                (
                    "disaggregations[2].value".to_owned(),
                    Problem::InvalidDimensionValue {
                        dimension: "AUDIENCE"
                    }
                ),
                ("disaggregations[3].amount".to_owned(), Problem::Negative),
                (
                    "disaggregations".to_owned(),
                    Problem::DisaggregationExceedsTotal
                ),
            ]
        );
        let over = ActualInput {
            actual: 100.5,
            comment: None,
            disaggregations: Vec::new(),
        };
        assert_eq!(
            refusals(NewActual::validate(&over, IndicatorMeasure::Percentage)),
            one("actual", Problem::PercentageOver100)
        );
        let ok = NewActual::validate(
            &ActualInput {
                actual: 100.0,
                comment: Some("  checked ".into()),
                disaggregations: vec![part(DisaggregationDimension::Sex, "female", 100.0)],
            },
            IndicatorMeasure::Unit,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.comment.as_deref(), Some("checked"));
        assert_eq!(
            ok.disaggregations[0].value,
            DimensionValue::Sex(Sex::Female)
        );
    }

    #[test]
    fn a_period_on_its_own_has_top_level_paths() {
        let input = PeriodInput {
            start: String::new(),
            end: "2021".into(),
            target: None,
            target_comment: None,
            target_disaggregations: vec![part(DisaggregationDimension::Sex, "MALE", 1.0)],
        };
        assert_eq!(
            refusals(NewPeriod::validate(&input, IndicatorMeasure::Unit)),
            [
                ("periodStart".to_owned(), Problem::Required),
                ("periodEnd".to_owned(), Problem::InvalidDate),
                ("target".to_owned(), Problem::Required),
            ]
        );
    }
}
