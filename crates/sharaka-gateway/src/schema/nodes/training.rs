//! Training sessions with their tallies, and exchange visits.

use async_graphql::{Context, ID, Object, Result, Value};
use sharaka_domain as domain;
use sharaka_persistence::relations as rel;

use super::*;
use crate::schema::ids;
use crate::schema::resolve::{all_children, children, one};
use crate::schema::rows::{Row, Rows, Selection, leaf};
use crate::schema::scalars::*;

/// A training session: who organised and delivered it, for whom, and how many took part.
#[Object(name = "TrainingSession")]
impl TrainingSessionNode {
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
        ids::encode("TrainingSession", self.0.id.as_str())
    }
    /// The stable local identifier.
    async fn local_id(&self) -> &str {
        self.0.id.as_str()
    }
    /// The title.
    async fn title(&self) -> LocalizedText {
        LocalizedText(self.0.title.clone())
    }
    /// Who the session is for.
    async fn audience(&self) -> TrainingAudience {
        self.0.audience.into()
    }
    /// The audience's label.
    async fn audience_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.audience, lang)
    }
    /// The staff category, for staff training.
    async fn staff_category(&self) -> Option<StaffCategory> {
        self.0.staff_category.map(Into::into)
    }
    /// Topics.
    async fn topics(&self) -> Vec<TrainingTopic> {
        self.0.topics.iter().map(|t| (*t).into()).collect()
    }
    /// Topic labels, in the order of `topics`.
    async fn topic_labels(&self, ctx: &Context<'_>, lang: Option<Lang>) -> Vec<&'static str> {
        self.0.topics.iter().map(|t| label(ctx, *t, lang)).collect()
    }
    /// In person, remote or blended.
    async fn delivery_mode(&self) -> Option<DeliveryMode> {
        self.0.delivery_mode.map(Into::into)
    }
    /// The country of a venue abroad.
    async fn venue_country(&self) -> Option<&str> {
        self.0
            .venue_country
            .as_ref()
            .map(domain::CountryCode::as_str)
    }
    /// The city of a venue abroad.
    async fn venue_city(&self) -> Option<&str> {
        self.0.venue_city.as_deref()
    }
    /// First day.
    async fn start_date(&self) -> Option<PartialDate> {
        self.0.start_date.map(PartialDate)
    }
    /// Last day.
    async fn end_date(&self) -> Option<PartialDate> {
        self.0.end_date.map(PartialDate)
    }
    /// Contact hours per participant.
    async fn contact_hours(&self) -> Option<f64> {
        self.0.contact_hours
    }
    /// Where the session is in its lifecycle.
    async fn status(&self) -> TrainingStatus {
        self.0.status.into()
    }
    /// The status's label.
    async fn status_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.status, lang)
    }
    /// The series this session belongs to (e.g. the Belgian cycles).
    async fn series_id(&self) -> Option<&str> {
        self.0.series_id.as_deref()
    }
    /// The session's number in its series.
    async fn cycle_number(&self) -> Option<i32> {
        self.0.cycle_number
    }
    /// Counts by sex and age band: enrolled, attended, completed. Numbers only, never people.
    async fn tallies(&self, ctx: &Context<'_>) -> Result<Rows<TallyNode>> {
        Ok(Rows(
            session_tallies(ctx, &self.0)
                .await?
                .into_owned()
                .into_iter()
                .map(TallyNode)
                .collect(),
        ))
    }
    /// Participants: the sum of attendance over the tallies.
    async fn participants(&self, ctx: &Context<'_>) -> Result<i64> {
        let tallies = session_tallies(ctx, &self.0).await?;
        Ok(domain::TrainingTotals::from_tallies(&tallies, self.0.contact_hours).participants)
    }
    /// Participant-hours: participants × contact hours (null while the hours are unknown).
    async fn participant_hours(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        let tallies = session_tallies(ctx, &self.0).await?;
        Ok(domain::TrainingTotals::from_tallies(&tallies, self.0.contact_hours).participant_hours)
    }
    /// The project the session belongs to.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<ProjectNode>> {
        Ok(
            one::<domain::Project>(ctx, self.0.project_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(ProjectNode),
        )
    }
    /// The agreement the session falls under.
    async fn agreement(&self, ctx: &Context<'_>) -> Result<Option<AgreementNode>> {
        Ok(
            one::<domain::Agreement>(ctx, self.0.agreement_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(AgreementNode),
        )
    }
    /// The organiser.
    async fn organiser(&self, ctx: &Context<'_>) -> Result<Option<OrganisationNode>> {
        Ok(
            one::<domain::Organisation>(ctx, self.0.organiser_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(OrganisationNode),
        )
    }
    /// The venue, when it is a known site.
    async fn venue(&self, ctx: &Context<'_>) -> Result<Option<SiteNode>> {
        Ok(
            one::<domain::Site>(ctx, self.0.venue_site_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(SiteNode),
        )
    }
    /// Organisations whose trainers deliver the session.
    async fn providers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<OrganisationConnection> {
        Ok(OrganisationConnection(
            children(
                ctx,
                rel::SESSION_PROVIDERS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(OrganisationNode),
        ))
    }
    /// Contributions supporting the session.
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ContributionConnection> {
        Ok(ContributionConnection(
            children(
                ctx,
                rel::SESSION_CONTRIBUTIONS,
                self.0.id.as_str(),
                first,
                after,
            )
            .await?
            .map(ContributionNode),
        ))
    }
}

/// A session's tallies: those read with it (`training_sessions.tallies`, kept by triggers)
/// when its page read them, else loaded with the other sessions' of the request.
async fn session_tallies<'a>(
    ctx: &Context<'_>,
    session: &'a domain::TrainingSession,
) -> Result<std::borrow::Cow<'a, [domain::Tally]>> {
    Ok(match &session.tallies {
        Some(tallies) => std::borrow::Cow::Borrowed(tallies.as_slice()),
        None => std::borrow::Cow::Owned(
            all_children::<domain::Tally>(ctx, rel::SESSION_TALLIES, session.id.as_str()).await?,
        ),
    })
}

/// Aggregate counts of one group of participants.
#[Object(name = "TrainingTally")]
impl TallyNode {
    /// The group's sex.
    async fn sex(&self) -> Sex {
        self.0.sex.into()
    }
    /// The group's age band, when recorded.
    async fn age_band(&self) -> Option<AgeBand> {
        self.0.age_band.map(Into::into)
    }
    /// How many enrolled.
    async fn enrolled(&self) -> i32 {
        self.0.enrolled
    }
    /// How many attended.
    async fn attended(&self) -> i32 {
        self.0.attended
    }
    /// How many completed.
    async fn completed(&self) -> i32 {
        self.0.completed
    }
}

/// Tallies are the dashboard's most numerous objects (three per session): resolved in one
/// pass as [`Rows`].
impl Row for TallyNode {
    fn value(&self, name: &str, _: &Selection<'_>) -> Value {
        match name {
            "sex" => leaf(&Sex::from(self.0.sex)),
            "ageBand" => leaf(&self.0.age_band.map(AgeBand::from)),
            "enrolled" => leaf(&self.0.enrolled),
            "attended" => leaf(&self.0.attended),
            "completed" => leaf(&self.0.completed),
            _ => Value::Null,
        }
    }

    // Written without building values: a dashboard writes a thousand tallies and more.
    fn write(
        &self,
        out: &mut String,
        name: &str,
        selection: &Selection<'_>,
    ) -> serde_json::Result<()> {
        match name {
            "sex" => crate::json::string(out, enum_name(Sex::from(self.0.sex))),
            "enrolled" => crate::json::int(out, self.0.enrolled),
            "attended" => crate::json::int(out, self.0.attended),
            "completed" => crate::json::int(out, self.0.completed),
            _ => return crate::json::value(out, &self.value(name, selection)),
        }
        Ok(())
    }
}

/// A visiting delegation's size for one sex.
#[Object(name = "DelegationTally")]
impl DelegationTallyNode {
    /// The sex.
    async fn sex(&self) -> Sex {
        self.0.sex.into()
    }
    /// How many delegates.
    async fn count(&self) -> i32 {
        self.0.count
    }
}

/// A study visit or expert mission between administrations.
#[Object(name = "ExchangeVisit")]
impl ExchangeVisitNode {
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
        ids::encode("ExchangeVisit", self.0.id.as_str())
    }
    /// The stable local identifier.
    async fn local_id(&self) -> &str {
        self.0.id.as_str()
    }
    /// The title.
    async fn title(&self) -> LocalizedText {
        LocalizedText(self.0.title.clone())
    }
    /// Inbound to Morocco or outbound.
    async fn direction(&self) -> VisitDirection {
        self.0.direction.into()
    }
    /// The direction's label.
    async fn direction_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.direction, lang)
    }
    /// The kind of visit.
    async fn visit_type(&self) -> VisitType {
        self.0.visit_type.into()
    }
    /// The visit type's label.
    async fn visit_type_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.visit_type, lang)
    }
    /// The country visited (ISO 3166-1).
    async fn country_code(&self) -> Option<&str> {
        self.0
            .country_code
            .as_ref()
            .map(domain::CountryCode::as_str)
    }
    /// First day.
    async fn start_date(&self) -> Option<PartialDate> {
        self.0.start_date.map(PartialDate)
    }
    /// Last day.
    async fn end_date(&self) -> Option<PartialDate> {
        self.0.end_date.map(PartialDate)
    }
    /// Topics.
    async fn topics(&self) -> Vec<TrainingTopic> {
        self.0.topics.iter().map(|t| (*t).into()).collect()
    }
    /// Where the visit is in its lifecycle.
    async fn status(&self) -> VisitStatus {
        self.0.status.into()
    }
    /// The status's label.
    async fn status_label(&self, ctx: &Context<'_>, lang: Option<Lang>) -> &'static str {
        label(ctx, self.0.status, lang)
    }
    /// The hosting organisation.
    async fn host(&self, ctx: &Context<'_>) -> Result<Option<OrganisationNode>> {
        Ok(
            one::<domain::Organisation>(ctx, self.0.host_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(OrganisationNode),
        )
    }
    /// The visiting organisation.
    async fn visitor(&self, ctx: &Context<'_>) -> Result<Option<OrganisationNode>> {
        Ok(
            one::<domain::Organisation>(ctx, self.0.visitor_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(OrganisationNode),
        )
    }
    /// The project the visit belongs to.
    async fn project(&self, ctx: &Context<'_>) -> Result<Option<ProjectNode>> {
        Ok(
            one::<domain::Project>(ctx, self.0.project_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(ProjectNode),
        )
    }
    /// The agreement the visit falls under.
    async fn agreement(&self, ctx: &Context<'_>) -> Result<Option<AgreementNode>> {
        Ok(
            one::<domain::Agreement>(ctx, self.0.agreement_id.as_ref().map(|i| i.as_str()))
                .await?
                .map(AgreementNode),
        )
    }
    /// Sites visited.
    async fn sites_visited(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SiteConnection> {
        Ok(SiteConnection(
            children(ctx, rel::VISIT_SITES, self.0.id.as_str(), first, after)
                .await?
                .map(SiteNode),
        ))
    }
    /// The delegation's size by sex.
    async fn delegation(&self, ctx: &Context<'_>) -> Result<Vec<DelegationTallyNode>> {
        Ok(
            all_children::<domain::DelegationTally>(ctx, rel::VISIT_TALLIES, self.0.id.as_str())
                .await?
                .into_iter()
                .map(DelegationTallyNode)
                .collect(),
        )
    }
}
