//! Connection lifecycle: a second connection replacing the first, avatars that persist,
//! tokens for members the database does not know, moving between rooms, status outside a room.
#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::Duration;
use support::{token_in, Client, Server, TEST_ROOMS, WAIT};

/// 11:00 on an open Wednesday of the test space (open 10:00–18:00).
const OPEN: &str = "2026-12-09T11:00:00+09:00";
/// Long enough for a stray event to arrive, short enough to keep the suite quick.
const QUIET: Duration = Duration::from_millis(700);

fn about(id: &str) -> impl Fn(&Value) -> bool + '_ {
    move |f: &Value| f["id"] == id || f["member"]["id"] == id
}

#[tokio::test]
async fn a_second_connection_replaces_the_first_and_the_room_sees_an_update() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut others, _) = Client::enter(&server, "staff", "見守り", "hiroba").await;
    let (mut first, _) = Client::enter(&server, "participant", "ふたつのタブ", "hiroba").await;
    let id = first.id();
    others.recv_member_joined(&id).await;

    // The same member again (a new tab): same public id; the first tab is closed with 4004.
    let (mut second, _) = Client::login(&server, "participant", "ふたつのタブ").await;
    assert_eq!(second.id(), id, "the same member has the same public id");
    let (code, reason) = first.expect_close(WAIT).await;
    assert_eq!((code, reason.as_str()), (4004, "replaced"), "first tab");
    // The new tab joins the same room at once: one member, seen as updated.
    let joined = second.join("hiroba").await;
    let mine: Vec<&Value> = joined["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter(|m| m["id"] == id.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "the member once in joined.members: {joined}");

    let update = others
        .recv_where("member_updated for the new tab", |f| {
            f["type"] != "positions" && about(&id)(f)
        })
        .await;
    others
        .expect_nothing(QUIET, "member_left of the member", |f| {
            f["type"] == "member_left" && about(&id)(f)
        })
        .await;
    let seen: Vec<String> = others
        .log
        .iter()
        .filter(|raw| raw.contains(id.as_str()) && !raw.contains("\"positions\""))
        .cloned()
        .collect();
    assert_eq!(
        update["type"], "member_updated",
        "a reconnecting member in the same room should show as member_updated, not a \
         leave and a join (protocol.md `member_joined`); frames about them: {seen:?}"
    );
    assert!(
        !seen.iter().any(|raw| raw.contains("\"member_left\"")),
        "the others saw the member leave: {seen:?}"
    );
}

#[tokio::test]
async fn a_replaced_member_who_goes_elsewhere_leaves_the_old_room() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut others, _) = Client::enter(&server, "staff", "見守り", "hiroba").await;
    let (mut first, _) = Client::enter(&server, "participant", "うつりぎ", "hiroba").await;
    let id = first.id();
    others.recv_member_joined(&id).await;
    let (mut second, _) = Client::login(&server, "participant", "うつりぎ").await;
    let (code, _) = first.expect_close(WAIT).await;
    assert_eq!(code, 4004);
    second.join("tiny").await;
    others
        .recv_where("member_left of the replaced member", |f| {
            f["type"] == "member_left" && f["id"] == id.as_str() && f["room"] == "hiroba"
        })
        .await;
    others
        .expect_nothing(QUIET, "more about the member after member_left", |f| {
            f["type"] != "positions" && about(&id)(f) && f["type"] != "member_left"
        })
        .await;
}

#[tokio::test]
async fn an_avatar_change_is_shown_checked_and_saved() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut others, _) = Client::enter(&server, "family", "となり", "hiroba").await;
    let (mut me, _) = Client::enter(&server, "participant", "きせかえ", "hiroba").await;
    let id = me.id();
    let new = json!({"shape": "rabbit", "color": "#a4c3b2"});
    assert_ne!(
        me.you["avatar"], new,
        "pick an avatar other than the default"
    );

    let ack = me
        .request(json!({"type": "avatar", "rid": 1, "avatar": new}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert!(
        ack["seq"].is_u64(),
        "an avatar ack in a room has a seq: {ack}"
    );
    let update = others
        .recv_where("member_updated with the new avatar", |f| {
            f["type"] == "member_updated" && f["member"]["id"] == id.as_str()
        })
        .await;
    assert_eq!(update["member"]["avatar"], new, "{update}");
    assert_eq!(update["seq"], ack["seq"], "{update} vs {ack}");
    assert_eq!(update["room"], "hiroba");

    // Outside the fixed set, or malformed: bad_request, and nobody sees a change.
    for (rid, avatar) in [
        (2, json!({"shape": "dragon", "color": "#a4c3b2"})),
        (3, json!({"shape": "cat", "color": "#000000"})),
        (4, json!({"shape": "cat", "color": "#A4C3B2"})),
        (5, json!({"shape": "cat"})),
        (6, json!("cat")),
    ] {
        let reply = me
            .request(json!({"type": "avatar", "rid": rid, "avatar": avatar}))
            .await;
        assert_eq!(reply["type"], "error", "avatar {avatar} accepted: {reply}");
        assert_eq!(reply["code"], "bad_request", "avatar {avatar}: {reply}");
    }
    others
        .expect_nothing(QUIET, "a refused avatar shown", |f| {
            f["type"] == "member_updated"
        })
        .await;

    // Saved: a new token and a new connection for the same member show it.
    me.send(json!({"type": "leave", "rid": 8})).await;
    me.recv_reply("left").await;
    let (again, welcome) = Client::login(&server, "participant", "きせかえ").await;
    assert_eq!(again.id(), id);
    assert_eq!(
        welcome["you"]["avatar"], new,
        "welcome.you after reconnecting"
    );

    // Outside a room the change is acknowledged without a seq.
    let mut again = again;
    let other = json!({"shape": "turtle", "color": "#c3b1e1"});
    let ack = again
        .request(json!({"type": "avatar", "rid": 9, "avatar": other}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert!(ack.get("seq").is_none(), "no seq outside a room: {ack}");
    let joined = again.join("hiroba").await;
    let me_view = joined["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("self missing from {joined}"));
    assert_eq!(me_view["avatar"], other, "{joined}");
}

/// protocol.md: "Unknown fields are refused in client messages: a field the server does not
/// know gets `bad_request`", and an avatar is a shape and a colour from the fixed set, nothing
/// more (no image: uploads are kept out of the space on purpose, member.rs).
#[tokio::test]
async fn an_avatar_with_an_unknown_field_is_refused() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut others, _) = Client::enter(&server, "family", "となり", "hiroba").await;
    let (mut me, _) = Client::enter(&server, "participant", "おまけつき", "hiroba").await;
    let avatar = json!({"shape": "cat", "color": "#a4c3b2", "image": "https://example.com/x.png"});
    let reply = me
        .request(json!({"type": "avatar", "rid": 1, "avatar": avatar}))
        .await;
    assert_eq!(reply["type"], "error", "avatar {avatar} accepted: {reply}");
    assert_eq!(reply["code"], "bad_request", "{reply}");
    others
        .expect_nothing(QUIET, "a refused avatar shown", |f| {
            f["type"] == "member_updated"
        })
        .await;
}

/// A token signed with the server's key for an account its database does not hold (minted
/// against another data directory sharing the key): `unknown_member`, then close 4001.
#[tokio::test]
async fn a_token_for_a_member_the_database_does_not_know_is_refused() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let elsewhere = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        server.data_dir().join("signing.key"),
        elsewhere.path().join("signing.key"),
    )
    .expect("copy the server's signing.key (README: --data holds signing.key)");
    let token = token_in(elsewhere.path(), "participant", "よそもの").await;

    let mut client = Client::connect(&server).await;
    client
        .send(json!({"type": "auth", "rid": 1, "token": token}))
        .await;
    let reply = client.recv_reply("welcome").await;
    assert_eq!(reply["type"], "error", "an unknown member got in: {reply}");
    assert_eq!(reply["code"], "unknown_member", "{reply}");
    assert_eq!(reply["rid"], 1, "{reply}");
    let (code, _) = client.expect_close(WAIT).await;
    assert_eq!(code, 4001);
}

/// `ibasho admin token` signing with `--signing-key-file FILE` (environment cleared, as the
/// harness does for every process it starts).
fn token_signed_with(data: &std::path::Path, key_file: &std::path::Path, nickname: &str) -> String {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_ibasho"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("IBASHO_") {
            command.env_remove(key);
        }
    }
    let out = command
        .args([
            "admin",
            "token",
            "--role",
            "participant",
            "--nickname",
            nickname,
        ])
        .arg("--data")
        .arg(data)
        .arg("--signing-key-file")
        .arg(key_file)
        .output()
        .expect("run `ibasho admin token`");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Nodes on different machines share `--signing-key-file` (docs/operations.md): the server
/// signs and checks with that file and makes no key of its own; a token signed by a data
/// directory's own `signing.key` is not valid there.
#[tokio::test]
async fn a_shared_signing_key_file_is_the_only_key() {
    let keys = tempfile::tempdir().expect("temp dir");
    let file = keys.path().join("shared.key");
    std::fs::write(&file, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n").unwrap();
    let key = file.display().to_string();
    let server = Server::start_with(TEST_ROOMS, OPEN, 1.0, &["--signing-key-file", &key]).await;
    assert!(!server.data_dir().join("signing.key").exists());

    let token = token_signed_with(&server.data_dir(), &file, "かぎ");
    Client::connect(&server).await.auth(&token).await;

    // Signed by the data directory's own key (which `admin token` makes without the flag).
    let own = token_in(&server.data_dir(), "participant", "じぶん").await;
    let mut client = Client::connect(&server).await;
    client
        .send(json!({"type": "auth", "rid": 1, "token": own}))
        .await;
    let reply = client.recv_reply("welcome").await;
    assert_eq!(reply["code"], "token_invalid", "{reply}");
    let (code, _) = client.expect_close(WAIT).await;
    assert_eq!(code, 4001);
}

#[tokio::test]
async fn joining_another_room_says_joined_then_left_and_the_old_room_sees_member_left() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut others, _) = Client::enter(&server, "participant", "のこる", "hiroba").await;
    let (mut me, _) = Client::enter(&server, "participant", "うつる", "hiroba").await;
    let id = me.id();

    // A refused join leaves you where you were.
    let refused = me
        .request(json!({"type": "join", "rid": 1, "room": "staff"}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    me.send(json!({"type": "chat", "rid": 2, "text": "まだいます"}))
        .await;
    let ack = me.recv_where("chat ack", |f| f["rid"] == 2).await;
    assert_eq!(
        ack["type"], "ack",
        "still in hiroba after a refused join: {ack}"
    );

    me.send(json!({"type": "join", "rid": 3, "room": "tiny"}))
        .await;
    let first = me
        .recv_where("joined or left", |f| {
            f["type"] == "joined" || f["type"] == "left"
        })
        .await;
    assert_eq!(
        first["type"], "joined",
        "joined (new room) comes first: {first}"
    );
    assert_eq!(first["room"], "tiny");
    assert_eq!(first["rid"], 3);
    let left = me
        .recv_where("left for the old room", |f| {
            f["type"] == "left" || f["type"] == "joined"
        })
        .await;
    assert_eq!(left["type"], "left", "{left}");
    assert_eq!(left["room"], "hiroba", "{left}");
    assert_eq!(left["reason"], "left", "{left}");
    assert!(
        left.get("rid").is_none(),
        "left after a move has no rid: {left}"
    );
    // What the old room sent before `left` may still be kept; from here on nothing may come.
    me.drain(Duration::ZERO).await;

    let gone = others
        .recv_where("member_left", |f| {
            f["type"] == "member_left" && f["id"] == id.as_str()
        })
        .await;
    assert_eq!(gone["room"], "hiroba");
    assert!(gone["seq"].is_u64(), "{gone}");
    assert!(
        !others.kept().iter().any(|f| f["type"] == "member_left"
            && f["id"] == id.as_str()
            && f["seq"].as_u64() < gone["seq"].as_u64()),
        "member_left twice: {:?}",
        others.kept()
    );

    // Nothing of the old room reaches the mover any more.
    let text = "もう聞こえないはず";
    others
        .send(json!({"type": "chat", "rid": 4, "text": text}))
        .await;
    others.recv_where("chat ack", |f| f["rid"] == 4).await;
    me.expect_nothing(QUIET, "an event of the old room for the mover", |f| {
        f["room"] == "hiroba"
    })
    .await;
}

#[tokio::test]
async fn a_status_set_before_joining_is_acknowledged_and_shown_on_entry() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut others, _) = Client::enter(&server, "staff", "受付", "hiroba").await;
    let (mut me, welcome) = Client::login(&server, "participant", "はなせます").await;
    assert_eq!(welcome["you"]["status"], "watching", "the default status");
    let id = me.id();

    let ack = me
        .request(json!({"type": "status", "rid": "s1", "status": "can_talk"}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(ack["rid"], "s1");
    assert!(ack.get("seq").is_none(), "no seq outside a room: {ack}");
    let bad = me
        .request(json!({"type": "status", "rid": "s2", "status": "busy"}))
        .await;
    assert_eq!(bad["code"], "bad_request", "{bad}");

    let joined = me.join("hiroba").await;
    let me_view = joined["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id.as_str())
        .cloned()
        .unwrap_or_else(|| panic!("self missing from {joined}"));
    assert_eq!(me_view["status"], "can_talk", "{joined}");
    let arrival = others.recv_member_joined(&id).await;
    assert_eq!(arrival["member"]["status"], "can_talk", "{arrival}");
}

#[tokio::test]
async fn a_member_who_drops_and_comes_back_at_once_never_seems_to_leave() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut others, _) = Client::enter(&server, "staff", "見守り", "hiroba").await;
    let (mut blip, joined) = Client::enter(&server, "participant", "でんぱ", "hiroba").await;
    let id = blip.id();
    let epoch = joined["epoch"].as_str().unwrap().to_string();
    others.recv_member_joined(&id).await;
    blip.send(json!({"type": "move", "x": 123.0, "y": 45.0}))
        .await;
    others
        .recv_where("the move", |f| {
            f["type"] == "positions"
                && f["moves"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|m| m["id"] == id.as_str())
        })
        .await;

    // The network drops (no close frame) and the member is back within a second.
    blip.drop_abruptly().await;
    let (mut back, _) = Client::login(&server, "participant", "でんぱ").await;
    back.send(
        json!({"type": "join", "rid": 1, "room": "hiroba", "resume": {"epoch": epoch, "seq": 0}}),
    )
    .await;
    let rejoined = back.recv_reply("joined").await;
    let me = rejoined["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id.as_str())
        .cloned();
    assert_eq!(
        me.expect("in the room")["pos"],
        json!({"x": 123.0, "y": 45.0}),
        "the place is kept"
    );

    let seen = others
        .recv_where("an update about the member", about(&id))
        .await;
    assert_eq!(seen["type"], "member_updated", "{seen}");
    // Past the grace period: the old connection's departure must not remove the new one.
    others
        .expect_nothing(Duration::from_secs(7), "member_left", |f| {
            f["type"] == "member_left"
        })
        .await;
}

#[tokio::test]
async fn the_server_pings_every_connection() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut member, _) = Client::login(&server, "participant", "ぴん").await;
    assert!(
        member.sees_ping(Duration::from_secs(35)).await,
        "no ping within 35 s"
    );
}

#[tokio::test]
async fn a_connection_that_stays_silent_is_closed_with_4006_and_leaves_after_the_grace() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let (mut others, _) = Client::enter(&server, "staff", "見守り", "hiroba").await;
    let (mut silent, _) = Client::enter(&server, "participant", "しずか", "hiroba").await;
    let id = silent.id();
    others.recv_member_joined(&id).await;

    // The silent client reads nothing (so it answers no ping) for longer than 60 s.
    let left = others
        .recv_where_within(Duration::from_secs(80), "member_left", |f| {
            f["type"] == "member_left" && f["id"] == id.as_str()
        })
        .await;
    assert_eq!(left["type"], "member_left");
    // The server sent close 4006, but a client that wakes up now answers the queued pings into
    // a socket the server has already shut, and may see the reset (1006) before the close frame.
    let (code, _) = silent.expect_close(WAIT).await;
    assert!(code == 4006 || code == 1006, "closed with {code}");
    assert!(
        server.stderr().contains("Unresponsive"),
        "the server did not log the unresponsive close:\n{}",
        server.stderr()
    );
}

#[tokio::test]
async fn beyond_the_connection_limit_newcomers_are_asked_to_come_back_later() {
    let server = Server::start_with(TEST_ROOMS, OPEN, 1.0, &["--max-connections", "2"]).await;
    let (_first, _) = Client::login(&server, "participant", "ひとり").await;
    let (_second, _) = Client::login(&server, "participant", "ふたり").await;

    let mut third = Client::connect(&server).await;
    let busy = third.recv_error("server_busy").await;
    assert!(
        busy["message"].as_str().unwrap().contains("混み合って"),
        "{busy}"
    );
    assert_eq!(
        third.expect_close(WAIT).await,
        (1013, "server_busy".to_string())
    );

    // A place frees up when someone leaves (even by a dropped connection): it is given back
    // just before the member is counted out of /healthz's `online`.
    _first.drop_abruptly().await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let health: Value = reqwest::get(server.http_url("/healthz"))
            .await
            .expect("GET /healthz")
            .json()
            .await
            .expect("JSON");
        if health["online"] == 1 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the dropped member is still counted online: {health}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Client::login(&server, "participant", "さんにん").await;
}

/// The harness itself: a client the server has closed also "sees nothing", and
/// `expect_nothing` must not take that for silence.
#[tokio::test]
#[should_panic(expected = "connection closed (4001")]
async fn expecting_nothing_on_a_closed_connection_fails() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let mut client = Client::connect(&server).await;
    client
        .send(json!({"type": "auth", "token": "not-a-token"}))
        .await;
    client
        .expect_nothing(WAIT, "a chat line", |f| f["type"] == "chat")
        .await;
}
