//! Voice through the SFU. Every member is a webrtc-rs peer (the end-to-end tests' WebRTC
//! stack, which shares no code with the server's str0m) signalled over the real WebSocket, in
//! one free-space room, all standing within hearing distance of each other.
//! `voice-fanout`: the first member talks and everyone else listens; `voice-room`: everyone
//! talks and hears everyone else. It counts the RTP packets listeners receive and, in fanout,
//! each listener's time from `voice_start` to its first audio packet.
use crate::client::{self, Ws};
use crate::procstat;
use crate::scenarios::{histogram, Latency, Target, WARM_UP};
use anyhow::{anyhow, bail};
use futures_util::StreamExt;
use rtc_peer::{Peer, Reception};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// Each member is a whole WebRTC stack in this one process: more would measure the tool.
pub const MAX_MEMBERS: usize = 300;
/// A free-space room of the benchmark space (bench/rooms.toml): 1000 × 1000, capacity 1000.
const ROOM: &str = "r1";
/// Everyone stands on a circle of this radius around the room's middle, so any two are at most
/// 140 apart: within the server's hearing distance (160 map units, docs/protocol.md "Limits").
const CENTRE: (f32, f32) = (500.0, 500.0);
const RADIUS: f32 = 70.0;
/// Fanout listeners start voice spread over this long, like a room filling up.
const SPREAD: Duration = Duration::from_secs(1);
/// Every track must deliver audio within this long, or the run goes on and reports the shortfall.
const SETUP: Duration = Duration::from_secs(60);
/// How long one signalling step may take.
const STEP: Duration = Duration::from_secs(30);
/// The rid every `voice_answer` carries: an error with it is a refused answer.
const ANSWER_RID: u64 = 1;

#[derive(Debug, Serialize)]
pub struct VoiceReport {
    pub members: usize,
    pub talkers: usize,
    /// Tracks that delivered audio to a listener, of talkers × listeners each.
    pub tracks_flowing: u64,
    pub tracks_expected: u64,
    pub window_s: f64,
    /// RTP packets the talkers sent, and those the listeners received, per second.
    pub sent_per_s: f64,
    pub delivered_per_s: f64,
    /// What full fanout of what was sent would deliver: sent × listeners per talker.
    pub expected_per_s: f64,
    pub delivered_total: u64,
    /// Fanout only: from a listener's `voice_start` to its first audio packet.
    pub join_to_first_audio: Option<Latency>,
    /// From the first `voice_start` until every track delivered, and what it cost.
    pub setup: Setup,
    pub server_cpu_s: Option<f64>,
    /// Server CPU time over the window's length: 1.0 is one core kept busy.
    pub server_cores: Option<f64>,
    /// The same for this tool, whose WebRTC stacks may be the bottleneck instead.
    pub tool_cores: f64,
    pub answers_refused: u64,
}

#[derive(Debug, Serialize)]
pub struct Setup {
    pub seconds: f64,
    pub server_cpu_s: Option<f64>,
    pub tool_cpu_s: Option<f64>,
}

/// What every member's peer sent and received, summed.
fn totals(receptions: &[Reception]) -> (u64, u64, u64) {
    receptions
        .iter()
        .fold((0, 0, 0), |(sent, got, flowing), r| {
            (
                sent + r.sent(),
                got + r.all_packets(),
                flowing + r.tracks_flowing(),
            )
        })
}

pub async fn run(
    target: &Target,
    tokens: &[String],
    everyone_talks: bool,
    window: Duration,
) -> anyhow::Result<VoiceReport> {
    let refused = Arc::new(AtomicU64::new(0));
    // Everyone stands in place before anyone starts voice: who hears whom is by position.
    let entering = tokens.iter().enumerate().map(|(i, token)| {
        let node = target.node(i, 1);
        let (url, addr, token, refused) =
            (node.url.clone(), node.addr, token.clone(), refused.clone());
        let angle = std::f32::consts::TAU * i as f32 / tokens.len() as f32;
        let spot = (
            (CENTRE.0 + RADIUS * angle.cos()).round(),
            (CENTRE.1 + RADIUS * angle.sin()).round(),
        );
        tokio::spawn(async move {
            let mut member = Member::enter(&url, addr, i, &token, refused).await?;
            member.walk(spot).await?;
            anyhow::Ok(member)
        })
    });
    let mut members = Vec::with_capacity(tokens.len());
    for entered in futures_util::future::join_all(entering).await {
        members.push(entered??);
    }
    let n = members.len();
    let receptions: Vec<Reception> = members.iter().map(|m| m.peer.reception()).collect();
    let talkers = if everyone_talks { n } else { 1 };
    let cpu = || {
        let server = target.cpu();
        (server, procstat::cpu_time(std::process::id()).ok())
    };
    let span =
        |a: Option<Duration>, b: Option<Duration>| a.zip(b).map(|(a, b)| (b - a).as_secs_f64());
    let setup_started = Instant::now();
    let setup_before = cpu();
    let mut tasks: Vec<JoinHandle<anyhow::Result<()>>> = Vec::new();
    let mut timings = Vec::new();
    let mut members = members.into_iter();
    if everyone_talks {
        for mut member in members {
            tasks.push(tokio::spawn(async move {
                member.talk().await?;
                member.serve().await
            }));
        }
    } else {
        // The talker is connected and sending before any listener starts, so a listener's wait
        // is its own handshake and the SFU's, not the talker's.
        let mut talker = members.next().expect("at least two members");
        talker.talk().await?;
        if !talker.peer.connected(STEP).await {
            bail!("the talker's peer connection did not come up within {STEP:?}");
        }
        tasks.push(tokio::spawn(talker.serve()));
        for (i, mut member) in members.enumerate() {
            timings.push((member.voice_start.clone(), member.peer.reception()));
            let delay = SPREAD.mul_f64(i as f64 / (n - 1) as f64);
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                member.start_voice().await?;
                member.serve().await
            }));
        }
    }
    let tracks_expected = (talkers * (n - 1)) as u64;
    let deadline = Instant::now() + SETUP;
    while totals(&receptions).2 < tracks_expected && Instant::now() < deadline {
        if let Some(failed) = tasks.iter().position(|t| t.is_finished()) {
            let failed = tasks.swap_remove(failed);
            for t in &tasks {
                t.abort();
            }
            return Err(match failed.await {
                Ok(Err(e)) => e.context("a voice member failed"),
                _ => anyhow!("a voice member stopped"),
            });
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let setup_after = cpu();
    let setup = Setup {
        seconds: setup_started.elapsed().as_secs_f64(),
        server_cpu_s: span(setup_before.0, setup_after.0),
        tool_cpu_s: span(setup_before.1, setup_after.1),
    };
    tokio::time::sleep(WARM_UP).await;
    let before = cpu();
    let (sent_before, delivered_before, _) = totals(&receptions);
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let (sent_after, delivered_after, tracks_flowing) = totals(&receptions);
    let secs = started.elapsed().as_secs_f64();
    let after = cpu();
    for t in &tasks {
        t.abort();
    }
    let mut joins = histogram();
    for (voice_start, reception) in &timings {
        if let (Some(start), Some(first)) = (voice_start.get(), reception.first_packet_at()) {
            let first = first.into_std();
            joins.saturating_record(
                first.saturating_duration_since(*start).as_micros().max(1) as u64
            );
        }
    }
    let server_cpu = span(before.0, after.0);
    let sent_per_s = (sent_after - sent_before) as f64 / secs;
    Ok(VoiceReport {
        members: n,
        talkers,
        tracks_flowing,
        tracks_expected,
        window_s: secs,
        sent_per_s,
        delivered_per_s: (delivered_after - delivered_before) as f64 / secs,
        expected_per_s: sent_per_s * (n - 1) as f64,
        delivered_total: delivered_after,
        join_to_first_audio: (!everyone_talks).then(|| Latency::of(&joins)),
        setup,
        server_cpu_s: server_cpu,
        server_cores: server_cpu.map(|c| c / secs),
        tool_cores: span(before.1, after.1).unwrap_or(0.0) / secs,
        answers_refused: refused.load(Ordering::SeqCst),
    })
}

/// One member: a WebSocket in the room and a peer connection to the server's SFU.
struct Member {
    ws: Ws,
    id: String,
    peer: Peer,
    next_rid: u64,
    /// When this member asked for voice (fanout: to time its first audio packet).
    voice_start: Arc<OnceLock<Instant>>,
    /// Answers the server refused, counted over every member.
    refused: Arc<AtomicU64>,
}

impl Member {
    async fn enter(
        url: &str,
        target: std::net::SocketAddr,
        index: usize,
        token: &str,
        refused: Arc<AtomicU64>,
    ) -> anyhow::Result<Member> {
        let mut ws = client::connect(url, target, index).await?;
        client::send(&mut ws, json!({"type": "auth", "token": token})).await?;
        let welcome = client::expect(&mut ws, "welcome").await?;
        let id = welcome["you"]["id"]
            .as_str()
            .ok_or_else(|| anyhow!("welcome without an id"))?
            .to_string();
        client::send(&mut ws, json!({"type": "join", "room": ROOM})).await?;
        client::expect(&mut ws, "joined").await?;
        Ok(Member {
            ws,
            id,
            peer: Peer::with(Default::default()).await?,
            next_rid: 100,
            voice_start: Arc::default(),
            refused,
        })
    }

    /// Walks to `(x, y)` and waits for the room's batch that shows it (the room works out who
    /// hears whom at that tick).
    async fn walk(&mut self, (x, y): (f32, f32)) -> anyhow::Result<()> {
        client::send(&mut self.ws, json!({"type": "move", "x": x, "y": y})).await?;
        let id = self.id.clone();
        let near = |v: &Value, want: f32| v.as_f64().is_some_and(|v| (v - want as f64).abs() < 0.5);
        self.pump(Some(STEP), |f| {
            f["type"] == "positions"
                && f["moves"].as_array().is_some_and(|m| {
                    m.iter()
                        .any(|p| p["id"] == id.as_str() && near(&p["x"], x) && near(&p["y"], y))
                })
        })
        .await
        .map(drop)
    }

    /// 話せます, voice on, the microphone published and its uplink answered.
    async fn talk(&mut self) -> anyhow::Result<()> {
        self.request(json!({"type": "status", "status": "can_talk"}))
            .await?;
        self.start_voice().await?;
        self.request(json!({"type": "voice_publish", "kind": "audio"}))
            .await?;
        // The offer with the uplink may come before the ack (then it is answered already).
        if !self.peer.has_microphone() {
            self.pump(Some(STEP), |f| f["type"] == "voice_offer" && has_uplink(f))
                .await?;
        }
        Ok(())
    }

    async fn start_voice(&mut self) -> anyhow::Result<()> {
        let _ = self.voice_start.set(Instant::now());
        self.request(json!({"type": "voice_start"})).await.map(drop)
    }

    /// Answers offers (and reads everything else, as a browser would) until the task ends.
    async fn serve(mut self) -> anyhow::Result<()> {
        self.pump(None, |_| false).await.map(drop)
    }

    /// Sends a request and waits for its reply; offers that come meanwhile are answered.
    async fn request(&mut self, mut message: Value) -> anyhow::Result<Value> {
        self.next_rid += 1;
        let rid = self.next_rid;
        message["rid"] = json!(rid);
        let what = message["type"].clone();
        client::send(&mut self.ws, message).await?;
        let reply = self.pump(Some(STEP), |f| f["rid"] == rid).await?;
        if reply["type"] == "error" {
            bail!("{what} refused: {}", reply["code"]);
        }
        Ok(reply)
    }

    /// Reads frames, answering every offer in order, until one matches `done` (an offer is
    /// matched after it is answered) or `within` runs out.
    async fn pump(
        &mut self,
        within: Option<Duration>,
        mut done: impl FnMut(&Value) -> bool,
    ) -> anyhow::Result<Value> {
        let deadline = within.map(|w| (tokio::time::Instant::now() + w, w));
        loop {
            let next = self.ws.next();
            let frame = match deadline {
                Some((at, within)) => tokio::time::timeout_at(at, next)
                    .await
                    .map_err(|_| anyhow!("what was awaited did not come within {within:?}"))?,
                None => next.await,
            }
            .ok_or_else(|| anyhow!("the server closed the WebSocket"))??;
            let Message::Text(text) = frame else { continue };
            let frame: Value = serde_json::from_str(&text)?;
            if frame["type"] == "voice_offer" {
                self.answer(&frame).await?;
            } else if frame["type"] == "error" && frame["rid"] == ANSWER_RID {
                self.refused.fetch_add(1, Ordering::Relaxed);
            }
            if done(&frame) {
                return Ok(frame);
            }
        }
    }

    async fn answer(&mut self, offer: &Value) -> anyhow::Result<()> {
        let sdp = offer["sdp"]
            .as_str()
            .ok_or_else(|| anyhow!("voice_offer without sdp"))?;
        let uplinks: &[&str] = if has_uplink(offer) { &["audio"] } else { &[] };
        let answer = self.peer.try_answer(sdp, uplinks).await?;
        client::send(
            &mut self.ws,
            json!({"type": "voice_answer", "rid": ANSWER_RID, "sdp": answer}),
        )
        .await
    }
}

fn has_uplink(offer: &Value) -> bool {
    offer["uplinks"]
        .as_array()
        .is_some_and(|u| u.iter().any(|l| l["kind"] == "audio"))
}
