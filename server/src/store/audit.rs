//! The audit log: what happened, by whom, to whom, in pseudonymous ids only.
use super::now;
use super::rows::AuditRow;
use crate::model::{AuditEntry, AuditRecord};

queries! {
    pub async fn record_audit(db, entry: AuditEntry) -> () {
        sqlx::query(&format!(
            "INSERT INTO audit_log (at, actor, action, subject, detail) \
             VALUES ($1, $2, $3, $4, $5{})",
            Db::TO_JSON
        ))
        .bind(now())
        .bind(entry.actor.map(|p| p.0))
        .bind(entry.action.as_str())
        .bind(entry.subject.map(|p| p.0))
        .bind(entry.detail.to_string())
        .execute(db)
        .await?;
        Ok(())
    }

    /// The newest `limit` entries, newest first: the newest of all, or (`before`) those
    /// older than entry `before`, for the next page.
    pub async fn audit_log(db, before: Option<i64>, limit: u32) -> Vec<AuditRecord> {
        // Newest first by id, not by `at`: ids follow insertion order even if the
        // system clock steps back.
        let rows: Vec<AuditRow> = sqlx::query_as(&format!(
            "SELECT id, at, actor, action, subject, detail{} AS detail FROM audit_log \
             WHERE id < $1 ORDER BY id DESC LIMIT $2",
            Db::JSON_TO_TEXT
        ))
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(db)
        .await?;
        rows.into_iter().map(AuditRecord::try_from).collect()
    }
}
