//! Audit events: the history of every record.

use async_graphql::{ID, Json, Object};
use chrono::{DateTime, Utc};

use super::AuditEventNode;
use crate::schema::ids;

/// One recorded change: who changed which record, when, how, and the stored fields before and
/// after.
#[Object(name = "AuditEvent")]
impl AuditEventNode {
    /// The event's identifier.
    async fn id(&self) -> &str {
        &self.0.id
    }
    /// When the change was made.
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// Who made it.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The HTTP request it came from (`x-request-id`).
    async fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The kind of record (`Organisation`, `Agreement`…).
    async fn entity(&self) -> &str {
        &self.0.entity
    }
    /// The record's global ID.
    async fn record_id(&self) -> ID {
        ids::encode(&self.0.entity, &self.0.record_id)
    }
    /// The mutation or transition (`createAgreement`, `signAgreement`, `archive`…).
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The reason given, when one was.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    /// The record's stored fields before the change (absent for a creation).
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The record's stored fields after the change.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
    /// The names of the stored fields this change modified.
    async fn changed_fields(&self) -> Vec<String> {
        let (Some(before), Some(after)) = (
            self.0.before.as_ref().and_then(|b| b.as_object()),
            self.0.after.as_ref().and_then(|a| a.as_object()),
        ) else {
            return self
                .0
                .after
                .as_ref()
                .and_then(|a| a.as_object())
                .map(|a| a.keys().cloned().collect())
                .unwrap_or_default();
        };
        after
            .iter()
            .filter(|(k, v)| {
                before.get(*k) != Some(v) && !matches!(k.as_str(), "version" | "updated_at")
            })
            .map(|(k, _)| k.clone())
            .collect()
    }
}
