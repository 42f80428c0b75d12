//! One connection's voice requests, sent to the media engine of the node hosting the member's
//! room (crate::hub::media_requests serves them), and the room's stage and mute controls.
use super::super::inbound::Reject;
use super::super::media_requests::run;
use super::super::protocol::Rid;
use super::super::relay::RoomRef;
use super::super::room::RoomCommand;
use super::super::wire::VoiceOp;
use super::Reader;
use crate::model::PublicId;

impl Reader<'_> {
    /// A voice request: served by this node's media engine, or by the one of the node hosting
    /// the member's room (a room's media stays with its host), which answers through the
    /// member's stand-in there.
    pub(super) async fn voice(&self, rid: Option<Rid>, op: VoiceOp) -> Result<(), Reject> {
        let room = self.session.room().and_then(|id| self.hub.room(&id));
        if let Some(RoomRef::Elsewhere { node, relay, .. }) = room {
            relay.voice(&node, self.session, rid, op);
            return Ok(());
        }
        run(self.hub, self.session, rid, op).await
    }

    /// The member moved from one room to another: whatever they sent stops. When the new room
    /// is hosted by another node than the old one, the peer connection on the old node's media
    /// engine closes (the page starts voice again, then with the new room's host).
    pub(super) fn voice_moves(&self, from: Option<&RoomRef>, to: &RoomRef) {
        let host = |room: Option<&RoomRef>| match room {
            Some(RoomRef::Elsewhere { node, relay, .. }) => Some((node.clone(), relay.clone())),
            _ => None,
        };
        let (old, new) = (host(from), host(Some(to)));
        let same = old.as_ref().map(|(n, _)| n) == new.as_ref().map(|(n, _)| n);
        match (old, same) {
            (None, true) => self.hub.media.unpublish_all(self.session.conn),
            (None, false) => self.hub.media.close(self.session.conn),
            (Some((node, relay)), true) => {
                relay.voice(&node, self.session, None, VoiceOp::UnpublishAll)
            }
            (Some((node, relay)), false) => relay.voice(&node, self.session, None, VoiceOp::Stop),
        }
    }

    pub(super) async fn raise_hand(&self, rid: Option<Rid>, raised: bool) -> Result<(), Reject> {
        let room = self.current_room(&rid)?;
        room.send(RoomCommand::RaiseHand {
            session: self.session.clone(),
            raised,
            rid,
        })
        .await;
        Ok(())
    }

    pub(super) async fn set_speaker(
        &self,
        rid: Option<Rid>,
        member: PublicId,
        speaker: bool,
    ) -> Result<(), Reject> {
        let room = self.current_room(&rid)?;
        room.send(RoomCommand::SetSpeaker {
            session: self.session.clone(),
            member,
            speaker,
            rid,
        })
        .await;
        Ok(())
    }
}
