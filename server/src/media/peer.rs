//! One member's peer connection: a str0m `Rtc`, the m-lines it carries, and their negotiation.
//!
//! The server is always the offerer: it adds an m-line when the member publishes (receive-only
//! on our side) or starts hearing someone's track (send-only), parks it (inactive) when that
//! ends, and sends one offer at a time; changes made meanwhile wait for the answer. With one
//! offerer there is no glare to resolve. Parked m-lines are reused for the next track of their
//! kind rather than stopped: the m-lines stay as few as the tracks heard at once, and a
//! session never ends up with every m-line stopped (an empty BUNDLE group many stacks refuse).
use super::line::{step, Downlink, Line, Nego};
use super::speaking::Detector;
use super::{MediaError, Offer, PeerId, RemoteTrack, Signaller, Speaking, TrackKind, Uplink};
use crate::model::PublicId;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use str0m::change::{SdpAnswer, SdpPendingOffer};
use str0m::media::{Direction, KeyframeRequestKind, MediaData, Mid};
use str0m::{Candidate, Event, IceConnectionState, Input, Output, Rtc, RtcError};
use tokio::net::UdpSocket;

/// A source is asked for a keyframe at most this often (each listener that subscribes or
/// loses packets would otherwise ask again).
const KEYFRAME_GAP: Duration = Duration::from_secs(1);

/// What a peer's output means for others.
pub(super) enum Propagated {
    Media {
        source: PeerId,
        mid: Mid,
        // Boxed: the other variants are small, and this one is moved through a queue.
        data: Box<MediaData>,
    },
    /// A listener asks the source of one of its tracks for a keyframe.
    Keyframe {
        source: PeerId,
        mid: Mid,
        kind: KeyframeRequestKind,
    },
    Speaking(Speaking),
}

pub(super) struct Peer {
    pub(super) id: PeerId,
    pub(super) member: PublicId,
    rtc: Rtc,
    signal: Signaller,
    pending: Option<SdpPendingOffer>,
    uplinks: Vec<Line>,
    downlinks: Vec<Downlink>,
    voice: Detector,
    deadline: Instant,
    keyframe_asked: HashMap<Mid, Instant>,
    /// ICE and DTLS are up: media written now reaches the member.
    connected: bool,
}

impl Peer {
    pub(super) fn new(
        id: PeerId,
        member: PublicId,
        signal: Signaller,
        address: SocketAddr,
        now: Instant,
    ) -> Result<Peer, RtcError> {
        // ICE-lite: the server only answers the member's connectivity checks and never sends
        // its own, so a candidate a client names can never make it send to a third party.
        // The server's one host candidate is reachable (public, or --media-announce).
        let mut rtc = Rtc::builder().set_ice_lite(true).build(now);
        let candidate = Candidate::host(address, "udp")?;
        rtc.add_local_candidate(candidate);
        Ok(Peer {
            id,
            member,
            rtc,
            signal,
            pending: None,
            uplinks: Vec::new(),
            downlinks: Vec::new(),
            voice: Detector::new(),
            deadline: now,
            keyframe_asked: HashMap::new(),
            connected: false,
        })
    }

    pub(super) fn is_alive(&self) -> bool {
        self.rtc.is_alive()
    }

    pub(super) fn accepts(&self, input: &Input) -> bool {
        self.rtc.accepts(input)
    }

    /// The member's own tracks that carry media now.
    pub(super) fn open_uplinks(&self) -> impl Iterator<Item = (Mid, TrackKind)> + '_ {
        self.uplinks
            .iter()
            .filter_map(|l| l.open_mid().map(|mid| (mid, l.kind)))
    }

    /// The m-line on which this peer receives `source`'s track `source_mid`, if it does now.
    pub(super) fn open_downlink(&self, source: PeerId, source_mid: Mid) -> Option<Mid> {
        self.downlinks
            .iter()
            .find(|d| d.source == source && d.source_mid == source_mid)
            .and_then(|d| d.line.open_mid())
    }

    /// Wants (or no longer wants) an uplink of this kind (one line per kind, parked between uses).
    pub(super) fn want_uplink(&mut self, kind: TrackKind, wanted: bool) {
        match self.uplinks.iter_mut().find(|l| l.kind == kind) {
            Some(line) => line.wanted = wanted,
            None if wanted => self.uplinks.push(Line::new(kind)),
            None => {}
        }
        self.uplinks.retain(|l| l.wanted || l.nego != Nego::New);
    }

    /// The tracks this peer should receive now: `(source, source mid, kind, source member)`.
    pub(super) fn want_downlinks(&mut self, wanted: &[(PeerId, Mid, TrackKind, PublicId)]) {
        let is_wanted = |d: &Downlink| {
            wanted
                .iter()
                .any(|(s, m, _, _)| *s == d.source && *m == d.source_mid)
        };
        for d in &mut self.downlinks {
            d.line.wanted = is_wanted(d);
        }
        for (source, source_mid, kind, member) in wanted {
            if self
                .downlinks
                .iter()
                .any(|d| d.source == *source && d.source_mid == *source_mid)
            {
                continue;
            }
            let taken = Downlink {
                line: Line::new(*kind),
                source: *source,
                source_mid: *source_mid,
                member: member.clone(),
                needs_keyframe: false,
            };
            match self.downlinks.iter_mut().find(|d| d.line.is_free(*kind)) {
                // The line keeps its mid and negotiation; only what it carries changes.
                Some(free) => {
                    free.line.wanted = true;
                    free.source = taken.source;
                    free.source_mid = taken.source_mid;
                    free.member = taken.member;
                }
                None => self.downlinks.push(taken),
            }
        }
        self.downlinks
            .retain(|d| d.line.wanted || d.line.nego != Nego::New);
    }

    /// Sends an offer for what changed, unless one is already waiting for its answer.
    pub(super) fn negotiate(&mut self) {
        if self.pending.is_some() {
            return;
        }
        let mut api = self.rtc.sdp_api();
        for line in &mut self.uplinks {
            step(line, Direction::RecvOnly, &mut api);
        }
        for d in &mut self.downlinks {
            step(&mut d.line, Direction::SendOnly, &mut api);
        }
        if !api.has_changes() {
            return;
        }
        match api.apply() {
            Some((offer, pending)) => {
                self.pending = Some(pending);
                (self.signal)(self.describe(offer.to_sdp_string()));
            }
            // Nothing needed a negotiation after all: it is in force already.
            None => self.settle(),
        }
    }

    fn describe(&self, sdp: String) -> Offer {
        let tracks = self
            .downlinks
            .iter()
            .filter_map(|d| {
                d.line.offered_mid().map(|mid| RemoteTrack {
                    mid: mid.to_string(),
                    member: d.member.clone(),
                    kind: d.line.kind,
                })
            })
            .collect();
        let uplinks = self
            .uplinks
            .iter()
            .filter_map(|l| {
                l.offered_mid().map(|mid| Uplink {
                    mid: mid.to_string(),
                    kind: l.kind,
                })
            })
            .collect();
        Offer {
            sdp,
            tracks,
            uplinks,
        }
    }

    /// The member's answer to the pending offer. An answer that does not parse leaves the
    /// offer waiting; one that parses but cannot be applied ends the peer connection (its
    /// state is no longer certain): the client starts voice again.
    pub(super) fn answer(&mut self, sdp: &str) -> Result<(), MediaError> {
        let answer =
            SdpAnswer::from_sdp_string(sdp).map_err(|e| MediaError::BadSdp(e.to_string()))?;
        let pending = self.pending.take().ok_or(MediaError::NoOfferPending)?;
        if let Err(e) = self.rtc.sdp_api().accept_answer(pending, answer) {
            self.rtc.disconnect();
            return Err(MediaError::BadSdp(e.to_string()));
        }
        self.settle();
        Ok(())
    }

    fn settle(&mut self) {
        for d in &mut self.downlinks {
            if d.line.nego == Nego::Offered && d.line.kind != TrackKind::Audio {
                d.needs_keyframe = true;
            }
        }
        let lines = self
            .uplinks
            .iter_mut()
            .chain(self.downlinks.iter_mut().map(|d| &mut d.line));
        for line in lines {
            line.nego = match line.nego {
                Nego::Offered => Nego::Open,
                Nego::Parking => Nego::Parked,
                other => other,
            };
        }
    }

    /// A trickled candidate (`candidate:…`, with or without `a=`); empty means no more.
    pub(super) fn candidate(&mut self, candidate: &str) -> Result<(), MediaError> {
        let line = candidate.trim();
        let line = line.strip_prefix("a=").unwrap_or(line);
        if line.is_empty() {
            return Ok(());
        }
        let candidate =
            Candidate::from_sdp_string(line).map_err(|e| MediaError::BadSdp(e.to_string()))?;
        self.rtc.add_remote_candidate(candidate);
        Ok(())
    }

    pub(super) fn receive(&mut self, input: Input) {
        if let Err(error) = self.rtc.handle_input(input) {
            tracing::debug!(peer = self.id, %error, "media input refused; closing the peer");
            self.rtc.disconnect();
        }
    }

    /// Lets time pass: str0m's own timers, and the end of speech when packets stop coming.
    /// Returns whether the peer changed (and so must be drained).
    pub(super) fn tick(&mut self, now: Instant, out: &mut VecDeque<Propagated>) -> bool {
        if let Some(speaking) = self.voice.settle(now) {
            out.push_back(self.speaking(speaking));
        }
        let due = now >= self.deadline;
        if due {
            self.receive(Input::Timeout(now));
        }
        due
    }

    pub(super) fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Sends on one of the tracks this peer receives (`mid`, ours). Returns true when that
    /// track still waits for a keyframe and the member can receive one now: the source should
    /// be asked.
    pub(super) fn forward(&mut self, mid: Mid, data: &MediaData) -> bool {
        let connected = self.connected;
        let waits = self
            .downlinks
            .iter_mut()
            .find(|d| d.line.open_mid() == Some(mid))
            .is_some_and(|d| {
                if data.is_keyframe() {
                    d.needs_keyframe = false;
                }
                d.needs_keyframe && connected
            });
        self.write(mid, data);
        waits
    }

    fn write(&mut self, mid: Mid, data: &MediaData) {
        let Some(writer) = self.rtc.writer(mid) else {
            return;
        };
        let Some(pt) = writer.match_params(data.params) else {
            return;
        };
        let ext = &data.ext_vals;
        let writer = match (ext.audio_level, ext.voice_activity) {
            (Some(level), Some(activity)) => writer.audio_level(level, activity),
            _ => writer,
        };
        if let Err(error) = writer.write(pt, data.network_time, data.time, data.data.clone()) {
            tracing::debug!(peer = self.id, %error, "could not forward media; closing the peer");
            self.rtc.disconnect();
        }
    }

    /// Asks this member for a keyframe on their track `mid`, unless it was asked less than
    /// `KEYFRAME_GAP` ago (or cannot be: not negotiated yet).
    pub(super) fn request_keyframe(&mut self, mid: Mid, kind: KeyframeRequestKind, now: Instant) {
        if self
            .keyframe_asked
            .get(&mid)
            .is_some_and(|at| now < *at + KEYFRAME_GAP)
        {
            return;
        }
        if let Some(mut writer) = self.rtc.writer(mid) {
            if writer.is_request_keyframe_possible(kind)
                && writer.request_keyframe(None, kind).is_ok()
            {
                self.keyframe_asked.insert(mid, now);
            }
        }
    }

    /// Says goodbye to the member's side (RTCP BYE, DTLS close_notify) and sends it now, so
    /// their browser learns at once that this connection is over instead of after its ICE
    /// timeout. Nothing more comes from this peer.
    pub(super) fn close(&mut self, socket: &UdpSocket) {
        if self.rtc.close().is_ok() {
            self.drain(socket, &mut VecDeque::new());
        }
    }

    /// Everything str0m has to say after a change: packets to send, events, the next timeout.
    /// Must follow every change (str0m's rule: mutate, then drain to `Timeout`).
    pub(super) fn drain(&mut self, socket: &UdpSocket, out: &mut VecDeque<Propagated>) {
        loop {
            match self.rtc.poll_output() {
                Ok(Output::Timeout(at)) => {
                    self.deadline = at;
                    return;
                }
                // UDP may drop a packet anyway; a full send buffer is the same loss.
                Ok(Output::Transmit(t)) => {
                    let _ = socket.try_send_to(&t.contents, t.destination);
                }
                Ok(Output::Event(event)) => self.event(event, out),
                Err(error) => {
                    tracing::debug!(peer = self.id, %error, "media engine error; closing the peer");
                    self.rtc.disconnect();
                    return;
                }
            }
        }
    }

    fn event(&mut self, event: Event, out: &mut VecDeque<Propagated>) {
        match event {
            Event::Connected => self.connected = true,
            Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
                // The member's side is gone; a client that is still there starts voice again.
                self.rtc.disconnect();
            }
            Event::MediaData(data) => {
                let Some(line) = self.uplinks.iter().find(|l| l.open_mid() == Some(data.mid))
                else {
                    return;
                };
                let now = Instant::now();
                if line.kind == TrackKind::Audio {
                    let ext = &data.ext_vals;
                    if let Some(speaking) =
                        self.voice.heard(ext.audio_level, ext.voice_activity, now)
                    {
                        out.push_back(self.speaking(speaking));
                    }
                } else if !data.contiguous {
                    self.request_keyframe(data.mid, KeyframeRequestKind::Fir, now);
                }
                out.push_back(Propagated::Media {
                    source: self.id,
                    mid: data.mid,
                    data: Box::new(data),
                });
            }
            Event::KeyframeRequest(request) => {
                if let Some(d) = self
                    .downlinks
                    .iter()
                    .find(|d| d.line.open_mid() == Some(request.mid))
                {
                    out.push_back(Propagated::Keyframe {
                        source: d.source,
                        mid: d.source_mid,
                        kind: request.kind,
                    });
                }
            }
            _ => {}
        }
    }

    fn speaking(&self, speaking: bool) -> Propagated {
        Propagated::Speaking(Speaking {
            peer: self.id,
            member: self.member.clone(),
            speaking,
        })
    }
}

#[cfg(test)]
mod tests;
