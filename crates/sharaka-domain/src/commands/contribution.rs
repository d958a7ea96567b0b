//! Creating contributions: any resource an organisation brings, cash or not.

use rust_decimal::Decimal;

use super::{Check, MAX_LABEL_CHARS};
use crate::codes::ContributionType;
use crate::error::DomainError;
use crate::ids::{AgreementId, OrganisationId, ProjectId, TrainingSessionId};
use crate::model::Money;
use crate::problem::Problem;
use crate::text::LocalizedText;

/// A contribution as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct ContributionInput {
    /// The contributing organisation's id (`contributorId`).
    pub contributor_id: String,
    /// Target project (`projectId`); exactly one target is set.
    pub project_id: Option<String>,
    /// Target agreement (`agreementId`).
    pub agreement_id: Option<String>,
    /// Target training session (`trainingSessionId`).
    pub training_session_id: Option<String>,
    /// Kind of resource (`contributionType`).
    pub contribution_type: ContributionType,
    /// What is contributed (`description`).
    pub description: LocalizedText,
    /// How much, as a decimal (`quantity`); needs a `unit`.
    pub quantity: Option<String>,
    /// Unit of the quantity, such as `PERSON_DAY` (`unit`).
    pub unit: Option<String>,
    /// Value as a decimal (`amount`); needs a `currency`, required for cash.
    pub amount: Option<String>,
    /// ISO 4217 currency of the amount (`currency`).
    pub currency: Option<String>,
}

/// Where a contribution goes: exactly one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContributionTarget {
    /// A project.
    Project(ProjectId),
    /// An agreement.
    Agreement(AgreementId),
    /// A training session.
    TrainingSession(TrainingSessionId),
}

/// A valid contribution to create. It starts as `PLEDGED`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewContribution {
    /// The contributing organisation.
    pub contributor_id: OrganisationId,
    /// Where it goes.
    pub target: ContributionTarget,
    /// Kind of resource.
    pub contribution_type: ContributionType,
    /// What is contributed.
    pub description: LocalizedText,
    /// How much, non-negative.
    pub quantity: Option<Decimal>,
    /// Unit of the quantity.
    pub unit: Option<String>,
    /// Non-negative value, scaled to the currency's minor unit.
    pub value: Option<Money>,
}

/// True when `raw` holds something other than whitespace.
fn given(raw: Option<&str>) -> bool {
    raw.is_some_and(|s| !s.trim().is_empty())
}

impl TryFrom<ContributionInput> for NewContribution {
    type Error = DomainError;

    fn try_from(input: ContributionInput) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let contributor_id = check.id(
            "contributorId",
            &input.contributor_id,
            OrganisationId::parse,
        );

        let (project, agreement, session) = (
            input.project_id.as_deref(),
            input.agreement_id.as_deref(),
            input.training_session_id.as_deref(),
        );
        let targets = [
            ("projectId", project),
            ("agreementId", agreement),
            ("trainingSessionId", session),
        ];
        let set = targets.iter().filter(|(_, raw)| given(*raw)).count();
        let target = if set != 1 {
            for (path, raw) in targets {
                if set == 0 || given(raw) {
                    check.add(path, Problem::ExactlyOneTarget);
                }
            }
            None
        } else if given(project) {
            check
                .opt_id("projectId", project, ProjectId::parse)
                .map(ContributionTarget::Project)
        } else if given(agreement) {
            check
                .opt_id("agreementId", agreement, AgreementId::parse)
                .map(ContributionTarget::Agreement)
        } else {
            check
                .opt_id("trainingSessionId", session, TrainingSessionId::parse)
                .map(ContributionTarget::TrainingSession)
        };

        let description = check.prose("description", &input.description);
        let quantity = input.quantity.as_deref().filter(|q| !q.trim().is_empty());
        let quantity = quantity.and_then(|q| check.amount("quantity", q));
        let unit = check.label("unit", input.unit.as_deref(), MAX_LABEL_CHARS);
        if quantity.is_some() && unit.is_none() {
            check.add("unit", Problem::Required);
        }

        let amount = input.amount.as_deref().filter(|a| !a.trim().is_empty());
        let currency = input.currency.as_deref().filter(|c| !c.trim().is_empty());
        let value = match (amount, currency) {
            (Some(amount), Some(currency)) => {
                let amount = check.amount("amount", amount);
                let currency = check.currency("currency", currency);
                match (amount, currency) {
                    (Some(amount), Some(currency)) => {
                        let max = currency.minor_digits();
                        if amount.normalize().scale() > max {
                            check.add("amount", Problem::TooManyDecimals { max });
                        }
                        let mut amount = amount;
                        amount.rescale(max);
                        Some(Money { amount, currency })
                    }
                    _ => None,
                }
            }
            (Some(_), None) => {
                check.add("currency", Problem::Required);
                None
            }
            (None, Some(_)) => {
                check.add("amount", Problem::Required);
                None
            }
            (None, None) => {
                if input.contribution_type == ContributionType::Cash {
                    check.add("amount", Problem::Required);
                }
                None
            }
        };

        check.finish(|| {
            Some(NewContribution {
                contributor_id: contributor_id?,
                target: target?,
                contribution_type: input.contribution_type,
                description,
                quantity,
                unit,
                value,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::tests::{Case, one, refusals};

    fn contribution() -> ContributionInput {
        ContributionInput {
            contributor_id: "org:us-inl".into(),
            project_id: None,
            agreement_id: Some("agr:us-inl-2011".into()),
            training_session_id: None,
            contribution_type: ContributionType::Cash,
            description: LocalizedText::default(),
            quantity: None,
            unit: None,
            amount: Some("3000000".into()),
            currency: Some("usd".into()),
        }
    }

    #[test]
    fn a_valid_contribution_is_scaled_to_its_currency() {
        let ok = NewContribution::try_from(contribution()).unwrap_or_else(|e| panic!("{e}"));
        let value = ok.value.unwrap_or_else(|| panic!("no value"));
        assert_eq!(value.amount.to_string(), "3000000.00");
        assert_eq!(value.currency.as_str(), "USD");
        assert_eq!(
            ok.target,
            ContributionTarget::Agreement(AgreementId::from_trusted("agr:us-inl-2011".into()))
        );
        let mut tnd = contribution();
        tnd.amount = Some("12.345".into());
        tnd.currency = Some("TND".into());
        assert!(NewContribution::try_from(tnd).is_ok());
    }

    #[test]
    fn each_contribution_rule_refuses() {
        let cases: Vec<Case<ContributionInput>> = vec![
            (
                |i| i.contributor_id = " ".into(),
                "contributorId",
                Problem::Required,
            ),
            (
                |i| i.amount = Some("-5".into()),
                "amount",
                Problem::Negative,
            ),
            (
                |i| i.amount = Some("1 000".into()),
                "amount",
                Problem::InvalidNumber,
            ),
            (
                |i| i.amount = Some("10.001".into()),
                "amount",
                Problem::TooManyDecimals { max: 2 },
            ),
            (
                |i| {
                    i.amount = Some("1500.5".into());
                    i.currency = Some("XOF".into());
                },
                "amount",
                Problem::TooManyDecimals { max: 0 },
            ),
            (
                |i| i.currency = Some("DOLLARS".into()),
                "currency",
                Problem::InvalidCurrencyCode,
            ),
            (|i| i.currency = None, "currency", Problem::Required),
            (|i| i.amount = None, "amount", Problem::Required),
            (
                |i| {
                    i.amount = None;
                    i.currency = None;
                },
                "amount",
                Problem::Required,
            ),
            (
                |i| {
                    i.contribution_type = ContributionType::Expertise;
                    i.quantity = Some("-1".into());
                    i.unit = Some("PERSON_DAY".into());
                },
                "quantity",
                Problem::Negative,
            ),
            (
                |i| i.quantity = Some("30".into()),
                "unit",
                Problem::Required,
            ),
            (
                |i| i.agreement_id = Some("\u{7}".into()),
                "agreementId",
                Problem::InvalidId { kind: "Agreement" },
            ),
        ];
        for (edit, path, problem) in cases {
            let mut input = contribution();
            edit(&mut input);
            assert_eq!(
                refusals(NewContribution::try_from(input)),
                one(path, problem),
                "{path}"
            );
        }
    }

    #[test]
    fn exactly_one_target_is_required() {
        let mut none = contribution();
        none.agreement_id = None;
        let paths: Vec<String> = refusals(NewContribution::try_from(none))
            .into_iter()
            .map(|(path, problem)| {
                assert_eq!(problem, Problem::ExactlyOneTarget);
                path
            })
            .collect();
        assert_eq!(paths, ["projectId", "agreementId", "trainingSessionId"]);
        let mut two = contribution();
        two.training_session_id = Some("trn:be-1".into());
        let paths: Vec<String> = refusals(NewContribution::try_from(two))
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(paths, ["agreementId", "trainingSessionId"]);
        let mut session = contribution();
        session.agreement_id = Some("  ".into());
        session.training_session_id = Some("trn:be-1".into());
        let ok = NewContribution::try_from(session).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(ok.target, ContributionTarget::TrainingSession(_)));
    }
}
