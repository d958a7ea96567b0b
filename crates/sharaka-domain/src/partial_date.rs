//! Dates known only to the year, the month or the day (`2011`, `2016-09`, `2016-09-22`).

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

/// A calendar date whose precision is the year, the month or the day.
///
/// Ordering compares the known parts first; a less precise date sorts before a more precise one
/// that shares its prefix (`2016` < `2016-09` < `2016-09-22`), which is also the text ordering
/// used in storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartialDate {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

/// Why a partial date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{input}` is not a date: use YYYY, YYYY-MM or YYYY-MM-DD ({reason})")]
pub struct PartialDateError {
    input: String,
    reason: &'static str,
}

impl PartialDate {
    /// A date known to the year.
    pub fn year(year: i32) -> Result<Self, PartialDateError> {
        Self::check_year(year, &year.to_string())?;
        Ok(Self {
            year,
            month: None,
            day: None,
        })
    }

    /// A full date.
    pub fn from_naive(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: Some(date.month()),
            day: Some(date.day()),
        }
    }

    fn check_year(year: i32, input: &str) -> Result<(), PartialDateError> {
        if (1000..=9999).contains(&year) {
            Ok(())
        } else {
            Err(PartialDateError {
                input: input.to_owned(),
                reason: "year out of range 1000-9999",
            })
        }
    }

    /// The year part.
    pub fn year_part(&self) -> i32 {
        self.year
    }

    /// The first day this date can denote (`2016-09` → 2016-09-01).
    pub fn earliest(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
            .unwrap_or(NaiveDate::MIN)
    }

    /// The last day this date can denote (`2016-09` → 2016-09-30).
    pub fn latest(&self) -> NaiveDate {
        match (self.month, self.day) {
            (Some(m), Some(d)) => NaiveDate::from_ymd_opt(self.year, m, d),
            (Some(m), None) => {
                let (y, next) = if m == 12 {
                    (self.year + 1, 1)
                } else {
                    (self.year, m + 1)
                };
                NaiveDate::from_ymd_opt(y, next, 1).and_then(|d| d.pred_opt())
            }
            _ => NaiveDate::from_ymd_opt(self.year, 12, 31),
        }
        .unwrap_or(NaiveDate::MAX)
    }
}

impl FromStr for PartialDate {
    type Err = PartialDateError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let err = |reason| PartialDateError {
            input: input.chars().take(40).collect(),
            reason,
        };
        let parts: Vec<&str> = input.split('-').collect();
        let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        match parts.as_slice() {
            [y] if digits(y, 4) => {
                let year = y.parse().map_err(|_| err("bad year"))?;
                Self::check_year(year, input)?;
                Ok(Self {
                    year,
                    month: None,
                    day: None,
                })
            }
            [y, m] if digits(y, 4) && digits(m, 2) => {
                let year = y.parse().map_err(|_| err("bad year"))?;
                Self::check_year(year, input)?;
                let month: u32 = m.parse().map_err(|_| err("bad month"))?;
                if !(1..=12).contains(&month) {
                    return Err(err("month must be 01-12"));
                }
                Ok(Self {
                    year,
                    month: Some(month),
                    day: None,
                })
            }
            [y, m, d] if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
                let date =
                    NaiveDate::parse_from_str(input, "%Y-%m-%d").map_err(|_| err("no such day"))?;
                Self::check_year(date.year(), input)?;
                Ok(Self::from_naive(date))
            }
            _ => Err(err("wrong shape")),
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.month, self.day) {
            (Some(m), Some(d)) => write!(f, "{:04}-{:02}-{:02}", self.year, m, d),
            (Some(m), None) => write!(f, "{:04}-{:02}", self.year, m),
            _ => write!(f, "{:04}", self.year),
        }
    }
}

impl Ord for PartialDate {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.year, self.month, self.day).cmp(&(other.year, other.month, other.day))
    }
}

impl PartialOrd for PartialDate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_each_precision() {
        for s in ["2011", "2016-09", "2016-09-22"] {
            assert_eq!(
                s.parse::<PartialDate>().map(|d| d.to_string()).as_deref(),
                Ok(s)
            );
        }
    }

    #[test]
    fn refuses_malformed_dates() {
        for s in [
            "",
            "11",
            "2016-9",
            "2016-13",
            "2016-02-30",
            "2016/09/22",
            "2016-09-22T00",
            "0999",
        ] {
            assert!(s.parse::<PartialDate>().is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn orders_like_its_text() {
        let a: PartialDate = "2016".parse().unwrap_or_else(|e| panic!("{e}"));
        let b: PartialDate = "2016-09".parse().unwrap_or_else(|e| panic!("{e}"));
        let c: PartialDate = "2016-09-22".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(a < b && b < c);
        assert_eq!(b.latest().to_string(), "2016-09-30");
        assert_eq!(a.earliest().to_string(), "2016-01-01");
    }
}
