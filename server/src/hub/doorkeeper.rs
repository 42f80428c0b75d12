//! The doorkeeper watches the clock: it warns before closing, says goodbye at closing (letting
//! a consultation in progress run on for its grace period), and ends program sessions.
//!
//! Stateless by design: each wake-up fires every event whose instant passed since the last
//! one, computed from the same schedule windows the calendar shows. A clock that jumps
//! (a rehearsal) or a late wake-up never skips or repeats an event.
use super::handle::{Frame, SessionHandle};
use super::protocol::{CloseCode, GoodbyeReason, NoticeKind, ServerMessage};
use super::room::RoomCommand;
use super::{words, Hub};
use crate::auth::Grant;
use crate::config::RoomKind;
use crate::member::PublicId;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use std::collections::HashSet;
use tokio::sync::oneshot;

/// Never sleep longer than this: a wall clock may be adjusted while we sleep.
const MAX_NAP: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq)]
enum Event {
    ClosingSoon {
        minutes: u32,
        closes_at: DateTime<FixedOffset>,
    },
    Closed {
        grace_until: DateTime<FixedOffset>,
    },
    GraceOver,
    SessionEnded {
        room: String,
    },
}

pub async fn run(hub: Hub) {
    let mut last = hub.clock.now();
    loop {
        let now = hub.clock.now();
        for (_, event) in events(&hub, last, now) {
            act(&hub, event).await;
        }
        last = now;
        let nap = next_instant(&hub, now).map_or(MAX_NAP, |t| hub.clock.until(t).min(MAX_NAP));
        tokio::select! {
            _ = tokio::time::sleep(nap) => {}
            _ = hub.shutdown.cancelled() => return,
        }
    }
}

/// Events with `after < t <= until`, in order.
fn events(hub: &Hub, after: DateTime<Utc>, until: DateTime<Utc>) -> Vec<(DateTime<Utc>, Event)> {
    let mut all = planned(hub, after, until);
    all.retain(|(t, _)| *t > after && *t <= until);
    all.sort_by_key(|(t, _)| *t);
    all
}

fn next_instant(hub: &Hub, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    planned(hub, now, now + Duration::days(1))
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| *t > now)
        .min()
}

/// Every event of the windows that touch the dates from `from` to `to` (a day either side).
fn planned(hub: &Hub, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, Event)> {
    let tz = hub.schedule.timezone();
    let first = from.with_timezone(&tz).date_naive() - Duration::days(1);
    let last = to.with_timezone(&tz).date_naive() + Duration::days(1);
    let settings = &hub.space.space;
    let grace = Duration::minutes(settings.consult_grace_minutes.into());
    let mut planned = Vec::new();
    for window in hub.schedule.windows(first, last) {
        let end = window.end.with_timezone(&Utc);
        match window.room {
            Some(room) => planned.push((end, Event::SessionEnded { room })),
            // Back-to-back windows are one opening: nothing closes at the seam.
            None if hub.schedule.open_window_at(end).is_some() => {}
            None => {
                for &minutes in &settings.closing_notices {
                    let at = end - Duration::minutes(minutes.into());
                    planned.push((
                        at,
                        Event::ClosingSoon {
                            minutes,
                            closes_at: window.end,
                        },
                    ));
                }
                planned.push((
                    end,
                    Event::Closed {
                        grace_until: window.end + grace,
                    },
                ));
                planned.push((end + grace, Event::GraceOver));
            }
        }
    }
    planned
}

async fn act(hub: &Hub, event: Event) {
    tracing::info!(?event, "doorkeeper");
    let now = hub.clock.now();
    match event {
        Event::ClosingSoon { minutes, closes_at } => {
            let notice = frame(&ServerMessage::Notice {
                kind: NoticeKind::Closing,
                message: words::closing_soon(minutes),
                until: closes_at,
            });
            for session in hub.online_sessions() {
                session.deliver_or_close(notice.clone());
            }
        }
        Event::Closed { grace_until } => {
            let in_consultation = members_in_consultation(hub).await;
            let grace = frame(&ServerMessage::Notice {
                kind: NoticeKind::ConsultGrace,
                message: words::consult_grace(&grace_until),
                until: grace_until,
            });
            for session in hub.online_sessions() {
                if in_consultation.contains(&session.id) {
                    session.deliver_or_close(grace.clone());
                } else if !session.role.has(Grant::EnterWhenClosed) {
                    say_goodbye(hub, &session, now);
                }
            }
        }
        Event::GraceOver => {
            if hub.schedule.open_window_at(now).is_some() {
                return;
            }
            for session in hub.online_sessions() {
                if !session.role.has(Grant::EnterWhenClosed) {
                    say_goodbye(hub, &session, now);
                }
            }
        }
        Event::SessionEnded { room } => {
            let next_session = hub.schedule.next_session(&room, now);
            if let Some(handle) = hub.room(&room) {
                handle
                    .send(RoomCommand::SessionEnded { next_session })
                    .await;
            }
        }
    }
}

fn say_goodbye(hub: &Hub, session: &SessionHandle, now: DateTime<Utc>) {
    let next_opening = hub.schedule.next_opening(now);
    let goodbye = ServerMessage::Goodbye {
        reason: GoodbyeReason::Closed,
        message: words::goodbye_closed(next_opening.as_ref()),
        next_opening,
    };
    session.deliver(frame(&goodbye));
    session.close(CloseCode::SpaceClosed);
}

/// Everyone in a consultation room where a counsellor is present with someone else.
async fn members_in_consultation(hub: &Hub) -> HashSet<PublicId> {
    let mut members = HashSet::new();
    for room in hub
        .rooms_in_order()
        .filter(|r| matches!(r.config.kind, RoomKind::Consult { .. }))
    {
        let (reply, answer) = oneshot::channel();
        if !room.send(RoomCommand::Occupants { reply }).await {
            continue;
        }
        let occupants = answer.await.unwrap_or_default();
        let counsellor = occupants
            .iter()
            .any(|s| s.role.has(Grant::TakeConsultations));
        if counsellor && occupants.len() >= 2 {
            members.extend(occupants.iter().map(|s| s.id.clone()));
        }
    }
    members
}

fn frame(message: &ServerMessage) -> Frame {
    Frame::from(message.to_text())
}
