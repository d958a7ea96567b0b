//! Creating partnerships, with the source's typology (DOMAIN.md §4.2).

use super::{Check, dedup};
use crate::codes::{
    OrganisationType, PartnerCategory, PartnershipModality, PartnershipScope, PartnershipStatus,
    Theme,
};
use crate::error::{DomainError, FieldError};
use crate::ids::OrganisationId;
use crate::model::Organisation;
use crate::partial_date::PartialDate;
use crate::problem::Problem;

/// A partnership as submitted. The home organisation is implied (DGAPR).
#[derive(Debug, Clone, PartialEq)]
pub struct PartnershipInput {
    /// The partner organisation's id (`partnerId`).
    pub partner_id: String,
    /// National or international (`scope`).
    pub scope: PartnershipScope,
    /// Direct national, bilateral or multilateral (`modality`).
    pub modality: PartnershipModality,
    /// Themes; duplicates are dropped (`themes`).
    pub themes: Vec<Theme>,
    /// Since when (`since`).
    pub since: Option<String>,
    /// Status (`status`).
    pub status: PartnershipStatus,
    /// Whether the partner is strategic (`isStrategic`).
    pub is_strategic: bool,
}

/// A valid partnership to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPartnership {
    /// The partner organisation.
    pub partner_id: OrganisationId,
    /// National or international.
    pub scope: PartnershipScope,
    /// Direct national, bilateral or multilateral.
    pub modality: PartnershipModality,
    /// Distinct themes.
    pub themes: Vec<Theme>,
    /// Since when.
    pub since: Option<PartialDate>,
    /// Status.
    pub status: PartnershipStatus,
    /// Whether the partner is strategic.
    pub is_strategic: bool,
}

/// True when the partner is based abroad (its country is known and is not Morocco).
fn is_foreign(partner: &Organisation) -> bool {
    partner.country_code.as_ref().is_some_and(|c| !c.is_home())
}

/// True for a foreign public administration: IATI type 10, 11 or 15 or the category
/// FOREIGN_ADMINISTRATION, and not based in Morocco (a Moroccan ministry is type 10 too).
fn is_foreign_administration(partner: &Organisation) -> bool {
    let public = matches!(
        partner.iati_org_type,
        Some(
            OrganisationType::Government
                | OrganisationType::LocalGovernment
                | OrganisationType::OtherPublicSector
        )
    ) || partner.category == PartnerCategory::ForeignAdministration;
    public && !partner.country_code.as_ref().is_some_and(|c| c.is_home())
}

/// True for an international NGO, a regional or a multilateral body (IATI 21, 23, 40, or the
/// categories INTERNATIONAL_NGO and INTERGOVERNMENTAL_ORG).
fn is_international_body(partner: &Organisation) -> bool {
    matches!(
        partner.iati_org_type,
        Some(
            OrganisationType::InternationalNgo
                | OrganisationType::RegionalNgo
                | OrganisationType::Multilateral
        )
    ) || matches!(
        partner.category,
        PartnerCategory::InternationalNgo | PartnerCategory::IntergovernmentalOrg
    )
}

/// True for a national partner: based in Morocco, or of unknown country and not of an
/// international category.
fn is_national(partner: &Organisation) -> bool {
    match &partner.country_code {
        Some(country) => country.is_home(),
        None => !matches!(
            partner.category,
            PartnerCategory::ForeignAdministration
                | PartnerCategory::InternationalNgo
                | PartnerCategory::IntergovernmentalOrg
        ),
    }
}

/// The typology's refusals for a partnership of `scope` and `modality` with `partner`
/// (DOMAIN.md §4.2), as field errors on `scope` and `modality`. Also used when an update
/// changes the scope, the modality or the partner's country or type.
pub fn typology_problems(
    scope: PartnershipScope,
    modality: PartnershipModality,
    partner: &Organisation,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if is_foreign(partner) && scope != PartnershipScope::International {
        errors.push(FieldError::new(
            "scope",
            Problem::ForeignPartnerMustBeInternational,
        ));
    } else if (modality == PartnershipModality::DirectNational)
        != (scope == PartnershipScope::National)
    {
        errors.push(FieldError::new(
            "modality",
            Problem::ModalityDoesNotMatchScope,
        ));
    }
    let modality_problem = match modality {
        PartnershipModality::Bilateral if !is_foreign_administration(partner) => {
            Some(Problem::BilateralNeedsForeignAdministration)
        }
        PartnershipModality::Multilateral if !is_international_body(partner) => {
            Some(Problem::MultilateralNeedsInternationalBody)
        }
        PartnershipModality::DirectNational if !is_national(partner) => {
            Some(Problem::DirectNationalNeedsNationalPartner)
        }
        _ => None,
    };
    errors.extend(modality_problem.map(|p| FieldError::new("modality", p)));
    errors
}

impl NewPartnership {
    /// Validates `input` against the organisation its `partnerId` names (`None` when no such
    /// organisation exists), reporting every invalid field at once.
    pub fn validate(
        input: PartnershipInput,
        partner: Option<&Organisation>,
    ) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let partner_id = check.id("partnerId", &input.partner_id, OrganisationId::parse);
        match (partner, &partner_id) {
            (Some(org), Some(id)) if org.id != *id => {
                check.add(
                    "partnerId",
                    Problem::NotFound {
                        kind: "Organisation",
                    },
                );
            }
            (Some(org), _) => {
                if org.is_home {
                    check.add("partnerId", Problem::PartnerIsHome);
                }
                check
                    .errors
                    .extend(typology_problems(input.scope, input.modality, org));
            }
            (None, Some(_)) => check.add(
                "partnerId",
                Problem::NotFound {
                    kind: "Organisation",
                },
            ),
            (None, None) => {}
        }
        let since = check.date("since", input.since.as_deref());
        check.finish(|| {
            Some(NewPartnership {
                partner_id: partner_id?,
                scope: input.scope,
                modality: input.modality,
                themes: dedup(&input.themes),
                since,
                status: input.status,
                is_strategic: input.is_strategic,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::commands::tests::{one, refusals};
    use crate::model::{CountryCode, RecordMeta};
    use crate::text::LocalizedText;

    fn org(
        id: &str,
        category: PartnerCategory,
        iati: Option<OrganisationType>,
        country: Option<&str>,
    ) -> Organisation {
        Organisation {
            id: OrganisationId::from_trusted(id.into()),
            name: LocalizedText::new(None, Some(id.into()), None),
            acronym: None,
            category,
            iati_org_type: iati,
            legal_nature: None,
            country_code: country.map(|c| CountryCode::parse(c).unwrap_or_else(|e| panic!("{e}"))),
            parent_id: None,
            founded_on: None,
            website: None,
            description: LocalizedText::default(),
            identifiers: Vec::new(),
            is_home: false,
            meta: RecordMeta {
                version: 1,
                created_at: DateTime::<Utc>::MIN_UTC,
                updated_at: DateTime::<Utc>::MIN_UTC,
                archived_at: None,
                demo: false,
            },
        }
    }

    fn input(id: &str, scope: PartnershipScope, modality: PartnershipModality) -> PartnershipInput {
        PartnershipInput {
            partner_id: id.into(),
            scope,
            modality,
            themes: vec![Theme::CapacityBuilding, Theme::CapacityBuilding],
            since: None,
            status: PartnershipStatus::Active,
            is_strategic: false,
        }
    }

    use OrganisationType as T;
    use PartnerCategory as C;
    use PartnershipModality as M;
    use PartnershipScope as S;

    #[test]
    fn the_seed_typology_is_accepted() {
        let cases = [
            (
                org("org:fm6", C::Foundation, Some(T::Foundation), Some("MA")),
                S::National,
                M::DirectNational,
            ),
            (
                org(
                    "org:emi",
                    C::AcademicInstitution,
                    Some(T::Academic),
                    Some("MA"),
                ),
                S::National,
                M::DirectNational,
            ),
            (
                org(
                    "org:fr-dap",
                    C::ForeignAdministration,
                    Some(T::Government),
                    Some("FR"),
                ),
                S::International,
                M::Bilateral,
            ),
            (
                org(
                    "org:pri",
                    C::InternationalNgo,
                    Some(T::InternationalNgo),
                    Some("GB"),
                ),
                S::International,
                M::Multilateral,
            ),
            (
                org(
                    "org:eu",
                    C::IntergovernmentalOrg,
                    Some(T::Multilateral),
                    None,
                ),
                S::International,
                M::Multilateral,
            ),
        ];
        for (partner, scope, modality) in cases {
            let id = partner.id.as_str().to_owned();
            let ok = NewPartnership::validate(input(&id, scope, modality), Some(&partner));
            let ok = ok.unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(ok.themes, [Theme::CapacityBuilding]);
        }
    }

    #[test]
    fn each_typology_rule_refuses() {
        let fr = org(
            "org:fr-dap",
            C::ForeignAdministration,
            Some(T::Government),
            Some("FR"),
        );
        let pri = org(
            "org:pri",
            C::InternationalNgo,
            Some(T::InternationalNgo),
            Some("GB"),
        );
        let ministry = org(
            "org:anapec",
            C::PublicLawEntity,
            Some(T::Government),
            Some("MA"),
        );
        let cases = [
            (
                &fr,
                S::National,
                M::Bilateral,
                "scope",
                Problem::ForeignPartnerMustBeInternational,
            ),
            (
                &fr,
                S::International,
                M::Multilateral,
                "modality",
                Problem::MultilateralNeedsInternationalBody,
            ),
            (
                &pri,
                S::International,
                M::Bilateral,
                "modality",
                Problem::BilateralNeedsForeignAdministration,
            ),
            (
                &ministry,
                S::International,
                M::Bilateral,
                "modality",
                Problem::BilateralNeedsForeignAdministration,
            ),
            (
                &ministry,
                S::National,
                M::Bilateral,
                "modality",
                Problem::ModalityDoesNotMatchScope,
            ),
        ];
        for (partner, scope, modality, path, problem) in cases {
            let result = NewPartnership::validate(
                input(partner.id.as_str(), scope, modality),
                Some(partner),
            );
            let got = refusals(result);
            assert!(got.contains(&(path.to_owned(), problem.clone())), "{got:?}");
        }
        let abroad_direct = NewPartnership::validate(
            input("org:pri", S::International, M::DirectNational),
            Some(&pri),
        );
        assert_eq!(
            refusals(abroad_direct),
            [
                ("modality".to_owned(), Problem::ModalityDoesNotMatchScope),
                (
                    "modality".to_owned(),
                    Problem::DirectNationalNeedsNationalPartner
                ),
            ]
        );
    }

    #[test]
    fn the_partner_must_exist_and_not_be_home() {
        let missing =
            NewPartnership::validate(input("org:x", S::National, M::DirectNational), None);
        assert_eq!(
            refusals(missing),
            one(
                "partnerId",
                Problem::NotFound {
                    kind: "Organisation"
                }
            )
        );
        let blank = NewPartnership::validate(input(" ", S::National, M::DirectNational), None);
        assert_eq!(refusals(blank), one("partnerId", Problem::Required));
        let mut home = org(
            "org:dgapr",
            C::PublicLawEntity,
            Some(T::Government),
            Some("MA"),
        );
        home.is_home = true;
        let itself = NewPartnership::validate(
            input("org:dgapr", S::National, M::DirectNational),
            Some(&home),
        );
        assert_eq!(refusals(itself), one("partnerId", Problem::PartnerIsHome));
        let mut bad_since = input("org:dgapr", S::National, M::DirectNational);
        bad_since.since = Some("soon".into());
        home.is_home = false;
        assert_eq!(
            refusals(NewPartnership::validate(bad_since, Some(&home))),
            one("since", Problem::InvalidDate)
        );
    }
}
