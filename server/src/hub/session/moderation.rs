//! Staff's gentle moderation, as a staff member's connection asks for it: hide a line, a
//! private word (and the member's answer), a timed mute, asking someone to leave a room.
//! Each needs the moderation grant and is audited (who, whom, what, why; never what was
//! whispered); the member's side is crate::hub::moderation.
use super::super::inbound::{error_body, Reject};
use super::super::protocol::{ErrorBody, ErrorCode, Rid, ServerMessage};
use super::super::room::RoomCommand;
use super::super::words::{self, FieldProblem};
use super::{ask, Reader};
use crate::auth::Grant;
use crate::model::{AuditAction, AuditEntry, Mute, PublicId};
use crate::safety::screen_chat;
use serde_json::{json, Value};

/// How long someone asked to leave a room may not come back to it.
const ASKED_OUT_MINUTES: u32 = 10;
/// The longest mute at a time: a day.
const MUTE_MINUTES_MAX: u32 = 24 * 60;
/// `voice_mute` (the older request) mutes the voice for this long.
const VOICE_MUTE_MINUTES: u32 = 60;
/// A reason is a short note for the audit log.
const REASON_CHARS: usize = 200;

/// What staff change of a member's mute.
pub(super) enum MuteChange {
    /// Hold back text and/or voice for `minutes` (the other part stays as it was).
    Hold {
        text: bool,
        voice: bool,
        minutes: u32,
    },
    /// Lift the voice part only (`voice_mute` with `muted: false`).
    LiftVoice,
    /// Lift everything.
    Lift,
}

impl Reader<'_> {
    fn moderator(&self, rid: &Option<Rid>) -> Result<(), Reject> {
        if self.member.role.has(Grant::Moderate) {
            Ok(())
        } else {
            Err(error_body(rid.clone(), ErrorCode::NotAllowed).into())
        }
    }

    async fn audit(&self, action: AuditAction, subject: &PublicId, detail: Value) {
        let entry = AuditEntry {
            actor: Some(self.session.id.clone()),
            action,
            subject: Some(subject.clone()),
            detail,
        };
        if let Err(error) = self.hub.store.record_audit(entry).await {
            tracing::error!(%error, action = action.as_str(), "could not write a moderation action to the audit log");
        }
    }

    fn ack(&self, rid: Option<Rid>) -> Result<(), Reject> {
        self.reply(ServerMessage::Ack { rid, seq: None });
        Ok(())
    }

    /// Chat and stamps wait while staff hold the member's text back.
    pub(super) fn text_allowed(&self, rid: &Option<Rid>) -> Result<(), Reject> {
        let mute = self.session.mute().0.at(self.hub.clock.now());
        let Some(until) = self.hub.local(mute.text_until) else {
            return Ok(());
        };
        Err(Box::new(ErrorBody {
            message: words::text_muted(until),
            until: Some(until),
            ..error_body(rid.clone(), ErrorCode::Muted)
        }))
    }

    pub(super) async fn hide(
        &self,
        rid: Option<Rid>,
        room: String,
        seq: u64,
        reason: Option<String>,
    ) -> Result<(), Reject> {
        self.moderator(&rid)?;
        let Some(target) = self.hub.locate(&room).await else {
            let code = match self.hub.rooms.config(&room) {
                Some(_) => ErrorCode::UnknownMessage,
                None => ErrorCode::UnknownRoom,
            };
            return Err(error_body(rid, code).into());
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        target.send(RoomCommand::Hide { seq, reply }).await;
        let from = match answer.await {
            Ok(Ok(from)) => from,
            Ok(Err(code)) => return Err(error_body(rid, code).into()),
            Err(_) => return Err(error_body(rid, ErrorCode::Internal).into()),
        };
        let detail = json!({"room": room, "seq": seq, "reason": short(reason)});
        self.audit(AuditAction::MessageHidden, &from, detail).await;
        self.ack(rid)
    }

    /// Staff whisper to anyone in the space; a member answers only staff who whispered to
    /// them on this connection.
    pub(super) async fn whisper(
        &self,
        rid: Option<Rid>,
        member: PublicId,
        text: String,
    ) -> Result<(), Reject> {
        let staff = self.member.role.has(Grant::Moderate);
        if !staff && !self.session.may_answer(&member) {
            return Err(error_body(rid, ErrorCode::NotAllowed).into());
        }
        let text = screen_chat(&text)
            .map_err(|p| Box::new(super::super::room::chat_problem(rid.clone(), p)))?;
        let at = self
            .hub
            .clock
            .now()
            .with_timezone(&self.hub.space.space.timezone)
            .fixed_offset();
        let whisper = ServerMessage::Whisper {
            from: self.session.view(),
            text,
            at,
        }
        .to_text();
        let reached = if staff {
            self.hub.whisper(&member, self.session.id.clone(), whisper)
        } else {
            self.hub.tell_member(&member, whisper)
        };
        if !reached {
            return Err(error_body(rid, ErrorCode::NotPresent).into());
        }
        if staff {
            self.audit(AuditAction::WhisperSent, &member, json!({}))
                .await;
        }
        self.ack(rid)
    }

    pub(super) async fn change_mute(
        &self,
        rid: Option<Rid>,
        member: PublicId,
        change: MuteChange,
        reason: Option<String>,
    ) -> Result<(), Reject> {
        self.moderator(&rid)?;
        let now = self.hub.clock.now();
        let store_failed = |error: crate::store::StoreError| {
            tracing::error!(%error, "could not change a member's mute");
            Box::new(error_body(rid.clone(), ErrorCode::Internal))
        };
        let held = self
            .hub
            .store
            .mute(&member)
            .await
            .map_err(store_failed)?
            .at(now);
        let (mute, action, detail) = match change {
            MuteChange::Hold {
                text,
                voice,
                minutes,
            } => {
                if !text && !voice {
                    return Err(bad_field(rid, "text"));
                }
                if minutes == 0 || minutes > MUTE_MINUTES_MAX {
                    return Err(bad_field(rid, "minutes"));
                }
                let until = now + chrono::Duration::minutes(minutes.into());
                let mute = Mute {
                    text_until: if text { Some(until) } else { held.text_until },
                    voice_until: if voice { Some(until) } else { held.voice_until },
                };
                let detail = json!({
                    "room": self.hub.room_of(&member).await.map(|r| r.id().to_string()),
                    "text": text,
                    "voice": voice,
                    "minutes": minutes,
                    "until": until.to_rfc3339(),
                    "reason": short(reason),
                });
                (mute, AuditAction::Muted, detail)
            }
            MuteChange::LiftVoice => (
                Mute {
                    voice_until: None,
                    ..held
                },
                AuditAction::Unmuted,
                json!({"voice": true}),
            ),
            MuteChange::Lift => (
                Mute::default(),
                AuditAction::Unmuted,
                json!({"text": true, "voice": true}),
            ),
        };
        if !self
            .hub
            .store
            .set_mute(&member, mute)
            .await
            .map_err(store_failed)?
        {
            return Err(error_body(rid, ErrorCode::NotPresent).into());
        }
        self.audit(action, &member, detail).await;
        self.hub.mute_everywhere(member, mute);
        self.ack(rid)
    }

    /// `voice_mute`, the older request: a voice mute for an hour, or lifting it.
    pub(super) async fn voice_mute(
        &self,
        rid: Option<Rid>,
        member: PublicId,
        muted: bool,
    ) -> Result<(), Reject> {
        let change = match muted {
            true => MuteChange::Hold {
                text: false,
                voice: true,
                minutes: VOICE_MUTE_MINUTES,
            },
            false => MuteChange::LiftVoice,
        };
        self.change_mute(rid, member, change, None).await
    }

    pub(super) async fn ask_to_leave(
        &self,
        rid: Option<Rid>,
        member: PublicId,
        reason: Option<String>,
    ) -> Result<(), Reject> {
        self.moderator(&rid)?;
        let Some(room) = self.hub.room_of(&member).await else {
            return Err(error_body(rid, ErrorCode::NotPresent).into());
        };
        let until = self.hub.clock.now() + chrono::Duration::minutes(ASKED_OUT_MINUTES.into());
        let asked = member.clone();
        ask(&room, &rid, |reply| RoomCommand::AskOut {
            member: asked,
            until,
            reply,
        })
        .await?;
        let detail = json!({
            "room": room.id().to_string(),
            "minutes": ASKED_OUT_MINUTES,
            "reason": short(reason),
        });
        self.audit(AuditAction::AskedToLeave, &member, detail).await;
        self.ack(rid)
    }
}

/// A reason as the audit log keeps it: trimmed, short, absent when blank.
fn short(reason: Option<String>) -> Option<String> {
    let reason = reason?;
    let reason = reason.trim();
    (!reason.is_empty()).then(|| reason.chars().take(REASON_CHARS).collect())
}

fn bad_field(rid: Option<Rid>, field: &str) -> Reject {
    Box::new(ErrorBody {
        message: words::bad_field(field, FieldProblem::Invalid),
        field: Some(field.to_string()),
        ..error_body(rid, ErrorCode::BadRequest)
    })
}
