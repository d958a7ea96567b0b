//! Creating organisations and sites.

use super::{Check, MAX_LABEL_CHARS};
use crate::codes::{LegalNature, OrganisationType, PartnerCategory, SiteStatus, SiteType};
use crate::error::DomainError;
use crate::ids::{OrganisationId, RegionId, SiteId};
use crate::model::CountryCode;
use crate::partial_date::PartialDate;
use crate::problem::Problem;
use crate::text::LocalizedText;

/// The longest acronym, in characters.
const MAX_ACRONYM_CHARS: usize = 32;
/// The longest web address, in characters.
const MAX_URL_CHARS: usize = 2048;

/// An organisation as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationInput {
    /// Name in at least one language (`name`).
    pub name: LocalizedText,
    /// Short name, at most 32 characters (`acronym`).
    pub acronym: Option<String>,
    /// The source's partner category (`category`).
    pub category: PartnerCategory,
    /// IATI organisation type (`iatiOrgType`).
    pub iati_org_type: Option<OrganisationType>,
    /// Body of law (`legalNature`).
    pub legal_nature: Option<LegalNature>,
    /// ISO 3166-1 alpha-2 country (`countryCode`).
    pub country_code: Option<String>,
    /// The parent organisation's id (`parentId`).
    pub parent_id: Option<String>,
    /// Founding date, `YYYY[-MM[-DD]]` (`foundedOn`).
    pub founded_on: Option<String>,
    /// Web site, `http` or `https` (`website`).
    pub website: Option<String>,
    /// Description (`description`).
    pub description: LocalizedText,
}

/// A valid organisation to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganisation {
    /// Name, non-empty in at least one language.
    pub name: LocalizedText,
    /// Short name.
    pub acronym: Option<String>,
    /// Partner category.
    pub category: PartnerCategory,
    /// IATI organisation type.
    pub iati_org_type: Option<OrganisationType>,
    /// Body of law.
    pub legal_nature: Option<LegalNature>,
    /// Country.
    pub country_code: Option<CountryCode>,
    /// Parent organisation.
    pub parent_id: Option<OrganisationId>,
    /// Founding date.
    pub founded_on: Option<PartialDate>,
    /// Web site.
    pub website: Option<String>,
    /// Description.
    pub description: LocalizedText,
}

/// True for an absolute `http`/`https` address with a plausible host and no spaces.
fn is_web_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            authority
        }
    });
    !host.is_empty()
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

impl TryFrom<OrganisationInput> for NewOrganisation {
    type Error = DomainError;

    fn try_from(input: OrganisationInput) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let name = check.title("name", &input.name);
        let acronym = check.label("acronym", input.acronym.as_deref(), MAX_ACRONYM_CHARS);
        let country_code = check.country("countryCode", input.country_code.as_deref());
        let parent_id = check.opt_id(
            "parentId",
            input.parent_id.as_deref(),
            OrganisationId::parse,
        );
        let founded_on = check.date("foundedOn", input.founded_on.as_deref());
        let website = check.label("website", input.website.as_deref(), MAX_URL_CHARS);
        if website.as_deref().is_some_and(|url| !is_web_url(url)) {
            check.add("website", Problem::InvalidUrl);
        }
        let description = check.prose("description", &input.description);
        check.finish(|| {
            Some(NewOrganisation {
                name,
                acronym,
                category: input.category,
                iati_org_type: input.iati_org_type,
                legal_nature: input.legal_nature,
                country_code,
                parent_id,
                founded_on,
                website,
                description,
            })
        })
    }
}

/// A site as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteInput {
    /// Kind of place (`siteType`).
    pub site_type: SiteType,
    /// Name in at least one language (`name`).
    pub name: LocalizedText,
    /// Operating organisation's id (`operatorId`).
    pub operator_id: Option<String>,
    /// Region, `MA-01` … `MA-12` (`regionCode`).
    pub region_code: Option<String>,
    /// City (`city`).
    pub city: Option<String>,
    /// The site it belongs to, such as a regional directorate (`parentId`).
    pub parent_id: Option<String>,
    /// Operational status (`status`).
    pub status: SiteStatus,
    /// Opening date (`openedOn`).
    pub opened_on: Option<String>,
}

/// A valid site to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSite {
    /// Kind of place.
    pub site_type: SiteType,
    /// Name.
    pub name: LocalizedText,
    /// Operating organisation.
    pub operator_id: Option<OrganisationId>,
    /// Region.
    pub region_id: Option<RegionId>,
    /// City.
    pub city: Option<String>,
    /// Parent site.
    pub parent_id: Option<SiteId>,
    /// Operational status.
    pub status: SiteStatus,
    /// Opening date.
    pub opened_on: Option<PartialDate>,
}

/// True for `MA-01` … `MA-12`.
pub(crate) fn is_region_code(code: &str) -> bool {
    code.strip_prefix("MA-")
        .filter(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<u8>().ok())
        .is_some_and(|n| (1..=12).contains(&n))
}

impl TryFrom<SiteInput> for NewSite {
    type Error = DomainError;

    fn try_from(input: SiteInput) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let name = check.title("name", &input.name);
        let operator_id = check.opt_id(
            "operatorId",
            input.operator_id.as_deref(),
            OrganisationId::parse,
        );
        let region_id = match input.region_code.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => {
                let code = code.to_ascii_uppercase();
                if is_region_code(&code) {
                    Some(RegionId::from_trusted(code))
                } else {
                    check.add("regionCode", Problem::InvalidRegionCode);
                    None
                }
            }
            _ => None,
        };
        let city = check.label("city", input.city.as_deref(), MAX_LABEL_CHARS);
        let parent_id = check.opt_id("parentId", input.parent_id.as_deref(), SiteId::parse);
        let opened_on = check.date("openedOn", input.opened_on.as_deref());
        check.finish(|| {
            Some(NewSite {
                site_type: input.site_type,
                name,
                operator_id,
                region_id,
                city,
                parent_id,
                status: input.status,
                opened_on,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::tests::{Case, one, refusals};

    fn organisation() -> OrganisationInput {
        OrganisationInput {
            name: LocalizedText::new(None, Some("Penal Reform International".into()), None),
            acronym: Some("PRI".into()),
            category: PartnerCategory::InternationalNgo,
            iati_org_type: Some(OrganisationType::InternationalNgo),
            legal_nature: None,
            country_code: Some("gb".into()),
            parent_id: None,
            founded_on: Some("1989".into()),
            website: Some("https://www.penalreform.org/".into()),
            description: LocalizedText::default(),
        }
    }

    #[test]
    fn a_valid_organisation_is_normalised() {
        let org = NewOrganisation::try_from(organisation()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            org.country_code.map(|c| c.as_str().to_owned()).as_deref(),
            Some("GB")
        );
        assert_eq!(
            org.founded_on.map(|d| d.to_string()).as_deref(),
            Some("1989")
        );
    }

    #[test]
    fn each_organisation_rule_refuses() {
        let cases: Vec<Case<OrganisationInput>> = vec![
            (
                |i| i.name = LocalizedText::default(),
                "name",
                Problem::NeedsOneLanguage,
            ),
            (
                |i| i.acronym = Some("A".repeat(33)),
                "acronym",
                Problem::TooLong { max: 32 },
            ),
            (
                |i| i.acronym = Some("PRI\u{2066}".into()),
                "acronym",
                Problem::ForbiddenCharacters,
            ),
            (
                |i| i.name.ar = Some("منظمة\u{202B}".into()),
                "name.ar",
                Problem::ForbiddenCharacters,
            ),
            (
                |i| i.country_code = Some("UK".into()),
                "countryCode",
                Problem::InvalidCountryCode,
            ),
            (
                |i| i.founded_on = Some("1989-13".into()),
                "foundedOn",
                Problem::InvalidDate,
            ),
            (
                |i| i.website = Some("ftp://pri.org".into()),
                "website",
                Problem::InvalidUrl,
            ),
            (
                |i| i.website = Some("javascript:alert(1)".into()),
                "website",
                Problem::InvalidUrl,
            ),
            (
                |i| i.website = Some("https://".into()),
                "website",
                Problem::InvalidUrl,
            ),
            (
                |i| i.parent_id = Some("x".repeat(129)),
                "parentId",
                Problem::InvalidId {
                    kind: "Organisation",
                },
            ),
        ];
        for (edit, path, problem) in cases {
            let mut input = organisation();
            edit(&mut input);
            assert_eq!(
                refusals(NewOrganisation::try_from(input)),
                one(path, problem)
            );
        }
    }

    #[test]
    fn urls_with_ports_and_paths_pass() {
        assert!(is_web_url("http://example.ma:8080/a?b#c"));
        assert!(is_web_url("HTTPS://dgapr.gov.ma"));
        assert!(!is_web_url("https://exa mple.ma"));
        assert!(!is_web_url("https://user@evil.example"));
    }

    fn site() -> SiteInput {
        SiteInput {
            site_type: SiteType::AgriculturalPrison,
            name: LocalizedText::new(Some("السجن الفلاحي بالرماني".into()), None, None),
            operator_id: Some("org:dgapr".into()),
            region_code: Some("MA-04".into()),
            city: Some("Rommani".into()),
            parent_id: None,
            status: SiteStatus::Operational,
            opened_on: None,
        }
    }

    #[test]
    fn each_site_rule_refuses() {
        let ok = NewSite::try_from(site()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            ok.region_id.map(RegionId::into_inner).as_deref(),
            Some("MA-04")
        );
        for bad in ["MA-13", "MA-00", "MA-4", "FR-01"] {
            let mut input = site();
            input.region_code = Some(bad.into());
            assert_eq!(
                refusals(NewSite::try_from(input)),
                one("regionCode", Problem::InvalidRegionCode)
            );
        }
        let mut input = site();
        input.name = LocalizedText::default();
        input.opened_on = Some("2009/11/17".into());
        input.city = Some("C".repeat(129));
        assert_eq!(
            refusals(NewSite::try_from(input)),
            [
                ("name".to_owned(), Problem::NeedsOneLanguage),
                ("city".to_owned(), Problem::TooLong { max: 128 }),
                ("openedOn".to_owned(), Problem::InvalidDate),
            ]
        );
    }
}
