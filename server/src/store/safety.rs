//! Suspensions (three columns of `members`) and reports with their snapshots.
use super::{corrupt, now, StoreError};
use crate::model::{AccountId, PublicId, Report, Suspension};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: String,
    reporter: String,
    reported: String,
    room: String,
    seq: Option<i64>,
    reason: String,
    note: Option<String>,
    snapshot: String,
    at: DateTime<Utc>,
}

impl TryFrom<ReportRow> for Report {
    type Error = StoreError;
    fn try_from(row: ReportRow) -> Result<Report, StoreError> {
        Ok(Report {
            id: row.id,
            reporter: PublicId(row.reporter),
            reported: PublicId(row.reported),
            room: row.room,
            seq: row.seq.and_then(|s| u64::try_from(s).ok()),
            reason: row.reason.parse().map_err(|e| corrupt("reports", e))?,
            note: row.note,
            snapshot: serde_json::from_str(&row.snapshot).map_err(|e| corrupt("reports", e))?,
            at: row.at,
        })
    }
}

/// The suspension columns of a member's row, with whom they belong to.
#[derive(sqlx::FromRow)]
struct SuspensionRow {
    public_id: String,
    nickname: String,
    suspended_at: Option<DateTime<Utc>>,
    suspended_reason: Option<String>,
    suspended_by: Option<String>,
}

impl SuspensionRow {
    fn suspension(self) -> Option<(PublicId, String, Suspension)> {
        let suspension = Suspension {
            at: self.suspended_at?,
            reason: self.suspended_reason.unwrap_or_default(),
            by: self.suspended_by.map(PublicId),
        };
        Some((PublicId(self.public_id), self.nickname, suspension))
    }
}

const SELECT_SUSPENSION: &str = "SELECT public_id, nickname, suspended_at, suspended_reason, \
     suspended_by FROM members";

queries! {
    /// Suspends the account now (again, with the new reason, if it already was). `NotFound`
    /// if there is no such member. Their web sessions end with it.
    pub async fn suspend_member(db, account: &AccountId, reason: &str, by: Option<&PublicId>) -> () {
        let mut tx = Db::begin_write(db).await?;
        let done = sqlx::query(
            "UPDATE members SET suspended_at = $1, suspended_reason = $2, suspended_by = $3 \
             WHERE account_id = $4",
        )
        .bind(now())
        .bind(reason)
        .bind(by.map(|p| p.0.clone()))
        .bind(&account.0)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM web_sessions WHERE account_id = $1")
            .bind(&account.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lifts the suspension; false if the account was not suspended. `NotFound`.
    pub async fn lift_suspension(db, account: &AccountId) -> bool {
        let was: Option<Option<DateTime<Utc>>> =
            sqlx::query_scalar("SELECT suspended_at FROM members WHERE account_id = $1")
                .bind(&account.0)
                .fetch_optional(db)
                .await?;
        let Some(was) = was else {
            return Err(StoreError::NotFound);
        };
        sqlx::query(
            "UPDATE members SET suspended_at = NULL, suspended_reason = NULL, \
             suspended_by = NULL WHERE account_id = $1",
        )
        .bind(&account.0)
        .execute(db)
        .await?;
        Ok(was.is_some())
    }

    /// The account's suspension, if it is suspended.
    pub async fn suspension(db, account: &AccountId) -> Option<Suspension> {
        let row: Option<SuspensionRow> =
            sqlx::query_as(&format!("{SELECT_SUSPENSION} WHERE account_id = $1"))
                .bind(&account.0)
                .fetch_optional(db)
                .await?;
        Ok(row.and_then(SuspensionRow::suspension).map(|(_, _, s)| s))
    }

    /// Every suspended member: public id, nickname and suspension, newest first.
    pub async fn suspended_members(db) -> Vec<(PublicId, String, Suspension)> {
        let rows: Vec<SuspensionRow> = sqlx::query_as(&format!(
            "{SELECT_SUSPENSION} WHERE suspended_at IS NOT NULL ORDER BY suspended_at DESC"
        ))
        .fetch_all(db)
        .await?;
        Ok(rows.into_iter().filter_map(SuspensionRow::suspension).collect())
    }

    pub async fn save_report(db, report: &Report) -> () {
        sqlx::query(&format!(
            "INSERT INTO reports (id, reporter, reported, room, seq, reason, note, snapshot, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8{}, $9)",
            Db::TO_JSON
        ))
        .bind(&report.id)
        .bind(&report.reporter.0)
        .bind(&report.reported.0)
        .bind(&report.room)
        .bind(report.seq.and_then(|s| i64::try_from(s).ok()))
        .bind(report.reason.as_str())
        .bind(&report.note)
        .bind(report.snapshot.to_string())
        .bind(report.at)
        .execute(db)
        .await?;
        Ok(())
    }

    /// The newest `limit` reports, newest first.
    pub async fn reports(db, limit: u32) -> Vec<Report> {
        let rows: Vec<ReportRow> = sqlx::query_as(&format!(
            "SELECT id, reporter, reported, room, seq, reason, note, snapshot{} AS snapshot, at \
             FROM reports ORDER BY at DESC, id DESC LIMIT $1",
            Db::JSON_TO_TEXT
        ))
        .bind(i64::from(limit))
        .fetch_all(db)
        .await?;
        rows.into_iter().map(Report::try_from).collect()
    }

    pub async fn report(db, id: &str) -> Option<Report> {
        let row: Option<ReportRow> = sqlx::query_as(&format!(
            "SELECT id, reporter, reported, room, seq, reason, note, snapshot{} AS snapshot, at \
             FROM reports WHERE id = $1",
            Db::JSON_TO_TEXT
        ))
        .bind(id)
        .fetch_optional(db)
        .await?;
        row.map(Report::try_from).transpose()
    }

    /// Deletes reports filed before `before`; how many.
    pub async fn prune_reports(db, before: DateTime<Utc>) -> u64 {
        let done = sqlx::query("DELETE FROM reports WHERE at < $1")
            .bind(before)
            .execute(db)
            .await?;
        Ok(done.rows_affected())
    }
}
