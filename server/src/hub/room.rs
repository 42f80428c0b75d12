//! One task per room: the single owner of who is in it, its sequence numbers, its chat memory
//! and its positions. Everything that changes a room arrives on its command queue, so there is
//! no lock around room state and every member sees events in the same order.
use super::handle::{Delivery, Frame, SessionHandle};
use super::inbound::error_body;
use super::limits::TICK;
use super::protocol::{
    ChatLine, CloseCode, ErrorBody, ErrorCode, LeaveReason, MemberView, Point, Position, Resume,
    Rid, ServerMessage, Stamp,
};
use super::wire::{How, Present};
use super::words;
use crate::auth::Grant;
use crate::cluster::{ClusterError, Snapshot};
use crate::config::{area_at, Area, AreaKind, RoomConfig, RoomKind};
use crate::media::{Media, TrackKind};
use crate::model::{PublicId, Role};
use crate::safety::{screen_chat, ChatProblem};
use crate::schedule::{Clock, Window};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
pub(in crate::hub) use story::Story;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use voice::Voice;

/// Commands waiting for a room. Bounded: a flood of commands makes senders wait, it does not
/// grow memory.
const COMMAND_QUEUE: usize = 1024;

#[derive(Clone)]
pub struct RoomHandle {
    pub id: Arc<str>,
    pub config: Arc<RoomConfig>,
    tx: mpsc::Sender<RoomCommand>,
    /// Cancelled: the room stops hosting (its lease was lost, or the node drains).
    stop: CancellationToken,
    /// Across nodes, once the room has stopped: its story as it held it (Redis may have lost
    /// it: crate::hub::rooms puts it back).
    left_story: Arc<std::sync::Mutex<Option<Snapshot<ChatLine>>>>,
}

pub enum RoomCommand {
    Join {
        session: SessionHandle,
        resume: Option<Resume>,
        rid: Option<Rid>,
        reply: oneshot::Sender<Result<(), ErrorCode>>,
    },
    /// `reason` None: the connection ended, so nobody is told `left`.
    Leave {
        session: SessionHandle,
        reason: Option<LeaveReason>,
        rid: Option<Rid>,
    },
    Chat {
        session: SessionHandle,
        text: String,
        rid: Option<Rid>,
    },
    Move {
        session: SessionHandle,
        x: f32,
        y: f32,
    },
    Stamp {
        session: SessionHandle,
        stamp: Stamp,
        rid: Option<Rid>,
    },
    /// The member's status or avatar changed (already updated on the handle).
    ViewChanged {
        session: SessionHandle,
        rid: Option<Rid>,
    },
    /// A counsellor lets `member` into this consultation room.
    Invite {
        session: SessionHandle,
        member: PublicId,
        reply: oneshot::Sender<Result<(), ErrorCode>>,
    },
    /// The member invited here says "not now": the invitation ends and those inside are told.
    Decline {
        member: PublicId,
        reply: oneshot::Sender<Result<(), ErrorCode>>,
    },
    /// Someone inside ends the consultation: everyone leaves.
    End {
        session: SessionHandle,
        rid: Option<Rid>,
    },
    /// Who is here (also a barrier: the answer comes after every command sent before).
    Occupants {
        reply: oneshot::Sender<Vec<Present>>,
    },
    /// The chat lines the room still holds, oldest first: a report's snapshot (hub::reports).
    Lines {
        reply: oneshot::Sender<Vec<ChatLine>>,
    },
    /// The program's session is over: its audience moves out.
    SessionEnded { next_session: Option<Window> },
    /// The member asks to send a track: yes if they may speak here and the room has a place
    /// for one more speaker (theirs is kept until they stop sending); the error says why not.
    Publish {
        session: SessionHandle,
        kind: TrackKind,
        reply: oneshot::Sender<Result<(), Box<ErrorBody>>>,
    },
    /// The member stopped sending a track (`None`: all of them), so may free their place.
    Unpublish {
        session: SessionHandle,
        kind: Option<TrackKind>,
    },
    /// The member's voice is muted by staff until then (None: not muted): sent by the
    /// member's node before they join and whenever it changes (crate::hub::moderation).
    VoiceMute {
        member: PublicId,
        until: Option<DateTime<Utc>>,
    },
    /// Staff take line `seq` out of the room's story; the answer names who wrote it.
    Hide {
        seq: u64,
        reply: oneshot::Sender<Result<PublicId, ErrorCode>>,
    },
    /// Staff ask `member` to leave; they may not come back before `until`.
    AskOut {
        member: PublicId,
        until: DateTime<Utc>,
        reply: oneshot::Sender<Result<(), ErrorCode>>,
    },
    RaiseHand {
        session: SessionHandle,
        raised: bool,
        rid: Option<Rid>,
    },
    SetSpeaker {
        session: SessionHandle,
        member: PublicId,
        speaker: bool,
        rid: Option<Rid>,
    },
    /// A positions batch could not be queued for this member on their own node: the next one
    /// they get is complete.
    MissedPositions { session: SessionHandle },
    /// The media engine heard `member` (on connection `conn`) start or stop speaking.
    Speaking {
        conn: u64,
        member: PublicId,
        speaking: bool,
    },
    /// The member and `other` are apart now (either blocked the other), or no longer.
    Apart {
        session: SessionHandle,
        other: PublicId,
        apart: bool,
    },
}

impl RoomHandle {
    /// A room on one node, its story in this process's memory (benchmarks build one too).
    pub fn spawn_alone(
        id: Arc<str>,
        config: Arc<RoomConfig>,
        clock: Arc<dyn Clock>,
        tz: chrono_tz::Tz,
        media: Media,
    ) -> RoomHandle {
        let stop = CancellationToken::new();
        Self::spawn(id, config, clock, tz, media, Story::in_memory(), stop)
    }

    pub(in crate::hub) fn spawn(
        id: Arc<str>,
        config: Arc<RoomConfig>,
        clock: Arc<dyn Clock>,
        tz: chrono_tz::Tz,
        media: Media,
        story: Story,
        stop: CancellationToken,
    ) -> RoomHandle {
        let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
        let room = Room {
            id: id.clone(),
            config: config.clone(),
            clock,
            tz,
            story,
            occupants: HashMap::new(),
            moved: HashSet::new(),
            invited: HashSet::new(),
            family: None,
            asked_out: HashMap::new(),
            media,
            voice: Voice::default(),
        };
        let left_story = Arc::new(std::sync::Mutex::new(None));
        tokio::spawn(room.run(rx, stop.clone(), left_story.clone()));
        RoomHandle {
            id,
            config,
            tx,
            stop,
            left_story,
        }
    }

    /// False if the room task is gone (at shutdown, or it stopped hosting the room).
    pub async fn send(&self, command: RoomCommand) -> bool {
        self.tx.send(command).await.is_ok()
    }

    /// The room task has ended: it no longer hosts the room.
    pub fn is_gone(&self) -> bool {
        self.tx.is_closed()
    }

    /// Returns when the room task has ended.
    pub async fn ended(&self) {
        self.tx.closed().await
    }

    /// Asks the room to stop hosting: everyone in it is asked to reconnect (4007).
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Across nodes, after the room stopped: its story as it held it.
    pub fn take_left_story(&self) -> Option<Snapshot<ChatLine>> {
        self.left_story.lock().ok()?.take()
    }
}

struct Occupant {
    session: SessionHandle,
    pos: Option<Point>,
    /// A positions batch could not be queued for this member; the next one they get is complete.
    needs_all_positions: bool,
    /// Whom they are apart from (the session's, copied at join and kept here by `Apart`:
    /// read on every event, without a lock).
    apart: HashSet<PublicId>,
}

/// Who an event is about: those apart from them do not get it.
#[derive(Clone, Copy)]
struct About<'a> {
    id: &'a PublicId,
    apart: &'a HashSet<PublicId>,
}

impl About<'_> {
    fn hidden_from(&self, id: &PublicId, occupant: &Occupant) -> bool {
        self.apart.contains(id) || occupant.apart.contains(self.id)
    }
}

struct Room {
    id: Arc<str>,
    config: Arc<RoomConfig>,
    clock: Arc<dyn Clock>,
    tz: chrono_tz::Tz,
    story: Story,
    occupants: HashMap<PublicId, Occupant>,
    moved: HashSet<PublicId>,
    invited: HashSet<PublicId>,
    /// The one family member a participant in this consultation let in (only a family
    /// member may come in on it).
    family: Option<PublicId>,
    /// Members staff asked to leave, and until when they may not come back.
    asked_out: HashMap<PublicId, DateTime<Utc>>,
    media: Media,
    voice: Voice,
}

impl Room {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<RoomCommand>,
        stop: CancellationToken,
        left_story: Arc<std::sync::Mutex<Option<Snapshot<ChatLine>>>>,
    ) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            let positions_pending =
                !self.moved.is_empty() || self.occupants.values().any(|o| o.needs_all_positions);
            // Every seq the next command or tick may give is at hand (across nodes, reserved
            // in Redis): a room that cannot promise its sequence stops hosting.
            let most_events = 2 * self.occupants.len() as u64 + 8;
            if self.story.prepare(most_events).await.is_err() {
                break;
            }
            tokio::select! {
                _ = stop.cancelled() => break,
                command = rx.recv() => match command {
                    Some(command) => {
                        // Walking changes who hears whom only once per tick; chat, stamps
                        // and questions never do (in a big room the recount is the cost).
                        let may_change_hearing = !matches!(
                            command,
                            RoomCommand::Move { .. }
                                | RoomCommand::Chat { .. }
                                | RoomCommand::Stamp { .. }
                                | RoomCommand::Occupants { .. }
                                | RoomCommand::Lines { .. }
                                | RoomCommand::Publish { .. }
                                | RoomCommand::Unpublish { .. }
                                | RoomCommand::Speaking { .. }
                                | RoomCommand::MissedPositions { .. }
                        );
                        // A place to speak frees only when someone may no longer speak,
                        // leaves, or stops sending: never on walking or chat.
                        let may_free_a_place = may_change_hearing
                            || matches!(command, RoomCommand::Unpublish { .. });
                        // Who shares a screen changes with what is sent, too.
                        let may_change_screens = may_change_hearing
                            || matches!(
                                command,
                                RoomCommand::Publish { .. } | RoomCommand::Unpublish { .. }
                            );
                        if self.handle(command).await.is_err() {
                            break;
                        }
                        if may_change_hearing {
                            self.refresh_hearing();
                        }
                        if may_change_screens {
                            self.announce_screens();
                        }
                        if may_free_a_place {
                            self.tell_waiting_of_a_free_place();
                        }
                    }
                    None => return,
                },
                _ = tick.tick(), if positions_pending => {
                    self.flush_positions();
                    self.refresh_hearing();
                    self.announce_screens();
                    // Someone sending who stepped into a quiet corner frees a place.
                    self.tell_waiting_of_a_free_place();
                }
            }
        }
        self.stop_hosting();
        if let Ok(mut left) = left_story.lock() {
            *left = self.story.snapshot();
        }
    }

    /// The room stops hosting: its story can no longer be kept (across nodes: Redis is
    /// unreachable, or another node began the room's story anew), its lease was lost, or the
    /// node drains. Everyone here is asked to reconnect (4007), and comes back through
    /// whichever node hosts the room next, resuming where they were.
    fn stop_hosting(&mut self) {
        tracing::info!(room = %self.id, members = self.occupants.len(), "the room stops here: members are asked to reconnect");
        // Their sessions end, and close their own media peers, as for any other close.
        for occupant in self.occupants.values() {
            occupant.session.close(CloseCode::Moving);
        }
        self.occupants.clear();
    }

    /// Err: the room's story could not be kept, and the room stops hosting.
    async fn handle(&mut self, command: RoomCommand) -> Result<(), ClusterError> {
        match command {
            RoomCommand::Join {
                session,
                resume,
                rid,
                reply,
            } => {
                let joined = self.join(session, resume, rid).await?;
                let _ = reply.send(joined);
            }
            RoomCommand::Leave {
                session,
                reason,
                rid,
            } => self.leave(&session, reason, rid, None),
            RoomCommand::Chat { session, text, rid } => self.chat(&session, &text, rid).await?,
            RoomCommand::Move { session, x, y } => self.walk(&session, x, y),
            RoomCommand::Stamp {
                session,
                stamp,
                rid,
            } => self.stamp(&session, stamp, rid),
            RoomCommand::ViewChanged { session, rid } => self.view_changed(&session, rid),
            RoomCommand::Invite {
                session,
                member,
                reply,
            } => {
                let _ = reply.send(self.invite(&session, member));
            }
            RoomCommand::Decline { member, reply } => {
                let _ = reply.send(self.decline(member));
            }
            RoomCommand::End { session, rid } => self.end(&session, rid),
            RoomCommand::Lines { reply } => {
                let _ = reply.send(self.story.lines());
            }
            RoomCommand::Occupants { reply } => {
                let present = self
                    .occupants
                    .iter()
                    .map(|(id, o)| Present {
                        conn: o.session.conn,
                        role: o.session.role,
                        view: self.view_of(id),
                    })
                    .collect();
                let _ = reply.send(present);
            }
            RoomCommand::SessionEnded { next_session } => self.session_ended(next_session),
            RoomCommand::Publish {
                session,
                kind,
                reply,
            } => {
                let _ = reply.send(self.claim_publish(&session, kind));
            }
            RoomCommand::Unpublish { session, kind } => self.release_publish(&session, kind),
            RoomCommand::VoiceMute { member, until } => self.voice_mute(member, until),
            RoomCommand::Hide { seq, reply } => {
                let hidden = self.hide(seq).await?;
                let _ = reply.send(hidden);
            }
            RoomCommand::AskOut {
                member,
                until,
                reply,
            } => {
                let _ = reply.send(self.ask_out(member, until));
            }
            RoomCommand::RaiseHand {
                session,
                raised,
                rid,
            } => self.raise_hand(&session, raised, rid),
            RoomCommand::SetSpeaker {
                session,
                member,
                speaker,
                rid,
            } => self.set_speaker(&session, member, speaker, rid),
            RoomCommand::Speaking {
                conn,
                member,
                speaking,
            } => self.speaking(conn, &member, speaking),
            RoomCommand::Apart {
                session,
                other,
                apart,
            } => self.set_apart(&session, other, apart),
            RoomCommand::MissedPositions { session } => {
                if let Some(o) = self.occupants.get_mut(&session.id) {
                    o.needs_all_positions |= o.session.conn == session.conn;
                }
            }
        }
        Ok(())
    }

    /// The inner result is the answer to the member; the outer error means the room's story
    /// could not be read.
    async fn join(
        &mut self,
        session: SessionHandle,
        resume: Option<Resume>,
        rid: Option<Rid>,
    ) -> Result<Result<(), ErrorCode>, ClusterError> {
        if matches!(self.config.kind, RoomKind::Consult { .. }) {
            // Someone already inside comes back (a reconnect) without a new invitation; the
            // participant's invitation lets in a family member only.
            let family_only =
                self.family.as_ref() == Some(&session.id) && session.role != Role::Family;
            if !session.role.has(Grant::TakeConsultations)
                && (!self.invited.contains(&session.id) || family_only)
                && !self.occupants.contains_key(&session.id)
            {
                return Ok(Err(ErrorCode::NotAllowed));
            }
            // A consultation is for the people in it: another counsellor finds it taken.
            if session.role.has(Grant::TakeConsultations)
                && self.occupants.keys().any(|id| id != &session.id)
            {
                return Ok(Err(ErrorCode::RoomFull));
            }
        }
        let now = self.clock.now();
        self.asked_out.retain(|_, until| *until > now);
        if self.asked_out.contains_key(&session.id) && !self.occupants.contains_key(&session.id) {
            return Ok(Err(ErrorCode::AskedToLeave));
        }
        let previous = self.occupants.get(&session.id).map(|o| o.pos);
        if previous.is_none() && self.occupants.len() >= self.config.capacity {
            return Ok(Err(ErrorCode::RoomFull));
        }
        // Read before anything changes: a failure leaves the room as it was.
        let story = self.story.for_joiner(resume.as_ref()).await?;
        // In a consultation, what was said before someone came in is not theirs to read: only
        // a reconnect (a resume in this consultation's epoch) gets what it missed.
        let (chat, gap) = match (&self.config.kind, &resume) {
            (RoomKind::Consult { .. }, Some(r)) if r.epoch == self.story.epoch() => {
                (story.chat, story.gap)
            }
            (RoomKind::Consult { .. }, _) => (Vec::new(), false),
            _ => (story.chat, story.gap),
        };
        let pos = match (&self.config.kind, previous) {
            (_, Some(pos)) => pos,
            (RoomKind::Free { width, height, .. }, None) => {
                let taken: Vec<Point> = self.occupants.values().filter_map(|o| o.pos).collect();
                Some(spawn_point(*width, *height, &taken))
            }
            _ => None,
        };
        // A member connecting again (a new tab, a reconnect before the old socket was noticed
        // dead) takes over their place: the others see an update, not a leave and a join.
        let replaced = self.occupants.insert(
            session.id.clone(),
            Occupant {
                session: session.clone(),
                pos,
                needs_all_positions: false,
                apart: session.apart(),
            },
        );
        if let Some(old) = replaced.filter(|o| o.session.conn != session.conn) {
            self.voice_connection_gone(old.session.conn);
        }
        session.set_in_quiet(self.in_quiet(pos));
        let view = self.view_of(&session.id);
        let seq = self.story.next();
        let event = if previous.is_some() {
            ServerMessage::MemberUpdated {
                room: self.id.to_string(),
                seq,
                member: view,
            }
        } else {
            ServerMessage::MemberJoined {
                room: self.id.to_string(),
                seq,
                member: view,
            }
        };
        self.broadcast(&event, Some(&session.id), self.about(&session.id));

        // Those apart from the newcomer are neither among the members nor in the chat.
        let seen = |id: &PublicId| !self.apart(&session.id, id);
        let joined = ServerMessage::Joined {
            rid,
            room: self.id.to_string(),
            epoch: self.story.epoch().to_string(),
            seq,
            members: self
                .occupants
                .keys()
                .filter(|id| seen(id))
                .map(|id| self.view_of(id))
                .collect(),
            chat: chat.into_iter().filter(|line| seen(&line.from)).collect(),
            gap,
            hidden: story.hidden,
            stage: self.stage_seen_by(&session.id),
        };
        session.set_room(Some(self.id.clone()));
        session.deliver_or_close(frame(&joined));
        Ok(Ok(()))
    }

    fn leave(
        &mut self,
        session: &SessionHandle,
        reason: Option<LeaveReason>,
        rid: Option<Rid>,
        message: Option<String>,
    ) {
        let here = self
            .occupants
            .get(&session.id)
            .is_some_and(|o| o.session.conn == session.conn);
        if !here {
            return; // an older connection's late goodbye, or never entered
        }
        let Some(gone) = self.occupants.remove(&session.id) else {
            return;
        };
        // A consultation's words end with it: whoever uses the room next starts afresh.
        if self.occupants.is_empty() && matches!(self.config.kind, RoomKind::Consult { .. }) {
            self.story = Story::in_memory();
        }
        // Out of this room's quiet corner, unless already in another room (which said its own).
        if session.room().as_deref() == Some(&*self.id) {
            session.set_in_quiet(false);
        }
        self.moved.remove(&session.id);
        self.invited.remove(&session.id);
        self.forget_voice(session);
        if !self
            .occupants
            .values()
            .any(|o| o.session.role.has(Grant::TakeConsultations))
        {
            self.invited.clear(); // no counsellor left to receive anyone
            self.family = None;
        }
        let left = ServerMessage::MemberLeft {
            room: self.id.to_string(),
            seq: self.story.next(),
            id: session.id.clone(),
        };
        let about = About {
            id: &session.id,
            apart: &gone.apart,
        };
        self.broadcast(&left, None, Some(about));
        session.clear_room_if(&self.id);
        if let Some(reason) = reason {
            session.deliver_or_close(frame(&ServerMessage::Left {
                rid,
                room: self.id.to_string(),
                reason,
                message,
            }));
        }
    }

    /// Err: the line could not be kept (it is neither sent nor acknowledged, so the member's
    /// page sends it again after reconnecting).
    async fn chat(
        &mut self,
        session: &SessionHandle,
        text: &str,
        rid: Option<Rid>,
    ) -> Result<(), ClusterError> {
        if !self.is_here(session, rid.clone()) {
            return Ok(());
        }
        let text = match screen_chat(text) {
            Ok(text) => text,
            Err(problem) => {
                let error = chat_problem(rid, problem);
                session.reply(frame(&ServerMessage::Error(error)));
                return Ok(());
            }
        };
        let line = ChatLine {
            seq: self.story.next(),
            from: session.id.clone(),
            nickname: session.view().nickname,
            text,
            at: self.clock.now().with_timezone(&self.tz).fixed_offset(),
        };
        self.story.remember(&line).await?;
        let room = self.id.to_string();
        self.publish_and_ack(session, rid, ServerMessage::Chat { room, line });
        Ok(())
    }

    fn walk(&mut self, session: &SessionHandle, x: f32, y: f32) {
        if !self.is_here(session, None) {
            return;
        }
        let RoomKind::Free { width, height, .. } = self.config.kind else {
            return reply_error(session, None, ErrorCode::NoMap);
        };
        let inside = |v: f32, max: u32| v.is_finite() && (0.0..=max as f32).contains(&v);
        if !inside(x, width) || !inside(y, height) {
            return reply_error(session, None, ErrorCode::BadRequest);
        }
        if let Some(occupant) = self.occupants.get_mut(&session.id) {
            occupant.pos = Some(Point { x, y });
            self.moved.insert(session.id.clone());
        }
        // Into or out of a quiet corner: everyone sees them resting, or their own status again.
        if session.set_in_quiet(self.in_quiet(Some(Point { x, y }))) {
            let event = ServerMessage::MemberUpdated {
                room: self.id.to_string(),
                seq: self.story.next(),
                member: self.view_of(&session.id),
            };
            self.broadcast(&event, None, self.about(&session.id));
        }
    }

    /// The free space's areas (none in other rooms).
    fn areas(&self) -> &[Area] {
        match &self.config.kind {
            RoomKind::Free { areas, .. } => areas,
            _ => &[],
        }
    }

    /// Whether a place lies in a quiet corner.
    fn in_quiet(&self, pos: Option<Point>) -> bool {
        let areas = self.areas();
        pos.and_then(|p| area_at(areas, p.x, p.y))
            .is_some_and(|i| areas[i].kind == AreaKind::Quiet)
    }

    fn stamp(&mut self, session: &SessionHandle, stamp: Stamp, rid: Option<Rid>) {
        if !self.is_here(session, rid.clone()) {
            return;
        }
        let event = ServerMessage::Stamp {
            room: self.id.to_string(),
            seq: self.story.next(),
            from: session.id.clone(),
            stamp,
        };
        self.publish_and_ack(session, rid, event);
    }

    fn view_changed(&mut self, session: &SessionHandle, rid: Option<Rid>) {
        if !self.is_here(session, rid.clone()) {
            return;
        }
        let event = ServerMessage::MemberUpdated {
            room: self.id.to_string(),
            seq: self.story.next(),
            member: self.view_of(&session.id),
        };
        self.publish_and_ack(session, rid, event);
    }

    /// Sends a sequenced event to everyone, then tells its sender it was accepted, with the
    /// event's place in the room (the story's seq, already advanced for it).
    /// The sender's echo and ack are replies (`SessionHandle::reply`): they reach even a member
    /// whose connection is closing, before its close frame.
    fn publish_and_ack(&self, session: &SessionHandle, rid: Option<Rid>, event: ServerMessage) {
        let echo = self.broadcast(&event, Some(&session.id), self.about(&session.id));
        session.reply(echo);
        let ack = ServerMessage::Ack {
            rid,
            seq: Some(self.story.seq()),
        };
        session.reply(frame(&ack));
    }

    /// A counsellor here lets anyone in; a participant here, with a counsellor, lets one
    /// family member in (who alone may come in on that invitation).
    fn invite(&mut self, session: &SessionHandle, member: PublicId) -> Result<(), ErrorCode> {
        let here = self
            .occupants
            .get(&session.id)
            .is_some_and(|o| o.session.conn == session.conn);
        if !matches!(self.config.kind, RoomKind::Consult { .. }) || !here {
            return Err(ErrorCode::NotAllowed);
        }
        // Apart from each other (a block): as if they were not in the space.
        if self.occupants[&session.id].apart.contains(&member) {
            return Err(ErrorCode::NotPresent);
        }
        if session.role.has(Grant::TakeConsultations) {
            // Exactly one person per consultation: once someone is inside, only they may
            // bring anyone (their family member); a new invitation replaces one not yet used.
            if self
                .occupants
                .values()
                .any(|o| !o.session.role.has(Grant::TakeConsultations))
            {
                return Err(ErrorCode::NotAllowed);
            }
            self.invited.clear();
            self.family = None;
        } else {
            let counsellor_here = self
                .occupants
                .values()
                .any(|o| o.session.role.has(Grant::TakeConsultations));
            if session.role != Role::Participant || !counsellor_here || self.family.is_some() {
                return Err(ErrorCode::NotAllowed);
            }
            self.family = Some(member.clone());
        }
        self.invited.insert(member);
        Ok(())
    }

    fn decline(&mut self, member: PublicId) -> Result<(), ErrorCode> {
        if !self.invited.remove(&member) {
            return Err(ErrorCode::NotAllowed);
        }
        let declined = ServerMessage::TalkDeclined {
            room: self.id.to_string(),
            member,
        };
        self.broadcast(&declined, None, None);
        Ok(())
    }

    /// Everyone leaves the consultation (the one who ended it last, with the reply).
    fn end(&mut self, session: &SessionHandle, rid: Option<Rid>) {
        let inside = self
            .occupants
            .get(&session.id)
            .is_some_and(|o| o.session.conn == session.conn);
        if !matches!(self.config.kind, RoomKind::Consult { .. }) || !inside {
            session.reply(frame(&ServerMessage::error(
                rid,
                ErrorCode::NotAllowed,
                super::words::error_message(ErrorCode::NotAllowed),
            )));
            return;
        }
        self.invited.clear();
        self.family = None;
        let others: Vec<SessionHandle> = self
            .occupants
            .values()
            .map(|o| o.session.clone())
            .filter(|s| s.id != session.id)
            .collect();
        for other in others {
            self.leave(&other, Some(LeaveReason::ConsultationEnded), None, None);
        }
        self.leave(session, Some(LeaveReason::ConsultationEnded), rid, None);
    }

    /// Staff take a line out of the story, so nobody entering or resuming gets it again;
    /// everyone here is told to remove it. Ok(Err): no such line (any more).
    async fn hide(&mut self, seq: u64) -> Result<Result<PublicId, ErrorCode>, ClusterError> {
        let Some(from) = self.story.hide(seq).await? else {
            return Ok(Err(ErrorCode::UnknownMessage));
        };
        let hidden = ServerMessage::ChatHidden {
            room: self.id.to_string(),
            seq,
        };
        self.broadcast(&hidden, None, None);
        Ok(Ok(from))
    }

    /// Staff ask someone here to leave, kindly; they may not come back before `until`.
    fn ask_out(&mut self, member: PublicId, until: DateTime<Utc>) -> Result<(), ErrorCode> {
        let session = self
            .occupants
            .get(&member)
            .map(|o| o.session.clone())
            .ok_or(ErrorCode::NotPresent)?;
        self.asked_out.insert(member, until);
        let message = words::asked_to_leave().to_string();
        self.leave(
            &session,
            Some(LeaveReason::AskedToLeave),
            None,
            Some(message),
        );
        Ok(())
    }

    fn session_ended(&mut self, next_session: Option<Window>) {
        let RoomKind::Program { host_roles, .. } = &self.config.kind else {
            return;
        };
        let audience: Vec<SessionHandle> = self
            .occupants
            .values()
            .map(|o| o.session.clone())
            .filter(|s| !host_roles.contains(&s.role) && !s.role.has(Grant::EnterWhenClosed))
            .collect();
        let message = match &next_session {
            Some(next) => format!(
                "{}（次回は{}）",
                words::session_ended(),
                crate::schedule::format_ja(next.start)
            ),
            None => words::session_ended().to_string(),
        };
        for session in audience {
            self.leave(
                &session,
                Some(LeaveReason::SessionEnded),
                None,
                Some(message.clone()),
            );
        }
    }

    /// Whether this connection is in the room; if not, tells it so.
    fn is_here(&self, session: &SessionHandle, rid: Option<Rid>) -> bool {
        let here = self
            .occupants
            .get(&session.id)
            .is_some_and(|o| o.session.conn == session.conn);
        if !here {
            reply_error(session, rid, ErrorCode::NotInRoom);
        }
        here
    }

    /// Who an event about `id` is hidden from (None if they are not here).
    fn about<'a>(&'a self, id: &'a PublicId) -> Option<About<'a>> {
        self.occupants.get(id).map(|o| About {
            id,
            apart: &o.apart,
        })
    }

    /// Whether two members here are apart (either blocked the other).
    fn apart(&self, a: &PublicId, b: &PublicId) -> bool {
        let holds =
            |x: &PublicId, y: &PublicId| self.occupants.get(x).is_some_and(|o| o.apart.contains(y));
        holds(a, b) || holds(b, a)
    }

    /// A block made or lifted: if the other is here too, each vanishes for the other as if
    /// they had left (the blocked one sees only `member_left`), or comes back as if they had
    /// just come in.
    fn set_apart(&mut self, session: &SessionHandle, other: PublicId, apart: bool) {
        let before = self.apart(&session.id, &other);
        let Some(occupant) = self
            .occupants
            .get_mut(&session.id)
            .filter(|o| o.session.conn == session.conn)
        else {
            return;
        };
        if apart {
            occupant.apart.insert(other.clone());
        } else {
            occupant.apart.remove(&other);
        }
        let after = self.apart(&session.id, &other);
        if before == after || !self.occupants.contains_key(&other) {
            return;
        }
        for (to, about) in [(&session.id, &other), (&other, &session.id)] {
            let seq = self.story.next();
            let event = if after {
                ServerMessage::MemberLeft {
                    room: self.id.to_string(),
                    seq,
                    id: about.clone(),
                }
            } else {
                ServerMessage::MemberJoined {
                    room: self.id.to_string(),
                    seq,
                    member: self.view_of(about),
                }
            };
            self.occupants[to].session.deliver_or_close(frame(&event));
        }
    }

    fn view_of(&self, id: &PublicId) -> MemberView {
        let occupant = &self.occupants[id];
        let mut view = occupant.session.view();
        view.pos = occupant.pos;
        view.screen = self.shares_screen(id);
        view
    }

    /// Serialize once, queue for every member (but `except`, and those apart from whom it is
    /// `about`). Members who cannot take it are closed by `deliver_or_close` and leave through
    /// their session's clean-up. Members on other nodes get it through one message per node.
    fn broadcast(
        &self,
        message: &ServerMessage,
        except: Option<&PublicId>,
        about: Option<About<'_>>,
    ) -> Frame {
        let frame = frame(message);
        let mut elsewhere: HashMap<&str, Vec<&SessionHandle>> = HashMap::new();
        for (id, occupant) in &self.occupants {
            if Some(id) == except || about.is_some_and(|a| a.hidden_from(id, occupant)) {
                continue;
            }
            let session = &occupant.session;
            match session.remote_node() {
                Some(remote) if session.close_code().is_none() => {
                    elsewhere.entry(&remote.node).or_default().push(session)
                }
                Some(_) => {}
                None => {
                    session.deliver_or_close(frame.clone());
                }
            }
        }
        for sessions in elsewhere.into_values() {
            let Some(remote) = sessions[0].remote_node() else {
                continue;
            };
            let conns = sessions.iter().map(|s| s.conn).collect();
            if !remote.frames(conns, &frame, How::DeliverOrClose) {
                sessions
                    .iter()
                    .for_each(|s| s.close(CloseCode::SlowConsumer));
            }
        }
        frame
    }

    /// One batch per tick with the positions that changed; anyone who missed a batch gets
    /// all positions instead, so a dropped batch never leaves an avatar in the wrong place.
    fn flush_positions(&mut self) {
        let position = |id: &PublicId, o: &Occupant| {
            o.pos.map(|p| Position {
                id: id.clone(),
                x: p.x,
                y: p.y,
            })
        };
        let changed = (!self.moved.is_empty()).then(|| {
            let moves = self
                .moved
                .iter()
                .filter_map(|id| self.occupants.get(id).and_then(|o| position(id, o)))
                .collect();
            frame(&ServerMessage::Positions {
                room: self.id.to_string(),
                moves,
            })
        });
        let mut all: Option<Frame> = None;
        for occupant in self.occupants.values() {
            if !occupant.needs_all_positions {
                continue;
            }
            all.get_or_insert_with(|| {
                let moves = self
                    .occupants
                    .iter()
                    .filter_map(|(id, o)| position(id, o))
                    .collect();
                frame(&ServerMessage::Positions {
                    room: self.id.to_string(),
                    moves,
                })
            });
        }
        // Apart members do not see each other move: only for them (either side of a block
        // here) is a batch of their own made, only when it would show someone apart.
        let involved: HashSet<&PublicId> = self
            .occupants
            .iter()
            .filter(|(_, o)| !o.apart.is_empty())
            .flat_map(|(id, o)| std::iter::once(id).chain(&o.apart))
            .collect();
        let mut own: HashMap<PublicId, Frame> = HashMap::new();
        for to in involved {
            let Some(occupant) = self.occupants.get(to) else {
                continue;
            };
            let moves: Vec<Position> = if occupant.needs_all_positions {
                self.occupants
                    .iter()
                    .filter_map(|(id, o)| position(id, o))
                    .collect()
            } else if changed.is_some() {
                self.moved
                    .iter()
                    .filter_map(|id| self.occupants.get(id).and_then(|o| position(id, o)))
                    .collect()
            } else {
                continue;
            };
            let seen: Vec<Position> = moves
                .iter()
                .filter(|p| !self.apart(to, &p.id))
                .cloned()
                .collect();
            if seen.len() != moves.len() {
                let batch = frame(&ServerMessage::Positions {
                    room: self.id.to_string(),
                    moves: seen,
                });
                own.insert(to.clone(), batch);
            }
        }
        self.moved.clear();
        for (id, occupant) in self.occupants.iter_mut() {
            let batch = if let Some(batch) = own.remove(id) {
                Some(batch)
            } else if occupant.needs_all_positions {
                all.clone()
            } else {
                changed.clone()
            };
            if let Some(batch) = batch {
                // Positions may be dropped (the next batch supersedes them); chat never is.
                occupant.needs_all_positions = occupant.session.deliver(batch) == Delivery::Full;
            }
        }
    }
}

/// A fresh room epoch, `r_` and 8 hex digits (`r_5c1e0a9b`): it only has to differ from the
/// room's previous runs, which 32 random bits do.
pub fn new_epoch() -> String {
    format!("r_{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

fn frame(message: &ServerMessage) -> Frame {
    Frame::from(message.to_text())
}

fn reply_error(session: &SessionHandle, rid: Option<Rid>, code: ErrorCode) {
    session.reply(frame(&ServerMessage::error(
        rid,
        code,
        words::error_message(code),
    )));
}

/// Near the bottom middle of the map (the entrance), and among a few random places there the
/// one farthest from everyone already in the room, so newcomers arrive side by side instead
/// of stacked on one another.
fn spawn_point(width: u32, height: u32, taken: &[Point]) -> Point {
    let (w, h) = (width as f32, height as f32);
    let jitter = |span: f32| (rand::random::<f32>() - 0.5) * span;
    let candidate = || Point {
        x: (w / 2.0 + jitter((w * 0.4).min(640.0))).clamp(0.0, w),
        y: (h * 0.8 + jitter((h * 0.12).min(100.0))).clamp(0.0, h),
    };
    let room_around = |p: &Point| {
        taken
            .iter()
            .map(|t| (t.x - p.x).hypot(t.y - p.y))
            .fold(f32::INFINITY, f32::min)
    };
    (0..SPAWN_CANDIDATES)
        .map(|_| candidate())
        .max_by(|a, b| room_around(a).total_cmp(&room_around(b)))
        .unwrap_or_else(candidate)
}

/// How many places near the entrance a newcomer's is chosen from.
const SPAWN_CANDIDATES: usize = 16;

mod memory;
mod story;
#[cfg(test)]
mod tests;
mod voice;

/// The error a member gets for a line `screen_chat` refused (chat and announcements alike).
pub(super) fn chat_problem(rid: Option<Rid>, problem: ChatProblem) -> ErrorBody {
    match problem {
        ChatProblem::Empty => error_body(rid, ErrorCode::ChatEmpty),
        ChatProblem::TooLong { limit } => ErrorBody {
            message: words::chat_too_long(limit),
            limit: Some(limit),
            ..error_body(rid, ErrorCode::ChatTooLong)
        },
    }
}
