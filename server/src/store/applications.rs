//! Applications: submitting (one pending per e-mail address), listing and deciding.
use super::rows::{ApplicationRow, SELECT_APPLICATION};
use super::{corrupt, now, Conflict, StoreError};
use crate::model::{
    email_key, short_id, Application, ApplicationStatus, NewApplication, PublicId, Submitted,
};

/// The earlier note with the new one after it; a note repeated word for word is kept once.
fn appended_note(earlier: Option<String>, new: Option<String>) -> Option<String> {
    match (earlier, new) {
        (Some(earlier), Some(new))
            if earlier == new || earlier.ends_with(&format!("\n\n{new}")) =>
        {
            Some(earlier)
        }
        (Some(earlier), Some(new)) => Some(format!("{earlier}\n\n{new}")),
        (earlier, new) => earlier.or(new),
    }
}

queries! {
    /// Stores a pending application, or refreshes the pending one of the same e-mail
    /// (see [`email_key`]); stores nothing for an e-mail with an account.
    pub async fn submit_application(db, new: NewApplication) -> Submitted {
        let key = email_key(&new.email);
        let mut tx = Db::begin_write(db).await?;
        if let Some(lock) = Db::LOCK_APPLICATION {
            sqlx::query(lock).bind(&key).execute(&mut *tx).await?;
        }
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
        let pending: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT id, note FROM applications WHERE email_key = $1 AND status = 'pending'",
        )
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
        let (id, refreshed) = match pending {
            Some((id, earlier_note)) => {
                // What the person wrote before is kept: staff read both, oldest first.
                let note = appended_note(earlier_note, new.note.clone());
                sqlx::query(
                    "UPDATE applications SET nickname = $1, email = $2, applicant = $3, \
                     heard_from = $4, note = $5, lang = $6 WHERE id = $7",
                )
                .bind(&new.nickname)
                .bind(&new.email)
                .bind(new.applicant.as_str())
                .bind(&new.heard_from)
                .bind(&note)
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
        let application = application(db, &id).await?.ok_or(StoreError::NotFound)?;
        Ok(if refreshed {
            Submitted::Refreshed(application)
        } else {
            Submitted::New(application)
        })
    }

    pub async fn application(db, id: &str) -> Option<Application> {
        let row: Option<ApplicationRow> =
            sqlx::query_as(&format!("{SELECT_APPLICATION} WHERE id = $1"))
                .bind(id)
                .fetch_optional(db)
                .await?;
        row.map(Application::try_from).transpose()
    }

    /// Oldest first; all of them when `status` is `None`.
    pub async fn applications(db, status: Option<ApplicationStatus>) -> Vec<Application> {
        let rows: Vec<ApplicationRow> = match status {
            Some(status) => {
                sqlx::query_as(&format!(
                    "{SELECT_APPLICATION} WHERE status = $1 ORDER BY created_at, id"
                ))
                .bind(status.as_str())
                .fetch_all(db)
                .await?
            }
            None => {
                sqlx::query_as(&format!("{SELECT_APPLICATION} ORDER BY created_at, id"))
                    .fetch_all(db)
                    .await?
            }
        };
        rows.into_iter().map(Application::try_from).collect()
    }

    /// Approves or declines a pending application: `NotFound`, or `Conflict(NotOpen)` if
    /// it was decided already.
    pub async fn decide_application(
        db,
        id: &str,
        decision: ApplicationStatus,
        by: Option<&PublicId>,
    ) -> Application {
        let done = sqlx::query(
            "UPDATE applications SET status = $1, decided_at = $2, decided_by = $3 \
             WHERE id = $4 AND status = 'pending'",
        )
        .bind(decision.as_str())
        .bind(now())
        .bind(by.map(|p| p.0.clone()))
        .bind(id)
        .execute(db)
        .await?;
        let found = application(db, id).await?.ok_or(StoreError::NotFound)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(Conflict::NotOpen));
        }
        Ok(found)
    }
}
