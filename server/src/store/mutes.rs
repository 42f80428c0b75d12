//! Members' timed mutes (crate::model::Mute), by public id.
use crate::model::{Mute, PublicId};
use chrono::{DateTime, Utc};

/// Until when text, and voice, are held back.
type Untils = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

queries! {
    /// The member's mute as stored (parts may have ended: see `Mute::at`).
    pub async fn mute(db, member: &PublicId) -> Mute {
        let row: Option<Untils> = sqlx::query_as(
            "SELECT u.text_until, u.voice_until FROM mutes u \
             JOIN members m ON m.account_id = u.member WHERE m.public_id = $1",
        )
        .bind(&member.0)
        .fetch_optional(db)
        .await?;
        Ok(row
            .map(|(text_until, voice_until)| Mute {
                text_until,
                voice_until,
            })
            .unwrap_or_default())
    }

    /// Replaces the member's mute (an empty one lifts it); false if no such member.
    pub async fn set_mute(db, member: &PublicId, mute: Mute) -> bool {
        let account: Option<String> =
            sqlx::query_scalar("SELECT account_id FROM members WHERE public_id = $1")
                .bind(&member.0)
                .fetch_optional(db)
                .await?;
        let Some(account) = account else {
            return Ok(false);
        };
        if mute.is_empty() {
            sqlx::query("DELETE FROM mutes WHERE member = $1")
                .bind(&account)
                .execute(db)
                .await?;
        } else {
            sqlx::query(
                "INSERT INTO mutes (member, text_until, voice_until) VALUES ($1, $2, $3) \
                 ON CONFLICT (member) DO UPDATE SET text_until = excluded.text_until, \
                 voice_until = excluded.voice_until",
            )
            .bind(&account)
            .bind(mute.text_until)
            .bind(mute.voice_until)
            .execute(db)
            .await?;
        }
        Ok(true)
    }
}
