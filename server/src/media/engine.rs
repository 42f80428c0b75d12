//! The one task that owns the node's UDP socket and every peer: it waits for a datagram, a
//! command or the next timeout, applies that one change, and lets the router drain and forward.
//! Time is the real monotonic clock (never a rehearsal clock): RTP and ICE timers run on it.
use super::router::Router;
use super::{Command, Replier, Speaking};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use str0m::net::{Protocol, Receive};
use str0m::Input;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// The engine wakes at least this often, so speech that stops (no more packets) is noticed.
const IDLE_TICK: Duration = Duration::from_millis(100);
/// Larger than any datagram WebRTC sends (str0m keeps under the path MTU).
const DATAGRAM: usize = 2048;

pub(super) async fn run(
    socket: UdpSocket,
    address: SocketAddr,
    mut commands: mpsc::UnboundedReceiver<Command>,
    speaking: mpsc::Sender<Speaking>,
) {
    let mut router = Router::new(address);
    let mut buf = vec![0u8; DATAGRAM];
    let mut next = Instant::now();
    tracing::info!(%address, "media engine listening");
    loop {
        let wait = next
            .saturating_duration_since(Instant::now())
            .min(IDLE_TICK);
        tokio::select! {
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, source)) => {
                    // A datagram that is not STUN, DTLS, RTP or RTCP is noise: ignore it.
                    if let Ok(receive) = Receive::new(Protocol::Udp, source, address, &buf[..n]) {
                        router.receive(&socket, source, Input::Receive(Instant::now(), receive));
                    }
                }
                // ICMP errors from a peer that went away surface here on some systems.
                Err(error) => tracing::debug!(%error, "media socket read"),
            },
            command = commands.recv() => match command {
                Some(command) => apply(&mut router, &socket, command),
                None => return,
            },
            _ = tokio::time::sleep(wait) => {}
        }
        let now = Instant::now();
        next = router.tick(&socket, now).unwrap_or(now + IDLE_TICK);
        for change in router.take_speaking() {
            // Presence hints: if the hub is behind, this one is dropped (the next will do).
            let _ = speaking.try_send(change);
        }
    }
}

fn apply(router: &mut Router, socket: &UdpSocket, command: Command) {
    match command {
        Command::Open {
            peer,
            member,
            signal,
            reply,
        } => {
            let mut reply = Replier(Some(reply));
            let result = router.open(socket, peer, member, signal, &mut reply);
            reply.finish(result);
        }
        Command::Answer { peer, sdp, reply } => {
            let mut reply = Replier(Some(reply));
            let result = router.answer(socket, peer, &sdp, &mut reply);
            reply.finish(result);
        }
        Command::Candidate {
            peer,
            candidate,
            reply,
        } => reply(router.candidate(socket, peer, &candidate)),
        Command::Publish {
            peer,
            kind,
            publish,
            reply,
        } => {
            let mut reply = Replier(Some(reply));
            let result = router.publish(socket, peer, kind, publish, &mut reply);
            reply.finish(result);
        }
        Command::UnpublishAll { peer } => router.unpublish_all(socket, peer),
        Command::Close { peer } => router.close(socket, peer),
        Command::CloseAll { done } => {
            router.close_all(socket);
            let _ = done.send(());
        }
        Command::Hearing { room, hears } => router.set_hearing(socket, room, hears),
    }
}
