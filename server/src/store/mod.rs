//! Persistence behind one trait, so the server runs on embedded SQLite by default and on
//! PostgreSQL (a sibling module with its own migrations) when several nodes share data.
//!
//! The trait speaks domain types only: no SQL and no driver types cross it.
use crate::accounts::{
    Application, ApplicationStatus, Invitation, LoginLink, LoginRecord, NewApplication,
    NewInvitation, Registration, Submitted,
};
use crate::auth::Role;
use crate::member::{AccountId, Avatar, Member, PublicId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

mod postgres;
mod rows;
mod sqlite;
mod stale;
#[cfg(test)]
pub(crate) mod suite;
#[cfg(test)]
pub(crate) mod suite_accounts;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// The database file inside the data directory (the embedded default).
pub fn database_path(data: &std::path::Path) -> std::path::PathBuf {
    data.join("ibasho.db")
}

/// Opens the store that `database` names, once, at start-up: `None` is SQLite `ibasho.db`
/// in `data_dir`; `sqlite://PATH` another SQLite file; `postgres://…` PostgreSQL.
pub async fn open(
    database: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    let database = database.map(str::trim).filter(|d| !d.is_empty());
    Ok(match database {
        None => std::sync::Arc::new(SqliteStore::open(&database_path(data_dir)).await?),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let options = url
                .parse::<sqlx::postgres::PgConnectOptions>()
                .map_err(|_| StoreError::Url("the PostgreSQL URL does not parse".into()))?;
            std::sync::Arc::new(PostgresStore::connect(options).await?)
        }
        Some(url) => match url.strip_prefix("sqlite://") {
            Some(path) if !path.is_empty() => {
                std::sync::Arc::new(SqliteStore::open(std::path::Path::new(path)).await?)
            }
            _ => {
                return Err(StoreError::Url(
                    "--database must be postgres://…, postgresql://… or sqlite://PATH".into(),
                ))
            }
        },
    })
}

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
    async fn member_by_public_id(&self, id: &PublicId) -> Result<Option<Member>, StoreError>;
    /// Deletes the member and everything tied to them: credentials, web sessions, login
    /// links, and the applications and invitations of their e-mail address. Audit entries
    /// stay (they hold only the public id). Returns the member as they were; `NotFound`.
    async fn delete_member(&self, account: &AccountId) -> Result<Member, StoreError>;

    // Applications.
    /// Stores a pending application, or refreshes the pending one of the same e-mail
    /// (see [`crate::accounts::email_key`]); stores nothing for an e-mail with an account.
    async fn submit_application(&self, new: NewApplication) -> Result<Submitted, StoreError>;
    async fn application(&self, id: &str) -> Result<Option<Application>, StoreError>;
    /// Oldest first; all of them when `status` is `None`.
    async fn applications(
        &self,
        status: Option<ApplicationStatus>,
    ) -> Result<Vec<Application>, StoreError>;
    /// Approves or declines a pending application: `NotFound`, or `Conflict(NotOpen)` if
    /// it was decided already.
    async fn decide_application(
        &self,
        id: &str,
        decision: ApplicationStatus,
        by: Option<&PublicId>,
    ) -> Result<Application, StoreError>;

    // Invitations.
    async fn create_invitation(&self, new: NewInvitation) -> Result<Invitation, StoreError>;
    async fn invitation(&self, id: &str) -> Result<Option<Invitation>, StoreError>;
    async fn invitation_by_token(&self, token_hash: &str)
        -> Result<Option<Invitation>, StoreError>;
    /// Newest first.
    async fn invitations(&self) -> Result<Vec<Invitation>, StoreError>;
    /// A new token and expiry for an invitation that is neither used nor revoked (the old
    /// link stops working): `NotFound`, `Conflict(NotOpen)`.
    async fn renew_invitation(
        &self,
        id: &str,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<Invitation, StoreError>;
    /// `NotFound`, `Conflict(NotOpen)` if used or revoked already.
    async fn revoke_invitation(&self, id: &str) -> Result<Invitation, StoreError>;
    /// In one transaction: marks the invitation used (it must be neither used nor revoked:
    /// `Conflict(NotOpen)`; the caller checks expiry), creates the member with the
    /// invitation's role and their credentials. `Conflict(Nickname)`, `Conflict(Email)`.
    async fn register(&self, registration: Registration) -> Result<Member, StoreError>;

    // Logging in.
    async fn login_record(&self, email: &str) -> Result<Option<LoginRecord>, StoreError>;
    /// The member's e-mail address: for admins' eyes and for sending mail only.
    async fn email(&self, account: &AccountId) -> Result<Option<String>, StoreError>;
    async fn create_web_session(
        &self,
        token_hash: &str,
        account: &AccountId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// The account of an unexpired session.
    async fn web_session(&self, token_hash: &str) -> Result<Option<AccountId>, StoreError>;
    async fn end_web_session(&self, token_hash: &str) -> Result<(), StoreError>;
    async fn create_login_link(
        &self,
        token_hash: &str,
        account: &AccountId,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn login_link(&self, token_hash: &str) -> Result<Option<LoginLink>, StoreError>;
    /// Marks an unused link used: `Conflict(NotOpen)` if it was used already (the caller
    /// checks expiry), `NotFound`.
    async fn use_login_link(&self, token_hash: &str) -> Result<(), StoreError>;

    // Keeping no more than needed.
    /// In one transaction, deletes what nobody needs any more: web sessions expired before
    /// `now`; login links, and invitations never used, that expired (or were withdrawn)
    /// before `cutoff`; applications declined before `cutoff`, and those approved before
    /// it whose invitation is gone. Pending applications, used invitations and whatever
    /// belongs to a member stay.
    async fn forget_stale(
        &self,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
    ) -> Result<Forgotten, StoreError>;
}

/// How many rows `forget_stale` deleted, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub applications: u64,
    pub invitations: u64,
    pub login_links: u64,
    pub web_sessions: u64,
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
    Conflict(Conflict),
    #[error("cannot open the database at {path}")]
    Open {
        path: std::path::PathBuf,
        #[source]
        source: sqlx::Error,
    },
    /// A `--database` that names no back end; the message never repeats the URL (it may
    /// carry a password).
    #[error("{0}")]
    Url(String),
    #[error("cannot migrate the database schema")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// A stored row no longer parses (unknown role, bad JSON): data written by another
    /// version or by hand.
    #[error("corrupt row in {table}: {what}")]
    Corrupt { table: &'static str, what: String },
}

/// A stored value that no longer parses.
pub(crate) fn corrupt(table: &'static str, what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table,
        what: what.to_string(),
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            other => StoreError::Database(other),
        }
    }
}

/// Why a write was refused because of what is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    #[error("nickname is already in use")]
    Nickname,
    #[error("e-mail address already has an account")]
    Email,
    /// An application already decided, an invitation or login link used or revoked.
    #[error("no longer open")]
    NotOpen,
    #[error("could not allocate a unique id")]
    Ids,
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
