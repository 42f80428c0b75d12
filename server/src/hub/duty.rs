//! Staff on duty: staff and counsellors say when they are there for people (`duty`). Everyone
//! sees whether someone is (「スタッフがいます」), never who; staff see how many, and are warned
//! while fewer than the space asks for (rooms.toml `[safety] warn_on_duty_below`) during
//! opening hours. Participants and family members come in only while at least
//! `min_on_duty` are on duty.
//!
//! One roster for the whole space (a [`Listing`]): a member is on duty while they say so and
//! are in the space; leaving it, or their node dying, takes them off.
use super::handle::{Frame, SessionHandle};
use super::listing::{Listed, Listing};
use super::protocol::ServerMessage;
use super::Hub;
use crate::auth::Grant;
use crate::model::PublicId;
use serde::{Deserialize, Serialize};

pub(super) type DutyRoster = Listing<OnDuty>;

/// Someone on duty: who only (the roster is never shown to participants).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct OnDuty {
    pub member: PublicId,
}

impl Listed for OnDuty {
    fn member(&self) -> &PublicId {
        &self.member
    }
}

impl Hub {
    /// Who is on duty now; None if the roster cannot be read (several nodes, Redis away).
    pub(super) async fn on_duty(&self) -> Option<Vec<PublicId>> {
        match self.duty.all().await {
            Ok(all) => Some(all.into_iter().map(|d| d.member).collect()),
            Err(error) => {
                tracing::warn!(%error, "the staff on duty cannot be counted");
                None
            }
        }
    }

    /// Whether a participant or family member may come in: enough staff on duty. When the
    /// roster cannot be read, yes: a failure of ours never shuts the door on someone.
    pub(super) async fn enough_on_duty(&self) -> bool {
        let minimum = self.space.safety.min_on_duty as usize;
        minimum == 0 || self.on_duty().await.is_none_or(|on| on.len() >= minimum)
    }

    /// The roster changed: every node tells its members.
    pub(super) fn duty_changed(&self) {
        match &self.relay {
            Some(relay) => {
                relay.duty_changed();
            }
            None => {
                let hub = self.clone();
                tokio::spawn(async move { hub.show_duty().await });
            }
        }
    }

    /// Tells everyone connected here whether staff are there (staff: how many, and more).
    pub(super) async fn show_duty(&self) {
        let Some(on) = self.on_duty().await else {
            return;
        };
        for session in self.online_sessions() {
            session.deliver_or_close(self.duty_frame(&session, &on));
        }
    }

    /// What `session` is told about the staff on duty (`on`).
    pub(super) fn duty_frame(&self, session: &SessionHandle, on: &[PublicId]) -> Frame {
        let staff = session.role.has(Grant::GoOnDuty);
        let open = self.schedule.open_window_at(self.clock.now()).is_some();
        let short = open && on.len() < self.space.safety.warn_on_duty_below as usize;
        Frame::from(
            ServerMessage::Duty {
                staff_present: !on.is_empty(),
                on_duty: staff.then_some(on.len()),
                you: staff.then(|| on.contains(&session.id)),
                short: staff.then_some(short),
            }
            .to_text(),
        )
    }

    /// The member left the space on purpose: off duty.
    pub(super) async fn duty_gone(&self, member: &PublicId) {
        if let Ok(Some(_)) = self.duty.take(member).await {
            self.duty_changed();
        }
    }
}
