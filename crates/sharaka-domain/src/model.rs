//! The records of the partnership graph (DOMAIN.md §4.2), as the rest of the system sees them,
//! and the values derived from them (participants, participant-hours, overdue commitments).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::codes::*;
use crate::error::DomainError;
use crate::ids::*;
use crate::partial_date::PartialDate;
use crate::text::LocalizedText;

/// Bookkeeping every mutable record carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMeta {
    /// Optimistic-concurrency version, starting at 1.
    pub version: i32,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// When the record was archived, if it is.
    pub archived_at: Option<DateTime<Utc>>,
    /// True for illustrative demo rows that are not sourced facts.
    pub demo: bool,
}

/// An ISO 3166-1 alpha-2 country code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode(String);

impl CountryCode {
    /// Parses two ASCII letters, upper-casing them.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(raw.to_ascii_uppercase()))
        } else {
            Err(DomainError::field(
                "countryCode",
                crate::Problem::InvalidCountryCode,
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for Morocco, the home country.
    pub fn is_home(&self) -> bool {
        self.0 == "MA"
    }
}

/// An ISO 4217 currency code with the number of decimals its minor unit has.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CurrencyCode(String);

impl CurrencyCode {
    /// Parses three ASCII letters, upper-casing them.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(raw.to_ascii_uppercase()))
        } else {
            Err(DomainError::field(
                "currency",
                crate::Problem::InvalidCurrencyCode,
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Decimals of the minor unit (ISO 4217): 0 for XOF, JPY and a few others, 3 for the
    /// dinar currencies, else 2.
    pub fn minor_digits(&self) -> u32 {
        let code = self.0.as_str();
        if Self::NO_MINOR_UNIT.contains(&code) {
            0
        } else if Self::THREE_DECIMALS.contains(&code) {
            3
        } else {
            2
        }
    }

    /// The currencies without a minor unit (amounts are stored in whole units). Public so that
    /// SQL which converts stored minor units can use the same list.
    pub const NO_MINOR_UNIT: [&'static str; 8] =
        ["XOF", "XAF", "JPY", "KRW", "CLP", "ISK", "UGX", "VND"];

    /// The currencies with a minor unit of a thousandth.
    pub const THREE_DECIMALS: [&'static str; 7] = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
}

/// An exact amount of money in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    /// The amount, with at most the currency's decimals.
    pub amount: Decimal,
    /// The currency.
    pub currency: CurrencyCode,
}

impl Money {
    /// Builds money from an amount in minor units (what storage keeps).
    pub fn from_minor(minor: i64, currency: CurrencyCode) -> Self {
        Self {
            amount: Decimal::new(minor, currency.minor_digits()),
            currency,
        }
    }
}

/// An organisation's identifier in a registry (IATI OrganisationRegistrationAgency).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OrgIdentifier {
    /// The registration agency's code, such as `GB-COH`.
    pub scheme: String,
    /// The identifier within that registry.
    pub value: String,
}

/// A partner organisation, or the home organisation (DGAPR).
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: LocalizedText,
    pub acronym: Option<String>,
    pub category: PartnerCategory,
    pub iati_org_type: Option<OrganisationType>,
    pub legal_nature: Option<LegalNature>,
    pub country_code: Option<CountryCode>,
    pub parent_id: Option<OrganisationId>,
    pub founded_on: Option<PartialDate>,
    pub website: Option<String>,
    pub description: LocalizedText,
    pub identifiers: Vec<OrgIdentifier>,
    pub is_home: bool,
    pub meta: RecordMeta,
}

/// One of Morocco's twelve regions.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub id: RegionId,
    pub name: LocalizedText,
    pub capital: LocalizedText,
    pub meta: RecordMeta,
}

/// A place: headquarters, directorate, prison, centre.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: SiteId,
    pub site_type: SiteType,
    pub name: LocalizedText,
    pub operator_id: Option<OrganisationId>,
    pub region_id: Option<RegionId>,
    pub city: Option<String>,
    pub parent_id: Option<SiteId>,
    pub status: SiteStatus,
    pub opened_on: Option<PartialDate>,
    pub meta: RecordMeta,
}

/// The ongoing relationship between the home organisation and a partner.
#[derive(Debug, Clone, PartialEq)]
pub struct Partnership {
    pub id: PartnershipId,
    pub home_org_id: OrganisationId,
    pub partner_org_id: OrganisationId,
    pub scope: PartnershipScope,
    pub modality: PartnershipModality,
    pub themes: Vec<Theme>,
    pub since: Option<PartialDate>,
    pub status: PartnershipStatus,
    pub is_strategic: bool,
    pub meta: RecordMeta,
}

/// The dates of an agreement's lifecycle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgreementDates {
    pub drafted_on: Option<PartialDate>,
    pub agreed_on: Option<PartialDate>,
    pub signed_on: Option<PartialDate>,
    pub effective_from: Option<PartialDate>,
    pub effective_to: Option<PartialDate>,
    pub terminated_on: Option<PartialDate>,
}

/// A legal instrument between parties.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    pub id: AgreementId,
    pub reference: Option<String>,
    pub agreement_type: AgreementType,
    pub status: AgreementStatus,
    pub title: LocalizedText,
    pub objectives: LocalizedText,
    pub themes: Vec<Theme>,
    pub dates: AgreementDates,
    pub parent_id: Option<AgreementId>,
    pub supersedes_id: Option<AgreementId>,
    pub meta: RecordMeta,
}

/// An organisation's place in an agreement.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementParty {
    pub id: AgreementPartyId,
    pub agreement_id: AgreementId,
    pub organisation_id: OrganisationId,
    pub role: AgreementPartyRole,
    pub signed_on: Option<PartialDate>,
    pub meta: RecordMeta,
}

/// What one party owes under an agreement.
#[derive(Debug, Clone, PartialEq)]
pub struct Commitment {
    pub id: CommitmentId,
    pub agreement_id: AgreementId,
    pub party_org_id: OrganisationId,
    pub kind: CommitmentKind,
    pub description: LocalizedText,
    pub due_on: Option<PartialDate>,
    pub status: CommitmentStatus,
    pub illustrative: bool,
    pub meta: RecordMeta,
}

impl CommitmentStatus {
    /// True once the commitment's outcome is settled.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Fulfilled | Self::PartiallyFulfilled | Self::NotFulfilled | Self::Waived
        )
    }
}

impl Commitment {
    /// Overdue: the due date has passed (the whole period it denotes) and the outcome is not
    /// settled. Computed, never stored.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        !self.status.is_terminal() && self.due_on.is_some_and(|due| due.latest() < today)
    }
}

/// The dates of a project (IATI ActivityDateType 1–4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectDates {
    pub planned_start: Option<PartialDate>,
    pub actual_start: Option<PartialDate>,
    pub planned_end: Option<PartialDate>,
    pub actual_end: Option<PartialDate>,
}

/// An IATI activity.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: ProjectId,
    pub iati_identifier: Option<String>,
    pub title: LocalizedText,
    pub description: LocalizedText,
    pub status: ActivityStatus,
    pub dates: ProjectDates,
    pub parent_id: Option<ProjectId>,
    pub meta: RecordMeta,
}

/// An organisation taking part in a project, with its IATI role.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectParticipant {
    pub project_id: ProjectId,
    pub organisation_id: OrganisationId,
    pub role: OrganisationRole,
}

/// A sector a project addresses (vocabulary 1 = OECD DAC 5-digit).
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectSector {
    pub project_id: ProjectId,
    pub vocabulary: i32,
    pub code: String,
    pub percentage: Option<i32>,
}

/// A resource an organisation brings: cash, goods, expertise, time.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub id: ContributionId,
    pub contributor_id: OrganisationId,
    pub project_id: Option<ProjectId>,
    pub agreement_id: Option<AgreementId>,
    pub training_session_id: Option<TrainingSessionId>,
    pub contribution_type: ContributionType,
    pub description: LocalizedText,
    pub quantity: Option<Decimal>,
    pub unit: Option<String>,
    pub value: Option<Money>,
    pub status: ContributionStatus,
    pub meta: RecordMeta,
}

/// Aggregate counts of one group of participants: never people, only numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub sex: Sex,
    pub age_band: Option<AgeBand>,
    pub enrolled: i32,
    pub attended: i32,
    pub completed: i32,
}

/// A training session, with its tallies.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingSession {
    pub id: TrainingSessionId,
    pub title: LocalizedText,
    pub project_id: Option<ProjectId>,
    pub agreement_id: Option<AgreementId>,
    pub organiser_id: Option<OrganisationId>,
    pub audience: TrainingAudience,
    pub staff_category: Option<StaffCategory>,
    pub topics: Vec<TrainingTopic>,
    pub delivery_mode: Option<DeliveryMode>,
    pub venue_site_id: Option<SiteId>,
    pub venue_country: Option<CountryCode>,
    pub venue_city: Option<String>,
    pub start_date: Option<PartialDate>,
    pub end_date: Option<PartialDate>,
    pub contact_hours: Option<f64>,
    pub status: TrainingStatus,
    pub series_id: Option<String>,
    pub cycle_number: Option<i32>,
    pub meta: RecordMeta,
    /// The session's tallies when they were read with it (in the order of their ids); `None`
    /// when they were not, and must be read on their own.
    pub tallies: Option<Vec<Tally>>,
}

/// Totals derived from a session's tallies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainingTotals {
    /// Σ enrolled.
    pub enrolled: i64,
    /// Σ attended: the session's participants.
    pub participants: i64,
    /// Σ completed.
    pub completed: i64,
    /// Participants × contact hours, when the hours are known.
    pub participant_hours: Option<f64>,
}

impl TrainingTotals {
    /// Adds up tallies for a session of `contact_hours`.
    pub fn from_tallies(tallies: &[Tally], contact_hours: Option<f64>) -> Self {
        let sum = |f: fn(&Tally) -> i32| tallies.iter().map(|t| i64::from(f(t))).sum::<i64>();
        let participants = sum(|t| t.attended);
        Self {
            enrolled: sum(|t| t.enrolled),
            participants,
            completed: sum(|t| t.completed),
            participant_hours: contact_hours.map(|h| h * participants as f64),
        }
    }
}

/// A tally of a visiting delegation by sex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelegationTally {
    pub sex: Sex,
    pub count: i32,
}

/// A study visit or expert mission between administrations.
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangeVisit {
    pub id: ExchangeVisitId,
    pub title: LocalizedText,
    pub direction: VisitDirection,
    pub visit_type: VisitType,
    pub host_id: Option<OrganisationId>,
    pub visitor_id: Option<OrganisationId>,
    pub country_code: Option<CountryCode>,
    pub start_date: Option<PartialDate>,
    pub end_date: Option<PartialDate>,
    pub topics: Vec<TrainingTopic>,
    pub status: VisitStatus,
    pub project_id: Option<ProjectId>,
    pub agreement_id: Option<AgreementId>,
    pub meta: RecordMeta,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> PartialDate {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn participant_hours_multiply_attendance_by_hours() {
        let tallies = [
            Tally {
                sex: Sex::Female,
                age_band: None,
                enrolled: 12,
                attended: 10,
                completed: 9,
            },
            Tally {
                sex: Sex::Male,
                age_band: None,
                enrolled: 20,
                attended: 15,
                completed: 15,
            },
        ];
        let totals = TrainingTotals::from_tallies(&tallies, Some(12.5));
        assert_eq!(totals.participants, 25);
        assert_eq!(totals.enrolled, 32);
        assert_eq!(totals.participant_hours, Some(312.5));
        assert_eq!(
            TrainingTotals::from_tallies(&tallies, None).participant_hours,
            None
        );
    }

    #[test]
    fn overdue_needs_a_passed_period_and_an_open_status() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
        let mut c = Commitment {
            id: CommitmentId::from_trusted("c".into()),
            agreement_id: AgreementId::from_trusted("a".into()),
            party_org_id: OrganisationId::from_trusted("o".into()),
            kind: CommitmentKind::Studies,
            description: LocalizedText::default(),
            due_on: Some(date("2026-11")),
            status: CommitmentStatus::InProgress,
            illustrative: false,
            meta: RecordMeta {
                version: 1,
                created_at: DateTime::<Utc>::MIN_UTC,
                updated_at: DateTime::<Utc>::MIN_UTC,
                archived_at: None,
                demo: false,
            },
        };
        assert!(
            !c.is_overdue(today),
            "the month of November is not over yet"
        );
        c.due_on = Some(date("2026-10-31"));
        assert!(c.is_overdue(today));
        c.status = CommitmentStatus::Fulfilled;
        assert!(!c.is_overdue(today));
    }

    #[test]
    fn money_keeps_the_currency_decimals() {
        let mad = Money::from_minor(300_000_000, CurrencyCode("USD".into()));
        assert_eq!(mad.amount.to_string(), "3000000.00");
        let xof = Money::from_minor(1500, CurrencyCode("XOF".into()));
        assert_eq!(xof.amount.to_string(), "1500");
    }
}
