//! What people are told about their bookings: cancellations (a day that closed since, a slot
//! withdrawn, a counsellor who left) and reminders before the start. A notice goes to the
//! store and through the hub (in the space, now or on entering); an e-mail only to whoever
//! opted in.
use super::{BookingError, Bookings, REMIND_BEFORE};
use crate::model::{BookingNoticeKind, Member, Slot, SlotPerson};
use crate::schedule::format_ja;
use chrono::{DateTime, Utc};

impl Bookings {
    /// Before a counsellor's account is deleted: their slots go with it, and whoever booked
    /// one is told it is cancelled, as if the counsellor had withdrawn it. Failures are
    /// logged: the deletion goes ahead.
    pub async fn account_leaving(&self, member: &Member) {
        let slots = match self.store().slots_of(&member.account, self.now()).await {
            Ok(slots) => slots,
            Err(error) => {
                tracing::error!(%error, "reading the slots of an account being deleted");
                return;
            }
        };
        for slot in slots.into_iter().filter(|s| s.booking.is_some()) {
            if let Ok(Some(slot)) = self.store().delete_slot(&slot.id, None).await {
                self.tell_withdrawn(&slot).await;
            }
        }
    }

    /// Tells whoever had booked `slot`, now withdrawn by its counsellor, that it is cancelled.
    pub(super) async fn tell_withdrawn(&self, slot: &Slot) {
        if let Some(booking) = &slot.booking {
            self.cancelled(&booking.by, booking.email, slot, Why::Withdrawn, false)
                .await;
        }
    }

    /// At start-up: slots on days the schedule now keeps closed (rooms.toml gained a closure)
    /// are removed, and both sides of a booking told. On several nodes starting at once each
    /// slot is removed, and its people told, once. Returns how many bookings were cancelled.
    pub async fn cancel_on_closed_days(&self) -> Result<usize, BookingError> {
        let mut cancelled = 0;
        for slot in self.store().slots_after(self.now()).await? {
            if self
                .check_inside_opening(slot.day, slot.starts_at, slot.ends_at)
                .is_ok()
            {
                continue;
            }
            let Some(slot) = self.store().delete_slot(&slot.id, None).await? else {
                continue;
            };
            tracing::info!(slot = %slot.id, day = %slot.day, booked = slot.booking.is_some(), "a consultation slot on a day now closed was removed");
            if let Some(booking) = &slot.booking {
                cancelled += 1;
                self.cancelled(&booking.by, booking.email, &slot, Why::Closed, false)
                    .await;
                let counsellor = slot.counsellor.clone();
                self.cancelled(&counsellor, slot.counsellor_email, &slot, Why::Closed, true)
                    .await;
            }
        }
        Ok(cancelled)
    }

    /// Tells `person` that `slot`'s booking is cancelled: a notice in the space, and an e-mail
    /// when they opted in. Failures are logged: the cancellation itself has happened.
    async fn cancelled(
        &self,
        person: &SlotPerson,
        email: bool,
        slot: &Slot,
        why: Why,
        counsellor: bool,
    ) {
        let when = format_ja(self.local(slot.starts_at));
        let message = match (counsellor, slot.booking.as_ref()) {
            (true, Some(booking)) => format!(
                "{when}からの{}さんとの相談は、{}取り消しになりました。",
                booking.by.nickname,
                why.ja()
            ),
            _ => format!(
                "{when}からの相談の予約は、{}取り消しになりました。ご不便をおかけしてすみません。よろしければ、アカウントのページから別の枠をお選びください。",
                why.ja()
            ),
        };
        self.notify(
            person,
            BookingNoticeKind::BookingCancelled,
            &message,
            slot.starts_at,
        )
        .await;
        if email {
            let (ja, en) = why.sentences();
            if let Err(error) = self
                .inner
                .accounts
                .mail_booking(&person.account, slot.starts_at, Some((ja, en)))
                .await
            {
                tracing::warn!(%error, "a booking cancellation could not be e-mailed");
            }
        }
    }

    async fn notify(
        &self,
        person: &SlotPerson,
        kind: BookingNoticeKind,
        message: &str,
        start: DateTime<Utc>,
    ) {
        if let Err(error) = self
            .store()
            .add_booking_notice(&person.account, kind, message, start, self.now())
            .await
        {
            tracing::error!(%error, "a booking notice could not be kept");
            return;
        }
        self.inner
            .hub
            .deliver_booking_notices(&person.public_id)
            .await;
    }

    /// Reminds each booked consultation's participant (and counsellor) once, `REMIND_BEFORE`
    /// its start: in the space, and by e-mail to those who opted in. Each reminder is claimed
    /// in the store, so one node of many sends it.
    pub(super) async fn remind_due(&self, now: DateTime<Utc>) -> Result<(), BookingError> {
        for slot in self.bookings_starting(now, now + REMIND_BEFORE).await? {
            let Some(booking) = &slot.booking else {
                continue;
            };
            if slot.reminded_at.is_some() || !self.store().claim_reminder(&slot.id, now).await? {
                continue;
            }
            let when = format_ja(self.local(slot.starts_at));
            let message = format!(
                "{when}から、予約された相談があります。時間になったら、どうぞお入りください。"
            );
            self.notify(
                &booking.by,
                BookingNoticeKind::BookingReminder,
                &message,
                slot.starts_at,
            )
            .await;
            let for_counsellor = format!(
                "{when}から、{}さんとの相談の予約があります。",
                booking.by.nickname
            );
            self.notify(
                &slot.counsellor,
                BookingNoticeKind::BookingReminder,
                &for_counsellor,
                slot.starts_at,
            )
            .await;
            for (person, email) in [
                (&booking.by, booking.email),
                (&slot.counsellor, slot.counsellor_email),
            ] {
                if email {
                    if let Err(error) = self
                        .inner
                        .accounts
                        .mail_booking(&person.account, slot.starts_at, None)
                        .await
                    {
                        tracing::warn!(%error, "a booking reminder could not be e-mailed");
                    }
                }
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Why {
    /// The day closed after the booking (a closure added to rooms.toml).
    Closed,
    /// The counsellor withdrew the slot.
    Withdrawn,
}

impl Why {
    fn ja(self) -> &'static str {
        match self {
            Why::Closed => "その日が閉室になったため、",
            Why::Withdrawn => "担当の相談員の都合で、",
        }
    }

    /// For the e-mail, in Japanese and English.
    fn sentences(self) -> (&'static str, &'static str) {
        match self {
            Why::Closed => (
                "その日は、居場所が閉室になりました。",
                "The space is now closed on that day.",
            ),
            Why::Withdrawn => (
                "担当の相談員の都合がつかなくなりました。",
                "The counsellor can no longer be there at that time.",
            ),
        }
    }
}
