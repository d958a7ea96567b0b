//! Projects (IATI activities), their participants and sectors, and contributions.

use async_graphql::{Context, ID, Object, Result};
use sharaka_domain as domain;
use sharaka_domain::IatiCoded;
use sharaka_persistence::relations as rel;

use super::*;
use crate::schema::ids;
use crate::schema::resolve::{all_children, children, one, required};
use crate::schema::scalars::*;

/// A project: an IATI activity with its status, dates, participants, places and results.
#[Object(name = "Project")]
impl ProjectNode {
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
        ids::encode("Project", self.0.id.as_str())
    }
    /// The stable local identifier.
    async fn local_id(&self) -> &str {
        self.0.id.as_str()
    }
    /// The IATI activity identifier, when published.
    async fn iati_identifier(&self) -> Option<&str> {
        self.0.iati_identifier.as_deref()
    }
    /// The title.
    async fn title(&self) -> LocalizedText {
        LocalizedText(self.0.title.clone())
    }
    /// The description.
    async fn description(&self) -> LocalizedText {
        LocalizedText(self.0.description.clone())
    }
    /// The IATI activity status.
    async fn status(&self) -> ActivityStatus {
        self.0.status.into()
    }
    /// The IATI activity status code, 1–6.
    async fn status_code(&self) -> i32 {
        self.0.status.iati_code()
    }
    /// The status's label.
    async fn status_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.status, lang)
    }
    /// Planned start (IATI date type 1).
    async fn planned_start(&self) -> Option<PartialDate> {
        self.0.dates.planned_start.map(PartialDate)
    }
    /// Actual start (IATI date type 2).
    async fn actual_start(&self) -> Option<PartialDate> {
        self.0.dates.actual_start.map(PartialDate)
    }
    /// Planned end (IATI date type 3).
    async fn planned_end(&self) -> Option<PartialDate> {
        self.0.dates.planned_end.map(PartialDate)
    }
    /// Actual end (IATI date type 4).
    async fn actual_end(&self) -> Option<PartialDate> {
        self.0.dates.actual_end.map(PartialDate)
    }
    /// True for illustrative demo data.
    async fn demo(&self) -> bool {
        self.0.meta.demo
    }
    /// The parent project.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<ProjectNode>> {
        Ok(
            one::<domain::Project>(ctx, self.0.parent_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(ProjectNode),
        )
    }
    /// Sub-projects.
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProjectConnection> {
        Ok(ProjectConnection(
            children(ctx, rel::PROJECT_CHILDREN, self.0.id.as_str(), first, after)
                .await?
                .map(ProjectNode),
        ))
    }
    /// Participating organisations with their IATI roles.
    async fn participants(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ParticipantConnection> {
        Ok(ParticipantConnection(
            children(
                ctx,
                rel::PROJECT_PARTICIPANTS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(ParticipantNode),
        ))
    }
    /// Sectors (OECD DAC 5-digit codes) with their shares.
    async fn sectors(&self, ctx: &Context<'_>) -> Result<Vec<SectorNode>> {
        Ok(
            all_children::<domain::ProjectSector>(ctx, rel::PROJECT_SECTORS, self.0.id.as_str())
                .await?
                .into_iter()
                .map(SectorNode)
                .collect(),
        )
    }
    /// Sites the project works at.
    async fn sites(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SiteConnection> {
        Ok(SiteConnection(
            children(ctx, rel::PROJECT_SITES, self.0.id.as_str(), first, after)
                .await?
                .map(SiteNode),
        ))
    }
    /// Regions the project works in.
    async fn regions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<RegionConnection> {
        Ok(RegionConnection(
            children(ctx, rel::PROJECT_REGIONS, self.0.id.as_str(), first, after)
                .await?
                .map(RegionNode),
        ))
    }
    /// Agreements the project implements.
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AgreementConnection> {
        Ok(AgreementConnection(
            children(
                ctx,
                rel::PROJECT_AGREEMENTS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(AgreementNode),
        ))
    }
    /// The project's results (IATI `result`), with their indicators and periods.
    async fn results(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProjectResultConnection> {
        Ok(ProjectResultConnection(
            children(ctx, rel::PROJECT_RESULTS, self.0.id.as_str(), first, after)
                .await?
                .map(ProjectResultNode),
        ))
    }
    /// The project's training sessions.
    async fn training_sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TrainingSessionConnection> {
        Ok(TrainingSessionConnection(
            children(ctx, rel::PROJECT_SESSIONS, self.0.id.as_str(), first, after)
                .await?
                .map(TrainingSessionNode),
        ))
    }
    /// Contributions to the project.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ContributionConnection> {
        Ok(ContributionConnection(
            children(
                ctx,
                rel::PROJECT_CONTRIBUTIONS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(ContributionNode),
        ))
    }
    /// Exchange visits of the project.
    async fn exchange_visits(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExchangeVisitConnection> {
        Ok(ExchangeVisitConnection(
            children(ctx, rel::PROJECT_VISITS, self.0.id.as_str(), first, after)
                .await?
                .map(ExchangeVisitNode),
        ))
    }
}

/// An organisation taking part in a project, with its IATI role.
#[Object(name = "ProjectParticipant")]
impl ParticipantNode {
    /// The IATI organisation role.
    async fn role(&self) -> OrganisationRole {
        self.0.role.into()
    }
    /// The IATI role code, 1–4.
    async fn role_code(&self) -> i32 {
        self.0.role.iati_code()
    }
    /// The role's label.
    async fn role_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.role, lang)
    }
    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<OrganisationNode> {
        Ok(OrganisationNode(
            required::<domain::Organisation>(ctx, self.0.organisation_id.as_str()).await?,
        ))
    }
    /// The project.
    async fn project(&self, ctx: &Context<'_>) -> Result<ProjectNode> {
        Ok(ProjectNode(
            required::<domain::Project>(ctx, self.0.project_id.as_str()).await?,
        ))
    }
}

/// A sector a project addresses.
#[Object(name = "ProjectSector")]
impl SectorNode {
    /// The IATI sector vocabulary (1 = OECD DAC 5-digit).
    async fn vocabulary(&self) -> i32 {
        self.0.vocabulary
    }
    /// The sector code, such as `15137` (Prisons).
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// The share of the project in this sector, in percent.
    async fn percentage(&self) -> Option<i32> {
        self.0.percentage
    }
}

/// A resource an organisation brings: cash, goods, expertise, time.
#[Object(name = "Contribution")]
impl ContributionNode {
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
        ids::encode("Contribution", self.0.id.as_str())
    }
    /// The kind of resource.
    async fn contribution_type(&self) -> ContributionType {
        self.0.contribution_type.into()
    }
    /// The type's label.
    async fn contribution_type_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.contribution_type, lang)
    }
    /// The description.
    async fn description(&self) -> LocalizedText {
        LocalizedText(self.0.description.clone())
    }
    /// The quantity, as an exact decimal string.
    async fn quantity(&self) -> Option<String> {
        self.0.quantity.map(|q| q.to_string())
    }
    /// The unit of the quantity (PERSON_DAY, HOUR…).
    async fn unit(&self) -> Option<&str> {
        self.0.unit.as_deref()
    }
    /// The amount, as an exact decimal string with the currency's decimals.
    async fn amount(&self) -> Option<String> {
        self.0.value.as_ref().map(|m| m.amount.to_string())
    }
    /// The ISO 4217 currency of the amount.
    async fn currency(&self) -> Option<&str> {
        self.0.value.as_ref().map(|m| m.currency.as_str())
    }
    /// How far it is delivered.
    async fn status(&self) -> ContributionStatus {
        self.0.status.into()
    }
    /// The status's label.
    async fn status_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.status, lang)
    }
    /// Who contributes.
    async fn contributor(&self, ctx: &Context<'_>) -> Result<OrganisationNode> {
        Ok(OrganisationNode(
            required::<domain::Organisation>(ctx, self.0.contributor_id.as_str()).await?,
        ))
    }
    /// The project it goes to.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<ProjectNode>> {
        Ok(
            one::<domain::Project>(ctx, self.0.project_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(ProjectNode),
        )
    }
    /// The agreement it falls under.
    async fn agreement(&self, ctx: &Context<'_>) -> Result<Option<AgreementNode>> {
        Ok(
            one::<domain::Agreement>(ctx, self.0.agreement_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(AgreementNode),
        )
    }
    /// The training session it supports.
    async fn training_session(&self, ctx: &Context<'_>) -> Result<Option<TrainingSessionNode>> {
        Ok(one::<domain::TrainingSession>(
            ctx,
            self.0.training_session_id.as_ref().map(|i| i.as_str()),
        )
        .await?
        .map(TrainingSessionNode))
    }
}
