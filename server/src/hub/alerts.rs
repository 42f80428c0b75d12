//! Crisis alerts: every chat line passes the crisis detector (crate::safety::crisis) as it is
//! sent. A match never blocks, delays or hides the line: it goes to its room as any other.
//! Within a second, every member of staff on duty, on whichever node, gets `crisis_alert`
//! (who, where, what), repeated every minute until one of them acknowledges it; the writer
//! privately gets `help`, the help lines and the offer of a counsellor. Lines said in a
//! consultation alert only counsellors on duty (staff without the consultation grant never
//! read a consultation). The alert and its acknowledgement are audited, without the words.
//!
//! Contact details (crate::safety::contact) in a room open to many are held back until the
//! sender confirms; then staff on duty are told it happened (`contact_shared`). In a
//! consultation nothing is held back.
use super::handle::{Frame, SessionHandle};
use super::protocol::{HelpLineView, ServerMessage};
use super::Hub;
use crate::auth::Grant;
use crate::config::RoomKind;
use crate::model::{AuditAction, AuditEntry, PublicId, Role};
use crate::safety::contact::{self, ContactKind};
use std::time::Duration;

/// How often an alert nobody acknowledged comes again.
const REPEAT_EVERY: Duration = Duration::from_secs(60);
/// How many times it comes again at most (then it is in the audit log, unacknowledged).
const MOST_REPEATS: u32 = 30;
/// How long a node remembers an alert it delivered, for the acknowledgement.
const REMEMBER_FOR: Duration = Duration::from_secs(3 * 3600);

/// An alert as a node remembers it: about whom, and whether only counsellors may see it.
#[derive(Debug, Clone)]
pub(super) struct Raised {
    pub member: PublicId,
    pub room: String,
    pub category: String,
    pub consult: bool,
    pub at: std::time::Instant,
}

impl Hub {
    /// The member sent `text` to `room`: alert the staff on duty if it reads as a crisis.
    pub(super) fn watch_for_crisis(&self, session: &SessionHandle, room: &str, text: &str) {
        let Some(category) = self.space.safety.crisis.check(text) else {
            return;
        };
        let alert = format!("a_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let consult = self
            .rooms
            .config(room)
            .is_some_and(|c| matches!(c.kind, RoomKind::Consult { .. }));
        let mut member = session.view();
        member.pos = None;
        let message = ServerMessage::CrisisAlert {
            alert: alert.clone(),
            member,
            room: room.to_string(),
            text: text.to_string(),
            category: category.as_str().to_string(),
            at: self
                .clock
                .now()
                .with_timezone(&self.space.space.timezone)
                .fixed_offset(),
            repeat: 0,
        };
        tracing::warn!(%alert, member = %session.id, room, category = category.as_str(), "a line reads as a crisis: staff on duty are alerted");
        session.reply(Frame::from(self.help().to_text()));
        self.pending_alerts.insert(alert.clone(), ());
        let hub = self.clone();
        let writer = session.id.clone();
        let room = room.to_string();
        tokio::spawn(async move {
            hub.audit(AuditEntry {
                actor: None,
                action: AuditAction::CrisisAlert,
                subject: Some(writer),
                detail: serde_json::json!({"alert": alert, "room": room, "category": category.as_str()}),
            })
            .await;
            hub.raise(message, consult).await;
        });
    }

    /// Sends the alert now, then again every minute while nobody acknowledged it.
    async fn raise(&self, mut message: ServerMessage, consult: bool) {
        let ServerMessage::CrisisAlert { alert, .. } = &message else {
            return;
        };
        let alert = alert.clone();
        let mut repeats = 0;
        loop {
            self.send_alert(&message, consult);
            if repeats == MOST_REPEATS {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(REPEAT_EVERY) => {}
                _ = self.shutdown.cancelled() => break,
            }
            if !self.pending_alerts.contains_key(&alert) {
                return;
            }
            repeats += 1;
            if let ServerMessage::CrisisAlert { repeat, .. } = &mut message {
                *repeat = repeats;
            }
        }
        self.pending_alerts.remove(&alert);
    }

    pub(super) fn send_alert(&self, message: &ServerMessage, consult: bool) {
        let frame = message.to_text();
        match &self.relay {
            Some(relay) => {
                relay.to_staff(&frame, consult);
            }
            None => {
                let hub = self.clone();
                tokio::spawn(async move { hub.deliver_to_staff(&frame, consult).await });
            }
        }
    }

    /// On this node: a frame for the staff on duty here (`consult`: only those with the
    /// consultation grant). With nobody on duty anywhere, to every member of staff here:
    /// someone must see it. A crisis alert is remembered, for its acknowledgement.
    pub(super) async fn deliver_to_staff(&self, frame: &str, consult: bool) {
        if let Ok(ServerMessage::CrisisAlert {
            alert,
            member,
            room,
            category,
            ..
        }) = serde_json::from_str::<ServerMessage>(frame)
        {
            self.forget_old_alerts();
            self.raised.insert(
                alert,
                Raised {
                    member: member.id,
                    room,
                    category,
                    consult,
                    at: std::time::Instant::now(),
                },
            );
        }
        let on_duty = self.on_duty().await.unwrap_or_default();
        let staff: Vec<SessionHandle> = self
            .online_sessions()
            .into_iter()
            .filter(|s| sees_staff_frames(s.role, consult))
            .collect();
        let anyone_on_duty = !on_duty.is_empty();
        let frame = Frame::from(frame.to_string());
        for session in staff {
            if !anyone_on_duty || on_duty.contains(&session.id) {
                session.deliver_or_close(frame.clone());
            }
        }
    }

    /// A member of staff acknowledges `alert`: audited, the repeats stop, and every member of
    /// staff who got it is told who took it on. False if this node never delivered it.
    pub(super) async fn acknowledge_alert(&self, by: &SessionHandle, alert: &str) -> bool {
        let Some(raised) = self.raised.get(alert).map(|r| r.clone()) else {
            return false;
        };
        if raised.consult && !by.role.has(Grant::TakeConsultations) {
            return false;
        }
        self.audit(AuditEntry {
            actor: Some(by.id.clone()),
            action: AuditAction::CrisisAlertAcknowledged,
            subject: Some(raised.member.clone()),
            detail: serde_json::json!({"alert": alert, "room": raised.room, "category": raised.category}),
        })
        .await;
        let done = ServerMessage::AlertAcknowledged {
            alert: alert.to_string(),
            by: by.view(),
        }
        .to_text();
        match &self.relay {
            Some(relay) => {
                relay.alert_acknowledged(&done);
            }
            None => self.alert_acknowledged(&done),
        }
        true
    }

    /// On this node: an alert was acknowledged; its repeats stop and staff here are told.
    pub(super) fn alert_acknowledged(&self, frame: &str) {
        let Ok(ServerMessage::AlertAcknowledged { alert, .. }) =
            serde_json::from_str::<ServerMessage>(frame)
        else {
            return;
        };
        self.pending_alerts.remove(&alert);
        let Some(raised) = self.raised.get(&alert).map(|r| r.clone()) else {
            return;
        };
        let frame = Frame::from(frame.to_string());
        for session in self.online_sessions() {
            if sees_staff_frames(session.role, raised.consult) {
                session.deliver_or_close(frame.clone());
            }
        }
    }

    /// What contact details `text` holds, if it is to be held back in `room` (a room open to
    /// many: never a consultation).
    pub(super) fn contact_in(&self, room: &str, text: &str) -> Option<ContactKind> {
        let consult = self
            .rooms
            .config(room)
            .is_some_and(|c| matches!(c.kind, RoomKind::Consult { .. }));
        if consult {
            return None;
        }
        contact::find(text)
    }

    /// The sender confirmed a line with contact details: staff on duty are told.
    pub(super) fn contact_shared(&self, session: &SessionHandle, room: &str, kind: ContactKind) {
        let mut member = session.view();
        member.pos = None;
        let message = ServerMessage::ContactShared {
            member,
            room: room.to_string(),
            kind: kind.as_str().to_string(),
            at: self
                .clock
                .now()
                .with_timezone(&self.space.space.timezone)
                .fixed_offset(),
        };
        self.send_alert(&message, false);
    }

    /// The help lines, for the writer of a line that reads as a crisis.
    fn help(&self) -> ServerMessage {
        ServerMessage::Help {
            help_lines: self
                .space
                .safety
                .help_lines
                .iter()
                .map(|line| HelpLineView {
                    name: line.name.ja.clone(),
                    name_en: line.name.en.clone(),
                    number: line.number.clone(),
                    hours: line.hours.ja.clone(),
                    hours_en: line.hours.en.clone(),
                })
                .collect(),
        }
    }

    fn forget_old_alerts(&self) {
        self.raised.retain(|_, r| r.at.elapsed() < REMEMBER_FOR);
    }

    async fn audit(&self, entry: AuditEntry) {
        if let Err(error) = self.store.record_audit(entry).await {
            tracing::error!(%error, "could not write an alert to the audit log");
        }
    }
}

/// Who may be given a frame for staff on duty: whoever may go on duty, and for a consultation's
/// line counsellors only.
fn sees_staff_frames(role: Role, consult: bool) -> bool {
    role.has(Grant::GoOnDuty) && (!consult || role.has(Grant::TakeConsultations))
}
