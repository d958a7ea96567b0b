//! Live updates over GraphQL subscriptions (`graphql-transport-ws` on `/graphql`, see
//! [`crate::ws`]): changes to records, status transitions, and a signal that dashboard figures
//! changed. Events come from the outbox (see [`crate::live`]), so they are published only after
//! their transaction commits, by every process that shares the database.
//!
//! Each event is checked against the subscriber's access scope before it is sent: a record the
//! subscriber cannot read is never announced (its existence is not revealed). A deletion can no
//! longer be checked against the record, so it reaches only roles that read every record of
//! its kind.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, Enum, ErrorExtensions, ID, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use futures::Stream;
use sharaka_domain::access::{ReadScope, RecordKind, read_scope};
use sharaka_persistence::outbox::OutboxEvent;
use tokio::sync::broadcast;

use super::AppDeps;
use super::context::deps;
use super::ids;
use super::nodes::Node;
use super::query::node_of;
use crate::error::{ApiError, Code, GqlResultExt};

/// How long the dashboard signal waits for further changes before it is sent, so that one
/// request's many changes make one signal.
const STATS_SETTLE: Duration = Duration::from_millis(200);

/// A kind of record whose changes can be followed.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    /// Organisations.
    Organisation,
    /// Sites.
    Site,
    /// Partnerships.
    Partnership,
    /// Agreements.
    Agreement,
    /// Parties to agreements.
    AgreementParty,
    /// Commitments under agreements.
    Commitment,
    /// Projects.
    Project,
    /// Contributions.
    Contribution,
    /// Training sessions.
    TrainingSession,
    /// Exchange visits.
    ExchangeVisit,
    /// Projects' results (IATI).
    ProjectResult,
    /// Results' indicators.
    Indicator,
    /// Indicators' periods, with targets and actuals.
    IndicatorPeriod,
}

impl RecordType {
    const ALL: [RecordType; 13] = [
        RecordType::Organisation,
        RecordType::Site,
        RecordType::Partnership,
        RecordType::Agreement,
        RecordType::AgreementParty,
        RecordType::Commitment,
        RecordType::Project,
        RecordType::Contribution,
        RecordType::TrainingSession,
        RecordType::ExchangeVisit,
        RecordType::ProjectResult,
        RecordType::Indicator,
        RecordType::IndicatorPeriod,
    ];

    /// The kind's name in global IDs and the audit trail.
    fn entity(self) -> &'static str {
        match self {
            RecordType::Organisation => "Organisation",
            RecordType::Site => "Site",
            RecordType::Partnership => "Partnership",
            RecordType::Agreement => "Agreement",
            RecordType::AgreementParty => "AgreementParty",
            RecordType::Commitment => "Commitment",
            RecordType::Project => "Project",
            RecordType::Contribution => "Contribution",
            RecordType::TrainingSession => "TrainingSession",
            RecordType::ExchangeVisit => "ExchangeVisit",
            RecordType::ProjectResult => "ProjectResult",
            RecordType::Indicator => "Indicator",
            RecordType::IndicatorPeriod => "IndicatorPeriod",
        }
    }

    fn of_entity(entity: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.entity() == entity)
    }

    fn kind(self) -> RecordKind {
        match self {
            RecordType::Organisation => RecordKind::Organisation,
            RecordType::Site => RecordKind::Site,
            RecordType::Partnership => RecordKind::Partnership,
            RecordType::Agreement => RecordKind::Agreement,
            RecordType::AgreementParty => RecordKind::AgreementParty,
            RecordType::Commitment => RecordKind::Commitment,
            RecordType::Project => RecordKind::Project,
            RecordType::Contribution => RecordKind::Contribution,
            RecordType::TrainingSession => RecordKind::TrainingSession,
            RecordType::ExchangeVisit => RecordKind::ExchangeVisit,
            RecordType::ProjectResult | RecordType::Indicator | RecordType::IndicatorPeriod => {
                RecordKind::ProjectResult
            }
        }
    }
}

/// One committed change to a record.
pub struct RecordChange {
    event: Arc<OutboxEvent>,
    record_type: RecordType,
    node: Option<Node>,
}

/// One committed change to a record, as its subscriber may see it.
#[Object]
impl RecordChange {
    /// The change's position in the change feed: increasing in commit order, shared by every
    /// server process.
    async fn sequence(&self) -> String {
        self.event.id.to_string()
    }

    /// The kind of record that changed.
    #[graphql(name = "type")]
    async fn record_type(&self) -> RecordType {
        self.record_type
    }

    /// The record's global ID.
    async fn id(&self) -> ID {
        ids::encode(self.record_type.entity(), &self.event.record_id)
    }

    /// What was done: the mutation or transition (`createAgreement`, `sign`…), `archive`,
    /// `restore`, `delete`, or a time-driven transition.
    async fn action(&self) -> &str {
        &self.event.action
    }

    /// When the change was committed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.event.occurred_at
    }

    /// The record's status code before the change, when the change moved it.
    async fn from_status(&self) -> Option<&str> {
        self.event.from_status.as_deref()
    }

    /// The record's status code after the change, when the change moved it.
    async fn to_status(&self) -> Option<&str> {
        self.event.to_status.as_deref()
    }

    /// The record as it is now; null when it was deleted.
    async fn node(&self) -> Option<&Node> {
        self.node.as_ref()
    }
}

/// A signal that figures on dashboards (`stats`) may have changed: refetch them.
pub struct StatsChange {
    types: BTreeSet<RecordType>,
    at: DateTime<Utc>,
}

/// A signal that figures on dashboards (`stats`) may have changed: refetch them.
#[Object]
impl StatsChange {
    /// The kinds of record whose changes caused the signal.
    async fn changed_types(&self) -> Vec<RecordType> {
        self.types.iter().copied().collect()
    }

    /// When the latest of those changes was committed.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.at
    }
}

/// Live updates.
#[derive(Default)]
pub struct SubscriptionRoot;

/// Which events a subscription wants.
#[derive(Debug, Clone, Default)]
struct Wanted {
    types: Option<BTreeSet<RecordType>>,
    ids: Option<BTreeSet<(String, String)>>,
    transitions_only: bool,
}

impl Wanted {
    fn new(
        types: Option<Vec<RecordType>>,
        ids: Option<Vec<ID>>,
        transitions_only: bool,
    ) -> Result<Self, ApiError> {
        let ids = ids
            .map(|ids| {
                ids.iter()
                    .map(|id| ids::decode(id))
                    .collect::<Result<BTreeSet<_>, _>>()
            })
            .transpose()?;
        Ok(Self {
            types: types.map(|t| t.into_iter().collect()),
            ids,
            transitions_only,
        })
    }

    fn wants(&self, record_type: RecordType, event: &OutboxEvent) -> bool {
        if self.transitions_only && event.to_status.is_none() {
            return false;
        }
        if let Some(types) = &self.types
            && !types.contains(&record_type)
        {
            return false;
        }
        if let Some(ids) = &self.ids
            && !ids.contains(&(event.entity.clone(), event.record_id.clone()))
        {
            return false;
        }
        true
    }
}

/// A subscriber's error: it fell behind by `missed` events.
fn too_slow(missed: u64) -> async_graphql::Error {
    async_graphql::Error::new(format!(
        "this subscription fell {missed} events behind and was closed; subscribe again and \
         query what changed meanwhile"
    ))
    .extend_with(|_, e| e.set("code", Code::SubscriberTooSlow.as_str()))
}

/// A subscription's state between events.
struct Feed {
    deps: AppDeps,
    receiver: broadcast::Receiver<Arc<OutboxEvent>>,
    wanted: Wanted,
    _gauge: crate::metrics::GaugeGuard,
}

/// The change, if the subscriber wants it and may see it.
async fn visible(deps: &AppDeps, wanted: &Wanted, event: Arc<OutboxEvent>) -> Option<RecordChange> {
    let record_type = RecordType::of_entity(&event.entity)?;
    if !wanted.wants(record_type, &event) {
        return None;
    }
    match node_of(deps, &event.entity, &event.record_id).await {
        Ok(Some(node)) => Some(RecordChange {
            event,
            record_type,
            node: Some(node),
        }),
        // Gone: announced only to those who could read any record of its kind.
        Ok(None) if event.action == "delete" => (read_scope(&deps.principal, record_type.kind())
            == ReadScope::All)
            .then_some(RecordChange {
                event,
                record_type,
                node: None,
            }),
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(%error, "cannot check a live event against the subscriber's scope");
            None
        }
    }
}

impl Feed {
    async fn new(ctx: &Context<'_>, wanted: Wanted) -> Result<Self> {
        let deps = deps(ctx).clone();
        let receiver = deps.live.subscribe().await.map_err(ApiError::from).gql()?;
        Ok(Self {
            deps,
            receiver,
            wanted,
            _gauge: crate::metrics::GaugeGuard::new("sharaka_live_subscriptions"),
        })
    }

    /// The next change the subscriber wants and may see; `Err` when it fell behind, `None`
    /// when the hub closed.
    async fn next(&mut self) -> Option<Result<RecordChange>> {
        loop {
            match self.receiver.recv().await {
                Ok(event) => {
                    if let Some(change) = visible(&self.deps, &self.wanted, event).await {
                        return Some(Ok(change));
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    return Some(Err(too_slow(missed)));
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The changes as a stream that ends after an error.
    fn changes(self) -> impl Stream<Item = Result<RecordChange>> {
        futures::stream::unfold(Some(self), |feed| async move {
            let mut feed = feed?;
            match feed.next().await? {
                Ok(change) => Some((Ok(change), Some(feed))),
                Err(error) => Some((Err(error), None)),
            }
        })
    }

    /// Dashboard signals: one per burst of visible changes.
    fn signals(self) -> impl Stream<Item = Result<StatsChange>> {
        futures::stream::unfold(Some(self), |feed| async move {
            let mut feed = feed?;
            let first = match feed.next().await? {
                Ok(change) => change,
                Err(error) => return Some((Err(error), None)),
            };
            let mut signal = StatsChange {
                types: BTreeSet::from([first.record_type]),
                at: first.event.occurred_at,
            };
            // Gather what else arrives while the burst settles.
            let settle = tokio::time::sleep(STATS_SETTLE);
            tokio::pin!(settle);
            loop {
                tokio::select! {
                    () = &mut settle => break,
                    next = feed.next() => match next {
                        Some(Ok(change)) => {
                            signal.types.insert(change.record_type);
                            signal.at = signal.at.max(change.event.occurred_at);
                        }
                        Some(Err(error)) => return Some((Err(error), None)),
                        None => break,
                    },
                }
            }
            Some((Ok(signal), Some(feed)))
        })
    }
}

/// Live updates: each event is sent after its transaction commits, and only if the subscriber
/// may read the record.
#[Subscription]
impl SubscriptionRoot {
    /// Every change to records: creations, updates, transitions, archiving and deletions.
    /// `types` and `ids` (global IDs) narrow it; without them, every change the subscriber may
    /// see. A subscriber that falls too far behind gets a `SUBSCRIBER_TOO_SLOW` error and the
    /// subscription ends.
    async fn record_changed(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<RecordType>>,
        ids: Option<Vec<ID>>,
    ) -> Result<impl Stream<Item = Result<RecordChange>>> {
        let wanted = Wanted::new(types, ids, false).gql()?;
        Ok(Feed::new(ctx, wanted).await?.changes())
    }

    /// Status transitions (an agreement signed, a project completed…), with the statuses
    /// before and after. `types` narrows it (for example `[AGREEMENT, PROJECT]`).
    async fn status_changed(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<RecordType>>,
    ) -> Result<impl Stream<Item = Result<RecordChange>>> {
        let wanted = Wanted::new(types, None, true).gql()?;
        Ok(Feed::new(ctx, wanted).await?.changes())
    }

    /// A signal that dashboard figures may have changed, at most one per burst of changes the
    /// subscriber may see: refetch `stats` when it arrives.
    async fn stats_changed(
        &self,
        ctx: &Context<'_>,
    ) -> Result<impl Stream<Item = Result<StatsChange>>> {
        Ok(Feed::new(ctx, Wanted::default()).await?.signals())
    }
}
