//! Rooms across nodes (cluster mode): a member's connection stays on whatever node it reached,
//! and that node relays the member's commands to the node hosting their room; the host keeps
//! a stand-in for the member (a `SessionHandle` whose frames go back over the bus) and sends
//! each event once per node, which hands it to its own members.
//!
//! Nothing here is kept only in pub/sub: when this node may have missed messages (its
//! subscription broke) or a host stops answering, the members concerned are asked to
//! reconnect (4007) and resume from the room's story in Redis, so nothing they were told is
//! lost or repeated.
use super::handle::{Delivery, Remote, SessionHandle, SessionShared};
use super::protocol::{ChatLine, CloseCode, ErrorBody, ErrorCode, LeaveReason, Rid};
use super::room::{RoomCommand, RoomHandle};
use super::rooms::{room_lease, Located};
use super::wire::{self, Answer, Command, How, Present, VoiceOp, Who, Wire};
use super::Hub;
use crate::cluster::{Bus, Cluster, Heard, To};
use crate::model::PublicId;
use dashmap::DashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

/// A question to another node not answered within this is given up (its asker hears no).
const ASK_PATIENCE: Duration = Duration::from_secs(5);
/// How often hosts and nodes are checked for being alive.
const WATCH_EVERY: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct Relay(Arc<Inner>);

/// A room as a session reaches it: run here, or hosted by another node and reached through
/// the relay.
#[derive(Clone)]
pub enum RoomRef {
    Here(RoomHandle),
    Elsewhere {
        id: Arc<str>,
        node: Arc<str>,
        relay: Relay,
    },
}

impl RoomRef {
    /// The room where `rooms` found it (`relay`: this node's, in cluster mode).
    pub fn to(located: Located, relay: Option<&Relay>) -> Option<RoomRef> {
        Some(match located {
            Located::Here(room) => RoomRef::Here(room),
            Located::Elsewhere { id, node } => RoomRef::Elsewhere {
                id,
                node,
                relay: relay?.clone(),
            },
        })
    }

    pub fn id(&self) -> &Arc<str> {
        match self {
            RoomRef::Here(room) => &room.id,
            RoomRef::Elsewhere { id, .. } => id,
        }
    }

    /// False if the room cannot be reached (its task ended, or the bus is overfull).
    pub async fn send(&self, command: RoomCommand) -> bool {
        match self {
            RoomRef::Here(room) => room.send(command).await,
            RoomRef::Elsewhere { id, node, relay } => relay.send(id, node, command),
        }
    }
}

struct Inner {
    cluster: Cluster,
    bus: Bus,
    node: Arc<str>,
    asks: DashMap<u64, (Instant, Ask)>,
    next_ask: AtomicU64,
    /// Members of rooms hosted here whose connections are on other nodes: by node and conn.
    stand_ins: DashMap<(Arc<str>, u64), SessionHandle>,
    /// This node's connections in rooms hosted elsewhere, by conn.
    locals: DashMap<u64, SessionHandle>,
}

/// Someone here waiting for another node's answer.
enum Ask {
    Done(oneshot::Sender<Result<(), ErrorCode>>),
    Publish(oneshot::Sender<Result<(), Box<ErrorBody>>>),
    Occupants(oneshot::Sender<Vec<Present>>),
    Hidden(oneshot::Sender<Result<PublicId, ErrorCode>>),
    Lines(oneshot::Sender<Vec<ChatLine>>),
}

impl Relay {
    pub fn new(cluster: &Cluster, bus: Bus) -> Relay {
        Relay(Arc::new(Inner {
            cluster: cluster.clone(),
            node: cluster.node().into(),
            bus,
            asks: DashMap::new(),
            next_ask: AtomicU64::new(1),
            stand_ins: DashMap::new(),
            locals: DashMap::new(),
        }))
    }

    pub fn cluster(&self) -> &Cluster {
        &self.0.cluster
    }

    fn ask(&self, ask: Ask) -> u64 {
        let id = self.0.next_ask.fetch_add(1, Ordering::Relaxed);
        self.0.asks.insert(id, (Instant::now(), ask));
        id
    }

    /// Sends a room hosted on `node` a command; false if the bus is overfull. Commands only
    /// a host gives its own rooms (the end of a program session, who is speaking) are not
    /// relayed: that node's doorkeeper and media engine give them.
    pub fn send(&self, room: &str, node: &str, command: RoomCommand) -> bool {
        let mut ended: Option<u64> = None;
        let (who, command) = match command {
            RoomCommand::Join {
                session,
                resume,
                rid,
                reply,
            } => {
                self.0.locals.insert(session.conn, session.clone());
                let ask = self.ask(Ask::Done(reply));
                (
                    Some(who(&session, true)),
                    Command::Join { resume, rid, ask },
                )
            }
            RoomCommand::Leave {
                session,
                reason,
                rid,
            } => {
                if reason.is_none() {
                    ended = Some(session.conn);
                }
                (Some(who(&session, false)), Command::Leave { reason, rid })
            }
            RoomCommand::Chat { session, text, rid } => {
                (Some(who(&session, false)), Command::Chat { text, rid })
            }
            RoomCommand::Move { session, x, y } => {
                (Some(who(&session, false)), Command::Move { x, y })
            }
            RoomCommand::MissedPositions { session } => {
                (Some(who(&session, false)), Command::MissedPositions)
            }
            RoomCommand::Stamp {
                session,
                stamp,
                rid,
            } => (Some(who(&session, false)), Command::Stamp { stamp, rid }),
            RoomCommand::ViewChanged { session, rid } => {
                (Some(who(&session, true)), Command::ViewChanged { rid })
            }
            RoomCommand::Invite {
                session,
                member,
                reply,
            } => {
                let ask = self.ask(Ask::Done(reply));
                (Some(who(&session, false)), Command::Invite { member, ask })
            }
            RoomCommand::Occupants { reply } => {
                let ask = self.ask(Ask::Occupants(reply));
                (None, Command::Occupants { ask })
            }
            RoomCommand::Lines { reply } => {
                let ask = self.ask(Ask::Lines(reply));
                (None, Command::Lines { ask })
            }
            RoomCommand::Decline { member, reply } => {
                let ask = self.ask(Ask::Done(reply));
                (None, Command::Decline { member, ask })
            }
            RoomCommand::End { session, rid } => (Some(who(&session, false)), Command::End { rid }),
            RoomCommand::Publish {
                session,
                kind,
                reply,
            } => {
                let ask = self.ask(Ask::Publish(reply));
                (Some(who(&session, false)), Command::Publish { kind, ask })
            }
            RoomCommand::Unpublish { session, kind } => {
                (Some(who(&session, false)), Command::Unpublish { kind })
            }
            RoomCommand::VoiceMute { member, until } => {
                (None, Command::VoiceMute { member, until })
            }
            RoomCommand::Hide { seq, reply } => {
                let ask = self.ask(Ask::Hidden(reply));
                (None, Command::Hide { seq, ask })
            }
            RoomCommand::AskOut {
                member,
                until,
                reply,
            } => {
                let ask = self.ask(Ask::Done(reply));
                (None, Command::AskOut { member, until, ask })
            }
            RoomCommand::RaiseHand {
                session,
                raised,
                rid,
            } => (
                Some(who(&session, false)),
                Command::RaiseHand { raised, rid },
            ),
            RoomCommand::SetSpeaker {
                session,
                member,
                speaker,
                rid,
            } => (
                Some(who(&session, false)),
                Command::SetSpeaker {
                    member,
                    speaker,
                    rid,
                },
            ),
            RoomCommand::Apart {
                session,
                other,
                apart,
            } => (Some(who(&session, false)), Command::Apart { other, apart }),
            RoomCommand::SessionEnded { .. } | RoomCommand::Speaking { .. } => return true,
        };
        let wire = Wire::Command {
            room: room.to_string(),
            from: self.0.node.to_string(),
            who,
            command,
        };
        let sent = self
            .0
            .bus
            .send(&To::Node(node.to_string()), wire.encode(None));
        if let Some(conn) = ended {
            self.0.locals.remove(&conn);
        }
        sent
    }

    /// Sends a voice request of a member connected here to the node hosting their room.
    pub fn voice(&self, node: &str, session: &SessionHandle, rid: Option<Rid>, op: VoiceOp) {
        let wire = Wire::Voice {
            from: self.0.node.to_string(),
            who: who(session, false),
            rid,
            op,
        };
        self.0
            .bus
            .send(&To::Node(node.to_string()), wire.encode(None));
    }

    /// The stand-in for a member of another node on connection `conn`, if one is here.
    pub fn stand_in(&self, conn: u64) -> Option<SessionHandle> {
        self.0
            .stand_ins
            .iter()
            .find(|e| e.key().1 == conn)
            .map(|e| e.value().clone())
    }

    /// A frame for every member connected anywhere (`member` None), or for one member
    /// wherever they are connected.
    pub fn everyone(&self, frame: &str, member: Option<PublicId>) -> bool {
        self.0
            .bus
            .send(&To::All, Wire::Everyone { member }.encode(Some(frame)))
    }

    /// Every node hands a frame (a crisis alert…) to its staff on duty.
    pub fn to_staff(&self, frame: &str, consult: bool) -> bool {
        self.0
            .bus
            .send(&To::All, Wire::ToStaff { consult }.encode(Some(frame)))
    }

    /// Every node tells its staff an alert was acknowledged.
    pub fn alert_acknowledged(&self, frame: &str) -> bool {
        self.0
            .bus
            .send(&To::All, Wire::AlertAcknowledged.encode(Some(frame)))
    }

    /// Every node tells its members whether staff are on duty, as it is now.
    pub fn duty_changed(&self) -> bool {
        self.0.bus.send(&To::All, Wire::Duty.encode(None))
    }

    /// Every node tells its counsellors and waiting members the line to talk as it is now.
    pub fn talk_line_changed(&self) -> bool {
        self.0.bus.send(&To::All, Wire::TalkLine.encode(None))
    }

    /// Every node tells its connection of `member` (if any) that their mute is now `mute`.
    pub fn mute(&self, member: PublicId, mute: crate::model::Mute) -> bool {
        self.0
            .bus
            .send(&To::All, Wire::Mute { member, mute }.encode(None))
    }

    /// A whisper from staff `from` for `member`, on whichever node they are connected.
    pub fn whisper(&self, frame: &str, member: PublicId, from: PublicId) -> bool {
        self.0
            .bus
            .send(&To::All, Wire::Whisper { member, from }.encode(Some(frame)))
    }

    /// Every node tells the two members' connections (and their rooms) they are apart now,
    /// or no longer.
    pub fn apart(&self, member: PublicId, other: PublicId, apart: bool) -> bool {
        let wire = Wire::Apart {
            member,
            other,
            apart,
        };
        self.0.bus.send(&To::All, wire.encode(None))
    }

    /// Every node closes this member's connection (4001).
    pub fn sign_out(&self, member: PublicId) -> bool {
        self.0
            .bus
            .send(&To::All, Wire::SignOut { member }.encode(None))
    }

    /// Every node tells this member why and closes their connection (4008).
    pub fn suspend(&self, member: PublicId, frame: &str) -> bool {
        self.0
            .bus
            .send(&To::All, Wire::Suspend { member }.encode(Some(frame)))
    }

    /// Returns once everything sent so far has been handed to Redis (bounded: 2 s).
    pub async fn flush(&self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.0.bus.flush()).await;
    }

    fn answer(&self, node: &str, ask: u64, answer: Answer) {
        let wire = Wire::Answer { ask, answer };
        self.0
            .bus
            .send(&To::Node(node.to_string()), wire.encode(None));
    }

    /// Tells `node` to close one of its connections.
    fn close_there(&self, node: &str, conn: u64, code: CloseCode) {
        let wire = Wire::Close {
            conn,
            code: code.code(),
        };
        self.0
            .bus
            .send(&To::Node(node.to_string()), wire.encode(None));
    }
}

/// A member of this node as the host sees them (`with_view`: with how others see them).
fn who(session: &SessionHandle, with_view: bool) -> Who {
    Who {
        conn: session.conn,
        member: session.id.clone(),
        role: session.role,
        view: with_view.then(|| Box::new(session.view())),
        apart: with_view.then(|| session.apart().into_iter().collect()),
    }
}

/// Keeps this node's heartbeat. When it cannot be kept (Redis is gone for longer than the
/// lease allows), the node can promise nothing to the others: its rooms stop and its members
/// in rooms hosted elsewhere are asked to reconnect; it beats again once Redis is back.
pub async fn keep_heartbeat(hub: Hub, relay: Relay, mut heartbeat: crate::cluster::Held) {
    loop {
        let lost = heartbeat.lost();
        tokio::select! {
            _ = lost.cancelled() => {}
            _ = hub.shutdown.cancelled() => return,
        }
        tracing::error!("this node's heartbeat could not be kept: its rooms stop here");
        hub.rooms.stop_all();
        reconnect_relayed(&relay, |_| true);
        heartbeat = loop {
            tokio::select! {
                _ = tokio::time::sleep(WATCH_EVERY) => {}
                _ = hub.shutdown.cancelled() => return,
            }
            if let Ok(held) = relay.cluster().heartbeat(super::rooms::ROOM_LEASE).await {
                tracing::info!("this node's heartbeat is back");
                hub.rooms.rejoined();
                hub.rooms.put_back(relay.cluster()).await;
                break held;
            }
        };
    }
}

/// Hands what other nodes say to this node's rooms and members, until the bus ends; and
/// watches, every WATCH_EVERY, that the hosts this node relays to and the nodes its stand-ins
/// come from are alive.
pub async fn run(hub: Hub, relay: Relay, mut heard: mpsc::Receiver<Heard>) {
    let mut watch = tokio::time::interval(WATCH_EVERY);
    watch.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            message = heard.recv() => match message {
                Some(Heard::Message(payload)) => match Wire::decode(&payload) {
                    Some((wire, body)) => on_message(&hub, &relay, wire, body).await,
                    None => tracing::warn!("a message from another node could not be read"),
                },
                Some(Heard::Gap) => reconnect_relayed(&relay, |_| true),
                None => return,
            },
            _ = watch.tick() => watch_nodes(&hub, &relay).await,
            _ = hub.shutdown.cancelled() => return,
        }
    }
}

async fn on_message(hub: &Hub, relay: &Relay, wire: Wire, body: &str) {
    let inner = &relay.0;
    match wire {
        Wire::Command {
            room,
            from,
            who,
            command,
        } => on_command(hub, relay, &room, from.into(), who, command).await,
        Wire::Frames { conns, how } => {
            let frame = super::handle::Frame::from(body);
            for conn in conns {
                if let Some(session) = inner.locals.get(&conn) {
                    match how {
                        How::Deliver => {
                            // A dropped positions batch is made good by the room's next one.
                            if session.deliver(frame.clone()) == Delivery::Full {
                                missed_positions(hub, &session);
                            }
                        }
                        How::DeliverOrClose => {
                            session.deliver_or_close(frame.clone());
                        }
                        How::Reply => {
                            session.reply(frame.clone());
                        }
                    }
                }
            }
        }
        Wire::Room {
            conn,
            room,
            only_if,
        } => {
            if let Some(session) = inner.locals.get(&conn) {
                match only_if {
                    Some(only_if) => session.clear_room_if(&only_if),
                    None => session.set_room(room.map(Arc::from)),
                }
            }
        }
        Wire::Close { conn, code } => {
            if let (Some(session), Some(code)) = (inner.locals.get(&conn), wire::close_code(code)) {
                session.close(code);
            }
        }
        Wire::Answer { ask, answer } => {
            let Some((_, (_, waiting))) = inner.asks.remove(&ask) else {
                return; // given up already
            };
            match (waiting, answer) {
                (Ask::Done(reply), Answer::Done { result }) => {
                    let _ = reply.send(result);
                }
                (Ask::Publish(reply), Answer::Publish { result }) => {
                    let _ = reply.send(result);
                }
                (Ask::Occupants(reply), Answer::Occupants { present }) => {
                    let _ = reply.send(present);
                }
                (Ask::Hidden(reply), Answer::Hidden { result }) => {
                    let _ = reply.send(result);
                }
                (Ask::Lines(reply), Answer::Lines { lines }) => {
                    let _ = reply.send(lines);
                }
                _ => tracing::warn!(ask, "another node answered a question with something else"),
            }
        }
        Wire::Voice { from, who, rid, op } => {
            let key: (Arc<str>, u64) = (from.as_str().into(), who.conn);
            let Some(session) = inner.stand_ins.get(&key).map(|s| s.clone()) else {
                // Not in a room here (it moved): they reconnect and start voice again.
                relay.close_there(&from, who.conn, CloseCode::Moving);
                return;
            };
            if let Err(error) = super::media_requests::run(hub, &session, rid, op).await {
                session.reply(super::handle::Frame::from(
                    super::protocol::ServerMessage::Error(*error).to_text(),
                ));
            }
        }
        Wire::SignOut { member } => hub.sign_out_here(&member),
        Wire::Mute { member, mute } => hub.mute_here(&member, mute),
        Wire::Whisper { member, from } => {
            hub.whisper_here(&member, from, super::handle::Frame::from(body));
        }
        Wire::Apart {
            member,
            other,
            apart,
        } => {
            let hub = hub.clone();
            tokio::spawn(async move { hub.apart_here(&member, &other, apart).await });
        }
        Wire::Suspend { member } => hub.suspend_here(&member, body),
        Wire::TalkLine => {
            let hub = hub.clone();
            tokio::spawn(async move { hub.show_talk_line().await });
        }
        Wire::ToStaff { consult } => {
            let (hub, frame) = (hub.clone(), body.to_string());
            tokio::spawn(async move { hub.deliver_to_staff(&frame, consult).await });
        }
        Wire::AlertAcknowledged => hub.alert_acknowledged(body),
        Wire::Duty => {
            let hub = hub.clone();
            tokio::spawn(async move { hub.show_duty().await });
        }
        Wire::Everyone { member } => {
            let frame = super::handle::Frame::from(body);
            match member {
                Some(member) => {
                    if let Some(session) = hub.find(&member) {
                        session.deliver_or_close(frame);
                    }
                }
                None => {
                    for session in hub.online_sessions() {
                        session.deliver_or_close(frame.clone());
                    }
                }
            }
        }
    }
}

/// Tells the member's room (hosted elsewhere) that a positions batch did not fit their queue.
fn missed_positions(hub: &Hub, session: &SessionHandle) {
    if let Some(room) = session.room().and_then(|id| hub.room(&id)) {
        let session = session.clone();
        tokio::spawn(async move {
            room.send(RoomCommand::MissedPositions { session }).await;
        });
    }
}

/// A command for a room hosted here, from a member on node `from` (through their stand-in).
async fn on_command(
    hub: &Hub,
    relay: &Relay,
    room_id: &str,
    from: Arc<str>,
    who: Option<Who>,
    command: Command,
) {
    let Some(room) = hub.rooms.here_soon(room_id).await else {
        // The room moved on (this node stopped hosting it): the member reconnects and finds it.
        match (&who, &command) {
            (_, Command::Occupants { ask }) => relay.answer(
                &from,
                *ask,
                Answer::Occupants {
                    present: Vec::new(),
                },
            ),
            (_, Command::Hide { ask, .. }) => relay.answer(
                &from,
                *ask,
                Answer::Hidden {
                    result: Err(ErrorCode::UnknownMessage),
                },
            ),
            (_, Command::AskOut { ask, .. }) => relay.answer(
                &from,
                *ask,
                Answer::Done {
                    result: Err(ErrorCode::NotPresent),
                },
            ),
            (_, Command::Lines { ask }) => {
                relay.answer(&from, *ask, Answer::Lines { lines: Vec::new() })
            }
            // Nobody hosts the room: nobody is waiting in it either.
            (_, Command::Decline { ask, .. }) => relay.answer(
                &from,
                *ask,
                Answer::Done {
                    result: Err(ErrorCode::NotAllowed),
                },
            ),
            (Some(who), _) => relay.close_there(&from, who.conn, CloseCode::Moving),
            (None, _) => {}
        }
        return;
    };
    if let Command::Occupants { ask } = command {
        let (reply, answer) = oneshot::channel();
        room.send(RoomCommand::Occupants { reply }).await;
        let relay = relay.clone();
        tokio::spawn(async move {
            let present = answer.await.unwrap_or_default();
            relay.answer(&from, ask, Answer::Occupants { present });
        });
        return;
    }
    // Commands not of someone in the room (staff elsewhere, the member's node).
    match command {
        Command::Decline { member, ask } => {
            let (reply, answer) = oneshot::channel();
            room.send(RoomCommand::Decline { member, reply }).await;
            return answer_later(relay, from, ask, answer);
        }
        Command::AskOut { member, until, ask } => {
            let (reply, answer) = oneshot::channel();
            room.send(RoomCommand::AskOut {
                member,
                until,
                reply,
            })
            .await;
            return answer_later(relay, from, ask, answer);
        }
        Command::Hide { seq, ask } => {
            let (reply, answer) = oneshot::channel();
            room.send(RoomCommand::Hide { seq, reply }).await;
            let relay = relay.clone();
            tokio::spawn(async move {
                let result = answer.await.unwrap_or(Err(ErrorCode::Internal));
                relay.answer(&from, ask, Answer::Hidden { result });
            });
            return;
        }
        Command::VoiceMute { member, until } => {
            room.send(RoomCommand::VoiceMute { member, until }).await;
            return;
        }
        Command::Lines { ask } => {
            let (reply, answer) = oneshot::channel();
            room.send(RoomCommand::Lines { reply }).await;
            let relay = relay.clone();
            tokio::spawn(async move {
                let lines = answer.await.unwrap_or_default();
                relay.answer(&from, ask, Answer::Lines { lines });
            });
            return;
        }
        _ => {}
    }
    let Some(who) = who else {
        return;
    };
    let key = (from.clone(), who.conn);
    let session = match (relay.0.stand_ins.get(&key), &command) {
        (Some(session), _) => {
            if let Some(view) = who.view {
                session.update_view(|v| *v = *view);
            }
            if let Some(apart) = who.apart {
                session.set_apart_all(apart.into_iter().collect());
            }
            session.clone()
        }
        (None, Command::Join { .. }) => {
            let Some(view) = who.view else {
                return;
            };
            let remote = Remote::new(from.clone(), relay.0.bus.clone());
            let session = SessionShared::remote(who.conn, who.role, *view, remote);
            session.set_apart_all(who.apart.unwrap_or_default().into_iter().collect());
            relay.0.stand_ins.insert(key.clone(), session.clone());
            session
        }
        // Not here (the room's host changed since they joined): they reconnect and resume.
        (None, _) => {
            relay.close_there(&from, who.conn, CloseCode::Moving);
            return;
        }
    };
    let answer_done = |ask: u64| {
        let (reply, answer) = oneshot::channel::<Result<(), ErrorCode>>();
        let (relay, from) = (relay.clone(), from.clone());
        tokio::spawn(async move {
            let result = answer.await.unwrap_or(Err(ErrorCode::Internal));
            relay.answer(&from, ask, Answer::Done { result });
        });
        reply
    };
    let leaving = matches!(command, Command::Leave { .. });
    let command = match command {
        Command::Join { resume, rid, ask } => RoomCommand::Join {
            session,
            resume,
            rid,
            reply: answer_done(ask),
        },
        Command::Leave { reason, rid } => RoomCommand::Leave {
            session,
            reason,
            rid,
        },
        Command::Chat { text, rid } => RoomCommand::Chat { session, text, rid },
        Command::Move { x, y } => RoomCommand::Move { session, x, y },
        Command::MissedPositions => RoomCommand::MissedPositions { session },
        Command::Stamp { stamp, rid } => RoomCommand::Stamp {
            session,
            stamp,
            rid,
        },
        Command::ViewChanged { rid } => RoomCommand::ViewChanged { session, rid },
        Command::Invite { member, ask } => RoomCommand::Invite {
            session,
            member,
            reply: answer_done(ask),
        },
        Command::Publish { kind, ask } => {
            let (reply, answer) = oneshot::channel();
            let (relay, from) = (relay.clone(), from.clone());
            tokio::spawn(async move {
                let result = answer.await.unwrap_or_else(|_| {
                    Err(Box::new(super::inbound::error_body(
                        None,
                        ErrorCode::Internal,
                    )))
                });
                relay.answer(&from, ask, Answer::Publish { result });
            });
            RoomCommand::Publish {
                session,
                kind,
                reply,
            }
        }
        Command::Unpublish { kind } => RoomCommand::Unpublish { session, kind },
        Command::RaiseHand { raised, rid } => RoomCommand::RaiseHand {
            session,
            raised,
            rid,
        },
        Command::SetSpeaker {
            member,
            speaker,
            rid,
        } => RoomCommand::SetSpeaker {
            session,
            member,
            speaker,
            rid,
        },
        Command::End { rid } => RoomCommand::End { session, rid },
        Command::Apart { other, apart } => RoomCommand::Apart {
            session,
            other,
            apart,
        },
        Command::Occupants { .. }
        | Command::Lines { .. }
        | Command::Decline { .. }
        | Command::AskOut { .. }
        | Command::Hide { .. }
        | Command::VoiceMute { .. } => return, // handled above
    };
    room.send(command).await;
    if leaving {
        forget_when_out(relay.clone(), room, key);
    }
}

/// Sends node `from` the room's yes or no to question `ask`, once it comes.
fn answer_later(
    relay: &Relay,
    from: Arc<str>,
    ask: u64,
    answer: oneshot::Receiver<Result<(), ErrorCode>>,
) {
    let relay = relay.clone();
    tokio::spawn(async move {
        let result = answer.await.unwrap_or(Err(ErrorCode::Internal));
        relay.answer(&from, ask, Answer::Done { result });
    });
}

/// Once the room has handled a leave, the stand-in goes if it is in no room here any more
/// (a member who moved to another room of this node keeps it).
fn forget_when_out(relay: Relay, room: RoomHandle, key: (Arc<str>, u64)) {
    tokio::spawn(async move {
        let (reply, answer) = oneshot::channel();
        if room.send(RoomCommand::Occupants { reply }).await {
            let _ = answer.await;
        }
        relay
            .0
            .stand_ins
            .remove_if(&key, |_, session| session.room().is_none());
    });
}

/// Asks this node's members in rooms hosted elsewhere (those `which` picks, by room) to
/// reconnect: what their host said meanwhile may not have reached them.
fn reconnect_relayed(relay: &Relay, which: impl Fn(&str) -> bool) {
    for session in relay.0.locals.iter() {
        if session.room().is_some_and(|room| which(&room)) {
            session.close(CloseCode::Moving);
        }
    }
}

/// Hosts this node relays to that stopped hosting (or died): their rooms are looked up again
/// and the members here reconnect. Nodes whose members have stand-ins here that died: those
/// members leave their rooms (`member_left`). Questions unanswered too long are given up.
async fn watch_nodes(hub: &Hub, relay: &Relay) {
    let cluster = relay.cluster();
    for (room, node) in hub.rooms.relayed() {
        let still = match room_lease(cluster, &room).holder().await {
            Ok(holder) => holder.as_deref() == Some(&*node),
            Err(_) => continue, // Redis cannot tell now: ask again next time
        };
        if !still || !cluster.is_listening(&node).await.unwrap_or(true) {
            tracing::info!(%room, %node, "the room's host changed: its members here reconnect");
            hub.rooms.forget(&room, &node);
            reconnect_relayed(relay, |r| r == &*room);
        }
    }
    let mut nodes: Vec<Arc<str>> = relay
        .0
        .stand_ins
        .iter()
        .map(|e| e.key().0.clone())
        .collect();
    nodes.sort();
    nodes.dedup();
    for node in nodes {
        // After Redis restarted empty a live node's heartbeat is missing for a moment, but it
        // listens again at once: only a node doing neither is gone.
        if cluster.is_alive(&node).await.unwrap_or(true)
            || cluster.is_listening(&node).await.unwrap_or(true)
        {
            continue;
        }
        tracing::info!(%node, "a node is gone: its members leave their rooms");
        let gone: Vec<SessionHandle> = relay
            .0
            .stand_ins
            .iter()
            .filter(|e| e.key().0 == node)
            .map(|e| e.value().clone())
            .collect();
        for session in gone {
            relay.0.stand_ins.remove(&(node.clone(), session.conn));
            // Should it be alive after all, its member reconnects and resumes rather than
            // staying on, unknown to the room.
            relay.close_there(&node, session.conn, CloseCode::Moving);
            hub.media.close(session.conn);
            if let Some(room) = session.room().and_then(|id| hub.rooms.here(&id)) {
                room.send(RoomCommand::Leave {
                    session,
                    reason: None::<LeaveReason>,
                    rid: None,
                })
                .await;
            }
        }
    }
    relay
        .0
        .asks
        .retain(|_, (asked, _)| asked.elapsed() < ASK_PATIENCE);
    // Stories of rooms that stopped here while Redis was away go back as soon as it answers.
    hub.rooms.put_back(cluster).await;
}
