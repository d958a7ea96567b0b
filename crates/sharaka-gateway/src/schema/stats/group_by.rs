//! `stats.groupBy`: the generic aggregate for what the typed ones do not cover. One statement
//! per call (see `Store::group_by`); people counts of prisoners and juveniles go through the
//! same disclosure control as training reach for PARTNER and PUBLIC readers.

use async_graphql::resolver_utils::EnumType;
use async_graphql::{Context, Enum, Result, SimpleObject};
use sharaka_domain::{self as domain, Coded, Lang};
use sharaka_persistence::stats::{self as ps, GroupDim, GroupSubject as PsSubject};

use super::{StatsFilterInput, is_external};
use crate::error::{ApiError, GqlResultExt};
use crate::schema::context::{deps, lang};
use crate::schema::disclosure::{self, Cell};
use crate::schema::ids;
use crate::schema::scalars::enum_name;

/// What `groupBy` aggregates, with the dimensions and measures each subject has.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "sharaka_persistence::stats::GroupSubject")]
pub enum GroupSubject {
    /// Training sessions (every status the reader can see) with their tallies. Dimensions:
    /// REGION (the venue's), YEAR (of the start), AUDIENCE, TOPIC and PROVIDER (a session
    /// counts under each of its topics and providers), SITE_TYPE (the venue's), SEX (the
    /// tally's). Measures: SESSIONS, PARTICIPANTS (Σ attended), PARTICIPANT_HOURS. Filters:
    /// `period` on the start, `regions` on the venue, `partners` on organiser or provider.
    TrainingSessions,
    /// Contributions, cancelled ones left out. Dimensions: PARTNER (the contributor), TYPE,
    /// YEAR (of the session, project or agreement it is for), CURRENCY. Measures: COUNT,
    /// AMOUNT (needs CURRENCY: amounts in different currencies are never added). Filters:
    /// `period` on that year's date, `partners` on the contributor.
    Contributions,
    /// Agreements. Dimensions: STATUS, TYPE, YEAR (of signature, else drafting). Measure:
    /// COUNT. Filters: `period` on that date, `partners` on the parties.
    Agreements,
    /// Exchange visits, cancelled ones left out. Dimensions: DIRECTION, COUNTRY, YEAR (of the
    /// start). Measures: COUNT, PARTICIPANTS (Σ delegation members). Filters: `period` on the
    /// start, `partners` on host or visitor.
    ExchangeVisits,
}

/// A dimension of `groupBy`; which subjects have it is in [`GroupSubject`]'s description.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "sharaka_persistence::stats::GroupDim")]
pub enum GroupDimension {
    /// The training venue's region (key: Region ID).
    Region,
    /// The year of the subject's date (`YYYY`).
    Year,
    /// The training audience.
    Audience,
    /// The training topic.
    Topic,
    /// The training provider (key: Organisation ID).
    Provider,
    /// The training venue's site type.
    SiteType,
    /// The tally's sex.
    Sex,
    /// The contributor (key: Organisation ID).
    Partner,
    /// The contribution type or the agreement type.
    Type,
    /// The contribution's currency (ISO 4217).
    Currency,
    /// The agreement's status.
    Status,
    /// Inbound or outbound visit.
    Direction,
    /// The visit's foreign country (ISO 3166-1 alpha-2).
    Country,
}

/// A measure of `groupBy`; which subjects have it is in [`GroupSubject`]'s description.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug)]
#[graphql(remote = "sharaka_persistence::stats::GroupMeasure")]
pub enum GroupMeasure {
    /// Distinct training sessions.
    Sessions,
    /// People: Σ attended (training; disclosure controlled) or Σ delegation members (visits).
    Participants,
    /// Σ attended × contact hours (withheld with participants).
    ParticipantHours,
    /// Records.
    Count,
    /// Total value in the group's currency, in major units (e.g. `1500000.0` MAD).
    Amount,
}

/// One key of a group.
#[derive(SimpleObject)]
pub struct GroupKey {
    /// The dimension.
    pub dimension: GroupDimension,
    /// The code (an enumeration code, a year, a currency or country code, or a global ID for
    /// regions and organisations); null when the record has none.
    pub code: Option<String>,
    /// The code's label in the request's language, for enumerations; the code itself for
    /// years, currencies and countries; null for IDs (resolve them with `node`).
    pub label: Option<String>,
}

/// One measure of a group.
#[derive(SimpleObject)]
pub struct GroupValue {
    /// The measure.
    pub measure: GroupMeasure,
    /// The value; null when suppressed.
    pub value: Option<f64>,
    /// Whether the value is withheld by disclosure control (PARTNER and PUBLIC readers).
    pub suppressed: bool,
}

/// One group of `groupBy`.
#[derive(SimpleObject)]
pub struct GroupRow {
    /// One key per requested dimension, in the order asked.
    pub keys: Vec<GroupKey>,
    /// One value per requested measure, in the order asked.
    pub values: Vec<GroupValue>,
}

/// The names of the values of `T` whose persistence counterpart `has`, comma-separated.
fn names<T: EnumType, P>(has: impl Fn(&P) -> bool) -> String
where
    P: From<T>,
{
    T::items()
        .iter()
        .filter(|item| has(&P::from(item.value)))
        .map(|item| item.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks the request against what the subject has, naming the allowed values when it does not.
fn check(
    subject: GroupSubject,
    dimensions: &[GroupDimension],
    measures: &[GroupMeasure],
) -> std::result::Result<(Vec<GroupDim>, Vec<ps::GroupMeasure>), ApiError> {
    let s = PsSubject::from(subject);
    let subject_name = enum_name(subject);
    let allowed_dims = names::<GroupDimension, GroupDim>(|p| s.dims().contains(p));
    let allowed_measures = names::<GroupMeasure, ps::GroupMeasure>(|p| s.measures().contains(p));
    if dimensions.is_empty() || dimensions.len() > 3 {
        return Err(ApiError::bad_input(format!(
            "`dimensions` takes 1 to 3 dimensions, not {}; {subject_name} has {allowed_dims}",
            dimensions.len()
        )));
    }
    if measures.is_empty() {
        return Err(ApiError::bad_input(format!(
            "`measures` needs at least one measure; {subject_name} has {allowed_measures}"
        )));
    }
    let mut dims = Vec::new();
    for d in dimensions {
        let (p, n) = (GroupDim::from(*d), enum_name(*d));
        if !s.dims().contains(&p) {
            return Err(ApiError::bad_input(format!(
                "{subject_name} has no dimension {n}; use {allowed_dims}"
            )));
        }
        if dims.contains(&p) {
            return Err(ApiError::bad_input(format!(
                "dimension {n} is asked for twice"
            )));
        }
        dims.push(p);
    }
    let mut out = Vec::new();
    for m in measures {
        let (p, n) = (ps::GroupMeasure::from(*m), enum_name(*m));
        if !s.measures().contains(&p) {
            return Err(ApiError::bad_input(format!(
                "{subject_name} has no measure {n}; use {allowed_measures}"
            )));
        }
        out.push(p);
    }
    if out.contains(&ps::GroupMeasure::Amount) && !dims.contains(&GroupDim::Currency) {
        return Err(ApiError::bad_input(
            "AMOUNT needs the CURRENCY dimension: amounts in different currencies are not added",
        ));
    }
    Ok((dims, out))
}

fn label_of<D: Coded>(code: &str, lang: Lang) -> Option<String> {
    D::parse(code).ok().map(|v| v.label(lang).to_owned())
}

fn group_key(
    d: GroupDimension,
    subject: GroupSubject,
    code: &Option<String>,
    lang: Lang,
) -> GroupKey {
    let Some(c) = code.as_deref() else {
        return GroupKey {
            dimension: d,
            code: None,
            label: None,
        };
    };
    let (code, label) = match d {
        GroupDimension::Region => (ids::encode("Region", c).to_string(), None),
        GroupDimension::Provider | GroupDimension::Partner => {
            (ids::encode("Organisation", c).to_string(), None)
        }
        GroupDimension::Year | GroupDimension::Currency | GroupDimension::Country => {
            (c.to_owned(), Some(c.to_owned()))
        }
        GroupDimension::Audience => (c.to_owned(), label_of::<domain::TrainingAudience>(c, lang)),
        GroupDimension::Topic => (c.to_owned(), label_of::<domain::TrainingTopic>(c, lang)),
        GroupDimension::SiteType => (c.to_owned(), label_of::<domain::SiteType>(c, lang)),
        GroupDimension::Sex => (c.to_owned(), label_of::<domain::Sex>(c, lang)),
        GroupDimension::Type if subject == GroupSubject::Agreements => {
            (c.to_owned(), label_of::<domain::AgreementType>(c, lang))
        }
        GroupDimension::Type => (c.to_owned(), label_of::<domain::ContributionType>(c, lang)),
        GroupDimension::Status => (c.to_owned(), label_of::<domain::AgreementStatus>(c, lang)),
        GroupDimension::Direction => (c.to_owned(), label_of::<domain::VisitDirection>(c, lang)),
    };
    GroupKey {
        dimension: d,
        code: Some(code),
        label,
    }
}

/// Amounts come in minor units; shown in major units of the row's currency.
fn major(minor: f64, currency: Option<&str>) -> f64 {
    let digits = currency
        .and_then(|c| domain::CurrencyCode::parse(c).ok())
        .map_or(2, |c| c.minor_digits());
    minor / 10f64.powi(i32::try_from(digits).unwrap_or(2))
}

/// `stats.groupBy`.
pub async fn group_by(
    ctx: &Context<'_>,
    subject: GroupSubject,
    dimensions: Vec<GroupDimension>,
    measures: Vec<GroupMeasure>,
    filter: Option<StatsFilterInput>,
    agreements: Option<Vec<async_graphql::ID>>,
    projects: Option<Vec<async_graphql::ID>>,
) -> Result<Vec<GroupRow>> {
    let (dims, ps_measures) = check(subject, &dimensions, &measures).gql()?;
    let mut f = StatsFilterInput::to_filter(&filter)?;
    let locals = |ids: Option<Vec<async_graphql::ID>>, kind: &str| {
        ids.unwrap_or_default()
            .iter()
            .map(|id| super::ids::decode_kind(id, kind))
            .collect::<Result<Vec<_>, _>>()
    };
    f.agreements = locals(agreements, "Agreement").gql()?;
    f.projects = locals(projects, "Project").gql()?;
    let deps = deps(ctx);
    let rows = deps
        .store
        .group_by(subject.into(), &dims, &ps_measures, &f)
        .await
        .gql()?;
    let lang = lang(ctx, None);
    // Disclosure control: training participants (and the hours derived from them).
    let mut hidden = vec![false; rows.len()];
    let participants = ps_measures
        .iter()
        .position(|m| *m == ps::GroupMeasure::Participants);
    if subject == GroupSubject::TrainingSessions && is_external(deps.principal.role) {
        let threshold = crate::config::suppression_threshold();
        // With no participants measure asked for, hours still give people away when the hours
        // per session are known, so the same rule is applied to the participant count.
        let cells: Vec<Cell> = rows
            .iter()
            .map(|r| Cell {
                keys: r.keys.clone(),
                value: participants.map_or(0, |i| r.values[i] as i64),
                protected: r.protected,
                forced: false,
            })
            .collect();
        if participants.is_some() {
            hidden = disclosure::suppress(&cells, threshold);
        } else if ps_measures.contains(&ps::GroupMeasure::ParticipantHours) {
            // Without the participant count in the statement, withhold the hours of every
            // protected group rather than guess which are small.
            hidden = rows.iter().map(|r| r.protected).collect();
        }
    }
    let currency_at = dims.iter().position(|d| *d == GroupDim::Currency);
    Ok(rows
        .iter()
        .zip(hidden)
        .map(|(row, hide): (&ps::GroupRow, bool)| {
            let currency = currency_at.and_then(|i| row.keys[i].as_deref());
            GroupRow {
                keys: dimensions
                    .iter()
                    .zip(&row.keys)
                    .map(|(d, k)| group_key(*d, subject, k, lang))
                    .collect(),
                values: measures
                    .iter()
                    .zip(&ps_measures)
                    .zip(&row.values)
                    .map(|((m, p), v)| {
                        let people = matches!(
                            p,
                            ps::GroupMeasure::Participants | ps::GroupMeasure::ParticipantHours
                        );
                        let suppressed = hide && people;
                        GroupValue {
                            measure: *m,
                            value: if suppressed {
                                None
                            } else if *p == ps::GroupMeasure::Amount {
                                Some(major(*v, currency))
                            } else {
                                Some(*v)
                            },
                            suppressed,
                        }
                    })
                    .collect(),
            }
        })
        .collect())
}
