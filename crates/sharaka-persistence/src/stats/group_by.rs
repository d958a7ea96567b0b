//! The generic `groupBy` aggregate: one subject, one to three dimensions and some measures, as
//! one `GROUP BY` statement built from the same scoped building blocks (and filters) as the
//! typed aggregates. Which dimensions and measures a subject has is decided here, once.

use sea_orm::sea_query::{Cond, Expr, ExprTrait};

use super::{Agg, STAFF_AUDIENCES, StatsFilter, TrainingDim, key, q, quoted_list, real};
use crate::{PersistenceError, Store};

/// What is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupSubject {
    /// Training sessions and their tallies.
    TrainingSessions,
    /// Contributions (cancelled ones left out).
    Contributions,
    /// Agreements.
    Agreements,
    /// Exchange visits (cancelled ones left out).
    ExchangeVisits,
}

/// A dimension to group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupDim {
    /// The training venue's region.
    Region,
    /// The year of the subject's date.
    Year,
    /// TrainingAudience.
    Audience,
    /// TrainingTopic (multi-valued).
    Topic,
    /// A training provider (multi-valued).
    Provider,
    /// The training venue's site type.
    SiteType,
    /// The tally's sex.
    Sex,
    /// The contributor.
    Partner,
    /// ContributionType or AgreementType.
    Type,
    /// The contribution's currency.
    Currency,
    /// AgreementStatus.
    Status,
    /// VisitDirection.
    Direction,
    /// The visit's foreign country.
    Country,
}

/// A measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupMeasure {
    /// Distinct training sessions.
    Sessions,
    /// Σ attended (training) or Σ delegation members (visits).
    Participants,
    /// Σ attended × contact hours.
    ParticipantHours,
    /// Records.
    Count,
    /// Σ amount in minor units.
    Amount,
}

impl GroupSubject {
    /// The dimensions this subject can be grouped by.
    pub fn dims(self) -> &'static [GroupDim] {
        use GroupDim::*;
        match self {
            Self::TrainingSessions => &[Region, Year, Audience, Topic, Provider, SiteType, Sex],
            Self::Contributions => &[Partner, Type, Year, Currency],
            Self::Agreements => &[Status, Type, Year],
            Self::ExchangeVisits => &[Direction, Country, Year],
        }
    }

    /// The measures this subject has.
    pub fn measures(self) -> &'static [GroupMeasure] {
        use GroupMeasure::*;
        match self {
            Self::TrainingSessions => &[Sessions, Participants, ParticipantHours],
            Self::Contributions => &[Count, Amount],
            Self::Agreements => &[Count],
            Self::ExchangeVisits => &[Count, Participants],
        }
    }
}

/// One group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    /// One key per dimension, in order.
    pub keys: Vec<Option<String>>,
    /// One value per measure, in order.
    pub values: Vec<f64>,
    /// Whether the group counts prisoners or juveniles (training audiences other than
    /// [`STAFF_AUDIENCES`] with at least one attendee).
    pub protected: bool,
}

fn measure_alias(n: usize) -> String {
    format!("m{n}")
}

impl Store {
    /// Groups `subject` by `dims` and computes `measures`, in one statement under the reader's
    /// scope. The caller has checked the combination against [`GroupSubject::dims`] and
    /// [`GroupSubject::measures`]; anything else is refused here too. Filters: as for the
    /// subject's typed aggregate (training reach over every visible session, contributions
    /// by contributor, agreements by status, exchange visits).
    pub async fn group_by(
        &self,
        subject: GroupSubject,
        dims: &[GroupDim],
        measures: &[GroupMeasure],
        filter: &StatsFilter,
    ) -> Result<Vec<GroupRow>, PersistenceError> {
        if dims.iter().any(|d| !subject.dims().contains(d))
            || measures.iter().any(|m| !subject.measures().contains(m))
        {
            // The gateway checks combinations first: reaching this is a bug.
            return Err(PersistenceError::UnknownField {
                table: "group_by",
                field: format!("{subject:?} by {dims:?} with {measures:?}"),
            });
        }
        let mut agg = match subject {
            GroupSubject::TrainingSessions => self.training_group(dims, filter)?,
            GroupSubject::Contributions => self.contributions_group(dims, filter)?,
            GroupSubject::Agreements => {
                let mut agg = Agg::from(self, "agreements", true)?;
                self.agreement_filters(&mut agg, filter)?;
                let a = |c| q("agreements", c);
                for dim in dims {
                    agg.key(&match dim {
                        GroupDim::Status => a("status"),
                        GroupDim::Type => a("agreement_type"),
                        _ => format!(
                            "SUBSTR(COALESCE({}, {}), 1, 4)",
                            a("signed_on"),
                            a("drafted_on")
                        ),
                    });
                }
                agg
            }
            GroupSubject::ExchangeVisits => {
                let mut agg = self.visits_agg(filter)?;
                let v = |c| q("exchange_visits", c);
                for dim in dims {
                    agg.key(&match dim {
                        GroupDim::Direction => v("direction"),
                        GroupDim::Country => v("country_code"),
                        _ => format!("SUBSTR({}, 1, 4)", v("start_date")),
                    });
                }
                agg
            }
        };
        links(&mut agg, subject, filter);
        let s = "training_sessions";
        let t = "training_tallies";
        let attended = format!("COALESCE({}, 0)", q(t, "attended"));
        for (n, measure) in measures.iter().enumerate() {
            let alias = measure_alias(n);
            let sql = match (subject, measure) {
                (GroupSubject::TrainingSessions, GroupMeasure::Sessions) => {
                    format!("COUNT(DISTINCT {})", q(s, "id"))
                }
                (GroupSubject::TrainingSessions, GroupMeasure::Participants) => {
                    format!("SUM({attended})")
                }
                (GroupSubject::TrainingSessions, _) => {
                    format!("SUM({attended} * COALESCE({}, 0))", q(s, "contact_hours"))
                }
                (GroupSubject::ExchangeVisits, GroupMeasure::Participants) => {
                    format!("SUM({})", q("sizes", "size"))
                }
                (GroupSubject::Contributions, GroupMeasure::Amount) => {
                    format!("SUM({})", q("contributions", "amount_minor"))
                }
                _ => "COUNT(*)".to_owned(),
            };
            agg.real(&alias, &sql);
        }
        if subject == GroupSubject::TrainingSessions {
            agg.real(
                "protected",
                &format!(
                    "SUM(CASE WHEN {} IN ({}) THEN 0 ELSE {attended} END)",
                    q(s, "audience"),
                    quoted_list(&STAFF_AUDIENCES)
                ),
            );
        }
        agg.run(self)
            .await?
            .iter()
            .map(|r| {
                Ok(GroupRow {
                    keys: (0..dims.len())
                        .map(|n| key(r, n))
                        .collect::<Result<_, _>>()?,
                    values: (0..measures.len())
                        .map(|n| real(r, &measure_alias(n)))
                        .collect::<Result<_, _>>()?,
                    protected: subject == GroupSubject::TrainingSessions
                        && real(r, "protected")? > 0.0,
                })
            })
            .collect()
    }

    fn training_group(
        &self,
        dims: &[GroupDim],
        filter: &StatsFilter,
    ) -> Result<Agg, PersistenceError> {
        let dims: Vec<TrainingDim> = dims
            .iter()
            .map(|d| match d {
                GroupDim::Region => TrainingDim::Region,
                GroupDim::Audience => TrainingDim::Audience,
                GroupDim::Topic => TrainingDim::Topic,
                GroupDim::Provider => TrainingDim::Provider,
                GroupDim::SiteType => TrainingDim::SiteType,
                GroupDim::Sex => TrainingDim::Sex,
                _ => TrainingDim::Year,
            })
            .collect();
        self.training_agg(&dims, false, filter)
    }

    fn contributions_group(
        &self,
        dims: &[GroupDim],
        filter: &StatsFilter,
    ) -> Result<Agg, PersistenceError> {
        let (mut agg, date) = self.contributions(filter)?;
        agg.cond(Cond::all().add(Expr::cust(format!(
            "{} <> 'CANCELLED'",
            q("contributions", "status")
        ))));
        for dim in dims {
            agg.key(&match dim {
                GroupDim::Partner => q("contributions", "contributor_org_id"),
                GroupDim::Type => q("contributions", "contribution_type"),
                GroupDim::Currency => q("contributions", "currency"),
                _ => format!("SUBSTR({date}, 1, 4)"),
            });
        }
        Ok(agg)
    }
}

/// The agreement and project filters: on the subject's own `agreement_id` / `project_id`
/// (an agreement's projects through `project_agreements`), with bound values.
fn links(agg: &mut Agg, subject: GroupSubject, filter: &StatsFilter) {
    use sea_orm::sea_query::{Alias, Query};
    let table = match subject {
        GroupSubject::TrainingSessions => "training_sessions",
        GroupSubject::Contributions => "contributions",
        GroupSubject::Agreements => "agreements",
        GroupSubject::ExchangeVisits => "exchange_visits",
    };
    let column = |c: &str| Expr::col((Alias::new(table), Alias::new(c)));
    if !filter.agreements.is_empty() {
        let own = if subject == GroupSubject::Agreements {
            "id"
        } else {
            "agreement_id"
        };
        agg.cond(Cond::all().add(column(own).is_in(filter.agreements.clone())));
    }
    if !filter.projects.is_empty() {
        let cond = if subject == GroupSubject::Agreements {
            column("id").in_subquery(
                Query::select()
                    .column(Alias::new("agreement_id"))
                    .from(Alias::new("project_agreements"))
                    .and_where(Expr::col(Alias::new("project_id")).is_in(filter.projects.clone()))
                    .to_owned(),
            )
        } else {
            column("project_id").is_in(filter.projects.clone())
        };
        agg.cond(Cond::all().add(cond));
    }
}
