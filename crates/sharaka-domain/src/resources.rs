//! Resources mobilised (DOMAIN.md §4.3): the dashboard's figures of contributions, folded from
//! the groups of contributions the store counts once (by contributor, type, year, currency and
//! stage). Every figure is exact: counts and sums of minor units, per currency, never converted.
//!
//! What each figure keeps is decided here, not in SQL: cancelled contributions leave the
//! figures by contributor and the cash against in-kind split, and only the funnel shows them.

use std::collections::BTreeMap;

use crate::codes::{ContributionStatus, ContributionType};

/// Contributions sharing a contributor, type, year, currency and stage (the store reads them one
/// by one; the fold adds them up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributionGroup {
    /// The contributor organisation's id.
    pub contributor: Option<String>,
    /// The kind of resource; `None` for a code this version does not know.
    pub contribution_type: Option<ContributionType>,
    /// The year of the session, project or agreement the contributions are for.
    pub year: Option<String>,
    /// ISO 4217 code; `None` for contributions without a value.
    pub currency: Option<String>,
    /// The stage reached; `None` for a code this version does not know (counted as pledged).
    pub status: Option<ContributionStatus>,
    /// Contributions.
    pub count: i64,
    /// Σ amount in minor units of `currency`.
    pub amount_minor: i64,
}

/// A count of contributions and their value in minor units of one currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contributed {
    /// Contributions.
    pub count: i64,
    /// Σ amount in minor units.
    pub amount_minor: i64,
}

impl Contributed {
    fn add(&mut self, count: i64, amount_minor: i64) {
        self.count += count;
        self.amount_minor = self.amount_minor.saturating_add(amount_minor);
    }
}

/// Contributions of one contributor, type, year and currency, cancelled ones left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContributorFigure {
    pub contributor: Option<String>,
    pub contribution_type: Option<ContributionType>,
    pub year: Option<String>,
    pub currency: Option<String>,
    pub contributed: Contributed,
}

/// The pledged → committed → delivered funnel in one currency: each stage counts what reached
/// at least that stage; cancelled contributions are apart.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FunnelFigure {
    pub currency: Option<String>,
    /// Every contribution not cancelled.
    pub pledged: Contributed,
    /// Committed, partially delivered or delivered.
    pub committed: Contributed,
    /// Partially delivered or delivered.
    pub delivered: Contributed,
    /// Delivered in full.
    pub fully_delivered: Contributed,
    /// Cancelled.
    pub cancelled: Contributed,
}

/// Cash, or every in-kind type together, in one currency (cancelled ones left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashFigure {
    /// True for cash.
    pub cash: bool,
    pub currency: Option<String>,
    pub contributed: Contributed,
}

/// The three figures of resources mobilised, each in a stable order: by contributor, type,
/// year and currency; the funnel by currency; cash before in-kind, then by currency. A
/// missing key (`None`) sorts last.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResourceFigures {
    pub by_contributor: Vec<ContributorFigure>,
    pub funnel: Vec<FunnelFigure>,
    pub cash_in_kind: Vec<CashFigure>,
}

/// Sort key with `None` last, as the lists' `NULLS LAST`.
fn last<T: Ord>(v: Option<T>) -> (bool, Option<T>) {
    (v.is_none(), v)
}

type ContributorKey = (
    (bool, Option<String>),
    (bool, Option<ContributionType>),
    (bool, Option<String>),
    (bool, Option<String>),
);

/// Folds groups of contributions into the figures of resources mobilised, one group at a time,
/// so that a caller reading the groups as a stream need not hold them all. Groups may come in
/// any order and may repeat a key; the figures are the same.
#[derive(Debug, Default)]
pub struct ResourceFold {
    // Thousands of groups, a handful of currencies: the funnel and the split are short lists
    // searched in place, sorted at the end; the groups' own strings move into the figures.
    by_contributor: BTreeMap<ContributorKey, Contributed>,
    funnel: Vec<FunnelFigure>,
    cash_in_kind: Vec<CashFigure>,
}

impl ResourceFold {
    /// Counts one group.
    pub fn add(&mut self, g: ContributionGroup) {
        use ContributionStatus as S;
        let (n, v) = (g.count, g.amount_minor);
        let stages = match self.funnel.iter().position(|f| f.currency == g.currency) {
            Some(at) => &mut self.funnel[at],
            None => {
                self.funnel.push(FunnelFigure {
                    currency: g.currency.clone(),
                    ..FunnelFigure::default()
                });
                self.funnel.last_mut().expect("just pushed")
            }
        };
        if g.status == Some(S::Cancelled) {
            stages.cancelled.add(n, v);
            return;
        }
        stages.pledged.add(n, v);
        if matches!(
            g.status,
            Some(S::Committed | S::PartiallyDelivered | S::Delivered)
        ) {
            stages.committed.add(n, v);
        }
        if matches!(g.status, Some(S::PartiallyDelivered | S::Delivered)) {
            stages.delivered.add(n, v);
        }
        if g.status == Some(S::Delivered) {
            stages.fully_delivered.add(n, v);
        }
        let cash = g.contribution_type == Some(ContributionType::Cash);
        match self
            .cash_in_kind
            .iter_mut()
            .find(|c| c.cash == cash && c.currency == g.currency)
        {
            Some(c) => c.contributed.add(n, v),
            None => self.cash_in_kind.push(CashFigure {
                cash,
                currency: g.currency.clone(),
                contributed: Contributed {
                    count: n,
                    amount_minor: v,
                },
            }),
        }
        self.by_contributor
            .entry((
                last(g.contributor),
                last(g.contribution_type),
                last(g.year),
                last(g.currency),
            ))
            .or_default()
            .add(n, v);
    }

    /// The figures, each in its order (see [`ResourceFigures`]).
    pub fn finish(self) -> ResourceFigures {
        let Self {
            by_contributor,
            mut funnel,
            mut cash_in_kind,
        } = self;
        funnel.sort_by(|a, b| last(a.currency.as_deref()).cmp(&last(b.currency.as_deref())));
        cash_in_kind.sort_by(|a, b| {
            (!a.cash, last(a.currency.as_deref())).cmp(&(!b.cash, last(b.currency.as_deref())))
        });
        ResourceFigures {
            by_contributor: by_contributor
                .into_iter()
                .map(|((c, t, y, cur), contributed)| ContributorFigure {
                    contributor: c.1,
                    contribution_type: t.1,
                    year: y.1,
                    currency: cur.1,
                    contributed,
                })
                .collect(),
            funnel,
            cash_in_kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold_resources(groups: impl IntoIterator<Item = ContributionGroup>) -> ResourceFigures {
        let mut fold = ResourceFold::default();
        for g in groups {
            fold.add(g);
        }
        fold.finish()
    }

    fn group(
        contributor: &str,
        t: ContributionType,
        year: &str,
        currency: Option<&str>,
        status: ContributionStatus,
        count: i64,
        amount_minor: i64,
    ) -> ContributionGroup {
        ContributionGroup {
            contributor: Some(contributor.into()),
            contribution_type: Some(t),
            year: Some(year.into()),
            currency: currency.map(Into::into),
            status: Some(status),
            count,
            amount_minor,
        }
    }

    #[test]
    fn stages_accumulate_and_cancelled_ones_stand_apart() {
        use ContributionStatus as S;
        use ContributionType as T;
        let figures = fold_resources([
            group("b", T::Cash, "2024", Some("MAD"), S::Pledged, 1, 100),
            group("b", T::Cash, "2024", Some("MAD"), S::Committed, 2, 200),
            group(
                "b",
                T::Cash,
                "2024",
                Some("MAD"),
                S::PartiallyDelivered,
                1,
                40,
            ),
            group("a", T::Expertise, "2023", Some("MAD"), S::Delivered, 3, 900),
            group(
                "a",
                T::Expertise,
                "2023",
                Some("EUR"),
                S::Cancelled,
                5,
                5_000,
            ),
            group("a", T::Training, "2023", None, S::Delivered, 1, 0),
        ]);
        let mad = &figures.funnel[1];
        assert_eq!(mad.currency.as_deref(), Some("MAD"));
        let t = |count, amount_minor| Contributed {
            count,
            amount_minor,
        };
        assert_eq!(mad.pledged, t(7, 1_240));
        assert_eq!(mad.committed, t(6, 1_140));
        assert_eq!(mad.delivered, t(4, 940));
        assert_eq!(mad.fully_delivered, t(3, 900));
        assert_eq!(mad.cancelled, t(0, 0));
        let eur = &figures.funnel[0];
        assert_eq!((eur.pledged, eur.cancelled), (t(0, 0), t(5, 5_000)));
        // Unvalued contributions have their own funnel, last.
        assert_eq!(figures.funnel[2].currency, None);
        assert_eq!(figures.funnel[2].fully_delivered, t(1, 0));

        // By contributor: the three MAD cash groups of "b" are one figure; the cancelled
        // EUR group is left out.
        let keys: Vec<_> = figures
            .by_contributor
            .iter()
            .map(|f| {
                (
                    f.contributor.as_deref(),
                    f.contribution_type,
                    f.currency.as_deref(),
                    f.contributed,
                )
            })
            .collect();
        assert_eq!(
            keys,
            [
                (Some("a"), Some(T::Expertise), Some("MAD"), t(3, 900)),
                (Some("a"), Some(T::Training), None, t(1, 0)),
                (Some("b"), Some(T::Cash), Some("MAD"), t(4, 340)),
            ]
        );

        // Cash first, then in-kind, each by currency with the unvalued last.
        let split: Vec<_> = figures
            .cash_in_kind
            .iter()
            .map(|c| (c.cash, c.currency.as_deref(), c.contributed))
            .collect();
        assert_eq!(
            split,
            [
                (true, Some("MAD"), t(4, 340)),
                (false, Some("MAD"), t(3, 900)),
                (false, None, t(1, 0)),
            ]
        );
    }

    #[test]
    fn the_order_of_the_groups_does_not_change_the_figures() {
        use ContributionStatus as S;
        use ContributionType as T;
        let groups = vec![
            group("x", T::Cash, "2022", Some("USD"), S::Delivered, 2, 10),
            group("y", T::Other, "2021", Some("USD"), S::Pledged, 1, 7),
            group("x", T::Cash, "2022", Some("USD"), S::Committed, 1, 3),
            group("x", T::Cash, "2021", Some("MAD"), S::Cancelled, 1, 99),
        ];
        let mut reversed = groups.clone();
        reversed.reverse();
        assert_eq!(fold_resources(groups), fold_resources(reversed));
    }
}
