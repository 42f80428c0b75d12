//! Presence, chat, status, stamps, movement and resume, through the real binary.
#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::Duration;
use support::{Client, Server, TEST_ROOMS};

/// 11:00 on an open Wednesday of the test space (open 10:00–18:00).
const OPEN: &str = "2026-12-09T11:00:00+09:00";

/// The fields other members may see of someone (DESIGN.md "Protocol rules").
const MEMBER_VIEW_FIELDS: &[&str] = &["id", "nickname", "avatar", "badge", "status", "pos"];

fn assert_member_view(member: &Value) {
    let fields = member
        .as_object()
        .unwrap_or_else(|| panic!("member view is not an object: {member}"));
    for key in fields.keys() {
        assert!(
            MEMBER_VIEW_FIELDS.contains(&key.as_str()),
            "member view has undocumented field `{key}`: {member}"
        );
    }
    for key in ["id", "nickname", "avatar", "status"] {
        assert!(
            fields.contains_key(key),
            "member view lacks `{key}`: {member}"
        );
    }
    assert!(
        member["avatar"]["shape"].is_string() && member["avatar"]["color"].is_string(),
        "avatar: {member}"
    );
}

fn seq(frame: &Value) -> u64 {
    frame["seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("frame without a seq: {frame}"))
}

#[tokio::test]
async fn two_members_see_each_other_chat_change_status_stamp_and_leave() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut a, _) = Client::enter(&server, "participant", "はる", "hiroba").await;
    let (mut b, b_joined) = Client::enter(&server, "family", "なつ", "hiroba").await;
    let (a_id, b_id) = (a.id(), b.id());
    assert_ne!(a_id, b_id);

    // B's snapshot lists A, as a member view only.
    let members = b_joined["members"].as_array().expect("joined.members");
    let a_view = members
        .iter()
        .find(|m| m["id"] == a_id.as_str())
        .unwrap_or_else(|| panic!("B's joined.members lacks A ({a_id}): {b_joined}"));
    assert_eq!(a_view["nickname"], "はる");
    members.iter().for_each(assert_member_view);
    assert!(
        a_view.get("badge").is_none(),
        "a participant carries no badge: {a_view}"
    );

    // A sees B arrive.
    let arrived = a.recv_member_joined(&b_id).await;
    assert_eq!(arrived["room"], "hiroba");
    assert_eq!(arrived["member"]["id"], b_id.as_str());
    assert_eq!(arrived["member"]["nickname"], "なつ");
    assert_member_view(&arrived["member"]);
    assert!(
        arrived["member"].get("badge").is_none(),
        "family carries no badge: {arrived}"
    );
    let mut last_seq = seq(&arrived);

    // Chat from A, then from B: both delivered to both, seq increasing, acks carry the seq.
    a.send(json!({"type": "chat", "rid": 1, "text": "こんにちは"}))
        .await;
    let ack = a.recv_type("ack").await;
    assert_eq!(ack["rid"], 1);
    let s1 = seq(&ack);
    assert!(
        s1 > last_seq,
        "chat seq {s1} not after member_joined seq {last_seq}"
    );
    for (who, client) in [("A", &mut a), ("B", &mut b)] {
        let line = client.recv_type("chat").await;
        assert_eq!(line["room"], "hiroba", "{who}: {line}");
        assert_eq!(line["text"], "こんにちは", "{who}: {line}");
        assert_eq!(line["from"], a_id.as_str(), "{who}: {line}");
        assert_eq!(line["nickname"], "はる", "{who}: {line}");
        assert_eq!(seq(&line), s1, "{who}: chat seq differs from ack seq");
        assert!(line["at"].is_string(), "{who}: chat without `at`: {line}");
    }
    b.send(json!({"type": "chat", "rid": "b-1", "text": "はじめまして"}))
        .await;
    let ack = b.recv_type("ack").await;
    assert_eq!(ack["rid"], "b-1");
    let s2 = seq(&ack);
    assert!(s2 > s1, "second chat seq {s2} not after {s1}");
    for client in [&mut a, &mut b] {
        let line = client.recv_type("chat").await;
        assert_eq!(line["text"], "はじめまして");
        assert_eq!(line["from"], b_id.as_str());
        assert_eq!(seq(&line), s2);
    }
    last_seq = s2;

    // Status change → member_updated for the others.
    a.send(json!({"type": "status", "rid": 2, "status": "can_talk"}))
        .await;
    let updated = b
        .recv_where("member_updated of A", |f| {
            f["type"] == "member_updated" && f["member"]["id"] == a_id.as_str()
        })
        .await;
    assert_eq!(updated["member"]["id"], a_id.as_str());
    assert_eq!(updated["member"]["status"], "can_talk");
    assert_member_view(&updated["member"]);
    assert!(seq(&updated) > last_seq);
    last_seq = seq(&updated);

    // A stamp from B reaches A.
    b.send(json!({"type": "stamp", "rid": 3, "stamp": "wave"}))
        .await;
    let stamp = a.recv_type("stamp").await;
    assert_eq!(stamp["room"], "hiroba");
    assert_eq!(stamp["from"], b_id.as_str());
    assert_eq!(stamp["stamp"], "wave");
    assert!(seq(&stamp) > last_seq);
    last_seq = seq(&stamp);

    // B leaves: B gets `left` (echoing the rid), A sees member_left.
    b.send(json!({"type": "leave", "rid": 4})).await;
    let left = b.recv_type("left").await;
    assert_eq!(left["room"], "hiroba");
    assert_eq!(left["reason"], "left");
    assert_eq!(left["rid"], 4);
    let gone = a
        .recv_where("member_left of B", |f| {
            f["type"] == "member_left" && f["id"] == b_id.as_str()
        })
        .await;
    assert!(seq(&gone) > last_seq);

    // A member whose connection ends also leaves.
    let (c, _) = Client::enter(&server, "participant", "あき", "hiroba").await;
    let c_id = c.id();
    a.recv_member_joined(&c_id).await;
    c.drop_abruptly().await;
    a.recv_where("member_left of C", |f| {
        f["type"] == "member_left" && f["id"] == c_id.as_str()
    })
    .await;
}

#[tokio::test]
async fn a_newcomer_gets_recent_chat_and_staff_carry_a_badge() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut a, _) = Client::enter(&server, "participant", "ふゆ", "hiroba").await;
    a.send(json!({"type": "chat", "rid": 1, "text": "おはようございます"}))
        .await;
    a.recv_type("ack").await;
    let (_s, joined) = Client::enter(&server, "staff", "スタッフさくら", "hiroba").await;
    let texts: Vec<&str> = joined["chat"]
        .as_array()
        .expect("joined.chat")
        .iter()
        .filter_map(|l| l["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        ["おはようございます"],
        "newcomer's recent chat: {joined}"
    );
    let staff = a
        .recv_where("member_joined of staff", |f| {
            f["type"] == "member_joined" && f["member"]["nickname"] == "スタッフさくら"
        })
        .await;
    assert_eq!(staff["member"]["badge"], "staff", "staff badge: {staff}");
}

#[tokio::test]
async fn movement_is_batched_and_only_possible_on_the_map() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut a, _) = Client::enter(&server, "participant", "そら", "hiroba").await;
    let (mut b, _) = Client::enter(&server, "participant", "うみ", "hiroba").await;
    let a_id = a.id();

    // 30 moves sent at once (within the message burst) arrive as fewer batches.
    let moves = 30;
    for i in 1..=moves {
        a.send(json!({"type": "move", "x": i as f64, "y": 10.0 + i as f64 / 2.0}))
            .await;
    }
    let (final_x, final_y) = (moves as f64, 10.0 + moves as f64 / 2.0);
    let mut frames_with_a = 0;
    loop {
        let batch = b.recv_type("positions").await;
        assert_eq!(batch["room"], "hiroba");
        let mine: Vec<&Value> = batch["moves"]
            .as_array()
            .expect("positions.moves")
            .iter()
            .filter(|m| m["id"] == a_id.as_str())
            .collect();
        assert!(
            mine.len() <= 1,
            "one batch holds only the latest position per member: {batch}"
        );
        if let Some(m) = mine.first() {
            frames_with_a += 1;
            for key in m.as_object().unwrap().keys() {
                assert!(
                    ["id", "x", "y"].contains(&key.as_str()),
                    "position field `{key}`: {m}"
                );
            }
            if m["x"].as_f64() == Some(final_x) && m["y"].as_f64() == Some(final_y) {
                break;
            }
        }
    }
    assert!(
        frames_with_a < moves,
        "{moves} moves arrived in {frames_with_a} frames: not batched"
    );
    // Only changed positions are sent: A stands still, so no more positions for A.
    b.expect_nothing(
        Duration::from_millis(700),
        "positions for A, although A did not move",
        |f| {
            f["type"] == "positions"
                && f["moves"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|p| p["id"] == a_id.as_str()))
        },
    )
    .await;

    // Off the map (400 × 300) → bad_request.
    a.send(json!({"type": "move", "x": 450.0, "y": 10.0})).await;
    a.recv_error("bad_request").await;
    a.send(json!({"type": "move", "x": 10.0, "y": -5.0})).await;
    a.recv_error("bad_request").await;

    // A room without a map → no_map.
    a.join("tiny").await;
    a.send(json!({"type": "move", "x": 1.0, "y": 1.0})).await;
    a.recv_error("no_map").await;
}

#[tokio::test]
async fn resume_after_a_dropped_connection_replays_exactly_the_missed_chat() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut a, _) = Client::enter(&server, "participant", "みどり", "hiroba").await;
    let b_token = server.token("participant", "あお").await;
    let mut b = Client::connect(&server).await;
    b.auth(&b_token).await;
    let b_joined = b.join("hiroba").await;
    let epoch = b_joined["epoch"]
        .as_str()
        .expect("joined.epoch")
        .to_string();

    a.send(json!({"type": "chat", "rid": 1, "text": "まえ"}))
        .await;
    a.recv_type("ack").await;
    let seen = b.recv_type("chat").await;
    assert_eq!(seen["text"], "まえ");
    let last = seq(&seen);

    b.drop_abruptly().await;
    let mut missed = Vec::new();
    for (i, text) in ["いっこめ", "にこめ", "さんこめ"].iter().enumerate() {
        a.send(json!({"type": "chat", "rid": 10 + i, "text": text}))
            .await;
        let ack = a
            .recv_where("ack", |f| f["type"] == "ack" && f["rid"] == 10 + i)
            .await;
        missed.push((seq(&ack), text.to_string()));
    }

    let mut b = Client::connect(&server).await;
    b.auth(&b_token).await;
    b.send(json!({"type": "join", "rid": 5, "room": "hiroba", "resume": {"epoch": epoch, "seq": last}}))
        .await;
    let joined = b.recv_reply("joined").await;
    assert_eq!(joined["type"], "joined", "resume refused: {joined}");
    assert_eq!(joined["rid"], 5);
    assert_eq!(joined["epoch"], epoch.as_str(), "the room did not restart");
    let got: Vec<(u64, String)> = joined["chat"]
        .as_array()
        .expect("joined.chat")
        .iter()
        .map(|l| (seq(l), l["text"].as_str().unwrap_or_default().to_string()))
        .collect();
    assert_eq!(
        got, missed,
        "resume must replay exactly the missed lines, in order"
    );
    assert!(
        joined.get("gap").is_none() || joined["gap"] == false,
        "nothing was lost, yet gap is set: {joined}"
    );
    assert!(
        seq(&joined) >= missed.last().unwrap().0,
        "joined.seq behind the chat: {joined}"
    );
}

#[tokio::test]
async fn resume_with_a_wrong_epoch_reports_a_gap() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut a, _) = Client::enter(&server, "participant", "くも", "hiroba").await;
    a.send(json!({"type": "chat", "rid": 1, "text": "きょうは晴れ"}))
        .await;
    a.recv_type("ack").await;
    let (mut b, _) = Client::login(&server, "participant", "にじ").await;
    b.send(json!({"type": "join", "room": "hiroba", "resume": {"epoch": "an-epoch-from-before-a-restart", "seq": 1}}))
        .await;
    let joined = b.recv_reply("joined").await;
    assert_eq!(joined["type"], "joined", "resume refused: {joined}");
    assert_eq!(
        joined["gap"], true,
        "a different epoch means chat may be gone: {joined}"
    );
    assert_ne!(joined["epoch"], "an-epoch-from-before-a-restart");
}

/// Sends a chat line with `rid` and returns the reply to it (`ack` or `error`).
async fn chat(client: &mut Client, rid: u64, text: &str) -> Value {
    client
        .send(json!({"type": "chat", "rid": rid, "text": text}))
        .await;
    client
        .recv_where(&format!("the reply to chat {rid}"), |f| {
            f["rid"] == rid && (f["type"] == "ack" || f["type"] == "error")
        })
        .await
}

#[tokio::test]
async fn lines_with_nothing_visible_are_refused_and_bidi_controls_dropped() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut a, _) = Client::enter(&server, "participant", "しろ", "hiroba").await;
    let (mut b, _) = Client::enter(&server, "participant", "くろ", "hiroba").await;
    for (rid, invisible) in [
        "\u{200B}",
        "\u{FEFF}",
        " \u{200B}\u{2060}\u{FEFF}\u{3000} ",
        "\u{202E}\u{2066}\u{2069}",
    ]
    .iter()
    .enumerate()
    {
        let reply = chat(&mut a, rid as u64 + 1, invisible).await;
        assert_eq!(reply["code"], "chat_empty", "{invisible:?} → {reply}");
        let message = reply["message"].as_str().unwrap_or_default();
        assert!(
            !message.is_empty() && !message.is_ascii(),
            "a message ready to show: {reply}"
        );
    }
    let ack = chat(
        &mut a,
        10,
        "\u{FEFF}abc\u{202E}gnp.exe\u{202C} \u{2067}ok\u{2069}",
    )
    .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let line = b.recv_type("chat").await;
    assert_eq!(line["text"], "abcgnp.exe ok", "{line}");
    assert_eq!(seq(&line), seq(&ack));
}

#[tokio::test]
async fn the_chat_limit_counts_code_points_and_refused_lines_cost_no_allowance() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut a, welcome) = Client::login(&server, "participant", "あか").await;
    a.join("hiroba").await;
    let limit = welcome["limits"]["chat_chars"]
        .as_u64()
        .expect("chat_chars") as usize;
    let burst = welcome["limits"]["chat_burst"]
        .as_u64()
        .expect("chat_burst");
    let family = "👨\u{200D}👩\u{200D}👧"; // five code points, one on screen
    let too_long = format!("{}x", family.repeat(limit / 5));
    // Twice the allowance's burst of refused lines...
    for rid in 1..=2 * burst {
        let text = if rid % 2 == 0 {
            "\u{200B}"
        } else {
            too_long.as_str()
        };
        let reply = chat(&mut a, rid, text).await;
        assert_eq!(reply["type"], "error", "{reply}");
        assert_ne!(
            reply["code"], "rate_limited",
            "a refused line used the allowance"
        );
    }
    // ...leave the whole burst for lines that pass, the longest one included.
    let longest = family.repeat(limit / 5);
    for rid in 100..100 + burst {
        let text = if rid == 100 {
            longest.as_str()
        } else {
            "はい"
        };
        let reply = chat(&mut a, rid, text).await;
        assert_eq!(reply["type"], "ack", "line {rid}: {reply}");
    }
    let reply = chat(&mut a, 200, "もうひとつ").await;
    assert_eq!(reply["code"], "rate_limited", "{reply}");
}

#[tokio::test]
async fn a_resume_from_before_the_ring_gets_the_newcomers_lines_and_a_gap() {
    const RING: u64 = 500;
    const ON_JOIN: usize = 50;
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (b, b_joined) = Client::enter(&server, "participant", "るす", "hiroba").await;
    let epoch = b_joined["epoch"]
        .as_str()
        .expect("joined.epoch")
        .to_string();
    assert!(
        epoch.len() == 10
            && epoch.starts_with("r_")
            && epoch[2..].chars().all(|c| c.is_ascii_hexdigit()),
        "the epoch is r_ and 8 hex digits: {epoch}"
    );
    let resume_at = seq(&b_joined);
    let b_token = server.token("participant", "るす").await;
    b.drop_abruptly().await;

    // More lines than the ring holds: each connection has its own allowance (burst 5).
    let token = server.token("participant", "おしゃべり").await;
    let mut last = Vec::new();
    let mut sent = 0;
    while sent < RING + 10 {
        let mut a = Client::connect(&server).await;
        let burst = a.auth(&token).await["limits"]["chat_burst"]
            .as_u64()
            .expect("burst");
        a.join("hiroba").await;
        for _ in 0..burst {
            sent += 1;
            let text = format!("{sent}行目");
            let ack = chat(&mut a, sent, &text).await;
            assert_eq!(ack["type"], "ack", "{ack}");
            last.push((seq(&ack), text));
        }
        a.drop_abruptly().await;
    }
    let last: Vec<(u64, String)> = last.split_off(last.len() - ON_JOIN);

    let mut b = Client::connect(&server).await;
    b.auth(&b_token).await;
    b.send(json!({"type": "join", "rid": 1, "room": "hiroba", "resume": {"epoch": epoch, "seq": resume_at}}))
        .await;
    let joined = b.recv_reply("joined").await;
    assert_eq!(joined["type"], "joined", "{joined}");
    assert_eq!(joined["epoch"], epoch.as_str(), "the room did not restart");
    assert_eq!(joined["gap"], true, "lines fell out of the ring: {joined}");
    let got: Vec<(u64, String)> = joined["chat"]
        .as_array()
        .expect("joined.chat")
        .iter()
        .map(|l| (seq(l), l["text"].as_str().unwrap_or_default().to_string()))
        .collect();
    assert_eq!(
        got, last,
        "a resume past the ring gets the last {ON_JOIN} lines"
    );
}

/// `welcome` carries the operator's English beside each text (rooms.toml `*_en`), so a page
/// can switch language without connecting again; where there is none, only the Japanese.
#[tokio::test]
async fn welcome_carries_the_operators_english_beside_the_japanese() {
    let server = Server::start(&support::shipped_rooms(), "2026-12-09T14:00:00+09:00", 1.0).await;
    let (_client, welcome) = Client::login(&server, "staff", "ことば係").await;
    assert_eq!(
        welcome["space"]["name_en"],
        "Koko ni iru yo: an online drop-in space"
    );
    let rooms = welcome["rooms"].as_array().expect("rooms");
    for room in rooms {
        for key in ["name_en", "description_en"] {
            assert!(room[key].is_string(), "{key}: {room}");
        }
    }
    let free = rooms.iter().find(|r| r["id"] == "free").expect("free");
    let areas: Vec<&Value> = free["map"]["areas"].as_array().unwrap().iter().collect();
    assert_eq!(areas[0]["name"], "大きなテーブル");
    assert_eq!(areas[0]["name_en"], "The big table");
    let gallery = rooms
        .iter()
        .find(|r| r["id"] == "gallery")
        .expect("gallery");
    assert_eq!(
        gallery["videos"][0]["title_en"],
        "Lunch together: an introduction"
    );

    // Without English, the field is absent (the page shows the Japanese).
    let plain = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (_client, welcome) = Client::login(&plain, "staff", "ことば係").await;
    assert!(welcome["space"].get("name_en").is_none(), "{welcome}");
    assert!(welcome["rooms"][0].get("name_en").is_none(), "{welcome}");
}
