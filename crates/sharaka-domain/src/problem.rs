//! Why an input field or a transition was refused, as data, with an actionable sentence in
//! Arabic, French and English.
//!
//! A [`Problem`] is what the domain decides; the words are chosen only when the gateway knows the
//! request's language ([`Problem::message`]). Each problem also has a stable `code()` that clients
//! may match on instead of the text.

mod messages;

use crate::lang::Lang;
use crate::partial_date::PartialDate;

/// Every reason the domain refuses a field's value or a lifecycle transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A value is required and was not given.
    Required,
    /// A localized text has no language filled in.
    NeedsOneLanguage,
    /// An identifier is malformed.
    InvalidId {
        /// The record kind the identifier names.
        kind: &'static str,
    },
    /// An identifier names no existing record.
    NotFound {
        /// The record kind that was looked for.
        kind: &'static str,
    },
    /// Not an ISO 3166-1 alpha-2 country code.
    InvalidCountryCode,
    /// Not an ISO 4217 currency code.
    InvalidCurrencyCode,
    /// Not a Moroccan region code `MA-01` … `MA-12`.
    InvalidRegionCode,
    /// Not a `YYYY`, `YYYY-MM` or `YYYY-MM-DD` date.
    InvalidDate,
    /// A date falls before another date that must come first.
    DateOrder {
        /// The path of the date that must not be later than this one.
        earlier_field: &'static str,
    },
    /// A number is below zero.
    Negative,
    /// A number must be greater than zero.
    MustBePositive,
    /// The text is not a number.
    InvalidNumber,
    /// An amount has more decimals than its currency's minor unit.
    TooManyDecimals {
        /// The decimals the currency allows.
        max: u32,
    },
    /// A tally breaks `completed ≤ attended ≤ enrolled`.
    TallyOrder,
    /// The same entry appears twice in a list.
    DuplicateEntry,
    /// A list needs at least one entry.
    AtLeastOneRequired,
    /// A commitment names an organisation that is not a party to the agreement.
    NotAParty,
    /// A contribution must go to exactly one project, agreement or training session.
    ExactlyOneTarget,
    /// A partner based outside Morocco makes the partnership international.
    ForeignPartnerMustBeInternational,
    /// `DIRECT_NATIONAL` goes with `NATIONAL`; `BILATERAL` and `MULTILATERAL` with `INTERNATIONAL`.
    ModalityDoesNotMatchScope,
    /// `BILATERAL` needs a foreign public administration as partner.
    BilateralNeedsForeignAdministration,
    /// `MULTILATERAL` needs an international NGO, a regional or a multilateral body.
    MultilateralNeedsInternationalBody,
    /// `DIRECT_NATIONAL` needs a partner based in Morocco.
    DirectNationalNeedsNationalPartner,
    /// The home organisation cannot partner with itself.
    PartnerIsHome,
    /// A percentage lies outside 0–100.
    PercentageOutOfRange,
    /// The sector percentages of one vocabulary add up to more than 100.
    PercentageTotalOver100 {
        /// The IATI sector vocabulary.
        vocabulary: i32,
    },
    /// Not an IATI sector vocabulary code.
    InvalidSectorVocabulary,
    /// A sector code of the wrong shape for its vocabulary.
    InvalidSectorCode {
        /// The digits a code of this vocabulary has.
        digits: u32,
    },
    /// An amendment must name the agreement it amends.
    AmendmentNeedsParent,
    /// Not an `http` or `https` address.
    InvalidUrl,
    /// A text is longer than allowed.
    TooLong {
        /// The maximum number of characters.
        max: usize,
    },
    /// A text holds control or bidirectional-override characters.
    ForbiddenCharacters,
    /// A validated training session's numbers cannot change.
    LockedAfterValidation,
    /// Signing needs at least one `SIGNATORY` or `CO_SIGNATORY` party.
    NoSignatories,
    /// Some signatory parties have not signed.
    UnsignedSignatories {
        /// How many signing dates are missing.
        count: usize,
    },
    /// The change needs a reason.
    ReasonRequired,
    /// Termination needs its date.
    TerminationDateRequired,
    /// Entry into force needs an effective (or signature) date.
    NoEffectiveDate,
    /// The effective date has not come yet.
    NotYetEffective {
        /// The date from which the agreement may enter into force.
        effective_from: PartialDate,
    },
    /// Expiry needs an end date.
    NoEndDate,
    /// The end date has not passed yet.
    NotYetEnded {
        /// The date until which the agreement runs.
        effective_to: PartialDate,
    },
    /// An auto-renewing agreement is extended, never expired.
    AutoRenewal,
    /// A successor exists, so the agreement is superseded rather than expired.
    SuccessorExists,
    /// Superseding needs a successor agreement.
    NoSuccessor,
    /// Starting a project needs its actual start date.
    ActualStartRequired,
    /// Closing a project needs its actual end date.
    ActualEndRequired,
    /// Commitments are still in progress and no override reason was given.
    CommitmentsInProgress {
        /// How many commitments are in progress.
        count: usize,
    },
    /// Finishing or validating a session needs at least one tally.
    NoTallies,
    /// Finishing a session needs contact hours above zero.
    ContactHoursRequired,
    /// A disaggregated value is not a code of its dimension.
    InvalidDimensionValue {
        /// The dimension's code (`SEX`, `AUDIENCE`, `REGION`).
        dimension: &'static str,
    },
    /// The parts of one dimension's disaggregation add up to more than the total.
    DisaggregationExceedsTotal,
    /// A percentage indicator's value lies above 100.
    PercentageOver100,
    /// An indicator's measure cannot change once it has reporting periods (their targets and
    /// actuals are expressed in it).
    MeasureFixedByPeriods,
    /// Any other reason, as free text (not translated).
    Other(String),
}

impl Problem {
    /// A stable `SCREAMING_SNAKE` code for clients that match on the reason.
    pub fn code(&self) -> &'static str {
        use Problem::*;
        match self {
            Required => "REQUIRED",
            NeedsOneLanguage => "NEEDS_ONE_LANGUAGE",
            InvalidId { .. } => "INVALID_ID",
            NotFound { .. } => "NOT_FOUND",
            InvalidCountryCode => "INVALID_COUNTRY_CODE",
            InvalidCurrencyCode => "INVALID_CURRENCY_CODE",
            InvalidRegionCode => "INVALID_REGION_CODE",
            InvalidDate => "INVALID_DATE",
            DateOrder { .. } => "DATE_ORDER",
            Negative => "NEGATIVE",
            MustBePositive => "MUST_BE_POSITIVE",
            InvalidNumber => "INVALID_NUMBER",
            TooManyDecimals { .. } => "TOO_MANY_DECIMALS",
            TallyOrder => "TALLY_ORDER",
            DuplicateEntry => "DUPLICATE_ENTRY",
            AtLeastOneRequired => "AT_LEAST_ONE_REQUIRED",
            NotAParty => "NOT_A_PARTY",
            ExactlyOneTarget => "EXACTLY_ONE_TARGET",
            ForeignPartnerMustBeInternational => "FOREIGN_PARTNER_MUST_BE_INTERNATIONAL",
            ModalityDoesNotMatchScope => "MODALITY_DOES_NOT_MATCH_SCOPE",
            BilateralNeedsForeignAdministration => "BILATERAL_NEEDS_FOREIGN_ADMINISTRATION",
            MultilateralNeedsInternationalBody => "MULTILATERAL_NEEDS_INTERNATIONAL_BODY",
            DirectNationalNeedsNationalPartner => "DIRECT_NATIONAL_NEEDS_NATIONAL_PARTNER",
            PartnerIsHome => "PARTNER_IS_HOME",
            PercentageOutOfRange => "PERCENTAGE_OUT_OF_RANGE",
            PercentageTotalOver100 { .. } => "PERCENTAGE_TOTAL_OVER_100",
            InvalidSectorVocabulary => "INVALID_SECTOR_VOCABULARY",
            InvalidSectorCode { .. } => "INVALID_SECTOR_CODE",
            AmendmentNeedsParent => "AMENDMENT_NEEDS_PARENT",
            InvalidUrl => "INVALID_URL",
            TooLong { .. } => "TOO_LONG",
            ForbiddenCharacters => "FORBIDDEN_CHARACTERS",
            LockedAfterValidation => "LOCKED_AFTER_VALIDATION",
            NoSignatories => "NO_SIGNATORIES",
            UnsignedSignatories { .. } => "UNSIGNED_SIGNATORIES",
            ReasonRequired => "REASON_REQUIRED",
            TerminationDateRequired => "TERMINATION_DATE_REQUIRED",
            NoEffectiveDate => "NO_EFFECTIVE_DATE",
            NotYetEffective { .. } => "NOT_YET_EFFECTIVE",
            NoEndDate => "NO_END_DATE",
            NotYetEnded { .. } => "NOT_YET_ENDED",
            AutoRenewal => "AUTO_RENEWAL",
            SuccessorExists => "SUCCESSOR_EXISTS",
            NoSuccessor => "NO_SUCCESSOR",
            ActualStartRequired => "ACTUAL_START_REQUIRED",
            ActualEndRequired => "ACTUAL_END_REQUIRED",
            CommitmentsInProgress { .. } => "COMMITMENTS_IN_PROGRESS",
            NoTallies => "NO_TALLIES",
            ContactHoursRequired => "CONTACT_HOURS_REQUIRED",
            InvalidDimensionValue { .. } => "INVALID_DIMENSION_VALUE",
            DisaggregationExceedsTotal => "DISAGGREGATION_EXCEEDS_TOTAL",
            PercentageOver100 => "PERCENTAGE_OVER_100",
            MeasureFixedByPeriods => "MEASURE_FIXED_BY_PERIODS",
            Other(_) => "OTHER",
        }
    }
}

impl std::fmt::Display for Problem {
    /// The English message, for logs and `DomainError`'s own text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_a_distinct_sentence() {
        let samples = [
            Problem::Required,
            Problem::DateOrder {
                earlier_field: "signedOn",
            },
            Problem::TooManyDecimals { max: 2 },
            Problem::TooManyDecimals { max: 0 },
            Problem::UnsignedSignatories { count: 1 },
            Problem::NotYetEffective {
                effective_from: PartialDate::year(2030).unwrap_or_else(|e| panic!("{e}")),
            },
        ];
        for p in samples {
            let [ar, fr, en] = Lang::ALL.map(|l| p.message(l));
            assert!(ar != fr && fr != en && ar != en, "{p:?}");
            assert!(
                ar.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{ar}"
            );
            assert!(!p.code().is_empty());
        }
        assert!(
            Problem::DateOrder {
                earlier_field: "signedOn"
            }
            .message(Lang::Fr)
            .contains("signedOn")
        );
        assert_eq!(Problem::Other("as is".into()).message(Lang::Ar), "as is");
    }
}
