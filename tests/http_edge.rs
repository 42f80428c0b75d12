//! The HTTP edge against the real server: slow and idle connections cannot shut the door
//! (timeouts and the per-address cap, under a low open-file limit), tokens made for later or
//! long expired are refused, and the page comes with its security headers, compressed.
//! Every flood is from loopback, bounded in count and time.
mod support;

use futures_util::StreamExt;
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use support::{jwt_claims, Client, Server, TEST_ROOMS, WAIT};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{timeout, Instant};

const OPEN: &str = "2026-12-09T11:00:00+09:00";
/// The limits the edge tests set by flag (docs/operations.md), short so the test is.
const HEADER_TIMEOUT_SECS: u64 = 3;
const REQUEST_TIMEOUT_SECS: u64 = 4;
const PENDING_PER_ADDRESS: usize = 40;
/// The server's open-file limit: fewer than the connections a flood opens.
const FILE_LIMIT: u32 = 256;

async fn edge_server() -> Server {
    let server = Server::start_with(
        TEST_ROOMS,
        OPEN,
        1.0,
        &[
            "--http-header-timeout",
            &HEADER_TIMEOUT_SECS.to_string(),
            "--http-request-timeout",
            &REQUEST_TIMEOUT_SECS.to_string(),
            "--max-pending-per-address",
            &PENDING_PER_ADDRESS.to_string(),
        ],
    )
    .await;
    // util-linux's prlimit lowers the running server's limit (ours stays high, for the flood).
    let limit = format!("--nofile={FILE_LIMIT}:{FILE_LIMIT}");
    let status = std::process::Command::new("prlimit")
        .args(["--pid", &server.pid().to_string(), &limit])
        .status()
        .expect("run prlimit (util-linux)");
    assert!(status.success(), "prlimit failed");
    server
}

/// A TCP connection to the server from another loopback address (127.0.0.0/8 is ours).
async fn connect_from(source: &str, server: &Server) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("socket");
    socket
        .bind(format!("{source}:0").parse().unwrap())
        .expect("bind a loopback source address");
    let to: SocketAddr = format!("127.0.0.1:{}", server.port).parse().unwrap();
    timeout(WAIT, socket.connect(to))
        .await
        .expect("TCP connect timed out")
        .expect("TCP connect")
}

/// `count` connections from `source`, each having sent `first` (possibly nothing).
async fn flood(source: &str, server: &Server, count: usize, first: &[u8]) -> Vec<TcpStream> {
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        let mut stream = connect_from(source, server).await;
        if !first.is_empty() {
            // A connection the server closed at once (over the cap) may refuse the write.
            let _ = stream.write_all(first).await;
        }
        held.push(stream);
    }
    held
}

/// The door still opens for someone else: `/healthz` answers and a WebSocket `auth` is
/// welcomed, from 127.0.0.1.
async fn door_is_open(server: &Server, nickname: &str) {
    let health: Value = timeout(WAIT, async {
        reqwest::get(server.http_url("/healthz"))
            .await
            .expect("GET /healthz")
            .json()
            .await
            .expect("healthz JSON")
    })
    .await
    .expect("/healthz did not answer during the flood");
    assert_eq!(health["status"], "ok", "{health}");
    let (_client, welcome) = Client::login(server, "participant", nickname).await;
    assert_eq!(welcome["type"], "welcome");
}

/// Every connection in `held` is closed by the server before `deadline` (reading what it
/// sent, a 408 for instance, until the end).
async fn all_closed_by(held: Vec<TcpStream>, deadline: Instant, what: &str) {
    let total = held.len();
    let waits = held.into_iter().map(|mut stream| async move {
        let mut buffer = [0u8; 1024];
        loop {
            match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => continue,
                Err(_) => return false,
            }
        }
    });
    let closed = futures_util::future::join_all(waits)
        .await
        .into_iter()
        .filter(|closed| *closed)
        .count();
    assert_eq!(closed, total, "{what}: {closed} of {total} closed in time");
}

fn after_timeout(secs: u64) -> Instant {
    // Generous: a debug build on a small shared machine.
    Instant::now() + Duration::from_secs(secs) + Duration::from_secs(15)
}

#[tokio::test]
async fn idle_connections_cannot_shut_the_door() {
    let server = edge_server().await;
    let held = flood("127.0.0.2", &server, 300, b"").await;
    door_is_open(&server, "そら").await;
    all_closed_by(held, after_timeout(HEADER_TIMEOUT_SECS), "idle connections").await;
    door_is_open(&server, "うみ").await;
}

#[tokio::test]
async fn half_sent_headers_cannot_shut_the_door() {
    let server = edge_server().await;
    let half = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow";
    let held = flood("127.0.0.3", &server, 200, half).await;
    door_is_open(&server, "そら").await;
    all_closed_by(held, after_timeout(HEADER_TIMEOUT_SECS), "half headers").await;
    door_is_open(&server, "うみ").await;
}

#[tokio::test]
async fn bodies_sent_a_byte_at_a_time_cannot_shut_the_door() {
    let server = edge_server().await;
    let head = b"POST /api/applications HTTP/1.1\r\nHost: 127.0.0.1\r\n\
        Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n{";
    let held = flood("127.0.0.4", &server, 60, head).await;
    // A byte every 200 ms from each, for longer than the request timeout allows: the writers
    // stop when the server has closed their connection, or at the deadline.
    let deadline = after_timeout(REQUEST_TIMEOUT_SECS);
    let trickle = held.into_iter().map(|stream| async move {
        let (mut read, mut write) = stream.into_split();
        let writer = async {
            while Instant::now() < deadline {
                if write.write_all(b" ").await.is_err() {
                    // Closed by the server: the reader sees it.
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        };
        let reader = async {
            let mut buffer = [0u8; 1024];
            loop {
                match tokio::time::timeout_at(deadline, read.read(&mut buffer)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => return true,
                    Ok(Ok(_)) => continue,
                    Err(_) => return false,
                }
            }
        };
        tokio::select! {
            closed = reader => closed,
            () = writer => false,
        }
    });
    let all = futures_util::future::join(
        futures_util::future::join_all(trickle),
        door_is_open(&server, "そら"),
    )
    .await
    .0;
    let closed = all.iter().filter(|closed| **closed).count();
    assert_eq!(closed, all.len(), "slow bodies: {closed} closed in time");
    door_is_open(&server, "うみ").await;
}

/// A WebSocket holds its address's place until `auth`; then the place is free for another.
#[tokio::test]
async fn websockets_count_against_their_address_until_auth() {
    let server = edge_server().await;
    let url = server.ws_url();
    let open = |source: &'static str| {
        let url = url.clone();
        let server = &server;
        async move {
            let stream = connect_from(source, server).await;
            timeout(WAIT, tokio_tungstenite::client_async(url, stream))
                .await
                .expect("WebSocket handshake timed out")
                .map(|(ws, _)| ws)
        }
    };
    let mut waiting = Vec::new();
    for _ in 0..PENDING_PER_ADDRESS {
        waiting.push(open("127.0.0.5").await.expect("a WebSocket within the cap"));
    }
    assert!(
        open("127.0.0.5").await.is_err(),
        "one more WebSocket from the same address should be refused"
    );
    // Another address is not affected.
    door_is_open(&server, "そら").await;

    let token = server.token("participant", "うみ").await;
    let mut first = waiting.remove(0);
    futures_util::SinkExt::send(
        &mut first,
        tungstenite_text(json!({"type": "auth", "token": token})),
    )
    .await
    .expect("send auth");
    let welcome = timeout(WAIT, first.next())
        .await
        .expect("welcome in time")
        .expect("a frame")
        .expect("a frame");
    assert!(
        welcome.to_text().unwrap().contains("\"welcome\""),
        "{welcome}"
    );
    // The authenticated one gave its place back (the server may take a moment to see it).
    let until = Instant::now() + WAIT;
    loop {
        if open("127.0.0.5").await.is_ok() {
            break;
        }
        assert!(
            Instant::now() < until,
            "an authenticated WebSocket still holds its address's place"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn tungstenite_text(value: Value) -> tokio_tungstenite::tungstenite::Message {
    tokio_tungstenite::tungstenite::Message::text(value.to_string())
}

/// A token signed with the space's own key (as only the server could), with these claims.
fn forge(server: &Server, claims: Value) -> String {
    use base64::Engine;
    let stored = std::fs::read_to_string(server.data_dir().join("signing.key")).expect("key");
    let secret = base64::engine::general_purpose::STANDARD
        .decode(stored.trim())
        .expect("base64 key");
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(&secret),
    )
    .expect("sign")
}

/// `auth` with `token`: the reply frame (welcome or error).
async fn auth_reply(server: &Server, token: &str) -> Value {
    let mut client = Client::connect(server).await;
    client
        .send(json!({"type": "auth", "rid": 1, "token": token}))
        .await;
    let reply = client
        .recv_where("welcome or error", |f| {
            matches!(f["type"].as_str(), Some("welcome") | Some("error"))
        })
        .await;
    if reply["type"] == "error" {
        let (code, _) = client.expect_close(WAIT).await;
        assert_eq!(code, 4001, "{reply}");
    }
    reply
}

#[tokio::test]
async fn tokens_for_later_or_long_expired_are_refused() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let real = jwt_claims(&server.token("participant", "そら").await);
    let now = chrono::Utc::now().timestamp();
    let claims = |changes: Value| {
        let mut claims = json!({
            "sub": real["sub"], "role": "participant", "aud": "ibasho",
            "iat": now, "exp": now + 900,
        });
        for (key, value) in changes.as_object().unwrap() {
            claims[key] = value.clone();
        }
        claims
    };
    // The leeway is 30 s (docs/protocol.md, `auth`).
    for (what, changes, expected) in [
        (
            "nbf an hour ahead",
            json!({"nbf": now + 3600}),
            "token_invalid",
        ),
        (
            "issued a day ahead",
            json!({"iat": now + 86_400}),
            "token_invalid",
        ),
        (
            "expired 40 s ago",
            json!({"exp": now - 40}),
            "token_expired",
        ),
        ("expired 15 s ago", json!({"exp": now - 15}), "welcome"),
        ("nbf 10 s ahead", json!({"nbf": now + 10}), "welcome"),
    ] {
        let reply = auth_reply(&server, &forge(&server, claims(changes))).await;
        let got = if reply["type"] == "welcome" {
            "welcome"
        } else {
            reply["code"].as_str().unwrap_or("?")
        };
        assert_eq!(got, expected, "{what}: {reply}");
    }
}

#[tokio::test]
async fn the_page_comes_with_its_security_headers_compressed() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let http = reqwest::Client::new();
    let page = http
        .get(server.http_url("/space"))
        .send()
        .await
        .expect("GET /space");
    assert_eq!(page.status(), 200);
    let header = |name: &str| {
        page.headers()
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
            .to_string()
    };
    let csp = header("content-security-policy");
    let origin = format!("127.0.0.1:{}", server.port);
    for part in [
        "default-src 'self'".to_string(),
        "script-src 'self';".to_string(),
        "style-src 'self';".to_string(),
        format!("connect-src 'self' ws://{origin};"),
        "object-src 'none'".to_string(),
        "frame-ancestors 'none'".to_string(),
    ] {
        assert!(csp.contains(&part), "CSP without {part:?}: {csp}");
    }
    assert!(!csp.contains("unsafe"), "{csp}");
    assert_eq!(header("x-frame-options"), "DENY");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    let permissions = header("permissions-policy");
    for feature in [
        "camera=(self)",
        "microphone=(self)",
        "display-capture=(self)",
    ] {
        assert!(permissions.contains(feature), "{permissions}");
    }
    // Served over http here: no HSTS (it needs an https public URL).
    assert!(page.headers().get("strict-transport-security").is_none());
    // API replies carry the headers too.
    let api = http.get(server.http_url("/healthz")).send().await.unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");

    let plain = http
        .get(server.http_url("/space/app.js"))
        .send()
        .await
        .unwrap();
    let plain_length = plain.bytes().await.unwrap().len();
    for encoding in ["br", "gzip"] {
        let script = http
            .get(server.http_url("/space/app.js"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(script.status(), 200);
        assert_eq!(script.headers()["content-encoding"], encoding);
        let sent = script.bytes().await.unwrap().len();
        assert!(
            sent < plain_length / 2,
            "{encoding}: {sent} bytes for {plain_length}"
        );
    }
}

#[tokio::test]
async fn an_https_public_url_brings_hsts() {
    let server = Server::start_with(
        TEST_ROOMS,
        OPEN,
        1.0,
        &["--public-url", "https://ibasho.example.jp"],
    )
    .await;
    let page = reqwest::get(server.http_url("/")).await.expect("GET /");
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("connect-src 'self' wss://ibasho.example.jp;"),
        "{csp}"
    );
}
