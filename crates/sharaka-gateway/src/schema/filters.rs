//! Typed filter and ordering inputs for the root lists, and their translation into the
//! persistence filter tree. Enumerations filter by `eq` / `in`, dates and numbers by ranges,
//! names by `contains` in any language (wildcards escaped), relations by the related record's
//! ID; `and` / `or` / `not` combine filters.

use async_graphql::{Enum, ID, InputObject, InputType};
use sharaka_domain::{Coded, IatiCoded};
use sharaka_persistence::{Filter, Op, Order, Value};

use super::ids;
use super::scalars::*;
use crate::error::ApiError;

/// Equality or membership on an enumeration.
#[derive(InputObject, Clone)]
#[graphql(concrete(name = "PartnerCategoryFilter", params(PartnerCategory)))]
#[graphql(concrete(name = "PartnershipScopeFilter", params(PartnershipScope)))]
#[graphql(concrete(name = "PartnershipModalityFilter", params(PartnershipModality)))]
#[graphql(concrete(name = "PartnershipStatusFilter", params(PartnershipStatus)))]
#[graphql(concrete(name = "SiteTypeFilter", params(SiteType)))]
#[graphql(concrete(name = "SiteStatusFilter", params(SiteStatus)))]
#[graphql(concrete(name = "AgreementTypeFilter", params(AgreementType)))]
#[graphql(concrete(name = "AgreementStatusFilter", params(AgreementStatus)))]
#[graphql(concrete(name = "ActivityStatusFilter", params(ActivityStatus)))]
#[graphql(concrete(name = "TrainingAudienceFilter", params(TrainingAudience)))]
#[graphql(concrete(name = "TrainingStatusFilter", params(TrainingStatus)))]
#[graphql(concrete(name = "VisitDirectionFilter", params(VisitDirection)))]
#[graphql(concrete(name = "VisitStatusFilter", params(VisitStatus)))]
#[graphql(concrete(name = "ThemeFilter", params(Theme)))]
#[graphql(concrete(name = "TrainingTopicFilter", params(TrainingTopic)))]
pub struct EnumFilter<T: InputType> {
    /// Equal to this value.
    pub eq: Option<T>,
    /// One of these values.
    #[graphql(name = "in")]
    pub any: Option<Vec<T>>,
}

/// A range of partial dates, both ends inclusive. `to: "2016"` includes every date of 2016.
#[derive(InputObject, Clone, Copy)]
pub struct DateRange {
    /// On or after this date.
    pub from: Option<PartialDate>,
    /// On or before this date (its last day).
    pub to: Option<PartialDate>,
}

fn codes<G, D>(filter: &EnumFilter<G>) -> Vec<Value>
where
    G: Copy + Into<D> + InputType,
    D: Coded,
{
    filter
        .eq
        .iter()
        .chain(filter.any.iter().flatten())
        .map(|v| Value::Text((*v).into().code().to_owned()))
        .collect()
}

fn enum_in<G, D>(out: &mut Vec<Filter>, field: &'static str, filter: &Option<EnumFilter<G>>)
where
    G: Copy + Into<D> + InputType,
    D: Coded,
{
    if let Some(f) = filter {
        out.push(Filter::In {
            field,
            values: codes::<G, D>(f),
        });
    }
}

fn tags_any<G, D>(out: &mut Vec<Filter>, field: &'static str, filter: &Option<EnumFilter<G>>)
where
    G: Copy + Into<D> + InputType,
    D: Coded,
{
    if let Some(f) = filter {
        let tags = codes::<G, D>(f)
            .into_iter()
            .filter_map(|v| {
                if let Value::Text(t) = v {
                    Some(t)
                } else {
                    None
                }
            })
            .collect();
        out.push(Filter::HasAnyTag { field, tags });
    }
}

fn date_range(out: &mut Vec<Filter>, field: &'static str, range: &Option<DateRange>) {
    if let Some(r) = range {
        if let Some(from) = r.from {
            out.push(Filter::Compare {
                field,
                op: Op::Gte,
                value: Value::Text(from.0.to_string()),
            });
        }
        if let Some(to) = r.to {
            out.push(Filter::Compare {
                field,
                op: Op::Lte,
                value: Value::Text(to.0.latest().to_string()),
            });
        }
    }
}

/// The longest text a `…Contains` filter takes, in characters: longer than any name or title,
/// and far under SQLite's 50,000-byte limit on `LIKE` patterns.
pub const MAX_CONTAINS_CHARS: usize = 1_000;

fn contains(
    out: &mut Vec<Filter>,
    fields: &'static [&'static str],
    text: &Option<String>,
) -> Result<(), ApiError> {
    if let Some(t) = text {
        if t.contains('\0') {
            return Err(ApiError::bad_input(
                "text filters may not contain NUL characters",
            ));
        }
        if t.chars().count() > MAX_CONTAINS_CHARS {
            return Err(ApiError::bad_input(format!(
                "text filters are limited to {MAX_CONTAINS_CHARS} characters"
            )));
        }
        out.push(Filter::Contains {
            fields,
            text: t.clone(),
        });
    }
    Ok(())
}

/// Plain text values of a filter list (codes), refusing NUL characters, which PostgreSQL rejects.
fn text_values(list: &[String], upper: bool) -> Result<Vec<Value>, ApiError> {
    list.iter()
        .map(|c| {
            if c.contains('\0') {
                Err(ApiError::bad_input(
                    "filter values may not contain NUL characters",
                ))
            } else {
                Ok(Value::Text(if upper {
                    c.to_ascii_uppercase()
                } else {
                    c.clone()
                }))
            }
        })
        .collect()
}

fn local_ids(ids_in: &Option<Vec<ID>>, kind: &str) -> Result<Option<Vec<Value>>, ApiError> {
    ids_in
        .as_ref()
        .map(|list| {
            list.iter()
                .map(|id| ids::decode_kind(id, kind).map(Value::Text))
                .collect()
        })
        .transpose()
}

fn related(
    out: &mut Vec<Filter>,
    ids_in: &Option<Vec<ID>>,
    kind: &str,
    make: impl FnOnce(Vec<Value>) -> Filter,
) -> Result<(), ApiError> {
    if let Some(values) = local_ids(ids_in, kind)? {
        out.push(make(values));
    }
    Ok(())
}

fn combine<F>(
    mut parts: Vec<Filter>,
    and: &Option<Vec<F>>,
    or: &Option<Vec<F>>,
    not: &Option<Box<F>>,
    convert: impl Fn(&F) -> Result<Filter, ApiError>,
) -> Result<Filter, ApiError> {
    if let Some(list) = and {
        parts.push(Filter::All(
            list.iter().map(&convert).collect::<Result<_, _>>()?,
        ));
    }
    if let Some(list) = or {
        parts.push(Filter::Any(
            list.iter().map(&convert).collect::<Result<_, _>>()?,
        ));
    }
    if let Some(inner) = not {
        parts.push(Filter::Not(Box::new(convert(inner)?)));
    }
    Ok(Filter::All(parts))
}

const NAME: &[&str] = &["name_ar", "name_fr", "name_en"];
const TITLE: &[&str] = &["title_ar", "title_fr", "title_en"];

/// Which organisations to list.
#[derive(InputObject, Clone)]
pub struct OrganisationFilter {
    /// Only these organisations.
    pub ids: Option<Vec<ID>>,
    /// The name (any language) or acronym contains this text, case-insensitively.
    pub name_contains: Option<String>,
    /// By partner category.
    pub category: Option<EnumFilter<PartnerCategory>>,
    /// By ISO 3166-1 country code.
    pub country_in: Option<Vec<String>>,
    /// Only the home organisation (true) or only others (false).
    pub is_home: Option<bool>,
    /// Partners in a partnership of one of these modalities.
    pub partnership_modality: Option<EnumFilter<PartnershipModality>>,
    /// Partners in a partnership of one of these scopes.
    pub partnership_scope: Option<EnumFilter<PartnershipScope>>,
    /// Parties to one of these agreements.
    pub party_to: Option<Vec<ID>>,
    /// All of these filters hold.
    pub and: Option<Vec<OrganisationFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<OrganisationFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<OrganisationFilter>>,
}

impl OrganisationFilter {
    /// Translates into a persistence filter.
    pub fn to_filter(&self) -> Result<Filter, ApiError> {
        let mut p = Vec::new();
        related(&mut p, &self.ids, "Organisation", |values| Filter::In {
            field: "id",
            values,
        })?;
        contains(
            &mut p,
            &["name_ar", "name_fr", "name_en", "acronym"],
            &self.name_contains,
        )?;
        enum_in::<_, sharaka_domain::PartnerCategory>(&mut p, "category", &self.category);
        if let Some(list) = &self.country_in {
            p.push(Filter::In {
                field: "country_code",
                values: text_values(list, true)?,
            });
        }
        if let Some(home) = self.is_home {
            p.push(Filter::Compare {
                field: "is_home",
                op: Op::Eq,
                value: Value::Bool(home),
            });
        }
        if let Some(f) = &self.partnership_modality {
            let values = codes::<_, sharaka_domain::PartnershipModality>(f);
            p.push(Filter::Related {
                field: "id",
                table: "partnerships",
                select: "partner_org_id",
                where_field: "modality",
                values,
            });
        }
        if let Some(f) = &self.partnership_scope {
            let values = codes::<_, sharaka_domain::PartnershipScope>(f);
            p.push(Filter::Related {
                field: "id",
                table: "partnerships",
                select: "partner_org_id",
                where_field: "scope",
                values,
            });
        }
        related(&mut p, &self.party_to, "Agreement", |values| {
            Filter::Related {
                field: "id",
                table: "agreement_parties",
                select: "organisation_id",
                where_field: "agreement_id",
                values,
            }
        })?;
        combine(p, &self.and, &self.or, &self.not, Self::to_filter)
    }
}

/// Which partnerships to list.
#[derive(InputObject, Clone)]
pub struct PartnershipFilter {
    /// By scope.
    pub scope: Option<EnumFilter<PartnershipScope>>,
    /// By modality.
    pub modality: Option<EnumFilter<PartnershipModality>>,
    /// By status.
    pub status: Option<EnumFilter<PartnershipStatus>>,
    /// Has at least one of these themes.
    pub themes: Option<EnumFilter<Theme>>,
    /// Only strategic partnerships (true) or others (false).
    pub is_strategic: Option<bool>,
    /// With one of these partners.
    pub partner: Option<Vec<ID>>,
    /// All of these filters hold.
    pub and: Option<Vec<PartnershipFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<PartnershipFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<PartnershipFilter>>,
}

impl PartnershipFilter {
    /// Translates into a persistence filter.
    pub fn to_filter(&self) -> Result<Filter, ApiError> {
        let mut p = Vec::new();
        enum_in::<_, sharaka_domain::PartnershipScope>(&mut p, "scope", &self.scope);
        enum_in::<_, sharaka_domain::PartnershipModality>(&mut p, "modality", &self.modality);
        enum_in::<_, sharaka_domain::PartnershipStatus>(&mut p, "status", &self.status);
        tags_any::<_, sharaka_domain::Theme>(&mut p, "themes", &self.themes);
        if let Some(s) = self.is_strategic {
            p.push(Filter::Compare {
                field: "is_strategic",
                op: Op::Eq,
                value: Value::Bool(s),
            });
        }
        related(&mut p, &self.partner, "Organisation", |values| Filter::In {
            field: "partner_org_id",
            values,
        })?;
        combine(p, &self.and, &self.or, &self.not, Self::to_filter)
    }
}

/// Which agreements to list.
#[derive(InputObject, Clone)]
pub struct AgreementFilter {
    /// The title (any language) contains this text.
    pub title_contains: Option<String>,
    /// By type.
    pub agreement_type: Option<EnumFilter<AgreementType>>,
    /// By status.
    pub status: Option<EnumFilter<AgreementStatus>>,
    /// Signed within this range.
    pub signed_on: Option<DateRange>,
    /// Ending within this range.
    pub effective_to: Option<DateRange>,
    /// Ending between today and this many days from today.
    pub expiring_within_days: Option<u32>,
    /// With one of these organisations as a party.
    pub party: Option<Vec<ID>>,
    /// Belonging to one of these partnerships.
    pub partnership: Option<Vec<ID>>,
    /// All of these filters hold.
    pub and: Option<Vec<AgreementFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<AgreementFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<AgreementFilter>>,
}

impl AgreementFilter {
    /// Translates into a persistence filter.
    pub fn to_filter(&self) -> Result<Filter, ApiError> {
        let mut p = Vec::new();
        contains(&mut p, TITLE, &self.title_contains)?;
        enum_in::<_, sharaka_domain::AgreementType>(&mut p, "agreement_type", &self.agreement_type);
        enum_in::<_, sharaka_domain::AgreementStatus>(&mut p, "status", &self.status);
        date_range(&mut p, "signed_on", &self.signed_on);
        date_range(&mut p, "effective_to", &self.effective_to);
        if let Some(days) = self.expiring_within_days {
            // A century is the longest window that makes sense (and far from date overflow).
            const MAX_DAYS: u32 = 36_500;
            if days > MAX_DAYS {
                return Err(ApiError::bad_input(format!(
                    "`expiringWithinDays` may be at most {MAX_DAYS}"
                )));
            }
            let today = chrono::Utc::now().date_naive();
            let until = today + chrono::Days::new(u64::from(days));
            p.push(Filter::Compare {
                field: "effective_to",
                op: Op::Gte,
                value: Value::Text(today.to_string()),
            });
            p.push(Filter::Compare {
                field: "effective_to",
                op: Op::Lte,
                value: Value::Text(until.to_string()),
            });
        }
        related(&mut p, &self.party, "Organisation", |values| {
            Filter::Related {
                field: "id",
                table: "agreement_parties",
                select: "agreement_id",
                where_field: "organisation_id",
                values,
            }
        })?;
        related(&mut p, &self.partnership, "Partnership", |values| {
            Filter::Related {
                field: "id",
                table: "agreement_partnerships",
                select: "agreement_id",
                where_field: "partnership_id",
                values,
            }
        })?;
        combine(p, &self.and, &self.or, &self.not, Self::to_filter)
    }
}

/// Which projects to list.
#[derive(InputObject, Clone)]
pub struct ProjectFilter {
    /// The title (any language) contains this text.
    pub title_contains: Option<String>,
    /// By IATI status.
    pub status: Option<EnumFilter<ActivityStatus>>,
    /// Started (actually) within this range.
    pub actual_start: Option<DateRange>,
    /// Working in one of these regions.
    pub region: Option<Vec<ID>>,
    /// Working at one of these sites.
    pub site: Option<Vec<ID>>,
    /// With one of these organisations participating.
    pub participant: Option<Vec<ID>>,
    /// Implementing one of these agreements.
    pub agreement: Option<Vec<ID>>,
    /// In one of these DAC sector codes (e.g. `15137`).
    pub sector_in: Option<Vec<String>>,
    /// All of these filters hold.
    pub and: Option<Vec<ProjectFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<ProjectFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<ProjectFilter>>,
}

impl ProjectFilter {
    /// Translates into a persistence filter.
    pub fn to_filter(&self) -> Result<Filter, ApiError> {
        let mut p = Vec::new();
        contains(&mut p, TITLE, &self.title_contains)?;
        if let Some(f) = &self.status {
            let values =
                f.eq.iter()
                    .chain(f.any.iter().flatten())
                    .map(|s| {
                        Value::Int(i64::from(
                            sharaka_domain::ActivityStatus::from(*s).iati_code(),
                        ))
                    })
                    .collect();
            p.push(Filter::In {
                field: "status",
                values,
            });
        }
        date_range(&mut p, "actual_start", &self.actual_start);
        related(&mut p, &self.region, "Region", |values| Filter::Related {
            field: "id",
            table: "project_regions",
            select: "project_id",
            where_field: "region_id",
            values,
        })?;
        related(&mut p, &self.site, "Site", |values| Filter::Related {
            field: "id",
            table: "project_sites",
            select: "project_id",
            where_field: "site_id",
            values,
        })?;
        related(&mut p, &self.participant, "Organisation", |values| {
            Filter::Related {
                field: "id",
                table: "project_participants",
                select: "project_id",
                where_field: "organisation_id",
                values,
            }
        })?;
        related(&mut p, &self.agreement, "Agreement", |values| {
            Filter::Related {
                field: "id",
                table: "project_agreements",
                select: "project_id",
                where_field: "agreement_id",
                values,
            }
        })?;
        if let Some(codes) = &self.sector_in {
            let values = text_values(codes, false)?;
            p.push(Filter::Related {
                field: "id",
                table: "project_sectors",
                select: "project_id",
                where_field: "code",
                values,
            });
        }
        combine(p, &self.and, &self.or, &self.not, Self::to_filter)
    }
}

/// Which training sessions to list.
#[derive(InputObject, Clone)]
pub struct TrainingSessionFilter {
    /// The title (any language) contains this text.
    pub title_contains: Option<String>,
    /// By audience.
    pub audience: Option<EnumFilter<TrainingAudience>>,
    /// By status.
    pub status: Option<EnumFilter<TrainingStatus>>,
    /// Has at least one of these topics.
    pub topics: Option<EnumFilter<TrainingTopic>>,
    /// Starting within this range.
    pub start_date: Option<DateRange>,
    /// Delivered by one of these organisations.
    pub provider: Option<Vec<ID>>,
    /// Part of one of these projects.
    pub project: Option<Vec<ID>>,
    /// All of these filters hold.
    pub and: Option<Vec<TrainingSessionFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<TrainingSessionFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<TrainingSessionFilter>>,
}

impl TrainingSessionFilter {
    /// Translates into a persistence filter.
    pub fn to_filter(&self) -> Result<Filter, ApiError> {
        let mut p = Vec::new();
        contains(&mut p, TITLE, &self.title_contains)?;
        enum_in::<_, sharaka_domain::TrainingAudience>(&mut p, "audience", &self.audience);
        enum_in::<_, sharaka_domain::TrainingStatus>(&mut p, "status", &self.status);
        tags_any::<_, sharaka_domain::TrainingTopic>(&mut p, "topics", &self.topics);
        date_range(&mut p, "start_date", &self.start_date);
        related(&mut p, &self.provider, "Organisation", |values| {
            Filter::Related {
                field: "id",
                table: "training_providers",
                select: "training_session_id",
                where_field: "organisation_id",
                values,
            }
        })?;
        related(&mut p, &self.project, "Project", |values| Filter::In {
            field: "project_id",
            values,
        })?;
        combine(p, &self.and, &self.or, &self.not, Self::to_filter)
    }
}

/// Which exchange visits to list.
#[derive(InputObject, Clone)]
pub struct ExchangeVisitFilter {
    /// The title (any language) contains this text.
    pub title_contains: Option<String>,
    /// By direction.
    pub direction: Option<EnumFilter<VisitDirection>>,
    /// By status.
    pub status: Option<EnumFilter<VisitStatus>>,
    /// By ISO 3166-1 country code.
    pub country_in: Option<Vec<String>>,
    /// Starting within this range.
    pub start_date: Option<DateRange>,
    /// All of these filters hold.
    pub and: Option<Vec<ExchangeVisitFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<ExchangeVisitFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<ExchangeVisitFilter>>,
}

impl ExchangeVisitFilter {
    /// Translates into a persistence filter.
    pub fn to_filter(&self) -> Result<Filter, ApiError> {
        let mut p = Vec::new();
        contains(&mut p, TITLE, &self.title_contains)?;
        enum_in::<_, sharaka_domain::VisitDirection>(&mut p, "direction", &self.direction);
        enum_in::<_, sharaka_domain::VisitStatus>(&mut p, "status", &self.status);
        if let Some(list) = &self.country_in {
            p.push(Filter::In {
                field: "country_code",
                values: text_values(list, true)?,
            });
        }
        date_range(&mut p, "start_date", &self.start_date);
        combine(p, &self.and, &self.or, &self.not, Self::to_filter)
    }
}

/// Which sites to list.
#[derive(InputObject, Clone)]
pub struct SiteFilter {
    /// The name (any language) or city contains this text.
    pub name_contains: Option<String>,
    /// By type.
    pub site_type: Option<EnumFilter<SiteType>>,
    /// By status.
    pub status: Option<EnumFilter<SiteStatus>>,
    /// In one of these regions.
    pub region: Option<Vec<ID>>,
    /// Operated by one of these organisations.
    pub operator: Option<Vec<ID>>,
    /// All of these filters hold.
    pub and: Option<Vec<SiteFilter>>,
    /// At least one of these filters holds.
    pub or: Option<Vec<SiteFilter>>,
    /// This filter does not hold.
    pub not: Option<Box<SiteFilter>>,
}

impl SiteFilter {
    /// Translates into a persistence filter.
    pub fn to_filter(&self) -> Result<Filter, ApiError> {
        let mut p = Vec::new();
        contains(
            &mut p,
            &["name_ar", "name_fr", "name_en", "city"],
            &self.name_contains,
        )?;
        enum_in::<_, sharaka_domain::SiteType>(&mut p, "site_type", &self.site_type);
        enum_in::<_, sharaka_domain::SiteStatus>(&mut p, "status", &self.status);
        related(&mut p, &self.region, "Region", |values| Filter::In {
            field: "region_id",
            values,
        })?;
        related(&mut p, &self.operator, "Organisation", |values| {
            Filter::In {
                field: "operator_org_id",
                values,
            }
        })?;
        combine(p, &self.and, &self.or, &self.not, Self::to_filter)
    }
}

/// Which regions to list.
#[derive(InputObject, Clone)]
pub struct RegionFilter {
    /// The name (any language) contains this text.
    pub name_contains: Option<String>,
    /// Only these ISO 3166-2 codes.
    pub iso_code_in: Option<Vec<String>>,
}

impl RegionFilter {
    /// Translates into a persistence filter.
    pub fn to_filter(&self) -> Result<Filter, ApiError> {
        let mut p = Vec::new();
        contains(&mut p, NAME, &self.name_contains)?;
        if let Some(list) = &self.iso_code_in {
            p.push(Filter::In {
                field: "id",
                values: text_values(list, true)?,
            });
        }
        Ok(Filter::All(p))
    }
}

macro_rules! order_input {
    ($order:ident, $field_enum:ident, $doc:literal, { $($variant:ident => $column:literal : $vdoc:literal),+ $(,)? }) => {
        #[doc = concat!("Fields ", $doc, " can be sorted by.")]
        #[derive(Enum, Clone, Copy, PartialEq, Eq)]
        pub enum $field_enum { $(#[doc = $vdoc] $variant),+ }

        #[doc = concat!("One sort key for ", $doc, ".")]
        #[derive(InputObject, Clone, Copy)]
        pub struct $order {
            /// The field.
            pub field: $field_enum,
            /// The direction (ascending by default).
            #[graphql(default)]
            pub direction: SortDirection,
        }

        impl $order {
            /// Translates a list of sort keys.
            pub fn to_orders(list: &Option<Vec<Self>>) -> Vec<Order> {
                list.iter()
                    .flatten()
                    .map(|o| Order {
                        field: match o.field { $($field_enum::$variant => $column),+ },
                        direction: o.direction.into(),
                    })
                    .collect()
            }
        }
    };
}

order_input!(OrganisationOrder, OrganisationOrderField, "organisations", {
    NameFr => "name_fr": "French name.", NameAr => "name_ar": "Arabic name.", NameEn => "name_en": "English name.",
    Acronym => "acronym": "Acronym.", Category => "category": "Category code.", CountryCode => "country_code": "Country.",
    FoundedOn => "founded_on": "Founding date.", CreatedAt => "created_at": "Creation time.",
});
order_input!(PartnershipOrder, PartnershipOrderField, "partnerships", {
    Scope => "scope": "Scope.", Modality => "modality": "Modality.", Since => "since": "Start.",
    Status => "status": "Status.", CreatedAt => "created_at": "Creation time.",
});
order_input!(AgreementOrder, AgreementOrderField, "agreements", {
    TitleFr => "title_fr": "French title.", Status => "status": "Status.", SignedOn => "signed_on": "Signature date.",
    EffectiveTo => "effective_to": "End date.", CreatedAt => "created_at": "Creation time.",
});
order_input!(ProjectOrder, ProjectOrderField, "projects", {
    TitleFr => "title_fr": "French title.", Status => "status": "IATI status.", ActualStart => "actual_start": "Actual start.",
    PlannedEnd => "planned_end": "Planned end.", CreatedAt => "created_at": "Creation time.",
});
order_input!(TrainingSessionOrder, TrainingSessionOrderField, "training sessions", {
    TitleFr => "title_fr": "French title.", StartDate => "start_date": "Start date.", ContactHours => "contact_hours": "Contact hours.",
    CycleNumber => "cycle_number": "Number in its series.", CreatedAt => "created_at": "Creation time.",
});
order_input!(ExchangeVisitOrder, ExchangeVisitOrderField, "exchange visits", {
    StartDate => "start_date": "Start date.", CountryCode => "country_code": "Country.", CreatedAt => "created_at": "Creation time.",
});
order_input!(SiteOrder, SiteOrderField, "sites", {
    NameFr => "name_fr": "French name.", SiteType => "site_type": "Type.", Region => "region_id": "Region code.",
    City => "city": "City.", OpenedOn => "opened_on": "Opening date.",
});
order_input!(RegionOrder, RegionOrderField, "regions", {
    IsoCode => "id": "ISO 3166-2 code.", NameFr => "name_fr": "French name.",
});

/// A range of instants, both ends inclusive.
#[derive(InputObject, Clone, Copy)]
pub struct TimeRange {
    /// At or after this instant.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// At or before this instant.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

/// Which audit events to list.
#[derive(InputObject, Clone)]
pub struct AuditEventFilter {
    /// Changes to these records (global IDs of any kind).
    pub record: Option<Vec<ID>>,
    /// Changes by these actors.
    pub actor_in: Option<Vec<String>>,
    /// These mutations or transitions (`createAgreement`, `signAgreement`, `archive`…).
    pub action_in: Option<Vec<String>>,
    /// Changes to these kinds of record (`Agreement`, `Organisation`…).
    pub entity_in: Option<Vec<String>>,
    /// Changes made within this period.
    pub occurred: Option<TimeRange>,
}

impl AuditEventFilter {
    /// Translates into a persistence filter.
    pub fn to_filter(&self) -> Result<Filter, ApiError> {
        let mut p = Vec::new();
        if let Some(records) = &self.record {
            let locals = records
                .iter()
                .map(|id| ids::decode(id).map(|(_, local)| Value::Text(local)))
                .collect::<Result<Vec<_>, _>>()?;
            p.push(Filter::In {
                field: "record_id",
                values: locals,
            });
        }
        for (field, list) in [
            ("actor", &self.actor_in),
            ("action", &self.action_in),
            ("entity", &self.entity_in),
        ] {
            if let Some(list) = list {
                p.push(Filter::In {
                    field,
                    values: text_values(list, false)?,
                });
            }
        }
        if let Some(range) = self.occurred {
            if let Some(from) = range.from {
                p.push(Filter::Compare {
                    field: "occurred_at",
                    op: Op::Gte,
                    value: Value::Time(from),
                });
            }
            if let Some(to) = range.to {
                p.push(Filter::Compare {
                    field: "occurred_at",
                    op: Op::Lte,
                    value: Value::Time(to),
                });
            }
        }
        Ok(Filter::All(p))
    }
}
