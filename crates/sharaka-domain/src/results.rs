//! IATI's result model on projects (issue 5): results (output, outcome, impact), their
//! indicators with a measure and a baseline, and reporting periods with a target and an actual,
//! each optionally broken down by sex, audience or region. Also the pure "achievement" of a
//! period, which dashboards and the API share.
//!
//! Indicators, periods and disaggregated values carry their project's id (and periods their
//! result's) beside their parent's: a result never moves to another project, and the copy lets
//! access rules and aggregates reach the project in one step.

use chrono::NaiveDate;

use crate::codes::{
    Coded, DisaggregationDimension, IndicatorMeasure, ResultType, Sex, TrainingAudience,
};
use crate::ids::*;
use crate::model::RecordMeta;
use crate::problem::Problem;
use crate::text::LocalizedText;

/// A result of a project: what it intends to change, at one level of the results chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectResult {
    pub id: ProjectResultId,
    pub project_id: ProjectId,
    pub result_type: ResultType,
    /// IATI `aggregation-status`: whether the result's data may be aggregated across
    /// activities.
    pub aggregation_status: bool,
    pub title: LocalizedText,
    pub description: LocalizedText,
    pub meta: RecordMeta,
}

/// A baseline: the indicator's value before the project.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    /// The year the baseline was measured.
    pub year: i32,
    /// The value, absent for a qualitative baseline.
    pub value: Option<f64>,
    /// A comment.
    pub comment: Option<String>,
}

/// How a result is measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub id: IndicatorId,
    pub result_id: ProjectResultId,
    pub project_id: ProjectId,
    pub measure: IndicatorMeasure,
    /// True when a higher value is better (IATI `ascending`).
    pub ascending: bool,
    /// True when the indicator counts people, whose small counts are then subject to
    /// disclosure control.
    pub counts_people: bool,
    pub title: LocalizedText,
    pub description: LocalizedText,
    pub baseline: Option<Baseline>,
    pub meta: RecordMeta,
}

/// One reporting period of an indicator, with its target and, once recorded, its actual.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorPeriod {
    pub id: IndicatorPeriodId,
    pub indicator_id: IndicatorId,
    pub result_id: ProjectResultId,
    pub project_id: ProjectId,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub target: Option<f64>,
    pub target_comment: Option<String>,
    pub actual: Option<f64>,
    pub actual_comment: Option<String>,
    pub meta: RecordMeta,
}

/// Whether a disaggregated value breaks down a period's target or its actual.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodValueKind {
    /// The target.
    Target,
    /// The actual.
    Actual,
}

impl PeriodValueKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Target => "TARGET",
            Self::Actual => "ACTUAL",
        }
    }

    /// The kind of a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "TARGET" => Some(Self::Target),
            "ACTUAL" => Some(Self::Actual),
            _ => None,
        }
    }
}

/// A value of a disaggregation dimension: a sex, an audience or a region.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DimensionValue {
    /// A sex.
    Sex(Sex),
    /// A training audience.
    Audience(TrainingAudience),
    /// A region, by its ISO 3166-2 code.
    Region(RegionId),
}

impl DimensionValue {
    /// Parses `raw` as a value of `dimension` (codes are upper-cased and trimmed).
    pub fn parse(dimension: DisaggregationDimension, raw: &str) -> Result<Self, Problem> {
        let code = raw.trim().to_ascii_uppercase();
        let refused = Problem::InvalidDimensionValue {
            dimension: dimension.code(),
        };
        match dimension {
            DisaggregationDimension::Sex => Sex::parse(&code).map(Self::Sex).map_err(|_| refused),
            DisaggregationDimension::Audience => TrainingAudience::parse(&code)
                .map(Self::Audience)
                .map_err(|_| refused),
            DisaggregationDimension::Region => {
                if crate::commands::is_region_code(&code) {
                    Ok(Self::Region(RegionId::from_trusted(code)))
                } else {
                    Err(refused)
                }
            }
        }
    }

    /// The dimension the value belongs to.
    pub fn dimension(&self) -> DisaggregationDimension {
        match self {
            Self::Sex(_) => DisaggregationDimension::Sex,
            Self::Audience(_) => DisaggregationDimension::Audience,
            Self::Region(_) => DisaggregationDimension::Region,
        }
    }

    /// The stored code (`FEMALE`, `PRISONERS_ADULT`, `MA-04`).
    pub fn code(&self) -> &str {
        match self {
            Self::Sex(s) => s.code(),
            Self::Audience(a) => a.code(),
            Self::Region(r) => r.as_str(),
        }
    }

    /// Whether a count of people under this value is protected by disclosure control for
    /// partners and the public: every value except the staff and professional audiences
    /// (`STAFF`, `STAFF_TRAINERS`, `PARTNER_STAFF`, `JUSTICE_ACTORS`), as for training tallies.
    /// A sex or region split of a people count may hold prisoners, so it is protected.
    pub fn is_protected(&self) -> bool {
        !matches!(
            self,
            Self::Audience(
                TrainingAudience::Staff
                    | TrainingAudience::StaffTrainers
                    | TrainingAudience::PartnerStaff
                    | TrainingAudience::JusticeActors
            )
        )
    }
}

/// A part of a period's target or actual, for one value of one dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Disaggregation {
    pub value: DimensionValue,
    pub amount: f64,
}

/// A stored disaggregated value of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodValue {
    pub period_id: IndicatorPeriodId,
    pub project_id: ProjectId,
    pub kind: PeriodValueKind,
    pub part: Disaggregation,
}

/// How far a period's actual has come towards its target, as a ratio (1.0 = target met; it
/// may exceed 1). `None` when it cannot be computed: no target or no actual, or a target equal
/// to the starting point.
///
/// For an ascending indicator (higher is better) it is `actual / target`. For a descending one
/// (lower is better) it is the share of the planned reduction achieved, `(baseline − actual) /
/// (baseline − target)`, when a baseline above the target is known, and `target / actual`
/// otherwise (an actual of 0 then meets any target).
pub fn achievement(
    target: Option<f64>,
    actual: Option<f64>,
    ascending: bool,
    baseline: Option<f64>,
) -> Option<f64> {
    let (target, actual) = (target?, actual?);
    if !target.is_finite() || !actual.is_finite() {
        return None;
    }
    if ascending {
        return (target != 0.0).then(|| actual / target);
    }
    match baseline {
        Some(base) if base.is_finite() && base > target => Some((base - actual) / (base - target)),
        _ if actual == 0.0 => Some(1.0),
        _ => Some(target / actual),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn ascending_achievement_is_actual_over_target() {
        assert!(close(
            achievement(Some(200.0), Some(150.0), true, None),
            0.75
        ));
        assert!(close(
            achievement(Some(50.0), Some(60.0), true, Some(10.0)),
            1.2
        ));
        assert_eq!(achievement(Some(0.0), Some(5.0), true, None), None);
        assert_eq!(achievement(None, Some(5.0), true, None), None);
        assert_eq!(achievement(Some(5.0), None, true, None), None);
    }

    #[test]
    fn descending_achievement_honours_the_baseline() {
        // Reoffending from 40 % to a target of 20 %: reaching 30 % is half the way.
        assert!(close(
            achievement(Some(20.0), Some(30.0), false, Some(40.0)),
            0.5
        ));
        assert!(close(
            achievement(Some(20.0), Some(15.0), false, Some(40.0)),
            1.25
        ));
        // Without a usable baseline, target / actual.
        assert!(close(achievement(Some(20.0), Some(40.0), false, None), 0.5));
        assert!(close(
            achievement(Some(20.0), Some(40.0), false, Some(10.0)),
            0.5
        ));
        assert!(close(achievement(Some(20.0), Some(0.0), false, None), 1.0));
        assert_eq!(achievement(Some(f64::NAN), Some(1.0), false, None), None);
    }

    #[test]
    fn dimension_values_must_be_codes_of_their_dimension() {
        assert_eq!(
            DimensionValue::parse(DisaggregationDimension::Sex, " female "),
            Ok(DimensionValue::Sex(Sex::Female))
        );
        assert_eq!(
            DimensionValue::parse(DisaggregationDimension::Region, "ma-04")
                .map(|v| v.code().to_owned()),
            Ok("MA-04".to_owned())
        );
        assert_eq!(
            DimensionValue::parse(DisaggregationDimension::Region, "MA-13"),
            Err(Problem::InvalidDimensionValue {
                dimension: "REGION"
            })
        );
        assert_eq!(
            DimensionValue::parse(DisaggregationDimension::Audience, "FEMALE"),
            Err(Problem::InvalidDimensionValue {
                dimension: "AUDIENCE"
            })
        );
        let juveniles =
            DimensionValue::parse(DisaggregationDimension::Audience, "PRISONERS_JUVENILE");
        assert!(juveniles.is_ok_and(|v| v.is_protected()));
        assert!(!DimensionValue::Audience(TrainingAudience::Staff).is_protected());
        assert!(DimensionValue::Sex(Sex::Male).is_protected());
    }
}
