//! Counsellors' notes, sealed: the store holds ciphertext and never sees a key or a text.
use super::StoreError;
use crate::model::{PublicId, SealedNote};
use chrono::{DateTime, Utc};

const SELECT_NOTE: &str =
    "SELECT id, subject, author, key_id, nonce, ciphertext, created_at FROM notes";

#[derive(sqlx::FromRow)]
struct NoteRow {
    id: String,
    subject: String,
    author: String,
    key_id: String,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
    created_at: DateTime<Utc>,
}

impl From<NoteRow> for SealedNote {
    fn from(row: NoteRow) -> Self {
        SealedNote {
            id: row.id,
            subject: PublicId(row.subject),
            author: PublicId(row.author),
            key_id: row.key_id,
            nonce: row.nonce,
            ciphertext: row.ciphertext,
            created_at: row.created_at,
        }
    }
}

queries! {
    /// `NotFound` when the subject is no member (the foreign key refuses it).
    pub async fn insert_note(db, note: &SealedNote) -> () {
        let inserted = sqlx::query(
            "INSERT INTO notes (id, subject, author, key_id, nonce, ciphertext, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&note.id)
        .bind(&note.subject.0)
        .bind(&note.author.0)
        .bind(&note.key_id)
        .bind(&note.nonce)
        .bind(&note.ciphertext)
        .bind(note.created_at)
        .execute(db)
        .await;
        match inserted {
            Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(StoreError::NotFound),
            other => other.map(|_| ()).map_err(StoreError::from),
        }
    }

    /// The notes about `subject`, newest first.
    pub async fn notes_about(db, subject: &PublicId) -> Vec<SealedNote> {
        let rows: Vec<NoteRow> =
            sqlx::query_as(&format!("{SELECT_NOTE} WHERE subject = $1 ORDER BY created_at DESC, id"))
                .bind(&subject.0)
                .fetch_all(db)
                .await?;
        Ok(rows.into_iter().map(SealedNote::from).collect())
    }

    /// Up to `limit` notes sealed with a key other than `key_id` (a rotation's next batch).
    pub async fn notes_sealed_otherwise(db, key_id: &str, limit: u32) -> Vec<SealedNote> {
        let rows: Vec<NoteRow> =
            sqlx::query_as(&format!("{SELECT_NOTE} WHERE key_id <> $1 ORDER BY id LIMIT $2"))
                .bind(key_id)
                .bind(i64::from(limit))
                .fetch_all(db)
                .await?;
        Ok(rows.into_iter().map(SealedNote::from).collect())
    }

    /// Replaces a note's ciphertext if it is still sealed with `old_key` (a note deleted or
    /// resealed meanwhile is left alone). Whether it was replaced.
    pub async fn reseal_note(db, id: &str, old_key: &str, key_id: &str, nonce: &[u8], ciphertext: &[u8]) -> bool {
        let done = sqlx::query(
            "UPDATE notes SET key_id = $1, nonce = $2, ciphertext = $3 WHERE id = $4 AND key_id = $5",
        )
        .bind(key_id)
        .bind(nonce)
        .bind(ciphertext)
        .bind(id)
        .bind(old_key)
        .execute(db)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the notes written before `cutoff` (the retention period); how many.
    pub async fn forget_notes_before(db, cutoff: DateTime<Utc>) -> u64 {
        let done = sqlx::query("DELETE FROM notes WHERE created_at < $1")
            .bind(cutoff)
            .execute(db)
            .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Avatar, NewMember, PublicId, Role, SealedNote};
    use crate::store::Store;
    use chrono::{Duration, SubsecRound, Utc};

    fn note(id: &str, subject: &PublicId, days_old: i64) -> SealedNote {
        SealedNote {
            id: id.into(),
            subject: subject.clone(),
            author: PublicId("m_counsellor".into()),
            key_id: "k_1".into(),
            nonce: vec![0; 12],
            ciphertext: vec![1, 2, 3],
            created_at: (Utc::now() - Duration::days(days_old)).trunc_subsecs(6),
        }
    }

    #[tokio::test]
    async fn notes_past_their_days_go_and_a_note_needs_a_member() {
        let store = Store::sqlite_in_memory().await.unwrap();
        let sora = store
            .create_member(NewMember {
                nickname: "そら".into(),
                avatar: Avatar::default(),
                role: Role::Participant,
                group: None,
            })
            .await
            .unwrap();
        store
            .insert_note(&note("n_old", &sora.public_id, 400))
            .await
            .unwrap();
        store
            .insert_note(&note("n_new", &sora.public_id, 1))
            .await
            .unwrap();
        let nobody = PublicId("m_nobody".into());
        assert!(matches!(
            store.insert_note(&note("n_x", &nobody, 1)).await,
            Err(crate::store::StoreError::NotFound)
        ));
        let forgotten = store
            .forget_notes_before(Utc::now() - Duration::days(365))
            .await
            .unwrap();
        assert_eq!(forgotten, 1);
        let left = store.notes_about(&sora.public_id).await.unwrap();
        assert_eq!(
            left.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
            ["n_new"]
        );
        store.delete_member(&sora.account).await.unwrap();
        assert!(store.notes_about(&sora.public_id).await.unwrap().is_empty());
    }
}
