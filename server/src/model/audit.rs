//! The audit log's entries.
use super::PublicId;
use chrono::{DateTime, Utc};

/// What happened, by whom, to whom. Pseudonymous ids only, never e-mail addresses or
/// account ids, so the log can outlive a deleted account without identifying anyone.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor: Option<PublicId>,
    pub action: String,
    pub subject: Option<PublicId>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<PublicId>,
    pub action: String,
    pub subject: Option<PublicId>,
    pub detail: serde_json::Value,
}
