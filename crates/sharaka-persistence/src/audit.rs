//! The audit trail: every change writes one event in the same transaction as the change.

use chrono::{DateTime, Utc};

use crate::entities::audit_events;
use crate::error::PersistenceError;

/// One recorded change.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// The event's id.
    pub id: String,
    /// When the change was committed.
    pub occurred_at: DateTime<Utc>,
    /// Who made it.
    pub actor: String,
    /// The HTTP request it came from.
    pub request_id: Option<String>,
    /// The kind of record (`Organisation`, `Agreement`…).
    pub entity: String,
    /// The record's local id.
    pub record_id: String,
    /// The mutation or transition (`createAgreement`, `signAgreement`, `archive`…).
    pub action: String,
    /// The reason given, when one was.
    pub reason: Option<String>,
    /// The record's stored fields before the change (JSON), absent for a creation.
    pub before: Option<serde_json::Value>,
    /// The record's stored fields after the change (JSON), absent for a deletion.
    pub after: Option<serde_json::Value>,
}

pub(crate) fn from_row(m: audit_events::Model) -> Result<AuditEvent, PersistenceError> {
    let parse = |s: Option<String>| -> Result<Option<serde_json::Value>, PersistenceError> {
        s.map(|text| {
            serde_json::from_str(&text).map_err(|e| PersistenceError::Corrupt {
                table: "audit_events",
                id: m.id.clone(),
                reason: e.to_string(),
            })
        })
        .transpose()
    };
    Ok(AuditEvent {
        before: parse(m.before_state.clone())?,
        after: parse(m.after_state.clone())?,
        id: m.id,
        occurred_at: m.occurred_at,
        actor: m.actor,
        request_id: m.request_id,
        entity: m.entity,
        record_id: m.record_id,
        action: m.action,
        reason: m.reason,
    })
}
