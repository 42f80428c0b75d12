//! Consultation booking (docs/consultations.md): counsellors publish slots inside
//! the opening windows; participants and family members book one with their nickname, and
//! may cancel; counsellors see their day. The store makes a double booking impossible (one
//! conditional UPDATE). At start-up, bookings on days that have closed since are cancelled
//! with a kind notice to both sides; a reminder comes before each booked slot, and at its
//! start the member joins the line to talk, first, for their counsellor. Notices go
//! through the hub (in the space, now or on entering) and by e-mail only to those who opted
//! in.
mod error;
mod telling;
mod timing;

pub use error::BookingError;

use crate::accounts::Accounts;
use crate::auth::Grant;
use crate::hub::Hub;
use crate::model::{Member, Mode, NewSlot, Profession, Role, Slot};
use crate::schedule::{Clock, Schedule};
use crate::store::{Conflict, Store, StoreError};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use std::sync::Arc;

/// How long a slot may be, in minutes.
pub const MIN_MINUTES: u32 = 15;
pub const MAX_MINUTES: u32 = 120;
/// How long before its start a booked consultation is reminded of.
pub const REMIND_BEFORE: Duration = Duration::minutes(30);
/// How far back the account page lists a member's notices.
const NOTICES_FOR: Duration = Duration::days(14);

/// A cheap-to-clone handle on booking.
#[derive(Clone)]
pub struct Bookings {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<Store>,
    schedule: Arc<Schedule>,
    clock: Arc<dyn Clock>,
    /// Tells members in the space.
    hub: Hub,
    /// Sends the e-mails people opted in to.
    accounts: Accounts,
    /// Wakes the timed chores (timing.rs) when a slot is booked: it may start within the half
    /// hour.
    booked: tokio::sync::Notify,
}

/// A slot as a counsellor asks to publish it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PublishRequest {
    pub start: String,
    pub minutes: u32,
    pub profession: String,
    #[serde(default)]
    pub modes: Vec<String>,
    #[serde(default)]
    pub notify_by_email: bool,
}

/// What a member's booking page shows.
pub struct Mine {
    /// The slots they booked that are not over.
    pub bookings: Vec<Slot>,
    /// Those who take consultations: their own slots (on `day`, or all not over).
    pub slots: Option<Vec<Slot>>,
    pub notices: Vec<crate::model::BookingNotice>,
}

impl Bookings {
    pub fn new(
        store: Arc<Store>,
        schedule: Arc<Schedule>,
        clock: Arc<dyn Clock>,
        hub: Hub,
        accounts: Accounts,
    ) -> Bookings {
        Bookings {
            inner: Arc::new(Inner {
                store,
                schedule,
                clock,
                hub,
                accounts,
                booked: tokio::sync::Notify::new(),
            }),
        }
    }

    fn store(&self) -> &Store {
        &self.inner.store
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    fn local(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        t.with_timezone(&self.inner.schedule.timezone())
            .fixed_offset()
    }

    /// A slot's start in the space's zone, as pages and notices show it.
    pub fn local_time(&self, t: DateTime<Utc>) -> DateTime<FixedOffset> {
        self.local(t)
    }

    /// Publishes a slot: inside an opening window of the space, on a day that is open, not
    /// in the past, not overlapping the counsellor's other slots.
    pub async fn publish(
        &self,
        member: &Member,
        request: PublishRequest,
    ) -> Result<Slot, BookingError> {
        if !member.role.has(Grant::TakeConsultations) {
            return Err(BookingError::Forbidden);
        }
        let start = self.parse_start(request.start.trim())?;
        if !(MIN_MINUTES..=MAX_MINUTES).contains(&request.minutes) {
            return Err(BookingError::Invalid {
                field: "minutes",
                ja: "相談の長さは15分から120分のあいだにしてください。",
                en: "A consultation lasts between 15 and 120 minutes.",
            });
        }
        let profession = parse_profession(&request.profession)?;
        let modes = parse_modes(&request.modes)?;
        let end = start + Duration::minutes(i64::from(request.minutes));
        let day = self.local(start).date_naive();
        self.check_inside_opening(day, start, end)?;
        if start <= self.now() {
            return Err(BookingError::InThePast);
        }
        let created = self
            .store()
            .create_slot(NewSlot {
                counsellor: member.account.clone(),
                day,
                starts_at: start,
                ends_at: end,
                profession,
                modes,
                counsellor_email: request.notify_by_email,
            })
            .await;
        match created {
            Err(StoreError::Conflict(Conflict::SlotOverlap)) => Err(BookingError::Overlap),
            other => Ok(other?),
        }
    }

    /// An RFC 3339 instant, or a local date and time (`2026-12-09T14:00`, as a page's
    /// `datetime-local` gives it) in the space's zone.
    fn parse_start(&self, text: &str) -> Result<DateTime<Utc>, BookingError> {
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(t.with_timezone(&Utc));
        }
        let local = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
            .ok_or_else(invalid_start)?;
        self.inner
            .schedule
            .timezone()
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(invalid_start)
    }

    /// `DayClosed` when the space does not open that day at all, `OutsideOpening` when no
    /// window holds the whole slot. The same windows the calendar and the gate use.
    fn check_inside_opening(
        &self,
        day: NaiveDate,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<(), BookingError> {
        let windows: Vec<_> = self
            .inner
            .schedule
            .windows(day, day)
            .into_iter()
            .filter(|w| w.room.is_none())
            .collect();
        if windows.is_empty() {
            return Err(BookingError::DayClosed);
        }
        if windows.iter().any(|w| w.start <= start && end <= w.end) {
            Ok(())
        } else {
            Err(BookingError::OutsideOpening)
        }
    }

    /// Free slots of `day` that have not started, optionally of one profession and offering
    /// one mode, by start.
    pub async fn free_slots(
        &self,
        day: NaiveDate,
        profession: Option<&str>,
        mode: Option<&str>,
    ) -> Result<Vec<Slot>, BookingError> {
        let profession = profession.map(parse_profession).transpose()?;
        let mode = mode.map(parse_mode).transpose()?;
        let now = self.now();
        Ok(self
            .store()
            .slots_on(day)
            .await?
            .into_iter()
            .filter(|s| s.booking.is_none() && s.starts_at > now)
            .filter(|s| profession.is_none_or(|p| s.profession == p))
            .filter(|s| mode.is_none_or(|m| s.modes.contains(&m)))
            .collect())
    }

    /// Books a free slot for a participant or family member. Of simultaneous requests for
    /// one slot exactly one succeeds; the others hear `slot_taken`.
    pub async fn book(
        &self,
        member: &Member,
        id: &str,
        mode: Option<&str>,
        notify_by_email: bool,
    ) -> Result<Slot, BookingError> {
        if !matches!(member.role, Role::Participant | Role::Family) {
            return Err(BookingError::Forbidden);
        }
        let mode = mode.map(parse_mode).transpose()?.unwrap_or_default();
        let slot = self.store().slot(id).await?.ok_or(BookingError::NotFound)?;
        if !slot.modes.contains(&mode) {
            return Err(BookingError::ModeNotOffered);
        }
        let booked = self
            .store()
            .book_slot(id, &member.account, mode, notify_by_email, self.now())
            .await;
        match booked {
            Err(StoreError::Conflict(Conflict::Taken)) => Err(BookingError::Taken),
            Err(StoreError::NotFound) => Err(BookingError::NotFound),
            other => {
                let slot = other?;
                self.inner.booked.notify_one();
                Ok(slot)
            }
        }
    }

    /// Cancels the member's own booking; the slot is free again.
    pub async fn cancel(&self, member: &Member, id: &str) -> Result<(), BookingError> {
        match self.store().cancel_booking(id, &member.account).await {
            Err(StoreError::NotFound) => Err(BookingError::NotFound),
            other => other.map(|_| ()).map_err(BookingError::from),
        }
    }

    /// A counsellor withdraws one of their slots; whoever booked it is told kindly.
    pub async fn withdraw(&self, member: &Member, id: &str) -> Result<(), BookingError> {
        if !member.role.has(Grant::TakeConsultations) {
            return Err(BookingError::Forbidden);
        }
        let slot = self
            .store()
            .delete_slot(id, Some(&member.account))
            .await?
            .ok_or(BookingError::NotFound)?;
        self.tell_withdrawn(&slot).await;
        Ok(())
    }

    /// The member's bookings, their own slots if they take consultations (on `day`, or all
    /// that are not over), and their recent notices.
    pub async fn mine(
        &self,
        member: &Member,
        day: Option<NaiveDate>,
    ) -> Result<Mine, BookingError> {
        let now = self.now();
        let bookings = self.store().slots_booked_by(&member.account, now).await?;
        let slots = if member.role.has(Grant::TakeConsultations) {
            let mine = match day {
                Some(day) => self
                    .store()
                    .slots_on(day)
                    .await?
                    .into_iter()
                    .filter(|s| s.counsellor.account == member.account)
                    .collect(),
                None => self.store().slots_of(&member.account, now).await?,
            };
            Some(mine)
        } else {
            None
        };
        let notices = self
            .store()
            .booking_notices(&member.public_id, now - NOTICES_FOR, false)
            .await?;
        Ok(Mine {
            bookings,
            slots,
            notices,
        })
    }

    /// Booked slots starting in `from..to`: those to remind of their start.
    pub async fn bookings_starting(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Slot>, BookingError> {
        Ok(self.store().bookings_starting(from, to).await?)
    }
}

fn invalid_start() -> BookingError {
    BookingError::Invalid {
        field: "start",
        ja: "開始の日時を読み取れませんでした（例: 2026-12-09T14:00:00+09:00）。",
        en: "We could not read the start time (e.g. 2026-12-09T14:00:00+09:00).",
    }
}

fn parse_profession(text: &str) -> Result<Profession, BookingError> {
    text.parse().map_err(|_| BookingError::Invalid {
        field: "profession",
        ja: "専門職の種類は、臨床心理士・社会福祉士・精神保健福祉士から選んでください。",
        en: "Please choose the profession: clinical psychologist, social worker or psychiatric social worker.",
    })
}

fn parse_mode(text: &str) -> Result<Mode, BookingError> {
    text.parse().map_err(|_| BookingError::Invalid {
        field: "mode",
        ja: "相談の方法は、文字・声・ビデオから選んでください。",
        en: "Please choose how to talk: text, voice or video.",
    })
}

/// At least one mode, each once; none given means text only.
fn parse_modes(texts: &[String]) -> Result<Vec<Mode>, BookingError> {
    let mut modes = Vec::new();
    for text in texts {
        let mode = parse_mode(text).map_err(|_| BookingError::Invalid {
            field: "modes",
            ja: "相談の方法は、文字・声・ビデオから選んでください。",
            en: "Please choose how to talk: text, voice or video.",
        })?;
        if !modes.contains(&mode) {
            modes.push(mode);
        }
    }
    if modes.is_empty() {
        modes.push(Mode::Text);
    }
    Ok(modes)
}
