//! Creates the partnership graph: organisations, regions, sites, partnerships, agreements with their
//! parties and commitments, projects and their links, contributions, training sessions with tallies,
//! exchange visits. Codes are stored as text (`SCREAMING_SNAKE` or IATI numbers), partial dates as
//! sortable text (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), money as integer minor units plus an ISO 4217 code
//! so that sums stay exact on both backends. Every foreign key and every filter column has an index.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    Id,
    NameAr,
    NameFr,
    NameEn,
    Acronym,
    Category,
    IatiOrgType,
    LegalNature,
    CountryCode,
    ParentId,
    FoundedOn,
    Website,
    DescriptionAr,
    DescriptionFr,
    DescriptionEn,
    Identifiers,
    IsHome,
}

#[derive(DeriveIden, Clone, Copy)]
enum Regions {
    Table,
    Id,
    NameAr,
    NameFr,
    NameEn,
    CapitalAr,
    CapitalFr,
    CapitalEn,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sites {
    Table,
    Id,
    SiteType,
    NameAr,
    NameFr,
    NameEn,
    OperatorOrgId,
    RegionId,
    City,
    ParentSiteId,
    Status,
    OpenedOn,
}

#[derive(DeriveIden, Clone, Copy)]
enum Partnerships {
    Table,
    Id,
    HomeOrgId,
    PartnerOrgId,
    Scope,
    Modality,
    Themes,
    Since,
    Status,
    IsStrategic,
}

#[derive(DeriveIden, Clone, Copy)]
enum Agreements {
    Table,
    Id,
    Reference,
    AgreementType,
    Status,
    TitleAr,
    TitleFr,
    TitleEn,
    ObjectivesAr,
    ObjectivesFr,
    ObjectivesEn,
    Themes,
    DraftedOn,
    AgreedOn,
    SignedOn,
    EffectiveFrom,
    EffectiveTo,
    TerminatedOn,
    ParentAgreementId,
    SupersedesId,
}

#[derive(DeriveIden, Clone, Copy)]
enum AgreementPartnerships {
    Table,
    AgreementId,
    PartnershipId,
}

#[derive(DeriveIden, Clone, Copy)]
enum AgreementParties {
    Table,
    Id,
    AgreementId,
    OrganisationId,
    Role,
    SignedOn,
}

#[derive(DeriveIden, Clone, Copy)]
enum Commitments {
    Table,
    Id,
    AgreementId,
    PartyOrgId,
    Kind,
    DescriptionAr,
    DescriptionFr,
    DescriptionEn,
    DueOn,
    Status,
    Illustrative,
}

#[derive(DeriveIden, Clone, Copy)]
enum Projects {
    Table,
    Id,
    IatiIdentifier,
    TitleAr,
    TitleFr,
    TitleEn,
    DescriptionAr,
    DescriptionFr,
    DescriptionEn,
    Status,
    PlannedStart,
    ActualStart,
    PlannedEnd,
    ActualEnd,
    ParentProjectId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectParticipants {
    Table,
    Id,
    ProjectId,
    OrganisationId,
    Role,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectSectors {
    Table,
    ProjectId,
    Vocabulary,
    Code,
    Percentage,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectSites {
    Table,
    ProjectId,
    SiteId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectRegions {
    Table,
    ProjectId,
    RegionId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectAgreements {
    Table,
    ProjectId,
    AgreementId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Contributions {
    Table,
    Id,
    ContributorOrgId,
    ProjectId,
    AgreementId,
    TrainingSessionId,
    ContributionType,
    DescriptionAr,
    DescriptionFr,
    DescriptionEn,
    Quantity,
    Unit,
    AmountMinor,
    Currency,
    Status,
}

#[derive(DeriveIden, Clone, Copy)]
enum TrainingSessions {
    Table,
    Id,
    TitleAr,
    TitleFr,
    TitleEn,
    ProjectId,
    AgreementId,
    OrganiserOrgId,
    Audience,
    StaffCategory,
    Topics,
    DeliveryMode,
    VenueSiteId,
    VenueCountry,
    VenueCity,
    StartDate,
    EndDate,
    ContactHours,
    Status,
    SeriesId,
    CycleNumber,
}

#[derive(DeriveIden, Clone, Copy)]
enum TrainingProviders {
    Table,
    TrainingSessionId,
    OrganisationId,
}

#[derive(DeriveIden, Clone, Copy)]
enum TrainingTallies {
    Table,
    Id,
    TrainingSessionId,
    Sex,
    AgeBand,
    Enrolled,
    Attended,
    Completed,
}

#[derive(DeriveIden, Clone, Copy)]
enum ExchangeVisits {
    Table,
    Id,
    TitleAr,
    TitleFr,
    TitleEn,
    Direction,
    VisitType,
    HostOrgId,
    VisitorOrgId,
    CountryCode,
    StartDate,
    EndDate,
    Topics,
    Status,
    ProjectId,
    AgreementId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ExchangeVisitSites {
    Table,
    ExchangeVisitId,
    SiteId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ExchangeVisitTallies {
    Table,
    Id,
    ExchangeVisitId,
    Sex,
    Count,
}

#[derive(DeriveIden, Clone, Copy)]
enum Common {
    Version,
    CreatedAt,
    UpdatedAt,
    ArchivedAt,
    Demo,
}

/// The columns every mutable record carries: optimistic-concurrency version, timestamps, the
/// archive marker, and whether the row is illustrative demo data rather than a sourced fact.
fn with_common(mut table: TableCreateStatement) -> TableCreateStatement {
    table
        .col(integer(Common::Version).default(1))
        .col(timestamp_with_time_zone(Common::CreatedAt).default(Expr::current_timestamp()))
        .col(timestamp_with_time_zone(Common::UpdatedAt).default(Expr::current_timestamp()))
        .col(timestamp_with_time_zone_null(Common::ArchivedAt))
        .col(boolean(Common::Demo).default(false));
    table
}

fn fk<T: IntoIden + Clone, C: IntoIden, RT: IntoIden, RC: IntoIden>(
    table: T,
    column: C,
    ref_table: RT,
    ref_column: RC,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(ref_table, ref_column)
        .on_delete(on_delete)
        .to_owned()
}

/// Index named `idx_<table>_<columns>`: stable names make the plan readable and the
/// migration reversible.
fn index<T: IntoIden + Clone>(table: T, columns: &[&'static str]) -> IndexCreateStatement {
    let table_iden = table.into_iden();
    let name = format!("idx_{}_{}", table_iden, columns.join("_"));
    let mut stmt = Index::create();
    stmt.name(name).table(table_iden);
    for column in columns {
        stmt.col(Alias::new(*column));
    }
    stmt.to_owned()
}

// `async_trait` expands `&SchemaManager` with its own lifetime; naming it `'_` breaks the expansion.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, Restrict, SetNull};

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(Organisations::Table)
                        .col(string(Organisations::Id).primary_key())
                        .col(text_null(Organisations::NameAr))
                        .col(text_null(Organisations::NameFr))
                        .col(text_null(Organisations::NameEn))
                        .col(string_null(Organisations::Acronym))
                        .col(string(Organisations::Category))
                        .col(integer_null(Organisations::IatiOrgType))
                        .col(string_null(Organisations::LegalNature))
                        .col(string_null(Organisations::CountryCode))
                        .col(string_null(Organisations::ParentId))
                        .col(string_null(Organisations::FoundedOn))
                        .col(text_null(Organisations::Website))
                        .col(text_null(Organisations::DescriptionAr))
                        .col(text_null(Organisations::DescriptionFr))
                        .col(text_null(Organisations::DescriptionEn))
                        .col(text(Organisations::Identifiers).default("[]"))
                        .col(boolean(Organisations::IsHome).default(false))
                        .foreign_key(&mut fk(
                            Organisations::Table,
                            Organisations::ParentId,
                            Organisations::Table,
                            Organisations::Id,
                            SetNull,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(Regions::Table)
                        .col(string(Regions::Id).primary_key())
                        .col(text_null(Regions::NameAr))
                        .col(text_null(Regions::NameFr))
                        .col(text_null(Regions::NameEn))
                        .col(text_null(Regions::CapitalAr))
                        .col(text_null(Regions::CapitalFr))
                        .col(text_null(Regions::CapitalEn))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(Sites::Table)
                        .col(string(Sites::Id).primary_key())
                        .col(string(Sites::SiteType))
                        .col(text_null(Sites::NameAr))
                        .col(text_null(Sites::NameFr))
                        .col(text_null(Sites::NameEn))
                        .col(string_null(Sites::OperatorOrgId))
                        .col(string_null(Sites::RegionId))
                        .col(text_null(Sites::City))
                        .col(string_null(Sites::ParentSiteId))
                        .col(string(Sites::Status))
                        .col(string_null(Sites::OpenedOn))
                        .foreign_key(&mut fk(
                            Sites::Table,
                            Sites::OperatorOrgId,
                            Organisations::Table,
                            Organisations::Id,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            Sites::Table,
                            Sites::RegionId,
                            Regions::Table,
                            Regions::Id,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            Sites::Table,
                            Sites::ParentSiteId,
                            Sites::Table,
                            Sites::Id,
                            SetNull,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(Partnerships::Table)
                        .col(string(Partnerships::Id).primary_key())
                        .col(string(Partnerships::HomeOrgId))
                        .col(string(Partnerships::PartnerOrgId))
                        .col(string(Partnerships::Scope))
                        .col(string(Partnerships::Modality))
                        .col(text(Partnerships::Themes).default(""))
                        .col(string_null(Partnerships::Since))
                        .col(string(Partnerships::Status))
                        .col(boolean(Partnerships::IsStrategic).default(false))
                        .foreign_key(&mut fk(
                            Partnerships::Table,
                            Partnerships::HomeOrgId,
                            Organisations::Table,
                            Organisations::Id,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            Partnerships::Table,
                            Partnerships::PartnerOrgId,
                            Organisations::Table,
                            Organisations::Id,
                            Restrict,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(Agreements::Table)
                        .col(string(Agreements::Id).primary_key())
                        .col(string_null(Agreements::Reference))
                        .col(string(Agreements::AgreementType))
                        .col(string(Agreements::Status))
                        .col(text_null(Agreements::TitleAr))
                        .col(text_null(Agreements::TitleFr))
                        .col(text_null(Agreements::TitleEn))
                        .col(text_null(Agreements::ObjectivesAr))
                        .col(text_null(Agreements::ObjectivesFr))
                        .col(text_null(Agreements::ObjectivesEn))
                        .col(text(Agreements::Themes).default(""))
                        .col(string_null(Agreements::DraftedOn))
                        .col(string_null(Agreements::AgreedOn))
                        .col(string_null(Agreements::SignedOn))
                        .col(string_null(Agreements::EffectiveFrom))
                        .col(string_null(Agreements::EffectiveTo))
                        .col(string_null(Agreements::TerminatedOn))
                        .col(string_null(Agreements::ParentAgreementId))
                        .col(string_null(Agreements::SupersedesId))
                        .foreign_key(&mut fk(
                            Agreements::Table,
                            Agreements::ParentAgreementId,
                            Agreements::Table,
                            Agreements::Id,
                            SetNull,
                        ))
                        .foreign_key(&mut fk(
                            Agreements::Table,
                            Agreements::SupersedesId,
                            Agreements::Table,
                            Agreements::Id,
                            SetNull,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgreementPartnerships::Table)
                    .if_not_exists()
                    .col(string(AgreementPartnerships::AgreementId))
                    .col(string(AgreementPartnerships::PartnershipId))
                    .primary_key(
                        Index::create()
                            .col(AgreementPartnerships::AgreementId)
                            .col(AgreementPartnerships::PartnershipId),
                    )
                    .foreign_key(&mut fk(
                        AgreementPartnerships::Table,
                        AgreementPartnerships::AgreementId,
                        Agreements::Table,
                        Agreements::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        AgreementPartnerships::Table,
                        AgreementPartnerships::PartnershipId,
                        Partnerships::Table,
                        Partnerships::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(AgreementParties::Table)
                        .col(string(AgreementParties::Id).primary_key())
                        .col(string(AgreementParties::AgreementId))
                        .col(string(AgreementParties::OrganisationId))
                        .col(string(AgreementParties::Role))
                        .col(string_null(AgreementParties::SignedOn))
                        .foreign_key(&mut fk(
                            AgreementParties::Table,
                            AgreementParties::AgreementId,
                            Agreements::Table,
                            Agreements::Id,
                            Cascade,
                        ))
                        .foreign_key(&mut fk(
                            AgreementParties::Table,
                            AgreementParties::OrganisationId,
                            Organisations::Table,
                            Organisations::Id,
                            Restrict,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(Commitments::Table)
                        .col(string(Commitments::Id).primary_key())
                        .col(string(Commitments::AgreementId))
                        .col(string(Commitments::PartyOrgId))
                        .col(string(Commitments::Kind))
                        .col(text_null(Commitments::DescriptionAr))
                        .col(text_null(Commitments::DescriptionFr))
                        .col(text_null(Commitments::DescriptionEn))
                        .col(string_null(Commitments::DueOn))
                        .col(string(Commitments::Status))
                        .col(boolean(Commitments::Illustrative).default(false))
                        .foreign_key(&mut fk(
                            Commitments::Table,
                            Commitments::AgreementId,
                            Agreements::Table,
                            Agreements::Id,
                            Cascade,
                        ))
                        .foreign_key(&mut fk(
                            Commitments::Table,
                            Commitments::PartyOrgId,
                            Organisations::Table,
                            Organisations::Id,
                            Restrict,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(Projects::Table)
                        .col(string(Projects::Id).primary_key())
                        .col(string_null(Projects::IatiIdentifier))
                        .col(text_null(Projects::TitleAr))
                        .col(text_null(Projects::TitleFr))
                        .col(text_null(Projects::TitleEn))
                        .col(text_null(Projects::DescriptionAr))
                        .col(text_null(Projects::DescriptionFr))
                        .col(text_null(Projects::DescriptionEn))
                        .col(integer(Projects::Status))
                        .col(string_null(Projects::PlannedStart))
                        .col(string_null(Projects::ActualStart))
                        .col(string_null(Projects::PlannedEnd))
                        .col(string_null(Projects::ActualEnd))
                        .col(string_null(Projects::ParentProjectId))
                        .foreign_key(&mut fk(
                            Projects::Table,
                            Projects::ParentProjectId,
                            Projects::Table,
                            Projects::Id,
                            SetNull,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectParticipants::Table)
                    .if_not_exists()
                    .col(string(ProjectParticipants::Id).primary_key())
                    .col(string(ProjectParticipants::ProjectId))
                    .col(string(ProjectParticipants::OrganisationId))
                    .col(integer(ProjectParticipants::Role))
                    .foreign_key(&mut fk(
                        ProjectParticipants::Table,
                        ProjectParticipants::ProjectId,
                        Projects::Table,
                        Projects::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ProjectParticipants::Table,
                        ProjectParticipants::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectSectors::Table)
                    .if_not_exists()
                    .col(string(ProjectSectors::ProjectId))
                    .col(integer(ProjectSectors::Vocabulary))
                    .col(string(ProjectSectors::Code))
                    .col(integer_null(ProjectSectors::Percentage))
                    .primary_key(
                        Index::create()
                            .col(ProjectSectors::ProjectId)
                            .col(ProjectSectors::Vocabulary)
                            .col(ProjectSectors::Code),
                    )
                    .foreign_key(&mut fk(
                        ProjectSectors::Table,
                        ProjectSectors::ProjectId,
                        Projects::Table,
                        Projects::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectSites::Table)
                    .if_not_exists()
                    .col(string(ProjectSites::ProjectId))
                    .col(string(ProjectSites::SiteId))
                    .primary_key(
                        Index::create()
                            .col(ProjectSites::ProjectId)
                            .col(ProjectSites::SiteId),
                    )
                    .foreign_key(&mut fk(
                        ProjectSites::Table,
                        ProjectSites::ProjectId,
                        Projects::Table,
                        Projects::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ProjectSites::Table,
                        ProjectSites::SiteId,
                        Sites::Table,
                        Sites::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectRegions::Table)
                    .if_not_exists()
                    .col(string(ProjectRegions::ProjectId))
                    .col(string(ProjectRegions::RegionId))
                    .primary_key(
                        Index::create()
                            .col(ProjectRegions::ProjectId)
                            .col(ProjectRegions::RegionId),
                    )
                    .foreign_key(&mut fk(
                        ProjectRegions::Table,
                        ProjectRegions::ProjectId,
                        Projects::Table,
                        Projects::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ProjectRegions::Table,
                        ProjectRegions::RegionId,
                        Regions::Table,
                        Regions::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectAgreements::Table)
                    .if_not_exists()
                    .col(string(ProjectAgreements::ProjectId))
                    .col(string(ProjectAgreements::AgreementId))
                    .primary_key(
                        Index::create()
                            .col(ProjectAgreements::ProjectId)
                            .col(ProjectAgreements::AgreementId),
                    )
                    .foreign_key(&mut fk(
                        ProjectAgreements::Table,
                        ProjectAgreements::ProjectId,
                        Projects::Table,
                        Projects::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ProjectAgreements::Table,
                        ProjectAgreements::AgreementId,
                        Agreements::Table,
                        Agreements::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(TrainingSessions::Table)
                        .col(string(TrainingSessions::Id).primary_key())
                        .col(text_null(TrainingSessions::TitleAr))
                        .col(text_null(TrainingSessions::TitleFr))
                        .col(text_null(TrainingSessions::TitleEn))
                        .col(string_null(TrainingSessions::ProjectId))
                        .col(string_null(TrainingSessions::AgreementId))
                        .col(string_null(TrainingSessions::OrganiserOrgId))
                        .col(string(TrainingSessions::Audience))
                        .col(string_null(TrainingSessions::StaffCategory))
                        .col(text(TrainingSessions::Topics).default(""))
                        .col(string_null(TrainingSessions::DeliveryMode))
                        .col(string_null(TrainingSessions::VenueSiteId))
                        .col(string_null(TrainingSessions::VenueCountry))
                        .col(text_null(TrainingSessions::VenueCity))
                        .col(string_null(TrainingSessions::StartDate))
                        .col(string_null(TrainingSessions::EndDate))
                        .col(double_null(TrainingSessions::ContactHours))
                        .col(string(TrainingSessions::Status))
                        .col(string_null(TrainingSessions::SeriesId))
                        .col(integer_null(TrainingSessions::CycleNumber))
                        .foreign_key(&mut fk(
                            TrainingSessions::Table,
                            TrainingSessions::ProjectId,
                            Projects::Table,
                            Projects::Id,
                            SetNull,
                        ))
                        .foreign_key(&mut fk(
                            TrainingSessions::Table,
                            TrainingSessions::AgreementId,
                            Agreements::Table,
                            Agreements::Id,
                            SetNull,
                        ))
                        .foreign_key(&mut fk(
                            TrainingSessions::Table,
                            TrainingSessions::OrganiserOrgId,
                            Organisations::Table,
                            Organisations::Id,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            TrainingSessions::Table,
                            TrainingSessions::VenueSiteId,
                            Sites::Table,
                            Sites::Id,
                            SetNull,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TrainingProviders::Table)
                    .if_not_exists()
                    .col(string(TrainingProviders::TrainingSessionId))
                    .col(string(TrainingProviders::OrganisationId))
                    .primary_key(
                        Index::create()
                            .col(TrainingProviders::TrainingSessionId)
                            .col(TrainingProviders::OrganisationId),
                    )
                    .foreign_key(&mut fk(
                        TrainingProviders::Table,
                        TrainingProviders::TrainingSessionId,
                        TrainingSessions::Table,
                        TrainingSessions::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        TrainingProviders::Table,
                        TrainingProviders::OrganisationId,
                        Organisations::Table,
                        Organisations::Id,
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(TrainingTallies::Table)
                    .if_not_exists()
                    .col(string(TrainingTallies::Id).primary_key())
                    .col(string(TrainingTallies::TrainingSessionId))
                    .col(string(TrainingTallies::Sex))
                    .col(string_null(TrainingTallies::AgeBand))
                    .col(integer(TrainingTallies::Enrolled).default(0))
                    .col(integer(TrainingTallies::Attended).default(0))
                    .col(integer(TrainingTallies::Completed).default(0))
                    .foreign_key(&mut fk(
                        TrainingTallies::Table,
                        TrainingTallies::TrainingSessionId,
                        TrainingSessions::Table,
                        TrainingSessions::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(Contributions::Table)
                        .col(string(Contributions::Id).primary_key())
                        .col(string(Contributions::ContributorOrgId))
                        .col(string_null(Contributions::ProjectId))
                        .col(string_null(Contributions::AgreementId))
                        .col(string_null(Contributions::TrainingSessionId))
                        .col(string(Contributions::ContributionType))
                        .col(text_null(Contributions::DescriptionAr))
                        .col(text_null(Contributions::DescriptionFr))
                        .col(text_null(Contributions::DescriptionEn))
                        .col(string_null(Contributions::Quantity))
                        .col(string_null(Contributions::Unit))
                        .col(big_integer_null(Contributions::AmountMinor))
                        .col(string_null(Contributions::Currency))
                        .col(string(Contributions::Status))
                        .foreign_key(&mut fk(
                            Contributions::Table,
                            Contributions::ContributorOrgId,
                            Organisations::Table,
                            Organisations::Id,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            Contributions::Table,
                            Contributions::ProjectId,
                            Projects::Table,
                            Projects::Id,
                            SetNull,
                        ))
                        .foreign_key(&mut fk(
                            Contributions::Table,
                            Contributions::AgreementId,
                            Agreements::Table,
                            Agreements::Id,
                            SetNull,
                        ))
                        .foreign_key(&mut fk(
                            Contributions::Table,
                            Contributions::TrainingSessionId,
                            TrainingSessions::Table,
                            TrainingSessions::Id,
                            SetNull,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                with_common(
                    Table::create()
                        .table(ExchangeVisits::Table)
                        .col(string(ExchangeVisits::Id).primary_key())
                        .col(text_null(ExchangeVisits::TitleAr))
                        .col(text_null(ExchangeVisits::TitleFr))
                        .col(text_null(ExchangeVisits::TitleEn))
                        .col(string(ExchangeVisits::Direction))
                        .col(string(ExchangeVisits::VisitType))
                        .col(string_null(ExchangeVisits::HostOrgId))
                        .col(string_null(ExchangeVisits::VisitorOrgId))
                        .col(string_null(ExchangeVisits::CountryCode))
                        .col(string_null(ExchangeVisits::StartDate))
                        .col(string_null(ExchangeVisits::EndDate))
                        .col(text(ExchangeVisits::Topics).default(""))
                        .col(string(ExchangeVisits::Status))
                        .col(string_null(ExchangeVisits::ProjectId))
                        .col(string_null(ExchangeVisits::AgreementId))
                        .foreign_key(&mut fk(
                            ExchangeVisits::Table,
                            ExchangeVisits::HostOrgId,
                            Organisations::Table,
                            Organisations::Id,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            ExchangeVisits::Table,
                            ExchangeVisits::VisitorOrgId,
                            Organisations::Table,
                            Organisations::Id,
                            Restrict,
                        ))
                        .foreign_key(&mut fk(
                            ExchangeVisits::Table,
                            ExchangeVisits::ProjectId,
                            Projects::Table,
                            Projects::Id,
                            SetNull,
                        ))
                        .foreign_key(&mut fk(
                            ExchangeVisits::Table,
                            ExchangeVisits::AgreementId,
                            Agreements::Table,
                            Agreements::Id,
                            SetNull,
                        ))
                        .to_owned(),
                )
                .if_not_exists()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ExchangeVisitSites::Table)
                    .if_not_exists()
                    .col(string(ExchangeVisitSites::ExchangeVisitId))
                    .col(string(ExchangeVisitSites::SiteId))
                    .primary_key(
                        Index::create()
                            .col(ExchangeVisitSites::ExchangeVisitId)
                            .col(ExchangeVisitSites::SiteId),
                    )
                    .foreign_key(&mut fk(
                        ExchangeVisitSites::Table,
                        ExchangeVisitSites::ExchangeVisitId,
                        ExchangeVisits::Table,
                        ExchangeVisits::Id,
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        ExchangeVisitSites::Table,
                        ExchangeVisitSites::SiteId,
                        Sites::Table,
                        Sites::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ExchangeVisitTallies::Table)
                    .if_not_exists()
                    .col(string(ExchangeVisitTallies::Id).primary_key())
                    .col(string(ExchangeVisitTallies::ExchangeVisitId))
                    .col(string(ExchangeVisitTallies::Sex))
                    .col(integer(ExchangeVisitTallies::Count).default(0))
                    .foreign_key(&mut fk(
                        ExchangeVisitTallies::Table,
                        ExchangeVisitTallies::ExchangeVisitId,
                        ExchangeVisits::Table,
                        ExchangeVisits::Id,
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;

        // One index per foreign key and per filter column. Composite primary keys already
        // index their leading column, so only the second column of a link table needs one.
        let indexes = [
            index(Organisations::Table, &["parent_id"]),
            index(Organisations::Table, &["category"]),
            index(Organisations::Table, &["country_code"]),
            index(Organisations::Table, &["iati_org_type"]),
            index(Organisations::Table, &["archived_at"]),
            index(Sites::Table, &["operator_org_id"]),
            index(Sites::Table, &["region_id"]),
            index(Sites::Table, &["parent_site_id"]),
            index(Sites::Table, &["site_type"]),
            index(Sites::Table, &["status"]),
            index(Partnerships::Table, &["home_org_id"]),
            index(Partnerships::Table, &["partner_org_id"]),
            index(Partnerships::Table, &["scope"]),
            index(Partnerships::Table, &["modality"]),
            index(Partnerships::Table, &["status"]),
            index(Agreements::Table, &["parent_agreement_id"]),
            index(Agreements::Table, &["supersedes_id"]),
            index(Agreements::Table, &["status"]),
            index(Agreements::Table, &["agreement_type"]),
            index(Agreements::Table, &["effective_to"]),
            index(Agreements::Table, &["signed_on"]),
            index(AgreementPartnerships::Table, &["partnership_id"]),
            index(AgreementParties::Table, &["agreement_id"]),
            index(AgreementParties::Table, &["organisation_id"]),
            index(Commitments::Table, &["agreement_id"]),
            index(Commitments::Table, &["party_org_id"]),
            index(Commitments::Table, &["status"]),
            index(Commitments::Table, &["due_on"]),
            index(Projects::Table, &["parent_project_id"]),
            index(Projects::Table, &["status"]),
            index(Projects::Table, &["actual_start"]),
            index(ProjectParticipants::Table, &["project_id"]),
            index(ProjectParticipants::Table, &["organisation_id"]),
            index(ProjectSectors::Table, &["code"]),
            index(ProjectSites::Table, &["site_id"]),
            index(ProjectRegions::Table, &["region_id"]),
            index(ProjectAgreements::Table, &["agreement_id"]),
            index(TrainingSessions::Table, &["project_id"]),
            index(TrainingSessions::Table, &["agreement_id"]),
            index(TrainingSessions::Table, &["organiser_org_id"]),
            index(TrainingSessions::Table, &["venue_site_id"]),
            index(TrainingSessions::Table, &["audience"]),
            index(TrainingSessions::Table, &["status"]),
            index(TrainingSessions::Table, &["start_date"]),
            index(TrainingProviders::Table, &["organisation_id"]),
            index(TrainingTallies::Table, &["training_session_id"]),
            index(Contributions::Table, &["contributor_org_id"]),
            index(Contributions::Table, &["project_id"]),
            index(Contributions::Table, &["agreement_id"]),
            index(Contributions::Table, &["training_session_id"]),
            index(Contributions::Table, &["contribution_type"]),
            index(Contributions::Table, &["status"]),
            index(ExchangeVisits::Table, &["host_org_id"]),
            index(ExchangeVisits::Table, &["visitor_org_id"]),
            index(ExchangeVisits::Table, &["project_id"]),
            index(ExchangeVisits::Table, &["agreement_id"]),
            index(ExchangeVisits::Table, &["status"]),
            index(ExchangeVisits::Table, &["direction"]),
            index(ExchangeVisits::Table, &["start_date"]),
            index(ExchangeVisitSites::Table, &["site_id"]),
            index(ExchangeVisitTallies::Table, &["exchange_visit_id"]),
        ];
        for mut stmt in indexes {
            manager
                .create_index(stmt.if_not_exists().to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents, so that foreign keys never block the drop.
        let tables: [DynIden; 21] = [
            ExchangeVisitTallies::Table.into_iden(),
            ExchangeVisitSites::Table.into_iden(),
            ExchangeVisits::Table.into_iden(),
            Contributions::Table.into_iden(),
            TrainingTallies::Table.into_iden(),
            TrainingProviders::Table.into_iden(),
            TrainingSessions::Table.into_iden(),
            ProjectAgreements::Table.into_iden(),
            ProjectRegions::Table.into_iden(),
            ProjectSites::Table.into_iden(),
            ProjectSectors::Table.into_iden(),
            ProjectParticipants::Table.into_iden(),
            Projects::Table.into_iden(),
            Commitments::Table.into_iden(),
            AgreementParties::Table.into_iden(),
            AgreementPartnerships::Table.into_iden(),
            Agreements::Table.into_iden(),
            Partnerships::Table.into_iden(),
            Sites::Table.into_iden(),
            Regions::Table.into_iden(),
            Organisations::Table.into_iden(),
        ];
        for table in tables {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
