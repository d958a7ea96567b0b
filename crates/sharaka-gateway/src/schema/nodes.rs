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

mod plain_fields {
    //! The plain fields of the node types most often listed in pages (see
    //! [`crate::schema::plain`]): each value is what the type's own resolver answers, which the
    //! test `read_model::pages_answer_as_single_lookups_do` checks field by field. The other
    //! node types answer every field through their resolvers.

    use async_graphql::Value;
    use sharaka_domain::{IatiCoded as _, RecordMeta};

    use super::*;
    use crate::schema::ids;
    use crate::schema::plain::Plain;
    use crate::schema::rows::{Selection, leaf};
    use crate::schema::scalars::*;

    /// The fields every record has: its global and local ids and its metadata.
    fn record(kind: &str, id: &str, meta: &RecordMeta, name: &str) -> Option<Value> {
        Some(match name {
            // What `ID::to_value` answers, without copying the encoded id again.
            "id" => Value::String(ids::encode(kind, id).0),
            "localId" => Value::String(id.to_owned()),
            "version" => leaf(&meta.version),
            "createdAt" => leaf(&meta.created_at),
            "updatedAt" => leaf(&meta.updated_at),
            "archivedAt" => leaf(&meta.archived_at),
            _ => return None,
        })
    }

    fn date(value: Option<sharaka_domain::PartialDate>) -> Value {
        leaf(&value.map(PartialDate))
    }

    impl Plain for OrganisationNode {
        fn plain(&self, name: &str) -> Option<Value> {
            let o = &self.0;
            Some(match name {
                "category" => leaf(&PartnerCategory::from(o.category)),
                "acronym" => leaf(&o.acronym),
                "isHome" => leaf(&o.is_home),
                "demo" => leaf(&o.meta.demo),
                _ => return record("Organisation", o.id.as_str(), &o.meta, name),
            })
        }

        fn text(&self, name: &str) -> Option<&domain::LocalizedText> {
            Some(match name {
                "name" => &self.0.name,
                "description" => &self.0.description,
                _ => return None,
            })
        }
    }

    impl Plain for PartnershipNode {
        fn plain(&self, name: &str) -> Option<Value> {
            let p = &self.0;
            Some(match name {
                "scope" => leaf(&PartnershipScope::from(p.scope)),
                "modality" => leaf(&PartnershipModality::from(p.modality)),
                "status" => leaf(&PartnershipStatus::from(p.status)),
                "since" => date(p.since),
                "isStrategic" => leaf(&p.is_strategic),
                _ => return record("Partnership", p.id.as_str(), &p.meta, name),
            })
        }
    }

    impl Plain for AgreementNode {
        fn plain(&self, name: &str) -> Option<Value> {
            let a = &self.0;
            Some(match name {
                "reference" => leaf(&a.reference),
                "agreementType" => leaf(&AgreementType::from(a.agreement_type)),
                "status" => leaf(&AgreementStatus::from(a.status)),
                "draftedOn" => date(a.dates.drafted_on),
                "agreedOn" => date(a.dates.agreed_on),
                "signedOn" => date(a.dates.signed_on),
                "effectiveFrom" => date(a.dates.effective_from),
                "effectiveTo" => date(a.dates.effective_to),
                "terminatedOn" => date(a.dates.terminated_on),
                "demo" => leaf(&a.meta.demo),
                _ => return record("Agreement", a.id.as_str(), &a.meta, name),
            })
        }

        fn text(&self, name: &str) -> Option<&domain::LocalizedText> {
            Some(match name {
                "title" => &self.0.title,
                "objectives" => &self.0.objectives,
                _ => return None,
            })
        }
    }

    impl Plain for AgreementPartyNode {
        fn plain(&self, name: &str) -> Option<Value> {
            let p = &self.0;
            Some(match name {
                "role" => leaf(&AgreementPartyRole::from(p.role)),
                "signedOn" => date(p.signed_on),
                // A party's local id is not a field of its own.
                "localId" => return None,
                _ => return record("AgreementParty", p.id.as_str(), &p.meta, name),
            })
        }
    }

    impl Plain for CommitmentNode {
        fn plain(&self, name: &str) -> Option<Value> {
            let c = &self.0;
            Some(match name {
                "kind" => leaf(&CommitmentKind::from(c.kind)),
                "status" => leaf(&CommitmentStatus::from(c.status)),
                "dueOn" => date(c.due_on),
                "illustrative" => leaf(&c.illustrative),
                "localId" => return None,
                _ => return record("Commitment", c.id.as_str(), &c.meta, name),
            })
        }

        fn text(&self, name: &str) -> Option<&domain::LocalizedText> {
            Some(match name {
                "description" => &self.0.description,
                _ => return None,
            })
        }
    }

    impl Plain for ProjectNode {
        fn plain(&self, name: &str) -> Option<Value> {
            let p = &self.0;
            Some(match name {
                "iatiIdentifier" => leaf(&p.iati_identifier),
                "status" => leaf(&ActivityStatus::from(p.status)),
                "statusCode" => leaf(&p.status.iati_code()),
                "plannedStart" => date(p.dates.planned_start),
                "actualStart" => date(p.dates.actual_start),
                "plannedEnd" => date(p.dates.planned_end),
                "actualEnd" => date(p.dates.actual_end),
                "demo" => leaf(&p.meta.demo),
                _ => return record("Project", p.id.as_str(), &p.meta, name),
            })
        }

        fn text(&self, name: &str) -> Option<&domain::LocalizedText> {
            Some(match name {
                "title" => &self.0.title,
                "description" => &self.0.description,
                _ => return None,
            })
        }
    }

    impl Plain for TrainingSessionNode {
        fn plain(&self, name: &str) -> Option<Value> {
            let s = &self.0;
            Some(match name {
                "audience" => leaf(&TrainingAudience::from(s.audience)),
                "staffCategory" => leaf(&s.staff_category.map(StaffCategory::from)),
                "deliveryMode" => leaf(&s.delivery_mode.map(DeliveryMode::from)),
                "venueCity" => leaf(&s.venue_city),
                "startDate" => date(s.start_date),
                "endDate" => date(s.end_date),
                "contactHours" => leaf(&s.contact_hours),
                "status" => leaf(&TrainingStatus::from(s.status)),
                "seriesId" => leaf(&s.series_id),
                "cycleNumber" => leaf(&s.cycle_number),
                "participants" | "participantHours" => {
                    let totals =
                        domain::TrainingTotals::from_tallies(s.tallies.as_ref()?, s.contact_hours);
                    if name == "participants" {
                        leaf(&totals.participants)
                    } else {
                        leaf(&totals.participant_hours)
                    }
                }
                _ => return record("TrainingSession", s.id.as_str(), &s.meta, name),
            })
        }

        const ROWS: &'static [&'static str] = &["tallies"];

        fn rows(&self, name: &str, selection: &Selection<'_>, raw: bool) -> Option<Value> {
            let tallies = match name {
                "tallies" => self.0.tallies.as_ref()?,
                _ => return None,
            };
            Some(selection.list(tallies.iter().map(|tally| TallyNode(tally.clone())), raw))
        }

        fn text(&self, name: &str) -> Option<&domain::LocalizedText> {
            Some(match name {
                "title" => &self.0.title,
                _ => return None,
            })
        }
    }

    impl Plain for RegionNode {
        fn text(&self, name: &str) -> Option<&domain::LocalizedText> {
            Some(match name {
                "name" => &self.0.name,
                "capital" => &self.0.capital,
                _ => return None,
            })
        }
    }
    impl Plain for SiteNode {
        fn text(&self, name: &str) -> Option<&domain::LocalizedText> {
            Some(match name {
                "name" => &self.0.name,
                _ => return None,
            })
        }
    }
    impl Plain for ParticipantNode {}
    impl Plain for ContributionNode {}
    impl Plain for ExchangeVisitNode {
        fn text(&self, name: &str) -> Option<&domain::LocalizedText> {
            Some(match name {
                "title" => &self.0.title,
                _ => return None,
            })
        }
    }
    impl Plain for ProjectResultNode {}
    impl Plain for IndicatorNode {}
    impl Plain for IndicatorPeriodNode {}
    impl Plain for AuditEventNode {}
}
