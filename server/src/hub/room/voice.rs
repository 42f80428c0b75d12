//! Voice in a room, decided from the room's own state: who may publish here (not while
//! 見てるだけ, not in a stage's audience, not while muted by staff) and who hears whom (the
//! free space by its areas, then by distance; everyone else in the room otherwise). The result is pushed to the
//! media engine whenever it changes; the engine forwards nothing else. A consultation's
//! tracks thus reach only the people in it: nobody outside is ever told they exist.
use super::{frame, reply_error, Room};
use crate::config::{area_at, Area, AreaKind, RoomKind};
use crate::hub::handle::SessionHandle;
use crate::hub::inbound::error_body;
use crate::hub::protocol::{
    ErrorBody, ErrorCode, ListenOnlyReason, Point, Rid, ServerMessage, StageView, Status,
};
use crate::hub::words;
use crate::media::TrackKind;
use crate::model::PublicId;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// In the free space, members this close (in map units) start hearing each other...
const HEARING_DISTANCE: f32 = 160.0;
/// ...and stop only once farther than this, so someone at the edge does not flicker.
const HEARING_RELEASE: f32 = HEARING_DISTANCE * 1.25;

/// Whether a listener at `listener` hears a speaker at `speaker` in the free space. Areas
/// come before distance: nobody in a quiet corner hears or is heard; those at a table hear
/// only the others at that same table, and nobody outside hears them; elsewhere it is by
/// distance (`heard_before`: they heard them at the last count, so the release distance
/// applies).
pub(super) fn hears_in_free_space(
    areas: &[Area],
    listener: Point,
    speaker: Point,
    heard_before: bool,
) -> bool {
    let here = area_at(areas, listener.x, listener.y);
    let there = area_at(areas, speaker.x, speaker.y);
    let quiet = |area: Option<usize>| area.is_some_and(|i| areas[i].kind == AreaKind::Quiet);
    if quiet(here) || quiet(there) {
        return false;
    }
    if here.is_some() || there.is_some() {
        // At least one is at a table (quiet corners are out): only the same table hears.
        return here == there;
    }
    let d = (listener.x - speaker.x).hypot(listener.y - speaker.y);
    d <= HEARING_DISTANCE || (heard_before && d <= HEARING_RELEASE)
}

#[derive(Default)]
pub(super) struct Voice {
    /// Muted by staff, until when (crate::hub::moderation keeps the room told).
    muted: HashMap<PublicId, DateTime<Utc>>,
    /// Invited to a stage by a host.
    speakers: Vec<PublicId>,
    /// Raised hands, in the order they went up.
    hands: Vec<PublicId>,
    /// What the media engine was last told: listener → those they hear (by connection).
    hearing: HashMap<u64, HashSet<u64>>,
    /// Shown as speaking now (so a voice that stops reaching anyone is shown silent at once).
    speaking: HashSet<PublicId>,
    /// Connections sending here, with what they send: each holds one of the room's
    /// `max_speakers` places while it sends anything and may still speak.
    sending: HashMap<u64, HashSet<TrackKind>>,
    /// Connections refused with `speakers_full`, to be told when a place frees.
    waiting: HashSet<u64>,
    /// Members shown sharing a screen (`screen` in their view), as the room was last told.
    screens: HashSet<PublicId>,
}

/// Why a member may not publish in a room now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NoPublish {
    NotInRoom,
    /// The room has no voice (the gallery).
    NoVoice,
    ListenOnly(ListenOnlyReason),
}

impl NoPublish {
    /// What the member is told.
    fn error(self) -> Box<ErrorBody> {
        let reason = match self {
            NoPublish::NotInRoom => return error_body(None, ErrorCode::NotInRoom).into(),
            NoPublish::NoVoice => return error_body(None, ErrorCode::NoVoice).into(),
            NoPublish::ListenOnly(reason) => reason,
        };
        let message = match reason {
            ListenOnlyReason::Muted => words::listen_only_muted(),
            ListenOnlyReason::Audience => words::listen_only_on_stage(),
            ListenOnlyReason::Watching => words::error_message(ErrorCode::ListenOnly),
        };
        Box::new(ErrorBody {
            reason: Some(reason),
            ..ErrorBody::new(None, ErrorCode::ListenOnly, message)
        })
    }
}

/// How a room's kind shapes its voice.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// No voice at all (the gallery).
    Silent,
    /// Everyone in the room hears everyone who may speak.
    Everyone,
    /// The free space: by distance on the map.
    Proximity,
    /// Hosts and invited speakers speak; everyone listens.
    Stage,
}

impl Room {
    fn policy(&self) -> Policy {
        match &self.config.kind {
            RoomKind::Gallery { .. } => Policy::Silent,
            RoomKind::Free { .. } => Policy::Proximity,
            RoomKind::Program { stage: true, .. } => Policy::Stage,
            RoomKind::Program { .. } | RoomKind::Consult { .. } | RoomKind::Staff => {
                Policy::Everyone
            }
        }
    }

    fn is_host(&self, session: &SessionHandle) -> bool {
        self.config.kind.hosted_by(session.role)
    }

    /// Whether this member may publish here now; if not, why. Asked for every occupant on
    /// each recount of who hears whom, so it builds no error: `NoPublish::error` does that.
    pub(super) fn may_publish(&self, session: &SessionHandle) -> Result<(), NoPublish> {
        if !self.occupant_is(session) {
            return Err(NoPublish::NotInRoom);
        }
        let policy = self.policy();
        if policy == Policy::Silent {
            return Err(NoPublish::NoVoice);
        }
        if self
            .voice
            .muted
            .get(&session.id)
            .is_some_and(|until| *until > self.clock.now())
        {
            return Err(NoPublish::ListenOnly(ListenOnlyReason::Muted));
        }
        if policy == Policy::Stage
            && !self.is_host(session)
            && !self.voice.speakers.contains(&session.id)
        {
            return Err(NoPublish::ListenOnly(ListenOnlyReason::Audience));
        }
        // Hosting is speaking: a host need not first say 話せます in the room they host.
        if session.status() == Status::Watching && !self.is_host(session) {
            return Err(NoPublish::ListenOnly(ListenOnlyReason::Watching));
        }
        Ok(())
    }

    /// Publishing a track needs leave to speak and, for a member not sending yet, a free
    /// place among the room's speakers. The place is held until they stop sending or leave.
    pub(super) fn claim_publish(
        &mut self,
        session: &SessionHandle,
        kind: TrackKind,
    ) -> Result<(), Box<ErrorBody>> {
        self.may_publish(session).map_err(NoPublish::error)?;
        let limit = self.config.max_speakers;
        if !self.voice.sending.contains_key(&session.conn) && self.speakers_sending() >= limit {
            self.voice.waiting.insert(session.conn);
            return Err(Box::new(ErrorBody {
                message: words::speakers_full(limit),
                limit: Some(limit),
                ..error_body(None, ErrorCode::SpeakersFull)
            }));
        }
        self.voice.waiting.remove(&session.conn);
        self.voice
            .sending
            .entry(session.conn)
            .or_default()
            .insert(kind);
        Ok(())
    }

    /// Once a place is free, tells those who were refused one (they may have given up, so
    /// nothing starts by itself), and forgets them: a second refusal asks to be told again.
    pub(super) fn tell_waiting_of_a_free_place(&mut self) {
        if self.voice.waiting.is_empty() || self.speakers_sending() >= self.config.max_speakers {
            return;
        }
        let waiting = std::mem::take(&mut self.voice.waiting);
        let told = frame(&ServerMessage::VoicePlaceFree {
            room: self.id.to_string(),
            message: words::voice_place_free().to_string(),
        });
        for occupant in self.occupants.values() {
            if waiting.contains(&occupant.session.conn) {
                occupant.session.deliver_or_close(told.clone());
            }
        }
    }

    /// The member stopped sending `kind` (or everything): once nothing is left, their place
    /// is free.
    pub(super) fn release_publish(&mut self, session: &SessionHandle, kind: Option<TrackKind>) {
        if kind.is_none() {
            // Stopping voice altogether: no longer waiting for a place either.
            self.voice.waiting.remove(&session.conn);
        }
        let Some(kinds) = self.voice.sending.get_mut(&session.conn) else {
            return;
        };
        match kind {
            Some(kind) => {
                kinds.remove(&kind);
            }
            None => kinds.clear(),
        }
        if kinds.is_empty() {
            self.voice.sending.remove(&session.conn);
        }
    }

    pub(super) fn shares_screen(&self, id: &PublicId) -> bool {
        self.voice.screens.contains(id)
    }

    /// Tells the room (a `member_updated` with `screen`) whenever someone starts or stops
    /// sharing a screen others may see, so the audience knows one is shared and the page can
    /// show it without waiting to be asked.
    pub(super) fn announce_screens(&mut self) {
        let now: HashSet<PublicId> = self
            .occupants
            .iter()
            .filter(|(_, o)| {
                self.voice
                    .sending
                    .get(&o.session.conn)
                    .is_some_and(|kinds| kinds.contains(&TrackKind::Screen))
            })
            .filter(|(_, o)| self.may_reach_anyone(o))
            .map(|(id, _)| id.clone())
            .collect();
        if now == self.voice.screens {
            return;
        }
        let changed: Vec<PublicId> = now
            .symmetric_difference(&self.voice.screens)
            .filter(|id| self.occupants.contains_key(*id))
            .cloned()
            .collect();
        self.voice.screens = now;
        for id in changed {
            let event = ServerMessage::MemberUpdated {
                room: self.id.to_string(),
                seq: self.story.next(),
                member: self.view_of(&id),
            };
            self.broadcast(&event, None, self.about(&id));
        }
    }

    /// Places taken: members here sending something who may still speak (one muted by
    /// staff, off the stage, 見てるだけ or in a quiet corner is heard by nobody, so holds no
    /// place). Such a member allowed to speak again (or stepping out of the corner) keeps
    /// sending even if the places filled meanwhile: the room may have one sender too many
    /// for a while rather than cut someone off.
    fn speakers_sending(&self) -> usize {
        self.occupants
            .values()
            .filter(|o| self.voice.sending.contains_key(&o.session.conn))
            .filter(|o| self.may_reach_anyone(o))
            .count()
    }

    fn occupant_is(&self, session: &SessionHandle) -> bool {
        self.occupants
            .get(&session.id)
            .is_some_and(|o| o.session.conn == session.conn)
    }

    /// Recomputes who hears whom and tells the media engine if it changed.
    pub(super) fn refresh_hearing(&mut self) {
        let policy = self.policy();
        let speakers: Vec<_> = self
            .occupants
            .values()
            .filter(|o| self.may_publish(&o.session).is_ok())
            .collect();
        if speakers.is_empty() && self.voice.hearing.values().all(HashSet::is_empty) {
            // Nobody may speak and nobody hears anything: nothing to recount or tell.
            return;
        }
        let mut hearing: HashMap<u64, HashSet<u64>> = HashMap::new();
        for listener in self.occupants.values() {
            let was = self.voice.hearing.get(&listener.session.conn);
            let hears = speakers
                .iter()
                .filter(|s| s.session.conn != listener.session.conn)
                .filter(|s| !self.apart(&listener.session.id, &s.session.id))
                .filter(|s| match (policy, listener.pos, s.pos) {
                    (Policy::Proximity, Some(a), Some(b)) => {
                        let heard = was.is_some_and(|w| w.contains(&s.session.conn));
                        hears_in_free_space(self.areas(), a, b, heard)
                    }
                    (Policy::Proximity, _, _) => false,
                    _ => true,
                })
                .map(|s| s.session.conn)
                .collect();
            hearing.insert(listener.session.conn, hears);
        }
        self.silence_unheard();
        if hearing != self.voice.hearing {
            let told = hearing
                .iter()
                .map(|(listener, sources)| (*listener, sources.iter().copied().collect()))
                .collect();
            self.media.set_hearing(self.id.clone(), told);
            self.voice.hearing = hearing;
        }
    }

    /// Whether the media engine was told that `listener` hears `speaker` (connections).
    #[cfg(test)]
    pub(super) fn hears(&self, listener: u64, speaker: u64) -> bool {
        self.voice
            .hearing
            .get(&listener)
            .is_some_and(|heard| heard.contains(&speaker))
    }

    /// Staff stop (or let again) a member's tracks reaching anyone here.
    /// The member's voice is muted until `until` (None: no longer). Kept after they leave:
    /// someone who comes back within the time is still muted.
    pub(super) fn voice_mute(&mut self, member: PublicId, until: Option<DateTime<Utc>>) {
        let now = self.clock.now();
        self.voice.muted.retain(|_, u| *u > now);
        match until.filter(|u| *u > now) {
            Some(until) => {
                self.voice.muted.insert(member, until);
            }
            None => {
                self.voice.muted.remove(&member);
            }
        }
    }

    pub(super) fn raise_hand(&mut self, session: &SessionHandle, raised: bool, rid: Option<Rid>) {
        if !self.is_here(session, rid.clone()) {
            return;
        }
        if self.policy() != Policy::Stage {
            return reply_error(session, rid, ErrorCode::NoStage);
        }
        let hands = &mut self.voice.hands;
        hands.retain(|id| *id != session.id);
        if raised {
            hands.push(session.id.clone());
        }
        self.publish_stage(session, rid);
    }

    /// A host invites a member onto the stage, or brings them back to the audience; a
    /// speaker may also step down by themselves.
    pub(super) fn set_speaker(
        &mut self,
        session: &SessionHandle,
        member: PublicId,
        speaker: bool,
        rid: Option<Rid>,
    ) {
        if !self.is_here(session, rid.clone()) {
            return;
        }
        if self.policy() != Policy::Stage {
            return reply_error(session, rid, ErrorCode::NoStage);
        }
        let stepping_down = !speaker && member == session.id;
        if !self.is_host(session) && !stepping_down {
            return reply_error(session, rid, ErrorCode::NotAllowed);
        }
        if !self.occupants.contains_key(&member) {
            return reply_error(session, rid, ErrorCode::NotPresent);
        }
        self.voice.hands.retain(|id| *id != member);
        self.voice.speakers.retain(|id| *id != member);
        if speaker {
            self.voice.speakers.push(member);
        }
        self.publish_stage(session, rid);
    }

    fn publish_stage(&mut self, session: &SessionHandle, rid: Option<Rid>) {
        let seq = self.story.next();
        let stage = self.stage_view().unwrap_or_default();
        let on_stage = |to: &PublicId| {
            stage
                .speakers
                .iter()
                .chain(&stage.hands)
                .any(|id| self.apart(to, id))
        };
        if !self.occupants.keys().any(on_stage) {
            let room = self.id.to_string();
            return self.publish_and_ack(session, rid, ServerMessage::Stage { room, seq, stage });
        }
        // Someone here is apart (a block) from someone on the stage or with a hand up: each
        // gets the stage as they may see it (rare enough to be sent one by one).
        for (to, occupant) in &self.occupants {
            let event = frame(&ServerMessage::Stage {
                room: self.id.to_string(),
                seq,
                stage: self.stage_seen_by(to).unwrap_or_default(),
            });
            if *to == session.id {
                occupant.session.reply(event);
            } else {
                occupant.session.deliver_or_close(event);
            }
        }
        let ack = ServerMessage::Ack {
            rid,
            seq: Some(seq),
        };
        session.reply(frame(&ack));
    }

    pub(super) fn stage_view(&self) -> Option<StageView> {
        (self.policy() == Policy::Stage).then(|| StageView {
            speakers: self.voice.speakers.clone(),
            hands: self.voice.hands.clone(),
        })
    }

    /// The stage without those `to` is apart from.
    pub(super) fn stage_seen_by(&self, to: &PublicId) -> Option<StageView> {
        let seen = |ids: &[PublicId]| -> Vec<PublicId> {
            ids.iter()
                .filter(|id| !self.apart(to, id))
                .cloned()
                .collect()
        };
        self.stage_view().map(|stage| StageView {
            speakers: seen(&stage.speakers),
            hands: seen(&stage.hands),
        })
    }

    /// Someone left: their hand, their place on the stage and their place among the
    /// speakers go with them (a mute stays).
    pub(super) fn forget_voice(&mut self, session: &SessionHandle) {
        let id = &session.id;
        self.voice.hands.retain(|h| h != id);
        self.voice.speakers.retain(|s| s != id);
        self.voice_connection_gone(session.conn);
    }

    /// A connection left, or the member's new one took its place: it sends nothing here now.
    pub(super) fn voice_connection_gone(&mut self, conn: u64) {
        self.voice.sending.remove(&conn);
        self.voice.waiting.remove(&conn);
    }

    /// The media engine heard a member start or stop speaking. Shown only for those whose
    /// voice may reach anyone here (so never for a muted member).
    pub(super) fn speaking(&mut self, conn: u64, member: &PublicId, speaking: bool) {
        let Some(occupant) = self.occupants.get(member) else {
            return;
        };
        if occupant.session.conn != conn {
            return;
        }
        let changed = if speaking {
            self.may_reach_anyone(occupant) && self.voice.speaking.insert(member.clone())
        } else {
            self.voice.speaking.remove(member)
        };
        if changed {
            self.show_speaking(member, speaking);
        }
    }

    /// Whoever is shown speaking but may not speak any more (muted, 見てるだけ, off the
    /// stage, gone) is shown silent.
    fn silence_unheard(&mut self) {
        let silenced: Vec<PublicId> = self
            .voice
            .speaking
            .iter()
            .filter(|id| {
                self.occupants
                    .get(*id)
                    .is_none_or(|o| !self.may_reach_anyone(o))
            })
            .cloned()
            .collect();
        for id in silenced {
            self.voice.speaking.remove(&id);
            if self.occupants.contains_key(&id) {
                self.show_speaking(&id, false);
            }
        }
    }

    /// Whether this occupant's voice may be heard here at all: they may speak and do not
    /// stand in a quiet corner (where nobody hears them, so they are never shown speaking).
    fn may_reach_anyone(&self, occupant: &super::Occupant) -> bool {
        self.may_publish(&occupant.session).is_ok() && !self.in_quiet(occupant.pos)
    }

    fn show_speaking(&self, member: &PublicId, speaking: bool) {
        let event = ServerMessage::VoiceSpeaking {
            room: self.id.to_string(),
            id: member.clone(),
            speaking,
        };
        self.broadcast(&event, None, self.about(member));
    }
}
