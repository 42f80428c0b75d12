//! Who hears whom: the peers, what each may hear (as the rooms said), and the forwarding of
//! media and keyframe requests between them. A listener receives a track only while its
//! source is in the listener's hearing set; the m-lines follow that set.
use super::peer::{Peer, Propagated};
use super::{MediaError, PeerId, Replier, Signaller, Speaking, TrackKind};
use crate::model::PublicId;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use str0m::media::{KeyframeRequestKind, Mid};
use str0m::Input;
use tokio::net::UdpSocket;

pub(super) struct Router {
    address: SocketAddr,
    peers: HashMap<PeerId, Peer>,
    /// Listener → the peers they may hear now, as their room last said.
    hears: HashMap<PeerId, HashSet<PeerId>>,
    /// Listener → the room that said so (a later word from another room wins).
    room_of: HashMap<PeerId, Arc<str>>,
    /// Remote address → the peer that last took a datagram from it, so most datagrams skip
    /// asking every peer.
    by_address: HashMap<SocketAddr, PeerId>,
    queue: VecDeque<Propagated>,
    speaking: Vec<Speaking>,
}

impl Router {
    pub(super) fn new(address: SocketAddr) -> Router {
        Router {
            address,
            peers: HashMap::new(),
            hears: HashMap::new(),
            room_of: HashMap::new(),
            by_address: HashMap::new(),
            queue: VecDeque::new(),
            speaking: Vec::new(),
        }
    }

    /// Starts a peer (replacing one the same connection had: the client started over).
    /// `reply` hears of it before the peer's first offer.
    pub(super) fn open(
        &mut self,
        socket: &UdpSocket,
        id: PeerId,
        member: PublicId,
        signal: Signaller,
        reply: &mut Replier,
    ) -> Result<(), MediaError> {
        self.close(socket, id);
        let peer =
            Peer::new(id, member, signal, self.address, Instant::now()).map_err(|error| {
                tracing::error!(peer = id, %error, "could not start a peer connection");
                MediaError::NotOpened(error.to_string())
            })?;
        self.peers.insert(id, peer);
        reply.accepted();
        self.sync(socket, id);
        Ok(())
    }

    pub(super) fn close(&mut self, socket: &UdpSocket, id: PeerId) {
        if let Some(mut peer) = self.peers.remove(&id) {
            peer.close(socket);
            self.by_address.retain(|_, peer| *peer != id);
            self.sync_listeners_of(socket, id);
        }
    }

    /// The node is stopping: every peer is closed and told so.
    pub(super) fn close_all(&mut self, socket: &UdpSocket) {
        for (_, mut peer) in self.peers.drain() {
            peer.close(socket);
        }
        self.by_address.clear();
        self.hears.clear();
        self.room_of.clear();
    }

    pub(super) fn answer(
        &mut self,
        socket: &UdpSocket,
        id: PeerId,
        sdp: &str,
        reply: &mut Replier,
    ) -> Result<(), MediaError> {
        let peer = self.peers.get_mut(&id).ok_or(MediaError::NotStarted)?;
        let result = peer.answer(sdp);
        self.after_change(socket, id);
        result?;
        reply.accepted();
        // The member's uplinks may have opened or closed; changes that waited are offered.
        self.sync_listeners_of(socket, id);
        self.sync(socket, id);
        Ok(())
    }

    pub(super) fn candidate(
        &mut self,
        socket: &UdpSocket,
        id: PeerId,
        candidate: &str,
    ) -> Result<(), MediaError> {
        let peer = self.peers.get_mut(&id).ok_or(MediaError::NotStarted)?;
        let result = peer.candidate(candidate);
        self.after_change(socket, id);
        result
    }

    pub(super) fn publish(
        &mut self,
        socket: &UdpSocket,
        id: PeerId,
        kind: TrackKind,
        publish: bool,
        reply: &mut Replier,
    ) -> Result<(), MediaError> {
        self.change_uplinks(socket, id, &[kind], publish, Some(reply))
    }

    pub(super) fn unpublish_all(&mut self, socket: &UdpSocket, id: PeerId) {
        // Without a peer there is nothing to remove.
        let _ = self.change_uplinks(socket, id, &TrackKind::ALL, false, None);
    }

    /// `reply` hears of the change before the offer it sets off.
    fn change_uplinks(
        &mut self,
        socket: &UdpSocket,
        id: PeerId,
        kinds: &[TrackKind],
        wanted: bool,
        reply: Option<&mut Replier>,
    ) -> Result<(), MediaError> {
        let peer = self.peers.get_mut(&id).ok_or(MediaError::NotStarted)?;
        for kind in kinds {
            peer.want_uplink(*kind, wanted);
        }
        if let Some(reply) = reply {
            reply.accepted();
        }
        peer.negotiate();
        self.after_change(socket, id);
        // An uplink that is no longer wanted stops being forwarded at once.
        self.sync_listeners_of(socket, id);
        Ok(())
    }

    /// What a room says about its listeners (see `Media::set_hearing`).
    pub(super) fn set_hearing(
        &mut self,
        socket: &UdpSocket,
        room: Arc<str>,
        hears: Vec<(PeerId, Vec<PeerId>)>,
    ) {
        let listed: HashSet<PeerId> = hears.iter().map(|(listener, _)| *listener).collect();
        let gone: Vec<PeerId> = self
            .room_of
            .iter()
            .filter(|(id, r)| **r == room && !listed.contains(id))
            .map(|(id, _)| *id)
            .collect();
        let mut changed = Vec::new();
        for id in gone {
            self.room_of.remove(&id);
            if self.hears.remove(&id).is_some_and(|h| !h.is_empty()) {
                changed.push(id);
            }
        }
        for (listener, sources) in hears {
            self.room_of.insert(listener, room.clone());
            let sources: HashSet<PeerId> = sources.into_iter().filter(|s| *s != listener).collect();
            if self.hears.get(&listener) != Some(&sources) {
                self.hears.insert(listener, sources);
                changed.push(listener);
            }
        }
        for listener in changed {
            self.sync(socket, listener);
        }
    }

    /// A datagram from the socket, to the peer it belongs to.
    pub(super) fn receive(&mut self, socket: &UdpSocket, source: SocketAddr, input: Input) {
        let accepts = |id: &PeerId| self.peers.get(id).is_some_and(|p| p.accepts(&input));
        let known = self.by_address.get(&source).copied().filter(accepts);
        let Some(id) = known.or_else(|| self.peers.keys().copied().find(accepts)) else {
            // Common: the client's first checks arrive before its peer has started.
            return;
        };
        self.by_address.insert(source, id);
        if let Some(peer) = self.peers.get_mut(&id) {
            peer.receive(input);
        }
        self.after_change(socket, id);
    }

    /// Lets time pass for every peer; returns when the next peer needs time again.
    pub(super) fn tick(&mut self, socket: &UdpSocket, now: Instant) -> Option<Instant> {
        let ids: Vec<PeerId> = self.peers.keys().copied().collect();
        for id in &ids {
            let due = self
                .peers
                .get_mut(id)
                .is_some_and(|peer| peer.tick(now, &mut self.queue));
            if due || !self.queue.is_empty() {
                self.after_change(socket, *id);
            }
        }
        let dead: Vec<PeerId> = self
            .peers
            .values()
            .filter(|p| !p.is_alive())
            .map(|p| p.id)
            .collect();
        for id in dead {
            tracing::debug!(peer = id, "peer connection ended");
            self.close(socket, id);
        }
        self.peers.values().map(Peer::deadline).min()
    }

    /// Speaking changes gathered since the last call.
    pub(super) fn take_speaking(&mut self) -> Vec<Speaking> {
        std::mem::take(&mut self.speaking)
    }

    /// Drains the peer that just changed, then everything its output set off.
    fn after_change(&mut self, socket: &UdpSocket, id: PeerId) {
        if let Some(peer) = self.peers.get_mut(&id) {
            peer.drain(socket, &mut self.queue);
        }
        while let Some(item) = self.queue.pop_front() {
            match item {
                Propagated::Media { source, mid, data } => {
                    let listeners: Vec<PeerId> = self
                        .hears
                        .iter()
                        .filter(|(_, sources)| sources.contains(&source))
                        .map(|(listener, _)| *listener)
                        .collect();
                    for listener in listeners {
                        let Some(peer) = self.peers.get_mut(&listener) else {
                            continue;
                        };
                        let Some(out_mid) = peer.open_downlink(source, mid) else {
                            continue;
                        };
                        let wants_keyframe = peer.forward(out_mid, &data);
                        peer.drain(socket, &mut self.queue);
                        // A new viewer's decoder needs a keyframe to start: the source is
                        // asked (at most once a second) until one has reached this viewer, so
                        // a request that came too early or was lost is made again.
                        if wants_keyframe {
                            self.keyframe(socket, source, mid, KeyframeRequestKind::Pli);
                        }
                    }
                }
                Propagated::Keyframe { source, mid, kind } => {
                    self.keyframe(socket, source, mid, kind);
                }
                Propagated::Speaking(speaking) => self.speaking.push(speaking),
            }
        }
    }

    /// Asks `source` for a keyframe on its track `mid` (unless it was asked just now).
    fn keyframe(
        &mut self,
        socket: &UdpSocket,
        source: PeerId,
        mid: Mid,
        kind: KeyframeRequestKind,
    ) {
        if let Some(peer) = self.peers.get_mut(&source) {
            peer.request_keyframe(mid, kind, Instant::now());
            peer.drain(socket, &mut self.queue);
        }
    }

    /// Makes a listener's m-lines match the open tracks of those it may hear, and offers the
    /// difference.
    fn sync(&mut self, socket: &UdpSocket, listener: PeerId) {
        let wanted: Vec<(PeerId, Mid, TrackKind, PublicId)> = self
            .hears
            .get(&listener)
            .into_iter()
            .flatten()
            .filter_map(|source| self.peers.get(source))
            .flat_map(|source| {
                source
                    .open_uplinks()
                    .map(|(mid, kind)| (source.id, mid, kind, source.member.clone()))
            })
            .collect();
        if let Some(peer) = self.peers.get_mut(&listener) {
            peer.want_downlinks(&wanted);
            peer.negotiate();
            self.after_change(socket, listener);
        }
    }

    /// Re-syncs every listener that may hear `source` or still receives from it.
    fn sync_listeners_of(&mut self, socket: &UdpSocket, source: PeerId) {
        let listeners: Vec<PeerId> = self
            .peers
            .keys()
            .copied()
            .filter(|id| *id != source)
            .collect();
        for listener in listeners {
            self.sync(socket, listener);
        }
    }
}
