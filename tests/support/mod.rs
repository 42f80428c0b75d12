//! End-to-end harness: the real `ibasho` binary in a temp dir, spoken to with real
//! WebSocket (tokio-tungstenite) and HTTP (reqwest) clients. Every wait has a deadline, so a
//! broken server fails a test instead of hanging it.
#![allow(dead_code)]

pub mod browser;
pub mod smtp;
pub mod voice;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};
use tokio::time::{timeout, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const BIN: &str = env!("CARGO_BIN_EXE_ibasho");
/// The default wait for a frame. Generous: debug builds on a small shared machine.
pub const WAIT: Duration = Duration::from_secs(10);
/// Starting the binary (first SQLite migration included).
const START_WAIT: Duration = Duration::from_secs(30);

/// The shipped rooms file (the Sendai-like default) at the repository root.
pub fn shipped_rooms() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../rooms.toml");
    let shipped = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    // Participants come in without anyone on duty: tests of duty say otherwise.
    let without_duty = shipped.replacen("min_on_duty = 1\n", "min_on_duty = 0\n", 1);
    assert_ne!(
        without_duty, shipped,
        "the shipped rooms.toml sets min_on_duty = 1"
    );
    without_duty
}

/// A small predictable space for tests, in Asia/Tokyo: open every day 10:00–18:00; the free
/// space `hiroba` (map 400×300); program room `lunch` with a session every day 12:00–13:00
/// (doors open 10 minutes before); `tiny`, a gallery for two; a staff room `staff`.
pub const TEST_ROOMS: &str = r##"[space]
name = "テストの居場所"
timezone = "Asia/Tokyo"
doors_open_minutes = 10
closing_notices = [10, 5, 1]

# Participants come in without anyone on duty: tests of duty say otherwise (tests/duty.rs).
[safety]
min_on_duty = 0

[[opening]]
rule = "weekly"
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "10:00"
end = "18:00"

[[room]]
id = "hiroba"
kind = "free"
name = "ひろば"
capacity = 50
width = 400
height = 300

[[room]]
id = "lunch"
kind = "program"
name = "いっしょにランチ"
capacity = 30
host_roles = ["staff"]

[[room.session]]
rule = "weekly"
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "12:00"
end = "13:00"

[[room]]
id = "tiny"
kind = "gallery"
name = "ちいさなギャラリー"
capacity = 2

[[room]]
id = "staff"
kind = "staff"
name = "スタッフルーム"
capacity = 10
"##;

/// A program room with a stage (hosts: staff), in session every day 12:00–13:00, for the voice
/// tests to add to `TEST_ROOMS`.
pub const STAGE_ROOM: &str = r#"[[room]]
id = "cafe"
kind = "program"
name = "唄ごえカフェ"
capacity = 30
host_roles = ["staff"]
stage = true

[[room.session]]
rule = "weekly"
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "12:00"
end = "13:00"
"#;

pub struct Server {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
    /// The `serve` flags it was started with, for `restart`.
    flags: Vec<String>,
}

impl Server {
    /// Start `ibasho serve` on a free port with these rooms, at this instant and speed.
    pub async fn start(rooms: &str, clock: &str, speed: f64) -> Server {
        Server::start_with(rooms, clock, speed, &[]).await
    }

    /// As `start`, with more `serve` flags.
    pub async fn start_with(rooms: &str, clock: &str, speed: f64, flags: &[&str]) -> Server {
        let speed = speed.to_string();
        let clock = ["--clock", clock, "--clock-speed", &speed];
        Server::launch(rooms, &[&clock, flags].concat()).await
    }

    /// `ibasho serve` on the system clock, as a live space runs (no `--clock`).
    pub async fn start_on_the_real_clock(rooms: &str) -> Server {
        Server::launch(rooms, &[]).await
    }

    async fn launch(rooms: &str, flags: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("rooms.toml"), rooms).expect("write rooms.toml");
        std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
        let flags = flags.iter().map(|f| f.to_string()).collect();
        Server::launch_in(dir, flags).await
    }

    /// Stops the server (SIGTERM) and starts it again on the same data, rooms and flags (on
    /// another port).
    pub async fn restart(mut self) -> Server {
        self.stop().await;
        let flags = std::mem::take(&mut self.flags);
        // The data goes on; what is left behind is an empty directory.
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("temp dir"));
        Server::launch_in(dir, flags).await
    }

    async fn launch_in(dir: tempfile::TempDir, flags: Vec<String>) -> Server {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.path().join("stderr.log"))
            .expect("stderr file");
        let mut child = command()
            .args(serve_args(dir.path()))
            .args(&flags)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("spawn ibasho");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let first = timeout(START_WAIT, lines.next_line()).await;
        let mut server = Server {
            child: Some(child),
            port: 0,
            dir,
            flags,
        };
        let line = match first {
            Ok(Ok(Some(line))) => line,
            other => panic!(
                "ibasho did not print its listening line ({other:?}); stderr:\n{}",
                server.stderr()
            ),
        };
        let prefix = "ibasho listening on http://127.0.0.1:";
        let port = line
            .strip_prefix(prefix)
            .and_then(|p| p.trim().parse::<u16>().ok())
            .unwrap_or_else(|| {
                panic!("unexpected first stdout line {line:?}, expected `{prefix}PORT`")
            });
        server.port = port;
        // Keep draining stdout so the server can never block on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        server
    }

    /// Run `ibasho serve` with a rooms file that must be refused: returns the exit status and
    /// stderr. Fails the test if the server starts listening instead.
    pub async fn start_expecting_failure(rooms: &str) -> (ExitStatus, String, String) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("rooms.toml"), rooms).expect("write rooms.toml");
        std::fs::create_dir_all(dir.path().join("data")).expect("data dir");
        let child = command()
            .args(serve_args(dir.path()))
            .args(["--clock", "2026-12-09T13:00:00+09:00"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn ibasho");
        let out = timeout(START_WAIT, child.wait_with_output())
            .await
            .expect("ibasho with a bad rooms file should exit, but it kept running")
            .expect("wait for ibasho");
        (
            out.status,
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn rooms_path(&self) -> PathBuf {
        self.dir.path().join("rooms.toml")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }

    pub fn http_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Everything the server logged so far.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }

    /// A fresh access token from the admin CLI (creates the member if the nickname is new).
    pub async fn token(&self, role: &str, nickname: &str) -> String {
        token_in(&self.data_dir(), role, nickname).await
    }

    /// Sets the server's rehearsal clock to `to` (RFC 3339) as an admin would
    /// (`POST /api/admin/clock`, docs/operations.md); returns the clock's `now` after it.
    pub async fn set_clock(&self, to: &str) -> String {
        let token = self.token("admin", "時計係").await;
        let (status, body) = self.post_clock(Some(&token), json!({ "to": to })).await;
        assert_eq!(status, 200, "setting the clock: {body}");
        body["now"].as_str().expect("now").to_string()
    }

    /// `POST /api/admin/clock` with this body and bearer token: (status, JSON answer).
    pub async fn post_clock(&self, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut request = reqwest::Client::new()
            .post(self.http_url("/api/admin/clock"))
            .json(&body)
            .timeout(WAIT);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("POST /api/admin/clock");
        let status = response.status().as_u16();
        (status, response.json().await.expect("a JSON answer"))
    }

    pub fn pid(&self) -> u32 {
        self.child
            .as_ref()
            .and_then(|c| c.id())
            .expect("server is running")
    }

    /// Send SIGTERM (graceful shutdown).
    pub fn terminate(&self) {
        let pid = self.pid();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM {pid} failed");
    }

    /// SIGKILL (a node lost without warning), and wait for the process to be gone.
    pub async fn kill(&mut self) {
        let child = self.child.as_mut().expect("server is running");
        child.start_kill().expect("kill -9");
        timeout(WAIT, child.wait())
            .await
            .expect("killed server did not go")
            .expect("wait for server");
        self.child = None;
    }

    /// SIGTERM, then wait (bounded) for the process to exit.
    pub async fn stop(&mut self) -> ExitStatus {
        self.terminate();
        self.wait_exit().await
    }

    pub async fn wait_exit(&mut self) -> ExitStatus {
        let child = self.child.as_mut().expect("server is running");
        let status = timeout(WAIT, child.wait())
            .await
            .expect("server did not exit within the deadline")
            .expect("wait for server");
        self.child = None;
        status
    }
}

impl Server {
    /// Runs `ibasho admin ARGS…` beside this server: its data dir, rooms file and address,
    /// plus `flags` (e.g. an SMTP sink's). Returns (success, stdout, stderr).
    pub async fn admin(&self, args: &[&str], flags: &[String]) -> (bool, String, String) {
        let out = timeout(
            START_WAIT,
            command()
                .arg("admin")
                .args(args)
                .arg("--data")
                .arg(self.data_dir())
                .arg("--rooms")
                .arg(self.rooms_path())
                .args(["--listen", &format!("127.0.0.1:{}", self.port)])
                .args(flags)
                .output(),
        )
        .await
        .expect("`ibasho admin` did not finish")
        .expect("run `ibasho admin`");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// A fresh access token from `ibasho admin token --data DATA` (creates the member in that data
/// directory's database if the nickname is new; signs with its `signing.key`).
pub async fn token_in(data: &Path, role: &str, nickname: &str) -> String {
    let out = timeout(
        START_WAIT,
        command()
            .args(["admin", "token", "--data"])
            .arg(data)
            .args(["--role", role, "--nickname", nickname])
            .output(),
    )
    .await
    .expect("`ibasho admin token` did not finish")
    .expect("run `ibasho admin token`");
    assert!(
        out.status.success(),
        "`ibasho admin token --role {role} --nickname {nickname}` failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines.len(),
        1,
        "admin token should print one line, got {stdout:?}"
    );
    let token = lines[0].trim().to_string();
    assert_eq!(token.split('.').count(), 3, "not a JWT: {token:?}");
    token
}

/// The server's settings also come from `IBASHO_*` variables: none may leak in from the
/// developer's shell.
fn command() -> Command {
    let mut command = Command::new(BIN);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("IBASHO_") {
            command.env_remove(key);
        }
    }
    command.stdin(Stdio::null()).kill_on_drop(true);
    command
}

fn serve_args(dir: &Path) -> Vec<String> {
    vec![
        "serve".into(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--rooms".into(),
        dir.join("rooms.toml").display().to_string(),
        "--data".into(),
        dir.join("data").display().to_string(),
        "--web".into(),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../web-client").into(),
    ]
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        if std::thread::panicking() {
            let log = self.stderr();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            eprintln!("--- ibasho stderr (last 40 lines) ---");
            for line in tail.into_iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// The claims of a JWT, decoded without checking the signature (to know the account id).
pub fn jwt_claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("JWT payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .expect("JWT payload is base64url");
    serde_json::from_slice(&bytes).expect("JWT payload is JSON")
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// One WebSocket connection. Frames skipped while waiting for another are kept (in order) for
/// later waits; `log` has every text frame received, for privacy checks.
pub struct Client {
    ws: Ws,
    pending: VecDeque<Value>,
    pub log: Vec<String>,
    closed: Option<(u16, String)>,
    /// `welcome.you` after a successful `auth`: how others see this member.
    pub you: Value,
    /// Pings sent by `expect_nothing`, for their rids.
    barriers: u64,
}

impl Client {
    pub async fn connect(server: &Server) -> Client {
        let (ws, _) = timeout(WAIT, tokio_tungstenite::connect_async(server.ws_url()))
            .await
            .expect("WebSocket connect timed out")
            .expect("WebSocket connect");
        Client {
            ws,
            pending: VecDeque::new(),
            log: Vec::new(),
            closed: None,
            you: Value::Null,
            barriers: 0,
        }
    }

    /// Connect, authenticate with a new token for (role, nickname), expect `welcome`.
    pub async fn login(server: &Server, role: &str, nickname: &str) -> (Client, Value) {
        let token = server.token(role, nickname).await;
        let mut client = Client::connect(server).await;
        let welcome = client.auth(&token).await;
        (client, welcome)
    }

    /// `login` and join a room, expecting `joined` (returned).
    pub async fn enter(server: &Server, role: &str, nickname: &str, room: &str) -> (Client, Value) {
        let (mut client, _welcome) = Client::login(server, role, nickname).await;
        let joined = client.join(room).await;
        (client, joined)
    }

    pub async fn send(&mut self, message: Value) {
        self.send_raw(Message::text(message.to_string()))
            .await
            .expect("send frame");
    }

    pub async fn send_text(&mut self, text: impl Into<String>) {
        self.send_raw(Message::text(text.into()))
            .await
            .expect("send frame");
    }

    pub async fn send_raw(&mut self, message: Message) -> Result<(), String> {
        match timeout(WAIT, self.ws.send(message)).await {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(_) => Err("send timed out".into()),
        }
    }

    /// Send `auth`; expect `welcome` and return it.
    pub async fn auth(&mut self, token: &str) -> Value {
        self.send(json!({"type": "auth", "token": token})).await;
        let reply = self
            .recv_where("welcome or error", |f| {
                matches!(f["type"].as_str(), Some("welcome") | Some("error"))
            })
            .await;
        assert_eq!(reply["type"], "welcome", "auth refused: {reply}");
        self.you = reply["you"].clone();
        reply
    }

    /// Send `join`; expect `joined` for that room and return it.
    pub async fn join(&mut self, room: &str) -> Value {
        self.send(json!({"type": "join", "room": room})).await;
        let reply = self.recv_reply("joined").await;
        assert_eq!(reply["type"], "joined", "join {room} refused: {reply}");
        assert_eq!(reply["room"], room);
        reply
    }

    /// The next `ty` frame or `error` frame, whichever comes first.
    /// Sends `message` (which carries a `rid`) and answers the reply to it, whatever its type.
    pub async fn request(&mut self, message: Value) -> Value {
        let rid = message["rid"].clone();
        assert!(!rid.is_null(), "request without a rid: {message}");
        self.send(message).await;
        self.recv_where(&format!("the reply to rid {rid}"), |f| f["rid"] == rid)
            .await
    }

    pub async fn recv_reply(&mut self, ty: &str) -> Value {
        self.recv_where(&format!("{ty} or error"), |f| {
            f["type"] == ty || f["type"] == "error"
        })
        .await
    }

    /// The next error frame; asserts its code.
    pub async fn recv_error(&mut self, code: &str) -> Value {
        let e = self.recv_type("error").await;
        assert_eq!(e["code"], code, "expected error {code}, got {e}");
        assert!(
            e["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error without a message to show: {e}"
        );
        e
    }

    pub async fn recv_type(&mut self, ty: &str) -> Value {
        self.recv_where(ty, |f| f["type"] == ty).await
    }

    pub async fn recv_where(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.recv_where_within(WAIT, what, pred).await
    }

    /// The next `talk_line` (what counsellors see of the line for a consultation) listing
    /// exactly these nicknames, in this order.
    pub async fn recv_talk_line(&mut self, nicknames: &[&str]) -> Value {
        self.recv_where(&format!("talk_line {nicknames:?}"), |f| {
            f["type"] == "talk_line"
                && f["requests"].as_array().is_some_and(|r| {
                    r.iter()
                        .map(|r| r["member"]["nickname"].as_str().unwrap_or(""))
                        .collect::<Vec<_>>()
                        == nicknames
                })
        })
        .await
    }

    /// The first frame (skipped earlier, or new) matching `pred`; others are kept for later.
    pub async fn recv_where_within(
        &mut self,
        wait: Duration,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        if let Some(i) = self.pending.iter().position(&pred) {
            return self.pending.remove(i).expect("index is valid");
        }
        let deadline = Instant::now() + wait;
        loop {
            match self.next_frame(deadline).await {
                Frame::Json(v) if pred(&v) => return v,
                Frame::Json(v) => self.pending.push_back(v),
                Frame::Closed(code, reason) => panic!(
                    "connection closed ({code} {reason:?}) while waiting for {what}; frames kept: {:?}",
                    self.pending
                ),
                Frame::Timeout => panic!(
                    "no {what} within {wait:?}; frames kept: {:?}",
                    self.pending
                ),
            }
        }
    }

    /// Asserts that no frame matching `pred` (`what`) arrives, neither among the kept ones, nor
    /// within `wait`, nor before the reply to a `ping` sent after it: the pong comes after
    /// everything the server queued for this connection before it, so `wait` only has to cover
    /// what other tasks (rooms, timers) may still be about to send. Fails if the connection
    /// closes or breaks meanwhile: a dropped client also "sees nothing". Frames are kept.
    pub async fn expect_nothing(
        &mut self,
        wait: Duration,
        what: &str,
        pred: impl Fn(&Value) -> bool,
    ) {
        if let Some(frame) = self.pending.iter().find(|f| pred(f)) {
            panic!("{what} arrived: {frame}");
        }
        let deadline = Instant::now() + wait;
        while let Some(frame) = self.next_unexpected(deadline, what, &pred).await {
            self.pending.push_back(frame);
        }
        self.barriers += 1;
        let rid = format!("nothing-{}", self.barriers);
        self.send(json!({"type": "ping", "rid": rid})).await;
        let deadline = Instant::now() + WAIT;
        loop {
            match self.next_unexpected(deadline, what, &pred).await {
                Some(frame) if frame["type"] == "pong" && frame["rid"] == rid.as_str() => return,
                Some(frame) => self.pending.push_back(frame),
                None => panic!(
                    "no pong to {rid} within {WAIT:?} while expecting no {what}; frames kept: {:?}",
                    self.pending
                ),
            }
        }
    }

    /// The next frame before `deadline` (None when it passes); panics on one matching `pred`
    /// and on the end of the connection.
    async fn next_unexpected(
        &mut self,
        deadline: Instant,
        what: &str,
        pred: &impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        match self.next_frame(deadline).await {
            Frame::Json(v) if pred(&v) => panic!("{what} arrived: {v}"),
            Frame::Json(v) => Some(v),
            Frame::Closed(code, reason) => panic!(
                "connection closed ({code} {reason:?}) while expecting no {what}; frames kept: {:?}",
                self.pending
            ),
            Frame::Timeout => None,
        }
    }

    /// Take every kept frame (and anything that arrives within `wait`).
    pub async fn drain(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        while let Frame::Json(v) = self.next_frame(deadline).await {
            self.pending.push_back(v);
        }
        self.pending.drain(..).collect()
    }

    /// Wait for the server to close the connection; returns (code, reason). Text frames
    /// received meanwhile are kept. 1006 means the TCP connection ended without a close frame.
    pub async fn expect_close(&mut self, wait: Duration) -> (u16, String) {
        let deadline = Instant::now() + wait;
        loop {
            match self.next_frame(deadline).await {
                Frame::Json(v) => self.pending.push_back(v),
                Frame::Closed(code, reason) => return (code, reason),
                Frame::Timeout => panic!(
                    "the server did not close the connection within {wait:?}; frames kept: {:?}",
                    self.pending
                ),
            }
        }
    }

    /// This member's public id (from `welcome.you`).
    pub fn id(&self) -> String {
        self.you["id"].as_str().expect("authenticated").to_string()
    }

    /// Frames received and not yet taken by a wait.
    pub fn kept(&self) -> &VecDeque<Value> {
        &self.pending
    }

    /// Drop the connection without a close handshake (like a train entering a tunnel).
    /// Waits for another member's arrival in this client's room.
    pub async fn recv_member_joined(&mut self, id: &str) -> Value {
        self.recv_where(&format!("member_joined of {id}"), |f| {
            f["type"] == "member_joined" && f["member"]["id"] == id
        })
        .await
    }

    /// Reads until the server pings (text frames are kept for later waits).
    pub async fn sees_ping(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while let Ok(Some(Ok(message))) = timeout(deadline - Instant::now(), self.ws.next()).await {
            match message {
                Message::Ping(_) => return true,
                Message::Text(text) => {
                    self.log.push(text.to_string());
                    self.pending
                        .push_back(serde_json::from_str(&text).expect("JSON"));
                }
                _ => {}
            }
        }
        false
    }

    pub async fn drop_abruptly(self) {
        let stream = self.ws.into_inner();
        drop(stream);
    }

    async fn next_frame(&mut self, deadline: Instant) -> Frame {
        if let Some((code, reason)) = &self.closed {
            return Frame::Closed(*code, reason.clone());
        }
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Frame::Timeout;
            }
            let msg = match timeout(deadline - now, self.ws.next()).await {
                Err(_) => return Frame::Timeout,
                Ok(m) => m,
            };
            match msg {
                Some(Ok(Message::Text(text))) => {
                    self.log.push(text.to_string());
                    let v: Value = serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("server sent non-JSON text {text:?}: {e}"));
                    assert!(v["type"].is_string(), "server frame without a type: {v}");
                    return Frame::Json(v);
                }
                Some(Ok(Message::Binary(b))) => {
                    panic!("server sent a binary frame ({} bytes)", b.len())
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((1005, String::new()));
                    self.closed = Some((code, reason));
                }
                Some(Ok(_)) => {} // ping/pong: tungstenite answers pings itself
                Some(Err(_)) | None => {
                    if self.closed.is_none() {
                        self.closed = Some((1006, String::new()));
                    }
                }
            }
            if let Some((code, reason)) = &self.closed {
                return Frame::Closed(*code, reason.clone());
            }
        }
    }
}

enum Frame {
    Json(Value),
    Closed(u16, String),
    Timeout,
}

/// A room from `welcome.rooms` by kind (the first one).
pub fn room_of_kind(welcome: &Value, kind: &str) -> String {
    welcome["rooms"]
        .as_array()
        .and_then(|rooms| rooms.iter().find(|r| r["kind"] == kind))
        .and_then(|r| r["id"].as_str())
        .unwrap_or_else(|| panic!("no room of kind {kind} in welcome: {welcome}"))
        .to_string()
}

/// Parse an RFC 3339 instant (to compare instants, not spellings).
pub fn instant(s: &str) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("not RFC 3339: {s:?}: {e}"))
}

/// Assert that a JSON value holds an RFC 3339 instant equal to `expected`.
pub fn assert_instant(value: &Value, expected: &str, what: &str) {
    let got = value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: expected an instant, got {value}"));
    assert_eq!(
        instant(got),
        instant(expected),
        "{what}: got {got}, expected {expected}"
    );
}

/// A fresh schema on the test PostgreSQL (`IBASHO_TEST_POSTGRES`, default the machine's):
/// its name, the `--database` URL that points into it, and the connection options. `None`
/// (with the reason printed) when no PostgreSQL answers outside CI; under `CI=true` a
/// missing PostgreSQL fails the test instead of letting it pass silently.
pub async fn postgres_schema(
    prefix: &str,
) -> Option<(String, String, sqlx::postgres::PgConnectOptions)> {
    use sqlx::{ConnectOptions, Connection};
    let url = std::env::var("IBASHO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string());
    let options: sqlx::postgres::PgConnectOptions =
        url.parse().expect("IBASHO_TEST_POSTGRES parses");
    let mut conn = match options.connect().await {
        Ok(conn) => conn,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("PostgreSQL is required under CI=true and did not answer at {url}: {e}")
        }
        Err(e) => {
            eprintln!("skipping: no PostgreSQL at {url} ({e})");
            return None;
        }
    };
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE SCHEMA {name}"))
        .execute(&mut conn)
        .await
        .expect("create schema");
    conn.close().await.ok();
    let separator = if url.contains('?') { '&' } else { '?' };
    let database = format!("{url}{separator}options=-c%20search_path%3D{name}");
    Some((name, database, options))
}

/// `member` asks to talk (今話したい), `counsellor` accepts once the line shows them, and the
/// member goes in: returns the consultation room. Uses request ids `rid` and `rid + 1`.
pub async fn into_consultation(counsellor: &mut Client, member: &mut Client, rid: u64) -> String {
    member.send(json!({"type": "talk_ask", "rid": rid})).await;
    let ack = member
        .recv_where("talk_ask's reply", |f| f["rid"] == rid)
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let id = member.id();
    counsellor
        .recv_where("the member in the line to talk", |f| {
            f["type"] == "talk_line"
                && f["requests"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|r| r["member"]["id"] == id.as_str()))
        })
        .await;
    counsellor
        .send(json!({"type": "talk_accept", "rid": rid + 1, "member": id}))
        .await;
    let ack = counsellor
        .recv_where("talk_accept's reply", |f| f["rid"] == rid + 1)
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let room = member.recv_type("invited").await["room"]
        .as_str()
        .expect("invited.room")
        .to_string();
    member.join(&room).await;
    room
}
