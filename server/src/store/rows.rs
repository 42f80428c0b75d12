//! Rows as both back ends read them, and their conversion into domain types: the column
//! lists and decoding are the same on SQLite and PostgreSQL (timestamps decode to
//! `DateTime<Utc>` on both), only the SQL around them differs.
use super::{corrupt, StoreError};
use crate::model::{
    AccountId, Application, AuditRecord, Avatar, Invitation, Member, PublicId, Role,
};
use chrono::{DateTime, Utc};

pub(super) const SELECT_MEMBER: &str = "SELECT account_id, public_id, nickname, avatar_shape, \
     avatar_color, role, age_group, created_at FROM members";

#[derive(sqlx::FromRow)]
pub(super) struct MemberRow {
    account_id: String,
    public_id: String,
    nickname: String,
    avatar_shape: String,
    avatar_color: String,
    role: String,
    age_group: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<MemberRow> for Member {
    type Error = StoreError;
    fn try_from(row: MemberRow) -> Result<Self, StoreError> {
        let role: Role = row.role.parse().map_err(|what| StoreError::Corrupt {
            table: "members",
            what,
        })?;
        let group = row
            .age_group
            .map(|g| g.parse())
            .transpose()
            .map_err(|e| corrupt("members", e))?;
        Ok(Member {
            account: AccountId(row.account_id),
            public_id: PublicId(row.public_id),
            nickname: row.nickname,
            avatar: Avatar {
                shape: row.avatar_shape,
                color: row.avatar_color,
            },
            role,
            group,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct AuditRow {
    id: i64,
    at: DateTime<Utc>,
    actor: Option<String>,
    action: String,
    subject: Option<String>,
    detail: String,
}

impl TryFrom<AuditRow> for AuditRecord {
    type Error = StoreError;
    fn try_from(row: AuditRow) -> Result<Self, StoreError> {
        let detail = serde_json::from_str(&row.detail).map_err(|e| StoreError::Corrupt {
            table: "audit_log",
            what: format!("detail of entry {} is not JSON: {e}", row.id),
        })?;
        Ok(AuditRecord {
            id: row.id,
            at: row.at,
            actor: row.actor.map(PublicId),
            action: row.action,
            subject: row.subject.map(PublicId),
            detail,
        })
    }
}

pub(super) const SELECT_APPLICATION: &str =
    "SELECT id, nickname, email, applicant, heard_from, note, \
     lang, status, created_at, decided_at, decided_by FROM applications";

pub(super) const SELECT_INVITATION: &str = "SELECT id, email, role, nickname, lang, application, \
     created_at, expires_at, used_at, revoked_at FROM invitations";

#[derive(sqlx::FromRow)]
pub(super) struct ApplicationRow {
    id: String,
    nickname: String,
    email: String,
    applicant: String,
    heard_from: Option<String>,
    note: Option<String>,
    lang: String,
    status: String,
    created_at: DateTime<Utc>,
    decided_at: Option<DateTime<Utc>>,
    decided_by: Option<String>,
}

impl TryFrom<ApplicationRow> for Application {
    type Error = StoreError;
    fn try_from(row: ApplicationRow) -> Result<Self, StoreError> {
        Ok(Application {
            id: row.id,
            nickname: row.nickname,
            email: row.email,
            applicant: row
                .applicant
                .parse()
                .map_err(|e| corrupt("applications", e))?,
            heard_from: row.heard_from,
            note: row.note,
            lang: row.lang.parse().map_err(|e| corrupt("applications", e))?,
            status: row.status.parse().map_err(|e| corrupt("applications", e))?,
            created_at: row.created_at,
            decided_at: row.decided_at,
            decided_by: row.decided_by.map(PublicId),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct InvitationRow {
    id: String,
    email: String,
    role: String,
    nickname: Option<String>,
    lang: String,
    application: Option<String>,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

impl TryFrom<InvitationRow> for Invitation {
    type Error = StoreError;
    fn try_from(row: InvitationRow) -> Result<Self, StoreError> {
        Ok(Invitation {
            id: row.id,
            email: row.email,
            role: row.role.parse().map_err(|e| corrupt("invitations", e))?,
            nickname: row.nickname,
            lang: row.lang.parse().map_err(|e| corrupt("invitations", e))?,
            application: row.application,
            created_at: row.created_at,
            expires_at: row.expires_at,
            used_at: row.used_at,
            revoked_at: row.revoked_at,
        })
    }
}
