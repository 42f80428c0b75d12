//! The doorkeeper watches the clock: it warns before closing, says goodbye at closing (letting
//! a consultation in progress run on for its grace period, and telling staff, who stay, that
//! the space is now closed), tells whoever is in when it opens, and ends program sessions.
//!
//! Stateless by design: each wake-up fires every event whose instant passed since the last
//! one, computed from the same schedule windows the calendar shows. A fast clock or a late
//! wake-up never skips or repeats an event. A rehearsal clock set to another instant wakes the
//! doorkeeper at once, which starts over from there as if the server had started at that
//! instant: nothing in between fires, and set back, a closing can be rehearsed again.
use super::handle::{Frame, SessionHandle};
use super::protocol::{CloseCode, GoodbyeReason, NoticeKind, ServerMessage};
use super::room::RoomCommand;
use super::{words, Hub};
use crate::auth::Grant;
use crate::config::{RoomKind, SpaceSettings};
use crate::model::PublicId;
use crate::schedule::{Jumps, Schedule};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use std::collections::HashSet;

/// Never sleep longer than this: a wall clock may be adjusted while we sleep.
const MAX_NAP: std::time::Duration = std::time::Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Opened,
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
    let mut jumps = Jumps::of(hub.clock.as_ref());
    let mut last = hub.clock.now();
    loop {
        // A jump the wait below did not see (it came while events were acted on).
        if let Some(to) = jumps.unseen() {
            last = to;
        }
        let now = hub.clock.now();
        for (_, event) in events(&hub.schedule, &hub.space.space, last, now) {
            act(&hub, event).await;
        }
        last = now;
        let nap = next_instant(&hub.schedule, &hub.space.space, now)
            .map_or(MAX_NAP, |t| hub.clock.until(t).min(MAX_NAP));
        tokio::select! {
            _ = tokio::time::sleep(nap) => {}
            to = jumps.next() => last = to,
            _ = hub.shutdown.cancelled() => return,
        }
    }
}

/// Events with `after < t <= until`, in order.
fn events(
    schedule: &Schedule,
    settings: &SpaceSettings,
    after: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Event)> {
    let mut all = planned(schedule, settings, after, until);
    all.retain(|(t, _)| *t > after && *t <= until);
    all.sort_by_key(|(t, _)| *t);
    all
}

fn next_instant(
    schedule: &Schedule,
    settings: &SpaceSettings,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    planned(schedule, settings, now, now + Duration::days(1))
        .into_iter()
        .map(|(t, _)| t)
        .filter(|t| *t > now)
        .min()
}

/// Every event of the windows that touch the dates from `from` to `to` (a day either side).
fn planned(
    schedule: &Schedule,
    settings: &SpaceSettings,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Event)> {
    let tz = schedule.timezone();
    let first = from.with_timezone(&tz).date_naive() - Duration::days(1);
    let last = to.with_timezone(&tz).date_naive() + Duration::days(1);
    let grace = Duration::minutes(settings.consult_grace_minutes.into());
    let mut planned = Vec::new();
    for window in schedule.windows(first, last) {
        let end = window.end.with_timezone(&Utc);
        let start = window.start.with_timezone(&Utc);
        // Back-to-back windows are one opening: nothing opens at the seam.
        if window.room.is_none()
            && schedule
                .open_window_at(start - Duration::seconds(1))
                .is_none()
        {
            planned.push((start, Event::Opened));
        }
        match window.room {
            Some(room) => planned.push((end, Event::SessionEnded { room })),
            // Back-to-back windows are one opening: nothing closes at the seam.
            None if schedule.open_window_at(end).is_some() => {}
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
        // Only staff can be in before it opens: their page stops saying it is closed.
        Event::Opened => {
            let opened = space_changed(hub);
            for session in hub.online_sessions() {
                session.deliver_or_close(opened.clone());
            }
            // Too few on duty matters from now on (staff are warned).
            hub.show_duty().await;
        }
        Event::ClosingSoon { minutes, closes_at } => {
            let notice = frame(&ServerMessage::Notice {
                kind: NoticeKind::Closing,
                message: words::closing_soon(minutes),
                until: Some(closes_at),
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
                until: Some(grace_until),
            });
            let closed = space_changed(hub);
            for session in hub.online_sessions() {
                let stays = session.role.has(Grant::EnterWhenClosed);
                if in_consultation.contains(&session.id) {
                    session.deliver_or_close(grace.clone());
                } else if !stays {
                    say_goodbye(hub, &session, now);
                }
                // Staff stay on in a closed space: they are told it is closed now.
                if stays {
                    session.deliver_or_close(closed.clone());
                }
            }
            hub.show_duty().await;
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
            // The room's host ends it (every node's doorkeeper sees the same event).
            if let Some(handle) = hub.rooms.here(&room) {
                handle
                    .send(RoomCommand::SessionEnded { next_session })
                    .await;
            }
        }
    }
}

/// The space as it is now (opened or closed a moment ago), as `welcome` gives it.
fn space_changed(hub: &Hub) -> Frame {
    frame(&ServerMessage::SpaceChanged {
        space: hub.space_info(),
    })
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
    let consult_rooms = hub
        .rooms
        .ids_in_order()
        .filter(|(_, config)| matches!(config.kind, RoomKind::Consult { .. }));
    for (id, _) in consult_rooms {
        let occupants = hub.present_in(id).await;
        let counsellor = occupants
            .iter()
            .any(|p| p.role.has(Grant::TakeConsultations));
        if counsellor && occupants.len() >= 2 {
            members.extend(occupants.into_iter().map(|p| p.view.id));
        }
    }
    members
}

fn frame(message: &ServerMessage) -> Frame {
    Frame::from(message.to_text())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SpaceConfig;

    fn shipped() -> (Schedule, SpaceSettings) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../rooms.toml");
        let config = SpaceConfig::load(std::path::Path::new(path)).unwrap();
        (config.schedule(), config.space)
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn an_evening_closes_with_three_notices_a_goodbye_and_the_end_of_grace() {
        let (schedule, settings) = shipped();
        let got = events(
            &schedule,
            &settings,
            at("2026-12-09T19:30:00+09:00"),
            at("2026-12-09T23:00:00+09:00"),
        );
        let closes = DateTime::parse_from_rfc3339("2026-12-09T21:00:00+09:00").unwrap();
        let grace = Duration::minutes(settings.consult_grace_minutes.into());
        let expected = vec![
            (
                at("2026-12-09T20:50:00+09:00"),
                Event::ClosingSoon {
                    minutes: 10,
                    closes_at: closes,
                },
            ),
            (
                at("2026-12-09T20:55:00+09:00"),
                Event::ClosingSoon {
                    minutes: 5,
                    closes_at: closes,
                },
            ),
            (
                at("2026-12-09T20:59:00+09:00"),
                Event::ClosingSoon {
                    minutes: 1,
                    closes_at: closes,
                },
            ),
            (
                at("2026-12-09T21:00:00+09:00"),
                Event::Closed {
                    grace_until: closes + grace,
                },
            ),
            (at("2026-12-09T21:00:00+09:00") + grace, Event::GraceOver),
        ];
        // The 19:00–20:30 peer salon ends at 20:30 on the 4th Wednesday only (12-23), not here.
        assert_eq!(got, expected);
    }

    #[test]
    fn the_space_opens_once_a_day_at_its_first_window() {
        let (schedule, settings) = shipped();
        let got = events(
            &schedule,
            &settings,
            at("2026-12-09T00:00:00+09:00"),
            at("2026-12-09T14:00:00+09:00"),
        );
        assert_eq!(got, vec![(at("2026-12-09T13:00:00+09:00"), Event::Opened)]);
        // Two windows that touch are one opening: no second `Opened` at the seam.
        let text = concat!(
            "[space]\nname = \"t\"\n",
            "[[opening]]\nrule = \"weekly\"\nweekdays = [\"wed\"]\nstart = \"10:00\"\nend = \"12:00\"\n",
            "[[opening]]\nrule = \"weekly\"\nweekdays = [\"wed\"]\nstart = \"12:00\"\nend = \"15:00\"\n",
            "[[room]]\nid = \"free\"\nkind = \"free\"\nname = \"ひろば\"\n",
        );
        let config = SpaceConfig::from_toml(text, "rooms.toml").unwrap();
        let opened: Vec<_> = events(
            &config.schedule(),
            &config.space,
            at("2026-12-09T00:00:00+09:00"),
            at("2026-12-09T23:00:00+09:00"),
        )
        .into_iter()
        .filter(|(_, e)| *e == Event::Opened)
        .collect();
        assert_eq!(
            opened,
            vec![(at("2026-12-09T10:00:00+09:00"), Event::Opened)]
        );
    }

    #[test]
    fn program_sessions_end_at_their_end() {
        let (schedule, settings) = shipped();
        let got = events(
            &schedule,
            &settings,
            at("2026-12-09T13:00:00+09:00"),
            at("2026-12-09T19:30:00+09:00"),
        );
        let ended: Vec<_> = got
            .iter()
            .filter_map(|(t, e)| match e {
                Event::SessionEnded { room } => Some((*t, room.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            ended,
            vec![
                (at("2026-12-09T15:30:00+09:00"), "illustration"),
                (at("2026-12-09T19:00:00+09:00"), "dinner")
            ]
        );
    }

    #[test]
    fn nothing_happens_on_a_closed_day_and_the_next_instant_is_found() {
        let (schedule, settings) = shipped();
        // 12-10 (Thursday) is not an opening day.
        assert!(events(
            &schedule,
            &settings,
            at("2026-12-10T00:00:00+09:00"),
            at("2026-12-10T23:59:00+09:00")
        )
        .is_empty());
        assert_eq!(
            next_instant(&schedule, &settings, at("2026-12-09T20:49:00+09:00")),
            Some(at("2026-12-09T20:50:00+09:00"))
        );
    }

    #[test]
    fn an_event_at_the_boundary_fires_once() {
        let (schedule, settings) = shipped();
        let closing = at("2026-12-09T21:00:00+09:00");
        let before = events(
            &schedule,
            &settings,
            closing - Duration::seconds(1),
            closing,
        );
        let after = events(
            &schedule,
            &settings,
            closing,
            closing + Duration::seconds(1),
        );
        assert!(before
            .iter()
            .any(|(_, e)| matches!(e, Event::Closed { .. })));
        assert!(!after.iter().any(|(_, e)| matches!(e, Event::Closed { .. })));
    }
}
