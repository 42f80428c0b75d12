//! A member's voice requests, served by this node's media engine: for a member connected here,
//! or (through their stand-in, hub/relay.rs) for one connected to another node whose room is
//! hosted here. Signalling goes to the engine; publishing only where the room says the member
//! may speak.
use super::handle::{Frame, SessionHandle};
use super::inbound::{error_body, Reject};
use super::protocol::{ErrorBody, ErrorCode, Rid, ServerMessage};
use super::room::RoomCommand;
use super::wire::VoiceOp;
use super::{words, Hub};
use crate::media::{MediaError, Reply, TrackKind};
use tokio::sync::oneshot;

/// Serves a voice request on this node's media engine, for a member connected here or (a
/// stand-in) on another node; the member's room, if any, is hosted here.
pub async fn run(
    hub: &Hub,
    session: &SessionHandle,
    rid: Option<Rid>,
    op: VoiceOp,
) -> Result<(), Reject> {
    match op {
        VoiceOp::Start => {
            start(hub, session, rid);
            Ok(())
        }
        VoiceOp::Stop => {
            hub.media.close(session.conn);
            release_publish(hub, session, None).await;
            session.reply(Frame::from(ServerMessage::Ack { rid, seq: None }.to_text()));
            Ok(())
        }
        VoiceOp::Answer { sdp } => {
            let (reply, outcome) = media_reply(session, &rid);
            hub.media.answer(session.conn, sdp, reply);
            outcome_of(rid, outcome).await
        }
        VoiceOp::Candidate { candidate } => {
            let (reply, outcome) = media_reply(session, &rid);
            hub.media.candidate(session.conn, candidate, reply);
            outcome_of(rid, outcome).await
        }
        VoiceOp::Publish { kind } => publish(hub, session, rid, kind).await,
        VoiceOp::Unpublish { kind } => {
            let (reply, outcome) = media_reply(session, &rid);
            hub.media.publish(session.conn, kind, false, reply);
            let result = outcome_of(rid, outcome).await;
            release_publish(hub, session, Some(kind)).await;
            result
        }
        VoiceOp::UnpublishAll => {
            hub.media.unpublish_all(session.conn);
            Ok(())
        }
    }
}

/// Starts (or starts over) the peer connection; the media engine sends the offers, and the
/// reply before the first of them.
fn start(hub: &Hub, session: &SessionHandle, rid: Option<Rid>) {
    let offered = session.clone();
    let replied = session.clone();
    hub.media.open(
        session.conn,
        session.id.clone(),
        Box::new(move |offer| {
            let message = ServerMessage::VoiceOffer {
                sdp: offer.sdp,
                tracks: offer.tracks,
                uplinks: offer.uplinks,
            };
            offered.deliver_or_close(Frame::from(message.to_text()));
        }),
        Box::new(move |result| {
            let message = match result {
                Ok(()) => ServerMessage::Ack { rid, seq: None },
                Err(error) => ServerMessage::Error(media_error(rid, error)),
            };
            replied.deliver_or_close(Frame::from(message.to_text()));
        }),
    );
}

/// Publishing is the room's decision (status, stage, mute, places left); the engine only
/// adds the line.
async fn publish(
    hub: &Hub,
    session: &SessionHandle,
    rid: Option<Rid>,
    kind: TrackKind,
) -> Result<(), Reject> {
    let room = session
        .room()
        .and_then(|id| hub.room(&id))
        .ok_or_else(|| Box::new(error_body(rid.clone(), ErrorCode::NotInRoom)))?;
    let (reply, answer) = oneshot::channel();
    room.send(RoomCommand::Publish {
        session: session.clone(),
        kind,
        reply,
    })
    .await;
    match answer.await {
        Ok(Ok(())) => {}
        Ok(Err(mut refusal)) => {
            refusal.rid = rid;
            return Err(refusal);
        }
        Err(_) => return Err(error_body(rid, ErrorCode::Internal).into()),
    }
    let (reply, outcome) = media_reply(session, &rid);
    hub.media.publish(session.conn, kind, true, reply);
    let result = outcome_of(rid, outcome).await;
    if result.is_err() {
        release_publish(hub, session, Some(kind)).await;
    }
    result
}

/// A reply for the media engine: it queues the `ack` itself, before any offer the request sets
/// off (docs/protocol.md: the ack, then the offer); the outcome comes back for errors.
fn media_reply(
    session: &SessionHandle,
    rid: &Option<Rid>,
) -> (Reply, oneshot::Receiver<Result<(), MediaError>>) {
    let session = session.clone();
    let rid = rid.clone();
    let (tx, rx) = oneshot::channel();
    let reply: Reply = Box::new(move |result| {
        if result.is_ok() {
            let ack = ServerMessage::Ack { rid, seq: None };
            session.deliver_or_close(Frame::from(ack.to_text()));
        }
        let _ = tx.send(result);
    });
    (reply, rx)
}

/// Tells the room this connection no longer sends `kind` (`None`: anything).
async fn release_publish(hub: &Hub, session: &SessionHandle, kind: Option<TrackKind>) {
    if let Some(room) = session.room().and_then(|id| hub.room(&id)) {
        room.send(RoomCommand::Unpublish {
            session: session.clone(),
            kind,
        })
        .await;
    }
}

/// The outcome of a media request whose ack the engine queued: only errors are left to send.
async fn outcome_of(
    rid: Option<Rid>,
    outcome: oneshot::Receiver<Result<(), MediaError>>,
) -> Result<(), Reject> {
    // A dropped reply: the engine stopped before it saw the request.
    match outcome.await.unwrap_or(Err(MediaError::Stopped)) {
        Ok(()) => Ok(()),
        Err(error) => Err(media_error(rid, error).into()),
    }
}

fn media_error(rid: Option<Rid>, error: MediaError) -> ErrorBody {
    match error {
        MediaError::NotStarted => error_body(rid, ErrorCode::VoiceNotStarted),
        MediaError::NoOfferPending => ErrorBody {
            message: words::no_offer_pending().to_string(),
            ..error_body(rid, ErrorCode::BadSdp)
        },
        // The media stack's words are for developers: in `detail`, never in `message`.
        MediaError::BadSdp(problem) => ErrorBody {
            detail: Some(problem),
            ..error_body(rid, ErrorCode::BadSdp)
        },
        MediaError::Stopped | MediaError::NotOpened(_) => error_body(rid, ErrorCode::Internal),
    }
}
