//! The scenarios. Each is bounded in time and count, measures over a window after a warm-up,
//! and reports what it saw; none asserts a speed.
use crate::client::{self, Ws};
use crate::procstat;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Members entering at once: a storm of its own is the join-storm scenario's business.
const ENTER_BATCH: usize = 200;
pub(crate) const WARM_UP: Duration = Duration::from_secs(1);
const DRAIN: Duration = Duration::from_secs(2);
/// Chat lines are this long, like a short sentence (the goal's "100-byte messages").
const CHAT_BYTES: usize = 100;

/// What is loaded: one node, or several of one space (cluster mode).
pub struct Target {
    pub nodes: Vec<Node>,
    /// The nodes' pids, for memory and CPU; none measures the clients' side only.
    pub server_pids: Vec<u32>,
    /// Other processes whose CPU counts too (the nodes' Redis).
    pub extra_pids: Vec<u32>,
}

/// One node's WebSocket.
pub struct Node {
    pub url: String,
    pub addr: SocketAddr,
}

impl Target {
    /// Member `i`'s node when members are spread over `rooms` rooms (`room_of`): each room's
    /// k-th member on node k mod n, so every room has members on every node.
    pub fn node(&self, i: usize, rooms: usize) -> &Node {
        &self.nodes[(i / rooms.max(1)) % self.nodes.len()]
    }

    /// CPU time used so far by every node and extra process; `None` without pids, or if one
    /// has gone.
    pub(crate) fn cpu(&self) -> Option<Duration> {
        let pids = self.server_pids.iter().chain(&self.extra_pids);
        let mut total = None;
        for &pid in pids {
            total = Some(total.unwrap_or(Duration::ZERO) + procstat::cpu_time(pid).ok()?);
        }
        total
    }
}

/// Member `i`'s room: round-robin, so the first members are spread over every room.
fn room_of(i: usize, rooms: usize) -> String {
    format!("r{}", i % rooms.max(1) + 1)
}

#[derive(Debug, Serialize, Default, Clone)]
pub struct Latency {
    pub samples: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub(crate) fn of(h: &Histogram<u64>) -> Latency {
        let ms = |us: u64| us as f64 / 1000.0;
        Latency {
            samples: h.len(),
            p50_ms: ms(h.value_at_quantile(0.5)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }
}

pub(crate) fn histogram() -> Histogram<u64> {
    // Microseconds, up to a minute, 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// Microseconds since the tool started: one process, one monotonic clock for send and receipt.
fn now_us() -> u64 {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    ORIGIN.get_or_init(Instant::now).elapsed().as_micros() as u64
}

/// Connects every member with `connect(index, token)`, a batch at a time.
async fn connect_all<F, Fut>(tokens: &[String], connect: F) -> anyhow::Result<Vec<Ws>>
where
    F: Fn(usize, String) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Ws>> + Send + 'static,
{
    let mut sockets = Vec::with_capacity(tokens.len());
    for start in (0..tokens.len()).step_by(ENTER_BATCH) {
        let end = (start + ENTER_BATCH).min(tokens.len());
        let batch = (start..end).map(|i| tokio::spawn(connect(i, tokens[i].clone())));
        for connected in futures_util::future::join_all(batch).await {
            sockets.push(connected??);
        }
    }
    Ok(sockets)
}

/// Everyone enters their room, of `rooms`.
async fn enter_all(target: &Target, tokens: &[String], rooms: usize) -> anyhow::Result<Vec<Ws>> {
    connect_all(tokens, |i, token| {
        let node = target.node(i, rooms);
        let (url, addr, room) = (node.url.clone(), node.addr, room_of(i, rooms));
        async move { Ok(client::enter(&url, addr, i, &token, &room).await?.0) }
    })
    .await
}

#[derive(Debug, Serialize)]
pub struct IdleReport {
    pub connections: usize,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    pub kib_per_connection: f64,
}

pub async fn idle(target: &Target, tokens: &[String]) -> anyhow::Result<IdleReport> {
    anyhow::ensure!(!target.server_pids.is_empty(), "idle needs --server-pid");
    let rss = || -> anyhow::Result<u64> {
        target
            .server_pids
            .iter()
            .map(|&p| procstat::rss_kib(p))
            .sum()
    };
    let before = rss()?;
    let sockets = connect_all(tokens, |i, token| {
        let node = target.node(i, 1);
        let (url, addr) = (node.url.clone(), node.addr);
        async move { client::authenticate(&url, addr, i, &token).await }
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss()?;
    let report = IdleReport {
        connections: sockets.len(),
        rss_before_kib: before,
        rss_after_kib: after,
        kib_per_connection: (after.saturating_sub(before)) as f64 / sockets.len().max(1) as f64,
    };
    for mut ws in sockets {
        let _ = ws.close(None).await;
    }
    Ok(report)
}

#[derive(Debug, Serialize, Clone)]
pub struct ChatReport {
    pub members: usize,
    pub room_size: usize,
    pub rooms: usize,
    pub senders: usize,
    pub rate_per_s: f64,
    pub window_s: f64,
    pub sent: u64,
    pub acked: u64,
    pub refused: u64,
    /// Chat frames received over the whole run, and what the acks promised (acked × room size).
    pub delivered_total: u64,
    pub expected_total: u64,
    pub deliveries_per_s: f64,
    pub latency: Latency,
    /// Over the window, every node and extra process together.
    pub server_cpu_s: Option<f64>,
    pub cpu_s_per_100k_deliveries: Option<f64>,
    pub deliveries_per_cpu_s: Option<f64>,
    /// The member who stopped reading (slow-consumer), if any.
    pub stalled_member: Option<usize>,
}

pub struct ChatPlan {
    pub room_size: usize,
    /// Chat lines per second, all rooms together.
    pub rate: f64,
    pub window: Duration,
    /// Member 0 stops reading (the slow-consumer scenario).
    pub stall_one: bool,
}

struct Counters {
    measuring: AtomicBool,
    sending: AtomicBool,
    reading: AtomicBool,
    sent: AtomicU64,
    acked: AtomicU64,
    refused: AtomicU64,
    delivered_total: AtomicU64,
    delivered_window: AtomicU64,
}

pub async fn chat(
    target: &Target,
    tokens: &[String],
    plan: &ChatPlan,
) -> anyhow::Result<ChatReport> {
    let members = tokens.len();
    let room_size = plan.room_size.clamp(1, members);
    let rooms = members.div_ceil(room_size);
    let sockets = enter_all(target, tokens, rooms).await?;
    // Each member may send one line a second (the hub's limit): as many senders as lines a second.
    let senders = (plan.rate.ceil() as usize).clamp(1, members);
    let period = Duration::from_secs_f64(senders as f64 / plan.rate.max(0.001));
    let counters = Arc::new(Counters {
        measuring: AtomicBool::new(false),
        sending: AtomicBool::new(true),
        reading: AtomicBool::new(true),
        sent: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        delivered_total: AtomicU64::new(0),
        delivered_window: AtomicU64::new(0),
    });
    let mut readers = Vec::new();
    let mut writers = Vec::new();
    for (i, ws) in sockets.into_iter().enumerate() {
        let (sink, stream) = ws.split();
        let stalled = plan.stall_one && i == 0;
        readers.push(tokio::spawn(read_chat(stream, counters.clone(), stalled)));
        if i < senders {
            // Spread the senders' phases over the period so load is even.
            let offset = period.mul_f64(i as f64 / senders as f64);
            writers.push(tokio::spawn(send_chat(
                sink,
                counters.clone(),
                period,
                offset,
            )));
        } else {
            writers.push(tokio::spawn(async move {
                let _keep = sink;
                std::future::pending::<anyhow::Result<()>>().await
            }));
        }
    }
    tokio::time::sleep(WARM_UP).await;
    let cpu_before = target.cpu();
    counters.measuring.store(true, Ordering::SeqCst);
    let started = Instant::now();
    tokio::time::sleep(plan.window).await;
    counters.measuring.store(false, Ordering::SeqCst);
    let window = started.elapsed();
    let cpu_after = target.cpu();
    counters.sending.store(false, Ordering::SeqCst);
    tokio::time::sleep(DRAIN).await;
    counters.reading.store(false, Ordering::SeqCst);
    for w in &writers {
        w.abort();
    }
    let mut latency = histogram();
    for r in readers {
        if let Ok(h) = r.await {
            latency.add(h).ok();
        }
    }
    let delivered_window = counters.delivered_window.load(Ordering::SeqCst);
    let server_cpu = match (cpu_before, cpu_after) {
        (Some(a), Some(b)) => Some((b - a).as_secs_f64()),
        _ => None,
    };
    let acked = counters.acked.load(Ordering::SeqCst);
    Ok(ChatReport {
        members,
        room_size,
        rooms,
        senders,
        rate_per_s: plan.rate,
        window_s: window.as_secs_f64(),
        sent: counters.sent.load(Ordering::SeqCst),
        acked,
        refused: counters.refused.load(Ordering::SeqCst),
        delivered_total: counters.delivered_total.load(Ordering::SeqCst),
        expected_total: acked * room_size as u64,
        deliveries_per_s: delivered_window as f64 / window.as_secs_f64(),
        latency: Latency::of(&latency),
        server_cpu_s: server_cpu,
        cpu_s_per_100k_deliveries: server_cpu
            .map(|c| c / (delivered_window.max(1) as f64) * 100_000.0),
        deliveries_per_cpu_s: server_cpu.map(|c| delivered_window as f64 / c.max(1e-9)),
        stalled_member: plan.stall_one.then_some(0),
    })
}

async fn send_chat(
    mut sink: SplitSink<Ws, Message>,
    counters: Arc<Counters>,
    period: Duration,
    offset: Duration,
) -> anyhow::Result<()> {
    tokio::time::sleep(offset).await;
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while counters.sending.load(Ordering::Relaxed) {
        tick.tick().await;
        let mut text = format!("t={} ", now_us());
        while text.len() < CHAT_BYTES {
            text.push('x');
        }
        sink.send(Message::text(
            json!({"type": "chat", "rid": 1, "text": text}).to_string(),
        ))
        .await?;
        counters.sent.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

async fn read_chat(
    mut stream: SplitStream<Ws>,
    counters: Arc<Counters>,
    stalled: bool,
) -> Histogram<u64> {
    let mut latency = histogram();
    if stalled {
        // Holds the socket open and reads nothing: what a frozen phone does.
        while counters.reading.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        return latency;
    }
    loop {
        let next = tokio::time::timeout(Duration::from_millis(200), stream.next()).await;
        let frame = match next {
            Ok(Some(Ok(frame))) => frame,
            Ok(_) => break,
            Err(_) if counters.reading.load(Ordering::Relaxed) => continue,
            Err(_) => break,
        };
        let Message::Text(text) = frame else { continue };
        // Cheap checks first: most frames are chat lines.
        if text.contains("\"type\":\"chat\"") {
            counters.delivered_total.fetch_add(1, Ordering::Relaxed);
            if counters.measuring.load(Ordering::Relaxed) {
                counters.delivered_window.fetch_add(1, Ordering::Relaxed);
                if let Some(sent) = sent_at(&text) {
                    latency.saturating_record(now_us().saturating_sub(sent).max(1));
                }
            }
        } else if text.contains("\"type\":\"ack\"") {
            counters.acked.fetch_add(1, Ordering::Relaxed);
        } else if text.contains("\"type\":\"error\"") {
            counters.refused.fetch_add(1, Ordering::Relaxed);
        }
    }
    latency
}

/// The send instant a chat line carries (`t=<µs> …`).
fn sent_at(frame: &str) -> Option<u64> {
    let start = frame.find("t=")? + 2;
    let digits: String = frame[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[derive(Debug, Serialize)]
pub struct MoveReport {
    pub members: usize,
    pub room_size: usize,
    pub moves_sent_per_s: f64,
    pub position_frames_per_s: f64,
    pub positions_delivered_per_s: f64,
    pub server_cpu_s: Option<f64>,
}

/// Everyone walks at 10 steps a second; the hub batches positions every 100 ms.
pub async fn walk(
    target: &Target,
    tokens: &[String],
    room_size: usize,
    window: Duration,
) -> anyhow::Result<MoveReport> {
    let members = tokens.len();
    let room_size = room_size.clamp(1, members);
    let rooms = members.div_ceil(room_size);
    let sockets = enter_all(target, tokens, rooms).await?;
    let measuring = Arc::new(AtomicBool::new(false));
    let frames = Arc::new(AtomicU64::new(0));
    let moves = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for (i, ws) in sockets.into_iter().enumerate() {
        let (mut sink, mut stream) = ws.split();
        let (measuring, frames, moves, sent) = (
            measuring.clone(),
            frames.clone(),
            moves.clone(),
            sent.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            let mut step = 0u32;
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        step = step.wrapping_add(1);
                        let x = ((i as u32 * 37 + step * 13) % 1000) as f32;
                        let y = ((i as u32 * 53 + step * 7) % 1000) as f32;
                        if sink.send(Message::text(json!({"type": "move", "x": x, "y": y}).to_string())).await.is_err() { break; }
                        if measuring.load(Ordering::Relaxed) { sent.fetch_add(1, Ordering::Relaxed); }
                    }
                    frame = stream.next() => {
                        let Some(Ok(Message::Text(text))) = frame else { break };
                        if measuring.load(Ordering::Relaxed) && text.contains("\"type\":\"positions\"") {
                            frames.fetch_add(1, Ordering::Relaxed);
                            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                                moves.fetch_add(v["moves"].as_array().map_or(0, |m| m.len()) as u64, Ordering::Relaxed);
                            }
                        }
                    }
                }
            }
        }));
    }
    tokio::time::sleep(WARM_UP).await;
    let before = target.cpu();
    measuring.store(true, Ordering::SeqCst);
    let started = Instant::now();
    tokio::time::sleep(window).await;
    measuring.store(false, Ordering::SeqCst);
    let secs = started.elapsed().as_secs_f64();
    let after = target.cpu();
    for t in tasks {
        t.abort();
    }
    Ok(MoveReport {
        members,
        room_size,
        moves_sent_per_s: sent.load(Ordering::SeqCst) as f64 / secs,
        position_frames_per_s: frames.load(Ordering::SeqCst) as f64 / secs,
        positions_delivered_per_s: moves.load(Ordering::SeqCst) as f64 / secs,
        server_cpu_s: before.zip(after).map(|(a, b)| (b - a).as_secs_f64()),
    })
}

#[derive(Debug, Serialize)]
pub struct StormReport {
    pub members: usize,
    pub joined: usize,
    pub errors: usize,
    pub first_error: Option<String>,
    pub time_to_joined: Latency,
}

/// `tokens.len()` members connect, authenticate and join within about a second.
pub async fn join_storm(
    target: &Target,
    tokens: &[String],
    room_size: usize,
) -> anyhow::Result<StormReport> {
    let rooms = tokens.len().div_ceil(room_size.max(1));
    let spread = Duration::from_secs(1);
    let tasks: Vec<_> = (0..tokens.len())
        .map(|i| {
            let node = target.node(i, rooms);
            let (url, addr, token) = (node.url.clone(), node.addr, tokens[i].clone());
            let delay = spread.mul_f64(i as f64 / tokens.len() as f64);
            let room = room_of(i, rooms);
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                client::enter(&url, addr, i, &token, &room).await
            })
        })
        .collect();
    let mut times = histogram();
    let (mut joined, mut errors, mut first_error) = (0, 0, None);
    let mut sockets = Vec::new();
    for t in tasks {
        match t.await? {
            Ok((ws, took)) => {
                joined += 1;
                times.saturating_record(took.as_micros() as u64);
                sockets.push(ws);
            }
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    Ok(StormReport {
        members: tokens.len(),
        joined,
        errors,
        first_error,
        time_to_joined: Latency::of(&times),
    })
}
