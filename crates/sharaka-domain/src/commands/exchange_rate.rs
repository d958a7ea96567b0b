//! Setting an exchange rate to the Moroccan dirham.

use super::{Check, MAX_LABEL_CHARS, forbidden_in_name, trimmed};
use crate::error::DomainError;
use crate::model::CurrencyCode;
use crate::problem::Problem;

/// A rate as submitted.
#[derive(Debug, Clone, Default)]
pub struct ExchangeRateInput {
    /// ISO 4217 code of the foreign currency.
    pub currency: String,
    /// MAD for one unit of the currency.
    pub rate_to_mad: f64,
    /// First day in force, `YYYY-MM-DD`.
    pub valid_from: String,
    /// Where the figure comes from.
    pub source: String,
}

/// A valid rate: a foreign currency, a finite positive rate, a full date and a source.
#[derive(Debug, Clone, PartialEq)]
pub struct NewExchangeRate {
    /// The foreign currency (never MAD, whose rate is 1 by definition).
    pub currency: CurrencyCode,
    /// MAD for one unit of the currency.
    pub rate_to_mad: f64,
    /// First day in force: a rate applies from a day, so a month or a year alone is refused.
    pub valid_from: chrono::NaiveDate,
    /// Where the figure comes from, trimmed.
    pub source: String,
}

impl TryFrom<ExchangeRateInput> for NewExchangeRate {
    type Error = DomainError;

    fn try_from(input: ExchangeRateInput) -> Result<Self, DomainError> {
        let mut check = Check::default();
        let currency = match CurrencyCode::parse(input.currency.trim()) {
            Ok(c) if c.as_str() == "MAD" => {
                check.add(
                    "currency",
                    Problem::Other(
                        "MAD is the reference currency: its rate is always 1".to_owned(),
                    ),
                );
                None
            }
            Ok(c) => Some(c),
            Err(e) => {
                check.adopt("currency", e);
                None
            }
        };
        if !(input.rate_to_mad.is_finite() && input.rate_to_mad > 0.0) {
            check.add("rateToMad", Problem::MustBePositive);
        }
        let valid_from =
            chrono::NaiveDate::parse_from_str(input.valid_from.trim(), "%Y-%m-%d").ok();
        if valid_from.is_none() {
            check.add("validFrom", Problem::InvalidDate);
        }
        let source = trimmed(Some(&input.source)).map(str::to_owned);
        match &source {
            None => check.add("source", Problem::Required),
            Some(s) if s.chars().count() > MAX_LABEL_CHARS * 4 => check.add(
                "source",
                Problem::TooLong {
                    max: MAX_LABEL_CHARS * 4,
                },
            ),
            Some(s) if s.chars().any(forbidden_in_name) => {
                check.add("source", Problem::ForbiddenCharacters);
            }
            Some(_) => {}
        }
        check.finish(|| {
            Some(NewExchangeRate {
                currency: currency?,
                rate_to_mad: input.rate_to_mad,
                valid_from: valid_from?,
                source: source?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_invalid_field_is_listed() {
        let input = ExchangeRateInput {
            currency: "MAD".into(),
            rate_to_mad: -1.0,
            valid_from: "2024-02".into(),
            source: "  ".into(),
        };
        let Err(DomainError::Invalid(fields)) = NewExchangeRate::try_from(input) else {
            panic!("expected invalid input");
        };
        let paths: Vec<_> = fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["currency", "rateToMad", "validFrom", "source"]);
    }

    #[test]
    fn a_valid_rate_is_trimmed_and_upper_cased() {
        let rate = NewExchangeRate::try_from(ExchangeRateInput {
            currency: "eur".into(),
            rate_to_mad: 10.85,
            valid_from: "2024-01-01".into(),
            source: " Bank Al-Maghrib ".into(),
        })
        .expect("valid");
        assert_eq!(rate.currency.as_str(), "EUR");
        assert_eq!(rate.source, "Bank Al-Maghrib");
        assert_eq!(rate.valid_from.to_string(), "2024-01-01");
    }
}
