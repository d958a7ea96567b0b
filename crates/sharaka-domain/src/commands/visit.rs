//! Creating exchange visits.

use super::{Check, dedup};
use crate::codes::{TrainingTopic, VisitDirection, VisitType};
use crate::error::DomainError;
use crate::ids::{AgreementId, OrganisationId, ProjectId};
use crate::model::{CountryCode, DelegationTally};
use crate::partial_date::PartialDate;
use crate::problem::Problem;
use crate::text::LocalizedText;

/// An exchange visit as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeVisitInput {
    /// Title in at least one language (`title`).
    pub title: LocalizedText,
    /// Inbound or outbound (`direction`).
    pub direction: VisitDirection,
    /// Kind of visit (`visitType`).
    pub visit_type: VisitType,
    /// Host organisation (`hostId`).
    pub host_id: Option<String>,
    /// Visiting organisation (`visitorId`).
    pub visitor_id: Option<String>,
    /// Country visited (`countryCode`).
    pub country_code: Option<String>,
    /// First day (`startDate`).
    pub start_date: Option<String>,
    /// Last day (`endDate`).
    pub end_date: Option<String>,
    /// Topics; duplicates are dropped (`topics`).
    pub topics: Vec<TrainingTopic>,
    /// Related project (`projectId`).
    pub project_id: Option<String>,
    /// Related agreement (`agreementId`).
    pub agreement_id: Option<String>,
    /// Delegation size by sex (`delegation`).
    pub delegation: Vec<DelegationTally>,
}

/// A valid exchange visit to create. It starts as `PROPOSED`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExchangeVisit {
    /// Title.
    pub title: LocalizedText,
    /// Inbound or outbound.
    pub direction: VisitDirection,
    /// Kind of visit.
    pub visit_type: VisitType,
    /// Host organisation.
    pub host_id: Option<OrganisationId>,
    /// Visiting organisation.
    pub visitor_id: Option<OrganisationId>,
    /// Country visited.
    pub country_code: Option<CountryCode>,
    /// First day.
    pub start_date: Option<PartialDate>,
    /// Last day, not before the first.
    pub end_date: Option<PartialDate>,
    /// Distinct topics.
    pub topics: Vec<TrainingTopic>,
    /// Related project.
    pub project_id: Option<ProjectId>,
    /// Related agreement.
    pub agreement_id: Option<AgreementId>,
    /// Non-negative counts, one per sex.
    pub delegation: Vec<DelegationTally>,
}

impl TryFrom<ExchangeVisitInput> for NewExchangeVisit {
    type Error = DomainError;

    fn try_from(input: ExchangeVisitInput) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let title = check.title("title", &input.title);
        let host_id = check.opt_id("hostId", input.host_id.as_deref(), OrganisationId::parse);
        let visitor_id = check.opt_id(
            "visitorId",
            input.visitor_id.as_deref(),
            OrganisationId::parse,
        );
        let country_code = check.country("countryCode", input.country_code.as_deref());
        let start_date = check.date("startDate", input.start_date.as_deref());
        let end_date = check.date("endDate", input.end_date.as_deref());
        check.date_order(&[("startDate", start_date), ("endDate", end_date)]);
        let project_id = check.opt_id("projectId", input.project_id.as_deref(), ProjectId::parse);
        let agreement_id = check.opt_id(
            "agreementId",
            input.agreement_id.as_deref(),
            AgreementId::parse,
        );
        for (i, row) in input.delegation.iter().enumerate() {
            check.count(&format!("delegation[{i}].count"), row.count);
            if input.delegation[..i].iter().any(|r| r.sex == row.sex) {
                check.add(format!("delegation[{i}].sex"), Problem::DuplicateEntry);
            }
        }
        check.finish(|| {
            Some(NewExchangeVisit {
                title,
                direction: input.direction,
                visit_type: input.visit_type,
                host_id,
                visitor_id,
                country_code,
                start_date,
                end_date,
                topics: dedup(&input.topics),
                project_id,
                agreement_id,
                delegation: input.delegation,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Sex;
    use crate::commands::tests::{Case, one, refusals};

    fn visit() -> ExchangeVisitInput {
        ExchangeVisitInput {
            title: LocalizedText::new(None, None, Some("Study visit to Coffeewood".into())),
            direction: VisitDirection::Outbound,
            visit_type: VisitType::StudyVisit,
            host_id: Some("org:us-vadoc".into()),
            visitor_id: Some("org:dgapr".into()),
            country_code: Some("US".into()),
            start_date: Some("2024-01-09".into()),
            end_date: Some("2024-01-09".into()),
            topics: vec![TrainingTopic::Classification, TrainingTopic::Classification],
            project_id: None,
            agreement_id: None,
            delegation: vec![DelegationTally {
                sex: Sex::Male,
                count: 3,
            }],
        }
    }

    #[test]
    fn a_valid_visit_is_accepted() {
        let ok = NewExchangeVisit::try_from(visit()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.topics, [TrainingTopic::Classification]);
    }

    #[test]
    fn each_visit_rule_refuses() {
        let cases: Vec<Case<ExchangeVisitInput>> = vec![
            (
                |i| i.title = LocalizedText::default(),
                "title",
                Problem::NeedsOneLanguage,
            ),
            (
                |i| i.end_date = Some("2023-12".into()),
                "endDate",
                Problem::DateOrder {
                    earlier_field: "startDate",
                },
            ),
            (
                |i| i.delegation[0].count = -2,
                "delegation[0].count",
                Problem::Negative,
            ),
            (
                |i| {
                    i.delegation.push(DelegationTally {
                        sex: Sex::Male,
                        count: 1,
                    })
                },
                "delegation[1].sex",
                Problem::DuplicateEntry,
            ),
            (
                |i| i.country_code = Some("USA".into()),
                "countryCode",
                Problem::InvalidCountryCode,
            ),
            (
                |i| i.start_date = Some("2024-02-30".into()),
                "startDate",
                Problem::InvalidDate,
            ),
        ];
        for (edit, path, problem) in cases {
            let mut input = visit();
            edit(&mut input);
            assert_eq!(
                refusals(NewExchangeVisit::try_from(input)),
                one(path, problem),
                "{path}"
            );
        }
    }
}
