//! A member with voice, for the end-to-end voice tests: a WebSocket client and a webrtc-rs
//! peer connection to the server's media engine (rtc-peer), with the steps a page takes.
use super::{Client, Server};
use rtc_peer::Peer;
use serde_json::{json, Value};
use std::time::Duration;

/// Enough for a DTLS handshake and the first packets on a busy debug build.
pub const MEDIA_WAIT: Duration = Duration::from_secs(10);

/// A member with a WebSocket and a webrtc-rs peer connection to the server.
pub struct Member {
    pub ws: Client,
    pub peer: Peer,
    pub id: String,
    pub next_rid: u64,
    /// The tracks of the latest answered offer: (member id, kind, mid).
    pub tracks: Vec<(String, String, String)>,
    pub status: &'static str,
}

impl Member {
    /// Logs in, enters `room`, starts voice.
    pub async fn enter(server: &Server, role: &str, nickname: &str, room: &str) -> Member {
        let (ws, _) = Client::enter(server, role, nickname, room).await;
        Member::start_voice(ws, Peer::new().await).await
    }

    /// As `enter`, for someone whose network lets media through only by the TURN relay
    /// their `welcome` names.
    pub async fn enter_relayed(server: &Server, role: &str, nickname: &str, room: &str) -> Member {
        let (mut ws, welcome) = Client::login(server, role, nickname).await;
        ws.join(room).await;
        Member::start_voice(ws, Peer::relayed_only(&welcome["ice_servers"]).await).await
    }

    pub async fn start_voice(ws: Client, peer: Peer) -> Member {
        let id = ws.id();
        let mut member = Member {
            ws,
            peer,
            id,
            next_rid: 100,
            tracks: Vec::new(),
            status: "watching",
        };
        let ack = member.request(json!({"type": "voice_start"})).await;
        assert_eq!(ack["type"], "ack", "{ack}");
        member
    }

    /// Sends a request with a fresh rid and returns the reply to it.
    /// Sends a request and returns its reply; a `rate_limited` refusal is waited out and the
    /// request sent again, as the page does (the tests send faster than a person).
    pub async fn request(&mut self, message: Value) -> Value {
        loop {
            let reply = self.request_once(message.clone()).await;
            if reply["code"] != "rate_limited" {
                return reply;
            }
            let wait = reply["retry_after_ms"].as_u64().unwrap_or(100);
            tokio::time::sleep(Duration::from_millis(wait)).await;
        }
    }

    pub async fn request_once(&mut self, mut message: Value) -> Value {
        self.next_rid += 1;
        let rid = self.next_rid;
        message["rid"] = json!(rid);
        self.ws.send(message).await;
        self.ws
            .recv_where(&format!("the reply to rid {rid}"), |f| f["rid"] == rid)
            .await
    }

    pub async fn expect_error(&mut self, message: Value, code: &str) -> Value {
        let reply = self.request(message.clone()).await;
        assert_eq!(reply["code"], code, "{message} → {reply}");
        assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
        reply
    }

    pub async fn set_status(&mut self, status: &'static str) {
        let ack = self
            .request(json!({"type": "status", "status": status}))
            .await;
        assert_eq!(ack["type"], "ack", "{ack}");
        self.status = status;
    }

    /// Waits for the next offer and answers it (with the microphone when it has an uplink).
    pub async fn answer_offer(&mut self) -> Value {
        let offer = self.ws.recv_type("voice_offer").await;
        let uplinks: Vec<&str> = offer["uplinks"]
            .as_array()
            .expect("uplinks")
            .iter()
            .map(|l| l["kind"].as_str().expect("kind"))
            .collect();
        let sdp = self
            .peer
            .answer(offer["sdp"].as_str().expect("sdp"), &uplinks)
            .await;
        let ack = self
            .request(json!({"type": "voice_answer", "sdp": sdp}))
            .await;
        assert_eq!(ack["type"], "ack", "answer refused: {ack}");
        self.tracks = offer["tracks"]
            .as_array()
            .expect("tracks")
            .iter()
            .map(|t| {
                let text = |key: &str| t[key].as_str().unwrap().to_string();
                (text("member"), text("kind"), text("mid"))
            })
            .collect();
        offer
    }

    /// Publishes the microphone (the member must be allowed to) and answers offers until
    /// one carries it (an offer made before may still be waiting).
    pub async fn publish(&mut self) {
        self.publish_kind("audio").await;
    }

    pub async fn publish_kind(&mut self, kind: &str) {
        let ack = self
            .request(json!({"type": "voice_publish", "kind": kind}))
            .await;
        assert_eq!(ack["type"], "ack", "publish refused: {ack}");
        while !self.answer_offer().await["uplinks"]
            .as_array()
            .is_some_and(|u| u.iter().any(|l| l["kind"] == kind))
        {}
    }

    /// The m-line on which this member receives `from`'s audio, per the latest offer.
    pub fn mid_of(&self, from: &Member) -> Option<String> {
        self.mid_of_kind(from, "audio")
    }

    pub fn mid_of_kind(&self, from: &Member, kind: &str) -> Option<String> {
        self.tracks
            .iter()
            .find(|(member, k, _)| *member == from.id && k == kind)
            .map(|(_, _, mid)| mid.clone())
    }

    /// Waits until this member receives fresh RTP from `from`'s microphone.
    pub async fn hears(&self, from: &Member) {
        self.receives(from, "audio").await;
    }

    /// Waits until this member receives fresh RTP from `from`'s track of this kind.
    pub async fn receives(&self, from: &Member, kind: &str) {
        let mid = self
            .mid_of_kind(from, kind)
            .unwrap_or_else(|| panic!("{} was offered no {kind} track of {}", self.id, from.id));
        let now = self.peer.packets(&mid);
        self.peer
            .wait_packets(
                &mid,
                now + 5,
                MEDIA_WAIT,
                &format!("{} hears {}", self.id, from.id),
            )
            .await;
    }

    /// Walks to (x, y) and waits until the room has made it so (the batch that shows it).
    pub async fn walk(&mut self, x: f32, y: f32) {
        self.ws.send(json!({"type": "move", "x": x, "y": y})).await;
        let id = self.id.clone();
        self.ws
            .recv_where(&format!("own position ({x}, {y})"), |f| {
                f["type"] == "positions"
                    && f["moves"].as_array().is_some_and(|m| {
                        m.iter()
                            .any(|p| p["id"] == id && p["x"] == x as f64 && p["y"] == y as f64)
                    })
            })
            .await;
    }

    /// Everything the room and the media engine had to do before now is done: a room
    /// round-trip, then a media round-trip. An offer caused by earlier changes is in `ws` by now.
    pub async fn settle(&mut self) {
        let status = self.status;
        let ack = self
            .request(json!({"type": "status", "status": status}))
            .await;
        assert_eq!(ack["type"], "ack", "{ack}");
        let ack = self
            .request(json!({"type": "voice_candidate", "candidate": ""}))
            .await;
        assert_eq!(ack["type"], "ack", "{ack}");
    }

    /// Whether an offer is waiting (after `settle`).
    pub fn has_offer(&self) -> bool {
        self.ws.kept().iter().any(|f| f["type"] == "voice_offer")
    }

    /// Answers offers until none is waiting: the tracks are then what the server decided.
    pub async fn answer_all_offers(&mut self) {
        for _ in 0..10 {
            self.settle().await;
            if !self.has_offer() {
                return;
            }
            self.answer_offer().await;
        }
        panic!("{} was still being offered tracks after 10 offers", self.id);
    }
}
