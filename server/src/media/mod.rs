//! The SFU: every audio and video track goes through the server (DESIGN.md "Media"). One UDP
//! socket per node and one str0m `Rtc` per member who started voice, all owned by one task:
//! str0m is sans-IO, so that task reads the socket, feeds the right peer and forwards media.
//!
//! The engine decides nothing about who may speak or who hears whom. Rooms work that out from
//! their own state (status, stage, consultation, positions) and push it here with
//! [`Media::set_hearing`]; the engine forwards a track only to those it was told may hear it.
mod engine;
mod line;
mod peer;
mod router;
mod speaking;
mod turn;

use turn::ice_servers;
pub use turn::{IceServer, Turn};

use crate::model::PublicId;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// A peer connection is known by the WebSocket connection it was started on (the session's
/// `conn`): a member's new tab is a new peer.
pub type PeerId = u64;

/// What a member sends: their voice, their camera, or their screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    Audio,
    Video,
    Screen,
}

impl TrackKind {
    const ALL: [TrackKind; 3] = [TrackKind::Audio, TrackKind::Video, TrackKind::Screen];

    fn media_kind(self) -> str0m::media::MediaKind {
        match self {
            TrackKind::Audio => str0m::media::MediaKind::Audio,
            TrackKind::Video | TrackKind::Screen => str0m::media::MediaKind::Video,
        }
    }
}

/// An SDP offer for one member's peer connection, with what its m-lines carry.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub sdp: String,
    /// Media from other members, one m-line each (server → member).
    pub tracks: Vec<RemoteTrack>,
    /// The member's own tracks (member → server).
    pub uplinks: Vec<Uplink>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteTrack {
    pub mid: String,
    pub member: PublicId,
    pub kind: TrackKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uplink {
    pub mid: String,
    pub kind: TrackKind,
}

/// Where a peer's offers go (its member's WebSocket).
pub type Signaller = Box<dyn Fn(Offer) + Send>;

/// A member started or stopped speaking (from the RFC 6464 audio level of their track).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaking {
    pub peer: PeerId,
    pub member: PublicId,
    pub speaking: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("the peer connection could not be started: {0}")]
    NotOpened(String),
    #[error("voice is not started on this connection")]
    NotStarted,
    #[error("no offer is waiting for an answer")]
    NoOfferPending,
    #[error("the SDP was refused: {0}")]
    BadSdp(String),
    #[error("the media engine has stopped")]
    Stopped,
}

#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("binding the media UDP socket {0}: {1}")]
    Io(SocketAddr, std::io::Error),
    #[error("the media socket is bound to {0} and this host has no default route to tell browsers: set --media-announce to the address they should use")]
    Unspecified(SocketAddr),
}

/// Speaking events waiting for the hub. Bounded: they are presence hints, and a burst the hub
/// cannot take in time is better dropped than queued without limit.
const SPEAKING_QUEUE: usize = 256;

/// How the engine answers a request, exactly once: on success as soon as the change is taken,
/// before any offer it sets off (so a session that queues its `ack` here has it read before
/// that offer, as docs/protocol.md says), otherwise with the error.
pub type Reply = Box<dyn FnOnce(Result<(), MediaError>) + Send>;

/// A [`Reply`] inside the engine, given at most once.
struct Replier(Option<Reply>);

impl Replier {
    /// The change is taken: say so now, before the offers it sets off.
    fn accepted(&mut self) {
        if let Some(reply) = self.0.take() {
            reply(Ok(()));
        }
    }

    /// The outcome, unless `accepted` told it already.
    fn finish(mut self, result: Result<(), MediaError>) {
        if let Some(reply) = self.0.take() {
            reply(result);
        }
    }
}

enum Command {
    Open {
        peer: PeerId,
        member: PublicId,
        signal: Signaller,
        reply: Reply,
    },
    Answer {
        peer: PeerId,
        sdp: String,
        reply: Reply,
    },
    Candidate {
        peer: PeerId,
        candidate: String,
        reply: Reply,
    },
    Publish {
        peer: PeerId,
        kind: TrackKind,
        publish: bool,
        reply: Reply,
    },
    UnpublishAll {
        peer: PeerId,
    },
    Close {
        peer: PeerId,
    },
    CloseAll {
        done: oneshot::Sender<()>,
    },
    Hearing {
        room: Arc<str>,
        hears: Vec<(PeerId, Vec<PeerId>)>,
    },
}

impl Command {
    /// The reply of a request the engine will never see.
    fn refuse(self) {
        match self {
            Command::Open { reply, .. }
            | Command::Answer { reply, .. }
            | Command::Candidate { reply, .. }
            | Command::Publish { reply, .. } => reply(Err(MediaError::Stopped)),
            _ => {}
        }
    }
}

/// A cheap-to-clone handle on the node's media engine.
#[derive(Clone)]
pub struct Media {
    // Unbounded: commands come from rate-limited sessions and tick-limited rooms, and the
    // engine never waits on anything, so it drains them as fast as they come; a bounded queue
    // would make a room wait on the engine.
    tx: mpsc::UnboundedSender<Command>,
    turn: Option<Arc<Turn>>,
}

impl Media {
    /// Binds the node's UDP socket and starts the engine. `announce` is the address put in the
    /// host candidate when the bound one is not reachable as it is (0.0.0.0, a container).
    /// Must be called inside the Tokio runtime.
    pub fn bind(
        bind: SocketAddr,
        announce: Option<IpAddr>,
        turn: Option<Turn>,
    ) -> Result<(Media, mpsc::Receiver<Speaking>), BindError> {
        let socket = std::net::UdpSocket::bind(bind)
            .and_then(|s| s.set_nonblocking(true).map(|()| s))
            .and_then(tokio::net::UdpSocket::from_std)
            .map_err(|e| BindError::Io(bind, e))?;
        let local = socket.local_addr().map_err(|e| BindError::Io(bind, e))?;
        let address = match announce {
            Some(ip) => SocketAddr::new(ip, local.port()),
            None if local.ip().is_unspecified() => {
                let ip = route_address(local).ok_or(BindError::Unspecified(local))?;
                tracing::warn!(%ip, bound = %local, "the media socket is bound to every address; telling browsers to use the one with the default route (set --media-announce to choose)");
                SocketAddr::new(ip, local.port())
            }
            None => local,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let (speaking_tx, speaking_rx) = mpsc::channel(SPEAKING_QUEUE);
        tokio::spawn(engine::run(socket, address, rx, speaking_tx));
        let media = Media {
            tx,
            turn: turn.map(Arc::new),
        };
        Ok((media, speaking_rx))
    }

    /// The ICE servers a member's browser should use: the TURN server with a fresh
    /// credential, or none.
    pub fn ice_servers(&self, member: &PublicId) -> Vec<IceServer> {
        ice_servers(self.turn.as_deref(), member, std::time::SystemTime::now())
    }

    /// Starts (or restarts) a member's peer connection; offers go to `signal`.
    pub fn open(&self, peer: PeerId, member: PublicId, signal: Signaller, reply: Reply) {
        self.request(Command::Open {
            peer,
            member,
            signal,
            reply,
        });
    }

    pub fn answer(&self, peer: PeerId, sdp: String, reply: Reply) {
        self.request(Command::Answer { peer, sdp, reply });
    }

    /// A trickled ICE candidate from the member (`candidate:…`).
    pub fn candidate(&self, peer: PeerId, candidate: String, reply: Reply) {
        self.request(Command::Candidate {
            peer,
            candidate,
            reply,
        });
    }

    /// Adds (or with `publish` false, removes) the member's track of this kind; an offer
    /// follows. Whether they may is the hub's decision, made before.
    pub fn publish(&self, peer: PeerId, kind: TrackKind, publish: bool, reply: Reply) {
        self.request(Command::Publish {
            peer,
            kind,
            publish,
            reply,
        });
    }

    /// Removes every track the member sends (they went to another room); an offer follows
    /// if there were any. Nothing happens without a peer connection.
    pub fn unpublish_all(&self, peer: PeerId) {
        let _ = self.tx.send(Command::UnpublishAll { peer });
    }

    pub fn close(&self, peer: PeerId) {
        let _ = self.tx.send(Command::Close { peer });
    }

    /// The node is stopping: closes every peer connection, telling each browser (DTLS
    /// close_notify), and returns once that is sent.
    pub async fn close_all(&self) {
        let (done, sent) = oneshot::channel();
        if self.tx.send(Command::CloseAll { done }).is_ok() {
            let _ = sent.await;
        }
    }

    /// Who hears whom in `room`, for everyone in it now: each listener with the members whose
    /// tracks they may receive. Listeners of the room not listed any more hear nobody.
    pub fn set_hearing(&self, room: Arc<str>, hears: Vec<(PeerId, Vec<PeerId>)>) {
        let _ = self.tx.send(Command::Hearing { room, hears });
    }

    fn request(&self, command: Command) {
        if let Err(mpsc::error::SendError(command)) = self.tx.send(command) {
            command.refuse();
        }
    }
}

/// The local address the system would send from towards the Internet: connecting a UDP
/// socket picks it from the routing table without sending anything. 192.0.2.1 is a
/// documentation address (RFC 5737); nothing is ever sent there.
fn route_address(bound: SocketAddr) -> Option<IpAddr> {
    let (any, target): (SocketAddr, SocketAddr) = if bound.is_ipv4() {
        ("0.0.0.0:0".parse().ok()?, "192.0.2.1:9".parse().ok()?)
    } else {
        ("[::]:0".parse().ok()?, "[2001:db8::1]:9".parse().ok()?)
    };
    let probe = std::net::UdpSocket::bind(any).ok()?;
    probe.connect(target).ok()?;
    Some(probe.local_addr().ok()?.ip()).filter(|ip| !ip.is_unspecified())
}
