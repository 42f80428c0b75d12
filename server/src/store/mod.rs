//! Persistence behind one trait, so the server runs on embedded SQLite by default and on
//! PostgreSQL (a sibling module with its own migrations) when several nodes share data.
//!
//! The trait speaks domain types only: no SQL and no driver types cross it.
use crate::auth::Role;
use crate::member::{AccountId, Avatar, Member, PublicId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

mod sqlite;
#[cfg(test)]
pub(crate) mod suite;

pub use sqlite::SqliteStore;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Generates the account id and public id; `created_at` is now. A nickname that
    /// matches an existing one (see [`nickname_key`]) is a `Conflict`.
    async fn create_member(&self, new: NewMember) -> Result<Member, StoreError>;
    async fn member(&self, account: &AccountId) -> Result<Option<Member>, StoreError>;
    /// Looks the nickname up by its normalised form, so `Sora` finds `ｓｏｒａ`.
    async fn member_by_nickname(&self, nickname: &str) -> Result<Option<Member>, StoreError>;
    /// `NotFound` if there is no such member.
    async fn set_avatar(&self, account: &AccountId, avatar: &Avatar) -> Result<(), StoreError>;
    async fn record_audit(&self, entry: AuditEntry) -> Result<(), StoreError>;
    /// The newest `limit` entries, newest first.
    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditRecord>, StoreError>;
}

#[derive(Debug, Clone)]
pub struct NewMember {
    pub nickname: String,
    pub avatar: Avatar,
    pub role: Role,
}

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

/// Messages never carry the values involved (nicknames, ids): they end up in logs.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("cannot open the database at {path}")]
    Open {
        path: std::path::PathBuf,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot migrate the database schema")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// A stored row no longer parses (unknown role, bad JSON): data written by another
    /// version or by hand.
    #[error("corrupt row in {table}: {what}")]
    Corrupt { table: &'static str, what: String },
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            other => StoreError::Database(other),
        }
    }
}

/// The form in which nicknames are compared. Two nicknames that look the same to a person
/// must not belong to two members: surrounding spaces (including the ideographic space)
/// are dropped, full-width ASCII (what a Japanese IME types) becomes half-width, and case
/// is folded. Every back end stores and looks up this key, so they agree.
pub fn nickname_key(nickname: &str) -> String {
    nickname
        .trim()
        .chars()
        .map(|c| match c {
            // U+FF01..=U+FF5E are the full-width forms of U+0021..=U+007E.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nickname_keys_fold_case_width_and_spaces() {
        assert_eq!(nickname_key("Sora"), "sora");
        assert_eq!(nickname_key("ＳＯＲＡ"), "sora");
        assert_eq!(nickname_key("\u{3000}そら "), "そら");
        assert_ne!(nickname_key("そら"), nickname_key("ソラ"));
    }
}
