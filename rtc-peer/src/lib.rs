//! A member's browser side of voice, played by webrtc-rs (a WebRTC stack the server does not
//! share code with): one peer connection that answers the server's offers, a microphone that
//! sends 20 ms Opus frames, a camera, and a count of the RTP packets received on each m-line.
//! The end-to-end tests (tests/voice.rs) and the load tool (load/src/voice.rs) both play
//! members with it, so what the load tool measures is what the tests check.
#![forbid(unsafe_code)]
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::{timeout, Instant};
use webrtc::api::interceptor_registry::register_default_interceptors;
use webrtc::api::media_engine::{MediaEngine, MIME_TYPE_OPUS, MIME_TYPE_VP8};
use webrtc::api::setting_engine::SettingEngine;
use webrtc::api::APIBuilder;
use webrtc::ice::mdns::MulticastDnsMode;
use webrtc::ice::network_type::NetworkType;
use webrtc::ice_transport::ice_server::RTCIceServer;
use webrtc::interceptor::registry::Registry;
use webrtc::media::Sample;
use webrtc::peer_connection::configuration::RTCConfiguration;
use webrtc::peer_connection::peer_connection_state::RTCPeerConnectionState;
use webrtc::peer_connection::policy::ice_transport_policy::RTCIceTransportPolicy;
use webrtc::peer_connection::sdp::session_description::RTCSessionDescription;
use webrtc::peer_connection::RTCPeerConnection;
use webrtc::rtcp::goodbye::Goodbye;
use webrtc::rtcp::payload_feedbacks::full_intra_request::FullIntraRequest;
use webrtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use webrtc::rtp::extension::audio_level_extension::AudioLevelExtension;
use webrtc::rtp_transceiver::rtp_codec::{
    RTCRtpCodecCapability, RTCRtpHeaderExtensionCapability, RTPCodecType,
};
use webrtc::rtp_transceiver::rtp_transceiver_direction::RTCRtpTransceiverDirection;
use webrtc::rtp_transceiver::{RTCRtpTransceiver, RTCRtpTransceiverInit};
use webrtc::track::track_local::track_local_static_sample::TrackLocalStaticSample;
use webrtc::track::track_local::TrackLocal;

pub use webrtc::Error;

const AUDIO_LEVEL: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
/// One Opus frame every 20 ms, as browsers send.
const FRAME: Duration = Duration::from_millis(20);
/// About 32 kbit/s of voice: a TOC byte (CELT fullband, 20 ms, one frame) and 79 bytes of
/// frame. Made up: the server never decodes audio.
const OPUS_BYTES: usize = 80;

/// What this peer received and sent, shared with the tasks that count it; a bell rings on
/// each change. Cheap to clone (`Peer::reception`), so a load run can watch many peers.
#[derive(Clone, Default)]
pub struct Reception {
    inner: Arc<Counts>,
}

#[derive(Default)]
struct Counts {
    /// Packets received per m-line (`mid`): one counter per track, found once per track.
    packets: Mutex<HashMap<String, Arc<AtomicU64>>>,
    received: AtomicU64,
    first_packet: OnceLock<Instant>,
    /// Microphone frames handed to the connection.
    sent: AtomicU64,
    keyframe_requests: AtomicU64,
    /// RTCP BYEs from the server on the tracks received: it closed this peer connection.
    goodbyes: AtomicU64,
    bell: Notify,
}

impl Reception {
    /// Packets received so far on m-line `mid`.
    pub fn packets(&self, mid: &str) -> u64 {
        self.inner
            .packets
            .lock()
            .unwrap()
            .get(mid)
            .map_or(0, |n| n.load(Ordering::Relaxed))
    }

    /// All packets received so far, on any m-line.
    pub fn all_packets(&self) -> u64 {
        self.inner.received.load(Ordering::Relaxed)
    }

    /// Tracks (m-lines) that have delivered at least one packet.
    pub fn tracks_flowing(&self) -> u64 {
        self.inner.packets.lock().unwrap().len() as u64
    }

    /// When the first packet of any track arrived.
    pub fn first_packet_at(&self) -> Option<Instant> {
        self.inner.first_packet.get().copied()
    }

    /// Microphone frames sent so far.
    pub fn sent(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    fn track(&self, mid: String) -> Arc<AtomicU64> {
        self.inner
            .packets
            .lock()
            .unwrap()
            .entry(mid)
            .or_default()
            .clone()
    }

    fn received_on(&self, track: &AtomicU64) {
        track.fetch_add(1, Ordering::Relaxed);
        self.inner.received.fetch_add(1, Ordering::Relaxed);
        self.inner.first_packet.get_or_init(Instant::now);
        self.ring();
    }

    fn ring(&self) {
        self.inner.bell.notify_waiters();
    }

    /// Whether `done` came true within `within`, checked whenever something changes.
    async fn until(&self, within: Duration, done: impl Fn() -> bool) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let rung = self.inner.bell.notified();
            tokio::pin!(rung);
            rung.as_mut().enable();
            if done() {
                return true;
            }
            if timeout(deadline - Instant::now(), rung).await.is_err() {
                return done();
            }
        }
    }
}

pub struct Peer {
    pc: Arc<RTCPeerConnection>,
    reception: Reception,
    /// The tasks feeding the microphone, the camera and reading the camera's RTCP.
    senders: HashMap<&'static str, Vec<JoinHandle<()>>>,
    /// Whether the microphone sets the voice-activity flag (V) beside the level.
    flags_voice: bool,
}

impl Peer {
    /// A peer on loopback; panics if webrtc-rs cannot make one (tests: see `with`).
    pub async fn new() -> Peer {
        Peer::with(RTCConfiguration::default())
            .await
            .expect("peer connection")
    }

    /// A peer whose network lets media through only by the TURN relay in `ice_servers`
    /// (as `welcome.ice_servers` gives them): it offers relayed candidates only.
    pub async fn relayed_only(ice_servers: &serde_json::Value) -> Peer {
        let ice_servers = ice_servers
            .as_array()
            .expect("ice_servers")
            .iter()
            .map(|server| RTCIceServer {
                urls: serde_json::from_value(server["urls"].clone()).expect("urls"),
                username: server["username"].as_str().unwrap_or_default().into(),
                credential: server["credential"].as_str().unwrap_or_default().into(),
            })
            .collect();
        Peer::with(RTCConfiguration {
            ice_servers,
            ice_transport_policy: RTCIceTransportPolicy::Relay,
            ..Default::default()
        })
        .await
        .expect("peer connection")
    }

    pub async fn with(configuration: RTCConfiguration) -> Result<Peer, Error> {
        let mut media = MediaEngine::default();
        media.register_default_codecs()?;
        // The level on each packet is what the server's "is speaking" is made of.
        media.register_header_extension(
            RTCRtpHeaderExtensionCapability {
                uri: AUDIO_LEVEL.to_string(),
            },
            RTPCodecType::Audio,
            None,
        )?;
        // The default interceptors (NACK, receiver reports, TWCC) send the RTCP a browser
        // sends, which the SFU has to handle too.
        let registry = register_default_interceptors(Registry::new(), &mut media)?;
        // Loopback only, no mDNS: the traffic never leaves this machine.
        let mut settings = SettingEngine::default();
        settings.set_include_loopback_candidate(true);
        settings.set_ip_filter(Box::new(|ip| ip.is_loopback()));
        settings.set_network_types(vec![NetworkType::Udp4]);
        settings.set_ice_multicast_dns_mode(MulticastDnsMode::Disabled);
        let api = APIBuilder::new()
            .with_media_engine(media)
            .with_interceptor_registry(registry)
            .with_setting_engine(settings)
            .build();
        let pc = Arc::new(api.new_peer_connection(configuration).await?);
        let reception = Reception::default();
        let counts = reception.clone();
        pc.on_track(Box::new(move |track, receiver, transceiver| {
            let counts = counts.clone();
            Box::pin(async move {
                let mid = transceiver.mid().map(|m| m.to_string()).unwrap_or_default();
                let goodbyes = counts.clone();
                tokio::spawn(async move {
                    while let Ok((packets, _)) = receiver.read_rtcp().await {
                        if packets.iter().any(|p| p.as_any().is::<Goodbye>()) {
                            goodbyes.inner.goodbyes.fetch_add(1, Ordering::Relaxed);
                            goodbyes.ring();
                        }
                    }
                });
                tokio::spawn(async move {
                    let mut on_track = None;
                    while track.read_rtp().await.is_ok() {
                        // The track is counted from its first packet: that is when it flows.
                        let n = on_track.get_or_insert_with(|| counts.track(mid.clone()));
                        counts.received_on(n);
                    }
                });
            })
        }));
        let state = reception.clone();
        pc.on_peer_connection_state_change(Box::new(move |_| {
            state.ring();
            Box::pin(async {})
        }));
        Ok(Peer {
            pc,
            reception,
            senders: HashMap::new(),
            flags_voice: true,
        })
    }

    /// A handle on what this peer receives and sends, for watching it from elsewhere.
    pub fn reception(&self) -> Reception {
        self.reception.clone()
    }

    /// Answers the server's offer; panics if webrtc-rs refuses it (tests: see `try_answer`).
    pub async fn answer(&mut self, offer: &str, uplinks: &[&str]) -> String {
        self.try_answer(offer, uplinks)
            .await
            .expect("the server's offer answered")
    }

    /// The microphone (once it starts) sends its level but never sets the voice-activity flag,
    /// as some stacks do.
    pub fn never_flag_voice(&mut self) {
        self.flags_voice = false;
    }

    /// Answers the server's offer. For each kind in `uplinks` (`audio`, `video`) it first adds
    /// a microphone or camera, once: a send-only transceiver, which takes the offer's
    /// receive-only m-line of that kind.
    pub async fn try_answer(&mut self, offer: &str, uplinks: &[&str]) -> Result<String, Error> {
        for kind in uplinks {
            if !self.senders.contains_key(kind) {
                let (kind, tasks) = match *kind {
                    "audio" => ("audio", vec![self.microphone().await?]),
                    "video" => ("video", self.camera().await?),
                    other => return Err(Error::new(format!("no source for {other}"))),
                };
                self.senders.insert(kind, tasks);
            }
        }
        self.pc
            .set_remote_description(RTCSessionDescription::offer(offer.to_string())?)
            .await?;
        let answer = self.pc.create_answer(None).await?;
        let mut gathered = self.pc.gathering_complete_promise().await;
        self.pc.set_local_description(answer).await?;
        let _ = gathered.recv().await;
        Ok(self
            .pc
            .local_description()
            .await
            .ok_or_else(|| Error::new("no local description".into()))?
            .sdp)
    }

    /// Whether the microphone has been added (by an offer with an audio uplink).
    pub fn has_microphone(&self) -> bool {
        self.senders.contains_key("audio")
    }

    /// A send-only transceiver for one of our tracks: it takes the offer's receive-only
    /// m-line of its kind.
    async fn send_only(
        &self,
        track: &Arc<TrackLocalStaticSample>,
    ) -> Result<Arc<RTCRtpTransceiver>, Error> {
        let track: Arc<dyn TrackLocal + Send + Sync> = track.clone();
        self.pc
            .add_transceiver_from_track(
                track,
                Some(RTCRtpTransceiverInit {
                    direction: RTCRtpTransceiverDirection::Sendonly,
                    send_encodings: vec![],
                }),
            )
            .await
    }

    /// A microphone that sends an Opus-sized frame every 20 ms at -10 dBov, flagged as voice
    /// unless told otherwise (`never_flag_voice`).
    async fn microphone(&self) -> Result<JoinHandle<()>, Error> {
        let voice = self.flags_voice;
        let track = Arc::new(TrackLocalStaticSample::new(
            RTCRtpCodecCapability {
                mime_type: MIME_TYPE_OPUS.to_string(),
                clock_rate: 48000,
                channels: 2,
                ..Default::default()
            },
            "mic".to_string(),
            "ibasho-peer".to_string(),
        ));
        self.send_only(&track).await?;
        let mut payload = vec![0x55; OPUS_BYTES];
        payload[0] = 0xf8;
        let payload = bytes::Bytes::from(payload);
        let counts = self.reception.clone();
        Ok(tokio::spawn(async move {
            let mut every = tokio::time::interval(FRAME);
            loop {
                every.tick().await;
                let frame = Sample {
                    data: payload.clone(),
                    duration: FRAME,
                    ..Default::default()
                };
                // Before the connection is up the frame has nowhere to go: that is fine.
                let sent = track
                    .sample_writer()
                    .with_audio_level(AudioLevelExtension { level: 10, voice })
                    .write_sample(&frame)
                    .await;
                if sent.is_ok() {
                    counts.inner.sent.fetch_add(1, Ordering::Relaxed);
                }
            }
        }))
    }

    /// A camera that sends a (made-up) VP8 inter frame every 33 ms, and counts the keyframe
    /// requests (PLI, FIR) that come back for it.
    async fn camera(&self) -> Result<Vec<JoinHandle<()>>, Error> {
        let track = Arc::new(TrackLocalStaticSample::new(
            RTCRtpCodecCapability {
                mime_type: MIME_TYPE_VP8.to_string(),
                clock_rate: 90000,
                ..Default::default()
            },
            "camera".to_string(),
            "ibasho-peer".to_string(),
        ));
        let transceiver = self.send_only(&track).await?;
        let sender = transceiver.sender().await;
        let counts = self.reception.clone();
        let feedback = tokio::spawn(async move {
            while let Ok((packets, _)) = sender.read_rtcp().await {
                let asks = packets
                    .iter()
                    .filter(|p| {
                        p.as_any().is::<PictureLossIndication>()
                            || p.as_any().is::<FullIntraRequest>()
                    })
                    .count() as u64;
                if asks > 0 {
                    counts
                        .inner
                        .keyframe_requests
                        .fetch_add(asks, Ordering::Relaxed);
                    counts.ring();
                }
            }
        });
        let frames = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(33));
            loop {
                every.tick().await;
                let frame = Sample {
                    // An inter frame (the low bit of the first byte is set): a new viewer
                    // cannot start on it, so the server must ask for a keyframe.
                    data: bytes::Bytes::from_static(&[0x11, 0x02, 0x00, 0x42, 0x42, 0x42]),
                    duration: Duration::from_millis(33),
                    ..Default::default()
                };
                let _ = track.write_sample(&frame).await;
            }
        });
        Ok(vec![feedback, frames])
    }

    /// Whether ICE and DTLS came up within `within`.
    pub async fn connected(&self, within: Duration) -> bool {
        let up = || self.pc.connection_state() == RTCPeerConnectionState::Connected;
        self.reception.until(within, up).await
    }

    /// Waits until the camera has been asked for a keyframe; panics at the deadline.
    pub async fn wait_keyframe_request(&self, within: Duration) {
        let counts = &self.reception.inner;
        let asked = || counts.keyframe_requests.load(Ordering::Relaxed) > 0;
        if !self.reception.until(within, asked).await {
            panic!("the camera was asked for no keyframe within {within:?}");
        }
    }

    /// Waits until the server says goodbye (RTCP BYE) on a track this peer receives: it closed
    /// the connection rather than just falling silent. Panics at the deadline.
    pub async fn wait_goodbye(&self, within: Duration) {
        if !self.reception.until(within, || self.said_goodbye()).await {
            panic!("the server said no goodbye (RTCP BYE) within {within:?}");
        }
    }

    pub fn said_goodbye(&self) -> bool {
        self.reception.inner.goodbyes.load(Ordering::Relaxed) > 0
    }

    /// Packets received so far on m-line `mid`.
    pub fn packets(&self, mid: &str) -> u64 {
        self.reception.packets(mid)
    }

    /// All packets received so far, on any m-line.
    pub fn all_packets(&self) -> u64 {
        self.reception.all_packets()
    }

    /// Waits until m-line `mid` has received more than `count` packets; panics at the deadline.
    pub async fn wait_packets(&self, mid: &str, count: u64, within: Duration, what: &str) {
        if !self
            .reception
            .until(within, || self.packets(mid) > count)
            .await
        {
            panic!(
                "{what}: no more than {count} packets on m-line {mid} within {within:?} (got {})",
                self.packets(mid)
            );
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        for task in self.senders.values().flatten() {
            task.abort();
        }
        let pc = self.pc.clone();
        tokio::spawn(async move {
            let _ = pc.close().await;
        });
    }
}
