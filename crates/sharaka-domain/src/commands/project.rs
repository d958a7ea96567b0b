//! Creating projects (IATI activities) with their participating organisations and sectors.

use super::{Check, MAX_LABEL_CHARS};
use crate::codes::OrganisationRole;
use crate::error::DomainError;
use crate::ids::{OrganisationId, ProjectId};
use crate::model::ProjectDates;
use crate::problem::Problem;
use crate::text::LocalizedText;

/// A participating organisation as submitted (`participants[i]`).
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantInput {
    /// The organisation's id (`organisationId`).
    pub organisation_id: String,
    /// Its IATI role 1–4 (`role`).
    pub role: OrganisationRole,
}

/// A sector as submitted (`sectors[i]`).
#[derive(Debug, Clone, PartialEq)]
pub struct SectorInput {
    /// IATI SectorVocabulary: 1 = DAC 5-digit, 2 = DAC 3-digit, … (`vocabulary`).
    pub vocabulary: i32,
    /// The sector's code in that vocabulary, such as `15137` (`code`).
    pub code: String,
    /// Share of the project, 0–100 (`percentage`).
    pub percentage: Option<i32>,
}

/// A project as submitted.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectInput {
    /// IATI activity identifier (`iatiIdentifier`).
    pub iati_identifier: Option<String>,
    /// Title in at least one language (`title`).
    pub title: LocalizedText,
    /// Description (`description`).
    pub description: LocalizedText,
    /// Parent project (`parentId`).
    pub parent_id: Option<String>,
    /// Planned start (`plannedStart`).
    pub planned_start: Option<String>,
    /// Actual start (`actualStart`).
    pub actual_start: Option<String>,
    /// Planned end (`plannedEnd`).
    pub planned_end: Option<String>,
    /// Actual end (`actualEnd`).
    pub actual_end: Option<String>,
    /// Participating organisations (`participants`).
    pub participants: Vec<ParticipantInput>,
    /// Sectors (`sectors`).
    pub sectors: Vec<SectorInput>,
}

/// A valid participating organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewParticipant {
    /// The organisation.
    pub organisation_id: OrganisationId,
    /// Its IATI role.
    pub role: OrganisationRole,
}

/// A valid sector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSector {
    /// IATI SectorVocabulary.
    pub vocabulary: i32,
    /// The code in that vocabulary.
    pub code: String,
    /// Share of the project, 0–100.
    pub percentage: Option<i32>,
}

/// A valid project to create. It starts as `PIPELINE` (IATI 1).
#[derive(Debug, Clone, PartialEq)]
pub struct NewProject {
    /// IATI activity identifier.
    pub iati_identifier: Option<String>,
    /// Title.
    pub title: LocalizedText,
    /// Description.
    pub description: LocalizedText,
    /// Parent project.
    pub parent_id: Option<ProjectId>,
    /// Planned and actual dates, each start not after its end.
    pub dates: ProjectDates,
    /// Distinct (organisation, role) pairs.
    pub participants: Vec<NewParticipant>,
    /// Distinct sectors, percentages ≤ 100 per vocabulary.
    pub sectors: Vec<NewSector>,
}

/// The number of digits codes of `vocabulary` have, when the vocabulary fixes it (DAC 5 and 3).
fn code_digits(vocabulary: i32) -> Option<u32> {
    match vocabulary {
        1 => Some(5),
        2 => Some(3),
        _ => None,
    }
}

/// Checks the sectors and returns the valid ones.
fn check_sectors(check: &mut Check, sectors: &[SectorInput]) -> Vec<NewSector> {
    let mut out: Vec<NewSector> = Vec::new();
    for (i, sector) in sectors.iter().enumerate() {
        if !(1..=10).contains(&sector.vocabulary) && !matches!(sector.vocabulary, 98 | 99) {
            check.add(
                format!("sectors[{i}].vocabulary"),
                Problem::InvalidSectorVocabulary,
            );
        }
        let path = format!("sectors[{i}].code");
        let code = sector.code.trim().to_owned();
        match code_digits(sector.vocabulary) {
            _ if code.is_empty() => check.add(&path, Problem::Required),
            Some(digits)
                if code.len() != digits as usize || !code.bytes().all(|b| b.is_ascii_digit()) =>
            {
                check.add(&path, Problem::InvalidSectorCode { digits });
            }
            _ => {
                check.label(&path, Some(&code), 32);
            }
        }
        if out
            .iter()
            .any(|s| s.vocabulary == sector.vocabulary && s.code == code)
        {
            check.add(&path, Problem::DuplicateEntry);
        }
        if sector.percentage.is_some_and(|p| !(0..=100).contains(&p)) {
            check.add(
                format!("sectors[{i}].percentage"),
                Problem::PercentageOutOfRange,
            );
        }
        out.push(NewSector {
            vocabulary: sector.vocabulary,
            code,
            percentage: sector.percentage,
        });
    }
    let mut vocabularies: Vec<i32> = out.iter().map(|s| s.vocabulary).collect();
    vocabularies.sort_unstable();
    vocabularies.dedup();
    for vocabulary in vocabularies {
        let total: i64 = out
            .iter()
            .filter(|s| s.vocabulary == vocabulary)
            .filter_map(|s| s.percentage.filter(|p| (0..=100).contains(p)))
            .map(i64::from)
            .sum();
        if total > 100 {
            check.add("sectors", Problem::PercentageTotalOver100 { vocabulary });
        }
    }
    out
}

impl TryFrom<ProjectInput> for NewProject {
    type Error = DomainError;

    fn try_from(input: ProjectInput) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let iati_identifier = check.label(
            "iatiIdentifier",
            input.iati_identifier.as_deref(),
            MAX_LABEL_CHARS,
        );
        if iati_identifier
            .as_deref()
            .is_some_and(|id| id.chars().any(char::is_whitespace))
        {
            check.add("iatiIdentifier", Problem::ForbiddenCharacters);
        }
        let title = check.title("title", &input.title);
        let description = check.prose("description", &input.description);
        let parent_id = check.opt_id("parentId", input.parent_id.as_deref(), ProjectId::parse);
        let dates = ProjectDates {
            planned_start: check.date("plannedStart", input.planned_start.as_deref()),
            actual_start: check.date("actualStart", input.actual_start.as_deref()),
            planned_end: check.date("plannedEnd", input.planned_end.as_deref()),
            actual_end: check.date("actualEnd", input.actual_end.as_deref()),
        };
        check.date_order(&[
            ("plannedStart", dates.planned_start),
            ("plannedEnd", dates.planned_end),
        ]);
        check.date_order(&[
            ("actualStart", dates.actual_start),
            ("actualEnd", dates.actual_end),
        ]);

        let mut participants: Vec<Option<NewParticipant>> = Vec::new();
        for (i, participant) in input.participants.iter().enumerate() {
            let organisation_id = check.id(
                &format!("participants[{i}].organisationId"),
                &participant.organisation_id,
                OrganisationId::parse,
            );
            let candidate = organisation_id.map(|organisation_id| NewParticipant {
                organisation_id,
                role: participant.role,
            });
            if candidate.is_some() && participants.contains(&candidate) {
                check.add(format!("participants[{i}].role"), Problem::DuplicateEntry);
            }
            participants.push(candidate);
        }
        let sectors = check_sectors(&mut check, &input.sectors);

        check.finish(|| {
            Some(NewProject {
                iati_identifier,
                title,
                description,
                parent_id,
                dates,
                participants: participants.into_iter().collect::<Option<Vec<_>>>()?,
                sectors,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::tests::{Case, one, refusals};

    fn sector(vocabulary: i32, code: &str, percentage: Option<i32>) -> SectorInput {
        SectorInput {
            vocabulary,
            code: code.into(),
            percentage,
        }
    }

    fn project() -> ProjectInput {
        ProjectInput {
            iati_identifier: Some("XM-DAC-MA-DGAPR-groundwater".into()),
            title: LocalizedText::new(None, Some("Prospection des eaux souterraines".into()), None),
            description: LocalizedText::default(),
            parent_id: None,
            planned_start: Some("2016".into()),
            actual_start: None,
            planned_end: Some("2018-12".into()),
            actual_end: None,
            participants: vec![
                ParticipantInput {
                    organisation_id: "org:dgapr".into(),
                    role: OrganisationRole::Accountable,
                },
                ParticipantInput {
                    organisation_id: "org:emi".into(),
                    role: OrganisationRole::Implementing,
                },
            ],
            sectors: vec![
                sector(1, "31140", Some(60)),
                sector(1, "31181", Some(20)),
                sector(1, "15137", Some(20)),
                sector(7, "16.3", Some(100)),
            ],
        }
    }

    #[test]
    fn a_valid_project_is_accepted() {
        let ok = NewProject::try_from(project()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.sectors.len(), 4);
        assert_eq!(ok.participants[1].role, OrganisationRole::Implementing);
    }

    #[test]
    fn each_project_rule_refuses() {
        let cases: Vec<Case<ProjectInput>> = vec![
            (
                |i| i.title = LocalizedText::default(),
                "title",
                Problem::NeedsOneLanguage,
            ),
            (
                |i| i.planned_end = Some("2015".into()),
                "plannedEnd",
                Problem::DateOrder {
                    earlier_field: "plannedStart",
                },
            ),
            (
                |i| {
                    i.actual_start = Some("2017-02".into());
                    i.actual_end = Some("2017-01-31".into());
                },
                "actualEnd",
                Problem::DateOrder {
                    earlier_field: "actualStart",
                },
            ),
            (
                |i| {
                    i.participants[1].organisation_id = "org:dgapr".into();
                    i.participants[1].role = OrganisationRole::Accountable;
                },
                "participants[1].role",
                Problem::DuplicateEntry,
            ),
            (
                |i| i.participants[0].organisation_id = String::new(),
                "participants[0].organisationId",
                Problem::Required,
            ),
            (
                |i| i.sectors[0].percentage = Some(101),
                "sectors[0].percentage",
                Problem::PercentageOutOfRange,
            ),
            (
                |i| i.sectors[0].percentage = Some(-1),
                "sectors[0].percentage",
                Problem::PercentageOutOfRange,
            ),
            (
                |i| i.sectors[0].percentage = Some(61),
                "sectors",
                Problem::PercentageTotalOver100 { vocabulary: 1 },
            ),
            (
                |i| i.sectors[1].code = "3118".into(),
                "sectors[1].code",
                Problem::InvalidSectorCode { digits: 5 },
            ),
            (
                |i| i.sectors[1].code = "31140".into(),
                "sectors[1].code",
                Problem::DuplicateEntry,
            ),
            (
                |i| i.sectors[3].code = " ".into(),
                "sectors[3].code",
                Problem::Required,
            ),
            (
                |i| i.sectors[3].vocabulary = 11,
                "sectors[3].vocabulary",
                Problem::InvalidSectorVocabulary,
            ),
            (
                |i| i.iati_identifier = Some("XM DAC".into()),
                "iatiIdentifier",
                Problem::ForbiddenCharacters,
            ),
        ];
        for (edit, path, problem) in cases {
            let mut input = project();
            edit(&mut input);
            assert_eq!(
                refusals(NewProject::try_from(input)),
                one(path, problem),
                "{path}"
            );
        }
    }
}
