//! One connection's voice requests: signalling relayed to the media engine, publishing only
//! where the room says this member may speak, and the room's stage and mute controls.
use super::super::handle::Frame;
use super::super::inbound::{error_body, Reject};
use super::super::protocol::{ErrorBody, ErrorCode, Rid, ServerMessage};
use super::super::room::RoomCommand;
use super::super::words;
use super::Reader;
use crate::auth::Grant;
use crate::media::{MediaError, Reply, TrackKind};
use crate::model::PublicId;
use tokio::sync::oneshot;

impl Reader<'_> {
    /// Starts (or starts over) the peer connection; the media engine sends the offers, and
    /// the reply before the first of them.
    pub(super) fn voice_start(&self, rid: Option<Rid>) {
        let session = self.session.clone();
        let replied = self.session.clone();
        self.hub.media.open(
            session.conn,
            session.id.clone(),
            Box::new(move |offer| {
                let message = ServerMessage::VoiceOffer {
                    sdp: offer.sdp,
                    tracks: offer.tracks,
                    uplinks: offer.uplinks,
                };
                session.deliver_or_close(Frame::from(message.to_text()));
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

    pub(super) async fn voice_stop(&self, rid: Option<Rid>) {
        self.hub.media.close(self.session.conn);
        self.release_publish(None).await;
        self.reply(ServerMessage::Ack { rid, seq: None });
    }

    pub(super) async fn voice_answer(&self, rid: Option<Rid>, sdp: String) -> Result<(), Reject> {
        let (reply, outcome) = self.media_reply(&rid);
        self.hub.media.answer(self.session.conn, sdp, reply);
        outcome_of(rid, outcome).await
    }

    pub(super) async fn voice_candidate(
        &self,
        rid: Option<Rid>,
        candidate: String,
    ) -> Result<(), Reject> {
        let (reply, outcome) = self.media_reply(&rid);
        self.hub
            .media
            .candidate(self.session.conn, candidate, reply);
        outcome_of(rid, outcome).await
    }

    /// Publishing is the room's decision (status, stage, mute, places left); the engine only
    /// adds the line.
    pub(super) async fn voice_publish(
        &self,
        rid: Option<Rid>,
        kind: TrackKind,
        publish: bool,
    ) -> Result<(), Reject> {
        if !publish {
            let (reply, outcome) = self.media_reply(&rid);
            self.hub
                .media
                .publish(self.session.conn, kind, false, reply);
            let result = outcome_of(rid, outcome).await;
            self.release_publish(Some(kind)).await;
            return result;
        }
        let room = self.current_room(&rid)?;
        let (reply, answer) = oneshot::channel();
        room.send(RoomCommand::Publish {
            session: self.session.clone(),
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
        let (reply, outcome) = self.media_reply(&rid);
        self.hub.media.publish(self.session.conn, kind, true, reply);
        let result = outcome_of(rid, outcome).await;
        if result.is_err() {
            self.release_publish(Some(kind)).await;
        }
        result
    }

    /// A reply for the media engine: it queues the `ack` itself, before any offer the request
    /// sets off (docs/protocol.md: the ack, then the offer); the outcome comes back for errors.
    fn media_reply(&self, rid: &Option<Rid>) -> (Reply, oneshot::Receiver<Result<(), MediaError>>) {
        let session = self.session.clone();
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
    async fn release_publish(&self, kind: Option<TrackKind>) {
        if let Ok(room) = self.current_room(&None) {
            room.send(RoomCommand::Unpublish {
                session: self.session.clone(),
                kind,
            })
            .await;
        }
    }

    pub(super) async fn voice_mute(
        &self,
        rid: Option<Rid>,
        member: PublicId,
        muted: bool,
    ) -> Result<(), Reject> {
        if !self.member.role.has(Grant::Moderate) {
            return Err(error_body(rid, ErrorCode::NotAllowed).into());
        }
        let room = self.current_room(&rid)?;
        room.send(RoomCommand::Mute {
            session: self.session.clone(),
            member,
            muted,
            rid,
        })
        .await;
        Ok(())
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
