//! The schedule gate: closed space, closing time, program rooms and the calendar API, at
//! chosen instants (`--clock`), sometimes faster than real time (`--clock-speed`).
#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::Duration;
use support::{
    assert_instant, instant, room_of_kind, shipped_rooms, Client, Server, TEST_ROOMS, WAIT,
};

/// A participant or family member knocking on a closed door: the error (with the next
/// opening and a kind Japanese message naming its date), then close 4002.
async fn refused(server: &Server, role: &str, nickname: &str) -> Value {
    let token = server.token(role, nickname).await;
    let mut client = Client::connect(server).await;
    client
        .send(json!({"type": "auth", "rid": 1, "token": token}))
        .await;
    let reply = client.recv_reply("welcome").await;
    assert_eq!(
        reply["type"], "error",
        "{role} was let into a closed space: {reply}"
    );
    assert_eq!(reply["code"], "space_closed", "{reply}");
    let (code, _) = client.expect_close(WAIT).await;
    assert_eq!(code, 4002, "close code after space_closed");
    reply
}

fn assert_next_opening(error: &Value, start: &str, end: &str, date_ja: &str) {
    assert_instant(&error["next_opening"]["start"], start, "next_opening.start");
    assert_instant(&error["next_opening"]["end"], end, "next_opening.end");
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains("閉室"),
        "message should say the space is closed: {message}"
    );
    assert!(
        message.contains(date_ja),
        "message should name the next opening {date_ja}: {message}"
    );
}

#[tokio::test]
async fn closed_space_refuses_participants_and_family_kindly_and_admits_staff() {
    // 09:00, an hour before the test space opens at 10:00.
    let server = Server::start(TEST_ROOMS, "2026-12-09T09:00:00+09:00", 1.0).await;
    for (role, nickname) in [("participant", "まだはやい"), ("family", "かぞく")] {
        let error = refused(&server, role, nickname).await;
        assert_next_opening(
            &error,
            "2026-12-09T10:00:00+09:00",
            "2026-12-09T18:00:00+09:00",
            "12月9日(水) 10:00",
        );
    }
    for (role, nickname) in [
        ("staff", "スタッフ"),
        ("counsellor", "相談員"),
        ("admin", "管理者"),
    ] {
        let (mut client, welcome) = Client::login(&server, role, nickname).await;
        assert_eq!(welcome["space"]["open"], false, "{welcome}");
        client.join("hiroba").await;
    }
}

/// Staff in before opening time are told when the space opens (their page stops saying it is
/// closed); nobody is told anything at a seam between two windows.
#[tokio::test]
async fn staff_waiting_inside_are_told_when_the_space_opens() {
    let server = Server::start(TEST_ROOMS, "2026-12-09T09:00:00+09:00", 1.0).await;
    let (mut staff, welcome) = Client::login(&server, "staff", "早番").await;
    assert_eq!(welcome["space"]["open"], false, "{welcome}");
    staff.join("hiroba").await;
    server.set_clock("2026-12-09T09:59:59.7+09:00").await;
    let opened = staff
        .recv_where("space_changed", |f| f["type"] == "space_changed")
        .await;
    assert_eq!(opened["space"]["open"], true, "{opened}");
    assert_instant(
        &opened["space"]["closes_at"],
        "2026-12-09T18:00:00+09:00",
        "space_changed.space.closes_at",
    );
}

#[tokio::test]
async fn after_closing_the_next_opening_is_the_next_day() {
    let server = Server::start(TEST_ROOMS, "2026-12-09T19:00:00+09:00", 1.0).await;
    let error = refused(&server, "participant", "よる").await;
    assert_next_opening(
        &error,
        "2026-12-10T10:00:00+09:00",
        "2026-12-10T18:00:00+09:00",
        "12月10日(木) 10:00",
    );
}

#[tokio::test]
async fn shipped_schedule_refuses_at_12_59_with_the_13_00_opening() {
    let server = Server::start(&shipped_rooms(), "2026-12-09T12:59:00+09:00", 1.0).await;
    let error = refused(&server, "participant", "いちばんのり").await;
    assert_next_opening(
        &error,
        "2026-12-09T13:00:00+09:00",
        "2026-12-09T21:00:00+09:00",
        "12月9日(水) 13:00",
    );
}

#[tokio::test]
async fn shipped_schedule_admits_at_13_00_30() {
    let server = Server::start(&shipped_rooms(), "2026-12-09T13:00:30+09:00", 1.0).await;
    let (mut client, welcome) = Client::login(&server, "participant", "こんにちは").await;
    assert_eq!(welcome["space"]["open"], true, "{welcome}");
    assert_instant(
        &welcome["space"]["closes_at"],
        "2026-12-09T21:00:00+09:00",
        "space.closes_at",
    );
    let free = room_of_kind(&welcome, "free");
    client.join(&free).await;
}

#[tokio::test]
async fn shipped_schedule_after_the_evening_points_to_next_wednesday() {
    let server = Server::start(&shipped_rooms(), "2026-12-09T21:00:30+09:00", 1.0).await;
    let error = refused(&server, "participant", "おそめ").await;
    assert_next_opening(
        &error,
        "2026-12-16T13:00:00+09:00",
        "2026-12-16T21:00:00+09:00",
        "12月16日(水) 13:00",
    );
}

/// The participant is told gently a minute before closing, then said goodbye (with the next
/// opening) and closed with 4002; staff stay on. The clock is set to a moment before each
/// event (`/api/admin/clock`), so the rehearsal waits milliseconds, not minutes.
async fn closing_rehearsal(rooms: &str, clock: &str, closing: &str, next_start: &str) {
    let server = Server::start(rooms, clock, 1.0).await;
    let (mut staff, welcome) = Client::login(&server, "staff", "見守りスタッフ").await;
    let free = room_of_kind(&welcome, "free");
    staff.join(&free).await;
    let (mut p, _) = Client::enter(&server, "participant", "さいごまで", &free).await;

    let closes = support::instant(closing);
    let just_before = |t: chrono::DateTime<chrono::FixedOffset>| {
        (t - chrono::Duration::milliseconds(300)).to_rfc3339()
    };
    server
        .set_clock(&just_before(closes - chrono::Duration::minutes(1)))
        .await;
    let notice = p
        .recv_where("the 1-minute closing notice", |f| {
            f["type"] == "notice"
                && f["kind"] == "closing"
                && f["message"].as_str().is_some_and(|m| m.contains("1分"))
        })
        .await;
    assert_instant(&notice["until"], closing, "notice.until");
    assert!(
        !p.kept().iter().any(|f| f["type"] == "goodbye"),
        "goodbye came before the 1-minute notice: {:?}",
        p.kept()
    );

    p.expect_nothing(Duration::ZERO, "goodbye before closing", |f| {
        f["type"] == "goodbye"
    })
    .await;
    server.set_clock(&just_before(closes)).await;
    let goodbye = p.recv_where("goodbye", |f| f["type"] == "goodbye").await;
    assert_eq!(goodbye["reason"], "closed", "{goodbye}");
    assert!(
        goodbye["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{goodbye}"
    );
    assert_instant(
        &goodbye["next_opening"]["start"],
        next_start,
        "goodbye.next_opening.start",
    );
    let (code, _) = p.expect_close(WAIT).await;
    assert_eq!(code, 4002, "close code at closing");

    // Staff stay, and are told the space is closed now (and when it opens).
    let closed = staff
        .recv_where("space_changed", |f| f["type"] == "space_changed")
        .await;
    assert_eq!(closed["space"]["open"], false, "{closed}");
    assert_instant(
        &closed["space"]["next_opening"]["start"],
        next_start,
        "space_changed.space.next_opening.start",
    );

    // Staff are still there after closing and can still chat.
    staff
        .send(json!({"type": "chat", "rid": 99, "text": "おつかれさまでした"}))
        .await;
    let ack = staff
        .recv_where("ack 99", |f| f["type"] == "ack" || f["type"] == "error")
        .await;
    assert_eq!(ack["type"], "ack", "staff chat after closing: {ack}");
    assert_eq!(ack["rid"], 99);
    let line = staff
        .recv_where("own chat line", |f| {
            f["type"] == "chat" && f["text"] == "おつかれさまでした"
        })
        .await;
    assert!(line["seq"].is_u64());
    assert!(
        !staff.kept().iter().any(|f| f["type"] == "goodbye"),
        "staff were said goodbye at closing: {:?}",
        staff.kept()
    );
}

#[tokio::test]
async fn closing_tells_participants_then_says_goodbye_and_keeps_staff() {
    closing_rehearsal(
        TEST_ROOMS,
        "2026-12-09T17:58:30+09:00",
        "2026-12-09T18:00:00+09:00",
        "2026-12-10T10:00:00+09:00",
    )
    .await;
}

#[tokio::test]
async fn shipped_schedule_closes_at_21_00() {
    closing_rehearsal(
        &shipped_rooms(),
        "2026-12-09T20:58:30+09:00",
        "2026-12-09T21:00:00+09:00",
        "2026-12-16T13:00:00+09:00",
    )
    .await;
}

#[tokio::test]
async fn program_room_is_closed_before_its_doors_open_except_to_hosts() {
    // The lunch session is 12:00–13:00, doors open at 11:50.
    let server = Server::start(TEST_ROOMS, "2026-12-09T11:40:00+09:00", 1.0).await;
    let (mut p, _) = Client::login(&server, "participant", "はらぺこ").await;
    p.send(json!({"type": "join", "rid": 1, "room": "lunch"}))
        .await;
    let error = p.recv_reply("joined").await;
    assert_eq!(
        error["type"], "error",
        "joined a program room 20 minutes early: {error}"
    );
    assert_eq!(error["code"], "room_closed", "{error}");
    assert_eq!(error["rid"], 1);
    assert_instant(
        &error["next_opening"]["start"],
        "2026-12-09T12:00:00+09:00",
        "next session start",
    );
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("12月9日(水) 12:00"),
        "message should name the session: {message}"
    );
    // The participant is still in the space and can go elsewhere.
    p.join("hiroba").await;

    let (mut host, _) = Client::login(&server, "staff", "ランチ係").await;
    host.join("lunch").await;
}

#[tokio::test]
async fn program_room_admits_participants_once_the_doors_open() {
    let server = Server::start(TEST_ROOMS, "2026-12-09T11:51:00+09:00", 1.0).await;
    let (mut p, _) = Client::login(&server, "participant", "たのしみ").await;
    p.join("lunch").await;
}

#[tokio::test]
async fn session_end_sends_participants_back_with_a_reason() {
    // One minute before the lunch session ends; then the clock is set to just before the end.
    let server = Server::start(TEST_ROOMS, "2026-12-09T12:59:00+09:00", 1.0).await;
    let (mut host, _) = Client::enter(&server, "staff", "ランチ係", "lunch").await;
    let (mut p, _) = Client::enter(&server, "participant", "ごちそうさま", "lunch").await;
    server.set_clock("2026-12-09T12:59:59.7+09:00").await;
    let left = p.recv_where("left", |f| f["type"] == "left").await;
    assert_eq!(left["room"], "lunch", "{left}");
    assert_eq!(left["reason"], "session_ended", "{left}");
    assert!(
        left["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{left}"
    );
    // The session is over: the room is closed until tomorrow's.
    p.send(json!({"type": "join", "room": "lunch"})).await;
    let error = p.recv_reply("joined").await;
    assert_eq!(error["code"], "room_closed", "{error}");
    assert_instant(
        &error["next_opening"]["start"],
        "2026-12-10T12:00:00+09:00",
        "next session start",
    );
    // The host hears that the participant left, and is not sent away.
    let p_id = p.id();
    host.recv_where("member_left", |f| {
        f["type"] == "member_left" && f["id"] == p_id.as_str()
    })
    .await;
    assert!(
        !host.kept().iter().any(|f| f["type"] == "left"),
        "the host was sent out at session end: {:?}",
        host.kept()
    );
}

#[tokio::test]
async fn schedule_api_lists_the_shipped_december_openings() {
    let server = Server::start(&shipped_rooms(), "2026-12-01T09:00:00+09:00", 1.0).await;
    let health = reqwest::get(server.http_url("/healthz"))
        .await
        .expect("GET /healthz");
    assert!(
        health.status().is_success(),
        "/healthz: {}",
        health.status()
    );

    let url = server.http_url("/api/schedule?from=2026-12-01&to=2026-12-31");
    let response = reqwest::get(&url).await.expect("GET /api/schedule");
    assert!(
        response.status().is_success(),
        "{url}: {}",
        response.status()
    );
    let body: Value = response.json().await.expect("schedule JSON");
    assert_eq!(body["timezone"], "Asia/Tokyo");
    let space: Vec<(String, String)> = body["windows"]
        .as_array()
        .expect("windows")
        .iter()
        .filter(|w| w["room"].is_null())
        .map(|w| {
            (
                w["start"].as_str().unwrap().to_string(),
                w["end"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        ("2026-12-05T10:00:00+09:00", "2026-12-05T18:00:00+09:00"), // 1st Saturday
        ("2026-12-09T13:00:00+09:00", "2026-12-09T21:00:00+09:00"), // 2nd Wednesday
        ("2026-12-16T13:00:00+09:00", "2026-12-16T21:00:00+09:00"),
        ("2026-12-23T13:00:00+09:00", "2026-12-23T21:00:00+09:00"),
    ];
    assert_eq!(
        space.len(),
        expected.len(),
        "space windows in December: {space:?}"
    );
    for ((start, end), (want_start, want_end)) in space.iter().zip(expected) {
        assert_eq!(instant(start), instant(want_start), "{space:?}");
        assert_eq!(instant(end), instant(want_end), "{space:?}");
    }
}

/// docs/operations.md "Setting the rehearsal clock": only an admin sets it, only on a rehearsal
/// clock; the doorkeeper starts over from the new instant (what lies between does not fire),
/// and set back, the same closing is rehearsed again.
#[tokio::test]
async fn an_admin_sets_the_rehearsal_clock_and_the_closing_follows_it() {
    let server = Server::start(TEST_ROOMS, "2026-12-09T11:00:00+09:00", 1.0).await;
    let to = json!({"to": "2026-12-09T17:59:59.7+09:00"});
    let staff = server.token("staff", "受付").await;
    for (token, status, code) in [
        (None, 401, "not_logged_in"),
        (Some("not-a-token"), 401, "not_logged_in"),
        (Some(staff.as_str()), 403, "forbidden"),
    ] {
        let (got, body) = server.post_clock(token, to.clone()).await;
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(code)),
            "{body}"
        );
    }
    let admin = server.token("admin", "時計係").await;
    let (got, body) = server.post_clock(Some(&admin), json!({"to": "18時"})).await;
    assert_eq!(
        (got, body["error"].as_str()),
        (400, Some("invalid")),
        "{body}"
    );

    let (mut p, _) = Client::enter(&server, "participant", "いちにちじゅう", "hiroba").await;
    let now = server.set_clock("2026-12-09T17:59:59.7+09:00").await;
    let now = instant(&now);
    assert!(
        now >= instant("2026-12-09T17:59:59.7+09:00") && now < instant("2026-12-09T18:00:00+09:00"),
        "the clock after setting it: {now}"
    );
    let goodbye = p.recv_where("goodbye", |f| f["type"] == "goodbye").await;
    assert_eq!(goodbye["reason"], "closed", "{goodbye}");
    assert!(
        !p.kept().iter().any(|f| f["type"] == "notice"),
        "notices of the hours jumped over fired: {:?}",
        p.kept()
    );
    assert_eq!(p.expect_close(WAIT).await.0, 4002);

    // Back before closing: the space is open again, and closes again.
    server.set_clock("2026-12-09T17:58:00+09:00").await;
    let (mut again, _) = Client::enter(&server, "participant", "もういちど", "hiroba").await;
    server.set_clock("2026-12-09T17:58:59.7+09:00").await;
    let notice = again
        .recv_where("the 1-minute notice", |f| f["type"] == "notice")
        .await;
    assert_instant(
        &notice["until"],
        "2026-12-09T18:00:00+09:00",
        "notice.until",
    );
    server.set_clock("2026-12-09T17:59:59.7+09:00").await;
    again
        .recv_where("goodbye", |f| f["type"] == "goodbye")
        .await;
}

#[tokio::test]
async fn the_real_clock_cannot_be_set() {
    let server = Server::start_on_the_real_clock(TEST_ROOMS).await;
    let admin = server.token("admin", "時計係").await;
    for token in [Some(admin.as_str()), None] {
        let (status, body) = server
            .post_clock(token, json!({"to": "2026-12-09T20:59:30+09:00"}))
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("not_found")),
            "{body}"
        );
    }
}
