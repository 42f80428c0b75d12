//! "I'd like to talk" (今話したい, docs/protocol.md): a member asks privately, sees their place
//! in line and may withdraw; counsellors see the line and accept into a free consultation
//! room; the member may go in or say "not now"; either side may end the consultation. Nobody
//! else learns that anyone asked.
#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::Duration;
use support::{into_consultation, Client, Server, TEST_ROOMS};

const OPEN: &str = "2026-12-09T11:00:00+09:00";

/// The test space with two consultation rooms.
fn rooms() -> String {
    format!(
        "{TEST_ROOMS}
[[room]]
id = \"consult\"
kind = \"consult\"
name = \"個別相談\"
capacity = 3
pool = 2
"
    )
}

async fn ok(client: &mut Client, message: Value) {
    let reply = client.request(message.clone()).await;
    assert_eq!(reply["type"], "ack", "{message} refused: {reply}");
}

/// The next `talk_request` saying `waiting` (and, when waiting, the place).
async fn my_request(client: &mut Client, place: Option<u64>) -> Value {
    client
        .recv_where(&format!("talk_request at {place:?}"), |f| {
            f["type"] == "talk_request"
                && f["waiting"] == place.is_some()
                && place.is_none_or(|p| f["place"] == p)
        })
        .await
}

fn mentions_talk(frame: &Value) -> bool {
    let text = frame.to_string();
    frame["type"]
        .as_str()
        .is_some_and(|t| t.starts_with("talk"))
        || text.contains("consult")
}

#[tokio::test]
async fn asking_waiting_withdrawing_and_being_accepted_into_a_private_room() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut other, _) = Client::enter(&server, "participant", "よそのひと", "hiroba").await;
    let (mut a, _) = Client::enter(&server, "participant", "あおい", "hiroba").await;
    let (mut b, _) = Client::enter(&server, "family", "ははおや", "hiroba").await;

    // Text only by default; asking twice keeps the place.
    ok(&mut a, json!({"type": "talk_ask", "rid": 1})).await;
    let waiting = my_request(&mut a, Some(1)).await;
    assert_eq!(waiting["mode"], "text", "{waiting}");
    assert!(waiting["since"].is_string(), "{waiting}");
    ok(
        &mut b,
        json!({"type": "talk_ask", "rid": 2, "mode": "voice", "profession": "social_worker"}),
    )
    .await;
    my_request(&mut b, Some(2)).await;
    ok(
        &mut a,
        json!({"type": "talk_ask", "rid": 3, "mode": "video"}),
    )
    .await;
    let again = a
        .recv_where("the request changed to video", |f| {
            f["type"] == "talk_request" && f["mode"] == "video"
        })
        .await;
    assert_eq!(again["place"], 1, "the place is kept: {again}");

    // A counsellor arriving sees the line, first first, with how each wants to talk, and
    // never where they are.
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 たなか").await;
    let line = c.recv_talk_line(&["あおい", "ははおや"]).await;
    assert_eq!(line["requests"][0]["mode"], "video", "{line}");
    assert_eq!(line["requests"][1]["mode"], "voice", "{line}");
    assert_eq!(line["requests"][1]["profession"], "social_worker", "{line}");
    assert!(line["requests"][0]["member"].get("pos").is_none(), "{line}");

    // The first withdraws: the second moves up, the counsellor sees it.
    ok(&mut a, json!({"type": "talk_withdraw", "rid": 4})).await;
    my_request(&mut a, None).await;
    my_request(&mut b, Some(1)).await;
    c.recv_talk_line(&["ははおや"]).await;

    // A participant cannot accept anyone; nobody can accept someone not waiting.
    let refused = other
        .request(json!({"type": "talk_accept", "rid": 5, "member": b.id()}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    let refused = c
        .request(json!({"type": "talk_accept", "rid": 6, "member": a.id()}))
        .await;
    assert_eq!(refused["code"], "not_waiting", "{refused}");
    assert!(refused["message"].as_str().is_some_and(|m| !m.is_empty()));

    // Accepted: the counsellor enters a free consultation room; the member is invited there,
    // with the way they asked to talk.
    ok(
        &mut c,
        json!({"type": "talk_accept", "rid": 7, "member": b.id()}),
    )
    .await;
    let joined = c.recv_type("joined").await;
    let room = joined["room"].as_str().unwrap().to_string();
    assert!(room.starts_with("consult-"), "{joined}");
    c.recv_talk_line(&[]).await;
    my_request(&mut b, None).await;
    let invited = b.recv_type("invited").await;
    assert_eq!(invited["room"], room.as_str(), "{invited}");
    assert_eq!(invited["mode"], "voice", "{invited}");
    assert_eq!(invited["by"]["nickname"], "相談員 たなか", "{invited}");

    let inside = b.join(&room).await;
    assert_eq!(
        inside["members"].as_array().map(Vec::len),
        Some(2),
        "{inside}"
    );
    ok(
        &mut b,
        json!({"type": "chat", "rid": 8, "text": "はじめまして"}),
    )
    .await;
    let heard = c
        .recv_where("the member's line", |f| {
            f["type"] == "chat" && f["text"] == "はじめまして"
        })
        .await;
    assert_eq!(heard["room"], room.as_str());

    // Someone else cannot come in, and nothing they received spoke of any of it.
    let refused = other
        .request(json!({"type": "join", "rid": 9, "room": room}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    let refused = other
        .request(json!({"type": "talk_decline", "rid": 10, "room": room}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    other
        .expect_nothing(
            Duration::from_millis(200),
            "news of a request or a consultation",
            |f| mentions_talk(f) && f["type"] != "error",
        )
        .await;
    let seen: Vec<&Value> = other.kept().iter().filter(|f| mentions_talk(f)).collect();
    assert!(
        seen.iter().all(|f| f["type"] == "error"),
        "the third member heard of it: {seen:?}"
    );

    // A second counsellor cannot walk into a consultation going on.
    let (mut c2, _) = Client::login(&server, "counsellor", "相談員 すずき").await;
    let refused = c2
        .request(json!({"type": "join", "rid": 11, "room": room}))
        .await;
    assert_eq!(refused["code"], "room_full", "{refused}");

    // The counsellor ends it: both are out.
    ok_or_left(&mut c, json!({"type": "talk_end", "rid": 12})).await;
    let left = b
        .recv_where("left the consultation", |f| {
            f["type"] == "left" && f["room"] == room.as_str()
        })
        .await;
    assert_eq!(left["reason"], "consultation_ended", "{left}");
}

/// `talk_end` answers with `left` (the ender leaves too), carrying the rid.
async fn ok_or_left(client: &mut Client, message: Value) {
    let reply = client.request(message.clone()).await;
    assert_eq!(reply["type"], "left", "{message}: {reply}");
    assert_eq!(reply["reason"], "consultation_ended", "{reply}");
}

#[tokio::test]
async fn not_now_is_a_kind_answer_and_a_request_ends_with_its_member() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 たなか").await;
    c.recv_talk_line(&[]).await;
    let (mut p, _) = Client::enter(&server, "participant", "そら", "hiroba").await;
    ok(&mut p, json!({"type": "talk_ask", "rid": 1})).await;
    c.recv_talk_line(&["そら"]).await;
    ok(
        &mut c,
        json!({"type": "talk_accept", "rid": 2, "member": p.id()}),
    )
    .await;
    let invited = p.recv_type("invited").await;
    let room = invited["room"].as_str().unwrap().to_string();
    assert_eq!(invited["mode"], "text", "{invited}");

    // "Not now": the counsellor is told, and the invitation is over.
    ok(
        &mut p,
        json!({"type": "talk_decline", "rid": 3, "room": room}),
    )
    .await;
    let declined = c.recv_type("talk_declined").await;
    assert_eq!(declined["room"], room.as_str(), "{declined}");
    assert_eq!(declined["member"], p.id().as_str(), "{declined}");
    let refused = p
        .request(json!({"type": "join", "rid": 4, "room": room}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");

    // Asking again later is fine; leaving the space takes the request away.
    ok(&mut p, json!({"type": "talk_ask", "rid": 5})).await;
    c.recv_talk_line(&["そら"]).await;
    p.send_raw(tokio_tungstenite::tungstenite::Message::Close(None))
        .await
        .expect("close");
    c.recv_talk_line(&[]).await;
}

#[tokio::test]
async fn a_family_member_comes_in_only_on_the_participants_invitation() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 たなか").await;
    let (mut p, _) = Client::enter(&server, "participant", "ほんにん", "hiroba").await;
    let (mut f, _) = Client::enter(&server, "family", "はは", "hiroba").await;
    let (mut f2, _) = Client::enter(&server, "family", "ちち", "hiroba").await;
    let (q, _) = Client::enter(&server, "participant", "ともだち", "hiroba").await;
    let room = into_consultation(&mut c, &mut p, 1).await;

    // The family member cannot come in on their own.
    let refused = f
        .request(json!({"type": "join", "rid": 3, "room": room}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    // The participant may bring family, and nobody else.
    let refused = p
        .request(json!({"type": "invite", "rid": 4, "member": q.id()}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    ok(
        &mut p,
        json!({"type": "invite", "rid": 5, "member": f.id()}),
    )
    .await;
    let invited = f.recv_type("invited").await;
    assert_eq!(invited["room"], room.as_str(), "{invited}");
    assert_eq!(invited["by"]["nickname"], "ほんにん", "{invited}");
    let inside = f.join(&room).await;
    assert_eq!(
        inside["members"].as_array().map(Vec::len),
        Some(3),
        "{inside}"
    );
    // Nor may the counsellor bring anyone into a consultation going on.
    let refused = c
        .request(json!({"type": "invite", "rid": 8, "member": q.id()}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    // One family member only.
    let refused = p
        .request(json!({"type": "invite", "rid": 6, "member": f2.id()}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    let refused = f2
        .request(json!({"type": "join", "rid": 7, "room": room}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
}

#[tokio::test]
async fn staff_without_the_consultation_grant_see_only_how_many_consultations_go_on() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut staff, _) = Client::enter(&server, "staff", "受付", "hiroba").await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 たなか").await;
    let (mut p, _) = Client::enter(&server, "participant", "ないしょ", "hiroba").await;
    let overview = staff.request(json!({"type": "overview", "rid": 1})).await;
    assert_eq!(overview["consultations"], 0, "{overview}");
    let room = into_consultation(&mut c, &mut p, 2).await;
    let overview = staff.request(json!({"type": "overview", "rid": 4})).await;
    assert_eq!(overview["consultations"], 1, "{overview}");
    let text = overview.to_string();
    assert!(
        !text.contains("ないしょ") && !text.contains(&room) && !text.contains(&p.id()),
        "staff learned who or where: {overview}"
    );
    // A counsellor sees the room in use, not who is in it.
    let seen = c.request(json!({"type": "overview", "rid": 5})).await;
    assert!(seen.get("consultations").is_none(), "{seen}");
    assert!(!seen.to_string().contains("ないしょ"), "{seen}");
    // Staff never hear of the request either.
    let heard: Vec<&Value> = staff.kept().iter().filter(|f| mentions_talk(f)).collect();
    assert!(heard.is_empty(), "staff heard of the request: {heard:?}");
}

#[tokio::test]
async fn a_consultations_words_end_with_it_and_nobody_reads_what_came_before_them() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員 たなか").await;
    let (mut first, _) = Client::enter(&server, "participant", "さいしょ", "hiroba").await;
    let room = into_consultation(&mut c, &mut first, 1).await;
    ok(
        &mut first,
        json!({"type": "chat", "rid": 3, "text": "ひみつの話"}),
    )
    .await;

    // A family member let in now does not read what was said before they came.
    let (mut family, _) = Client::enter(&server, "family", "さいしょの母", "hiroba").await;
    ok(
        &mut first,
        json!({"type": "invite", "rid": 4, "member": family.id()}),
    )
    .await;
    family.recv_type("invited").await;
    let joined = family.join(&room).await;
    assert_eq!(joined["chat"], json!([]), "{joined}");

    // The consultation ends; the next person in the same room starts afresh.
    let reply = c.request(json!({"type": "talk_end", "rid": 5})).await;
    assert_eq!(reply["type"], "left", "{reply}");
    let (mut next, _) = Client::enter(&server, "participant", "つぎ", "hiroba").await;
    ok(&mut next, json!({"type": "talk_ask", "rid": 6})).await;
    c.recv_talk_line(&["つぎ"]).await;
    ok(
        &mut c,
        json!({"type": "talk_accept", "rid": 7, "member": next.id()}),
    )
    .await;
    let room_next = next.recv_type("invited").await["room"]
        .as_str()
        .unwrap()
        .to_string();
    let counsellor_in = c
        .recv_where("the counsellor in the room again", |f| {
            f["type"] == "joined" && f["room"] == room_next.as_str()
        })
        .await;
    let joined = next.join(&room_next).await;
    for seen in [&counsellor_in, &joined] {
        assert!(
            !seen.to_string().contains("ひみつの話"),
            "an earlier consultation's words: {seen}"
        );
    }
}
