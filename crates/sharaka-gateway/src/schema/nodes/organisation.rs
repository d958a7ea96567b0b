//! Organisations, regions and sites.

use async_graphql::{Context, ID, Object, Result};
use sharaka_domain as domain;
use sharaka_domain::IatiCoded;
use sharaka_persistence::relations as rel;

use super::*;
use crate::schema::ids;
use crate::schema::resolve::{children, one};
use crate::schema::scalars::*;

/// A partner organisation, or the home organisation (DGAPR).
#[Object(name = "Organisation")]
impl OrganisationNode {
    /// The record's version, for optimistic concurrency: pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.meta.version
    }
    /// When the record was created.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.updated_at
    }
    /// When the record was archived; null while it is current.
    async fn archived_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.meta.archived_at
    }
    /// The record's history: every change, oldest first.
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        Ok(AuditEventConnection(
            children(ctx, rel::RECORD_HISTORY, self.0.id.as_str(), first, after)
                .await?
                .map(AuditEventNode),
        ))
    }
    /// The opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        ids::encode("Organisation", self.0.id.as_str())
    }
    /// The stable local identifier (a slug such as `org:dgapr`).
    async fn local_id(&self) -> &str {
        self.0.id.as_str()
    }
    /// The name in Arabic, French and English.
    async fn name(&self) -> LocalizedText {
        LocalizedText(self.0.name.clone())
    }
    /// The acronym, such as DGAPR or PRI.
    async fn acronym(&self) -> Option<&str> {
        self.0.acronym.as_deref()
    }
    /// The partner category of the source's typology.
    async fn category(&self) -> PartnerCategory {
        self.0.category.into()
    }
    /// The category's label.
    async fn category_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.category, lang)
    }
    /// The IATI organisation type.
    async fn iati_org_type(&self) -> Option<OrganisationType> {
        self.0.iati_org_type.map(Into::into)
    }
    /// The IATI organisation type's numeric code (10, 21, 60, 80…).
    async fn iati_org_type_code(&self) -> Option<i32> {
        self.0.iati_org_type.map(IatiCoded::iati_code)
    }
    /// The IATI organisation type's label.
    async fn iati_org_type_label(
        &self,
        ctx: &Context<'_>,
        lang: Option<Lang>,
    ) -> Option<&'static str> {
        self.0.iati_org_type.map(|t| label(ctx, t, lang))
    }
    /// Public, private or international law.
    async fn legal_nature(&self) -> Option<LegalNature> {
        self.0.legal_nature.map(Into::into)
    }
    /// The ISO 3166-1 alpha-2 country code.
    async fn country_code(&self) -> Option<&str> {
        self.0
            .country_code
            .as_ref()
            .map(domain::CountryCode::as_str)
    }
    /// When the organisation was founded, to the precision known.
    async fn founded_on(&self) -> Option<PartialDate> {
        self.0.founded_on.map(PartialDate)
    }
    /// The website.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    /// A description.
    async fn description(&self) -> LocalizedText {
        LocalizedText(self.0.description.clone())
    }
    /// Registry identifiers, as `scheme:value` pairs (e.g. `GB-COH:04154075`).
    async fn identifiers(&self) -> Vec<String> {
        self.0
            .identifiers
            .iter()
            .map(|i| format!("{}:{}", i.scheme, i.value))
            .collect()
    }
    /// True for the home organisation, DGAPR.
    async fn is_home(&self) -> bool {
        self.0.is_home
    }
    /// True for illustrative demo data rather than a sourced fact.
    async fn demo(&self) -> bool {
        self.0.meta.demo
    }
    /// The parent body (e.g. a directorate's ministry).
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<OrganisationNode>> {
        Ok(
            one::<domain::Organisation>(ctx, self.0.parent_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(OrganisationNode),
        )
    }
    /// Bodies whose parent this organisation is.
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<OrganisationConnection> {
        Ok(OrganisationConnection(
            children(
                ctx,
                rel::ORGANISATION_CHILDREN,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(OrganisationNode),
        ))
    }
    /// Partnerships in which this organisation is the partner.
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PartnershipConnection> {
        Ok(PartnershipConnection(
            children(
                ctx,
                rel::ORGANISATION_PARTNERSHIPS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(PartnershipNode),
        ))
    }
    /// Partnerships this organisation holds as the home organisation (its partners).
    async fn home_partnerships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PartnershipConnection> {
        Ok(PartnershipConnection(
            children(
                ctx,
                rel::ORGANISATION_HOME_PARTNERSHIPS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(PartnershipNode),
        ))
    }
    /// Agreements this organisation is a party to.
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AgreementConnection> {
        Ok(AgreementConnection(
            children(
                ctx,
                rel::ORGANISATION_AGREEMENTS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(AgreementNode),
        ))
    }
    /// This organisation's places (roles, signatures) in agreements.
    async fn agreement_parties(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AgreementPartyConnection> {
        Ok(AgreementPartyConnection(
            children(
                ctx,
                rel::ORGANISATION_AGREEMENT_PARTIES,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(AgreementPartyNode),
        ))
    }
    /// Commitments this organisation owes.
    async fn commitments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CommitmentConnection> {
        Ok(CommitmentConnection(
            children(
                ctx,
                rel::ORGANISATION_COMMITMENTS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(CommitmentNode),
        ))
    }
    /// Projects this organisation takes part in, in any role.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProjectConnection> {
        Ok(ProjectConnection(
            children(
                ctx,
                rel::ORGANISATION_PROJECTS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(ProjectNode),
        ))
    }
    /// This organisation's participations in projects, with IATI roles.
    async fn participations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ParticipantConnection> {
        Ok(ParticipantConnection(
            children(
                ctx,
                rel::ORGANISATION_PARTICIPATIONS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(ParticipantNode),
        ))
    }
    /// Sites this organisation operates.
    async fn sites(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SiteConnection> {
        Ok(SiteConnection(
            children(
                ctx,
                rel::ORGANISATION_SITES,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(SiteNode),
        ))
    }
    /// Training sessions this organisation organises.
    async fn training_sessions_organised(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TrainingSessionConnection> {
        Ok(TrainingSessionConnection(
            children(
                ctx,
                rel::ORGANISATION_SESSIONS_ORGANISED,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(TrainingSessionNode),
        ))
    }
    /// Training sessions this organisation's trainers deliver.
    async fn training_sessions_provided(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TrainingSessionConnection> {
        Ok(TrainingSessionConnection(
            children(
                ctx,
                rel::ORGANISATION_SESSIONS_PROVIDED,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(TrainingSessionNode),
        ))
    }
    /// Contributions this organisation makes.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ContributionConnection> {
        Ok(ContributionConnection(
            children(
                ctx,
                rel::ORGANISATION_CONTRIBUTIONS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(ContributionNode),
        ))
    }
    /// Exchange visits this organisation hosts.
    async fn visits_hosted(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExchangeVisitConnection> {
        Ok(ExchangeVisitConnection(
            children(
                ctx,
                rel::ORGANISATION_VISITS_HOSTED,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(ExchangeVisitNode),
        ))
    }
    /// Exchange visits this organisation's delegations make.
    async fn visits_made(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExchangeVisitConnection> {
        Ok(ExchangeVisitConnection(
            children(
                ctx,
                rel::ORGANISATION_VISITS_MADE,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(ExchangeVisitNode),
        ))
    }
}

/// One of Morocco's twelve regions (ISO 3166-2).
#[Object(name = "Region")]
impl RegionNode {
    /// The record's version, for optimistic concurrency: pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.meta.version
    }
    /// When the record was created.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.updated_at
    }
    /// When the record was archived; null while it is current.
    async fn archived_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.meta.archived_at
    }
    /// The record's history: every change, oldest first.
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        Ok(AuditEventConnection(
            children(ctx, rel::RECORD_HISTORY, self.0.id.as_str(), first, after)
                .await?
                .map(AuditEventNode),
        ))
    }
    /// The opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        ids::encode("Region", self.0.id.as_str())
    }
    /// The ISO 3166-2 code, `MA-01` … `MA-12`.
    async fn iso_code(&self) -> &str {
        self.0.id.as_str()
    }
    /// The official name.
    async fn name(&self) -> LocalizedText {
        LocalizedText(self.0.name.clone())
    }
    /// The regional capital (chef-lieu).
    async fn capital(&self) -> LocalizedText {
        LocalizedText(self.0.capital.clone())
    }
    /// Sites in this region.
    async fn sites(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SiteConnection> {
        Ok(SiteConnection(
            children(ctx, rel::REGION_SITES, self.0.id.as_str(), first, after)
                .await?
                .map(SiteNode),
        ))
    }
    /// Projects working in this region.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProjectConnection> {
        Ok(ProjectConnection(
            children(ctx, rel::REGION_PROJECTS, self.0.id.as_str(), first, after)
                .await?
                .map(ProjectNode),
        ))
    }
}

/// A place: headquarters, regional directorate, prison, centre.
#[Object(name = "Site")]
impl SiteNode {
    /// The record's version, for optimistic concurrency: pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.meta.version
    }
    /// When the record was created.
    async fn created_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.created_at
    }
    /// When the record last changed.
    async fn updated_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.0.meta.updated_at
    }
    /// When the record was archived; null while it is current.
    async fn archived_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.0.meta.archived_at
    }
    /// The record's history: every change, oldest first.
    async fn history(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        Ok(AuditEventConnection(
            children(ctx, rel::RECORD_HISTORY, self.0.id.as_str(), first, after)
                .await?
                .map(AuditEventNode),
        ))
    }
    /// The opaque global ID.
    pub(crate) async fn id(&self) -> ID {
        ids::encode("Site", self.0.id.as_str())
    }
    /// The stable local identifier.
    async fn local_id(&self) -> &str {
        self.0.id.as_str()
    }
    /// What kind of place this is.
    async fn site_type(&self) -> SiteType {
        self.0.site_type.into()
    }
    /// The site type's label.
    async fn site_type_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.site_type, lang)
    }
    /// The name.
    async fn name(&self) -> LocalizedText {
        LocalizedText(self.0.name.clone())
    }
    /// The city.
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    /// Planned, under construction, operational or closed.
    async fn status(&self) -> SiteStatus {
        self.0.status.into()
    }
    /// The status's label.
    async fn status_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.status, lang)
    }
    /// When the site opened.
    async fn opened_on(&self) -> Option<PartialDate> {
        self.0.opened_on.map(PartialDate)
    }
    /// The organisation that runs the site.
    async fn operator(&self, ctx: &Context<'_>) -> Result<Option<OrganisationNode>> {
        Ok(
            one::<domain::Organisation>(ctx, self.0.operator_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(OrganisationNode),
        )
    }
    /// The region the site is in.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<RegionNode>> {
        Ok(
            one::<domain::Region>(ctx, self.0.region_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(RegionNode),
        )
    }
    /// The site this one reports to (a facility's regional directorate).
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<SiteNode>> {
        Ok(
            one::<domain::Site>(ctx, self.0.parent_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(SiteNode),
        )
    }
    /// Sites reporting to this one.
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SiteConnection> {
        Ok(SiteConnection(
            children(ctx, rel::SITE_CHILDREN, self.0.id.as_str(), first, after)
                .await?
                .map(SiteNode),
        ))
    }
    /// Projects at this site.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProjectConnection> {
        Ok(ProjectConnection(
            children(ctx, rel::SITE_PROJECTS, self.0.id.as_str(), first, after)
                .await?
                .map(ProjectNode),
        ))
    }
    /// Training sessions held here.
    async fn training_sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TrainingSessionConnection> {
        Ok(TrainingSessionConnection(
            children(ctx, rel::SITE_SESSIONS, self.0.id.as_str(), first, after)
                .await?
                .map(TrainingSessionNode),
        ))
    }
    /// Exchange visits that came here.
    async fn exchange_visits(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExchangeVisitConnection> {
        Ok(ExchangeVisitConnection(
            children(ctx, rel::SITE_VISITS, self.0.id.as_str(), first, after)
                .await?
                .map(ExchangeVisitNode),
        ))
    }
}
