//! Several nodes: the node hosting every room is killed (`kill -9`) under its members, and
//! each member comes back through a surviving node and resumes; measured from the kill to
//! each member's `joined`. The first member of every room enters through the first target, so
//! its node hosts the rooms (rooms are hosted where first joined); that node's pid is the
//! first `--server-pid`.
use crate::client::{self, Ws};
use crate::scenarios::{histogram, Latency, Target, WARM_UP};
use futures_util::StreamExt;
use serde::Serialize;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// From the kill, how long a member may take to be back in before it counts as not resumed.
const PATIENCE: Duration = Duration::from_secs(30);
/// Between two tries to get back in (the room may not be hosted again yet).
const RETRY: Duration = Duration::from_millis(100);

#[derive(Debug, Serialize)]
pub struct FailoverReport {
    pub members: usize,
    pub resumed: usize,
    /// Members whose resume reported `gap`: something they had not seen was gone.
    pub gaps: usize,
    /// From `kill -9` of the rooms' host to each member's `joined` through another node.
    pub back_in: Latency,
}

/// Where a member was when the host went.
struct Place {
    ws: Ws,
    room: String,
    epoch: String,
    seq: u64,
    node: usize,
}

pub async fn run(
    target: &Target,
    tokens: &[String],
    room_size: usize,
) -> anyhow::Result<FailoverReport> {
    anyhow::ensure!(
        target.nodes.len() >= 2,
        "failover needs two --target nodes or more"
    );
    let Some(&host_pid) = target.server_pids.first() else {
        anyhow::bail!("failover needs the first node's --server-pid (it is killed)");
    };
    let rooms = tokens.len().div_ceil(room_size.max(1));
    // Each room's first member enters through node 0, which then hosts the room.
    let mut places = Vec::with_capacity(tokens.len());
    for (i, token) in tokens.iter().enumerate() {
        let room = format!("r{}", i % rooms + 1);
        let node = if i < rooms {
            0
        } else {
            (i / rooms) % target.nodes.len()
        };
        let at = &target.nodes[node];
        let (ws, _) = client::enter(&at.url, at.addr, i, token, &room).await?;
        places.push(Place {
            ws,
            room,
            epoch: String::new(),
            seq: 0,
            node,
        });
    }
    // Every member's resume point, once everyone is in: joining again is answered with the
    // room's snapshot (its epoch and latest seq).
    for place in &mut places {
        client::send(&mut place.ws, json!({"type": "join", "room": place.room})).await?;
        let joined = client::expect(&mut place.ws, "joined").await?;
        place.epoch = joined["epoch"].as_str().unwrap_or_default().to_string();
        place.seq = joined["seq"].as_u64().unwrap_or(0);
    }
    tokio::time::sleep(WARM_UP).await;

    let killed = std::process::Command::new("kill")
        .args(["-9", &host_pid.to_string()])
        .status()?;
    anyhow::ensure!(killed.success(), "kill -9 {host_pid} failed");
    let at = Instant::now();
    let survivors: Vec<usize> = (1..target.nodes.len()).collect();
    let mut tasks = Vec::new();
    for (i, place) in places.into_iter().enumerate() {
        let node = if place.node == 0 {
            survivors[i % survivors.len()]
        } else {
            place.node
        };
        let (url, addr) = (target.nodes[node].url.clone(), target.nodes[node].addr);
        let token = tokens[i].clone();
        tasks.push(tokio::spawn(async move {
            come_back(place, &url, addr, i, &token, at).await
        }));
    }
    let mut h = histogram();
    let (mut resumed, mut gaps) = (0, 0);
    for task in tasks {
        if let Ok(Some((took, gap))) = task.await {
            resumed += 1;
            gaps += usize::from(gap);
            h.record(took.as_micros() as u64).ok();
        }
    }
    Ok(FailoverReport {
        members: tokens.len(),
        resumed,
        gaps,
        back_in: Latency::of(&h),
    })
}

/// Waits for the member's connection to end (broken, or 4007), then gets back in through
/// `url` and resumes; the time from `at` and whether the resume had a gap. None: not back
/// within PATIENCE.
async fn come_back(
    mut place: Place,
    url: &str,
    addr: std::net::SocketAddr,
    index: usize,
    token: &str,
    at: Instant,
) -> Option<(Duration, bool)> {
    let deadline = at + PATIENCE;
    while let Ok(Some(Ok(_))) = tokio::time::timeout_at(deadline.into(), place.ws.next()).await {}
    while Instant::now() < deadline {
        if let Some(gap) = resume(&place, url, addr, index, token).await {
            return Some((at.elapsed(), gap));
        }
        tokio::time::sleep(RETRY).await;
    }
    None
}

async fn resume(
    place: &Place,
    url: &str,
    addr: std::net::SocketAddr,
    index: usize,
    token: &str,
) -> Option<bool> {
    let mut ws = client::authenticate(url, addr, index, token).await.ok()?;
    let join = json!({"type": "join", "room": place.room,
        "resume": {"epoch": place.epoch, "seq": place.seq}});
    client::send(&mut ws, join).await.ok()?;
    let joined: Value = client::expect(&mut ws, "joined").await.ok()?;
    Some(joined["gap"].as_bool().unwrap_or(false))
}
