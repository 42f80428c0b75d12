//! Telling a member about their booked consultation (a cancellation, a reminder) as a
//! `notice`. Consultation booking (crate::consult) writes the notice to the store and asks
//! the hub to deliver it; a member who is not connected gets it when they next enter (the
//! session asks on `welcome`). Each notice is claimed in the store before it is sent, so it
//! is said once, on whichever node.
use super::protocol::{NoticeKind, ServerMessage};
use super::Hub;
use crate::model::{BookingNoticeKind, PublicId};
use chrono::{DateTime, Utc};

/// A notice older than this is stale news by the time they enter: it stays on their account
/// page only.
const FRESH_FOR: chrono::Duration = chrono::Duration::days(14);

impl Hub {
    /// Resolves when the hub shuts down: the end of chores that run beside it.
    pub async fn stopped(&self) {
        self.shutdown.cancelled().await
    }

    /// Delivers `member`'s unseen booking notices if they are connected (on any node).
    pub async fn deliver_booking_notices(&self, member: &PublicId) {
        // On several nodes the member may be connected elsewhere: the relay carries the frame
        // there, and it is dropped only if they are connected nowhere (they see it on their
        // account page).
        if self.find(member).is_none() && self.relay.is_none() {
            return;
        }
        let since = self.clock.now() - FRESH_FOR;
        let notices = match self.store.booking_notices(member, since, true).await {
            Ok(notices) => notices,
            Err(error) => {
                tracing::error!(%error, "reading booking notices");
                return;
            }
        };
        for notice in notices {
            match self.store.claim_booking_notice(&notice.id).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(error) => {
                    tracing::error!(%error, "claiming a booking notice");
                    return;
                }
            }
            let frame = ServerMessage::Notice {
                kind: match notice.kind {
                    BookingNoticeKind::BookingCancelled => NoticeKind::BookingCancelled,
                    BookingNoticeKind::BookingReminder => NoticeKind::BookingReminder,
                },
                message: notice.message,
                until: counted_down_to(notice.kind, notice.slot_start, &self.space.space.timezone),
            };
            self.tell_member(member, frame.to_text());
        }
    }
}

/// A reminder counts down to the start; a cancellation has nothing to count down to.
fn counted_down_to(
    kind: BookingNoticeKind,
    start: DateTime<Utc>,
    tz: &chrono_tz::Tz,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    (kind == BookingNoticeKind::BookingReminder).then(|| start.with_timezone(tz).fixed_offset())
}
