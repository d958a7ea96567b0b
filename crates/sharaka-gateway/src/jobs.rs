//! Time-driven changes: an agreement enters into force on its effective date and expires after
//! its end date. Applied on start-up and then periodically, each as a transition of its own,
//! checked by the domain and recorded in the audit trail like any other (actor `system`).

use chrono::NaiveDate;
use sharaka_domain::{self as domain, AgreementAction, AgreementStatus, Coded, Lifecycle};
use sharaka_persistence::write::{Author, Cell, Change};
use sharaka_persistence::{Filter, ListQuery, Op, Page, PersistenceError, Store, Value};

/// The actor recorded for scheduled changes.
pub const SYSTEM_ACTOR: &str = "system";

/// One applied change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The agreement's local id.
    pub agreement_id: String,
    /// The action applied.
    pub action: AgreementAction,
}

fn action_name(action: AgreementAction) -> &'static str {
    match action {
        AgreementAction::EnterIntoForce => "enterAgreementIntoForce",
        AgreementAction::Expire => "expireAgreement",
        _ => "scheduledTransition",
    }
}

/// Applies every time-driven agreement transition due on `today`; returns what it applied.
/// Each agreement changes in its own transaction; one that changed meanwhile (a version
/// conflict) is left for the next run.
pub async fn apply_time_driven(
    store: &Store,
    today: NaiveDate,
) -> Result<Vec<Applied>, PersistenceError> {
    let statuses: Vec<Value> = [AgreementStatus::Signed, AgreementStatus::Active]
        .iter()
        .map(|s| Value::Text(s.code().to_owned()))
        .collect();
    // Collect first, then change: applying while paging would shift the pages.
    let mut candidates = Vec::new();
    let mut offset = 0;
    loop {
        let query = ListQuery {
            filter: Some(Filter::In {
                field: "status",
                values: statuses.clone(),
            }),
            order: Vec::new(),
            page: Page {
                offset,
                limit: 500,
                probe: false,
            },
            include_archived: false,
        };
        let page = store.list::<domain::Agreement>(&query).await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        candidates.extend(page);
    }
    let mut applied = Vec::new();
    for agreement in &candidates {
        if let Some(done) = apply_one(store, agreement, today).await? {
            applied.push(done);
        }
    }
    Ok(applied)
}

async fn apply_one(
    store: &Store,
    agreement: &domain::Agreement,
    today: NaiveDate,
) -> Result<Option<Applied>, PersistenceError> {
    let id = agreement.id.to_string();
    let successors = ListQuery {
        filter: Some(Filter::Compare {
            field: "supersedes_id",
            op: Op::Eq,
            value: Value::Text(id.clone()),
        }),
        ..ListQuery::first(1)
    };
    let facts = domain::AgreementFacts {
        signed_on: agreement.dates.signed_on,
        effective_from: agreement.dates.effective_from,
        effective_to: agreement.dates.effective_to,
        has_successor: store.count::<domain::Agreement>(&successors).await? > 0,
        ..domain::AgreementFacts::default()
    };
    let Some(action) = domain::due_time_driven(agreement.status, &facts, today) else {
        return Ok(None);
    };
    let Ok(outcome) = domain::agreement_transition(agreement.status, action, &facts, today) else {
        return Ok(None);
    };
    let txn = store.begin().await?;
    let result = async {
        let before = txn.snapshot("agreements", &id).await?;
        let mut cells = vec![("status", Cell::Text(outcome.status.code().to_owned()))];
        if action == AgreementAction::EnterIntoForce && agreement.dates.effective_from.is_none() {
            cells.push(("effective_from", Cell::opt_text(agreement.dates.signed_on)));
        }
        txn.update("agreements", &id, agreement.meta.version, &cells)
            .await?;
        let after = txn.snapshot("agreements", &id).await?;
        let reason = format!(
            "scheduled on {today}: {}",
            <AgreementAction as Lifecycle>::code(action)
        );
        txn.record(
            &Author {
                actor: SYSTEM_ACTOR.to_owned(),
                request_id: None,
            },
            Change {
                entity: "Agreement",
                record_id: &id,
                action: action_name(action),
                reason: Some(&reason),
                before,
                after,
            },
        )
        .await
    }
    .await;
    match result {
        Ok(()) => {
            txn.commit().await?;
            tracing::info!(agreement = %id, action = action_name(action), "applied a time-driven transition");
            Ok(Some(Applied {
                agreement_id: id,
                action,
            }))
        }
        Err(PersistenceError::VersionConflict { .. }) => {
            txn.rollback().await?;
            Ok(None)
        }
        Err(error) => {
            txn.rollback().await?;
            Err(error)
        }
    }
}

/// Runs [`apply_time_driven`] now and then every `interval`, forever (spawn it).
pub async fn run_scheduler(store: Store, interval: std::time::Duration) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        ticker.tick().await;
        let today = chrono::Utc::now().date_naive();
        if let Err(error) = apply_time_driven(&store, today).await {
            tracing::error!(%error, "time-driven transitions failed; retrying at the next tick");
        }
    }
}
