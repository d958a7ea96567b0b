//! Scalars, the language enum, trilingual text and the GraphQL faces of the domain's codes.

use async_graphql::resolver_utils::EnumType;
use async_graphql::{
    Context, Enum, InputValueError, InputValueResult, Object, Scalar, ScalarType, Value,
};
use sharaka_domain as domain;
use sharaka_domain::Coded;

use super::context::lang;

/// A date known to the year, the month or the day: `2011`, `2016-09` or `2016-09-22`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartialDate(pub domain::PartialDate);

/// A date known to the year, the month or the day: `2011`, `2016-09` or `2016-09-22`.
#[Scalar(name = "PartialDate")]
impl ScalarType for PartialDate {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => s
                .parse::<domain::PartialDate>()
                .map(PartialDate)
                .map_err(InputValueError::custom),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

/// A language of names and labels.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "sharaka_domain::Lang")]
pub enum Lang {
    /// Arabic.
    Ar,
    /// French (the default).
    Fr,
    /// English.
    En,
}

/// Resolves the language of a field from its optional argument.
pub fn field_lang(ctx: &Context<'_>, arg: Option<Lang>) -> domain::Lang {
    lang(ctx, arg.map(Into::into))
}

/// A text in Arabic, French and English; any of them may be missing.
pub struct LocalizedText(pub domain::LocalizedText);

/// A text in Arabic, French and English; any of them may be missing.
#[Object]
impl LocalizedText {
    /// The Arabic text, if any.
    async fn ar(&self) -> Option<&str> {
        self.0.ar.as_deref()
    }

    /// The French text, if any.
    async fn fr(&self) -> Option<&str> {
        self.0.fr.as_deref()
    }

    /// The English text, if any.
    async fn en(&self) -> Option<&str> {
        self.0.en.as_deref()
    }

    /// The text in `lang` (else the request's language), falling back to French, then Arabic,
    /// then English when that language is missing.
    async fn text(&self, ctx: &Context<'_>, lang: Option<Lang>) -> Option<&str> {
        self.0.get(field_lang(ctx, lang))
    }
}

/// The label of a code in the field's language.
pub fn label<T: Coded>(ctx: &Context<'_>, value: T, arg: Option<Lang>) -> &'static str {
    value.label(field_lang(ctx, arg))
}

/// The name of a GraphQL enum's value (`FEMALE`): the text async-graphql answers for it.
pub fn enum_name<T: EnumType>(value: T) -> &'static str {
    T::items()
        .iter()
        .find(|item| item.value == value)
        .map_or("", |item| item.name)
}

/// Declares a GraphQL enum mirroring a domain enumeration. async-graphql's `remote` checks at
/// compile time that both lists have the same values.
macro_rules! remote_enum {
    ($(#[$meta:meta])* $name:ident = $path:literal { $($variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[graphql(remote = $path)]
        pub enum $name { $($variant),+ }
    };
}

remote_enum!(/// National or international partnership.
    PartnershipScope = "sharaka_domain::PartnershipScope" { National, International });
remote_enum!(/// How an international partnership is run: directly, bilaterally or multilaterally.
    PartnershipModality = "sharaka_domain::PartnershipModality" { DirectNational, Bilateral, Multilateral });
remote_enum!(/// The source's typology of partners.
PartnerCategory = "sharaka_domain::PartnerCategory" {
    PublicLawEntity, PrivateEconomicActor, SocialCivilSocietyActor, Foundation, AcademicInstitution,
    ForeignAdministration, InternationalNgo, IntergovernmentalOrg, Other
});
remote_enum!(/// The legal order an organisation belongs to.
    LegalNature = "sharaka_domain::LegalNature" { PublicLaw, PrivateLaw, InternationalLaw });
remote_enum!(/// IATI OrganisationType; `iatiOrgTypeCode` gives the number.
OrganisationType = "sharaka_domain::OrganisationType" {
    Government, LocalGovernment, OtherPublicSector, InternationalNgo, NationalNgo, RegionalNgo,
    PartnerCountryNgo, PublicPrivatePartnership, Multilateral, Foundation, PrivateSector,
    PrivateSectorInProvider, PrivateSectorInRecipient, PrivateSectorInThirdCountry, Academic, Other
});
remote_enum!(/// What kind of place a site is.
SiteType = "sharaka_domain::SiteType" {
    Headquarters, RegionalDirectorate, LocalPrison, CentralPrison, AgriculturalPrison,
    ReformEducationCentre, TrainingCentre, PostCareCentre, ChildProtectionCentre, PartnerPremises, Other
});
remote_enum!(/// Whether a site is planned, being built, operating or closed.
    SiteStatus = "sharaka_domain::SiteStatus" { Planned, UnderConstruction, Operational, Closed });
remote_enum!(/// Whether a partnership is active, dormant or ended.
    PartnershipStatus = "sharaka_domain::PartnershipStatus" { Active, Dormant, Ended });
remote_enum!(/// A theme of partnership work.
Theme = "sharaka_domain::Theme" {
    Humanisation, Reintegration, CapacityBuilding, EducationTraining, PrisonLabourAgriculture,
    PostCare, AdvocacyOversight, ExpertiseExchange, Infrastructure
});
remote_enum!(/// The kind of legal instrument.
AgreementType = "sharaka_domain::AgreementType" {
    FrameworkAgreement, PartnershipAgreement, CooperationAgreement, CooperationProtocol,
    MemorandumOfUnderstanding, ImplementingAgreement, TwinningContract, FinancingAgreement,
    ActionPlan, DeclarationOfIntent, Amendment
});
remote_enum!(/// Where an agreement is in its lifecycle, from draft to its end.
AgreementStatus = "sharaka_domain::AgreementStatus" {
    Draft, UnderNegotiation, AgreedPendingSignature, Signed, Active, Suspended, Completed,
    Expired, Terminated, Superseded, Abandoned
});
remote_enum!(/// A party's role in an agreement.
AgreementPartyRole = "sharaka_domain::AgreementPartyRole" {
    Signatory, CoSignatory, Witness, Funder, Implementer, Beneficiary, TechnicalPartner
});
remote_enum!(/// What a commitment promises.
CommitmentKind = "sharaka_domain::CommitmentKind" {
    Funding, InKindProvision, Expertise, TrainingDelivery, FacilityAccess, StaffSecondment,
    Studies, Works, Coordination, Reporting, Other
});
remote_enum!(/// How far a commitment is honoured.
CommitmentStatus = "sharaka_domain::CommitmentStatus" {
    Planned, InProgress, Fulfilled, PartiallyFulfilled, NotFulfilled, Waived
});
remote_enum!(/// IATI ActivityStatus of a project; `statusCode` gives the number 1–6.
ActivityStatus = "sharaka_domain::ActivityStatus" {
    Pipeline, Implementation, Finalisation, Closed, Cancelled, Suspended
});
remote_enum!(/// IATI OrganisationRole in a project; `roleCode` gives the number 1–4.
    OrganisationRole = "sharaka_domain::OrganisationRole" { Funding, Accountable, Extending, Implementing });
remote_enum!(/// The kind of resource contributed.
ContributionType = "sharaka_domain::ContributionType" {
    Cash, InKindGoods, InKindServices, Expertise, Training, Facilities, StaffTime, Other
});
remote_enum!(/// How far a contribution is delivered (aligned with IATI transaction stages).
ContributionStatus = "sharaka_domain::ContributionStatus" {
    Pledged, Committed, Delivered, PartiallyDelivered, Cancelled
});
remote_enum!(/// Who a training session is for.
TrainingAudience = "sharaka_domain::TrainingAudience" {
    Staff, StaffTrainers, PrisonersAdult, PrisonersJuvenile, JuvenilesChildProtection,
    FormerPrisoners, Families, PartnerStaff, JusticeActors, Mixed
});
remote_enum!(/// The staff category a staff training addresses.
StaffCategory = "sharaka_domain::StaffCategory" {
    Management, Security, ReintegrationSocial, Health, AdminFinance, Registry, Training, Technical
});
remote_enum!(/// A topic of training or exchange.
TrainingTopic = "sharaka_domain::TrainingTopic" {
    JudicialRegistryOrControl, HrManagement, BudgetManagement, HumanRightsStandards,
    SecurityCrisis, Classification, Health, LiteracyEducation, Vocational, Agriculture,
    Entrepreneurship, CultureSport, JuvenileJustice, WomenInDetention, AlternativeSanctions,
    PveDisengagement, PostRelease
});
remote_enum!(/// How a session is delivered.
    DeliveryMode = "sharaka_domain::DeliveryMode" { InPerson, Remote, Blended });
remote_enum!(/// Where a training session is in its lifecycle.
TrainingStatus = "sharaka_domain::TrainingStatus" {
    Planned, Confirmed, InProgress, Delivered, Validated, Postponed, Cancelled
});
remote_enum!(/// Sex, for aggregate tallies only.
    Sex = "sharaka_domain::Sex" { Female, Male, NotRecorded });
remote_enum!(/// Age band, for aggregate tallies of juveniles.
    AgeBand = "sharaka_domain::AgeBand" { Under18, Age18To20, Adult });
remote_enum!(/// Whether a visit comes to Morocco or goes abroad.
    VisitDirection = "sharaka_domain::VisitDirection" { Inbound, Outbound });
remote_enum!(/// The kind of exchange visit.
    VisitType = "sharaka_domain::VisitType" { StudyVisit, ExpertMission, Assessment, Conference, PeerExchange });
remote_enum!(/// Where an exchange visit is in its lifecycle.
    VisitStatus = "sharaka_domain::VisitStatus" { Proposed, Approved, Scheduled, Completed, Reported, Cancelled });
remote_enum!(/// IATI ResultType of a project result; `resultTypeCode` gives the number (1, 2, 3, 9).
    ResultType = "sharaka_domain::ResultType" { Output, Outcome, Impact, Other });
remote_enum!(/// IATI IndicatorMeasure: how an indicator's values are expressed; `measureCode` gives 1–5.
    IndicatorMeasure = "sharaka_domain::IndicatorMeasure" { Unit, Percentage, Nominal, Ordinal, Qualitative });
remote_enum!(/// What a target or actual is broken down by.
    DisaggregationDimension = "sharaka_domain::DisaggregationDimension" { Sex, Audience, Region });

/// Sort direction.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortDirection {
    /// Ascending (A→Z, oldest first).
    #[default]
    Asc,
    /// Descending (Z→A, newest first).
    Desc,
}

impl From<SortDirection> for sharaka_persistence::Direction {
    fn from(d: SortDirection) -> Self {
        match d {
            SortDirection::Asc => Self::Asc,
            SortDirection::Desc => Self::Desc,
        }
    }
}
