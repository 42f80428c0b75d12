//! No ghosts: a member whose client stops reading (a frozen tab, a phone gone without a FIN)
//! leaves the room, the newcomers' list and `/healthz` within the documented time, with
//! exactly one `member_left`, every time.
#[path = "support/mod.rs"]
mod support;

use futures_util::SinkExt;
use serde_json::{json, Value};
use std::time::Duration;
use support::{Client, Server, TEST_ROOMS, WAIT};
use tokio::net::TcpSocket;
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::Message;

/// 11:00 on an open Wednesday of the test space (open 10:00–18:00).
const OPEN: &str = "2026-12-09T11:00:00+09:00";
/// docs/protocol.md, "Slow consumers": a socket that takes nothing for 10 s (the write
/// timeout) is given up, and its member leaves after the 5 s comeback grace. The clock starts
/// at the first write the socket does not take, somewhere while the ghost is still sending,
/// so this counts from its last frame; the rest is slack for a busy debug build.
const GONE_WITHIN: Duration = Duration::from_secs(10 + 5 + 15);
/// Rounds of ghosts, and ghosts in each: 20 never-reading clients in all.
const ROUNDS: usize = 4;
const GHOSTS_PER_ROUND: usize = 5;
/// A ghost asks for large replies (a `joined` with 50 long lines, about a megabyte a second)
/// reading none, until the server's socket buffers are full and its replies queue behind them
/// (the socket fills after a few seconds at this rate; the write timeout, 10 s, and the
/// outbound queue, 256 frames, have not run out yet). Then it takes a megabyte and a half in
/// one go, enough for the kernel to let the server write again, but less than what queued, so
/// the server goes on writing and the ghost freezes partway through (a phone whose radio
/// fades out).
const FILLING: Duration = Duration::from_millis(4500);
const TAKE_BYTES: usize = 3 << 19;
/// Someone walks in the room all along, so there is always something to write to the ghosts:
/// the first write their sockets do not take comes right after they freeze.
const STEP: Duration = Duration::from_millis(100);

type RawWs = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// A client with a tiny receive buffer that authenticates, joins the free space and then never
/// reads again. Returns the socket (kept open: no FIN, like a frozen tab) and its member id.
async fn ghost(server: &Server, nickname: &str) -> (RawWs, String) {
    let token = server.token("participant", nickname).await;
    let socket = TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let stream = timeout(
        WAIT,
        socket.connect(format!("127.0.0.1:{}", server.port).parse().unwrap()),
    )
    .await
    .expect("connect in time")
    .expect("connect");
    let (mut ws, _) = timeout(
        WAIT,
        tokio_tungstenite::client_async(server.ws_url(), stream),
    )
    .await
    .expect("handshake in time")
    .expect("handshake");
    ws.send(Message::text(
        json!({"type": "auth", "token": token}).to_string(),
    ))
    .await
    .expect("send auth");
    let welcome = next_json(&mut ws, "welcome").await;
    let id = welcome["you"]["id"].as_str().expect("an id").to_string();
    ws.send(Message::text(
        json!({"type": "join", "room": "hiroba"}).to_string(),
    ))
    .await
    .expect("send join");
    next_json(&mut ws, "joined").await;
    (ws, id)
}

async fn next_json(ws: &mut RawWs, ty: &str) -> Value {
    use futures_util::StreamExt;
    let deadline = Instant::now() + WAIT;
    loop {
        let message = timeout(deadline - Instant::now(), ws.next())
            .await
            .unwrap_or_else(|_| panic!("no {ty} in time"))
            .expect("open")
            .expect("a frame");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).expect("JSON");
            if value["type"] == ty {
                return value;
            }
        }
    }
}

/// Asks again and again for the room (within the message rate) reading none of the answers,
/// then takes some and stops reading altogether. A server whose write to a full socket waits
/// without a bound keeps such a member for ever.
async fn fade_out(ws: &mut RawWs) {
    use futures_util::StreamExt;
    let join = json!({"type": "join", "room": "hiroba"}).to_string();
    let start = Instant::now();
    while start.elapsed() < FILLING {
        // The server may stop reading too once its writes are stuck: never wait long.
        if timeout(Duration::from_secs(1), ws.send(Message::text(join.clone())))
            .await
            .is_err()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(70)).await;
    }
    let mut taken = 0;
    let until = Instant::now() + Duration::from_secs(2);
    while taken < TAKE_BYTES {
        match timeout(until.saturating_duration_since(Instant::now()), ws.next()).await {
            Ok(Some(Ok(message))) => taken += message.len(),
            // Out of time, or closed already (a slow consumer may be let go): freeze now.
            _ => return,
        }
    }
}

/// Walks to and fro until told to stop (at most a minute), reading what comes.
async fn walk(mut walker: Client, mut stop: tokio::sync::oneshot::Receiver<()>) -> Client {
    for step in 0..600 {
        let x = if step % 2 == 0 { 300.0 } else { 340.0 };
        walker
            .send(json!({"type": "move", "x": x, "y": 240.0}))
            .await;
        walker.drain(STEP).await;
        if stop.try_recv().is_ok() {
            break;
        }
    }
    walker
}

/// Closes with a handshake, so the server lets the connection go at once (no comeback grace).
async fn goodbye(mut client: Client) {
    client
        .send_raw(Message::Close(None))
        .await
        .expect("send close");
    client.expect_close(WAIT).await;
}

/// Waits until `/healthz` counts `expected` connections: a closed connection is let go just
/// after its close handshake.
async fn counted_soon(server: &Server, expected: u64) {
    let deadline = Instant::now() + WAIT;
    loop {
        let now = online(server).await;
        if now == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/healthz counts {now}, not {expected}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn online(server: &Server) -> u64 {
    let health: Value = reqwest::get(server.http_url("/healthz"))
        .await
        .expect("GET /healthz")
        .json()
        .await
        .expect("JSON");
    health["online"].as_u64().expect("online count")
}

#[tokio::test]
async fn a_client_that_stops_reading_leaves_every_time_exactly_once() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut watcher, _) = Client::enter(&server, "staff", "見守り", "hiroba").await;
    // Fifty long lines in the ring make every `joined` about 75 KB.
    let line: String = "ひろばでのんびりしています。"
        .chars()
        .cycle()
        .take(500)
        .collect();
    for talker in 0..10 {
        let (mut client, _) =
            Client::enter(&server, "participant", &format!("話す人{talker}"), "hiroba").await;
        for n in 0..5 {
            client
                .send(json!({"type": "chat", "rid": n, "text": line}))
                .await;
            let ack = client.recv_reply("ack").await;
            assert_eq!(ack["type"], "ack", "{ack}");
        }
        client.send(json!({"type": "leave"})).await;
        client.recv_type("left").await;
        goodbye(client).await;
    }
    watcher.drain(Duration::ZERO).await;

    let mut ghosts_seen = 0;
    for round in 0..ROUNDS {
        // Only the watcher is left from before (the others said goodbye).
        counted_soon(&server, 1).await;
        let mut ghosts = Vec::new();
        for n in 0..GHOSTS_PER_ROUND {
            ghosts.push(ghost(&server, &format!("凍った{round}-{n}")).await);
        }
        let (walker, _) =
            Client::enter(&server, "participant", &format!("歩く人{round}"), "hiroba").await;
        let (stop_walking, stop) = tokio::sync::oneshot::channel();
        let walking = tokio::spawn(walk(walker, stop));
        let before = online(&server).await;
        let ids: Vec<String> = ghosts.iter().map(|(_, id)| id.clone()).collect();
        futures_util::future::join_all(ghosts.iter_mut().map(|(ws, _)| fade_out(ws))).await;
        let frozen_at = Instant::now();

        // Each ghost's `member_left`, exactly once, within the documented time.
        let mut left = Vec::new();
        while left.len() < ids.len() {
            let wait = (frozen_at + GONE_WITHIN).saturating_duration_since(Instant::now());
            let event = watcher
                .recv_where_within(wait, "member_left of a ghost", |f| {
                    f["type"] == "member_left" && ids.iter().any(|id| f["id"] == id.as_str())
                })
                .await;
            let id = event["id"].as_str().unwrap().to_string();
            assert!(!left.contains(&id), "two member_left for {id}");
            left.push(id);
        }
        ghosts_seen += left.len();
        // No second one follows (expect_nothing fails if the watcher's connection closed).
        watcher
            .expect_nothing(Duration::from_millis(500), "a ghost leaving twice", |f| {
                f["type"] == "member_left" && ids.iter().any(|id| f["id"] == id.as_str())
            })
            .await;

        stop_walking.send(()).expect("still walking");
        let mut walker = walking.await.expect("the walk");
        walker.send(json!({"type": "leave"})).await;
        walker.recv_type("left").await;

        // Newcomers do not see them, and the server no longer counts them.
        let (mut newcomer, joined) = Client::enter(
            &server,
            "participant",
            &format!("新しい人{round}"),
            "hiroba",
        )
        .await;
        let members = joined["members"].as_array().expect("members");
        for id in &ids {
            assert!(
                members.iter().all(|m| m["id"] != id.as_str()),
                "a newcomer still sees ghost {id}: {joined}"
            );
        }
        // The ghosts are gone; the newcomer is counted (the walker is still connected).
        assert_eq!(online(&server).await, before - GHOSTS_PER_ROUND as u64 + 1);
        newcomer.send(json!({"type": "leave"})).await;
        newcomer.recv_type("left").await;
        goodbye(newcomer).await;
        goodbye(walker).await;
        drop(ghosts);
    }
    assert_eq!(ghosts_seen, ROUNDS * GHOSTS_PER_ROUND);
}
