//! Creating training sessions with their tallies, and the tally rules shared with the
//! session's lifecycle.

use super::{Check, MAX_LABEL_CHARS, dedup};
use crate::codes::{DeliveryMode, StaffCategory, TrainingAudience, TrainingTopic};
use crate::error::DomainError;
use crate::ids::{AgreementId, OrganisationId, ProjectId, SiteId};
use crate::model::{CountryCode, Tally};
use crate::partial_date::PartialDate;
use crate::problem::Problem;
use crate::text::LocalizedText;

/// A tally as submitted (`tallies[i]`): it has the stored shape, and only its numbers can be
/// wrong.
pub type NewTally = Tally;

/// True when a tally's counts are non-negative and `completed ≤ attended ≤ enrolled`.
pub(crate) fn tally_is_consistent(tally: &Tally) -> bool {
    0 <= tally.completed && tally.completed <= tally.attended && tally.attended <= tally.enrolled
}

/// Records the problems of `tallies` under `tallies[i].…`: negative counts, a broken
/// `completed ≤ attended ≤ enrolled`, and two rows for the same sex and age band.
fn check_tallies(check: &mut Check, tallies: &[NewTally]) {
    for (i, tally) in tallies.iter().enumerate() {
        let path = |field: &str| format!("tallies[{i}].{field}");
        check.count(&path("enrolled"), tally.enrolled);
        check.count(&path("attended"), tally.attended);
        check.count(&path("completed"), tally.completed);
        if tally.attended > tally.enrolled && tally.enrolled >= 0 {
            check.add(path("attended"), Problem::TallyOrder);
        }
        if tally.completed > tally.attended && tally.attended >= 0 {
            check.add(path("completed"), Problem::TallyOrder);
        }
        let seen = tallies[..i]
            .iter()
            .any(|t| t.sex == tally.sex && t.age_band == tally.age_band);
        if seen {
            check.add(path("sex"), Problem::DuplicateEntry);
        }
    }
}

/// Validates a list of tallies on its own, as when a session's tallies are replaced.
/// (Whether they may change at all is [`crate::lifecycle::ensure_tallies_editable`].)
pub fn validate_tallies(tallies: &[NewTally]) -> Result<(), DomainError> {
    let mut check = Check::default();
    check_tallies(&mut check, tallies);
    check.finish(|| Some(()))
}

/// A training session as submitted, with its tallies.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSessionInput {
    /// Title in at least one language (`title`).
    pub title: LocalizedText,
    /// The project it belongs to (`projectId`).
    pub project_id: Option<String>,
    /// The agreement it falls under (`agreementId`).
    pub agreement_id: Option<String>,
    /// The organising organisation (`organiserId`).
    pub organiser_id: Option<String>,
    /// The trainers' organisations (`providerIds`).
    pub provider_ids: Vec<String>,
    /// Who is trained (`audience`).
    pub audience: TrainingAudience,
    /// For staff, which category (`staffCategory`).
    pub staff_category: Option<StaffCategory>,
    /// Topics; duplicates are dropped (`topics`).
    pub topics: Vec<TrainingTopic>,
    /// In person, remote or blended (`deliveryMode`).
    pub delivery_mode: Option<DeliveryMode>,
    /// Venue site (`venueSiteId`).
    pub venue_site_id: Option<String>,
    /// Venue country, when abroad (`venueCountry`).
    pub venue_country: Option<String>,
    /// Venue city (`venueCity`).
    pub venue_city: Option<String>,
    /// First day (`startDate`).
    pub start_date: Option<String>,
    /// Last day (`endDate`).
    pub end_date: Option<String>,
    /// Contact hours, ≥ 0 (`contactHours`).
    pub contact_hours: Option<f64>,
    /// Series the session belongs to (`seriesId`).
    pub series_id: Option<String>,
    /// Position in the series, from 1 (`cycleNumber`).
    pub cycle_number: Option<i32>,
    /// Aggregate tallies (`tallies`).
    pub tallies: Vec<NewTally>,
}

/// A valid training session to create. It starts as `PLANNED`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTrainingSession {
    /// Title.
    pub title: LocalizedText,
    /// Project.
    pub project_id: Option<ProjectId>,
    /// Agreement.
    pub agreement_id: Option<AgreementId>,
    /// Organiser.
    pub organiser_id: Option<OrganisationId>,
    /// Distinct providers.
    pub provider_ids: Vec<OrganisationId>,
    /// Audience.
    pub audience: TrainingAudience,
    /// Staff category.
    pub staff_category: Option<StaffCategory>,
    /// Distinct topics.
    pub topics: Vec<TrainingTopic>,
    /// Delivery mode.
    pub delivery_mode: Option<DeliveryMode>,
    /// Venue site.
    pub venue_site_id: Option<SiteId>,
    /// Venue country.
    pub venue_country: Option<CountryCode>,
    /// Venue city.
    pub venue_city: Option<String>,
    /// First day.
    pub start_date: Option<PartialDate>,
    /// Last day, not before the first.
    pub end_date: Option<PartialDate>,
    /// Contact hours, finite and ≥ 0.
    pub contact_hours: Option<f64>,
    /// Series.
    pub series_id: Option<String>,
    /// Position in the series, ≥ 1.
    pub cycle_number: Option<i32>,
    /// Consistent tallies, one per sex and age band.
    pub tallies: Vec<Tally>,
}

impl TryFrom<TrainingSessionInput> for NewTrainingSession {
    type Error = DomainError;

    fn try_from(input: TrainingSessionInput) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let title = check.title("title", &input.title);
        let project_id = check.opt_id("projectId", input.project_id.as_deref(), ProjectId::parse);
        let agreement_id = check.opt_id(
            "agreementId",
            input.agreement_id.as_deref(),
            AgreementId::parse,
        );
        let organiser_id = check.opt_id(
            "organiserId",
            input.organiser_id.as_deref(),
            OrganisationId::parse,
        );
        let mut provider_ids = Vec::new();
        for (i, raw) in input.provider_ids.iter().enumerate() {
            let id = check.id(&format!("providerIds[{i}]"), raw, OrganisationId::parse);
            if let Some(id) = id.filter(|id| !provider_ids.contains(id)) {
                provider_ids.push(id);
            }
        }
        let venue_site_id =
            check.opt_id("venueSiteId", input.venue_site_id.as_deref(), SiteId::parse);
        let venue_country = check.country("venueCountry", input.venue_country.as_deref());
        let venue_city = check.label("venueCity", input.venue_city.as_deref(), MAX_LABEL_CHARS);
        let start_date = check.date("startDate", input.start_date.as_deref());
        let end_date = check.date("endDate", input.end_date.as_deref());
        check.date_order(&[("startDate", start_date), ("endDate", end_date)]);
        match input.contact_hours {
            Some(hours) if !hours.is_finite() => check.add("contactHours", Problem::InvalidNumber),
            Some(hours) if hours < 0.0 => check.add("contactHours", Problem::Negative),
            _ => {}
        }
        let series_id = check.label("seriesId", input.series_id.as_deref(), MAX_LABEL_CHARS);
        if input.cycle_number.is_some_and(|n| n < 1) {
            check.add("cycleNumber", Problem::MustBePositive);
        }
        check_tallies(&mut check, &input.tallies);
        check.finish(|| {
            Some(NewTrainingSession {
                title,
                project_id,
                agreement_id,
                organiser_id,
                provider_ids,
                audience: input.audience,
                staff_category: input.staff_category,
                topics: dedup(&input.topics),
                delivery_mode: input.delivery_mode,
                venue_site_id,
                venue_country,
                venue_city,
                start_date,
                end_date,
                contact_hours: input.contact_hours,
                series_id,
                cycle_number: input.cycle_number,
                tallies: input.tallies,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{AgeBand, Sex};
    use crate::commands::tests::{Case, one, refusals};

    fn tally(sex: Sex, enrolled: i32, attended: i32, completed: i32) -> Tally {
        Tally {
            sex,
            age_band: None,
            enrolled,
            attended,
            completed,
        }
    }

    fn session() -> TrainingSessionInput {
        TrainingSessionInput {
            title: LocalizedText::new(None, Some("Gestion budgétaire".into()), None),
            project_id: Some("prj:be-capacity".into()),
            agreement_id: None,
            organiser_id: Some("org:dgapr".into()),
            provider_ids: vec!["org:be-justice".into(), "org:be-justice".into()],
            audience: TrainingAudience::Staff,
            staff_category: Some(StaffCategory::AdminFinance),
            topics: vec![TrainingTopic::BudgetManagement],
            delivery_mode: Some(DeliveryMode::InPerson),
            venue_site_id: None,
            venue_country: Some("BE".into()),
            venue_city: Some("Bruxelles".into()),
            start_date: Some("2012-05-07".into()),
            end_date: Some("2012-05-11".into()),
            contact_hours: Some(30.0),
            series_id: Some("be-cycles".into()),
            cycle_number: Some(3),
            tallies: vec![tally(Sex::Female, 8, 8, 7), tally(Sex::Male, 12, 11, 11)],
        }
    }

    #[test]
    fn a_valid_session_is_accepted() {
        let ok = NewTrainingSession::try_from(session()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ok.provider_ids.len(), 1);
        assert_eq!(ok.tallies.len(), 2);
    }

    #[test]
    fn each_session_rule_refuses() {
        let cases: Vec<Case<TrainingSessionInput>> = vec![
            (
                |i| i.title = LocalizedText::default(),
                "title",
                Problem::NeedsOneLanguage,
            ),
            (
                |i| i.end_date = Some("2012-05-06".into()),
                "endDate",
                Problem::DateOrder {
                    earlier_field: "startDate",
                },
            ),
            (
                |i| i.contact_hours = Some(-1.0),
                "contactHours",
                Problem::Negative,
            ),
            (
                |i| i.contact_hours = Some(f64::NAN),
                "contactHours",
                Problem::InvalidNumber,
            ),
            (
                |i| i.cycle_number = Some(0),
                "cycleNumber",
                Problem::MustBePositive,
            ),
            (
                |i| i.venue_country = Some("XX".into()),
                "venueCountry",
                Problem::InvalidCountryCode,
            ),
            (
                |i| i.provider_ids[1] = String::new(),
                "providerIds[1]",
                Problem::Required,
            ),
            (
                |i| i.tallies[1].completed = 12,
                "tallies[1].completed",
                Problem::TallyOrder,
            ),
            (
                |i| i.tallies[0].attended = 9,
                "tallies[0].attended",
                Problem::TallyOrder,
            ),
            (
                |i| i.tallies[0].completed = -1,
                "tallies[0].completed",
                Problem::Negative,
            ),
            (
                |i| i.tallies[1].sex = Sex::Female,
                "tallies[1].sex",
                Problem::DuplicateEntry,
            ),
        ];
        for (edit, path, problem) in cases {
            let mut input = session();
            edit(&mut input);
            assert_eq!(
                refusals(NewTrainingSession::try_from(input)),
                one(path, problem),
                "{path}"
            );
        }
    }

    #[test]
    fn tallies_of_different_age_bands_are_distinct_and_all_problems_listed() {
        let mut minors = tally(Sex::Male, 5, 5, 5);
        minors.age_band = Some(AgeBand::Under18);
        assert!(validate_tallies(&[tally(Sex::Male, 1, 1, 1), minors]).is_ok());
        let got = refusals(validate_tallies(&[
            tally(Sex::Female, -1, 0, 0),
            tally(Sex::Male, 3, 4, 5),
        ]));
        assert_eq!(
            got,
            [
                ("tallies[0].enrolled".to_owned(), Problem::Negative),
                ("tallies[1].attended".to_owned(), Problem::TallyOrder),
                ("tallies[1].completed".to_owned(), Problem::TallyOrder),
            ]
        );
    }

    #[test]
    fn consistency_matches_the_lifecycle_guard() {
        assert!(tally_is_consistent(&tally(Sex::Male, 3, 2, 2)));
        assert!(!tally_is_consistent(&tally(Sex::Male, 3, 4, 2)));
        assert!(!tally_is_consistent(&tally(Sex::Male, 3, 2, -1)));
    }
}
