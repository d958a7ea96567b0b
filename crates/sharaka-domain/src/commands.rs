//! Commands that create records, parsed from raw input at the boundary (STYLE.md practice 3).
//!
//! Each `*Input` struct holds what a client submitted, after GraphQL has checked types and enum
//! values: identifiers, codes, dates and amounts are still text. Its `TryFrom` (or, for a
//! partnership, [`NewPartnership::validate`], which needs the partner) checks every rule and
//! returns either the typed `New*` command or [`DomainError::Invalid`] listing **every** invalid
//! field at once, each with its camelCase path (`parties[0].role`) and a [`Problem`].
//!
//! Conventions: surrounding whitespace is trimmed and blank optional text counts as absent;
//! duplicate enum tags (themes, topics) are dropped silently, while duplicate rows (tallies,
//! parties, sectors) are refused because they would double-count. Partial dates are compared
//! by the period they denote, so `2016` and `2016-05` are never out of order.
//!
//! Updates reuse these commands: the caller merges the patch into the stored record's input
//! and validates the result, so a rule never depends on which fields a patch touched.

mod agreement;
mod contribution;
mod exchange_rate;
mod iso;
mod organisation;
mod partnership;
mod project;
mod result;
mod training;
mod visit;

pub use agreement::{
    AgreementInput, AgreementPartyInput, CommitmentInput, NewAgreement, NewAgreementParty,
    NewCommitment,
};
pub use contribution::{ContributionInput, ContributionTarget, NewContribution};
pub use exchange_rate::{ExchangeRateInput, NewExchangeRate};
pub use organisation::{NewOrganisation, NewSite, OrganisationInput, SiteInput};
pub use partnership::{NewPartnership, PartnershipInput, typology_problems};
pub use project::{
    NewParticipant, NewProject, NewSector, ParticipantInput, ProjectInput, SectorInput,
};
pub use result::{
    ActualInput, DisaggregationInput, IndicatorInput, NewActual, NewIndicator, NewPeriod,
    NewResult, PeriodInput, ResultInput,
};
pub use training::{NewTally, NewTrainingSession, TrainingSessionInput, validate_tallies};
pub use visit::{ExchangeVisitInput, NewExchangeVisit};

pub(crate) use organisation::is_region_code;
pub(crate) use training::tally_is_consistent;

use rust_decimal::Decimal;

use crate::error::{DomainError, FieldError};
use crate::lang::Lang;
use crate::model::{CountryCode, CurrencyCode};
use crate::partial_date::PartialDate;
use crate::problem::Problem;
use crate::text::LocalizedText;

/// The longest name or title, per language, in characters.
pub const MAX_TITLE_CHARS: usize = 500;
/// The longest description, per language, in characters.
pub const MAX_PROSE_CHARS: usize = 20_000;
/// The longest short label (city, unit, reference), in characters.
pub const MAX_LABEL_CHARS: usize = 128;

/// Collects the problems of one input, so that all are reported together.
#[derive(Debug, Default)]
struct Check {
    errors: Vec<FieldError>,
}

/// True for characters that must not appear in a one-line name: control characters and the
/// bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069), which
/// can make a name display differently from what is stored.
fn forbidden_in_name(c: char) -> bool {
    c.is_control()
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// True for characters that must not appear in prose: control characters other than line
/// breaks and tabs.
fn forbidden_in_prose(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// The distinct values of `items`, in first-seen order.
fn dedup<T: PartialEq + Copy>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(item) {
            out.push(*item);
        }
    }
    out
}

/// Trims `raw`, treating blank text as absent.
fn trimmed(raw: Option<&str>) -> Option<&str> {
    raw.map(str::trim).filter(|s| !s.is_empty())
}

impl Check {
    /// Records `problem` at `path`.
    fn add(&mut self, path: impl Into<String>, problem: Problem) {
        self.errors.push(FieldError::new(path, problem));
    }

    /// Records the problems of a parse error under `path` instead of the parser's own path.
    fn adopt(&mut self, path: &str, error: DomainError) {
        match error {
            DomainError::Invalid(fields) => {
                for field in fields {
                    self.add(path, field.problem);
                }
            }
            other => self.add(path, Problem::Other(other.to_string())),
        }
    }

    /// The command when no problem was recorded, else every problem. `build` returns `None`
    /// only if a required part failed to parse, which always recorded a problem.
    fn finish<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, DomainError> {
        if !self.errors.is_empty() {
            return Err(DomainError::Invalid(self.errors));
        }
        build().ok_or_else(|| DomainError::invalid_field("", "incomplete input"))
    }

    /// Checks each language of a text against `max` and `forbidden`, returning it trimmed.
    fn localized(
        &mut self,
        path: &str,
        text: &LocalizedText,
        max: usize,
        forbidden: fn(char) -> bool,
    ) -> LocalizedText {
        let part = |lang: Lang| trimmed(text.exact(lang)).map(str::to_owned);
        let out = LocalizedText::new(part(Lang::Ar), part(Lang::Fr), part(Lang::En));
        for lang in Lang::ALL {
            if let Some(value) = out.exact(lang) {
                let sub = format!("{path}.{}", lang.code());
                if value.chars().count() > max {
                    self.add(&sub, Problem::TooLong { max });
                }
                if value.chars().any(forbidden) {
                    self.add(sub, Problem::ForbiddenCharacters);
                }
            }
        }
        out
    }

    /// A required one-line name or title in at least one language.
    fn title(&mut self, path: &str, text: &LocalizedText) -> LocalizedText {
        let out = self.localized(path, text, MAX_TITLE_CHARS, forbidden_in_name);
        if out.is_empty() {
            self.add(path, Problem::NeedsOneLanguage);
        }
        out
    }

    /// An optional description.
    fn prose(&mut self, path: &str, text: &LocalizedText) -> LocalizedText {
        self.localized(path, text, MAX_PROSE_CHARS, forbidden_in_prose)
    }

    /// An optional one-line text of at most `max` characters.
    fn label(&mut self, path: &str, raw: Option<&str>, max: usize) -> Option<String> {
        let value = trimmed(raw)?;
        if value.chars().count() > max {
            self.add(path, Problem::TooLong { max });
        }
        if value.chars().any(forbidden_in_name) {
            self.add(path, Problem::ForbiddenCharacters);
        }
        Some(value.to_owned())
    }

    /// An optional partial date.
    fn date(&mut self, path: &str, raw: Option<&str>) -> Option<PartialDate> {
        let value = trimmed(raw)?;
        match value.parse() {
            Ok(date) => Some(date),
            Err(_) => {
                self.add(path, Problem::InvalidDate);
                None
            }
        }
    }

    /// A required identifier.
    fn id<T>(
        &mut self,
        path: &str,
        raw: &str,
        parse: fn(&str) -> Result<T, DomainError>,
    ) -> Option<T> {
        if raw.trim().is_empty() {
            self.add(path, Problem::Required);
            return None;
        }
        self.opt_id(path, Some(raw), parse)
    }

    /// An optional identifier.
    fn opt_id<T>(
        &mut self,
        path: &str,
        raw: Option<&str>,
        parse: fn(&str) -> Result<T, DomainError>,
    ) -> Option<T> {
        match parse(trimmed(raw)?) {
            Ok(id) => Some(id),
            Err(error) => {
                self.adopt(path, error);
                None
            }
        }
    }

    /// An optional assigned ISO 3166-1 alpha-2 code.
    fn country(&mut self, path: &str, raw: Option<&str>) -> Option<CountryCode> {
        let code = CountryCode::parse(trimmed(raw)?)
            .ok()
            .filter(|c| iso::is_country(c.as_str()));
        if code.is_none() {
            self.add(path, Problem::InvalidCountryCode);
        }
        code
    }

    /// A required ISO 4217 code of a currency in circulation.
    fn currency(&mut self, path: &str, raw: &str) -> Option<CurrencyCode> {
        let code = CurrencyCode::parse(raw.trim())
            .ok()
            .filter(|c| iso::is_currency(c.as_str()));
        if code.is_none() {
            self.add(path, Problem::InvalidCurrencyCode);
        }
        code
    }

    /// A required non-negative decimal number.
    fn amount(&mut self, path: &str, raw: &str) -> Option<Decimal> {
        match raw.trim().parse::<Decimal>() {
            Ok(value) if value.is_sign_negative() && !value.is_zero() => {
                self.add(path, Problem::Negative);
                None
            }
            Ok(value) => Some(value),
            Err(_) => {
                self.add(path, Problem::InvalidNumber);
                None
            }
        }
    }

    /// A count that must not be negative.
    fn count(&mut self, path: &str, value: i32) {
        if value < 0 {
            self.add(path, Problem::Negative);
        }
    }

    /// Checks that dates listed in their expected order are not out of order: each present
    /// date must not end before the latest-starting date listed before it.
    fn date_order(&mut self, chain: &[(&'static str, Option<PartialDate>)]) {
        let mut latest: Option<(&'static str, PartialDate)> = None;
        for (path, date) in chain {
            let Some(date) = *date else { continue };
            if let Some((earlier_field, earlier)) = latest {
                if date.latest() < earlier.earliest() {
                    self.add(*path, Problem::DateOrder { earlier_field });
                    continue;
                }
                if date.earliest() < earlier.earliest() {
                    continue;
                }
            }
            latest = Some((path, date));
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The (path, problem) pairs of an invalid-input error; panics on anything else.
    pub(crate) fn refusals<T: std::fmt::Debug>(
        result: Result<T, DomainError>,
    ) -> Vec<(String, Problem)> {
        match result {
            Err(DomainError::Invalid(fields)) => fields
                .into_iter()
                .map(|FieldError { path, problem }| (path, problem))
                .collect(),
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    /// A table row: how to spoil a valid input, and the one refusal expected.
    pub(crate) type Case<I> = (fn(&mut I), &'static str, Problem);

    /// One expected refusal.
    pub(crate) fn one(path: &str, problem: Problem) -> Vec<(String, Problem)> {
        vec![(path.to_owned(), problem)]
    }

    fn date(s: &str) -> Option<PartialDate> {
        Some(s.parse().unwrap_or_else(|e| panic!("{e}")))
    }

    fn paths(check: &Check) -> Vec<(&str, &Problem)> {
        check
            .errors
            .iter()
            .map(|f| (f.path.as_str(), &f.problem))
            .collect()
    }

    #[test]
    fn date_order_compares_the_periods_dates_denote() {
        let mut check = Check::default();
        check.date_order(&[
            ("draftedOn", date("2016")),
            ("agreedOn", date("2016-05")),
            ("signedOn", None),
            ("effectiveFrom", date("2015-12-31")),
            ("effectiveTo", date("2016-09")),
        ]);
        assert_eq!(
            paths(&check),
            [(
                "effectiveFrom",
                &Problem::DateOrder {
                    earlier_field: "agreedOn"
                }
            )]
        );
    }

    #[test]
    fn names_refuse_bidi_overrides_and_prose_keeps_line_breaks() {
        let mut check = Check::default();
        let name = LocalizedText::new(None, Some("  DAP\u{202E}  ".into()), Some("x".repeat(501)));
        let kept = check.title("name", &name);
        assert_eq!(kept.fr.as_deref(), Some("DAP\u{202E}"));
        assert_eq!(
            paths(&check),
            [
                ("name.fr", &Problem::ForbiddenCharacters),
                ("name.en", &Problem::TooLong { max: 500 })
            ]
        );
        let mut check = Check::default();
        check.prose(
            "description",
            &LocalizedText::new(None, Some("a\nb".into()), None),
        );
        check.title("title", &LocalizedText::new(Some("   ".into()), None, None));
        assert_eq!(paths(&check), [("title", &Problem::NeedsOneLanguage)]);
    }

    #[test]
    fn codes_must_be_assigned() {
        let mut check = Check::default();
        assert!(check.country("countryCode", Some("ma")).is_some());
        assert!(check.country("countryCode", Some("ZZ")).is_none());
        assert!(check.currency("currency", "eur").is_some());
        assert!(check.currency("currency", "EURO").is_none());
        assert!(check.amount("amount", "-0.00").is_some());
        assert!(check.amount("amount", "1,5").is_none());
        assert_eq!(
            paths(&check),
            [
                ("countryCode", &Problem::InvalidCountryCode),
                ("currency", &Problem::InvalidCurrencyCode),
                ("amount", &Problem::InvalidNumber)
            ]
        );
    }

    #[test]
    fn dedup_keeps_first_seen_order() {
        assert_eq!(dedup(&[3, 1, 3, 2, 1]), [3, 1, 2]);
    }
}
