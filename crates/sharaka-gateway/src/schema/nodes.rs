//! The graph's node types: each wraps a domain record and resolves its relations through the
//! batching loader. Split by area; this module declares the wrappers and their connections.

use sharaka_domain as domain;

use super::connection::connection;

mod agreement;
mod audit;
mod organisation;
mod project;
mod result;
mod training;

macro_rules! node {
    ($name:ident, $domain:ty) => {
        #[doc = concat!("GraphQL wrapper of [`", stringify!($domain), "`].")]
        #[derive(Clone)]
        pub struct $name(pub $domain);
    };
}

node!(OrganisationNode, domain::Organisation);
node!(RegionNode, domain::Region);
node!(SiteNode, domain::Site);
node!(PartnershipNode, domain::Partnership);
node!(AgreementNode, domain::Agreement);
node!(AgreementPartyNode, domain::AgreementParty);
node!(CommitmentNode, domain::Commitment);
node!(ProjectNode, domain::Project);
node!(ParticipantNode, domain::ProjectParticipant);
node!(SectorNode, domain::ProjectSector);
node!(ContributionNode, domain::Contribution);
node!(TrainingSessionNode, domain::TrainingSession);
node!(TallyNode, domain::Tally);
node!(ExchangeVisitNode, domain::ExchangeVisit);
node!(DelegationTallyNode, domain::DelegationTally);
node!(ProjectResultNode, domain::ProjectResult);
node!(IndicatorNode, domain::Indicator);
node!(IndicatorPeriodNode, domain::IndicatorPeriod);
node!(DisaggregationNode, domain::Disaggregation);
node!(AuditEventNode, sharaka_persistence::audit::AuditEvent);

connection!(
    OrganisationConnection,
    OrganisationEdge,
    OrganisationNode,
    "organisations"
);
connection!(RegionConnection, RegionEdge, RegionNode, "regions");
connection!(SiteConnection, SiteEdge, SiteNode, "sites");
connection!(
    PartnershipConnection,
    PartnershipEdge,
    PartnershipNode,
    "partnerships"
);
connection!(
    AgreementConnection,
    AgreementEdge,
    AgreementNode,
    "agreements"
);
connection!(
    AgreementPartyConnection,
    AgreementPartyEdge,
    AgreementPartyNode,
    "agreement parties"
);
connection!(
    CommitmentConnection,
    CommitmentEdge,
    CommitmentNode,
    "commitments"
);
connection!(ProjectConnection, ProjectEdge, ProjectNode, "projects");
connection!(
    ParticipantConnection,
    ParticipantEdge,
    ParticipantNode,
    "project participations"
);
connection!(
    ContributionConnection,
    ContributionEdge,
    ContributionNode,
    "contributions"
);
connection!(
    TrainingSessionConnection,
    TrainingSessionEdge,
    TrainingSessionNode,
    "training sessions"
);
connection!(
    ExchangeVisitConnection,
    ExchangeVisitEdge,
    ExchangeVisitNode,
    "exchange visits"
);
connection!(
    ProjectResultConnection,
    ProjectResultEdge,
    ProjectResultNode,
    "project results"
);
connection!(
    IndicatorConnection,
    IndicatorEdge,
    IndicatorNode,
    "indicators"
);
connection!(
    IndicatorPeriodConnection,
    IndicatorPeriodEdge,
    IndicatorPeriodNode,
    "indicator periods"
);
connection!(
    AuditEventConnection,
    AuditEventEdge,
    AuditEventNode,
    "audit events"
);

/// Any record that can be fetched by its global ID.
#[derive(async_graphql::Interface, Clone)]
#[graphql(field(
    name = "id",
    ty = "async_graphql::ID",
    desc = "The record's opaque global ID."
))]
pub enum Node {
    /// An organisation.
    Organisation(OrganisationNode),
    /// A region.
    Region(RegionNode),
    /// A site.
    Site(SiteNode),
    /// A partnership.
    Partnership(PartnershipNode),
    /// An agreement.
    Agreement(AgreementNode),
    /// A party to an agreement.
    AgreementParty(AgreementPartyNode),
    /// A commitment.
    Commitment(CommitmentNode),
    /// A project.
    Project(ProjectNode),
    /// A contribution.
    Contribution(ContributionNode),
    /// A training session.
    TrainingSession(TrainingSessionNode),
    /// An exchange visit.
    ExchangeVisit(ExchangeVisitNode),
    /// A result of a project.
    ProjectResult(ProjectResultNode),
    /// An indicator of a result.
    Indicator(IndicatorNode),
    /// A reporting period of an indicator.
    IndicatorPeriod(IndicatorPeriodNode),
}
