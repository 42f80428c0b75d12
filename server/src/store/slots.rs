//! Consultation slots and their bookings. A booking is a conditional UPDATE of the slot's
//! row (`WHERE booked_by IS NULL`): the database lets exactly one of any number of
//! simultaneous requests through, on one node or many, with no check-then-insert race.
use super::{corrupt, now, Conflict, StoreError};
use crate::model::{
    AccountId, Booking, BookingNotice, BookingNoticeKind, Mode, NewSlot, PublicId, Slot, SlotPerson,
};
use chrono::{DateTime, NaiveDate, Utc};

const SELECT_SLOT: &str = "SELECT s.id, s.day, s.starts_at, s.ends_at, s.profession, s.modes, \
     s.counsellor_email, s.reminded_at, s.counsellor, c.public_id AS counsellor_public, \
     c.nickname AS counsellor_nickname, s.booked_by, b.public_id AS booked_public, \
     b.nickname AS booked_nickname, s.booked_mode, s.booked_email, s.booked_at \
     FROM slots s JOIN members c ON c.account_id = s.counsellor \
     LEFT JOIN members b ON b.account_id = s.booked_by";

#[derive(sqlx::FromRow)]
struct SlotRow {
    id: String,
    day: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    profession: String,
    modes: String,
    counsellor_email: bool,
    reminded_at: Option<DateTime<Utc>>,
    counsellor: String,
    counsellor_public: String,
    counsellor_nickname: String,
    booked_by: Option<String>,
    booked_public: Option<String>,
    booked_nickname: Option<String>,
    booked_mode: Option<String>,
    booked_email: Option<bool>,
    booked_at: Option<DateTime<Utc>>,
}

impl TryFrom<SlotRow> for Slot {
    type Error = StoreError;
    fn try_from(row: SlotRow) -> Result<Slot, StoreError> {
        let modes = row
            .modes
            .split(',')
            .map(str::parse::<Mode>)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| corrupt("slots", e))?;
        let booking = match (row.booked_by, row.booked_public, row.booked_nickname) {
            (Some(account), Some(public_id), Some(nickname)) => Some(Booking {
                by: SlotPerson {
                    account: AccountId(account),
                    public_id: PublicId(public_id),
                    nickname,
                },
                mode: row
                    .booked_mode
                    .unwrap_or_default()
                    .parse()
                    .map_err(|e| corrupt("slots", e))?,
                email: row.booked_email.unwrap_or(false),
                at: row.booked_at.unwrap_or(row.starts_at),
            }),
            _ => None,
        };
        Ok(Slot {
            day: row
                .day
                .parse::<NaiveDate>()
                .map_err(|e| corrupt("slots", e))?,
            id: row.id,
            counsellor: SlotPerson {
                account: AccountId(row.counsellor),
                public_id: PublicId(row.counsellor_public),
                nickname: row.counsellor_nickname,
            },
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            profession: row.profession.parse().map_err(|e| corrupt("slots", e))?,
            modes,
            counsellor_email: row.counsellor_email,
            booking,
            reminded_at: row.reminded_at,
        })
    }
}

fn slots(rows: Vec<SlotRow>) -> Result<Vec<Slot>, StoreError> {
    rows.into_iter().map(Slot::try_from).collect()
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: String,
    kind: String,
    message: String,
    slot_start: DateTime<Utc>,
    created_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
}

impl TryFrom<NoticeRow> for BookingNotice {
    type Error = StoreError;
    fn try_from(row: NoticeRow) -> Result<BookingNotice, StoreError> {
        Ok(BookingNotice {
            id: row.id,
            kind: row
                .kind
                .parse()
                .map_err(|e| corrupt("booking_notices", e))?,
            message: row.message,
            slot_start: row.slot_start,
            created_at: row.created_at,
            delivered: row.delivered_at.is_some(),
        })
    }
}

queries! {
    /// Publishes a slot unless it overlaps another of the same counsellor's
    /// (`Conflict(SlotOverlap)`).
    pub async fn create_slot(db, new: NewSlot) -> Slot {
        let id = crate::model::short_id("s");
        let mut tx = Db::begin_write(db).await?;
        // Two overlapping slots of one person at once are a double click at worst; the
        // write lock (SQLite) or the counsellor's own pace (PostgreSQL) keeps them apart.
        let overlapping: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM slots WHERE counsellor = $1 AND starts_at < $2 AND ends_at > $3",
        )
        .bind(&new.counsellor.0)
        .bind(new.ends_at)
        .bind(new.starts_at)
        .fetch_one(&mut *tx)
        .await?;
        if overlapping > 0 {
            return Err(StoreError::Conflict(Conflict::SlotOverlap));
        }
        let modes: Vec<&str> = new.modes.iter().map(|m| m.as_str()).collect();
        sqlx::query(
            "INSERT INTO slots (id, counsellor, day, starts_at, ends_at, profession, modes, \
             counsellor_email, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(&new.counsellor.0)
        .bind(new.day.to_string())
        .bind(new.starts_at)
        .bind(new.ends_at)
        .bind(new.profession.as_str())
        .bind(modes.join(","))
        .bind(new.counsellor_email)
        .bind(now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        slot(db, &id).await?.ok_or(StoreError::NotFound)
    }

    pub async fn slot(db, id: &str) -> Option<Slot> {
        let row: Option<SlotRow> = sqlx::query_as(&format!("{SELECT_SLOT} WHERE s.id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?;
        row.map(Slot::try_from).transpose()
    }

    /// Every slot of a local date, booked or not, by start.
    pub async fn slots_on(db, day: NaiveDate) -> Vec<Slot> {
        let rows: Vec<SlotRow> =
            sqlx::query_as(&format!("{SELECT_SLOT} WHERE s.day = $1 ORDER BY s.starts_at, s.id"))
                .bind(day.to_string())
                .fetch_all(db)
                .await?;
        slots(rows)
    }

    /// A counsellor's slots that end after `after`, by start.
    pub async fn slots_of(db, counsellor: &AccountId, after: DateTime<Utc>) -> Vec<Slot> {
        let rows: Vec<SlotRow> = sqlx::query_as(&format!(
            "{SELECT_SLOT} WHERE s.counsellor = $1 AND s.ends_at > $2 ORDER BY s.starts_at, s.id"
        ))
        .bind(&counsellor.0)
        .bind(after)
        .fetch_all(db)
        .await?;
        slots(rows)
    }

    /// The slots a person has booked that end after `after`, by start.
    pub async fn slots_booked_by(db, account: &AccountId, after: DateTime<Utc>) -> Vec<Slot> {
        let rows: Vec<SlotRow> = sqlx::query_as(&format!(
            "{SELECT_SLOT} WHERE s.booked_by = $1 AND s.ends_at > $2 ORDER BY s.starts_at, s.id"
        ))
        .bind(&account.0)
        .bind(after)
        .fetch_all(db)
        .await?;
        slots(rows)
    }

    /// Every slot that ends after `after` (for the closure check at start-up).
    pub async fn slots_after(db, after: DateTime<Utc>) -> Vec<Slot> {
        let rows: Vec<SlotRow> = sqlx::query_as(&format!(
            "{SELECT_SLOT} WHERE s.ends_at > $1 ORDER BY s.starts_at, s.id"
        ))
        .bind(after)
        .fetch_all(db)
        .await?;
        slots(rows)
    }

    /// Booked slots starting in `from..to`, by start: the consultations to open (the private
    /// room) or to remind of.
    pub async fn bookings_starting(db, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Slot> {
        let rows: Vec<SlotRow> = sqlx::query_as(&format!(
            "{SELECT_SLOT} WHERE s.booked_by IS NOT NULL AND s.starts_at >= $1 AND s.starts_at < $2 \
             ORDER BY s.starts_at, s.id"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(db)
        .await?;
        slots(rows)
    }

    /// The start of the first booked, not yet reminded slot starting after `after`.
    pub async fn next_unreminded_booking(db, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(starts_at) FROM slots WHERE booked_by IS NOT NULL \
             AND reminded_at IS NULL AND starts_at > $1",
        )
        .bind(after)
        .fetch_one(db)
        .await?)
    }

    /// Books a free slot that has not started by `at`: one conditional UPDATE, so of any
    /// number of simultaneous requests exactly one changes the row. `NotFound`, or
    /// `Conflict(Taken)` when it was booked already (or has started).
    pub async fn book_slot(
        db,
        id: &str,
        by: &AccountId,
        mode: Mode,
        email: bool,
        at: DateTime<Utc>,
    ) -> Slot {
        let done = sqlx::query(
            "UPDATE slots SET booked_by = $1, booked_mode = $2, booked_email = $3, \
             booked_at = $4, reminded_at = NULL \
             WHERE id = $5 AND booked_by IS NULL AND starts_at > $4",
        )
        .bind(&by.0)
        .bind(mode.as_str())
        .bind(email)
        .bind(at)
        .bind(id)
        .execute(db)
        .await?;
        let found = slot(db, id).await?.ok_or(StoreError::NotFound)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(Conflict::Taken));
        }
        Ok(found)
    }

    /// Frees a slot `by` had booked; `NotFound` when they hold no booking on it.
    pub async fn cancel_booking(db, id: &str, by: &AccountId) -> Slot {
        let found = slot(db, id).await?.ok_or(StoreError::NotFound)?;
        let done = sqlx::query(
            "UPDATE slots SET booked_by = NULL, booked_mode = NULL, booked_email = NULL, \
             booked_at = NULL, reminded_at = NULL WHERE id = $1 AND booked_by = $2",
        )
        .bind(id)
        .bind(&by.0)
        .execute(db)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(found)
    }

    /// Removes a slot, returning it as it was (with its booking, to tell that person); `None`
    /// when it is gone already (another node removed it first). `counsellor`: only theirs.
    pub async fn delete_slot(db, id: &str, counsellor: Option<&AccountId>) -> Option<Slot> {
        let Some(found) = slot(db, id).await? else {
            return Ok(None);
        };
        if counsellor.is_some_and(|c| *c != found.counsellor.account) {
            return Ok(None);
        }
        let done = sqlx::query("DELETE FROM slots WHERE id = $1")
            .bind(id)
            .execute(db)
            .await?;
        Ok((done.rows_affected() == 1).then_some(found))
    }

    /// Marks a booked slot reminded; true for the one caller that did (one node of many).
    pub async fn claim_reminder(db, id: &str, at: DateTime<Utc>) -> bool {
        let done = sqlx::query(
            "UPDATE slots SET reminded_at = $1 \
             WHERE id = $2 AND reminded_at IS NULL AND booked_by IS NOT NULL",
        )
        .bind(at)
        .bind(id)
        .execute(db)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn add_booking_notice(
        db,
        account: &AccountId,
        kind: BookingNoticeKind,
        message: &str,
        slot_start: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> () {
        sqlx::query(
            "INSERT INTO booking_notices (id, account_id, kind, message, slot_start, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(crate::model::short_id("n"))
        .bind(&account.0)
        .bind(kind.as_str())
        .bind(message)
        .bind(slot_start)
        .bind(at)
        .execute(db)
        .await?;
        Ok(())
    }

    /// A member's notices created after `after` (`undelivered`: only those not yet seen),
    /// oldest first. By public id: the hub knows members by it.
    pub async fn booking_notices(
        db,
        member: &PublicId,
        after: DateTime<Utc>,
        undelivered: bool,
    ) -> Vec<BookingNotice> {
        let rows: Vec<NoticeRow> = sqlx::query_as(&format!(
            "SELECT n.id, n.kind, n.message, n.slot_start, n.created_at, n.delivered_at \
             FROM booking_notices n JOIN members m ON m.account_id = n.account_id \
             WHERE m.public_id = $1 AND n.created_at > $2{} ORDER BY n.created_at, n.id",
            if undelivered { " AND n.delivered_at IS NULL" } else { "" }
        ))
        .bind(&member.0)
        .bind(after)
        .fetch_all(db)
        .await?;
        rows.into_iter().map(BookingNotice::try_from).collect()
    }

    /// Marks a notice seen; true for the one caller that did.
    pub async fn claim_booking_notice(db, id: &str) -> bool {
        let done = sqlx::query(
            "UPDATE booking_notices SET delivered_at = $1 WHERE id = $2 AND delivered_at IS NULL",
        )
        .bind(now())
        .bind(id)
        .execute(db)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
