//! Bad input, floods, authentication failures, room rules, privacy, shutdown and a bad rooms
//! file: the server answers with typed errors, keeps what it accepted, and shows nobody more
//! than a member view.
#[path = "support/mod.rs"]
mod support;

use base64::Engine;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use support::{jwt_claims, Client, Server, TEST_ROOMS, WAIT};
use tokio_tungstenite::tungstenite::Message;

const OPEN: &str = "2026-12-09T11:00:00+09:00";

async fn open_server() -> Server {
    Server::start(TEST_ROOMS, OPEN, 1.0).await
}

async fn assert_still_usable(client: &mut Client, rid: u64) {
    client.send(json!({"type": "ping", "rid": rid})).await;
    let pong = client.recv_reply("pong").await;
    assert_eq!(pong["type"], "pong", "connection no longer usable: {pong}");
    assert_eq!(pong["rid"], rid);
}

#[tokio::test]
async fn bad_frames_get_typed_errors_and_the_connection_lives_on() {
    let server = open_server().await;
    let (mut c, _) = Client::enter(&server, "participant", "ためし", "hiroba").await;
    let cases: &[(&str, &str)] = &[
        ("this is not json {", "bad_frame"),
        (r#"{"type":"dance","rid":7}"#, "unknown_type"),
        (r#"{"rid":8,"text":"no type"}"#, "unknown_type"),
        (r#"{"type":"chat","rid":9}"#, "bad_request"),
        (r#"{"type":"ping","rid":10,"colour":"red"}"#, "bad_request"),
        (
            r#"{"type":"status","rid":11,"status":"dancing"}"#,
            "bad_request",
        ),
        (r#"{"type":"join"}"#, "bad_request"),
    ];
    for (frame, code) in cases {
        c.send_text(*frame).await;
        let error = c.recv_type("error").await;
        assert_eq!(error["code"], *code, "for {frame}: {error}");
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{error}"
        );
    }
    c.send_raw(Message::binary(vec![1u8, 2, 3]))
        .await
        .expect("send binary");
    c.recv_error("bad_frame").await;
    assert_still_usable(&mut c, 12).await;
}

#[tokio::test]
async fn a_large_text_frame_is_refused_and_a_huge_one_closes_with_1009() {
    let server = open_server().await;
    let (mut c, welcome) = Client::login(&server, "participant", "おおきい").await;
    assert_eq!(
        welcome["limits"]["frame_bytes"],
        16 * 1024,
        "documented frame limit"
    );
    // 20 KiB: over the 16 KiB protocol limit, under the 64 KiB transport limit.
    let large = json!({"type": "ping", "rid": 1, "pad": "x".repeat(20 * 1024)}).to_string();
    c.send_text(large).await;
    let error = c.recv_error("frame_too_large").await;
    assert_eq!(
        error["limit"],
        16 * 1024,
        "frame_too_large names the limit: {error}"
    );
    assert_still_usable(&mut c, 2).await;

    let huge = json!({"type": "ping", "rid": 3, "pad": "x".repeat(70 * 1024)}).to_string();
    let _ = c.send_raw(Message::text(huge)).await; // the server may close while we write
    let (code, _) = c.expect_close(WAIT).await;
    assert_eq!(code, 1009, "close code for a frame over 64 KiB");
}

#[tokio::test]
async fn chat_length_and_emptiness_are_checked_in_characters() {
    let server = open_server().await;
    let (mut c, _) = Client::login(&server, "participant", "ながい").await;
    c.send(json!({"type": "chat", "rid": 1, "text": "まだ部屋の外"}))
        .await;
    c.recv_error("not_in_room").await;
    c.join("hiroba").await;

    // 500 characters (1500 bytes in UTF-8) is exactly the limit.
    c.send(json!({"type": "chat", "rid": 2, "text": "あ".repeat(500)}))
        .await;
    let ack = c.recv_reply("ack").await;
    assert_eq!(ack["type"], "ack", "500 characters must be accepted: {ack}");
    c.send(json!({"type": "chat", "rid": 3, "text": "あ".repeat(501)}))
        .await;
    let error = c.recv_error("chat_too_long").await;
    assert_eq!(error["rid"], 3);
    if let Some(limit) = error.get("limit") {
        assert_eq!(limit, 500, "{error}");
    }
    c.send(json!({"type": "chat", "rid": 4, "text": ""})).await;
    let error = c.recv_error("chat_empty").await;
    assert_eq!(error["rid"], 4);
}

#[tokio::test]
async fn a_chat_flood_is_rate_limited_and_nothing_accepted_is_lost() {
    let server = open_server().await;
    let (mut a, _) = Client::enter(&server, "participant", "いそぎ", "hiroba").await;
    let (mut b, _) = Client::enter(&server, "participant", "ゆっくり", "hiroba").await;
    let a_id = a.id();
    let n = 20u64;
    for rid in 1..=n {
        a.send(json!({"type": "chat", "rid": rid, "text": format!("flood {rid}")}))
            .await;
    }
    // Exactly one reply per request: an ack with a seq, or rate_limited with a retry hint.
    let mut accepted: BTreeMap<u64, String> = BTreeMap::new(); // seq → text
    let mut limited = 0;
    let mut answered = BTreeSet::new();
    while answered.len() < n as usize {
        let reply = a
            .recv_where("ack or error", |f| {
                f["type"] == "ack" || f["type"] == "error"
            })
            .await;
        let rid = reply["rid"]
            .as_u64()
            .unwrap_or_else(|| panic!("reply without rid: {reply}"));
        assert!(answered.insert(rid), "two replies for rid {rid}");
        if reply["type"] == "ack" {
            accepted.insert(
                reply["seq"].as_u64().expect("ack.seq"),
                format!("flood {rid}"),
            );
        } else {
            assert_eq!(reply["code"], "rate_limited", "{reply}");
            assert!(
                reply["retry_after_ms"].as_u64().is_some_and(|ms| ms > 0),
                "{reply}"
            );
            limited += 1;
        }
    }
    assert!(
        limited > 0,
        "{n} chat lines at once were all accepted: no rate limit"
    );
    assert!(!accepted.is_empty(), "the burst allowance accepted nothing");

    // B receives every accepted line, in seq order, and no refused one.
    let mut seen: BTreeMap<u64, String> = BTreeMap::new();
    while seen.len() < accepted.len() {
        let line = b
            .recv_where("A's chat", |f| {
                f["type"] == "chat" && f["from"] == a_id.as_str()
            })
            .await;
        let seq = line["seq"].as_u64().expect("chat.seq");
        if let Some(last) = seen.keys().next_back() {
            assert!(seq > *last, "chat out of order: {seq} after {last}");
        }
        seen.insert(seq, line["text"].as_str().unwrap_or_default().to_string());
    }
    assert_eq!(seen, accepted, "B must see exactly the accepted lines");
    b.expect_nothing(
        Duration::from_millis(500),
        "a chat line that A was told was refused",
        |f| f["type"] == "chat" && f["from"] == a_id.as_str(),
    )
    .await;
}

#[tokio::test]
async fn a_sustained_flood_of_bad_frames_closes_with_4005() {
    let server = open_server().await;
    let (mut c, _) = Client::login(&server, "participant", "あらし").await;
    for _ in 0..200 {
        if c.send_raw(Message::text("garbage")).await.is_err() {
            break;
        }
    }
    let (code, _) = c.expect_close(WAIT).await;
    assert_eq!(code, 4005, "close code for a flood of rejected frames");
    assert!(
        c.kept().iter().any(|f| f["code"] == "bad_frame"),
        "typed errors came first"
    );
}

#[tokio::test]
async fn no_auth_within_ten_seconds_closes_with_4000() {
    let server = open_server().await;
    let mut c = Client::connect(&server).await;
    let (code, _) = c.expect_close(Duration::from_secs(20)).await;
    assert_eq!(code, 4000, "close code for a missing auth");
}

#[tokio::test]
async fn messages_before_auth_are_refused_and_auth_still_works() {
    let server = open_server().await;
    let token = server.token("participant", "せっかち").await;
    let mut c = Client::connect(&server).await;
    c.send(json!({"type": "join", "rid": 1, "room": "hiroba"}))
        .await;
    let error = c.recv_error("not_authenticated").await;
    assert_eq!(error["rid"], 1);
    c.auth(&token).await;
    c.send(json!({"type": "auth", "rid": 2, "token": token}))
        .await;
    c.recv_error("already_authenticated").await;
    c.join("hiroba").await;
}

#[tokio::test]
async fn a_garbage_token_is_refused_with_4001() {
    let server = open_server().await;
    let mut c = Client::connect(&server).await;
    c.send(json!({"type": "auth", "token": "not-a-token"}))
        .await;
    c.recv_error("token_invalid").await;
    let (code, _) = c.expect_close(WAIT).await;
    assert_eq!(code, 4001);
}

#[tokio::test]
async fn a_token_with_a_forged_role_is_refused_with_4001() {
    let server = open_server().await;
    let token = server.token("participant", "なりすまし").await;
    let mut claims = jwt_claims(&token);
    claims["role"] = json!("admin");
    let parts: Vec<&str> = token.split('.').collect();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    let forged = format!("{}.{}.{}", parts[0], payload, parts[2]);
    let mut c = Client::connect(&server).await;
    c.send(json!({"type": "auth", "token": forged})).await;
    c.recv_error("token_invalid").await;
    let (code, _) = c.expect_close(WAIT).await;
    assert_eq!(code, 4001);
}

#[tokio::test]
async fn room_rules_unknown_staff_only_and_full() {
    let server = open_server().await;
    let (mut p, _) = Client::login(&server, "participant", "たんけん").await;
    p.send(json!({"type": "join", "rid": 1, "room": "no-such-room"}))
        .await;
    assert_eq!(p.recv_error("unknown_room").await["rid"], 1);
    p.send(json!({"type": "join", "rid": 2, "room": "staff"}))
        .await;
    assert_eq!(p.recv_error("not_allowed").await["rid"], 2);
    let (_s, _) = Client::enter(&server, "staff", "スタッフ", "staff").await;

    // `tiny` holds two.
    let (_one, _) = Client::enter(&server, "participant", "ひとり", "tiny").await;
    let (_two, _) = Client::enter(&server, "participant", "ふたり", "tiny").await;
    p.send(json!({"type": "join", "rid": 3, "room": "tiny"}))
        .await;
    assert_eq!(p.recv_error("room_full").await["rid"], 3);
    assert_still_usable(&mut p, 4).await;
}

/// Keys that would reveal who someone is beyond their member view.
const FORBIDDEN_KEYS: &[&str] = &[
    "sub",
    "account",
    "account_id",
    "email",
    "mail",
    "ip",
    "addr",
    "address",
    "token",
    "role",
    "password",
    "passphrase",
    "jwt",
];
const MEMBER_VIEW_FIELDS: &[&str] = &["id", "nickname", "avatar", "badge", "status", "pos"];

fn check_keys(value: &Value, path: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                assert!(
                    !FORBIDDEN_KEYS.contains(&key.to_lowercase().as_str()),
                    "field `{path}.{key}` must not reach other members"
                );
                check_keys(v, &format!("{path}.{key}"));
            }
        }
        Value::Array(items) => items.iter().for_each(|v| check_keys(v, path)),
        _ => {}
    }
}

fn check_member_view(member: &Value, frame: &Value) {
    let map = member
        .as_object()
        .unwrap_or_else(|| panic!("member view not an object in {frame}"));
    for key in map.keys() {
        assert!(
            MEMBER_VIEW_FIELDS.contains(&key.as_str()),
            "member view field `{key}` in {frame}"
        );
    }
    if let Some(avatar) = map.get("avatar").and_then(Value::as_object) {
        for key in avatar.keys() {
            assert!(
                ["shape", "color"].contains(&key.as_str()),
                "avatar field `{key}` in {frame}"
            );
        }
    }
}

#[tokio::test]
async fn a_participant_never_receives_anything_beyond_member_views() {
    let server = open_server().await;
    let p_token = server.token("participant", "みている").await;
    let mut p = Client::connect(&server).await;
    p.auth(&p_token).await;
    p.join("hiroba").await;

    let mut others = Vec::new();
    for (role, nickname) in [
        ("participant", "となり"),
        ("family", "おや"),
        ("staff", "スタッフ"),
    ] {
        let token = server.token(role, nickname).await;
        let mut c = Client::connect(&server).await;
        c.auth(&token).await;
        c.join("hiroba").await;
        others.push((token, c));
    }
    for (i, (_, c)) in others.iter_mut().enumerate() {
        c.send(json!({"type": "chat", "rid": 1, "text": format!("こんにちは {i}")}))
            .await;
        c.send(json!({"type": "stamp", "rid": 2, "stamp": "heart"}))
            .await;
        c.send(json!({"type": "status", "rid": 3, "status": "resting"}))
            .await;
        c.send(json!({"type": "avatar", "rid": 4, "avatar": {"shape": "fox", "color": "#8fb8de"}}))
            .await;
        c.send(json!({"type": "move", "x": 10.0 + i as f64, "y": 20.0}))
            .await;
    }
    // The account ids and tokens of the others, which P must never see.
    let mut secrets = Vec::new();
    for (token, _) in &others {
        let sub = jwt_claims(token)["sub"]
            .as_str()
            .expect("the JWT carries the account id as `sub`")
            .to_string();
        secrets.push(sub);
        secrets.push(token.clone());
    }
    let (_, mut leaver) = others.remove(0);
    leaver.send(json!({"type": "leave", "rid": 5})).await;
    leaver.recv_type("left").await;
    // Everything P receives meanwhile, until the last chat line and a little beyond.
    p.recv_where("the staff's chat", |f| {
        f["type"] == "chat" && f["text"] == "こんにちは 2"
    })
    .await;
    p.expect_nothing(Duration::from_millis(800), "a frame with a secret", |f| {
        let raw = f.to_string();
        secrets.iter().any(|secret| raw.contains(secret.as_str()))
    })
    .await;

    assert!(p.log.len() >= 10, "too few frames to judge: {:?}", p.log);
    for raw in &p.log {
        for secret in &secrets {
            assert!(
                !raw.contains(secret.as_str()),
                "a frame carries another member's token or account id: {raw}"
            );
        }
        let frame: Value = serde_json::from_str(raw).unwrap();
        check_keys(&frame, "");
        let views: Vec<&Value> = match frame["type"].as_str() {
            Some("welcome") => vec![&frame["you"]],
            Some("joined") => frame["members"]
                .as_array()
                .map(|m| m.iter().collect())
                .unwrap_or_default(),
            Some("member_joined") | Some("member_updated") => vec![&frame["member"]],
            Some("invited") => vec![&frame["by"]],
            _ => vec![],
        };
        for view in views {
            check_member_view(view, &frame);
        }
        let allowed: Option<&[&str]> = match frame["type"].as_str() {
            Some("chat") => Some(&["type", "room", "seq", "from", "nickname", "text", "at"]),
            Some("stamp") => Some(&["type", "room", "seq", "from", "stamp"]),
            Some("member_left") => Some(&["type", "room", "seq", "id"]),
            Some("member_joined") | Some("member_updated") => {
                Some(&["type", "room", "seq", "member"])
            }
            _ => None,
        };
        if let Some(allowed) = allowed {
            for key in frame.as_object().unwrap().keys() {
                assert!(
                    allowed.contains(&key.as_str()),
                    "undocumented field `{key}` in {frame}"
                );
            }
        }
        if frame["type"] == "positions" {
            for m in frame["moves"].as_array().expect("moves") {
                for key in m.as_object().unwrap().keys() {
                    assert!(
                        ["id", "x", "y"].contains(&key.as_str()),
                        "position field `{key}` in {frame}"
                    );
                }
            }
        }
    }
    // Participants and family members are indistinguishable: neither carries a badge.
    for raw in &p.log {
        let frame: Value = serde_json::from_str(raw).unwrap();
        if frame["type"] == "member_joined" {
            let badge = &frame["member"]["badge"];
            match frame["member"]["nickname"].as_str() {
                Some("スタッフ") => assert_eq!(badge, "staff", "{frame}"),
                _ => assert!(
                    badge.is_null(),
                    "a participant or family member shows a badge: {frame}"
                ),
            }
        }
    }
}

#[tokio::test]
async fn sigterm_says_goodbye_closes_with_1001_and_exits_0() {
    let mut server = open_server().await;
    let (mut p, _) = Client::enter(&server, "participant", "またね", "hiroba").await;
    let (mut s, _) = Client::login(&server, "staff", "当番").await;
    server.terminate();
    for (who, c) in [("participant", &mut p), ("staff", &mut s)] {
        let goodbye = c.recv_type("goodbye").await;
        assert_eq!(goodbye["reason"], "shutdown", "{who}: {goodbye}");
        assert!(
            goodbye["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{who}: {goodbye}"
        );
        let (code, _) = c.expect_close(WAIT).await;
        assert_eq!(code, 1001, "{who}: close code at shutdown");
    }
    let status = server.wait_exit().await;
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

/// `rooms.toml:LINE:COL: message` somewhere in stderr.
fn assert_points_at(stderr: &str, line: usize) {
    let needle = format!("rooms.toml:{line}:");
    let found = stderr.match_indices(&needle).any(|(i, _)| {
        let rest = &stderr[i + needle.len()..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && rest[digits..].starts_with(": ")
    });
    assert!(
        found,
        "stderr should contain `rooms.toml:{line}:COL: …`, got:\n{stderr}"
    );
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle in text")
        + 1
}

#[tokio::test]
async fn a_bad_rooms_file_stops_the_server_with_line_and_column() {
    // A TOML syntax error.
    let broken = TEST_ROOMS.replace("capacity = 50", "capacity = fifty");
    let (status, stdout, stderr) = Server::start_expecting_failure(&broken).await;
    assert!(
        !status.success(),
        "exit status for a broken rooms file: {status}"
    );
    assert!(!stdout.contains("listening"), "{stdout}");
    assert_points_at(&stderr, line_of(&broken, "capacity = fifty"));

    // Valid TOML, impossible schedule: an opening ending at 25:00.
    let impossible = TEST_ROOMS.replacen("end = \"18:00\"", "end = \"25:00\"", 1);
    let (status, _, stderr) = Server::start_expecting_failure(&impossible).await;
    assert!(
        !status.success(),
        "exit status for an impossible opening: {status}"
    );
    assert_points_at(&stderr, line_of(&impossible, "25:00"));

    // An unknown room kind.
    let unknown = TEST_ROOMS.replace("kind = \"gallery\"", "kind = \"party\"");
    let (status, _, stderr) = Server::start_expecting_failure(&unknown).await;
    assert!(
        !status.success(),
        "exit status for an unknown room kind: {status}"
    );
    assert_points_at(&stderr, line_of(&unknown, "party"));
}
