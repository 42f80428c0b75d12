//! The consent ledger: appended to, never changed. The hashing is consult::consent's; the
//! store keeps the chains from forking (unique `(subject, prev_hash)`).
use super::{Conflict, StoreError};
use crate::model::{ConsentEntry, PublicId};
use chrono::{DateTime, Utc};

const SELECT_ENTRY: &str = "SELECT id, subject, consent, event, actor, at, body, prev_hash, hash \
     FROM consent_ledger";

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    subject: String,
    consent: String,
    event: String,
    actor: String,
    at: DateTime<Utc>,
    body: String,
    prev_hash: String,
    hash: String,
}

impl From<EntryRow> for ConsentEntry {
    fn from(row: EntryRow) -> Self {
        ConsentEntry {
            seq: row.id,
            subject: PublicId(row.subject),
            consent: row.consent,
            event: row.event,
            actor: PublicId(row.actor),
            at: row.at,
            body: row.body,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}

queries! {
    helpers {
        async fn entries_where(
            db: &sqlx::Pool<Db>,
            filter: &str,
            value: Option<&str>,
        ) -> Result<Vec<ConsentEntry>, StoreError> {
            let sql = format!("{SELECT_ENTRY} {filter} ORDER BY subject, id");
            let mut query = sqlx::query_as::<_, EntryRow>(&sql);
            if let Some(value) = value {
                query = query.bind(value);
            }
            let rows = query.fetch_all(db).await?;
            Ok(rows.into_iter().map(ConsentEntry::from).collect())
        }
    }

    /// Appends `entry` (its `seq` is ignored). `Conflict(NotOpen)` when another entry already
    /// follows `entry.prev_hash` in the subject's chain: read the head again and retry.
    /// `NotFound` when the subject is no member.
    pub async fn append_consent(db, entry: &ConsentEntry) -> () {
        let inserted = sqlx::query(
            "INSERT INTO consent_ledger (subject, consent, event, actor, at, body, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&entry.subject.0)
        .bind(&entry.consent)
        .bind(&entry.event)
        .bind(&entry.actor.0)
        .bind(entry.at)
        .bind(&entry.body)
        .bind(&entry.prev_hash)
        .bind(&entry.hash)
        .execute(db)
        .await;
        match inserted {
            Err(sqlx::Error::Database(e))
                if Db::violates_unique(e.as_ref(), "consent_ledger", "prev_hash") =>
            {
                Err(StoreError::Conflict(Conflict::NotOpen))
            }
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(StoreError::NotFound),
            other => other.map(|_| ()).map_err(StoreError::from),
        }
    }

    /// The subject's chain, oldest first.
    pub async fn consent_chain(db, subject: &PublicId) -> Vec<ConsentEntry> {
        entries_where(db, "WHERE subject = $1", Some(&subject.0)).await
    }

    /// The entries of one proposal, oldest first.
    pub async fn consent_entries(db, consent: &str) -> Vec<ConsentEntry> {
        entries_where(db, "WHERE consent = $1", Some(consent)).await
    }

    /// Every chain, each oldest first (for verification).
    pub async fn consent_ledger(db) -> Vec<ConsentEntry> {
        entries_where(db, "", None).await
    }
}
