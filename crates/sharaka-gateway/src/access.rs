//! Access control's one enforcement point in the gateway.
//!
//! Reads: every request gets a store scoped by [`PrincipalVisibility`], which turns the domain's
//! [`ReadScope`] into a filter on each table, so lists, counts, relations and `node(id)` apply the
//! same rule (a record outside one's scope does not exist: `NOT_FOUND` or absent).
//!
//! Writes: every audited change is checked with the domain's [`can_write`] against where the
//! record is — its regions and organisations, looked up in the request's transaction. An update
//! is checked before it is applied (may this principal touch the record as it is?) and every
//! created or changed record again when the request's mutations are done (may it leave the
//! record where it is now?), so that nested creates are judged on their final state. A refusal is
//! `FORBIDDEN` and rolls the whole request back.

use std::sync::{Arc, Mutex};

use sharaka_domain::{
    self as domain, AgreementStatus, Coded, OrganisationId, Principal, ReadScope, RecordKind,
    RegionId, WriteAction, WriteTarget, can_write, read_scope,
};
use sharaka_persistence::relations as rel;
use sharaka_persistence::{Filter, ListQuery, Op, PersistenceError, Store, Value, Visibility};

use crate::error::ApiError;

/// The record kind stored in `table`.
pub fn kind_of(table: &str) -> Option<RecordKind> {
    use RecordKind as K;
    Some(match table {
        "organisations" => K::Organisation,
        "regions" => K::Region,
        "sites" => K::Site,
        "partnerships" => K::Partnership,
        "agreements" | "agreement_partnerships" => K::Agreement,
        "agreement_parties" => K::AgreementParty,
        "commitments" => K::Commitment,
        "projects" | "project_sites" | "project_regions" | "project_agreements" => K::Project,
        "project_participants" | "project_sectors" => K::ProjectDetail,
        "project_results"
        | "result_indicators"
        | "indicator_periods"
        | "indicator_period_values" => K::ProjectResult,
        "contributions" => K::Contribution,
        "training_sessions" | "training_providers" => K::TrainingSession,
        "training_tallies" => K::TrainingTally,
        "exchange_visits" | "exchange_visit_sites" => K::ExchangeVisit,
        "exchange_visit_tallies" => K::DelegationTally,
        "audit_events" => K::AuditEvent,
        "api_tokens" => K::ApiToken,
        _ => return None,
    })
}

fn text(value: &str) -> Value {
    Value::Text(value.to_owned())
}

fn none() -> Filter {
    Filter::Any(Vec::new())
}

fn published_agreements() -> Filter {
    let published = [AgreementStatus::Active, AgreementStatus::Completed]
        .iter()
        .map(|s| text(s.code()))
        .collect();
    Filter::In {
        field: "status",
        values: published,
    }
}

/// `field IN (SELECT select FROM table WHERE filter)`.
fn sub(field: &'static str, table: &'static str, select: &'static str, filter: Filter) -> Filter {
    Filter::Subquery {
        field,
        table,
        select,
        filter: Box::new(filter),
    }
}

fn eq(field: &'static str, value: &str) -> Filter {
    Filter::Compare {
        field,
        op: Op::Eq,
        value: text(value),
    }
}

/// The rows of `table` an organisation's partner may read.
fn own(table: &'static str, org: &OrganisationId) -> Filter {
    let org = org.as_str();
    let agreements = || {
        sub(
            "id",
            "agreement_parties",
            "agreement_id",
            eq("organisation_id", org),
        )
    };
    let projects = || {
        sub(
            "id",
            "project_participants",
            "project_id",
            eq("organisation_id", org),
        )
    };
    let sessions = || {
        Filter::Any(vec![
            eq("organiser_org_id", org),
            sub(
                "id",
                "training_providers",
                "training_session_id",
                eq("organisation_id", org),
            ),
        ])
    };
    let visits = || Filter::Any(vec![eq("host_org_id", org), eq("visitor_org_id", org)]);
    match table {
        "partnerships" => eq("partner_org_id", org),
        "agreements" => agreements(),
        "agreement_parties" | "commitments" => {
            sub("agreement_id", "agreements", "id", agreements())
        }
        "projects" => projects(),
        "project_participants"
        | "project_sectors"
        | "project_results"
        | "result_indicators"
        | "indicator_periods"
        | "indicator_period_values" => sub("project_id", "projects", "id", projects()),
        "contributions" => eq("contributor_org_id", org),
        "training_sessions" => sessions(),
        "training_tallies" => sub("training_session_id", "training_sessions", "id", sessions()),
        "exchange_visits" => visits(),
        "exchange_visit_tallies" => sub("exchange_visit_id", "exchange_visits", "id", visits()),
        _ => none(),
    }
}

/// The rows of `table` the public may read: published agreements and what hangs off them.
fn published(table: &'static str) -> Filter {
    let projects = || {
        sub(
            "id",
            "project_agreements",
            "project_id",
            sub("agreement_id", "agreements", "id", published_agreements()),
        )
    };
    match table {
        "agreements" => published_agreements(),
        "agreement_parties" => sub("agreement_id", "agreements", "id", published_agreements()),
        "projects" => projects(),
        "project_participants"
        | "project_sectors"
        | "project_results"
        | "result_indicators"
        | "indicator_periods"
        | "indicator_period_values" => sub("project_id", "projects", "id", projects()),
        _ => none(),
    }
}

/// The store's visibility for one principal.
#[derive(Debug)]
pub struct PrincipalVisibility(pub Principal);

impl Visibility for PrincipalVisibility {
    fn filter(&self, table: &'static str) -> Option<Filter> {
        let Some(kind) = kind_of(table) else {
            return Some(none());
        };
        match read_scope(&self.0, kind) {
            ReadScope::All => None,
            ReadScope::Nothing => Some(none()),
            ReadScope::Published => Some(published(table)),
            ReadScope::Organisation(org) => Some(own(table, &org)),
        }
    }
}

/// What a mutation touched, to check once the request's mutations are done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touched {
    /// The change.
    pub action: WriteAction,
    /// The kind of record.
    pub kind: RecordKind,
    /// Its local id.
    pub id: String,
}

/// The records a request changed.
#[derive(Debug, Clone, Default)]
pub struct TouchLog(pub Arc<Mutex<Vec<Touched>>>);

impl TouchLog {
    /// Notes a change.
    pub fn push(&self, touched: Touched) {
        if let Ok(mut log) = self.0.lock() {
            log.push(touched);
        }
    }

    /// Everything noted.
    pub fn take(&self) -> Vec<Touched> {
        self.0
            .lock()
            .map(|mut log| std::mem::take(&mut *log))
            .unwrap_or_default()
    }
}

/// The change an audited action name stands for (`createX`, `updateX`, `archive`, `restore`,
/// anything else is a lifecycle transition).
pub fn write_action(action: &str) -> WriteAction {
    if action.starts_with("create") {
        WriteAction::Create
    } else if action.starts_with("update") {
        WriteAction::Update
    } else if matches!(action, "archive" | "restore") {
        WriteAction::Archive
    } else if action.starts_with("delete") {
        WriteAction::Delete
    } else {
        WriteAction::Transition
    }
}

/// Where a record is: its regions and the organisations it belongs to, read without scope.
pub async fn target_of(
    store: &Store,
    kind: RecordKind,
    id: &str,
) -> Result<(Vec<RegionId>, Vec<OrganisationId>), PersistenceError> {
    let store = store.unscoped();
    let ids = [id.to_owned()];
    let everything = ListQuery::first(10_000);
    let site_regions = |sites: Vec<domain::Site>| {
        sites
            .into_iter()
            .filter_map(|s| s.region_id)
            .collect::<Vec<_>>()
    };
    Ok(match kind {
        RecordKind::Site => {
            let site = store.by_ids::<domain::Site>(&ids).await?.remove(id);
            (
                site.and_then(|s| s.region_id).into_iter().collect(),
                Vec::new(),
            )
        }
        RecordKind::TrainingSession | RecordKind::TrainingTally => {
            let Some(session) = store
                .by_ids::<domain::TrainingSession>(&ids)
                .await?
                .remove(id)
            else {
                return Ok((Vec::new(), Vec::new()));
            };
            let regions = match &session.venue_site_id {
                Some(site) => site_regions(
                    store
                        .by_ids::<domain::Site>(&[site.to_string()])
                        .await?
                        .into_values()
                        .collect(),
                ),
                None => Vec::new(),
            };
            // A partner records the progress of the sessions it provides (issue 4); organising
            // one lets it read the session, not change it.
            let orgs: Vec<OrganisationId> = store
                .children::<domain::Organisation>(&rel::SESSION_PROVIDERS, &ids, &everything)
                .await?
                .remove(id)
                .unwrap_or_default()
                .into_iter()
                .map(|o| o.id)
                .collect();
            (regions, orgs)
        }
        RecordKind::ExchangeVisit | RecordKind::DelegationTally => {
            let Some(visit) = store
                .by_ids::<domain::ExchangeVisit>(&ids)
                .await?
                .remove(id)
            else {
                return Ok((Vec::new(), Vec::new()));
            };
            let sites = store
                .children::<domain::Site>(&rel::VISIT_SITES, &ids, &everything)
                .await?
                .remove(id)
                .unwrap_or_default();
            (
                site_regions(sites),
                visit.host_id.into_iter().chain(visit.visitor_id).collect(),
            )
        }
        RecordKind::Project | RecordKind::ProjectDetail => {
            let mut regions: Vec<RegionId> = store
                .children::<domain::Region>(&rel::PROJECT_REGIONS, &ids, &everything)
                .await?
                .remove(id)
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.id)
                .collect();
            regions.extend(site_regions(
                store
                    .children::<domain::Site>(&rel::PROJECT_SITES, &ids, &everything)
                    .await?
                    .remove(id)
                    .unwrap_or_default(),
            ));
            regions.sort();
            regions.dedup();
            let orgs = store
                .children::<domain::ProjectParticipant>(
                    &rel::PROJECT_PARTICIPANTS,
                    &ids,
                    &everything,
                )
                .await?
                .remove(id)
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.organisation_id)
                .collect();
            (regions, orgs)
        }
        RecordKind::ProjectResult => {
            // Results, indicators and periods all carry their project's id; the record may be
            // any of them (the write names its table, not its kind).
            let project = match store
                .by_ids::<domain::ProjectResult>(&ids)
                .await?
                .remove(id)
            {
                Some(r) => Some(r.project_id),
                None => match store.by_ids::<domain::Indicator>(&ids).await?.remove(id) {
                    Some(i) => Some(i.project_id),
                    None => store
                        .by_ids::<domain::IndicatorPeriod>(&ids)
                        .await?
                        .remove(id)
                        .map(|p| p.project_id),
                },
            };
            let Some(project) = project else {
                return Ok((Vec::new(), Vec::new()));
            };
            let (regions, _) =
                Box::pin(target_of(&store, RecordKind::Project, project.as_str())).await?;
            // A partner records the results of the projects its organisation implements.
            let implementers = store
                .children::<domain::ProjectParticipant>(
                    &rel::PROJECT_PARTICIPANTS,
                    &[project.into_inner()],
                    &everything,
                )
                .await?
                .into_values()
                .flatten()
                .filter(|p| p.role == domain::OrganisationRole::Implementing)
                .map(|p| p.organisation_id)
                .collect();
            (regions, implementers)
        }
        RecordKind::Contribution => {
            let c = store.by_ids::<domain::Contribution>(&ids).await?.remove(id);
            (
                Vec::new(),
                c.map(|c| c.contributor_id).into_iter().collect(),
            )
        }
        RecordKind::Commitment => {
            let c = store.by_ids::<domain::Commitment>(&ids).await?.remove(id);
            (Vec::new(), c.map(|c| c.party_org_id).into_iter().collect())
        }
        RecordKind::AgreementParty => {
            let p = store
                .by_ids::<domain::AgreementParty>(&ids)
                .await?
                .remove(id);
            (
                Vec::new(),
                p.map(|p| p.organisation_id).into_iter().collect(),
            )
        }
        _ => (Vec::new(), Vec::new()),
    })
}

/// Checks that `principal` may apply `action` to the record as it is now in `store`.
pub async fn authorize(
    store: &Store,
    principal: &Principal,
    action: WriteAction,
    kind: RecordKind,
    id: &str,
) -> Result<(), ApiError> {
    let (regions, organisations) = target_of(store, kind, id).await?;
    can_write(
        principal,
        action,
        kind,
        WriteTarget {
            regions: &regions,
            organisations: &organisations,
        },
    )?;
    Ok(())
}
