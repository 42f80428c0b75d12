//! Staff's gentle moderation over real server processes (docs/protocol.md `hide`, `whisper`,
//! `mute`, `unmute`, `ask_to_leave`): each does what it says for the member and for the
//! others, each leaves its audit entry (never the words), and only staff may do it.
#[path = "support/people.rs"]
mod people;
#[path = "support/mod.rs"]
mod support;

use people::admin_on_data;
use serde_json::{json, Value};
use std::time::Duration;
use support::{Client, Server, TEST_ROOMS};

const OPEN: &str = "2026-12-09T11:00:00+09:00";

async fn refused(client: &mut Client, message: Value, code: &str) -> Value {
    let reply = client.request(message).await;
    assert_eq!(reply["type"], "error", "{reply}");
    assert_eq!(reply["code"], code, "{reply}");
    assert!(reply["message"].as_str().is_some_and(|m| !m.is_empty()));
    reply
}

async fn acked(client: &mut Client, message: Value) {
    let reply = client.request(message).await;
    assert_eq!(reply["type"], "ack", "{reply}");
}

/// The audit log's lines with this action (`ibasho admin audit`).
async fn audited(server: &Server, action: &str) -> Vec<String> {
    let (ok, out, err) = admin_on_data(&server.data_dir(), &["audit", "--limit", "200"], &[]).await;
    assert!(ok, "{out}{err}");
    out.lines()
        .filter(|l| l.contains(&format!("\t{action}\t")))
        .map(str::to_string)
        .collect()
}

fn seqs(joined: &Value) -> Vec<u64> {
    joined["chat"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["seq"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_hidden_line_leaves_every_page_and_the_rooms_story() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut staff, _) = Client::enter(&server, "staff", "みまもり", "hiroba").await;
    let (mut writer, _) = Client::enter(&server, "participant", "かく人", "hiroba").await;
    let (mut reader, joined) = Client::enter(&server, "participant", "よむ人", "hiroba").await;
    let epoch = joined["epoch"].as_str().unwrap().to_string();

    let ack = writer
        .request(json!({"type": "chat", "rid": 1, "text": "090-1234-5678 に電話して"}))
        .await;
    let ack = if ack["code"] == "chat_contact" {
        writer.request(json!({"type": "chat", "rid": 2, "text": "090-1234-5678 に電話して", "confirm": true}),
        )
        .await
    } else {
        ack
    };
    let seq = ack["seq"].as_u64().expect("the line's seq");
    reader
        .recv_where("the line", |f| f["type"] == "chat" && f["seq"] == seq)
        .await;
    let later = writer
        .request(json!({"type": "chat", "rid": 3, "text": "こんにちは"}))
        .await;
    let later = later["seq"].as_u64().unwrap();

    refused(
        &mut reader,
        json!({"type": "hide", "rid": 4, "room": "hiroba", "seq": seq}),
        "not_allowed",
    )
    .await;
    acked(
        &mut staff,
        json!({"type": "hide", "rid": 5, "room": "hiroba", "seq": seq, "reason": "電話番号のため"}),
    )
    .await;
    for client in [&mut writer, &mut reader, &mut staff] {
        let hidden = client.recv_type("chat_hidden").await;
        assert_eq!(
            (hidden["room"].as_str(), hidden["seq"].as_u64()),
            (Some("hiroba"), Some(seq))
        );
    }
    refused(
        &mut staff,
        json!({"type": "hide", "rid": 6, "room": "hiroba", "seq": seq}),
        "unknown_message",
    )
    .await;
    refused(
        &mut staff,
        json!({"type": "hide", "rid": 7, "room": "nowhere", "seq": seq}),
        "unknown_room",
    )
    .await;

    // Nobody entering or resuming gets it again; the line after it stays.
    let (_newcomer, joined) = Client::enter(&server, "participant", "あとから", "hiroba").await;
    assert!(!seqs(&joined).contains(&seq), "{joined}");
    assert!(seqs(&joined).contains(&later), "{joined}");
    let (mut back, _) = Client::login(&server, "participant", "よむ人").await;
    back.send(json!({"type": "join", "rid": 8, "room": "hiroba", "resume": {"epoch": epoch, "seq": seq - 1}}))
        .await;
    let resumed = back.recv_reply("joined").await;
    assert_eq!(seqs(&resumed), vec![later], "{resumed}");
    assert_eq!(resumed["gap"], Value::Null, "{resumed}");
    // They had not seen it: nothing to take off their page.
    assert_eq!(resumed["hidden"], Value::Null, "{resumed}");
    // A page whose connection dropped after it showed the line, and so missed `chat_hidden`,
    // is told when it resumes.
    let (mut dropped, _) = Client::login(&server, "participant", "おちた人").await;
    dropped
        .send(json!({"type": "join", "rid": 9, "room": "hiroba", "resume": {"epoch": epoch, "seq": later}}))
        .await;
    let resumed = dropped.recv_reply("joined").await;
    assert_eq!(resumed["hidden"], json!([seq]), "{resumed}");
    assert_eq!(seqs(&resumed), Vec::<u64>::new(), "{resumed}");

    let entries = audited(&server, "message_hidden").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = &entries[0];
    assert!(
        entry.contains(&staff.id()) && entry.contains(&writer.id()),
        "{entry}"
    );
    assert!(
        entry.contains("電話番号のため") && entry.contains("hiroba"),
        "{entry}"
    );
    assert!(
        !entry.contains("090-1234-5678"),
        "the words are not audited: {entry}"
    );
}

#[tokio::test]
async fn a_whisper_reaches_the_member_who_may_answer_only_the_staff_who_whispered() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut staff, _) = Client::enter(&server, "staff", "みまもり", "staff").await;
    let (mut other_staff, _) = Client::login(&server, "staff", "べつのスタッフ").await;
    let (mut member, _) = Client::enter(&server, "participant", "ひとり", "hiroba").await;
    let (mut someone, _) = Client::enter(&server, "participant", "だれか", "hiroba").await;
    let (staff_id, member_id) = (staff.id(), member.id());

    refused(
        &mut member,
        json!({"type": "whisper", "rid": 1, "member": staff_id, "text": "こんにちは"}),
        "not_allowed",
    )
    .await;
    refused(
        &mut someone,
        json!({"type": "whisper", "rid": 2, "member": member_id, "text": "ねえ"}),
        "not_allowed",
    )
    .await;
    acked(
        &mut staff,
        json!({"type": "whisper", "rid": 3, "member": member_id, "text": "ご気分はいかがですか？"}),
    )
    .await;
    let whisper = member.recv_type("whisper").await;
    assert_eq!(whisper["from"]["id"], staff_id.as_str(), "{whisper}");
    assert_eq!(whisper["from"]["badge"], "staff", "{whisper}");
    assert_eq!(whisper["text"], "ご気分はいかがですか？");
    assert!(whisper["at"].is_string(), "{whisper}");
    someone
        .expect_nothing(Duration::from_millis(200), "someone else's whisper", |f| {
            f["type"] == "whisper"
        })
        .await;

    acked(
        &mut member,
        json!({"type": "whisper", "rid": 4, "member": staff_id, "text": "だいじょうぶです"}),
    )
    .await;
    let answer = staff.recv_type("whisper").await;
    assert_eq!(answer["from"]["id"], member_id.as_str(), "{answer}");
    assert_eq!(answer["text"], "だいじょうぶです");
    // Only to the one who whispered.
    refused(
        &mut member,
        json!({"type": "whisper", "rid": 5, "member": other_staff.id(), "text": "あの"}),
        "not_allowed",
    )
    .await;
    other_staff
        .expect_nothing(Duration::from_millis(100), "a whisper", |f| {
            f["type"] == "whisper"
        })
        .await;
    // A new connection starts without leave to answer.
    drop(member);
    let (mut member, _) = Client::login(&server, "participant", "ひとり").await;
    refused(
        &mut member,
        json!({"type": "whisper", "rid": 6, "member": staff_id, "text": "もういちど"}),
        "not_allowed",
    )
    .await;

    let entries = audited(&server, "whisper_sent").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].contains(&staff_id) && entries[0].contains(&member_id),
        "{entries:?}"
    );
    let (_, all, _) = admin_on_data(&server.data_dir(), &["audit", "--limit", "200"], &[]).await;
    assert!(
        !all.contains("ご気分") && !all.contains("だいじょうぶ"),
        "whispers are never kept: {all}"
    );
}

#[tokio::test]
async fn a_mute_holds_across_reconnects_and_ends_by_itself() {
    // 60× speed: five minutes pass in five seconds.
    let server = Server::start(TEST_ROOMS, OPEN, 60.0).await;
    let (mut staff, _) = Client::enter(&server, "staff", "みまもり", "hiroba").await;
    let (mut member, _) = Client::enter(&server, "participant", "にぎやか", "hiroba").await;
    let (mut other, _) = Client::enter(&server, "participant", "となり", "hiroba").await;
    let member_id = member.id();

    refused(
        &mut other,
        json!({"type": "mute", "rid": 1, "member": member_id, "text": true, "minutes": 5}),
        "not_allowed",
    )
    .await;
    let bad = refused(
        &mut staff,
        json!({"type": "mute", "rid": 2, "member": member_id, "minutes": 5}),
        "bad_request",
    )
    .await;
    assert_eq!(bad["field"], "text", "{bad}");
    acked(
        &mut staff,
        json!({"type": "mute", "rid": 3, "member": member_id, "text": true, "voice": true,
               "minutes": 5, "reason": "連続投稿"}),
    )
    .await;
    let muted = member.recv_type("muted").await;
    assert!(
        muted["text_until"].is_string() && muted["voice_until"].is_string(),
        "{muted}"
    );
    let error = refused(
        &mut member,
        json!({"type": "chat", "rid": 4, "text": "まだ？"}),
        "muted",
    )
    .await;
    assert!(error["until"].is_string(), "{error}");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("書き込みをお休み") && message.contains("まで"),
        "{error}"
    );
    refused(
        &mut member,
        json!({"type": "stamp", "rid": 5, "stamp": "wave"}),
        "muted",
    )
    .await;
    other
        .expect_nothing(Duration::from_millis(100), "a muted member's line", |f| {
            f["type"] == "chat" || f["type"] == "stamp"
        })
        .await;

    // Coming back does not undo it.
    drop(member);
    let (mut member, _) = Client::login(&server, "participant", "にぎやか").await;
    let again = member.recv_type("muted").await;
    assert_eq!(again["text_until"], muted["text_until"], "{again}");
    member.join("hiroba").await;
    refused(
        &mut member,
        json!({"type": "chat", "rid": 6, "text": "もう？"}),
        "muted",
    )
    .await;

    // Its time comes: it ends without anyone doing anything.
    member
        .recv_where_within(Duration::from_secs(20), "the end of the mute", |f| {
            f["type"] == "mute_ended"
        })
        .await;
    acked(
        &mut member,
        json!({"type": "chat", "rid": 7, "text": "ただいま"}),
    )
    .await;

    // Voice only; a rehearsal clock set past its end ends it at once.
    acked(
        &mut staff,
        json!({"type": "mute", "rid": 8, "member": member_id, "voice": true, "minutes": 60}),
    )
    .await;
    let voice_only = member.recv_type("muted").await;
    assert!(
        voice_only["text_until"].is_null() && voice_only["voice_until"].is_string(),
        "{voice_only}"
    );
    acked(
        &mut member,
        json!({"type": "chat", "rid": 9, "text": "書けます"}),
    )
    .await;
    server.set_clock("2026-12-09T14:00:00+09:00").await;
    member.recv_type("mute_ended").await;

    // Lifting one at once.
    acked(
        &mut staff,
        json!({"type": "mute", "rid": 10, "member": member_id, "text": true, "minutes": 30}),
    )
    .await;
    member.recv_type("muted").await;
    acked(
        &mut staff,
        json!({"type": "unmute", "rid": 11, "member": member_id}),
    )
    .await;
    member.recv_type("mute_ended").await;
    acked(
        &mut member,
        json!({"type": "chat", "rid": 12, "text": "また書けます"}),
    )
    .await;

    let muted = audited(&server, "muted").await;
    assert_eq!(muted.len(), 3, "{muted:?}");
    assert!(
        muted
            .iter()
            .any(|l| l.contains("連続投稿") && l.contains("\"minutes\":5")),
        "{muted:?}"
    );
    assert!(
        muted
            .iter()
            .all(|l| l.contains(&staff.id()) && l.contains(&member_id)),
        "{muted:?}"
    );
    assert_eq!(audited(&server, "unmuted").await.len(), 1);
}

#[tokio::test]
async fn asked_to_leave_a_member_goes_kindly_and_comes_back_only_later() {
    // 60× speed: ten minutes pass in ten seconds.
    let server = Server::start(TEST_ROOMS, OPEN, 60.0).await;
    let (mut staff, _) = Client::enter(&server, "staff", "みまもり", "hiroba").await;
    let (mut member, _) = Client::enter(&server, "participant", "さわがしい", "hiroba").await;
    let (mut other, _) = Client::enter(&server, "participant", "しずか", "hiroba").await;
    let (mut outside, _) = Client::login(&server, "participant", "まだ外").await;
    let member_id = member.id();

    refused(
        &mut other,
        json!({"type": "ask_to_leave", "rid": 1, "member": member_id}),
        "not_allowed",
    )
    .await;
    refused(
        &mut staff,
        json!({"type": "ask_to_leave", "rid": 2, "member": outside.id()}),
        "not_present",
    )
    .await;
    acked(
        &mut staff,
        json!({"type": "ask_to_leave", "rid": 3, "member": member_id, "reason": "言葉づかい"}),
    )
    .await;
    let left = member.recv_type("left").await;
    assert_eq!(left["room"], "hiroba");
    assert_eq!(left["reason"], "asked_to_leave");
    let message = left["message"].as_str().unwrap();
    assert!(message.contains("退室をお願いしました"), "{left}");
    assert!(!message.contains("キック"), "{left}");
    let id = member_id.clone();
    other
        .recv_where("the member leaving", |f| {
            f["type"] == "member_left" && f["id"] == id
        })
        .await;

    let error = refused(
        &mut member,
        json!({"type": "join", "rid": 4, "room": "hiroba"}),
        "asked_to_leave",
    )
    .await;
    assert!(
        error["message"].as_str().unwrap().contains("ほかのお部屋"),
        "{error}"
    );
    member.join("tiny").await;
    drop(outside.drain(Duration::ZERO).await);

    let entries = audited(&server, "asked_to_leave").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].contains(&staff.id())
            && entries[0].contains(&member_id)
            && entries[0].contains("hiroba")
            && entries[0].contains("言葉づかい"),
        "{entries:?}"
    );

    // Ten minutes later (ten seconds at this speed) the door is open again.
    let mut rid = 10;
    loop {
        rid += 1;
        let reply = member
            .request(json!({"type": "join", "rid": rid, "room": "hiroba"}))
            .await;
        if reply["type"] == "joined" {
            break;
        }
        assert_eq!(reply["code"], "asked_to_leave", "{reply}");
        assert!(rid < 40, "still refused after the time: {reply}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
