//! Applications, invitations, credentials, web sessions and login links on PostgreSQL,
//! with the same semantics as the SQLite store (`store/sqlite/accounts.rs`).
//! Expiry is decided by the callers in Rust (they hold the clock); SQL only checks the
//! states that need no clock (used, revoked, decided), so each check-and-set is atomic.
use super::{insert_member, now};
use crate::accounts::{
    email_key, short_id, Application, ApplicationStatus, Invitation, LoginLink, LoginRecord,
    NewApplication, NewInvitation, Registration, Submitted,
};
use crate::member::{AccountId, Member, PublicId};
use crate::store::rows::{ApplicationRow, InvitationRow, SELECT_APPLICATION, SELECT_INVITATION};
use crate::store::{corrupt, stale, Conflict, Forgotten, NewMember, StoreError};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

pub(super) async fn submit_application(
    pool: &PgPool,
    new: NewApplication,
) -> Result<Submitted, StoreError> {
    let key = email_key(&new.email);
    let mut tx = pool.begin().await?;
    // One submission per address at a time (a double click, two nodes): the second waits,
    // then finds the first pending and refreshes it, instead of breaking the one-pending
    // index. The lock goes with the transaction.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(&key)
        .execute(&mut *tx)
        .await?;
    let lang: Option<String> =
        sqlx::query_scalar("SELECT lang FROM credentials WHERE email_key = $1")
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(lang) = lang {
        return Ok(Submitted::AccountExists {
            lang: lang.parse().map_err(|e| corrupt("credentials", e))?,
        });
    }
    let pending: Option<String> = sqlx::query_scalar(
        "SELECT id FROM applications WHERE email_key = $1 AND status = 'pending'",
    )
    .bind(&key)
    .fetch_optional(&mut *tx)
    .await?;
    let (id, refreshed) = match pending {
        Some(id) => {
            sqlx::query(
                "UPDATE applications SET nickname = $1, email = $2, applicant = $3, \
                 heard_from = $4, note = $5, lang = $6 WHERE id = $7",
            )
            .bind(&new.nickname)
            .bind(&new.email)
            .bind(new.applicant.as_str())
            .bind(&new.heard_from)
            .bind(&new.note)
            .bind(new.lang.as_str())
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            (id, true)
        }
        None => {
            let id = short_id("a");
            sqlx::query(
                "INSERT INTO applications (id, nickname, email, email_key, applicant, \
                 heard_from, note, lang, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9)",
            )
            .bind(&id)
            .bind(&new.nickname)
            .bind(&new.email)
            .bind(&key)
            .bind(new.applicant.as_str())
            .bind(&new.heard_from)
            .bind(&new.note)
            .bind(new.lang.as_str())
            .bind(now())
            .execute(&mut *tx)
            .await?;
            (id, false)
        }
    };
    tx.commit().await?;
    let application = application(pool, &id).await?.ok_or(StoreError::NotFound)?;
    Ok(if refreshed {
        Submitted::Refreshed(application)
    } else {
        Submitted::New(application)
    })
}

pub(super) async fn application(
    pool: &PgPool,
    id: &str,
) -> Result<Option<Application>, StoreError> {
    let row: Option<ApplicationRow> =
        sqlx::query_as(&format!("{SELECT_APPLICATION} WHERE id = $1"))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    row.map(Application::try_from).transpose()
}

pub(super) async fn applications(
    pool: &PgPool,
    status: Option<ApplicationStatus>,
) -> Result<Vec<Application>, StoreError> {
    let rows: Vec<ApplicationRow> = match status {
        Some(status) => {
            sqlx::query_as(&format!(
                "{SELECT_APPLICATION} WHERE status = $1 ORDER BY created_at, id"
            ))
            .bind(status.as_str())
            .fetch_all(pool)
            .await?
        }
        None => {
            sqlx::query_as(&format!("{SELECT_APPLICATION} ORDER BY created_at, id"))
                .fetch_all(pool)
                .await?
        }
    };
    rows.into_iter().map(Application::try_from).collect()
}

pub(super) async fn decide_application(
    pool: &PgPool,
    id: &str,
    decision: ApplicationStatus,
    by: Option<&PublicId>,
) -> Result<Application, StoreError> {
    let done = sqlx::query(
        "UPDATE applications SET status = $1, decided_at = $2, decided_by = $3 \
         WHERE id = $4 AND status = 'pending'",
    )
    .bind(decision.as_str())
    .bind(now())
    .bind(by.map(|p| p.0.clone()))
    .bind(id)
    .execute(pool)
    .await?;
    let found = application(pool, id).await?.ok_or(StoreError::NotFound)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(Conflict::NotOpen));
    }
    Ok(found)
}

pub(super) async fn create_invitation(
    pool: &PgPool,
    new: NewInvitation,
) -> Result<Invitation, StoreError> {
    let id = short_id("i");
    sqlx::query(
        "INSERT INTO invitations (id, token_hash, email, email_key, role, nickname, lang, \
         application, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&id)
    .bind(&new.token_hash)
    .bind(&new.email)
    .bind(email_key(&new.email))
    .bind(new.role.as_str())
    .bind(&new.nickname)
    .bind(new.lang.as_str())
    .bind(&new.application)
    .bind(new.created_by.map(|p| p.0))
    .bind(now())
    .bind(new.expires_at)
    .execute(pool)
    .await?;
    invitation(pool, &id).await?.ok_or(StoreError::NotFound)
}

pub(super) async fn invitation(pool: &PgPool, id: &str) -> Result<Option<Invitation>, StoreError> {
    let row: Option<InvitationRow> = sqlx::query_as(&format!("{SELECT_INVITATION} WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(Invitation::try_from).transpose()
}

pub(super) async fn invitation_by_token(
    pool: &PgPool,
    token_hash: &str,
) -> Result<Option<Invitation>, StoreError> {
    let row: Option<InvitationRow> =
        sqlx::query_as(&format!("{SELECT_INVITATION} WHERE token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
    row.map(Invitation::try_from).transpose()
}

pub(super) async fn invitations(pool: &PgPool) -> Result<Vec<Invitation>, StoreError> {
    let rows: Vec<InvitationRow> =
        sqlx::query_as(&format!("{SELECT_INVITATION} ORDER BY created_at DESC, id"))
            .fetch_all(pool)
            .await?;
    rows.into_iter().map(Invitation::try_from).collect()
}

pub(super) async fn renew_invitation(
    pool: &PgPool,
    id: &str,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<Invitation, StoreError> {
    let done = sqlx::query(
        "UPDATE invitations SET token_hash = $1, expires_at = $2 \
         WHERE id = $3 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(token_hash)
    .bind(expires_at)
    .bind(id)
    .execute(pool)
    .await?;
    settled(pool, id, done.rows_affected()).await
}

pub(super) async fn revoke_invitation(pool: &PgPool, id: &str) -> Result<Invitation, StoreError> {
    let done = sqlx::query(
        "UPDATE invitations SET revoked_at = $1 \
         WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(id)
    .execute(pool)
    .await?;
    settled(pool, id, done.rows_affected()).await
}

/// The invitation after a guarded update: `NotFound`, or `NotOpen` if the guard refused.
async fn settled(pool: &PgPool, id: &str, changed: u64) -> Result<Invitation, StoreError> {
    let found = invitation(pool, id).await?.ok_or(StoreError::NotFound)?;
    if changed == 0 {
        return Err(StoreError::Conflict(Conflict::NotOpen));
    }
    Ok(found)
}

pub(super) async fn register(
    pool: &PgPool,
    registration: Registration,
) -> Result<Member, StoreError> {
    let mut tx = pool.begin().await?;
    // FOR UPDATE: the same link sent twice at once registers once; the second waits and
    // finds it used, as on SQLite.
    let invitation: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT id, email, role, lang FROM invitations \
         WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL FOR UPDATE",
    )
    .bind(&registration.invitation_token_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((id, email, role, lang)) = invitation else {
        return Err(StoreError::Conflict(Conflict::NotOpen));
    };
    let role = role.parse().map_err(|e| corrupt("invitations", e))?;
    let member = insert_member(
        &mut tx,
        NewMember {
            nickname: registration.nickname,
            avatar: registration.avatar,
            role,
        },
    )
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO credentials (account_id, email, email_key, passphrase_hash, lang) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&member.account.0)
    .bind(&email)
    .bind(email_key(&email))
    .bind(&registration.passphrase_hash)
    .bind(&lang)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => {
            return Err(StoreError::Conflict(Conflict::Email))
        }
        other => other?,
    };
    sqlx::query("UPDATE invitations SET used_at = $1 WHERE id = $2")
        .bind(now())
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(member)
}

pub(super) async fn login_record(
    pool: &PgPool,
    email: &str,
) -> Result<Option<LoginRecord>, StoreError> {
    let row: Option<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT account_id, passphrase_hash, lang FROM credentials WHERE email_key = $1",
    )
    .bind(email_key(email))
    .fetch_optional(pool)
    .await?;
    row.map(|(account, passphrase_hash, lang)| {
        Ok(LoginRecord {
            account: AccountId(account),
            passphrase_hash,
            lang: lang.parse().map_err(|e| corrupt("credentials", e))?,
        })
    })
    .transpose()
}

pub(super) async fn email(
    pool: &PgPool,
    account: &AccountId,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT email FROM credentials WHERE account_id = $1")
            .bind(&account.0)
            .fetch_optional(pool)
            .await?,
    )
}

pub(super) async fn create_web_session(
    pool: &PgPool,
    token_hash: &str,
    account: &AccountId,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO web_sessions (token_hash, account_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(&account.0)
    .bind(now())
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn web_session(
    pool: &PgPool,
    token_hash: &str,
) -> Result<Option<AccountId>, StoreError> {
    let row: Option<(String, DateTime<Utc>)> =
        sqlx::query_as("SELECT account_id, expires_at FROM web_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
    Ok(row
        .filter(|(_, expires_at)| Utc::now() < *expires_at)
        .map(|(account, _)| AccountId(account)))
}

pub(super) async fn end_web_session(pool: &PgPool, token_hash: &str) -> Result<(), StoreError> {
    // Expired sessions of anyone go too: nothing else needs them.
    sqlx::query("DELETE FROM web_sessions WHERE token_hash = $1 OR expires_at < $2")
        .bind(token_hash)
        .bind(now())
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn create_login_link(
    pool: &PgPool,
    token_hash: &str,
    account: &AccountId,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO login_links (token_hash, account_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(&account.0)
    .bind(now())
    .bind(expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub(super) async fn login_link(
    pool: &PgPool,
    token_hash: &str,
) -> Result<Option<LoginLink>, StoreError> {
    let row: Option<(String, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT account_id, expires_at, used_at FROM login_links WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(account, expires_at, used_at)| LoginLink {
        account: AccountId(account),
        expires_at,
        used_at,
    }))
}

pub(super) async fn use_login_link(pool: &PgPool, token_hash: &str) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE login_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL",
    )
    .bind(now())
    .bind(token_hash)
    .execute(pool)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    match login_link(pool, token_hash).await? {
        Some(_) => Err(StoreError::Conflict(Conflict::NotOpen)),
        None => Err(StoreError::NotFound),
    }
}

/// Removes what ties a person to their e-mail address before the member row goes (whose
/// deletion cascades to credentials, sessions and links).
pub(super) async fn forget_email(
    tx: &mut sqlx::PgConnection,
    account: &AccountId,
) -> Result<(), StoreError> {
    let key: Option<String> =
        sqlx::query_scalar("SELECT email_key FROM credentials WHERE account_id = $1")
            .bind(&account.0)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(key) = key {
        sqlx::query("DELETE FROM invitations WHERE email_key = $1")
            .bind(&key)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM applications WHERE email_key = $1")
            .bind(&key)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

pub(super) async fn forget_stale(
    pool: &PgPool,
    now: DateTime<Utc>,
    cutoff: DateTime<Utc>,
) -> Result<Forgotten, StoreError> {
    let mut tx = pool.begin().await?;
    let mut counts = [0; 4];
    for (count, (sql, before)) in counts.iter_mut().zip(stale::statements(now, cutoff)) {
        *count = sqlx::query(sql)
            .bind(before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    tx.commit().await?;
    Ok(stale::forgotten(counts))
}
