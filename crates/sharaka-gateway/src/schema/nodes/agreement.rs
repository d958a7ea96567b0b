//! Partnerships, agreements, their parties and commitments.

use async_graphql::{Context, ID, Object, Result};
use sharaka_domain as domain;
use sharaka_persistence::relations as rel;

use super::*;
use crate::schema::ids;
use crate::schema::resolve::{children, one, required};
use crate::schema::scalars::*;

/// The ongoing relationship between the home organisation and a partner.
#[Object(name = "Partnership")]
impl PartnershipNode {
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
        ids::encode("Partnership", self.0.id.as_str())
    }
    /// The stable local identifier.
    async fn local_id(&self) -> &str {
        self.0.id.as_str()
    }
    /// National or international.
    async fn scope(&self) -> PartnershipScope {
        self.0.scope.into()
    }
    /// The scope's label.
    async fn scope_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.scope, lang)
    }
    /// Direct national, bilateral or multilateral.
    async fn modality(&self) -> PartnershipModality {
        self.0.modality.into()
    }
    /// The modality's label.
    async fn modality_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.modality, lang)
    }
    /// Themes of the work.
    async fn themes(&self) -> Vec<Theme> {
        self.0.themes.iter().map(|t| (*t).into()).collect()
    }
    /// Since when the partnership exists.
    async fn since(&self) -> Option<PartialDate> {
        self.0.since.map(PartialDate)
    }
    /// Active, dormant or ended.
    async fn status(&self) -> PartnershipStatus {
        self.0.status.into()
    }
    /// The status's label.
    async fn status_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.status, lang)
    }
    /// True for a strategic partnership (the Mohammed VI Foundation).
    async fn is_strategic(&self) -> bool {
        self.0.is_strategic
    }
    /// The home organisation.
    async fn home(&self, ctx: &Context<'_>) -> Result<OrganisationNode> {
        Ok(OrganisationNode(
            required::<domain::Organisation>(ctx, self.0.home_org_id.as_str()).await?,
        ))
    }
    /// The partner.
    async fn partner(&self, ctx: &Context<'_>) -> Result<OrganisationNode> {
        Ok(OrganisationNode(
            required::<domain::Organisation>(ctx, self.0.partner_org_id.as_str()).await?,
        ))
    }
    /// Agreements governing this partnership.
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AgreementConnection> {
        Ok(AgreementConnection(
            children(
                ctx,
                rel::PARTNERSHIP_AGREEMENTS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(AgreementNode),
        ))
    }
}

/// A legal instrument between parties: its type, lifecycle status and dates.
#[Object(name = "Agreement")]
impl AgreementNode {
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
        ids::encode("Agreement", self.0.id.as_str())
    }
    /// The stable local identifier.
    async fn local_id(&self) -> &str {
        self.0.id.as_str()
    }
    /// The official reference number, when known.
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }
    /// The kind of instrument.
    async fn agreement_type(&self) -> AgreementType {
        self.0.agreement_type.into()
    }
    /// The type's label.
    async fn agreement_type_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.agreement_type, lang)
    }
    /// Where the agreement is in its lifecycle.
    async fn status(&self) -> AgreementStatus {
        self.0.status.into()
    }
    /// The status's label.
    async fn status_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.status, lang)
    }
    /// The title.
    async fn title(&self) -> LocalizedText {
        LocalizedText(self.0.title.clone())
    }
    /// The objectives.
    async fn objectives(&self) -> LocalizedText {
        LocalizedText(self.0.objectives.clone())
    }
    /// Themes.
    async fn themes(&self) -> Vec<Theme> {
        self.0.themes.iter().map(|t| (*t).into()).collect()
    }
    /// When the first draft was written.
    async fn drafted_on(&self) -> Option<PartialDate> {
        self.0.dates.drafted_on.map(PartialDate)
    }
    /// When the text was agreed.
    async fn agreed_on(&self) -> Option<PartialDate> {
        self.0.dates.agreed_on.map(PartialDate)
    }
    /// When the last party signed.
    async fn signed_on(&self) -> Option<PartialDate> {
        self.0.dates.signed_on.map(PartialDate)
    }
    /// When it enters into force.
    async fn effective_from(&self) -> Option<PartialDate> {
        self.0.dates.effective_from.map(PartialDate)
    }
    /// When it ends, unless renewed.
    async fn effective_to(&self) -> Option<PartialDate> {
        self.0.dates.effective_to.map(PartialDate)
    }
    /// When it was terminated.
    async fn terminated_on(&self) -> Option<PartialDate> {
        self.0.dates.terminated_on.map(PartialDate)
    }
    /// True for illustrative demo data.
    async fn demo(&self) -> bool {
        self.0.meta.demo
    }
    /// The framework agreement this implements, or the agreement this amends.
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<AgreementNode>> {
        Ok(
            one::<domain::Agreement>(ctx, self.0.parent_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(AgreementNode),
        )
    }
    /// The agreement this one replaces.
    async fn supersedes(&self, ctx: &Context<'_>) -> Result<Option<AgreementNode>> {
        Ok(
            one::<domain::Agreement>(ctx, self.0.supersedes_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(AgreementNode),
        )
    }
    /// Implementing agreements and amendments under this one.
    async fn children(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AgreementConnection> {
        Ok(AgreementConnection(
            children(
                ctx,
                rel::AGREEMENT_CHILDREN,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(AgreementNode),
        ))
    }
    /// The partnerships this agreement belongs to.
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PartnershipConnection> {
        Ok(PartnershipConnection(
            children(
                ctx,
                rel::AGREEMENT_PARTNERSHIPS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(PartnershipNode),
        ))
    }
    /// The parties, with their roles and signatures.
    async fn parties(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AgreementPartyConnection> {
        Ok(AgreementPartyConnection(
            children(
                ctx,
                rel::AGREEMENT_PARTIES,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(AgreementPartyNode),
        ))
    }
    /// What each party owes.
    async fn commitments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CommitmentConnection> {
        Ok(CommitmentConnection(
            children(
                ctx,
                rel::AGREEMENT_COMMITMENTS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(CommitmentNode),
        ))
    }
    /// Projects implementing this agreement.
    async fn projects(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProjectConnection> {
        Ok(ProjectConnection(
            children(
                ctx,
                rel::AGREEMENT_PROJECTS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(ProjectNode),
        ))
    }
    /// Training sessions under this agreement.
    async fn training_sessions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TrainingSessionConnection> {
        Ok(TrainingSessionConnection(
            children(
                ctx,
                rel::AGREEMENT_SESSIONS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(TrainingSessionNode),
        ))
    }
    /// Contributions under this agreement.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ContributionConnection> {
        Ok(ContributionConnection(
            children(
                ctx,
                rel::AGREEMENT_CONTRIBUTIONS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(ContributionNode),
        ))
    }
    /// Exchange visits under this agreement.
    async fn exchange_visits(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExchangeVisitConnection> {
        Ok(ExchangeVisitConnection(
            children(ctx, rel::AGREEMENT_VISITS, self.0.id.as_str(), first, after)
                .await?
                .map(ExchangeVisitNode),
        ))
    }
}

/// An organisation's place in an agreement.
#[Object(name = "AgreementParty")]
impl AgreementPartyNode {
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
        ids::encode("AgreementParty", self.0.id.as_str())
    }
    /// The party's role.
    async fn role(&self) -> AgreementPartyRole {
        self.0.role.into()
    }
    /// The role's label.
    async fn role_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.role, lang)
    }
    /// When this party signed.
    async fn signed_on(&self) -> Option<PartialDate> {
        self.0.signed_on.map(PartialDate)
    }
    /// The organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<OrganisationNode> {
        Ok(OrganisationNode(
            required::<domain::Organisation>(ctx, self.0.organisation_id.as_str()).await?,
        ))
    }
    /// The agreement.
    async fn agreement(&self, ctx: &Context<'_>) -> Result<AgreementNode> {
        Ok(AgreementNode(
            required::<domain::Agreement>(ctx, self.0.agreement_id.as_str()).await?,
        ))
    }
}

/// What one party owes under an agreement.
#[Object(name = "Commitment")]
impl CommitmentNode {
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
        ids::encode("Commitment", self.0.id.as_str())
    }
    /// What is promised.
    async fn kind(&self) -> CommitmentKind {
        self.0.kind.into()
    }
    /// The kind's label.
    async fn kind_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.kind, lang)
    }
    /// The description.
    async fn description(&self) -> LocalizedText {
        LocalizedText(self.0.description.clone())
    }
    /// When it is due.
    async fn due_on(&self) -> Option<PartialDate> {
        self.0.due_on.map(PartialDate)
    }
    /// How far it is honoured.
    async fn status(&self) -> CommitmentStatus {
        self.0.status.into()
    }
    /// The status's label.
    async fn status_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.status, lang)
    }
    /// Due date passed (the whole period it denotes) and not settled; computed, never stored.
    async fn overdue(&self) -> bool {
        self.0.is_overdue(chrono::Utc::now().date_naive())
    }
    /// True for an illustrative commitment (the source names only the agreement's purpose).
    async fn illustrative(&self) -> bool {
        self.0.illustrative
    }
    /// The party that owes it.
    async fn party(&self, ctx: &Context<'_>) -> Result<OrganisationNode> {
        Ok(OrganisationNode(
            required::<domain::Organisation>(ctx, self.0.party_org_id.as_str()).await?,
        ))
    }
    /// The agreement.
    async fn agreement(&self, ctx: &Context<'_>) -> Result<AgreementNode> {
        Ok(AgreementNode(
            required::<domain::Agreement>(ctx, self.0.agreement_id.as_str()).await?,
        ))
    }
}
