//! Creating an agreement with its parties and commitments, in one step.

use super::{Check, MAX_LABEL_CHARS, dedup};
use crate::codes::{AgreementPartyRole, AgreementType, CommitmentKind, Theme};
use crate::error::DomainError;
use crate::ids::{AgreementId, OrganisationId, PartnershipId};
use crate::model::AgreementDates;
use crate::partial_date::PartialDate;
use crate::problem::Problem;
use crate::text::LocalizedText;

/// A party to an agreement as submitted (`parties[i]`).
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementPartyInput {
    /// The organisation's id (`organisationId`).
    pub organisation_id: String,
    /// Its role (`role`).
    pub role: AgreementPartyRole,
    /// When it signed (`signedOn`).
    pub signed_on: Option<String>,
}

/// A commitment as submitted (`commitments[i]`).
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentInput {
    /// The organisation that owes it, one of the parties (`partyOrganisationId`).
    pub party_organisation_id: String,
    /// What kind of obligation (`kind`).
    pub kind: CommitmentKind,
    /// What is owed, in at least one language (`description`).
    pub description: LocalizedText,
    /// When it is due (`dueOn`).
    pub due_on: Option<String>,
}

/// An agreement as submitted, with its parties and commitments.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementInput {
    /// Reference number (`reference`).
    pub reference: Option<String>,
    /// Title in at least one language (`title`).
    pub title: LocalizedText,
    /// Kind of instrument (`agreementType`).
    pub agreement_type: AgreementType,
    /// Objectives (`objectives`).
    pub objectives: LocalizedText,
    /// Themes; duplicates are dropped (`themes`).
    pub themes: Vec<Theme>,
    /// The partnerships it governs (`partnershipIds`).
    pub partnership_ids: Vec<String>,
    /// The framework or base agreement; required for an amendment (`parentId`).
    pub parent_id: Option<String>,
    /// The agreement it replaces (`supersedesId`).
    pub supersedes_id: Option<String>,
    /// Drafting date (`draftedOn`).
    pub drafted_on: Option<String>,
    /// Date the text was agreed (`agreedOn`).
    pub agreed_on: Option<String>,
    /// Date of the last signature (`signedOn`).
    pub signed_on: Option<String>,
    /// Start of effect (`effectiveFrom`).
    pub effective_from: Option<String>,
    /// End of effect (`effectiveTo`).
    pub effective_to: Option<String>,
    /// At least one party (`parties`).
    pub parties: Vec<AgreementPartyInput>,
    /// Commitments of the parties (`commitments`).
    pub commitments: Vec<CommitmentInput>,
}

/// A valid party to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAgreementParty {
    /// The organisation.
    pub organisation_id: OrganisationId,
    /// Its role.
    pub role: AgreementPartyRole,
    /// When it signed.
    pub signed_on: Option<PartialDate>,
}

/// A valid commitment to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCommitment {
    /// The party that owes it.
    pub party_org_id: OrganisationId,
    /// What kind of obligation.
    pub kind: CommitmentKind,
    /// What is owed.
    pub description: LocalizedText,
    /// When it is due.
    pub due_on: Option<PartialDate>,
}

/// A valid agreement to create, with its parties and commitments. It starts as `DRAFT`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAgreement {
    /// Reference number.
    pub reference: Option<String>,
    /// Title.
    pub title: LocalizedText,
    /// Kind of instrument.
    pub agreement_type: AgreementType,
    /// Objectives.
    pub objectives: LocalizedText,
    /// Distinct themes.
    pub themes: Vec<Theme>,
    /// Distinct partnerships governed.
    pub partnership_ids: Vec<PartnershipId>,
    /// Framework or base agreement.
    pub parent_id: Option<AgreementId>,
    /// Replaced agreement.
    pub supersedes_id: Option<AgreementId>,
    /// Dates in order (`terminated_on` is always empty on creation).
    pub dates: AgreementDates,
    /// Parties, at least one.
    pub parties: Vec<NewAgreementParty>,
    /// Commitments, each owed by a party.
    pub commitments: Vec<NewCommitment>,
}

impl TryFrom<AgreementInput> for NewAgreement {
    type Error = DomainError;

    fn try_from(input: AgreementInput) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let reference = check.label("reference", input.reference.as_deref(), MAX_LABEL_CHARS);
        let title = check.title("title", &input.title);
        let objectives = check.prose("objectives", &input.objectives);
        let mut partnership_ids = Vec::new();
        for (i, raw) in input.partnership_ids.iter().enumerate() {
            let id = check.id(&format!("partnershipIds[{i}]"), raw, PartnershipId::parse);
            if let Some(id) = id.filter(|id| !partnership_ids.contains(id)) {
                partnership_ids.push(id);
            }
        }
        let parent_id = check.opt_id("parentId", input.parent_id.as_deref(), AgreementId::parse);
        if input.agreement_type == AgreementType::Amendment
            && input
                .parent_id
                .as_deref()
                .is_none_or(|p| p.trim().is_empty())
        {
            check.add("parentId", Problem::AmendmentNeedsParent);
        }
        let supersedes_id = check.opt_id(
            "supersedesId",
            input.supersedes_id.as_deref(),
            AgreementId::parse,
        );
        let dates = AgreementDates {
            drafted_on: check.date("draftedOn", input.drafted_on.as_deref()),
            agreed_on: check.date("agreedOn", input.agreed_on.as_deref()),
            signed_on: check.date("signedOn", input.signed_on.as_deref()),
            effective_from: check.date("effectiveFrom", input.effective_from.as_deref()),
            effective_to: check.date("effectiveTo", input.effective_to.as_deref()),
            terminated_on: None,
        };
        check.date_order(&[
            ("draftedOn", dates.drafted_on),
            ("agreedOn", dates.agreed_on),
            ("signedOn", dates.signed_on),
            ("effectiveFrom", dates.effective_from),
            ("effectiveTo", dates.effective_to),
        ]);

        if input.parties.is_empty() {
            check.add("parties", Problem::AtLeastOneRequired);
        }
        let mut parties: Vec<Option<NewAgreementParty>> = Vec::new();
        for (i, party) in input.parties.iter().enumerate() {
            let organisation_id = check.id(
                &format!("parties[{i}].organisationId"),
                &party.organisation_id,
                OrganisationId::parse,
            );
            let signed_on = check.date(
                &format!("parties[{i}].signedOn"),
                party.signed_on.as_deref(),
            );
            let duplicate = parties.iter().flatten().any(|p| {
                Some(&p.organisation_id) == organisation_id.as_ref() && p.role == party.role
            });
            if duplicate {
                check.add(format!("parties[{i}].role"), Problem::DuplicateEntry);
            }
            parties.push(organisation_id.map(|organisation_id| NewAgreementParty {
                organisation_id,
                role: party.role,
                signed_on,
            }));
        }

        let mut commitments = Vec::new();
        for (i, commitment) in input.commitments.iter().enumerate() {
            let path = format!("commitments[{i}].partyOrganisationId");
            let party_org_id = check.id(
                &path,
                &commitment.party_organisation_id,
                OrganisationId::parse,
            );
            if let Some(id) = &party_org_id
                && !parties.iter().flatten().any(|p| p.organisation_id == *id)
                && parties.iter().all(Option::is_some)
            {
                check.add(path, Problem::NotAParty);
            }
            let description = check.title(
                &format!("commitments[{i}].description"),
                &commitment.description,
            );
            let due_on = check.date(
                &format!("commitments[{i}].dueOn"),
                commitment.due_on.as_deref(),
            );
            commitments.push(party_org_id.map(|party_org_id| NewCommitment {
                party_org_id,
                kind: commitment.kind,
                description,
                due_on,
            }));
        }

        check.finish(|| {
            Some(NewAgreement {
                reference,
                title,
                agreement_type: input.agreement_type,
                objectives,
                themes: dedup(&input.themes),
                partnership_ids,
                parent_id,
                supersedes_id,
                dates,
                parties: parties.into_iter().collect::<Option<Vec<_>>>()?,
                commitments: commitments.into_iter().collect::<Option<Vec<_>>>()?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::tests::{Case, one, refusals};

    fn party(org: &str, role: AgreementPartyRole) -> AgreementPartyInput {
        AgreementPartyInput {
            organisation_id: org.into(),
            role,
            signed_on: None,
        }
    }

    fn agreement() -> AgreementInput {
        AgreementInput {
            reference: None,
            title: LocalizedText::new(None, Some("Convention DGAPR–EMI".into()), None),
            agreement_type: AgreementType::PartnershipAgreement,
            objectives: LocalizedText::default(),
            themes: vec![Theme::PrisonLabourAgriculture],
            partnership_ids: vec!["ps:emi".into()],
            parent_id: None,
            supersedes_id: None,
            drafted_on: Some("2015".into()),
            agreed_on: None,
            signed_on: Some("2016-03-01".into()),
            effective_from: Some("2016-03".into()),
            effective_to: Some("2019".into()),
            parties: vec![
                party("org:dgapr", AgreementPartyRole::Signatory),
                party("org:emi", AgreementPartyRole::Signatory),
                party("org:emi", AgreementPartyRole::TechnicalPartner),
            ],
            commitments: vec![CommitmentInput {
                party_organisation_id: "org:emi".into(),
                kind: CommitmentKind::Studies,
                description: LocalizedText::new(None, None, Some("Prospecting".into())),
                due_on: Some("2017".into()),
            }],
        }
    }

    #[test]
    fn a_valid_agreement_keeps_its_parties_and_commitments() {
        let ok = NewAgreement::try_from(agreement()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.parties.len(), 3);
        assert_eq!(ok.commitments[0].party_org_id.as_str(), "org:emi");
        assert_eq!(
            ok.dates.effective_to.map(|d| d.to_string()).as_deref(),
            Some("2019")
        );
    }

    #[test]
    fn each_agreement_rule_refuses() {
        let cases: Vec<Case<AgreementInput>> = vec![
            (
                |i| i.title = LocalizedText::default(),
                "title",
                Problem::NeedsOneLanguage,
            ),
            (
                |i| {
                    i.parties.clear();
                    i.commitments.clear();
                },
                "parties",
                Problem::AtLeastOneRequired,
            ),
            (
                |i| i.agreement_type = AgreementType::Amendment,
                "parentId",
                Problem::AmendmentNeedsParent,
            ),
            (
                |i| i.effective_from = Some("2015-06".into()),
                "effectiveFrom",
                Problem::DateOrder {
                    earlier_field: "signedOn",
                },
            ),
            (
                |i| i.effective_to = Some("2016-02".into()),
                "effectiveTo",
                Problem::DateOrder {
                    earlier_field: "effectiveFrom",
                },
            ),
            (
                |i| i.agreed_on = Some("2014".into()),
                "agreedOn",
                Problem::DateOrder {
                    earlier_field: "draftedOn",
                },
            ),
            (
                |i| i.signed_on = Some("01/03/2016".into()),
                "signedOn",
                Problem::InvalidDate,
            ),
            (
                |i| i.parties[2].role = AgreementPartyRole::Signatory,
                "parties[2].role",
                Problem::DuplicateEntry,
            ),
            (
                |i| i.parties[1].organisation_id = String::new(),
                "parties[1].organisationId",
                Problem::Required,
            ),
            (
                |i| i.parties[0].signed_on = Some("2016-02-30".into()),
                "parties[0].signedOn",
                Problem::InvalidDate,
            ),
            (
                |i| i.commitments[0].party_organisation_id = "org:fm6".into(),
                "commitments[0].partyOrganisationId",
                Problem::NotAParty,
            ),
            (
                |i| i.commitments[0].description = LocalizedText::default(),
                "commitments[0].description",
                Problem::NeedsOneLanguage,
            ),
            (
                |i| i.partnership_ids.push("\u{0}".into()),
                "partnershipIds[1]",
                Problem::InvalidId {
                    kind: "Partnership",
                },
            ),
        ];
        for (edit, path, problem) in cases {
            let mut input = agreement();
            edit(&mut input);
            assert_eq!(
                refusals(NewAgreement::try_from(input)),
                one(path, problem),
                "{path}"
            );
        }
    }

    #[test]
    fn every_invalid_field_is_listed_at_once() {
        let mut input = agreement();
        input.title = LocalizedText::default();
        input.effective_to = Some("2010".into());
        input.parties[0].signed_on = Some("yesterday".into());
        input.commitments[0].party_organisation_id = "org:pri".into();
        let got: Vec<String> = refusals(NewAgreement::try_from(input))
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(
            got,
            [
                "title",
                "effectiveTo",
                "parties[0].signedOn",
                "commitments[0].partyOrganisationId"
            ]
        );
    }
}
