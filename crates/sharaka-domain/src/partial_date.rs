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
        let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        let mut parts = input.split('-');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(y), None, None, None) if digits(y, 4) => {
                let year = y.parse().map_err(|_| err("bad year"))?;
                Self::check_year(year, input)?;
                Ok(Self {
                    year,
                    month: None,
                    day: None,
                })
            }
            (Some(y), Some(m), None, None) if digits(y, 4) && digits(m, 2) => {
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
            (Some(y), Some(m), Some(d), None) if digits(y, 4) && digits(m, 2) && digits(d, 2) => {
                let year = y.parse().map_err(|_| err("bad year"))?;
                let month = m.parse().map_err(|_| err("bad month"))?;
                let day = d.parse().map_err(|_| err("bad day"))?;
                let date =
                    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| err("no such day"))?;
                Self::check_year(date.year(), input)?;
                Ok(Self::from_naive(date))
            }
            _ => Err(err("wrong shape")),
        }
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Digit by digit into one buffer: answers write thousands of dates, and padded
        // `write!` arguments cost several times more. Years are 1000-9999 (`check_year`).
        let Some(year) = four_digits(self.year) else {
            return self.fmt_slowly(f);
        };
        let mut text = [0u8; 10];
        text[..4].copy_from_slice(&year);
        let mut len = 4;
        for part in [self.month, self.day].into_iter().map_while(|part| part) {
            let Some(two) = two_digits(part) else {
                return self.fmt_slowly(f);
            };
            text[len] = b'-';
            text[len + 1..len + 3].copy_from_slice(&two);
            len += 3;
        }
        // Only ASCII digits and dashes were written.
        f.write_str(std::str::from_utf8(&text[..len]).map_err(|_| fmt::Error)?)
    }
}

impl PartialDate {
    fn fmt_slowly(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.month, self.day) {
            (Some(m), Some(d)) => write!(f, "{:04}-{:02}-{:02}", self.year, m, d),
            (Some(m), None) => write!(f, "{:04}-{:02}", self.year, m),
            _ => write!(f, "{:04}", self.year),
        }
    }
}

/// The four ASCII digits of a year from 0 to 9999.
fn four_digits(year: i32) -> Option<[u8; 4]> {
    let year = u32::try_from(year).ok().filter(|y| *y <= 9999)?;
    let digit = |n: u32| b'0' + (n % 10) as u8;
    Some([
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
    ])
}

/// The two ASCII digits of a month or day.
fn two_digits(n: u32) -> Option<[u8; 2]> {
    (n <= 99).then(|| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8])
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
        for s in [
            "2011",
            "2016-09",
            "2016-09-22",
            "1000-01-01",
            "2024-02-29",
            "9999-12-31",
        ] {
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
            "2016-09-22-01",
            "2016-00",
            "2016-09-00",
            "2023-02-29",
            "-2016",
            "2016-",
            "0999",
        ] {
            assert!(s.parse::<PartialDate>().is_err(), "{s} should be refused");
        }
    }

    #[test]
    fn writes_what_padded_formatting_writes() {
        let mut day = NaiveDate::from_ymd_opt(1000, 1, 1).unwrap_or_default();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
        while day <= last {
            let (y, m, d) = (day.year(), day.month(), day.day());
            let full = PartialDate::from_naive(day);
            assert_eq!(full.to_string(), format!("{y:04}-{m:02}-{d:02}"));
            let month = PartialDate {
                year: y,
                month: Some(m),
                day: None,
            };
            assert_eq!(month.to_string(), format!("{y:04}-{m:02}"));
            assert_eq!(
                PartialDate::year(y).map(|p| p.to_string()),
                Ok(format!("{y:04}"))
            );
            day = day + chrono::Days::new(97);
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
