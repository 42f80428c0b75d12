//! Consultation rooms (個別相談): invisible to participants, entered only by invitation, private
//! to the people inside, and allowed to run on past closing for the grace period.
#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::Duration;
use support::{assert_instant, Client, Server, TEST_ROOMS, WAIT};

/// 11:00 on an open Wednesday of the test space (open 10:00–18:00).
const OPEN: &str = "2026-12-09T11:00:00+09:00";

/// The test space with a consultation pool `consult` of two rooms for up to three people (so
/// a refusal is about the invitation, never about capacity) and a 2-minute grace period.
fn consult_rooms() -> String {
    let with_grace = TEST_ROOMS.replacen(
        "closing_notices = [10, 5, 1]\n",
        "closing_notices = [10, 5, 1]\nconsult_grace_minutes = 2\n",
        1,
    );
    assert_ne!(
        with_grace, TEST_ROOMS,
        "TEST_ROOMS changed: add the grace key"
    );
    format!(
        "{with_grace}
[[room]]
id = \"consult\"
kind = \"consult\"
name = \"個別相談\"
capacity = 3
pool = 2
"
    )
}

fn room_ids(welcome: &Value) -> Vec<String> {
    welcome["rooms"]
        .as_array()
        .unwrap_or_else(|| panic!("welcome.rooms: {welcome}"))
        .iter()
        .map(|r| r["id"].as_str().expect("room id").to_string())
        .collect()
}

async fn expect_refused(client: &mut Client, message: Value, code: &str) -> Value {
    let reply = client.request(message.clone()).await;
    assert_eq!(reply["type"], "error", "{message} was accepted: {reply}");
    assert_eq!(reply["code"], code, "{message}: {reply}");
    assert!(
        reply["message"].as_str().is_some_and(|m| !m.is_empty()),
        "error without a message: {reply}"
    );
    reply
}

/// The counsellor in `room` invites `guest`; returns the `invited` the guest got.
async fn invite(counsellor: &mut Client, guest: &mut Client, room: &str, rid: u64) -> Value {
    let ack = counsellor
        .request(json!({"type": "invite", "rid": rid, "member": guest.id()}))
        .await;
    assert_eq!(ack["type"], "ack", "invite refused: {ack}");
    assert_eq!(ack["rid"], rid, "{ack}");
    assert!(ack.get("seq").is_none(), "an invite ack has no seq: {ack}");
    let invited = guest.recv_type("invited").await;
    assert_eq!(invited["room"], room, "{invited}");
    invited
}

#[tokio::test]
async fn consultation_rooms_are_listed_only_for_counsellors_and_closed_to_the_uninvited() {
    let server = Server::start(&consult_rooms(), OPEN, 1.0).await;
    let (mut p, p_welcome) = Client::login(&server, "participant", "ひとり").await;
    let p_rooms = room_ids(&p_welcome);
    assert!(
        p_welcome["rooms"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["kind"] != "consult" && !r["id"].as_str().unwrap().starts_with("consult")),
        "a participant sees consultation rooms: {p_rooms:?}"
    );
    let (_c, c_welcome) = Client::login(&server, "counsellor", "相談員 たなか").await;
    let c_consult: Vec<&Value> = c_welcome["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "consult")
        .collect();
    let ids: Vec<&str> = c_consult
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["consult-1", "consult-2"],
        "a counsellor sees the pool: {c_welcome}"
    );
    for room in ["consult-1", "consult-2"] {
        expect_refused(
            &mut p,
            json!({"type": "join", "rid": room, "room": room}),
            "not_allowed",
        )
        .await;
    }
    // A refused join leaves the connection usable.
    p.join("hiroba").await;
}

#[tokio::test]
async fn an_invited_participant_consults_privately_and_nobody_else_gets_in() {
    let server = Server::start(&consult_rooms(), OPEN, 1.0).await;
    let (mut third, _) = Client::enter(&server, "participant", "よそのひと", "hiroba").await;
    let (mut p, _) = Client::enter(&server, "participant", "そうだんしたい", "hiroba").await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 たなか").await;
    let c_joined = c.join("consult-1").await;
    assert_eq!(c_joined["members"].as_array().map(Vec::len), Some(1));

    let invited = invite(&mut c, &mut p, "consult-1", 1).await;
    let by = &invited["by"];
    assert_eq!(by["id"], c.id().as_str(), "{invited}");
    assert_eq!(by["nickname"], "相談員 たなか", "{invited}");
    assert_eq!(by["badge"], "counsellor", "{invited}");
    assert_eq!(by["avatar"], c.you["avatar"], "{invited}");
    assert!(by["status"].is_string(), "{invited}");
    assert!(invited.get("rid").is_none(), "{invited}");

    // The participant goes in: both see each other.
    let p_joined = p.join("consult-1").await;
    let members: Vec<&str> = p_joined["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(
        members.contains(&c.id().as_str()) && members.contains(&p.id().as_str()),
        "joined.members {members:?}"
    );
    let arrival = c
        .recv_where("member_joined of the participant", |f| {
            f["type"] == "member_joined" && f["member"]["id"] == p.id().as_str()
        })
        .await;
    assert_eq!(arrival["room"], "consult-1");
    // They left the free space for the consultation.
    p.recv_where("left hiroba", |f| {
        f["type"] == "left" && f["room"] == "hiroba"
    })
    .await;

    // Chat both ways.
    let secret_p = "じつは最近ねむれなくて";
    let secret_c = "お話ししてくれてありがとうございます";
    let ack = p
        .request(json!({"type": "chat", "rid": 2, "text": secret_p}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let line = c
        .recv_where("the participant's line", |f| {
            f["type"] == "chat" && f["text"] == secret_p
        })
        .await;
    assert_eq!(line["room"], "consult-1");
    assert_eq!(line["from"], p.id().as_str());
    let ack = c
        .request(json!({"type": "chat", "rid": 3, "text": secret_c}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    p.recv_where("the counsellor's line", |f| {
        f["type"] == "chat" && f["text"] == secret_c
    })
    .await;

    // A third participant cannot get in (capacity 3: the refusal is about the invitation).
    expect_refused(
        &mut third,
        json!({"type": "join", "rid": 40, "room": "consult-1"}),
        "not_allowed",
    )
    .await;
    // … nor into the other room of the pool.
    expect_refused(
        &mut third,
        json!({"type": "join", "rid": 41, "room": "consult-2"}),
        "not_allowed",
    )
    .await;
    // More is said inside while the third is still connected.
    let ack = p
        .request(json!({"type": "chat", "rid": 4, "text": secret_p}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    c.recv_where("the second line", |f| {
        f["type"] == "chat" && f["seq"] == ack["seq"]
    })
    .await;

    // The third member saw nothing of it: no chat text, no frame naming the room, except the
    // replies to their own two join attempts (which must not carry the chat either).
    third
        .expect_nothing(Duration::from_millis(500), "the consultation's chat", |f| {
            let raw = f.to_string();
            raw.contains(secret_p) || raw.contains(secret_c)
        })
        .await;
    assert!(
        third
            .log
            .iter()
            .all(|raw| !raw.contains(secret_p) && !raw.contains(secret_c)),
        "the consultation's chat reached an outsider: {:?}",
        third.log
    );
    for raw in &third.log {
        let frame: Value = serde_json::from_str(raw).unwrap();
        let own_reply = frame["rid"] == 40 || frame["rid"] == 41;
        assert!(
            own_reply || !raw.contains("consult"),
            "an outsider received a frame about the consultation: {raw}"
        );
    }
}

#[tokio::test]
async fn invite_is_only_for_a_counsellor_in_a_consultation_room_and_a_present_member() {
    let server = Server::start(&consult_rooms(), OPEN, 1.0).await;
    let (mut p, _) = Client::enter(&server, "participant", "まねく", "hiroba").await;
    let (mut other, _) = Client::enter(&server, "participant", "まねかれる", "hiroba").await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 さとう").await;
    let (mut staff, _) = Client::enter(&server, "staff", "受付", "hiroba").await;

    // A participant has no consultation grant (in a room or not).
    expect_refused(
        &mut p,
        json!({"type": "invite", "rid": 1, "member": other.id()}),
        "not_allowed",
    )
    .await;
    // Staff do not take consultations either.
    expect_refused(
        &mut staff,
        json!({"type": "invite", "rid": 2, "member": other.id()}),
        "not_allowed",
    )
    .await;
    // A counsellor in no room: not_in_room.
    expect_refused(
        &mut c,
        json!({"type": "invite", "rid": 3, "member": other.id()}),
        "not_in_room",
    )
    .await;
    // A counsellor in the free space: not a consultation room.
    c.join("hiroba").await;
    expect_refused(
        &mut c,
        json!({"type": "invite", "rid": 4, "member": other.id()}),
        "not_allowed",
    )
    .await;
    // Nobody was invited by any of that.
    expect_refused(
        &mut other,
        json!({"type": "join", "rid": 5, "room": "consult-1"}),
        "not_allowed",
    )
    .await;

    // In a consultation room: an id nobody has, and a member who has gone, are not present.
    c.join("consult-1").await;
    expect_refused(
        &mut c,
        json!({"type": "invite", "rid": 6, "member": "m_000000000000"}),
        "not_present",
    )
    .await;
    let gone = p.id();
    p.drop_abruptly().await;
    // Once the dropped member's grace is over the hiroba sees them leave: then they are gone.
    other
        .recv_where("member_left of the dropped member", |f| {
            f["type"] == "member_left" && f["id"] == gone.as_str()
        })
        .await;
    expect_refused(
        &mut c,
        json!({"type": "invite", "rid": 7, "member": gone}),
        "not_present",
    )
    .await;
    other
        .expect_nothing(
            Duration::from_millis(300),
            "an invitation that nobody sent",
            |f| f["type"] == "invited",
        )
        .await;
}

#[tokio::test]
async fn an_invitation_is_used_once() {
    let server = Server::start(&consult_rooms(), OPEN, 1.0).await;
    let (mut p, _) = Client::enter(&server, "participant", "いちどだけ", "hiroba").await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 すずき").await;
    c.join("consult-2").await;
    invite(&mut c, &mut p, "consult-2", 1).await;
    p.join("consult-2").await;
    // Back to the free space by joining it …
    p.join("hiroba").await;
    expect_refused(
        &mut p,
        json!({"type": "join", "rid": 10, "room": "consult-2"}),
        "not_allowed",
    )
    .await;

    // … and by `leave`: a fresh invitation, used, then gone again.
    invite(&mut c, &mut p, "consult-2", 2).await;
    p.join("consult-2").await;
    let left = p.request(json!({"type": "leave", "rid": 11})).await;
    assert_eq!(left["type"], "left", "{left}");
    assert_eq!(left["room"], "consult-2", "{left}");
    expect_refused(
        &mut p,
        json!({"type": "join", "rid": 12, "room": "consult-2"}),
        "not_allowed",
    )
    .await;
}

/// Closing at 18:00 and the 2-minute grace, rehearsed by setting the clock to a moment before
/// each (`/api/admin/clock`).
#[tokio::test]
async fn a_consultation_runs_on_for_the_grace_period_after_closing() {
    let server = Server::start(&consult_rooms(), "2026-12-09T17:57:00+09:00", 1.0).await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 たかはし").await;
    c.join("consult-1").await;
    let (mut p, _) = Client::login(&server, "participant", "そうだん中").await;
    let (mut free, _) = Client::enter(&server, "participant", "ひろばの人", "hiroba").await;
    invite(&mut c, &mut p, "consult-1", 1).await;
    p.join("consult-1").await;

    // At 18:00 the free-space participant is said goodbye and closed with 4002 …
    server.set_clock("2026-12-09T17:59:59.7+09:00").await;
    let goodbye = free
        .recv_where("goodbye at closing", |f| f["type"] == "goodbye")
        .await;
    assert_eq!(goodbye["reason"], "closed", "{goodbye}");
    let (code, _) = free.expect_close(WAIT).await;
    assert_eq!(code, 4002, "close code at closing");

    // … while the one in the consultation gets consult_grace until 18:02 and stays.
    let grace = p
        .recv_where_within(WAIT, "the consult_grace notice", |f| {
            f["type"] == "notice" && f["kind"] == "consult_grace"
        })
        .await;
    assert_instant(
        &grace["until"],
        "2026-12-09T18:02:00+09:00",
        "consult_grace.until",
    );
    assert!(
        grace["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{grace}"
    );
    assert!(
        !p.kept().iter().any(|f| f["type"] == "goodbye"),
        "goodbye at closing for a member in a consultation: {:?}",
        p.kept()
    );
    let text = "閉室後も少しだけ話せますね";
    let ack = p
        .request(json!({"type": "chat", "rid": 2, "text": text}))
        .await;
    assert_eq!(ack["type"], "ack", "chat during the grace period: {ack}");
    c.recv_where("the line during grace", |f| {
        f["type"] == "chat" && f["text"] == text
    })
    .await;

    // Not before 18:02 …
    p.expect_nothing(
        Duration::from_millis(300),
        "goodbye during the grace period",
        |f| f["type"] == "goodbye",
    )
    .await;
    // … and at 18:02 the grace ends: goodbye and 4002.
    server.set_clock("2026-12-09T18:01:59.7+09:00").await;
    let goodbye = p
        .recv_where("goodbye at the end of the grace period", |f| {
            f["type"] == "goodbye"
        })
        .await;
    assert_eq!(goodbye["reason"], "closed", "{goodbye}");
    assert!(
        goodbye["next_opening"]["start"].is_string(),
        "goodbye without next_opening: {goodbye}"
    );
    let (code, _) = p.expect_close(WAIT).await;
    assert_eq!(code, 4002, "close code at the end of the grace period");

    // The counsellor stays, was never said goodbye, and sees the participant leave.
    c.recv_where("member_left of the participant", |f| {
        f["type"] == "member_left" && f["id"] == p.id().as_str()
    })
    .await;
    let pong = c.request(json!({"type": "ping", "rid": 9})).await;
    assert_eq!(pong["type"], "pong", "{pong}");
    assert!(
        !c.kept().iter().any(|f| f["type"] == "goodbye"),
        "the counsellor was said goodbye: {:?}",
        c.kept()
    );
}

/// protocol.md `invite`: "An invitation lapses when … no counsellor is left in it."
#[tokio::test]
async fn an_invitation_lapses_when_no_counsellor_is_left() {
    let server = Server::start(&consult_rooms(), OPEN, 1.0).await;
    let (mut p, _) = Client::enter(&server, "participant", "まってた", "hiroba").await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 いとう").await;
    c.join("consult-1").await;
    invite(&mut c, &mut p, "consult-1", 1).await;
    let left = c.request(json!({"type": "leave", "rid": 2})).await;
    assert_eq!(left["type"], "left", "{left}");
    expect_refused(
        &mut p,
        json!({"type": "join", "rid": 3, "room": "consult-1"}),
        "not_allowed",
    )
    .await;
}

/// protocol.md "Closing": a participant whose connection drops during the grace period comes
/// back into their consultation; someone who was not in one is still refused.
#[tokio::test]
async fn a_dropped_connection_comes_back_into_the_consultation_during_the_grace_period() {
    let server = Server::start(&consult_rooms(), "2026-12-09T17:57:00+09:00", 1.0).await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 たかはし").await;
    c.join("consult-1").await;
    let (mut p, _) = Client::login(&server, "participant", "そうだん中").await;
    invite(&mut c, &mut p, "consult-1", 1).await;
    p.join("consult-1").await;
    server.set_clock("2026-12-09T17:59:59.7+09:00").await;
    p.recv_where_within(WAIT, "the consult_grace notice", |f| {
        f["type"] == "notice" && f["kind"] == "consult_grace"
    })
    .await;

    // The connection breaks; the same person connects again at once, during the grace.
    p.drop_abruptly().await;
    let token = server.token("participant", "そうだん中").await;
    let mut back = Client::connect(&server).await;
    let welcome = back.auth(&token).await;
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    let joined = back.join("consult-1").await;
    assert_eq!(joined["room"], "consult-1", "{joined}");
    let text = "つながり直しました";
    let ack = back
        .request(json!({"type": "chat", "rid": 2, "text": text}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    c.recv_where("the line after coming back", |f| {
        f["type"] == "chat" && f["text"] == text
    })
    .await;

    // Someone who was not in a consultation is still told the space is closed.
    let token = server.token("participant", "ひろばの人").await;
    let mut other = Client::connect(&server).await;
    other
        .send(json!({"type": "auth", "rid": 1, "token": token}))
        .await;
    let refused = other.recv_error("space_closed").await;
    assert!(refused["next_opening"].is_object(), "{refused}");
}
