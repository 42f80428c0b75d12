//! Blocks between members, through the real binary: the pair apart see nothing of each other
//! (chat, stamps, presence, status, positions, invitations), the blocked one is never told,
//! an unblock brings them back, and a block outlives reconnecting and a restart. The account
//! page's list of whom one blocked, and lifting a block from it.
#[path = "support/people.rs"]
mod people;
#[path = "support/mod.rs"]
mod support;

use people::{call, person, Person};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use support::{into_consultation, Client, Server, TEST_ROOMS};

/// 11:00 on an open Wednesday of the test space (open 10:00–18:00).
const OPEN: &str = "2026-12-09T11:00:00+09:00";

/// What other tasks may still be about to send when checking that nothing arrives.
const QUIET: Duration = Duration::from_millis(300);

async fn acked(client: &mut Client, message: Value) {
    let reply = client.request(message.clone()).await;
    assert_eq!(reply["type"], "ack", "{message} refused: {reply}");
}

async fn refused(client: &mut Client, message: Value, code: &str) {
    let reply = client.request(message.clone()).await;
    assert_eq!(reply["type"], "error", "{message} accepted: {reply}");
    assert_eq!(reply["code"], code, "{message}: {reply}");
    assert!(
        reply["message"].as_str().is_some_and(|m| !m.is_empty()),
        "an error without words: {reply}"
    );
}

/// Whom a frame is about (`from`, `id` or `member.id`).
fn about(frame: &Value) -> Value {
    [&frame["from"], &frame["id"], &frame["member"]["id"]]
        .into_iter()
        .find(|v| v.is_string())
        .cloned()
        .unwrap_or(Value::Null)
}

/// The next frame of type `ty` about someone else than the client (their own echo aside)
/// must be from `from`: what someone apart sent before it never arrived.
async fn next_is_from(client: &mut Client, ty: &str, from: &str) -> Value {
    let me = client.id();
    let frame = client
        .recv_where(ty, |f| f["type"] == ty && about(f) != me.as_str())
        .await;
    assert_eq!(
        about(&frame),
        from,
        "the next {ty} should be {from}'s: {frame}"
    );
    frame
}

fn ids(members: &Value) -> Vec<String> {
    members
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {members}"))
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_string())
        .collect()
}

fn mentions(frame: &Value, id: &str) -> bool {
    frame.to_string().contains(id)
}

#[tokio::test]
async fn a_block_hides_both_ways_and_an_unblock_brings_them_back() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut a, _) = Client::enter(&server, "participant", "はる", "hiroba").await;
    let (mut b, _) = Client::enter(&server, "participant", "なつ", "hiroba").await;
    let (mut c, _) = Client::enter(&server, "family", "あき", "hiroba").await;
    let (a_id, b_id, c_id) = (a.id(), b.id(), c.id());
    a.recv_member_joined(&c_id).await;
    b.recv_member_joined(&c_id).await;

    acked(&mut a, json!({"type": "block", "rid": 1, "member": b_id})).await;
    // Each vanishes for the other as if they had left; the third sees nothing change.
    a.recv_where("B leaving for A", |f| {
        f["type"] == "member_left" && f["id"] == b_id.as_str()
    })
    .await;
    b.recv_where("A leaving for B", |f| {
        f["type"] == "member_left" && f["id"] == a_id.as_str()
    })
    .await;
    c.expect_nothing(QUIET, "a member leaving", |f| f["type"] == "member_left")
        .await;
    // What came before the block is done with.
    a.drain(Duration::ZERO).await;
    b.drain(Duration::ZERO).await;

    // Chat: B's line never reaches A (C's, sent after it, does), and the other way round.
    acked(&mut b, json!({"type": "chat", "rid": 2, "text": "Bです"})).await;
    acked(&mut c, json!({"type": "chat", "rid": 3, "text": "Cです"})).await;
    next_is_from(&mut a, "chat", &c_id).await;
    acked(&mut a, json!({"type": "chat", "rid": 4, "text": "Aです"})).await;
    acked(&mut c, json!({"type": "chat", "rid": 5, "text": "Cです2"})).await;
    let line = next_is_from(&mut b, "chat", &c_id).await;
    assert_eq!(line["text"], "Cです", "{line}");
    next_is_from(&mut b, "chat", &c_id).await;
    // C sees both.
    next_is_from(&mut c, "chat", &b_id).await;
    next_is_from(&mut c, "chat", &a_id).await;

    // Stamps and status, the same.
    acked(&mut b, json!({"type": "stamp", "rid": 6, "stamp": "wave"})).await;
    acked(
        &mut c,
        json!({"type": "stamp", "rid": 7, "stamp": "thanks"}),
    )
    .await;
    next_is_from(&mut a, "stamp", &c_id).await;
    acked(
        &mut a,
        json!({"type": "status", "rid": 8, "status": "resting"}),
    )
    .await;
    acked(
        &mut c,
        json!({"type": "status", "rid": 9, "status": "resting"}),
    )
    .await;
    next_is_from(&mut b, "member_updated", &c_id).await;

    // Positions: B walks, then C; A sees C move and never B.
    b.send(json!({"type": "move", "x": 30.0, "y": 40.0})).await;
    c.send(json!({"type": "move", "x": 50.0, "y": 60.0})).await;
    a.recv_where("C's move", |f| {
        f["type"] == "positions" && mentions(f, &c_id)
    })
    .await;
    let b_seen = |f: &Value| mentions(f, &b_id) && f["type"] != "pong";
    a.expect_nothing(QUIET, "anything about B", b_seen).await;
    let a_seen = |f: &Value| mentions(f, &a_id) && f["type"] != "pong";
    b.expect_nothing(QUIET, "anything about A", a_seen).await;

    // Presence: B goes out and comes back; A does not see it, and B's room has no A.
    let left = b.request(json!({"type": "leave", "rid": 10})).await;
    assert_eq!(left["type"], "left", "{left}");
    b.send(json!({"type": "join", "rid": 11, "room": "hiroba"}))
        .await;
    let joined = b.recv_reply("joined").await;
    assert_eq!(joined["type"], "joined", "{joined}");
    let members = ids(&joined["members"]);
    assert!(!members.contains(&a_id), "A among B's members: {joined}");
    assert!(members.contains(&c_id), "C missing: {joined}");
    assert!(
        !joined["chat"].to_string().contains(&a_id),
        "A's lines in B's chat: {joined}"
    );
    c.recv_member_joined(&b_id).await;
    a.expect_nothing(QUIET, "anything about B", b_seen).await;

    // The blocked one was never told: nothing B got names a block.
    assert!(
        !b.kept().iter().any(|f| f.to_string().contains("block")),
        "B heard of the block: {:?}",
        b.kept()
    );

    // Unblocked: each comes back for the other, and their lines reach each other again.
    acked(
        &mut a,
        json!({"type": "unblock", "rid": 12, "member": b_id}),
    )
    .await;
    a.recv_member_joined(&b_id).await;
    b.recv_member_joined(&a_id).await;
    acked(
        &mut b,
        json!({"type": "chat", "rid": 13, "text": "また会えたね"}),
    )
    .await;
    a.recv_where("B's line", |f| {
        f["type"] == "chat" && f["from"] == b_id.as_str()
    })
    .await;
}

#[tokio::test]
async fn a_block_holds_after_reconnecting_and_a_restart_and_only_the_blocker_sees_it() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut a, _) = Client::login(&server, "participant", "はる").await;
    let (b, _) = Client::login(&server, "family", "なつ").await;
    let b_id = b.id();
    acked(&mut a, json!({"type": "block", "rid": 1, "member": b_id})).await;
    // Blocking again changes nothing.
    acked(&mut a, json!({"type": "block", "rid": 2, "member": b_id})).await;
    drop((a, b));

    let server = server.restart().await;
    let (mut a, a_welcome) = Client::login(&server, "participant", "はる").await;
    let (mut b, b_welcome) = Client::login(&server, "family", "なつ").await;
    assert_eq!(a_welcome["blocked"], json!([b_id]), "{a_welcome}");
    assert_eq!(b_welcome["blocked"], json!([]), "{b_welcome}");
    let (mut c, _) = Client::enter(&server, "participant", "あき", "hiroba").await;
    let c_id = c.id();
    let joined = a.join("hiroba").await;
    assert!(ids(&joined["members"]).contains(&c_id));
    let joined = b.join("hiroba").await;
    assert!(!ids(&joined["members"]).contains(&a.id()), "{joined}");
    c.recv_member_joined(&b_id).await;
    acked(&mut b, json!({"type": "chat", "rid": 3, "text": "Bです"})).await;
    acked(&mut c, json!({"type": "chat", "rid": 4, "text": "Cです"})).await;
    next_is_from(&mut a, "chat", &c_id).await;
    let b_seen = |f: &Value| mentions(f, &b_id) && f["type"] != "pong";
    a.expect_nothing(QUIET, "anything about B", b_seen).await;
}

#[tokio::test]
async fn staff_cannot_be_blocked_and_mistakes_get_kind_typed_errors() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut p, _) = Client::login(&server, "participant", "はる").await;
    let (mut s, _) = Client::login(&server, "staff", "受付").await;
    let (f, _) = Client::login(&server, "family", "なつ").await;
    let (p_id, s_id) = (p.id(), s.id());
    refused(
        &mut p,
        json!({"type": "block", "rid": 1, "member": s_id}),
        "cannot_block",
    )
    .await;
    refused(
        &mut s,
        json!({"type": "block", "rid": 2, "member": p_id}),
        "cannot_block",
    )
    .await;
    refused(
        &mut p,
        json!({"type": "block", "rid": 3, "member": p_id}),
        "block_self",
    )
    .await;
    refused(
        &mut p,
        json!({"type": "block", "rid": 4, "member": "m_000000000000"}),
        "no_such_member",
    )
    .await;
    refused(
        &mut p,
        json!({"type": "unblock", "rid": 5, "member": "m_000000000000"}),
        "no_such_member",
    )
    .await;
    // Lifting a block that is not there is harmless.
    acked(
        &mut p,
        json!({"type": "unblock", "rid": 6, "member": f.id()}),
    )
    .await;
}

/// The test space with a consultation room.
fn consult_rooms() -> String {
    format!(
        "{TEST_ROOMS}
[[room]]
id = \"consult\"
kind = \"consult\"
name = \"個別相談\"
capacity = 3
pool = 1
"
    )
}

#[tokio::test]
async fn neither_of_a_pair_apart_can_invite_the_other() {
    let server = Server::start(&consult_rooms(), OPEN, 1.0).await;
    let (mut counsellor, _) = Client::login(&server, "counsellor", "相談員 たなか").await;
    let (mut p, _) = Client::login(&server, "participant", "はる").await;
    let (mut f, _) = Client::login(&server, "family", "はるの母").await;
    let (p_id, f_id) = (p.id(), f.id());
    // The family member blocked the participant: the participant cannot bring them in.
    acked(&mut f, json!({"type": "block", "rid": 1, "member": p_id})).await;
    into_consultation(&mut counsellor, &mut p, 2).await;
    refused(
        &mut p,
        json!({"type": "invite", "rid": 4, "member": f_id}),
        "not_present",
    )
    .await;
    f.expect_nothing(QUIET, "an invitation", |f| f["type"] == "invited")
        .await;
    // Lifted, the same invitation goes through.
    acked(&mut f, json!({"type": "unblock", "rid": 5, "member": p_id})).await;
    acked(&mut p, json!({"type": "invite", "rid": 6, "member": f_id})).await;
    f.recv_type("invited").await;
}

/// The person's WebSocket, entered into `room`, with a token from their logged-in browser.
async fn into_space(server: &Server, who: &Person, room: &str) -> Client {
    let (status, body) = call(who.browser.post(server.http_url("/api/token"))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut client = Client::connect(server).await;
    client.auth(body["token"].as_str().expect("token")).await;
    client.join(room).await;
    client
}

#[tokio::test]
async fn the_account_page_lists_whom_one_blocked_and_lifts_a_block_live() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let p = person(&server, &[], "participant", 1, "はる").await;
    let f = person(&server, &[], "family", 2, "なつ").await;
    let s = person(&server, &[], "staff", 3, "受付").await;
    let mut p_ws = into_space(&server, &p, "hiroba").await;
    let mut f_ws = into_space(&server, &f, "hiroba").await;
    p_ws.recv_member_joined(&f.id).await;
    acked(
        &mut p_ws,
        json!({"type": "block", "rid": 1, "member": f.id}),
    )
    .await;
    f_ws.recv_where("the blocker gone", |m| {
        m["type"] == "member_left" && m["id"] == p.id.as_str()
    })
    .await;

    let blocks = |who: &Person| call(who.browser.get(server.http_url("/api/me/blocks")));
    let (status, body) = blocks(&p).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"blocked": [{"id": f.id, "nickname": "なつ", "avatar": {"shape": "fox", "color": "#8fb8de"}}]})
    );
    // Never who blocked you.
    assert_eq!(blocks(&f).await.1, json!({"blocked": []}));
    let (status, _) = call(reqwest::Client::new().get(server.http_url("/api/me/blocks"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let lift = |who: &Person, id: &str| {
        call(
            who.browser
                .delete(server.http_url(&format!("/api/me/blocks/{id}"))),
        )
    };
    assert_eq!(lift(&s, &p.id).await.0, StatusCode::FORBIDDEN);
    assert_eq!(lift(&p, "m_000000000000").await.0, StatusCode::NOT_FOUND);
    let (status, body) = lift(&p, &f.id).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // Both in the room see each other again at once.
    p_ws.recv_member_joined(&f.id).await;
    f_ws.recv_member_joined(&p.id).await;
    assert_eq!(blocks(&p).await.1, json!({"blocked": []}));
}
