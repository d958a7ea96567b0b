//! Every navigable one-to-many and many-to-many edge of the graph, named once. The gateway's
//! loaders pass these to [`crate::Store::children`]; single-valued edges (a site's region, an
//! agreement's parent) are plain id lookups and need no entry here.

use crate::resource::{Relation, Via};

const fn column(name: &'static str, target: &'static str, column: &'static str) -> Relation {
    Relation {
        name,
        target,
        via: Via::Column(column),
        short: false,
    }
}

const fn link(
    name: &'static str,
    target: &'static str,
    table: &'static str,
    parent: &'static str,
    child: &'static str,
) -> Relation {
    Relation {
        name,
        target,
        via: Via::Link {
            table,
            parent,
            child,
        },
        short: false,
    }
}

/// `relation`, whose parents have only a few children each (see [`Relation::short`]).
const fn short(relation: Relation) -> Relation {
    Relation {
        short: true,
        ..relation
    }
}

/// Partnerships in which an organisation is the partner.
pub const ORGANISATION_PARTNERSHIPS: Relation = column(
    "organisation.partnerships",
    "partnerships",
    "partner_org_id",
);
/// Partnerships an organisation holds as the home organisation.
pub const ORGANISATION_HOME_PARTNERSHIPS: Relation = column(
    "organisation.homePartnerships",
    "partnerships",
    "home_org_id",
);
/// An organisation's places in agreements.
pub const ORGANISATION_AGREEMENT_PARTIES: Relation = column(
    "organisation.agreementParties",
    "agreement_parties",
    "organisation_id",
);
/// Agreements an organisation is a party to.
pub const ORGANISATION_AGREEMENTS: Relation = link(
    "organisation.agreements",
    "agreements",
    "agreement_parties",
    "organisation_id",
    "agreement_id",
);
/// Commitments an organisation owes.
pub const ORGANISATION_COMMITMENTS: Relation =
    column("organisation.commitments", "commitments", "party_org_id");
/// An organisation's participations in projects.
pub const ORGANISATION_PARTICIPATIONS: Relation = column(
    "organisation.participations",
    "project_participants",
    "organisation_id",
);
/// Projects an organisation takes part in (any role).
pub const ORGANISATION_PROJECTS: Relation = link(
    "organisation.projects",
    "projects",
    "project_participants",
    "organisation_id",
    "project_id",
);
/// Sites an organisation operates.
pub const ORGANISATION_SITES: Relation = column("organisation.sites", "sites", "operator_org_id");
/// Organisations whose parent is this one.
pub const ORGANISATION_CHILDREN: Relation =
    column("organisation.children", "organisations", "parent_id");
/// Training sessions an organisation organises.
pub const ORGANISATION_SESSIONS_ORGANISED: Relation = column(
    "organisation.trainingSessionsOrganised",
    "training_sessions",
    "organiser_org_id",
);
/// Training sessions an organisation's trainers deliver.
pub const ORGANISATION_SESSIONS_PROVIDED: Relation = link(
    "organisation.trainingSessionsProvided",
    "training_sessions",
    "training_providers",
    "organisation_id",
    "training_session_id",
);
/// Contributions an organisation makes.
pub const ORGANISATION_CONTRIBUTIONS: Relation = column(
    "organisation.contributions",
    "contributions",
    "contributor_org_id",
);
/// Exchange visits an organisation hosts.
pub const ORGANISATION_VISITS_HOSTED: Relation = column(
    "organisation.visitsHosted",
    "exchange_visits",
    "host_org_id",
);
/// Exchange visits an organisation makes.
pub const ORGANISATION_VISITS_MADE: Relation = column(
    "organisation.visitsMade",
    "exchange_visits",
    "visitor_org_id",
);

/// Sites in a region.
pub const REGION_SITES: Relation = column("region.sites", "sites", "region_id");
/// Projects working in a region.
pub const REGION_PROJECTS: Relation = link(
    "region.projects",
    "projects",
    "project_regions",
    "region_id",
    "project_id",
);

/// Sites attached to a site (facilities under a regional directorate).
pub const SITE_CHILDREN: Relation = column("site.children", "sites", "parent_site_id");
/// Projects at a site.
pub const SITE_PROJECTS: Relation = link(
    "site.projects",
    "projects",
    "project_sites",
    "site_id",
    "project_id",
);
/// Training sessions held at a site.
pub const SITE_SESSIONS: Relation = column(
    "site.trainingSessions",
    "training_sessions",
    "venue_site_id",
);
/// Exchange visits that visited a site.
pub const SITE_VISITS: Relation = link(
    "site.exchangeVisits",
    "exchange_visits",
    "exchange_visit_sites",
    "site_id",
    "exchange_visit_id",
);

/// Agreements governing a partnership.
pub const PARTNERSHIP_AGREEMENTS: Relation = link(
    "partnership.agreements",
    "agreements",
    "agreement_partnerships",
    "partnership_id",
    "agreement_id",
);

/// Partnerships an agreement belongs to.
pub const AGREEMENT_PARTNERSHIPS: Relation = link(
    "agreement.partnerships",
    "partnerships",
    "agreement_partnerships",
    "agreement_id",
    "partnership_id",
);
/// An agreement's parties.
pub const AGREEMENT_PARTIES: Relation =
    column("agreement.parties", "agreement_parties", "agreement_id");
/// An agreement's commitments.
pub const AGREEMENT_COMMITMENTS: Relation =
    column("agreement.commitments", "commitments", "agreement_id");
/// Projects implementing an agreement.
pub const AGREEMENT_PROJECTS: Relation = link(
    "agreement.projects",
    "projects",
    "project_agreements",
    "agreement_id",
    "project_id",
);
/// Training sessions under an agreement.
pub const AGREEMENT_SESSIONS: Relation = column(
    "agreement.trainingSessions",
    "training_sessions",
    "agreement_id",
);
/// Contributions under an agreement.
pub const AGREEMENT_CONTRIBUTIONS: Relation =
    column("agreement.contributions", "contributions", "agreement_id");
/// Agreements whose parent is this one (implementing agreements, amendments).
pub const AGREEMENT_CHILDREN: Relation =
    column("agreement.children", "agreements", "parent_agreement_id");
/// Exchange visits under an agreement.
pub const AGREEMENT_VISITS: Relation = column(
    "agreement.exchangeVisits",
    "exchange_visits",
    "agreement_id",
);

/// A project's participating organisations, with roles.
pub const PROJECT_PARTICIPANTS: Relation =
    column("project.participants", "project_participants", "project_id");
/// A project's sectors.
pub const PROJECT_SECTORS: Relation =
    short(column("project.sectors", "project_sectors", "project_id"));
/// Sites a project works at.
pub const PROJECT_SITES: Relation = link(
    "project.sites",
    "sites",
    "project_sites",
    "project_id",
    "site_id",
);
/// Regions a project works in.
pub const PROJECT_REGIONS: Relation = link(
    "project.regions",
    "regions",
    "project_regions",
    "project_id",
    "region_id",
);
/// Agreements a project implements.
pub const PROJECT_AGREEMENTS: Relation = link(
    "project.agreements",
    "agreements",
    "project_agreements",
    "project_id",
    "agreement_id",
);
/// A project's training sessions.
pub const PROJECT_SESSIONS: Relation = column(
    "project.trainingSessions",
    "training_sessions",
    "project_id",
);
/// Contributions to a project.
pub const PROJECT_CONTRIBUTIONS: Relation =
    column("project.contributions", "contributions", "project_id");
/// Exchange visits of a project.
pub const PROJECT_VISITS: Relation =
    column("project.exchangeVisits", "exchange_visits", "project_id");
/// Sub-projects.
pub const PROJECT_CHILDREN: Relation = column("project.children", "projects", "parent_project_id");
/// A project's results (issue 5).
pub const PROJECT_RESULTS: Relation = column("project.results", "project_results", "project_id");
/// A result's indicators.
pub const RESULT_INDICATORS: Relation =
    column("projectResult.indicators", "result_indicators", "result_id");
/// An indicator's periods.
pub const INDICATOR_PERIODS: Relation =
    column("indicator.periods", "indicator_periods", "indicator_id");
/// A period's disaggregated target and actual values.
pub const PERIOD_VALUES: Relation = short(column(
    "indicatorPeriod.values",
    "indicator_period_values",
    "period_id",
));

/// Organisations whose trainers deliver a session.
pub const SESSION_PROVIDERS: Relation = link(
    "trainingSession.providers",
    "organisations",
    "training_providers",
    "training_session_id",
    "organisation_id",
);
/// A session's tallies.
pub const SESSION_TALLIES: Relation = short(column(
    "trainingSession.tallies",
    "training_tallies",
    "training_session_id",
));
/// Contributions to a session.
pub const SESSION_CONTRIBUTIONS: Relation = column(
    "trainingSession.contributions",
    "contributions",
    "training_session_id",
);

/// Sites a visit went to.
pub const VISIT_SITES: Relation = link(
    "exchangeVisit.sites",
    "sites",
    "exchange_visit_sites",
    "exchange_visit_id",
    "site_id",
);
/// A visit's delegation tallies.
pub const VISIT_TALLIES: Relation = short(column(
    "exchangeVisit.delegation",
    "exchange_visit_tallies",
    "exchange_visit_id",
));

/// The audit events of a record (any kind), oldest first.
pub const RECORD_HISTORY: Relation = column("record.history", "audit_events", "record_id");
