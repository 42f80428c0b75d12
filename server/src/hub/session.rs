//! One task per WebSocket: authenticate, then drive the connection from one `select!`: the
//! member's frames in, the bounded outbox out, heartbeat and silence timers. Every write is
//! bounded (writer.rs), so every way out ends here, in one leave from the room.
use super::gate::Refusal;
use super::handle::{Frame, SessionHandle, SessionShared};
use super::inbound::{error_body, next_message, Incoming, Reject};
use super::limits::{
    limits, AUTH_TIMEOUT, CLOSE_HANDSHAKE, COMEBACK_GRACE, HEARTBEAT, UNRESPONSIVE_AFTER,
};
use super::protocol::{
    ClientMessage, CloseCode, ErrorBody, ErrorCode, LeaveReason, MemberView, Resume, Rid,
    ServerMessage, Status,
};
use super::rate::Limiters;
use super::relay::RoomRef;
use super::room::{chat_problem, RoomCommand};
use super::wire::VoiceOp;
use super::writer::{self, finish, send_direct, write_batch};
use super::{words, Hub};
use crate::auth::{Grant, TokenError};
use crate::model::{AccountId, Member, PublicId, Role};
use crate::safety::screen_chat;
use axum::extract::ws::{Message, WebSocket};
use bytes::Bytes;
use moderation::MuteChange;
use tokio::sync::{mpsc, oneshot};

mod moderation;
mod talk;
mod voice;

/// `until_auth` (the connection's place among its address's unauthenticated ones) is let go
/// once `auth` succeeds.
pub async fn run(mut socket: WebSocket, hub: Hub, until_auth: impl Send) {
    let Some(place) = hub.connection_permit() else {
        let busy = ServerMessage::error(
            None,
            ErrorCode::ServerBusy,
            words::error_message(ErrorCode::ServerBusy),
        );
        let stalled = send_direct(&mut socket, &busy).await.is_err();
        return finish(&mut socket, None, CloseCode::TryAgainLater, stalled).await;
    };
    let mut limiters = Limiters::new();
    let member = match tokio::time::timeout(
        AUTH_TIMEOUT,
        // Boxed, like `handle` below: large futures that are live only briefly would otherwise
        // size every idle session's state machine.
        Box::pin(authenticate(&hub, &mut socket, &mut limiters)),
    )
    .await
    {
        Ok(Ok((member, rid))) => (member, rid),
        Ok(Err(close)) => return finish(&mut socket, None, close, false).await,
        Err(_) => return finish(&mut socket, None, CloseCode::AuthTimeout, false).await,
    };
    drop(until_auth);
    let (member, rid) = member;
    let view = MemberView {
        id: member.public_id.clone(),
        nickname: member.nickname.clone(),
        avatar: member.avatar.clone(),
        badge: member.role.badge().map(str::to_string),
        status: Status::default(),
        pos: None,
        screen: false,
    };
    // Whom they are apart from, and whom they blocked: without these nobody is let in (a
    // block must hold from the first frame).
    let blocks = tokio::try_join!(
        hub.store.apart_from(&member.public_id),
        hub.store.blocked_by(&member.public_id)
    );
    let (apart, blocked) = match blocks {
        Ok(blocks) => blocks,
        Err(error) => {
            tracing::error!(%error, "could not read a member's blocks at authentication");
            let error = ServerMessage::error(
                rid,
                ErrorCode::Internal,
                words::error_message(ErrorCode::Internal),
            );
            let stalled = send_direct(&mut socket, &error).await.is_err();
            return finish(&mut socket, None, CloseCode::Internal, stalled).await;
        }
    };
    let (session, mut outbox) = SessionShared::new(hub.next_conn(), member.role, view.clone());
    session.set_apart_all(apart.into_iter().collect());
    hub.register(session.clone());
    tracing::info!(conn = session.conn, member = %session.id, role = member.role.as_str(), "entered");
    let welcome = ServerMessage::Welcome {
        rid,
        you: view.clone(),
        grants: member.role.grants().to_vec(),
        space: hub.space_info(),
        rooms: hub.rooms_for(member.role, member.group),
        limits: limits(),
        ice_servers: hub.media.ice_servers(&member.public_id),
        blocked: blocked.into_iter().map(|m| m.public_id).collect(),
    };
    session.deliver_or_close(Frame::from(welcome.to_text()));
    for frame in hub
        .talk_on_welcome(&view, member.role.has(Grant::TakeConsultations))
        .await
    {
        session.deliver_or_close(frame);
    }
    if let Some(on) = hub.on_duty().await {
        session.deliver_or_close(hub.duty_frame(&session, &on));
    }
    hub.mute_on_entry(&session).await;
    // What they were told about a booking while away (crate::consult).
    tokio::spawn({
        let (hub, id) = (hub.clone(), member.public_id.clone());
        async move { hub.deliver_booking_notices(&id).await }
    });

    let mut reader = Reader {
        hub: &hub,
        session: &session,
        member: &member,
        limiters,
    };
    let ending = reader.serve(&mut socket, &mut outbox).await;

    session.close(match ending {
        Ending::Lost | Ending::Stalled => CloseCode::Unresponsive,
        Ending::Closed => CloseCode::Normal,
    });
    let code = session.close_code().unwrap_or(CloseCode::Normal);
    // A member who may come back keeps their place a moment, unreachable; anyone else leaves
    // at once. Either way the room first comes to what the member sent before the close (it
    // handles commands in order), so the replies to it are queued before the close frame.
    let room = session.room().and_then(|id| hub.room(&id));
    let leaves_now = !code.may_come_back();
    if code == CloseCode::Normal {
        // Gone on purpose: no longer waiting to talk, nor on duty (a dropped connection
        // keeps both).
        hub.talk_gone(&session.id).await;
        hub.duty_gone(&session.id).await;
    }
    if let Some(room) = &room {
        if leaves_now {
            leave(room, &session).await;
        }
        // A room that moved (4007) may not answer: the member is back in a moment anyway.
        if code != CloseCode::Moving {
            let _ = tokio::time::timeout(CLOSE_HANDSHAKE, room_caught_up(room)).await;
        }
    }
    finish(
        &mut socket,
        Some(&mut outbox),
        code,
        ending == Ending::Stalled,
    )
    .await;
    drop(socket);
    drop(place);
    // The peer connection is on the media engine of the room's host.
    match &room {
        Some(RoomRef::Elsewhere { node, relay, .. }) => {
            relay.voice(node, &session, None, VoiceOp::Stop)
        }
        _ => hub.media.close(session.conn),
    }
    if let Some(room) = room.filter(|_| !leaves_now) {
        tokio::select! {
            _ = tokio::time::sleep(COMEBACK_GRACE) => {}
            _ = hub.shutdown.cancelled() => {}
        }
        leave(&room, &session).await;
    }
    hub.unregister(&session);
    tracing::info!(conn = session.conn, member = %session.id, close = ?session.close_code(), "left");
}

/// The connection ended: nobody is told `left`, the room's members see `member_left`.
async fn leave(room: &RoomRef, session: &SessionHandle) {
    room.send(RoomCommand::Leave {
        session: session.clone(),
        reason: None,
        rid: None,
    })
    .await;
}

/// Returns once the room has handled every command sent to it before (it handles them in
/// order): a question is the barrier.
async fn room_caught_up(room: &RoomRef) {
    let (reply, answer) = oneshot::channel();
    if room.send(RoomCommand::Occupants { reply }).await {
        let _ = answer.await;
    }
}

/// Until `auth` succeeds nothing is queued: replies go straight to the socket.
async fn authenticate(
    hub: &Hub,
    socket: &mut WebSocket,
    limiters: &mut Limiters,
) -> Result<(Member, Option<Rid>), CloseCode> {
    loop {
        let message = match next_message(socket).await {
            Incoming::Message(message) => message,
            Incoming::Rejected(error) => {
                send_direct(socket, &ServerMessage::Error(*error)).await?;
                limiters.reject()?;
                continue;
            }
            Incoming::Heartbeat => continue,
            Incoming::TooBig => return Err(CloseCode::TooBig),
            Incoming::BadText => return Err(CloseCode::BadText),
            Incoming::Closed | Incoming::Lost => return Err(CloseCode::Normal),
        };
        let ClientMessage::Auth { rid, token } = message else {
            let error = ServerMessage::error(
                message.rid().cloned(),
                ErrorCode::NotAuthenticated,
                words::error_message(ErrorCode::NotAuthenticated),
            );
            send_direct(socket, &error).await?;
            limiters.reject()?;
            continue;
        };
        let refuse = |code| ServerMessage::error(rid.clone(), code, words::error_message(code));
        let claims = match hub.keys.verify(&token) {
            Ok(claims) => claims,
            Err(TokenError::Expired) => {
                send_direct(socket, &refuse(ErrorCode::TokenExpired)).await?;
                return Err(CloseCode::AuthFailed);
            }
            Err(_) => {
                send_direct(socket, &refuse(ErrorCode::TokenInvalid)).await?;
                return Err(CloseCode::AuthFailed);
            }
        };
        let member = match hub.store.member(&AccountId(claims.sub)).await {
            Ok(Some(member)) => member,
            Ok(None) => {
                send_direct(socket, &refuse(ErrorCode::UnknownMember)).await?;
                return Err(CloseCode::AuthFailed);
            }
            Err(error) => {
                tracing::error!(%error, "could not read a member at authentication");
                send_direct(socket, &refuse(ErrorCode::Internal)).await?;
                return Err(CloseCode::Internal);
            }
        };
        match hub.store.suspension(&member.account).await {
            Ok(None) => {}
            Ok(Some(suspension)) => {
                let contact = hub.space.space.contact.as_ref().map(|c| c.ja.as_str());
                let refused = ServerMessage::error(
                    rid,
                    ErrorCode::AccountSuspended,
                    suspension.message(contact),
                );
                send_direct(socket, &refused).await?;
                return Err(CloseCode::Suspended);
            }
            Err(error) => {
                tracing::error!(%error, "could not read a suspension at authentication");
                send_direct(socket, &refuse(ErrorCode::Internal)).await?;
                return Err(CloseCode::Internal);
            }
        }
        if !member.role.has(Grant::GoOnDuty) && !hub.enough_on_duty().await {
            let refused = ServerMessage::error(
                rid,
                ErrorCode::NoStaff,
                words::error_message(ErrorCode::NoStaff),
            );
            send_direct(socket, &refused).await?;
            return Err(CloseCode::SpaceClosed);
        }
        if let Err(refusal) = hub.gate().admit_to_space(member.role, hub.clock.now()) {
            if hub.in_consultation_after_closing(&member.public_id).await {
                return Ok((member, rid));
            }
            send_direct(socket, &ServerMessage::Error(refusal_error(rid, refusal))).await?;
            return Err(CloseCode::SpaceClosed);
        }
        return Ok((member, rid));
    }
}

/// How a connection ended, as far as the room cares.
#[derive(Debug, PartialEq, Eq)]
enum Ending {
    /// Closed on purpose (by the member, or by the server with a reason).
    Closed,
    /// Broke or was replaced: the member may come back in a moment.
    Lost,
    /// The socket took nothing for WRITE_TIMEOUT: gone too, and nothing more is written.
    Stalled,
}

/// What woke the connection up.
enum Event {
    Closing(CloseCode),
    Silent,
    Heartbeat,
    Outgoing(Option<Frame>),
    Incoming(Incoming),
}

struct Reader<'a> {
    hub: &'a Hub,
    session: &'a SessionHandle,
    member: &'a Member,
    limiters: Limiters,
}

impl Reader<'_> {
    async fn serve(
        &mut self,
        socket: &mut WebSocket,
        outbox: &mut mpsc::Receiver<Frame>,
    ) -> Ending {
        // One close waiter and one silence timer for the whole connection, the timer pushed
        // back as frames arrive: making new ones for every frame cost more than the frame.
        let closing = self.session.closing();
        tokio::pin!(closing);
        let silence = tokio::time::sleep(UNRESPONSIVE_AFTER);
        tokio::pin!(silence);
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        loop {
            // Not biased: a busy room's frames must not starve the member's own (their pongs
            // are what keeps them from looking gone), nor the other way round.
            let event = tokio::select! {
                code = &mut closing => Event::Closing(code),
                _ = &mut silence => Event::Silent,
                _ = heartbeat.tick() => Event::Heartbeat,
                frame = outbox.recv() => Event::Outgoing(frame),
                incoming = next_message(socket) => Event::Incoming(incoming),
            };
            let incoming = match event {
                Event::Closing(code) if code.may_come_back() => return Ending::Lost,
                Event::Closing(_) => return Ending::Closed,
                Event::Silent => {
                    self.session.close(CloseCode::Unresponsive);
                    return Ending::Lost;
                }
                Event::Heartbeat => {
                    if writer::send(socket, Message::Ping(Bytes::new()))
                        .await
                        .is_err()
                    {
                        return Ending::Stalled;
                    }
                    continue;
                }
                // The session holds a sender, so the outbox never ends while it runs.
                Event::Outgoing(None) => return Ending::Closed,
                Event::Outgoing(Some(frame)) => {
                    if write_batch(socket, frame, outbox).await.is_err() {
                        return Ending::Stalled;
                    }
                    continue;
                }
                Event::Incoming(incoming) => incoming,
            };
            silence
                .as_mut()
                .reset(tokio::time::Instant::now() + UNRESPONSIVE_AFTER);
            let outcome = match incoming {
                Incoming::Message(message) => match self.limiters.admit(&message) {
                    Ok(()) => Box::pin(self.handle(message)).await,
                    Err(error) => Err(error),
                },
                Incoming::Rejected(error) => Err(error),
                Incoming::Heartbeat => continue,
                Incoming::TooBig => {
                    self.session.close(CloseCode::TooBig);
                    return Ending::Closed;
                }
                Incoming::BadText => {
                    self.session.close(CloseCode::BadText);
                    return Ending::Closed;
                }
                Incoming::Closed => return Ending::Closed,
                Incoming::Lost => return Ending::Lost,
            };
            if let Err(error) = outcome {
                self.reply(ServerMessage::Error(*error));
                if let Err(code) = self.limiters.reject() {
                    self.session.close(code);
                    return Ending::Closed;
                }
            }
        }
    }

    fn reply(&self, message: ServerMessage) {
        self.session.reply(Frame::from(message.to_text()));
    }

    /// The room the member is in, or `not_in_room`.
    fn current_room(&self, rid: &Option<Rid>) -> Result<RoomRef, Reject> {
        self.session
            .room()
            .and_then(|id| self.hub.room(&id))
            .ok_or_else(|| Box::new(error_body(rid.clone(), ErrorCode::NotInRoom)))
    }

    async fn handle(&mut self, message: ClientMessage) -> Result<(), Reject> {
        let session = self.session.clone();
        match message {
            ClientMessage::Auth { rid, .. } => {
                Err(error_body(rid, ErrorCode::AlreadyAuthenticated).into())
            }
            ClientMessage::Join { rid, room, resume } => self.join(rid, room, resume).await,
            ClientMessage::Leave { rid } => {
                let room = self.current_room(&rid)?;
                room.send(RoomCommand::Leave {
                    session,
                    reason: Some(LeaveReason::Left),
                    rid,
                })
                .await;
                Ok(())
            }
            ClientMessage::Chat { rid, text, confirm } => {
                let room = self.current_room(&rid)?;
                self.text_allowed(&rid)?;
                // Contact details in a room open to many wait for the sender's yes.
                if let Some(kind) = self.hub.contact_in(room.id(), &text) {
                    if !confirm {
                        return Err(error_body(rid, ErrorCode::ChatContact).into());
                    }
                    self.hub.contact_shared(&session, room.id(), kind);
                }
                // Alerting never holds the line back: it is checked beside it.
                self.hub.watch_for_crisis(&session, room.id(), &text);
                room.send(RoomCommand::Chat { session, text, rid }).await;
                Ok(())
            }
            ClientMessage::Move { x, y } => {
                let room = self.current_room(&None)?;
                room.send(RoomCommand::Move { session, x, y }).await;
                Ok(())
            }
            ClientMessage::Stamp { rid, stamp } => {
                let room = self.current_room(&rid)?;
                self.text_allowed(&rid)?;
                room.send(RoomCommand::Stamp {
                    session,
                    stamp,
                    rid,
                })
                .await;
                Ok(())
            }
            ClientMessage::Status { rid, status } => {
                session.update_view(|v| v.status = status);
                self.announce_view_change(rid).await;
                Ok(())
            }
            ClientMessage::Avatar { rid, avatar } => {
                if !avatar.is_valid() {
                    return Err(error_body(rid, ErrorCode::BadRequest).into());
                }
                if let Err(error) = self
                    .hub
                    .store
                    .set_avatar(&self.member.account, &avatar)
                    .await
                {
                    tracing::error!(%error, member = %session.id, "could not save an avatar");
                    return Err(error_body(rid, ErrorCode::Internal).into());
                }
                session.update_view(|v| v.avatar = avatar);
                self.announce_view_change(rid).await;
                Ok(())
            }
            ClientMessage::Invite { rid, member } => self.invite(rid, member).await,
            ClientMessage::Ping { rid } => {
                self.reply(ServerMessage::Pong { rid });
                Ok(())
            }
            ClientMessage::Announce { rid, text } => {
                if !self.member.role.has(Grant::OverseeSpace) {
                    return Err(error_body(rid, ErrorCode::NotAllowed).into());
                }
                let text =
                    screen_chat(&text).map_err(|p| Box::new(chat_problem(rid.clone(), p)))?;
                self.hub.announce(self.session.view(), text);
                self.reply(ServerMessage::Ack { rid, seq: None });
                Ok(())
            }
            ClientMessage::Overview { rid } => {
                if !self.member.role.has(Grant::OverseeSpace) {
                    return Err(error_body(rid, ErrorCode::NotAllowed).into());
                }
                let (rooms, consultations) = self.hub.occupancy(self.member.role).await;
                self.reply(ServerMessage::Overview {
                    rid,
                    rooms,
                    consultations,
                });
                Ok(())
            }
            ClientMessage::VoiceStart { rid } => self.voice(rid, VoiceOp::Start).await,
            ClientMessage::VoiceStop { rid } => self.voice(rid, VoiceOp::Stop).await,
            ClientMessage::VoiceAnswer { rid, sdp } => {
                self.voice(rid, VoiceOp::Answer { sdp }).await
            }
            ClientMessage::VoiceCandidate { rid, candidate } => {
                self.voice(rid, VoiceOp::Candidate { candidate }).await
            }
            ClientMessage::VoicePublish { rid, kind } => {
                self.voice(rid, VoiceOp::Publish { kind }).await
            }
            ClientMessage::VoiceUnpublish { rid, kind } => {
                self.voice(rid, VoiceOp::Unpublish { kind }).await
            }
            ClientMessage::VoiceMute { rid, member, muted } => {
                self.voice_mute(rid, member, muted).await
            }
            ClientMessage::RaiseHand { rid, raised } => self.raise_hand(rid, raised).await,
            ClientMessage::SetSpeaker {
                rid,
                member,
                speaker,
            } => self.set_speaker(rid, member, speaker).await,
            ClientMessage::TalkAsk {
                rid,
                mode,
                profession,
            } => self.talk_ask(rid, mode, profession).await,
            ClientMessage::TalkWithdraw { rid } => self.talk_withdraw(rid).await,
            ClientMessage::TalkAccept { rid, member } => self.talk_accept(rid, member).await,
            ClientMessage::TalkDecline { rid, room } => self.talk_decline(rid, room).await,
            ClientMessage::TalkEnd { rid } => self.talk_end(rid).await,
            ClientMessage::Duty { rid, on } => self.duty(rid, on).await,
            ClientMessage::AlertAck { rid, alert } => {
                if !self.member.role.has(Grant::GoOnDuty) {
                    return Err(error_body(rid, ErrorCode::NotAllowed).into());
                }
                if !self.hub.acknowledge_alert(&session, &alert).await {
                    return Err(error_body(rid, ErrorCode::UnknownAlert).into());
                }
                self.reply(ServerMessage::Ack { rid, seq: None });
                Ok(())
            }
            ClientMessage::Hide {
                rid,
                room,
                seq,
                reason,
            } => self.hide(rid, room, seq, reason).await,
            ClientMessage::Whisper { rid, member, text } => self.whisper(rid, member, text).await,
            ClientMessage::Mute {
                rid,
                member,
                text,
                voice,
                minutes,
                reason,
            } => {
                let change = MuteChange::Hold {
                    text,
                    voice,
                    minutes,
                };
                self.change_mute(rid, member, change, reason).await
            }
            ClientMessage::Unmute { rid, member } => {
                self.change_mute(rid, member, MuteChange::Lift, None).await
            }
            ClientMessage::AskToLeave {
                rid,
                member,
                reason,
            } => self.ask_to_leave(rid, member, reason).await,
            ClientMessage::Block { rid, member } => self.block(rid, member, true).await,
            ClientMessage::Unblock { rid, member } => self.block(rid, member, false).await,
            ClientMessage::Report {
                rid,
                member,
                seq,
                reason,
                note,
            } => {
                let room = self.current_room(&rid)?;
                let room_id = self.session.room().unwrap_or_default();
                let filing = super::reports::Filing {
                    rid,
                    member,
                    seq,
                    reason,
                    note,
                };
                self.hub
                    .file_report(&session, &room_id, &room, filing)
                    .await
            }
        }
    }

    async fn block(&self, rid: Option<Rid>, member: PublicId, block: bool) -> Result<(), Reject> {
        self.hub
            .block(self.member, &member, block)
            .await
            .map_err(|code| Box::new(error_body(rid.clone(), code)))?;
        self.reply(ServerMessage::Ack { rid, seq: None });
        Ok(())
    }

    async fn join(
        &mut self,
        rid: Option<Rid>,
        room_id: String,
        resume: Option<Resume>,
    ) -> Result<(), Reject> {
        let config = self
            .hub
            .rooms
            .config(&room_id)
            .ok_or_else(|| Box::new(error_body(rid.clone(), ErrorCode::UnknownRoom)))?;
        self.hub
            .gate()
            .admit_to_room(
                config,
                self.member.role,
                self.member.group,
                self.hub.clock.now(),
            )
            .map_err(|refusal| Box::new(refusal_error(rid.clone(), refusal)))?;
        let room = match self.hub.host(&room_id).await {
            Ok(Some(room)) => room,
            Ok(None) => return Err(error_body(rid, ErrorCode::UnknownRoom).into()),
            Err(error) => {
                // Redis is out of reach: the member reconnects (as the page does on 4007)
                // until it is back, and resumes where they were.
                tracing::warn!(%error, room = %room_id, "the room's host cannot be found");
                self.session.close(CloseCode::Moving);
                return Err(ErrorBody {
                    retry_after_ms: Some(1000),
                    ..error_body(rid, ErrorCode::Unavailable)
                }
                .into());
            }
        };
        let current = self.session.room();
        let rejoined = current.as_ref().is_some_and(|id| id == room.id());
        let previous = current
            .filter(|id| id != room.id())
            .and_then(|id| self.hub.room(&id));
        self.hub.voice_mute_before_join(self.session, &room).await;
        let session = self.session.clone();
        let join_rid = rid.clone();
        ask(&room, &rid, |reply| RoomCommand::Join {
            session,
            resume,
            rid: join_rid,
            reply,
        })
        .await?;
        // Whatever was sent in another room stops: here the member chooses again whether to
        // speak, and asks for a place among this room's speakers.
        if !rejoined {
            self.voice_moves(previous.as_ref(), &room);
        }
        // Leave the old room only once the new one has said yes: a full room leaves you where you were.
        if let Some(old) = previous {
            old.send(RoomCommand::Leave {
                session: self.session.clone(),
                reason: Some(LeaveReason::Left),
                rid: None,
            })
            .await;
        }
        Ok(())
    }

    async fn announce_view_change(&self, rid: Option<Rid>) {
        match self.current_room(&rid) {
            Ok(room) => {
                room.send(RoomCommand::ViewChanged {
                    session: self.session.clone(),
                    rid,
                })
                .await;
            }
            Err(_) => self.reply(ServerMessage::Ack { rid, seq: None }),
        }
    }

    /// A counsellor lets someone into their consultation room; a participant in one lets one
    /// family member in (the room checks who may invite whom).
    async fn invite(&self, rid: Option<Rid>, member: PublicId) -> Result<(), Reject> {
        if !self.member.role.has(Grant::TakeConsultations) && self.member.role != Role::Participant
        {
            return Err(error_body(rid, ErrorCode::NotAllowed).into());
        }
        let room = self.current_room(&rid)?;
        let here = self.hub.find(&member);
        if here.is_none() && self.hub.relay.is_none() {
            return Err(error_body(rid, ErrorCode::NotPresent).into());
        }
        // A participant brings in family only (checked again when they come in, on any node).
        if self.member.role == Role::Participant && here.is_some_and(|s| s.role != Role::Family) {
            return Err(error_body(rid, ErrorCode::NotAllowed).into());
        }
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
            mode: None,
        };
        if !self.hub.tell_member(&member, invited.to_text()) {
            return Err(error_body(rid, ErrorCode::NotPresent).into());
        }
        self.reply(ServerMessage::Ack { rid, seq: None });
        Ok(())
    }
}

/// Sends a room a command that answers yes or no, and waits for the answer.
async fn ask(
    room: &RoomRef,
    rid: &Option<Rid>,
    command: impl FnOnce(oneshot::Sender<Result<(), ErrorCode>>) -> RoomCommand,
) -> Result<(), Reject> {
    let (reply, answer) = oneshot::channel();
    room.send(command(reply)).await;
    match answer.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(code)) => Err(error_body(rid.clone(), code).into()),
        // The room task is gone (shutdown), or its host did not answer.
        Err(_) => Err(error_body(rid.clone(), ErrorCode::Internal).into()),
    }
}

fn refusal_error(rid: Option<Rid>, refusal: Refusal) -> ErrorBody {
    match refusal {
        Refusal::SpaceClosed { next_opening } => ErrorBody {
            message: words::space_closed(next_opening.as_ref()),
            next_opening,
            ..error_body(rid, ErrorCode::SpaceClosed)
        },
        Refusal::RoomClosed { next_session } => ErrorBody {
            message: words::room_closed(next_session.as_ref()),
            next_opening: next_session,
            ..error_body(rid, ErrorCode::RoomClosed)
        },
        Refusal::NotAllowed => error_body(rid, ErrorCode::NotAllowed),
        Refusal::NotForYou { audience } => ErrorBody {
            message: words::not_for_you(&audience),
            for_groups: audience.groups,
            for_roles: audience.roles,
            ..error_body(rid, ErrorCode::NotForYou)
        },
    }
}
