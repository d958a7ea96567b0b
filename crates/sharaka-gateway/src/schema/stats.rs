//! `stats`: the dashboards' aggregates (DOMAIN.md §4.6), each computed by one `GROUP BY`
//! statement in persistence over the principal's scoped store, so a figure never counts a record
//! its reader could not list. Training figures that count prisoners or juveniles go through
//! disclosure control ([`super::disclosure`]) for roles outside the administration.

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject, Value,
};
use sharaka_domain::{self as domain, Coded, Role};
use sharaka_persistence::stats::{self as ps, StatsFilter, TrainingDim};

use super::context::deps;
use super::disclosure::{self, Cell};
use super::filters::DateRange;
use super::ids;
use super::rows::{Row, Rows, Selection, leaf};
use super::scalars::*;
use crate::error::{ApiError, GqlResultExt};

mod group_by;
pub use group_by::{GroupDimension, GroupKey, GroupMeasure, GroupRow, GroupSubject, GroupValue};
mod results;
pub use results::{ResultDimension, ResultProgress, ResultProgressFilter};

/// The dashboards' figures. Every figure respects the reader's access scope.
#[derive(Default)]
pub struct StatsQuery;

/// Filters shared by the aggregates; each applies those that make sense for it (see its
/// description).
#[derive(InputObject, Clone, Default)]
pub struct StatsFilterInput {
    /// The period, on the aggregate's date.
    pub period: Option<DateRange>,
    /// Only these regions (Region IDs).
    pub regions: Option<Vec<ID>>,
    /// Only records involving these organisations (Organisation IDs).
    pub partners: Option<Vec<ID>>,
}

impl StatsFilterInput {
    fn to_filter(input: &Option<Self>) -> Result<StatsFilter> {
        let Some(input) = input else {
            return Ok(StatsFilter::default());
        };
        let locals = |list: &Option<Vec<ID>>, kind: &str| -> Result<Vec<String>> {
            list.iter()
                .flatten()
                .map(|id| ids::decode_kind(id, kind).gql())
                .collect()
        };
        Ok(StatsFilter {
            from: input.period.and_then(|p| p.from).map(|d| d.0.to_string()),
            to: input
                .period
                .and_then(|p| p.to)
                .map(|d| d.0.latest().to_string()),
            regions: locals(&input.regions, "Region")?,
            partners: locals(&input.partners, "Organisation")?,
            // Set by `groupBy` from its own arguments; the typed aggregates do not apply them.
            agreements: Vec::new(),
            projects: Vec::new(),
        })
    }
}

fn typed<D: Coded, G: From<D>>(code: &Option<String>) -> Option<G> {
    code.as_deref().and_then(|c| D::parse(c).ok()).map(G::from)
}

fn org_id(local: &Option<String>) -> Option<ID> {
    local.as_deref().map(|l| ids::encode("Organisation", l))
}

fn region_id(local: &Option<String>) -> Option<ID> {
    local.as_deref().map(|l| ids::encode("Region", l))
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Partnerships of one combination of the partner typology.
#[derive(SimpleObject)]
pub struct LandscapeCell {
    /// National or international.
    pub scope: Option<PartnershipScope>,
    /// Direct, bilateral or multilateral.
    pub modality: Option<PartnershipModality>,
    /// The partner's category.
    pub category: Option<PartnerCategory>,
    /// The partner's country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// Partnerships.
    pub partnerships: i64,
    /// Distinct partner organisations.
    pub partners: i64,
}

/// A count for one year.
#[derive(SimpleObject)]
pub struct YearCount {
    /// The year (`YYYY`); null when unknown.
    pub year: Option<String>,
    /// How many.
    pub count: i64,
}

/// The partnership landscape.
#[derive(SimpleObject)]
pub struct PartnerLandscape {
    /// Partnerships by scope × modality × partner category × country.
    pub cells: Vec<LandscapeCell>,
    /// New partnerships per year of their start (`since`).
    pub per_year: Vec<YearCount>,
}

/// Agreements in one status.
#[derive(SimpleObject)]
pub struct AgreementStatusCount {
    /// The status.
    pub status: Option<AgreementStatus>,
    /// Agreements.
    pub count: i64,
}

/// The agreement pipeline.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AgreementPipeline {
    /// Agreements by status.
    pub by_status: Vec<AgreementStatusCount>,
    /// The window of `expiring`, in days from today.
    pub expiring_within_days: i32,
    /// ACTIVE agreements whose end date falls within the window.
    pub expiring: i64,
    /// The pipeline's filter, for the fields computed on demand.
    #[graphql(skip)]
    filter: StatsFilter,
}

/// A median duration in days.
#[derive(SimpleObject)]
pub struct MedianDays {
    /// The median number of days; null when no agreement has both dates in full. With an even
    /// number of agreements it is the mean of the two middle ones (so it may end in `.5`).
    pub median: Option<f64>,
    /// Agreements measured: those with both dates known to the day (`YYYY-MM-DD`), the later
    /// not before the earlier.
    pub agreements: i64,
}

impl From<ps::MedianDays> for MedianDays {
    fn from(m: ps::MedianDays) -> Self {
        Self {
            median: m.median,
            agreements: m.count,
        }
    }
}

/// Agreements counted against a window of months back from today.
#[derive(SimpleObject)]
pub struct AgreementsSince {
    /// The window, in months.
    pub months: i32,
    /// The window's first day (`YYYY-MM-DD`): today minus `months`.
    pub since: String,
    /// Agreements.
    pub count: i64,
}

/// Today minus `months`, refusing windows that are not 1 to 1,200 months.
fn months_back(months: i32, argument: &str) -> Result<chrono::NaiveDate> {
    u32::try_from(months)
        .ok()
        .filter(|m| (1..=1200).contains(m))
        .and_then(|m| today().checked_sub_months(chrono::Months::new(m)))
        .ok_or_else(|| {
            ApiError::bad_input(format!(
                "`{argument}` must be a number of months from 1 to 1200, not {months}"
            ))
        })
        .gql()
}

#[ComplexObject]
impl AgreementPipeline {
    /// Median days from drafting (`draftedOn`) to signature (`signedOn`).
    async fn draft_to_signature(&self, ctx: &Context<'_>) -> Result<MedianDays> {
        let store = &deps(ctx).store;
        Ok(store
            .agreement_median_days(ps::PipelineSpan::DraftToSignature, &self.filter)
            .await
            .gql()?
            .into())
    }

    /// Median days from signature (`signedOn`) to entry into force (`effectiveFrom`).
    async fn signature_to_entry_into_force(&self, ctx: &Context<'_>) -> Result<MedianDays> {
        let store = &deps(ctx).store;
        Ok(store
            .agreement_median_days(ps::PipelineSpan::SignatureToEntryIntoForce, &self.filter)
            .await
            .gql()?
            .into())
    }

    /// ACTIVE agreements with no activity in the last `months` (default 12). Activity is any
    /// dated record linked to the agreement, dated on or after the window's first day (a partial
    /// date counts from its first day), among the records the reader can see: the agreement's
    /// own signature or entry into force; the actual start or end of a linked project; the
    /// start or end of a training session under the agreement or one of its projects, or of an
    /// exchange visit under it (cancelled ones left out); and progress on one of its
    /// commitments (the day a commitment that has left PLANNED was last changed). Contributions
    /// carry no date of their own and add nothing. The `period` filter does not apply.
    async fn idle(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 12)] months: i32,
    ) -> Result<AgreementsSince> {
        let since = months_back(months, "months")?.to_string();
        let count = deps(ctx)
            .store
            .agreements_idle(&since, &self.filter)
            .await
            .gql()?;
        Ok(AgreementsSince {
            months,
            since,
            count,
        })
    }

    /// DRAFT agreements drafted more than `olderThanMonths` ago (default 6; a partial drafting
    /// date counts from its first day; drafts without a drafting date are left out). The
    /// `period` filter does not apply.
    async fn stale_drafts(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 6)] older_than_months: i32,
    ) -> Result<AgreementsSince> {
        let since = months_back(older_than_months, "olderThanMonths")?.to_string();
        let count = deps(ctx)
            .store
            .agreements_stale_drafts(&since, &self.filter)
            .await
            .gql()?;
        Ok(AgreementsSince {
            months: older_than_months,
            since,
            count,
        })
    }
}

/// Commitments of one party or one agreement by outcome.
#[derive(SimpleObject)]
pub struct Fulfilment {
    /// The party (for `byParty`) or the agreement (for `byAgreement`).
    pub id: ID,
    /// Every commitment.
    pub total: i64,
    /// Fulfilled.
    pub fulfilled: i64,
    /// Partially fulfilled.
    pub partially_fulfilled: i64,
    /// Not fulfilled.
    pub not_fulfilled: i64,
    /// Waived by agreement.
    pub waived: i64,
    /// Still planned or in progress.
    pub open: i64,
    /// fulfilled / (total − waived); null when nothing is owed.
    pub fulfilled_share: Option<f64>,
}

impl Fulfilment {
    fn new(kind: &str, row: ps::FulfilmentRow) -> Self {
        let owed = row.total - row.waived;
        Self {
            id: ids::encode(kind, &row.key),
            total: row.total,
            fulfilled: row.fulfilled,
            partially_fulfilled: row.partially_fulfilled,
            not_fulfilled: row.not_fulfilled,
            waived: row.waived,
            open: row.open,
            fulfilled_share: (owed > 0).then(|| row.fulfilled as f64 / owed as f64),
        }
    }
}

/// Commitments and accountability.
#[derive(SimpleObject)]
pub struct CommitmentStats {
    /// Per party.
    pub by_party: Vec<Fulfilment>,
    /// Per agreement.
    pub by_agreement: Vec<Fulfilment>,
    /// Planned or in-progress commitments due before today.
    pub overdue: i64,
}

/// An exact amount in one currency.
#[derive(Clone, SimpleObject)]
pub struct Amount {
    /// ISO 4217 code; null for contributions without a value.
    pub currency: Option<String>,
    /// The exact decimal amount (`"1500000.00"`), from the stored minor units.
    pub value: String,
}

fn amount(currency: &Option<String>, minor: i64) -> Amount {
    let digits = currency
        .as_deref()
        .and_then(|c| domain::CurrencyCode::parse(c).ok())
        .map_or(2, |c| c.minor_digits());
    Amount {
        currency: currency.clone(),
        value: rust_decimal::Decimal::new(minor, digits).to_string(),
    }
}

/// Contributions of one contributor, type, year and currency.
#[derive(Clone, SimpleObject)]
pub struct ContributionCell {
    /// The contributor.
    pub contributor: Option<ID>,
    /// The kind of resource.
    pub contribution_type: Option<ContributionType>,
    /// The year of the session, project or agreement the contribution is for.
    pub year: Option<String>,
    /// Contributions.
    pub count: i64,
    /// Their total value in their currency.
    pub amount: Amount,
}

impl Row for Amount {
    fn value(&self, name: &str, _: &Selection<'_>) -> Value {
        match name {
            "currency" => leaf(&self.currency),
            "value" => leaf(&self.value),
            _ => Value::Null,
        }
    }
}

impl Row for ContributionCell {
    fn value(&self, name: &str, selection: &Selection<'_>) -> Value {
        match name {
            "contributor" => leaf(&self.contributor),
            "contributionType" => leaf(&self.contribution_type),
            "year" => leaf(&self.year),
            "count" => leaf(&self.count),
            "amount" => selection.object(&self.amount),
            _ => Value::Null,
        }
    }
}

/// A stage of the funnel in one currency.
#[derive(SimpleObject)]
pub struct Stage {
    /// Contributions that reached at least this stage.
    pub count: i64,
    /// Their value.
    pub amount: Amount,
}

/// The pledged → committed → delivered funnel in one currency; each stage counts what reached
/// at least that stage.
#[derive(SimpleObject)]
pub struct Funnel {
    /// The currency.
    pub currency: Option<String>,
    /// Every contribution not cancelled.
    pub pledged: Stage,
    /// Committed, partially delivered or delivered.
    pub committed: Stage,
    /// Partially delivered or delivered.
    pub delivered: Stage,
    /// Delivered in full.
    pub fully_delivered: Stage,
    /// Cancelled.
    pub cancelled: Stage,
}

/// Cash or in-kind contributions in one currency.
#[derive(SimpleObject)]
pub struct CashInKind {
    /// True for cash, false for every in-kind type.
    pub cash: bool,
    /// Contributions.
    pub count: i64,
    /// Their value.
    pub amount: Amount,
}

/// Resources mobilised (cancelled contributions left out, except in the funnel).
#[derive(SimpleObject)]
pub struct ResourceStats {
    /// By contributor × type × year, per currency.
    pub by_contributor: Rows<ContributionCell>,
    /// The funnel per currency.
    pub funnel: Vec<Funnel>,
    /// Cash against in-kind per currency.
    pub cash_in_kind: Vec<CashInKind>,
}

/// A stored exchange rate.
#[derive(SimpleObject)]
pub struct ExchangeRate {
    /// ISO 4217 code of the currency.
    pub currency: String,
    /// Moroccan dirhams for one unit (not one minor unit) of the currency.
    pub rate_to_mad: f64,
    /// In force from this day (`YYYY-MM-DD`) until the currency's next rate.
    pub valid_from: String,
    /// Where the figure comes from (e.g. "Bank Al-Maghrib reference rate").
    pub source: String,
    /// The version to pass when changing it again (audit trail).
    pub version: i32,
}

impl From<ps::ExchangeRate> for ExchangeRate {
    fn from(r: ps::ExchangeRate) -> Self {
        Self {
            currency: r.currency,
            rate_to_mad: r.rate_to_mad,
            valid_from: r.valid_from,
            source: r.source,
            version: r.version,
        }
    }
}

/// Money of one contributor converted to MAD.
#[derive(SimpleObject)]
pub struct MadContributor {
    /// The contributor.
    pub contributor: Option<ID>,
    /// Contributions converted.
    pub count: i64,
    /// Their value in MAD.
    pub amount: Amount,
}

/// Money in one currency that could not be converted: no rate of the currency was in force at
/// the contribution's date, or the contribution has no date.
#[derive(SimpleObject)]
pub struct Unconverted {
    /// The currency.
    pub currency: Option<String>,
    /// Contributions left unconverted.
    pub count: i64,
    /// Their value in their own currency.
    pub amount: Amount,
}

/// Resources mobilised in Moroccan dirhams (cancelled and unvalued contributions left out).
#[derive(SimpleObject)]
pub struct MadResources {
    /// Every converted contribution, in MAD (each rounded to the centime before summing).
    pub total: Amount,
    /// Contributions converted (MAD amounts included, at rate 1).
    pub converted_count: i64,
    /// Contributions that could not be converted; their value is in `unconverted`, never
    /// counted as zero.
    pub unconverted_count: i64,
    /// The unconverted money per currency, in that currency.
    pub unconverted: Vec<Unconverted>,
    /// The converted money per contributor.
    pub by_contributor: Vec<MadContributor>,
}

/// A dimension of training reach.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum TrainingDimension {
    /// Who the session is for.
    Audience,
    /// A topic (a session counts under each of its topics).
    Topic,
    /// The staff category.
    StaffCategory,
    /// The venue's region.
    Region,
    /// The venue's site type.
    SiteType,
    /// The start year.
    Year,
    /// A provider (a session counts under each of its providers).
    Provider,
}

impl From<TrainingDimension> for TrainingDim {
    fn from(d: TrainingDimension) -> Self {
        match d {
            TrainingDimension::Audience => TrainingDim::Audience,
            TrainingDimension::Topic => TrainingDim::Topic,
            TrainingDimension::StaffCategory => TrainingDim::StaffCategory,
            TrainingDimension::Region => TrainingDim::Region,
            TrainingDimension::SiteType => TrainingDim::SiteType,
            TrainingDimension::Year => TrainingDim::Year,
            TrainingDimension::Provider => TrainingDim::Provider,
        }
    }
}

/// A count under disclosure control: for roles outside the administration, counts of prisoners
/// or juveniles from 1 to 4 are suppressed (and some neighbours, so that none can be derived).
#[derive(SimpleObject, Clone)]
pub struct ProtectedCount {
    /// The value; null when suppressed.
    pub value: Option<i64>,
    /// What to display: the value, or `"<5"` when suppressed.
    pub display: String,
    /// Whether the value is withheld.
    pub suppressed: bool,
    /// Whether the value is rounded (totals, for roles outside the administration).
    pub rounded: bool,
}

impl ProtectedCount {
    fn exact(value: i64) -> Self {
        Self {
            value: Some(value),
            display: value.to_string(),
            suppressed: false,
            rounded: false,
        }
    }

    /// A withheld value: shown as `"<5"` when it is itself a small count, else as `"x"` (a
    /// neighbour withheld so that the small one cannot be derived).
    fn withheld(threshold: i64, small: bool) -> Self {
        Self {
            value: None,
            display: if small {
                format!("<{threshold}")
            } else {
                "x".to_owned()
            },
            suppressed: true,
            rounded: false,
        }
    }
}

/// Training reach of one group.
#[derive(SimpleObject)]
pub struct TrainingReachRow {
    /// The audience, when grouped by it.
    pub audience: Option<TrainingAudience>,
    /// The topic, when grouped by it.
    pub topic: Option<TrainingTopic>,
    /// The staff category, when grouped by it.
    pub staff_category: Option<StaffCategory>,
    /// The venue's region, when grouped by it.
    pub region: Option<ID>,
    /// The venue's site type, when grouped by it.
    pub site_type: Option<SiteType>,
    /// The start year, when grouped by it.
    pub year: Option<String>,
    /// The provider, when grouped by it.
    pub provider: Option<ID>,
    /// Sessions (never suppressed: a session is not a person).
    pub sessions: i64,
    /// Participants (Σ attended).
    pub participants: ProtectedCount,
    /// Female participants.
    pub female_participants: ProtectedCount,
    /// Participants who completed.
    pub completed: ProtectedCount,
    /// Participants enrolled, over the tallies that record an enrolment (enrolled above zero).
    pub enrolled: ProtectedCount,
    /// Completion rate: completed ÷ enrolled, both taken over the tallies that record an
    /// enrolment (a tally with no enrolment recorded says nothing about completion and is left
    /// out). Null when no enrolment is recorded, or when either count is withheld.
    pub completion_rate: Option<f64>,
    /// Σ attended × contact hours; null when participants are suppressed.
    pub participant_hours: Option<f64>,
    /// Female share of participants; null when unknown or withheld.
    pub female_share: Option<f64>,
    /// Whether this row counts prisoners or juveniles (audiences other than staff, trainers,
    /// partner staff and justice actors).
    pub protected: bool,
}

/// Training reach: rows per group and the overall total.
#[derive(SimpleObject)]
pub struct TrainingReach {
    /// One row per group.
    pub rows: Vec<TrainingReachRow>,
    /// Every matching session together (rounded for roles outside the administration).
    pub total: TrainingReachRow,
    /// The disclosure threshold applied (null when the reader sees exact figures).
    pub suppression_threshold: Option<i64>,
}

/// Sites of one region and type.
#[derive(SimpleObject)]
pub struct CoverageCell {
    /// The region.
    pub region: Option<ID>,
    /// The site type.
    pub site_type: Option<SiteType>,
    /// Sites.
    pub sites: i64,
    /// Sites with at least one project.
    pub covered: i64,
}

/// Coverage and equity.
#[derive(SimpleObject)]
pub struct Coverage {
    /// Regions with an operational post-care centre.
    pub regions_with_post_care: i64,
    /// Morocco's regions (12), the generalisation goal.
    pub regions_total: i64,
    /// Those regions.
    pub post_care_regions: Vec<ID>,
    /// Sites by region and type, and how many host a project.
    pub sites: Vec<CoverageCell>,
}

/// Exchange visits of one direction, country and year.
#[derive(SimpleObject)]
pub struct VisitCell {
    /// Inbound or outbound.
    pub direction: Option<VisitDirection>,
    /// The foreign country.
    pub country: Option<String>,
    /// The start year.
    pub year: Option<String>,
    /// Visits (cancelled ones left out).
    pub visits: i64,
    /// Σ delegation members.
    pub delegates: i64,
}

/// Whether `role` sees disclosure-controlled figures.
pub fn is_external(role: Role) -> bool {
    matches!(role, Role::Partner | Role::Public)
}

fn reach_row(dims: &[TrainingDim], row: &ps::TrainingRow) -> TrainingReachRow {
    let mut out = TrainingReachRow {
        audience: None,
        topic: None,
        staff_category: None,
        region: None,
        site_type: None,
        year: None,
        provider: None,
        sessions: row.sessions,
        participants: ProtectedCount::exact(row.participants),
        female_participants: ProtectedCount::exact(row.female),
        completed: ProtectedCount::exact(row.completed),
        enrolled: ProtectedCount::exact(row.enrolled),
        completion_rate: (row.enrolled > 0)
            .then(|| row.completed_of_enrolled as f64 / row.enrolled as f64),
        participant_hours: Some(row.participant_hours),
        female_share: (row.participants > 0).then(|| row.female as f64 / row.participants as f64),
        protected: row.protected_participants > 0,
    };
    for (dim, key) in dims.iter().zip(&row.keys) {
        match dim {
            TrainingDim::Audience => {
                out.audience = typed::<domain::TrainingAudience, _>(key);
            }
            TrainingDim::Topic => out.topic = typed::<domain::TrainingTopic, _>(key),
            TrainingDim::StaffCategory => {
                out.staff_category = typed::<domain::StaffCategory, _>(key);
            }
            TrainingDim::Region => out.region = region_id(key),
            TrainingDim::SiteType => out.site_type = typed::<domain::SiteType, _>(key),
            TrainingDim::Year => out.year = key.clone(),
            TrainingDim::Provider => out.provider = org_id(key),
            // Not a dimension of training reach (only of `groupBy`).
            TrainingDim::Sex => {}
        }
    }
    out
}

/// Applies disclosure control to the rows of one table (see [`disclosure`]).
fn control(rows: &[ps::TrainingRow], out: &mut [TrainingReachRow], threshold: i64) {
    let cells = |value: fn(&ps::TrainingRow) -> i64, forced: &dyn Fn(&ps::TrainingRow) -> bool| {
        rows.iter()
            .map(|r| Cell {
                keys: r.keys.clone(),
                value: value(r),
                protected: r.protected_participants > 0,
                forced: forced(r),
            })
            .collect::<Vec<_>>()
    };
    let participants = disclosure::suppress(&cells(|r| r.participants, &|_| false), threshold);
    // The sex split: the female count is withheld too when the rest of the row (male and not
    // recorded) is a small protected count, since participants − female would reveal it.
    let small = |v: i64| v >= 1 && v < threshold;
    let female = disclosure::suppress(
        &cells(|r| r.female, &|r| {
            r.protected_participants > 0 && small(r.participants - r.female)
        }),
        threshold,
    );
    let completed = disclosure::suppress(&cells(|r| r.completed, &|_| false), threshold);
    let enrolled = disclosure::suppress(&cells(|r| r.enrolled, &|_| false), threshold);
    for (i, (row, r)) in out.iter_mut().zip(rows).enumerate() {
        let protected_small = |v: i64| r.protected_participants > 0 && small(v);
        let hide_participants = participants[i];
        let hide_female = female[i] || hide_participants;
        if hide_participants {
            row.participants = ProtectedCount::withheld(threshold, protected_small(r.participants));
            row.participant_hours = None;
        }
        if hide_female {
            row.female_participants =
                ProtectedCount::withheld(threshold, protected_small(r.female));
            row.female_share = None;
        }
        if completed[i] || hide_participants {
            row.completed = ProtectedCount::withheld(threshold, protected_small(r.completed));
            row.completion_rate = None;
        }
        if enrolled[i] || hide_participants {
            row.enrolled = ProtectedCount::withheld(threshold, protected_small(r.enrolled));
            row.completion_rate = None;
        }
    }
}

/// Rounds (or suppresses) a protected total.
fn protect_total(count: &mut ProtectedCount, threshold: i64) {
    if let Some(v) = count.value {
        *count = match disclosure::protect_total(v, threshold) {
            None => ProtectedCount::withheld(threshold, true),
            Some(r) => ProtectedCount {
                value: Some(r),
                display: r.to_string(),
                suppressed: false,
                rounded: true,
            },
        };
    }
}

/// The dashboards' figures (DOMAIN.md §4.6), each computed in SQL within the reader's access
/// scope; training counts of prisoners and juveniles are disclosure controlled for PARTNER and
/// PUBLIC readers.
#[Object(name = "Stats")]
impl StatsQuery {
    /// Partners by scope × modality × category × country, and new partnerships per year.
    /// Filters: `period` on the partnership's start, `partners`.
    async fn partner_landscape(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatsFilterInput>,
    ) -> Result<PartnerLandscape> {
        let f = StatsFilterInput::to_filter(&filter)?;
        let store = &deps(ctx).store;
        let cells = store
            .partner_landscape(&f)
            .await
            .gql()?
            .into_iter()
            .map(|r| LandscapeCell {
                scope: typed::<domain::PartnershipScope, _>(&r.scope),
                modality: typed::<domain::PartnershipModality, _>(&r.modality),
                category: typed::<domain::PartnerCategory, _>(&r.category),
                country: r.country,
                partnerships: r.partnerships,
                partners: r.partners,
            })
            .collect();
        let per_year = store
            .partnerships_per_year(&f)
            .await
            .gql()?
            .into_iter()
            .map(|k| YearCount {
                year: k.key,
                count: k.count,
            })
            .collect();
        Ok(PartnerLandscape { cells, per_year })
    }

    /// Agreements by status, and ACTIVE agreements expiring within `expiringWithinDays`.
    /// Filters: `period` on the signature (else drafting) date, `partners` on the parties.
    async fn agreement_pipeline(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatsFilterInput>,
        #[graphql(default = 90)] expiring_within_days: i32,
    ) -> Result<AgreementPipeline> {
        let f = StatsFilterInput::to_filter(&filter)?;
        let store = &deps(ctx).store;
        let by_status = store
            .agreements_by_status(&f)
            .await
            .gql()?
            .into_iter()
            .map(|k| AgreementStatusCount {
                status: typed::<domain::AgreementStatus, _>(&k.key),
                count: k.count,
            })
            .collect();
        let days = expiring_within_days.clamp(0, 3660);
        let today = today();
        let until = today + chrono::Days::new(u64::try_from(days).unwrap_or(0));
        let expiring = store
            .agreements_expiring(&today.to_string(), &until.to_string(), &f)
            .await
            .gql()?;
        Ok(AgreementPipeline {
            by_status,
            expiring_within_days: days,
            expiring,
            filter: f,
        })
    }

    /// Share of commitments fulfilled per party and per agreement, and overdue commitments.
    /// Filters: `period` on the due date, `partners` on the party.
    async fn commitments(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatsFilterInput>,
    ) -> Result<CommitmentStats> {
        let f = StatsFilterInput::to_filter(&filter)?;
        let store = &deps(ctx).store;
        let by_party = store.commitment_fulfilment(false, &f).await.gql()?;
        let by_agreement = store.commitment_fulfilment(true, &f).await.gql()?;
        let overdue = store
            .commitments_overdue(&today().to_string(), &f)
            .await
            .gql()?;
        Ok(CommitmentStats {
            by_party: by_party
                .into_iter()
                .map(|r| Fulfilment::new("Organisation", r))
                .collect(),
            by_agreement: by_agreement
                .into_iter()
                .map(|r| Fulfilment::new("Agreement", r))
                .collect(),
            overdue,
        })
    }

    /// Resources mobilised, in each currency (exact decimals; no conversion). Filters: `period`
    /// on the date of what the contribution is for, `partners` on the contributor.
    async fn resources(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatsFilterInput>,
    ) -> Result<ResourceStats> {
        let f = StatsFilterInput::to_filter(&filter)?;
        let figures = deps(ctx).store.resource_figures(&f).await.gql()?;
        let money = |currency: &Option<String>, c: domain::Contributed| Stage {
            count: c.count,
            amount: amount(currency, c.amount_minor),
        };
        let by_contributor = figures
            .by_contributor
            .into_iter()
            .map(|r| ContributionCell {
                contributor: org_id(&r.contributor),
                contribution_type: r.contribution_type.map(Into::into),
                year: r.year,
                count: r.contributed.count,
                amount: amount(&r.currency, r.contributed.amount_minor),
            })
            .collect();
        let by_contributor = Rows(by_contributor);
        let funnel = figures
            .funnel
            .into_iter()
            .map(|r| Funnel {
                pledged: money(&r.currency, r.pledged),
                committed: money(&r.currency, r.committed),
                delivered: money(&r.currency, r.delivered),
                fully_delivered: money(&r.currency, r.fully_delivered),
                cancelled: money(&r.currency, r.cancelled),
                currency: r.currency,
            })
            .collect();
        let cash_in_kind = figures
            .cash_in_kind
            .into_iter()
            .map(|r| CashInKind {
                cash: r.cash,
                count: r.contributed.count,
                amount: amount(&r.currency, r.contributed.amount_minor),
            })
            .collect();
        Ok(ResourceStats {
            by_contributor,
            funnel,
            cash_in_kind,
        })
    }

    /// Resources mobilised converted to Moroccan dirhams, each contribution at the rate in force
    /// at its date (the latest rate of its currency valid on or before the date of the session,
    /// project or agreement it is for; a partial date counts from its first day). Money with no
    /// rate in force, or undated, is reported per currency in `unconverted`. Filters: `period`
    /// on the contribution's date, `partners` on the contributor.
    async fn resources_in_mad(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatsFilterInput>,
    ) -> Result<MadResources> {
        let f = StatsFilterInput::to_filter(&filter)?;
        let rows = deps(ctx).store.contributions_in_mad(&f).await.gql()?;
        let mad = Some("MAD".to_owned());
        let mut total = 0_i64;
        let mut converted_count = 0;
        let mut by_contributor: Vec<(Option<String>, i64, i64)> = Vec::new();
        let mut unconverted: Vec<(Option<String>, i64, i64)> = Vec::new();
        for row in &rows {
            total += row.mad_minor;
            converted_count += row.converted;
            if row.converted > 0 {
                match by_contributor.iter_mut().find(|c| c.0 == row.contributor) {
                    Some(c) => {
                        c.1 += row.converted;
                        c.2 += row.mad_minor;
                    }
                    None => {
                        by_contributor.push((row.contributor.clone(), row.converted, row.mad_minor))
                    }
                }
            }
            let left = row.count - row.converted;
            if left > 0 {
                match unconverted.iter_mut().find(|u| u.0 == row.currency) {
                    Some(u) => {
                        u.1 += left;
                        u.2 += row.unconverted_minor;
                    }
                    None => unconverted.push((row.currency.clone(), left, row.unconverted_minor)),
                }
            }
        }
        unconverted.sort_by(|a, b| a.0.cmp(&b.0));
        by_contributor.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(MadResources {
            total: amount(&mad, total),
            converted_count,
            unconverted_count: unconverted.iter().map(|u| u.1).sum(),
            unconverted: unconverted
                .into_iter()
                .map(|(currency, count, minor)| Unconverted {
                    amount: amount(&currency, minor),
                    currency,
                    count,
                })
                .collect(),
            by_contributor: by_contributor
                .into_iter()
                .map(|(contributor, count, minor)| MadContributor {
                    contributor: org_id(&contributor),
                    count,
                    amount: amount(&mad, minor),
                })
                .collect(),
        })
    }

    /// The stored exchange rates to MAD, of one currency or of all, by currency then date.
    async fn exchange_rates(
        &self,
        ctx: &Context<'_>,
        currency: Option<String>,
    ) -> Result<Vec<ExchangeRate>> {
        let currency = currency
            .map(|c| domain::CurrencyCode::parse(&c))
            .transpose()
            .map_err(ApiError::from)
            .gql()?;
        Ok(deps(ctx)
            .store
            .exchange_rates(currency.as_ref().map(|c| c.as_str()))
            .await
            .gql()?
            .into_iter()
            .map(ExchangeRate::from)
            .collect())
    }

    /// Training reach: sessions, participants, participant-hours and female share, grouped by
    /// `groupBy` (validated sessions only by default, the official figures). Filters: `period`
    /// on the start date, `regions` on the venue, `partners` on the organiser or a provider.
    /// For PARTNER and PUBLIC readers, counts of prisoners and juveniles are disclosure
    /// controlled.
    async fn training_reach(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] group_by: Vec<TrainingDimension>,
        #[graphql(default = true)] validated_only: bool,
        filter: Option<StatsFilterInput>,
    ) -> Result<TrainingReach> {
        let f = StatsFilterInput::to_filter(&filter)?;
        let mut dims: Vec<TrainingDim> = Vec::new();
        for d in group_by {
            let d = TrainingDim::from(d);
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        let deps = deps(ctx);
        let rows = deps
            .store
            .training_reach(&dims, validated_only, &f)
            .await
            .gql()?;
        let totals = deps
            .store
            .training_reach(&[], validated_only, &f)
            .await
            .gql()?;
        let mut out: Vec<TrainingReachRow> = rows.iter().map(|r| reach_row(&dims, r)).collect();
        let total_row = totals.first().cloned().unwrap_or(ps::TrainingRow {
            keys: Vec::new(),
            sessions: 0,
            participants: 0,
            female: 0,
            completed: 0,
            enrolled: 0,
            completed_of_enrolled: 0,
            protected_participants: 0,
            participant_hours: 0.0,
        });
        let mut total = reach_row(&[], &total_row);
        let external = is_external(deps.principal.role);
        let threshold = crate::config::suppression_threshold();
        if external {
            control(&rows, &mut out, threshold);
            if total.protected {
                protect_total(&mut total.participants, threshold);
                protect_total(&mut total.female_participants, threshold);
                protect_total(&mut total.completed, threshold);
                protect_total(&mut total.enrolled, threshold);
                // Exact hours, shares and rates would undo the rounding.
                total.participant_hours = None;
                total.female_share = None;
                total.completion_rate = None;
            }
        }
        Ok(TrainingReach {
            rows: out,
            total,
            suppression_threshold: external.then_some(threshold),
        })
    }

    /// Coverage: regions with an operational post-care centre (out of 12), and sites with at
    /// least one project (in implementation only, with `activeOnly`) by region and site type.
    /// Filter: `regions` on the sites.
    async fn coverage(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatsFilterInput>,
        #[graphql(default)] active_only: bool,
    ) -> Result<Coverage> {
        let f = StatsFilterInput::to_filter(&filter)?;
        let store = &deps(ctx).store;
        let regions = store.post_care_regions().await.gql()?;
        let sites = store
            .site_coverage(active_only, &f)
            .await
            .gql()?
            .into_iter()
            .map(|r| CoverageCell {
                region: region_id(&r.region),
                site_type: typed::<domain::SiteType, _>(&r.site_type),
                sites: r.sites,
                covered: r.covered,
            })
            .collect();
        Ok(Coverage {
            regions_with_post_care: regions.len() as i64,
            regions_total: 12,
            post_care_regions: regions.iter().filter_map(|k| region_id(&k.key)).collect(),
            sites,
        })
    }

    /// Target against actual per reporting period of the projects' result indicators, grouped
    /// by `groupBy` (project, result type, indicator), with the disaggregated targets and
    /// actuals. For PARTNER and PUBLIC readers, small disaggregated counts of indicators that
    /// count people are disclosure controlled.
    async fn result_progress(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] group_by: Vec<ResultDimension>,
        filter: Option<ResultProgressFilter>,
    ) -> Result<ResultProgress> {
        results::result_progress(ctx, group_by, filter).await
    }

    /// A generic aggregate for what the typed ones do not cover: `subject` grouped by 1 to 3
    /// `dimensions`, with `measures`, in one statement within the reader's scope. Which
    /// dimensions and measures each subject has, and which filters apply, is in
    /// [`GroupSubject`]'s description; any other combination is refused (BAD_USER_INPUT).
    /// For PARTNER and PUBLIC readers, training participants of prisoners and juveniles are
    /// disclosure controlled as in `trainingReach`.
    // A resolver's arguments are the field's arguments: one per GraphQL argument.
    #[allow(clippy::too_many_arguments)]
    async fn group_by(
        &self,
        ctx: &Context<'_>,
        subject: GroupSubject,
        dimensions: Vec<GroupDimension>,
        measures: Vec<GroupMeasure>,
        filter: Option<StatsFilterInput>,
        #[graphql(
            desc = "Only records under these agreements (an agreement itself, for \
                          AGREEMENTS)."
        )]
        agreements: Option<Vec<async_graphql::ID>>,
        #[graphql(
            desc = "Only records under these projects (for AGREEMENTS: the agreements \
                          these projects implement)."
        )]
        projects: Option<Vec<async_graphql::ID>>,
    ) -> Result<Vec<GroupRow>> {
        group_by::group_by(
            ctx, subject, dimensions, measures, filter, agreements, projects,
        )
        .await
    }

    /// Exchange visits by direction, country and year (cancelled ones left out). Filters:
    /// `period` on the start date, `partners` on host or visitor.
    async fn exchange_visits(
        &self,
        ctx: &Context<'_>,
        filter: Option<StatsFilterInput>,
    ) -> Result<Vec<VisitCell>> {
        let f = StatsFilterInput::to_filter(&filter)?;
        Ok(deps(ctx)
            .store
            .exchange_visits_stats(&f)
            .await
            .gql()?
            .into_iter()
            .map(|r| VisitCell {
                direction: typed::<domain::VisitDirection, _>(&r.direction),
                country: r.country,
                year: r.year,
                visits: r.visits,
                delegates: r.delegates,
            })
            .collect())
    }
}
