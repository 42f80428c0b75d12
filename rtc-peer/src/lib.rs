//! A member's browser side of voice, played by webrtc-rs (a WebRTC stack the server does not
//! share code with): one peer connection that answers the server's offers, a microphone that
//! sends 20 ms Opus frames, and a count of the RTP packets received on each m-line.
#![forbid(unsafe_code)]
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
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

const AUDIO_LEVEL: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

/// Packets received per m-line (`mid`) and keyframe requests received by the camera, and a
/// bell rung on each.
#[derive(Default)]
struct Received {
    packets: Mutex<HashMap<String, u64>>,
    keyframe_requests: Mutex<u64>,
    /// RTCP BYEs from the server on the tracks received: it closed this peer connection.
    goodbyes: Mutex<u64>,
    bell: Notify,
}

pub struct Peer {
    pc: Arc<RTCPeerConnection>,
    received: Arc<Received>,
    /// The tasks feeding the microphone, the camera and reading the camera's RTCP.
    senders: HashMap<&'static str, Vec<JoinHandle<()>>>,
}

impl Peer {
    pub async fn new() -> Peer {
        Peer::with(RTCConfiguration::default()).await
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
    }

    async fn with(configuration: RTCConfiguration) -> Peer {
        let mut media = MediaEngine::default();
        media.register_default_codecs().expect("codecs");
        // The level on each packet is what the server's "is speaking" is made of.
        media
            .register_header_extension(
                RTCRtpHeaderExtensionCapability {
                    uri: AUDIO_LEVEL.to_string(),
                },
                RTPCodecType::Audio,
                None,
            )
            .expect("audio level extension");
        let registry =
            register_default_interceptors(Registry::new(), &mut media).expect("interceptors");
        // Loopback only, no mDNS: the test's traffic never leaves this machine.
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
        let pc = Arc::new(
            api.new_peer_connection(configuration)
                .await
                .expect("peer connection"),
        );
        let received = Arc::new(Received::default());
        let counts = received.clone();
        pc.on_track(Box::new(move |track, receiver, transceiver| {
            let counts = counts.clone();
            Box::pin(async move {
                let mid = transceiver.mid().map(|m| m.to_string()).unwrap_or_default();
                let goodbyes = counts.clone();
                tokio::spawn(async move {
                    while let Ok((packets, _)) = receiver.read_rtcp().await {
                        if packets.iter().any(|p| p.as_any().is::<Goodbye>()) {
                            *goodbyes.goodbyes.lock().unwrap() += 1;
                            goodbyes.bell.notify_waiters();
                        }
                    }
                });
                tokio::spawn(async move {
                    while track.read_rtp().await.is_ok() {
                        *counts
                            .packets
                            .lock()
                            .unwrap()
                            .entry(mid.clone())
                            .or_default() += 1;
                        counts.bell.notify_waiters();
                    }
                });
            })
        }));
        Peer {
            pc,
            received,
            senders: HashMap::new(),
        }
    }

    /// Answers the server's offer. For each kind in `uplinks` (`audio`, `video`) it first adds
    /// a microphone or camera, once: a send-only transceiver, which takes the offer's
    /// receive-only m-line of that kind.
    pub async fn answer(&mut self, offer: &str, uplinks: &[&str]) -> String {
        for kind in uplinks {
            if !self.senders.contains_key(kind) {
                let tasks = match *kind {
                    "audio" => vec![self.microphone().await],
                    "video" => self.camera().await,
                    other => panic!("no test source for {other}"),
                };
                self.senders
                    .insert(if *kind == "audio" { "audio" } else { "video" }, tasks);
            }
        }
        let offer = RTCSessionDescription::offer(offer.to_string()).expect("offer SDP");
        self.pc
            .set_remote_description(offer)
            .await
            .expect("server offer accepted");
        let answer = self.pc.create_answer(None).await.expect("answer");
        let mut gathered = self.pc.gathering_complete_promise().await;
        self.pc
            .set_local_description(answer)
            .await
            .expect("local answer");
        let _ = gathered.recv().await;
        self.pc
            .local_description()
            .await
            .expect("local description")
            .sdp
    }

    /// A send-only transceiver for one of our tracks: it takes the offer's receive-only
    /// m-line of its kind.
    async fn send_only(&self, track: &Arc<TrackLocalStaticSample>) -> Arc<RTCRtpTransceiver> {
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
            .expect("send-only transceiver")
    }

    /// A microphone that sends one 20 ms Opus frame every 20 ms, marked as speech at -10 dBov
    /// (the payload itself is a silent frame: the server never decodes audio).
    async fn microphone(&self) -> JoinHandle<()> {
        let track = Arc::new(TrackLocalStaticSample::new(
            RTCRtpCodecCapability {
                mime_type: MIME_TYPE_OPUS.to_string(),
                clock_rate: 48000,
                channels: 2,
                ..Default::default()
            },
            "mic".to_string(),
            "ibasho-test".to_string(),
        ));
        self.send_only(&track).await;
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(20));
            loop {
                every.tick().await;
                let frame = Sample {
                    data: bytes::Bytes::from_static(&[0xf8, 0xff, 0xfe]),
                    duration: Duration::from_millis(20),
                    ..Default::default()
                };
                // Before the connection is up the frame has nowhere to go: that is fine.
                let _ = track
                    .sample_writer()
                    .with_audio_level(AudioLevelExtension {
                        level: 10,
                        voice: true,
                    })
                    .write_sample(&frame)
                    .await;
            }
        })
    }

    /// A camera that sends a (made-up) VP8 inter frame every 33 ms, and counts the keyframe
    /// requests (PLI, FIR) that come back for it.
    async fn camera(&self) -> Vec<JoinHandle<()>> {
        let track = Arc::new(TrackLocalStaticSample::new(
            RTCRtpCodecCapability {
                mime_type: MIME_TYPE_VP8.to_string(),
                clock_rate: 90000,
                ..Default::default()
            },
            "camera".to_string(),
            "ibasho-test".to_string(),
        ));
        let transceiver = self.send_only(&track).await;
        let sender = transceiver.sender().await;
        let counts = self.received.clone();
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
                    *counts.keyframe_requests.lock().unwrap() += asks;
                    counts.bell.notify_waiters();
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
        vec![feedback, frames]
    }

    /// Waits until the camera has been asked for a keyframe; panics at the deadline.
    pub async fn wait_keyframe_request(&self, within: Duration) {
        let asked = || *self.received.keyframe_requests.lock().unwrap() > 0;
        if !self.until(within, asked).await {
            panic!("the camera was asked for no keyframe within {within:?}");
        }
    }

    /// Waits until the server says goodbye (RTCP BYE) on a track this peer receives: it closed
    /// the connection rather than just falling silent. Panics at the deadline.
    pub async fn wait_goodbye(&self, within: Duration) {
        if !self.until(within, || self.said_goodbye()).await {
            panic!("the server said no goodbye (RTCP BYE) within {within:?}");
        }
    }

    pub fn said_goodbye(&self) -> bool {
        *self.received.goodbyes.lock().unwrap() > 0
    }

    /// Packets received so far on m-line `mid`.
    pub fn packets(&self, mid: &str) -> u64 {
        self.received
            .packets
            .lock()
            .unwrap()
            .get(mid)
            .copied()
            .unwrap_or(0)
    }

    /// All packets received so far, on any m-line.
    pub fn all_packets(&self) -> u64 {
        self.received.packets.lock().unwrap().values().sum()
    }

    /// Waits until m-line `mid` has received more than `count` packets; panics at the deadline.
    pub async fn wait_packets(&self, mid: &str, count: u64, within: Duration, what: &str) {
        if !self.until(within, || self.packets(mid) > count).await {
            panic!(
                "{what}: no more than {count} packets on m-line {mid} within {within:?} (got {})",
                self.packets(mid)
            );
        }
    }

    /// Whether `done` came true within `within`, checked whenever something is received.
    async fn until(&self, within: Duration, done: impl Fn() -> bool) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let rung = self.received.bell.notified();
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
