//! Who may come in, and when. Pure decisions over the schedule (the same `windows()` the
//! calendar API shows), so the page and the door can never disagree.
use crate::auth::Grant;
use crate::config::{Audience, RoomConfig, RoomKind};
use crate::model::{AgeGroup, Role};
use crate::schedule::{Schedule, Window};
use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    SpaceClosed {
        next_opening: Option<Window>,
    },
    RoomClosed {
        next_session: Option<Window>,
    },
    NotAllowed,
    /// The room is for some age bands or roles (rooms.toml `for_groups`, `for_roles`), and
    /// the member is not among them.
    NotForYou {
        audience: Audience,
    },
}

pub struct Gate<'a> {
    pub schedule: &'a Schedule,
    pub doors_open: Duration,
    /// How long a consultation may run on after closing (rooms.toml `consult_grace_minutes`).
    pub consult_grace: Duration,
}

impl Gate<'_> {
    pub fn admit_to_space(&self, role: Role, now: DateTime<Utc>) -> Result<(), Refusal> {
        if role.has(Grant::EnterWhenClosed) || self.schedule.open_window_at(now).is_some() {
            Ok(())
        } else {
            Err(Refusal::SpaceClosed {
                next_opening: self.schedule.next_opening(now),
            })
        }
    }

    /// Whether `now` is in the grace period after a closing, when a consultation in progress
    /// may run on (and someone whose connection dropped may come back into it).
    pub fn in_consult_grace(&self, now: DateTime<Utc>) -> bool {
        let today = now.with_timezone(&self.schedule.timezone()).date_naive();
        self.schedule
            .windows(today - Duration::days(1), today)
            .iter()
            .filter(|w| w.room.is_none())
            .any(|w| {
                let end = w.end.with_timezone(&Utc);
                end <= now && now < end + self.consult_grace
            })
    }

    /// Whether a member of `role` who declared `group` may enter `room` now. Consultation
    /// rooms also need an invitation, which only the room itself knows; capacity is the
    /// room's to check too. A room not for the member says so before whether it is open:
    /// that is the answer that stays true.
    pub fn admit_to_room(
        &self,
        room: &RoomConfig,
        role: Role,
        group: Option<AgeGroup>,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        // A consultation's own door (an invitation, or being inside already) decides during
        // the grace period.
        let consult = matches!(room.kind, RoomKind::Consult { .. });
        if !(consult && self.in_consult_grace(now)) {
            self.admit_to_space(role, now)?;
        }
        if !is_for(room, role, group) {
            return Err(Refusal::NotForYou {
                audience: room.audience.clone(),
            });
        }
        match &room.kind {
            RoomKind::Free { .. } | RoomKind::Gallery { .. } => Ok(()),
            RoomKind::Staff if role.has(Grant::EnterStaffRoom) => Ok(()),
            RoomKind::Staff => Err(Refusal::NotAllowed),
            RoomKind::Consult { .. } => Ok(()),
            RoomKind::Program { host_roles, .. } => {
                if host_roles.contains(&role) || role.has(Grant::EnterWhenClosed) {
                    return Ok(());
                }
                self.program_session_for_audience(&room.id, now)
                    .map(|_| ())
                    .ok_or_else(|| Refusal::RoomClosed {
                        next_session: self.schedule.next_session(&room.id, now),
                    })
            }
        }
    }

    /// The session a participant may be in at `now`: the running one, or the next one if
    /// its doors are already open.
    pub fn program_session_for_audience(&self, room: &str, now: DateTime<Utc>) -> Option<Window> {
        self.schedule.session_at(room, now).or_else(|| {
            self.schedule
                .next_session(room, now)
                .filter(|next| next.start.with_timezone(&Utc) - self.doors_open <= now)
        })
    }
}

/// Whether `room` is for a member of `role` who declared `group`: its audience includes them,
/// or they work in the space (whoever may enter the staff room) or host the room.
pub fn is_for(room: &RoomConfig, role: Role, group: Option<AgeGroup>) -> bool {
    role.has(Grant::EnterStaffRoom)
        || room.kind.hosted_by(role)
        || room.audience.includes(role, group)
}
