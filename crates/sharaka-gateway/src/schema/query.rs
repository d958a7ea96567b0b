//! The root query: the graph's lists, each a filtered, ordered connection, and Relay's
//! `node` / `nodes`.

use async_graphql::{Context, ID, Object, Result};
use sharaka_domain as domain;
use sharaka_persistence::Filter;

use super::filters::*;
use super::ids;
use super::nodes::*;
use super::resolve::list;
use crate::error::{ApiError, GqlResultExt};

/// The read side of the partnership graph.
#[derive(Default)]
pub struct QueryRoot;

fn filter<F>(
    input: &Option<F>,
    convert: impl Fn(&F) -> Result<Filter, ApiError>,
) -> Result<Option<Filter>> {
    input.as_ref().map(convert).transpose().gql()
}

pub(crate) async fn node_by_id(ctx: &Context<'_>, id: &str) -> Result<Option<Node>> {
    let (kind, local) = ids::decode(id).gql()?;
    node_of(super::context::deps(ctx), &kind, &local)
        .await
        .gql()
}

/// The record of this kind and local id, as the principal of `deps` sees it (through its
/// loader); `None` when absent or out of reach.
pub(crate) async fn node_of(
    deps: &super::AppDeps,
    kind: &str,
    local: &str,
) -> Result<Option<Node>, ApiError> {
    async fn one<R: sharaka_persistence::Resource>(
        deps: &super::AppDeps,
        id: &str,
    ) -> Result<Option<R>, ApiError> {
        deps.loader
            .load_one(crate::loaders::IdKey::<R>::new(id))
            .await
            .map_err(ApiError::from)
    }
    Ok(match kind {
        "Organisation" => one::<domain::Organisation>(deps, local)
            .await?
            .map(|r| Node::Organisation(OrganisationNode(r))),
        "Region" => one::<domain::Region>(deps, local)
            .await?
            .map(|r| Node::Region(RegionNode(r))),
        "Site" => one::<domain::Site>(deps, local)
            .await?
            .map(|r| Node::Site(SiteNode(r))),
        "Partnership" => one::<domain::Partnership>(deps, local)
            .await?
            .map(|r| Node::Partnership(PartnershipNode(r))),
        "Agreement" => one::<domain::Agreement>(deps, local)
            .await?
            .map(|r| Node::Agreement(AgreementNode(r))),
        "AgreementParty" => one::<domain::AgreementParty>(deps, local)
            .await?
            .map(|r| Node::AgreementParty(AgreementPartyNode(r))),
        "Commitment" => one::<domain::Commitment>(deps, local)
            .await?
            .map(|r| Node::Commitment(CommitmentNode(r))),
        "Project" => one::<domain::Project>(deps, local)
            .await?
            .map(|r| Node::Project(ProjectNode(r))),
        "Contribution" => one::<domain::Contribution>(deps, local)
            .await?
            .map(|r| Node::Contribution(ContributionNode(r))),
        "TrainingSession" => one::<domain::TrainingSession>(deps, local)
            .await?
            .map(|r| Node::TrainingSession(TrainingSessionNode(r))),
        "ExchangeVisit" => one::<domain::ExchangeVisit>(deps, local)
            .await?
            .map(|r| Node::ExchangeVisit(ExchangeVisitNode(r))),
        "ProjectResult" => one::<domain::ProjectResult>(deps, local)
            .await?
            .map(|r| Node::ProjectResult(ProjectResultNode(r))),
        "Indicator" => one::<domain::Indicator>(deps, local)
            .await?
            .map(|r| Node::Indicator(IndicatorNode(r))),
        "IndicatorPeriod" => one::<domain::IndicatorPeriod>(deps, local)
            .await?
            .map(|r| Node::IndicatorPeriod(IndicatorPeriodNode(r))),
        other => {
            return Err(ApiError::bad_input(format!(
                "`{other}` is not a kind of node"
            )));
        }
    })
}

/// The read side of the partnership graph: lists of every kind of record, and Relay's
/// `node` / `nodes`.
#[Object(name = "Query")]
impl QueryRoot {
    /// Any record by its global ID; null when no such record exists.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        node_by_id(ctx, &id).await
    }

    /// Several records by global ID, in the order asked; null for each one that does not exist.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        if ids.len() > super::connection::MAX_PAGE as usize {
            return Err(ApiError::bad_input("at most 500 ids at once")).gql();
        }
        let mut out = Vec::with_capacity(ids.len());
        for id in &ids {
            out.push(node_by_id(ctx, id).await?);
        }
        Ok(out)
    }

    /// Searches organisations, partnerships, agreements, projects, sites, training sessions and
    /// exchange visits by name, title or acronym, in Arabic, French or English as people type
    /// them: without diacritics or accents, with variant letters, Arabic-Indic digits, and typos.
    /// Hits are ranked: exact matches first, then partial ones, then similar words. `types`
    /// limits the kinds of record; `lang` limits matching to text in that language (acronyms,
    /// references and cities always match). Only records the caller may read are returned.
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        types: Option<Vec<super::search::SearchType>>,
        lang: Option<super::scalars::Lang>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<super::search::SearchHitConnection> {
        // A search ranks up to thousands of candidates at once: a large answer's memory.
        large_answer(ctx).await;
        super::search::search(ctx, &query, types, lang, first, after).await
    }

    /// Dashboard figures, computed by the server within the reader's access scope.
    async fn stats(&self, ctx: &Context<'_>) -> super::stats::StatsQuery {
        large_answer(ctx).await;
        super::stats::StatsQuery
    }

    /// CSV and IATI exports of the lists, with their filters and access rules.
    async fn export(&self, ctx: &Context<'_>) -> super::export::ExportQuery {
        large_answer(ctx).await;
        super::export::ExportQuery
    }

    /// Organisations: DGAPR and its partners.
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganisationFilter>,
        order_by: Option<Vec<OrganisationOrder>>,
        #[graphql(default)] include_archived: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<OrganisationConnection> {
        let f = self::filter(&filter, OrganisationFilter::to_filter)?;
        let paged = list::<domain::Organisation>(
            ctx,
            f,
            OrganisationOrder::to_orders(&order_by),
            include_archived,
            first,
            after,
        )
        .await?;
        Ok(OrganisationConnection(paged.map(OrganisationNode)))
    }

    /// Partnerships between the home organisation and its partners.
    async fn partnerships(
        &self,
        ctx: &Context<'_>,
        filter: Option<PartnershipFilter>,
        order_by: Option<Vec<PartnershipOrder>>,
        #[graphql(default)] include_archived: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PartnershipConnection> {
        let f = self::filter(&filter, PartnershipFilter::to_filter)?;
        let paged = list::<domain::Partnership>(
            ctx,
            f,
            PartnershipOrder::to_orders(&order_by),
            include_archived,
            first,
            after,
        )
        .await?;
        Ok(PartnershipConnection(paged.map(PartnershipNode)))
    }

    /// Agreements: conventions, protocols, memoranda, amendments.
    async fn agreements(
        &self,
        ctx: &Context<'_>,
        filter: Option<AgreementFilter>,
        order_by: Option<Vec<AgreementOrder>>,
        #[graphql(default)] include_archived: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AgreementConnection> {
        let f = self::filter(&filter, AgreementFilter::to_filter)?;
        let paged = list::<domain::Agreement>(
            ctx,
            f,
            AgreementOrder::to_orders(&order_by),
            include_archived,
            first,
            after,
        )
        .await?;
        Ok(AgreementConnection(paged.map(AgreementNode)))
    }

    /// Projects (IATI activities).
    async fn projects(
        &self,
        ctx: &Context<'_>,
        filter: Option<ProjectFilter>,
        order_by: Option<Vec<ProjectOrder>>,
        #[graphql(default)] include_archived: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProjectConnection> {
        let f = self::filter(&filter, ProjectFilter::to_filter)?;
        let paged = list::<domain::Project>(
            ctx,
            f,
            ProjectOrder::to_orders(&order_by),
            include_archived,
            first,
            after,
        )
        .await?;
        Ok(ProjectConnection(paged.map(ProjectNode)))
    }

    /// Training sessions.
    async fn training_sessions(
        &self,
        ctx: &Context<'_>,
        filter: Option<TrainingSessionFilter>,
        order_by: Option<Vec<TrainingSessionOrder>>,
        #[graphql(default)] include_archived: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TrainingSessionConnection> {
        let f = self::filter(&filter, TrainingSessionFilter::to_filter)?;
        let paged = list::<domain::TrainingSession>(
            ctx,
            f,
            TrainingSessionOrder::to_orders(&order_by),
            include_archived,
            first,
            after,
        )
        .await?;
        Ok(TrainingSessionConnection(paged.map(TrainingSessionNode)))
    }

    /// Exchange visits: study visits and expert missions.
    async fn exchange_visits(
        &self,
        ctx: &Context<'_>,
        filter: Option<ExchangeVisitFilter>,
        order_by: Option<Vec<ExchangeVisitOrder>>,
        #[graphql(default)] include_archived: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExchangeVisitConnection> {
        let f = self::filter(&filter, ExchangeVisitFilter::to_filter)?;
        let paged = list::<domain::ExchangeVisit>(
            ctx,
            f,
            ExchangeVisitOrder::to_orders(&order_by),
            include_archived,
            first,
            after,
        )
        .await?;
        Ok(ExchangeVisitConnection(paged.map(ExchangeVisitNode)))
    }

    /// Morocco's twelve regions.
    async fn regions(
        &self,
        ctx: &Context<'_>,
        filter: Option<RegionFilter>,
        order_by: Option<Vec<RegionOrder>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<RegionConnection> {
        let f = self::filter(&filter, RegionFilter::to_filter)?;
        let paged = list::<domain::Region>(
            ctx,
            f,
            RegionOrder::to_orders(&order_by),
            false,
            first,
            after,
        )
        .await?;
        Ok(RegionConnection(paged.map(RegionNode)))
    }

    /// The audit trail: every change to every record, newest first.
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditEventFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<AuditEventConnection> {
        let f = self::filter(&filter, AuditEventFilter::to_filter)?;
        // Ids are time-ordered UUIDs, which break ties within the clock's resolution.
        let newest_first = vec![
            sharaka_persistence::Order {
                field: "occurred_at",
                direction: sharaka_persistence::Direction::Desc,
            },
            sharaka_persistence::Order {
                field: "id",
                direction: sharaka_persistence::Direction::Desc,
            },
        ];
        let paged = list::<sharaka_persistence::audit::AuditEvent>(
            ctx,
            f,
            newest_first,
            false,
            first,
            after,
        )
        .await?;
        Ok(AuditEventConnection(paged.map(AuditEventNode)))
    }

    /// Sites: headquarters, directorates, prisons, centres.
    async fn sites(
        &self,
        ctx: &Context<'_>,
        filter: Option<SiteFilter>,
        order_by: Option<Vec<SiteOrder>>,
        #[graphql(default)] include_archived: bool,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<SiteConnection> {
        let f = self::filter(&filter, SiteFilter::to_filter)?;
        let paged = list::<domain::Site>(
            ctx,
            f,
            SiteOrder::to_orders(&order_by),
            include_archived,
            first,
            after,
        )
        .await?;
        Ok(SiteConnection(paged.map(SiteNode)))
    }
}

/// Waits for the operation's large-answer turn (see [`crate::limits::turns`]); an operation run
/// outside `App` (the schema alone, in tests) has none to wait for.
async fn large_answer(ctx: &Context<'_>) {
    if let Some(turn) = ctx.data_opt::<crate::limits::turns::LargeAnswerTurn>() {
        turn.take().await;
    }
}
