//! Staff's gentle moderation, on the member's side: a timed mute follows the member wherever
//! they are connected (loaded on entering, changed live through the bus, ended by a timer),
//! and a whisper reaches them on any node and lets them answer the one who whispered.
//! What staff ask for is checked and audited by their session (session/moderation.rs).
use super::handle::{Frame, SessionHandle};
use super::protocol::ServerMessage;
use super::relay::RoomRef;
use super::room::RoomCommand;
use super::{words, Hub};
use crate::model::{Mute, PublicId};
use crate::schedule::Jumps;
use chrono::{DateTime, FixedOffset, Utc};

impl Hub {
    /// A member entering: the mute staff set, if any part of it still holds, applies again.
    pub(super) async fn mute_on_entry(&self, session: &SessionHandle) {
        match self.store.mute(&session.id).await {
            Ok(mute) => self.apply_mute(session, mute),
            Err(error) => {
                tracing::error!(%error, member = %session.id, "could not read a member's mute")
            }
        }
    }

    /// The member's mute is now `mute` (already stored), on whichever node they are.
    pub(super) fn mute_everywhere(&self, member: PublicId, mute: Mute) {
        match &self.relay {
            // Every node hands it to its own connection of the member, this one included.
            Some(relay) => {
                relay.mute(member, mute);
            }
            None => self.mute_here(&member, mute),
        }
    }

    pub(super) fn mute_here(&self, member: &PublicId, mute: Mute) {
        if let Some(session) = self.find(member) {
            self.apply_mute(&session, mute);
        }
    }

    /// Holds the member to `mute` from now: they are told, their room learns of the voice
    /// part, and a timer lifts each part when its time comes.
    fn apply_mute(&self, session: &SessionHandle, mute: Mute) {
        let now = self.clock.now();
        let mute = mute.at(now);
        // What the member was last told (a part of it may have ended just now).
        let (generation, before) = session.set_mute(mute);
        if mute == before && mute.is_empty() {
            return;
        }
        let told = if mute.is_empty() {
            ServerMessage::MuteEnded {
                message: words::mute_ended().to_string(),
            }
        } else {
            let (text, voice) = (self.local(mute.text_until), self.local(mute.voice_until));
            ServerMessage::Muted {
                text_until: text,
                voice_until: voice,
                message: words::muted(text, voice),
            }
        };
        let told = Frame::from(told.to_text());
        match session
            .room()
            .and_then(|id| self.room(&id))
            .filter(|_| mute.voice_until != before.voice_until)
        {
            // The room hears of it first: whatever the member sends once told reaches a room
            // that already knows.
            Some(room) => tell_room(room, session.clone(), mute.voice_until, told),
            None => {
                session.deliver_or_close(told);
            }
        }
        if let Some(end) = mute.next_end() {
            let (hub, session) = (self.clone(), session.clone());
            tokio::spawn(async move {
                // A rehearsal clock set forward may end it at once.
                let mut jumps = Jumps::of(&*hub.clock);
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(hub.clock.until(end)) => {}
                        _ = jumps.next() => {}
                        _ = session.closing() => return,
                        _ = hub.shutdown.cancelled() => return,
                    }
                    let (held, now) = session.mute();
                    if now != generation {
                        return; // changed since: its own timer watches it
                    }
                    if held.at(hub.clock.now()) != held {
                        return hub.apply_mute(&session, held);
                    }
                }
            });
        }
    }

    /// The room a member joins learns first whether their voice is muted now (a room they
    /// were in while muted may still hold a mute lifted since).
    pub(super) async fn voice_mute_before_join(&self, session: &SessionHandle, room: &RoomRef) {
        let until = session.mute().0.at(self.clock.now()).voice_until;
        room.send(RoomCommand::VoiceMute {
            member: session.id.clone(),
            until,
        })
        .await;
    }

    /// A whisper from staff `from` for `member`, wherever they are connected; false if they
    /// are surely not (on one node: not here).
    pub(super) fn whisper(&self, member: &PublicId, from: PublicId, frame: String) -> bool {
        if self.whisper_here(member, from.clone(), Frame::from(frame.as_str())) {
            return true;
        }
        match &self.relay {
            Some(relay) => relay.whisper(&frame, member.clone(), from),
            None => false,
        }
    }

    pub(super) fn whisper_here(&self, member: &PublicId, from: PublicId, frame: Frame) -> bool {
        let Some(session) = self.find(member) else {
            return false;
        };
        session.heard_whisper_from(from);
        session.deliver_or_close(frame)
    }

    /// The room a member is in now, wherever it is hosted; None if they are in none.
    pub(super) async fn room_of(&self, member: &PublicId) -> Option<RoomRef> {
        if let Some(session) = self.find(member) {
            return session.room().and_then(|id| self.room(&id));
        }
        self.relay.as_ref()?;
        for (id, _) in self.rooms.ids_in_order() {
            if self
                .present_in(id)
                .await
                .iter()
                .any(|p| &p.view.id == member)
            {
                return self.locate(id).await;
            }
        }
        None
    }

    /// An instant as the space's clock shows it.
    pub(super) fn local(&self, t: Option<DateTime<Utc>>) -> Option<DateTime<FixedOffset>> {
        t.map(|t| t.with_timezone(&self.space.space.timezone).fixed_offset())
    }
}

fn tell_room(room: RoomRef, session: SessionHandle, until: Option<DateTime<Utc>>, told: Frame) {
    tokio::spawn(async move {
        let member = session.id.clone();
        room.send(RoomCommand::VoiceMute { member, until }).await;
        session.deliver_or_close(told);
    });
}
