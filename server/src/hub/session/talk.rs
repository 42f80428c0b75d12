//! One connection's requests about talking with a counsellor (crate::hub::talk): asking and
//! withdrawing, a counsellor accepting, the member saying "not now", and ending; and staff
//! going on duty for them (crate::hub::duty).
use super::super::inbound::{error_body, Reject};
use super::super::protocol::{ErrorCode, Rid, ServerMessage, TalkRequestView};
use super::super::room::RoomCommand;
use super::{ask, Reader};
use crate::auth::Grant;
use crate::config::RoomKind;
use crate::model::{Mode, Profession, PublicId};

impl Reader<'_> {
    pub(super) async fn talk_ask(
        &self,
        rid: Option<Rid>,
        mode: Mode,
        profession: Option<Profession>,
    ) -> Result<(), Reject> {
        let mut member = self.session.view();
        // Counsellors see who and how, never where.
        member.pos = None;
        member.screen = false;
        let request = TalkRequestView {
            member,
            mode,
            profession,
            since: self
                .hub
                .clock
                .now()
                .with_timezone(&self.hub.space.space.timezone)
                .fixed_offset(),
            booked_with: None,
        };
        self.hub
            .talk
            .put(request)
            .await
            .map_err(|error| self.unavailable(rid.clone(), &error))?;
        self.reply(ServerMessage::Ack { rid, seq: None });
        self.hub.talk_line_changed();
        Ok(())
    }

    pub(super) async fn talk_withdraw(&self, rid: Option<Rid>) -> Result<(), Reject> {
        let taken = self
            .hub
            .talk
            .take(&self.session.id)
            .await
            .map_err(|error| self.unavailable(rid.clone(), &error))?;
        self.reply(ServerMessage::Ack { rid, seq: None });
        self.reply(ServerMessage::talk_request(None));
        if taken.is_some() {
            self.hub.talk_line_changed();
        }
        Ok(())
    }

    /// A counsellor takes a waiting member: into the consultation room the counsellor waits in
    /// alone, or the first free one (entering it), where the member is invited.
    pub(super) async fn talk_accept(
        &mut self,
        rid: Option<Rid>,
        member: PublicId,
    ) -> Result<(), Reject> {
        if !self.member.role.has(Grant::TakeConsultations) {
            return Err(error_body(rid, ErrorCode::NotAllowed).into());
        }
        let waiting = self
            .hub
            .talk
            .all()
            .await
            .map_err(|error| self.unavailable(rid.clone(), &error))?;
        let Some(waiting) = waiting.iter().find(|r| r.member.id == member) else {
            return Err(error_body(rid, ErrorCode::NotWaiting).into());
        };
        // A booked consultation is its counsellor's to take.
        if waiting
            .booked_with
            .as_ref()
            .is_some_and(|counsellor| *counsellor != self.session.id)
        {
            return Err(error_body(rid, ErrorCode::NotAllowed).into());
        }
        self.enter_free_consultation_room(&rid).await?;
        let Some(request) = self
            .hub
            .talk
            .take(&member)
            .await
            .map_err(|error| self.unavailable(rid.clone(), &error))?
        else {
            return Err(error_body(rid, ErrorCode::NotWaiting).into());
        };
        self.hub.talk_line_changed();
        let room = self.current_room(&rid)?;
        let session = self.session.clone();
        let guest = member.clone();
        ask(&room, &rid, |reply| RoomCommand::Invite {
            session,
            member: guest,
            reply,
        })
        .await?;
        let invited = ServerMessage::Invited {
            room: room.id().to_string(),
            by: self.session.view(),
            mode: Some(request.mode),
        };
        self.hub
            .tell_member(&member, ServerMessage::talk_request(None).to_text());
        if !self.hub.tell_member(&member, invited.to_text()) {
            return Err(error_body(rid, ErrorCode::NotPresent).into());
        }
        self.reply(ServerMessage::Ack { rid, seq: None });
        Ok(())
    }

    /// The consultation room the counsellor is alone in, or the first one nobody is in, which
    /// they enter (the room refuses a counsellor when someone is inside, so two counsellors
    /// accepting at once end up in different rooms).
    async fn enter_free_consultation_room(&mut self, rid: &Option<Rid>) -> Result<(), Reject> {
        let consultation_rooms: Vec<String> = self
            .hub
            .rooms
            .ids_in_order()
            .filter(|(_, config)| matches!(config.kind, RoomKind::Consult { .. }))
            .map(|(id, _)| id.to_string())
            .collect();
        if let Some(current) = self.session.room() {
            if consultation_rooms.iter().any(|id| **id == *current) {
                let present = self.hub.present_in(&current).await;
                if present.iter().all(|p| p.view.id == self.session.id) {
                    return Ok(());
                }
            }
        }
        for id in consultation_rooms {
            match self.join(None, id.clone(), None).await {
                Ok(()) => return Ok(()),
                Err(error) if error.code == ErrorCode::RoomFull => continue,
                Err(mut error) => {
                    error.rid = rid.clone();
                    return Err(error);
                }
            }
        }
        Err(error_body(rid.clone(), ErrorCode::NoRoomFree).into())
    }

    /// The member invited into `room` says "not now": those inside are told, kindly.
    pub(super) async fn talk_decline(&self, rid: Option<Rid>, room: String) -> Result<(), Reject> {
        let Some(room) = self.hub.locate(&room).await else {
            return Err(error_body(rid, ErrorCode::NotAllowed).into());
        };
        let member = self.session.id.clone();
        ask(&room, &rid, |reply| RoomCommand::Decline { member, reply }).await?;
        self.reply(ServerMessage::Ack { rid, seq: None });
        Ok(())
    }

    pub(super) async fn talk_end(&self, rid: Option<Rid>) -> Result<(), Reject> {
        let room = self.current_room(&rid)?;
        room.send(RoomCommand::End {
            session: self.session.clone(),
            rid,
        })
        .await;
        Ok(())
    }

    /// Staff and counsellors go on duty, or off.
    pub(super) async fn duty(&self, rid: Option<Rid>, on: bool) -> Result<(), Reject> {
        if !self.member.role.has(Grant::GoOnDuty) {
            return Err(error_body(rid, ErrorCode::NotAllowed).into());
        }
        let done = if on {
            let entry = super::super::duty::OnDuty {
                member: self.session.id.clone(),
            };
            self.hub.duty.put(entry).await.map(|_| ())
        } else {
            self.hub.duty.take(&self.session.id).await.map(|_| ())
        };
        done.map_err(|error| self.unavailable(rid.clone(), &error))?;
        self.reply(ServerMessage::Ack { rid, seq: None });
        self.hub.duty_changed();
        Ok(())
    }

    fn unavailable(&self, rid: Option<Rid>, error: &crate::cluster::ClusterError) -> Reject {
        tracing::warn!(%error, member = %self.session.id, "the line of members waiting to talk is out of reach");
        Box::new(super::super::protocol::ErrorBody {
            retry_after_ms: Some(1000),
            ..error_body(rid, ErrorCode::Unavailable)
        })
    }
}
