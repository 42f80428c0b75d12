//! What the fuzzers in fuzz/ drive (feature `fuzzing`, and unit tests; never the server's
//! build): the frame decoder held to what its answers promise, and a whole space in-process,
//! spoken to through the real router over in-memory WebSockets, for the handling of every
//! client message. The unit tests replay the seed corpus through both.
use crate::auth::Keys;
use crate::config::SpaceConfig;
use crate::hub::limits::{CLOSE_HANDSHAKE, COMEBACK_GRACE, FRAME_BYTES};
use crate::hub::parse_frame as parse;
use crate::hub::protocol::{ErrorCode, Rid, ServerMessage};
use crate::hub::Hub;
use crate::mail::MailSettings;
use crate::media::Media;
use crate::model::{Avatar, NewMember, Role};
use crate::schedule::RehearsalClock;
use crate::store::Store;
use axum::serve::{Listener, ListenerExt};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::DuplexStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// Parses one frame as a session does and checks the promises of the answer: a message keeps
/// the frame's `rid`; a refusal is one of the decoder's error codes, `frame_too_large` exactly
/// when the frame is over the limit, echoes a valid `rid` (also when too large), has a
/// `message` ready to show (no serde text), and is a JSON error a client reads. Panics on a
/// broken promise.
pub fn decode(text: &str) {
    let sent = sent_rid(text);
    let error = match parse(text) {
        Ok(message) => {
            assert_eq!(message.rid(), sent.as_ref(), "rid changed: {text:?}");
            return;
        }
        Err(error) => error,
    };
    let decoder_codes = [
        ErrorCode::BadFrame,
        ErrorCode::UnknownType,
        ErrorCode::BadRequest,
        ErrorCode::FrameTooLarge,
    ];
    assert!(decoder_codes.contains(&error.code), "{error:?}");
    let too_large = text.len() > FRAME_BYTES;
    assert_eq!(
        error.code == ErrorCode::FrameTooLarge,
        too_large,
        "{error:?}"
    );
    if too_large {
        assert_eq!(error.limit, Some(FRAME_BYTES), "{error:?}");
    }
    // A frame over the limit is not parsed: its rid is found by a bounded scan, which a frame
    // naming `rid` more than once (valid JSON, but ambiguous) need not satisfy.
    let one_rid = text.matches("\"rid\"").count() == 1;
    if sent.is_some() && (!too_large || one_rid) {
        assert_eq!(error.rid, sent, "rid not echoed: {text:?}");
    }
    assert!(!error.message.trim().is_empty(), "{error:?}");
    assert!(ready_to_show(&error.message), "not for people: {error:?}");
    let reply: Value = serde_json::from_str(&ServerMessage::Error(*error).to_text())
        .expect("an error reply is JSON");
    assert_eq!(reply["type"], "error", "{reply}");
    assert!(reply["code"].is_string(), "{reply}");
}

/// The frame's top-level `rid`, when it is a valid one.
fn sent_rid(text: &str) -> Option<Rid> {
    let value = serde_json::from_str::<Value>(text).ok()?;
    serde_json::from_value(value.get("rid")?.clone()).ok()
}

/// No Rust or serde wording, which people cannot read.
fn ready_to_show(message: &str) -> bool {
    const SERDE: [&str; 8] = [
        "`",
        "expected ",
        "missing field",
        "unknown field",
        "unknown variant",
        "invalid type",
        "invalid value",
        " at line ",
    ];
    !SERDE.iter().any(|s| message.contains(s))
}

/// The shipped rooms at an open instant: a second Wednesday, 14:05 in Tokyo, when the space
/// and the illustration session are open (for an hour and a half of real time).
const OPEN_AT: &str = "2026-12-09T14:05:00+09:00";
/// Who a visit may come as: one member per role, made at start.
const VISITORS: [(&str, Role); 5] = [
    ("participant", Role::Participant),
    ("family", Role::Family),
    ("staff", Role::Staff),
    ("counsellor", Role::Counsellor),
    ("admin", Role::Admin),
];
/// How long a visit may wait for an answer, and a session for its end, before it is a hang.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
const END_WITHIN: Duration = Duration::from_secs(10);
/// The visit's last request; its answer means every frame before it was handled.
const LAST: &str = "fuzz:last";

/// A space served in-process on a single-threaded runtime; each `visit` is one connection.
pub struct Space {
    runtime: tokio::runtime::Runtime,
    hub: Hub,
    tokens: Vec<(&'static str, String)>,
    doors: mpsc::UnboundedSender<DuplexStream>,
}

impl Space {
    pub fn open() -> Space {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let (hub, tokens, doors) = runtime.block_on(serve());
        Space {
            runtime,
            hub,
            tokens,
            doors,
        }
    }

    /// One connection: the input's first line names who comes (a role; `anon` sends no
    /// `auth` of its own, so the frames may), each other line is one text frame. Then a
    /// `ping`, whose answer (or a close) shows everything was handled, and a normal close.
    /// Panics if the server does not answer or a session does not end in time.
    pub fn visit(&self, input: &[u8]) {
        self.runtime.block_on(self.visit_async(input));
    }

    async fn visit_async(&self, input: &[u8]) {
        let mut lines = input.split(|b| *b == b'\n');
        let who = lines.next().unwrap_or_default();
        let (client, server) = tokio::io::duplex(64 * 1024);
        self.doors.send(server).expect("the space is serving");
        let (mut socket, _) = tokio_tungstenite::client_async("ws://ibasho.fuzz/ws", client)
            .await
            .expect("the WebSocket handshake");
        let token = self.tokens.iter().find(|(role, _)| role.as_bytes() == who);
        if let Some((_, token)) = token {
            let auth = serde_json::json!({ "type": "auth", "token": token }).to_string();
            socket.send(Message::text(auth)).await.expect("send auth");
            // The welcome (or a refusal and close) before anything else.
            let _ = tokio::time::timeout(ANSWER_WITHIN, socket.next())
                .await
                .expect("an answer to auth");
        }
        let last = serde_json::json!({ "type": "ping", "rid": LAST }).to_string();
        let frames = lines
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .chain([last]);
        let sent = tokio::time::timeout(ANSWER_WITHIN, async {
            for frame in frames {
                // The server may have closed (a refusal, too many rejects): that is an answer.
                if socket.send(Message::text(frame)).await.is_err() {
                    break;
                }
            }
        })
        .await;
        assert!(sent.is_ok(), "frames not read within {ANSWER_WITHIN:?}");
        let answered = tokio::time::timeout(ANSWER_WITHIN, async {
            while let Some(Ok(message)) = socket.next().await {
                match message {
                    Message::Text(text) if text.contains(LAST) => return,
                    Message::Close(_) => return,
                    _ => {}
                }
            }
        })
        .await;
        assert!(answered.is_ok(), "no answer within {ANSWER_WITHIN:?}");
        let _ = socket.close(None).await;
        let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async {
            while let Some(Ok(_)) = socket.next().await {}
        })
        .await;
        drop(socket);
        self.ended().await;
    }

    /// Waits until every session has ended (left its room and the registry).
    async fn ended(&self) {
        let started = Instant::now();
        let mut spins = 0u32;
        while !self.hub.is_idle() {
            let waited = started.elapsed();
            assert!(
                waited < END_WITHIN + COMEBACK_GRACE,
                "a session did not end within {waited:?}"
            );
            // Most sessions end within a few turns of the runtime; the store works on its own thread.
            spins += 1;
            if spins < 200 {
                tokio::task::yield_now().await;
            } else {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
}

/// Builds the space as `app::build` does (in-memory store, rehearsal clock, loopback media)
/// and serves the real router on connections handed over the returned sender.
async fn serve() -> (
    Hub,
    Vec<(&'static str, String)>,
    mpsc::UnboundedSender<DuplexStream>,
) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut space = SpaceConfig::load(&repo.join("rooms.toml")).expect("the shipped rooms");
    // Fuzzed participants come in without anyone on duty.
    space.safety.min_on_duty = 0;
    let space = Arc::new(space);
    let schedule = Arc::new(space.schedule());
    let start = chrono::DateTime::parse_from_rfc3339(OPEN_AT).expect("an instant");
    let clock = Arc::new(RehearsalClock::new(start.to_utc(), 1.0));
    let keys = Arc::new(Keys::from_secret(b"ibasho fuzzing, not a real key: 32"));
    let store = Arc::new(Store::sqlite_in_memory().await.expect("a store"));
    let mut tokens = Vec::new();
    for (name, role) in VISITORS {
        let member = store
            .create_member(NewMember {
                nickname: name.to_string(),
                avatar: Avatar::default(),
                role,
                group: None,
            })
            .await
            .expect("a member");
        let token = keys
            .issue(&member.account, role, Duration::from_secs(7 * 24 * 3600))
            .expect("a token");
        tokens.push((name, token));
    }
    let data = std::env::temp_dir().join(format!("ibasho-fuzz-{}", std::process::id()));
    let mail = MailSettings {
        from: "fuzz@ibasho.invalid".to_string(),
        smtp: None,
    };
    let accounts = crate::app::accounts(
        &space,
        store.clone(),
        keys.clone(),
        &data,
        "http://ibasho.fuzz",
        &mail,
        None,
    )
    .expect("accounts");
    std::fs::create_dir_all(&data).expect("a data directory");
    let notes = crate::app::notes(store.clone(), &data, None).expect("the notes key");
    let consents = crate::consult::Consents::new(store.clone(), notes.clone());
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let (media, speaking) = Media::bind(loopback, None, None).expect("a media socket");
    let hub = Hub::new(
        space.clone(),
        schedule.clone(),
        clock.clone(),
        store.clone(),
        keys,
        media,
        1024,
        None,
    );
    tokio::spawn(hub.clone().relay_speaking(speaking));
    tokio::spawn(crate::hub::run_doorkeeper(hub.clone()));
    tokio::spawn(crate::hub::keep_listings(hub.clone()));
    let bookings = crate::consult::booking::Bookings::new(
        store,
        schedule.clone(),
        clock.clone(),
        hub.clone(),
        accounts.clone(),
    );
    let state = crate::http::AppState {
        hub: hub.clone(),
        accounts,
        bookings,
        trusted_proxies: Arc::from([]),
        space,
        schedule,
        clock,
        notes,
        consents,
    };
    let page = crate::http::PagePolicy::new("http://ibasho.fuzz", [], []);
    let limits = crate::http::HttpLimits::default();
    // What the accept loop (http::serve) gives every request, for in-memory connections.
    let router = crate::http::router(state, &limits, page, repo.join("web-client"))
        .layer(axum::Extension(crate::http::Pending::uncounted()))
        .into_make_service_with_connect_info::<SocketAddr>();
    let (doors, arrivals) = mpsc::unbounded_channel();
    let listener = Arrivals(arrivals).tap_io(|_: &mut DuplexStream| {});
    tokio::spawn(async move { axum::serve(listener, router).await });
    (hub, tokens, doors)
}

/// In-memory connections, as a listener hands out TCP ones.
struct Arrivals(mpsc::UnboundedReceiver<DuplexStream>);

impl Listener for Arrivals {
    type Io = DuplexStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (DuplexStream, SocketAddr) {
        match self.0.recv().await {
            Some(io) => (io, SocketAddr::from(([127, 0, 0, 1], 1))),
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(SocketAddr::from(([127, 0, 0, 1], 0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decoder_keeps_its_promises_on_the_seeds() {
        for seed in seeds("decode") {
            decode(&String::from_utf8_lossy(&seed));
        }
    }

    #[test]
    fn the_space_handles_the_seeds() {
        let space = Space::open();
        for seed in seeds("handle") {
            space.visit(&seed);
        }
    }

    fn seeds(target: &str) -> Vec<Vec<u8>> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/corpus")
            .join(target);
        let entries = std::fs::read_dir(&dir).expect("the fuzz corpus");
        let seeds: Vec<_> = entries
            .map(|e| std::fs::read(e.expect("an entry").path()).expect("a seed"))
            .collect();
        assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
        seeds
    }
}
