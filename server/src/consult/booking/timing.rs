//! The booking's timed chores, in one loop: the reminder before each booked slot
//! (telling.rs), and the slot's start, when its member joins the line to talk ahead of
//! everyone who asked now, for their counsellor (crate::hub::talk).
//!
//! Starts are fired like the doorkeeper's events: each wake-up fires those in `[last, now)`,
//! so a late wake-up never skips one and none fires twice; a rehearsal clock set to another
//! instant starts over from there.
use super::{Bookings, REMIND_BEFORE};
use crate::schedule::Jumps;
use chrono::{DateTime, Utc};

/// Never sleep longer than this: a slot booked meanwhile, or a wall clock adjusted, is seen
/// within it.
const MAX_NAP: std::time::Duration = std::time::Duration::from_secs(30);

impl Bookings {
    /// Runs reminders and starts until the hub shuts down.
    pub async fn run(self) {
        let mut jumps = Jumps::of(self.inner.clock.as_ref());
        let mut last = self.now();
        loop {
            if let Some(to) = jumps.unseen() {
                last = to;
            }
            let now = self.now();
            if let Err(error) = self.remind_due(now).await {
                tracing::error!(%error, "booking reminders");
            }
            self.start_due(last, now).await;
            last = now;
            let nap = self
                .next_instant(now)
                .await
                .map_or(MAX_NAP, |t| self.inner.clock.until(t).min(MAX_NAP));
            tokio::select! {
                _ = tokio::time::sleep(nap) => {}
                _ = self.inner.booked.notified() => {}
                to = jumps.next() => last = to,
                _ = self.inner.hub.stopped() => return,
            }
        }
    }

    /// Booked slots starting in `[after, now)`: each node puts the member in line if they are
    /// connected to it (so exactly one does).
    async fn start_due(&self, after: DateTime<Utc>, now: DateTime<Utc>) {
        match self.bookings_starting(after, now).await {
            Ok(slots) => {
                for slot in slots {
                    self.inner.hub.booking_started(&slot).await;
                }
            }
            Err(error) => tracing::error!(%error, "booked consultations starting"),
        }
    }

    /// The next reminder or start after `now`, if one is within the reminders' reach.
    async fn next_instant(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let reminder = self
            .store()
            .next_unreminded_booking(now + REMIND_BEFORE)
            .await
            .ok()
            .flatten()
            .map(|t| t - REMIND_BEFORE);
        let start = self
            .bookings_starting(now, now + REMIND_BEFORE)
            .await
            .ok()
            .and_then(|slots| slots.into_iter().map(|s| s.starts_at).find(|t| *t > now));
        reminder.into_iter().chain(start).min()
    }
}
