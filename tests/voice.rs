//! Voice end to end: the real server, members signalling over the real WebSocket, and
//! webrtc-rs peer connections sending Opus through the server's SFU. What is asserted is who
//! receives RTP from whom: the server decides it, whatever a client asks for.
#[path = "support/mod.rs"]
mod support;
#[path = "voice/turn.rs"]
mod turn;

use rtc_peer::Peer;
use serde_json::{json, Value};
use std::time::Duration;
use support::voice::{Member, MEDIA_WAIT};
use support::{Client, Server, STAGE_ROOM, TEST_ROOMS};

/// Lunch time: the free space, `lunch` and the stage room `cafe` are open.
const OPEN: &str = "2026-12-09T12:10:00+09:00";

fn rooms() -> String {
    format!(
        r#"{TEST_ROOMS}
{STAGE_ROOM}

[[room]]
id = "talk"
kind = "program"
name = "おしゃべり会"
max_speakers = 2

[[room.session]]
rule = "weekly"
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "12:00"
end = "13:00"

[[room]]
id = "consult"
kind = "consult"
name = "個別相談"
pool = 1

[[room]]
id = "niwa"
kind = "free"
name = "テーブルのある庭"
width = 600
height = 300
[[room.area]]
name = "テーブル"
kind = "table"
x = 0
y = 0
width = 200
height = 200
[[room.area]]
name = "静かなコーナー"
kind = "quiet"
x = 300
y = 0
width = 200
height = 200
"#
    )
}

#[tokio::test]
async fn members_hear_only_those_near_them_in_the_free_space() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut sora = Member::enter(&server, "participant", "そら", "hiroba").await;
    let mut near = Member::enter(&server, "participant", "ちかく", "hiroba").await;
    let mut far = Member::enter(&server, "family", "とおく", "hiroba").await;
    sora.walk(50.0, 150.0).await;
    near.walk(150.0, 150.0).await; // 100 away
    far.walk(380.0, 150.0).await; // 330 away

    sora.set_status("can_talk").await;
    sora.publish().await;
    near.answer_offer().await;
    near.hears(&sora).await;

    far.settle().await;
    assert!(!far.has_offer(), "a far member was offered a track");
    assert_eq!(far.peer.all_packets(), 0, "a far member received media");

    // Walking up: within 160, the track is offered and heard.
    far.walk(200.0, 150.0).await; // 150 away
    far.answer_offer().await;
    far.hears(&sora).await;

    // A little back, still within 200 (hysteresis): still heard, nothing renegotiated.
    far.walk(230.0, 150.0).await; // 180 away
    far.settle().await;
    assert!(!far.has_offer(), "hearing flickered at the edge");
    far.hears(&sora).await;

    // Beyond 200: the track is taken away.
    far.walk(300.0, 150.0).await; // 250 away
    let offer = far.answer_offer().await;
    assert!(far.mid_of(&sora).is_none(), "still offered: {offer}");
    near.hears(&sora).await;
}

#[tokio::test]
async fn a_table_hears_only_itself_and_the_quiet_corner_nobody() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    // The table is x 0–200, y 0–200; the quiet corner x 300–500, y 0–200. Outside both,
    // `outside` stands within hearing distance of one at the table and of the one in the
    // corner: only the areas keep them apart.
    let mut ami = Member::enter(&server, "participant", "あみ", "niwa").await;
    let mut ben = Member::enter(&server, "participant", "べん", "niwa").await;
    let mut outside = Member::enter(&server, "family", "そと", "niwa").await;
    let mut quiet = Member::enter(&server, "participant", "しずか", "niwa").await;
    ami.walk(100.0, 100.0).await;
    ben.walk(180.0, 100.0).await;
    outside.walk(250.0, 100.0).await; // 70 from ben, 60 from quiet
    quiet.walk(310.0, 100.0).await;
    let quiet_id = quiet.id.clone();
    let shown = outside
        .ws
        .recv_where("the quiet one shown resting", |f| {
            f["type"] == "member_updated" && f["member"]["id"] == quiet_id
        })
        .await;
    assert_eq!(shown["member"]["status"], "resting", "{shown}");

    let mut everyone = [&mut ami, &mut ben, &mut outside, &mut quiet];
    for member in everyone.iter_mut() {
        member.set_status("can_talk").await;
        member.publish().await;
    }
    for member in everyone.iter_mut() {
        member.answer_all_offers().await;
    }
    ami.hears(&ben).await;
    ben.hears(&ami).await;

    for (listener, speaker) in [
        (&outside, &ben),
        (&outside, &ami),
        (&outside, &quiet),
        (&ben, &outside),
        (&ami, &outside),
        (&quiet, &outside),
        (&quiet, &ben),
        (&ami, &quiet),
        (&ben, &quiet),
    ] {
        assert!(
            listener.mid_of(speaker).is_none(),
            "{} was offered {}'s voice",
            listener.id,
            speaker.id
        );
    }
    // Everyone's microphone has been sending since before the table heard each other.
    assert_eq!(
        outside.peer.all_packets(),
        0,
        "someone outside received media"
    );
    assert_eq!(
        quiet.peer.all_packets(),
        0,
        "someone in the quiet corner received media"
    );

    // Out of the corner beside the one outside: heard again, and shown as they chose.
    quiet.walk(260.0, 150.0).await;
    let back = outside
        .ws
        .recv_where("the quiet one back", |f| {
            f["type"] == "member_updated"
                && f["member"]["id"] == quiet_id
                && f["member"]["pos"]["x"] == 260.0
        })
        .await;
    assert_eq!(back["member"]["status"], "can_talk", "{back}");
    outside.answer_all_offers().await;
    quiet.answer_all_offers().await;
    outside.hears(&quiet).await;
    quiet.hears(&outside).await;
}

#[tokio::test]
async fn bad_voice_requests_get_typed_errors() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (ws, _) = Client::enter(&server, "participant", "そら", "hiroba").await;
    let id = ws.id();
    let mut sora = Member {
        ws,
        peer: Peer::new().await,
        id,
        next_rid: 1,
        tracks: Vec::new(),
        status: "watching",
    };
    sora.expect_error(
        json!({"type": "voice_answer", "sdp": "v=0"}),
        "voice_not_started",
    )
    .await;
    // An answer may be larger than other frames (its SDP grows with the tracks heard).
    let large = format!("v=0\r\n{}", "a=x-padding:0123456789abcdef\r\n".repeat(800));
    assert!(large.len() > 16 * 1024);
    sora.expect_error(
        json!({"type": "voice_answer", "sdp": large}),
        "voice_not_started",
    )
    .await;
    sora.expect_error(
        json!({"type": "voice_unpublish", "kind": "audio"}),
        "voice_not_started",
    )
    .await;
    sora.expect_error(
        json!({"type": "voice_publish", "kind": "radio"}),
        "bad_request",
    )
    .await;
    let ack = sora.request(json!({"type": "voice_start"})).await;
    assert_eq!(ack["type"], "ack");

    // 見てるだけ (the default status) only listens.
    let refused = sora
        .expect_error(
            json!({"type": "voice_publish", "kind": "audio"}),
            "listen_only",
        )
        .await;
    assert!(
        refused["message"].as_str().unwrap().contains("話せます"),
        "{refused}"
    );
    assert_eq!(refused["reason"], "watching", "{refused}");
    sora.settle().await;
    assert!(!sora.has_offer(), "a refused publish still made an offer");

    sora.expect_error(json!({"type": "voice_answer", "sdp": "not sdp"}), "bad_sdp")
        .await;
    sora.expect_error(
        json!({"type": "voice_candidate", "candidate": "candidate:nonsense"}),
        "bad_sdp",
    )
    .await;
    sora.expect_error(json!({"type": "raise_hand", "raised": true}), "no_stage")
        .await;
    sora.expect_error(
        json!({"type": "voice_mute", "member": sora.id.clone(), "muted": true}),
        "not_allowed",
    )
    .await;

    sora.set_status("can_talk").await;
    let left = sora.request(json!({"type": "leave"})).await;
    assert_eq!(left["type"], "left");
    sora.expect_error(
        json!({"type": "voice_publish", "kind": "audio"}),
        "not_in_room",
    )
    .await;
    sora.ws.join("tiny").await;
    sora.expect_error(
        json!({"type": "voice_publish", "kind": "audio"}),
        "no_voice",
    )
    .await;
}

#[tokio::test]
async fn a_room_lets_only_so_many_send_at_once() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut aoi = Member::enter(&server, "participant", "あおい", "talk").await;
    let mut beni = Member::enter(&server, "participant", "べに", "talk").await;
    let mut chika = Member::enter(&server, "family", "ちか", "talk").await;
    for member in [&mut aoi, &mut beni, &mut chika] {
        member.set_status("can_talk").await;
    }
    aoi.publish().await;
    beni.publish().await;
    let publish = json!({"type": "voice_publish", "kind": "audio"});
    let refused = chika.expect_error(publish.clone(), "speakers_full").await;
    assert!(
        refused["message"].as_str().unwrap().contains("2人"),
        "{refused}"
    );
    assert_eq!(
        refused["limit"], 2,
        "pages in other languages need the number"
    );
    // A refused publish made no offer, and those sending may add a track to their place.
    chika.settle().await;
    assert!(
        !chika.ws.kept().iter().any(|f| f["type"] == "voice_offer"
            && f["uplinks"].as_array().is_some_and(|u| !u.is_empty())),
        "a refused publish was offered an uplink"
    );
    beni.publish_kind("video").await;

    // Stopping the last track frees the place, and the one refused is told (only they are).
    let ack = aoi
        .request(json!({"type": "voice_unpublish", "kind": "audio"}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let free = chika.ws.recv_type("voice_place_free").await;
    assert_eq!(free["room"], "talk");
    assert!(free["message"].as_str().unwrap().contains("話す"), "{free}");
    chika.publish().await;
    aoi.expect_error(publish.clone(), "speakers_full").await;
    beni.settle().await;
    assert!(
        !beni
            .ws
            .kept()
            .iter()
            .any(|f| f["type"] == "voice_place_free"),
        "told someone who was not waiting"
    );

    // One who may not speak for now (見てるだけ) holds no place.
    chika.set_status("watching").await;
    aoi.ws.recv_type("voice_place_free").await;
    aoi.publish().await;
    chika.set_status("can_talk").await;

    // Going to another room stops what was sent (the server drops the uplinks) and frees the
    // place; coming back, the member asks again.
    beni.ws.join("hiroba").await;
    while !beni.answer_offer().await["uplinks"]
        .as_array()
        .is_some_and(|u| u.is_empty())
    {}
    beni.ws.join("talk").await;
    beni.expect_error(publish.clone(), "speakers_full").await;

    // voice_stop frees the place too.
    let ack = aoi.request(json!({"type": "voice_stop"})).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    beni.ws.recv_type("voice_place_free").await;
    beni.publish().await;
    while chika.mid_of(&beni).is_none() {
        chika.answer_offer().await;
    }
    chika.hears(&beni).await;
}

#[tokio::test]
async fn shutting_the_server_down_closes_every_peer_connection() {
    let mut server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut sora = Member::enter(&server, "participant", "そら", "hiroba").await;
    let mut near = Member::enter(&server, "participant", "ちかく", "hiroba").await;
    sora.walk(50.0, 150.0).await;
    near.walk(100.0, 150.0).await;
    sora.set_status("can_talk").await;
    sora.publish().await;
    near.answer_offer().await;
    near.hears(&sora).await;

    assert!(!near.peer.said_goodbye());
    // Closed, not merely gone quiet: the browser is told at once (RTCP BYE, then DTLS
    // close_notify) instead of finding out from its ICE timeout.
    let status = server.stop().await;
    assert!(status.success(), "{status:?}");
    near.peer.wait_goodbye(MEDIA_WAIT).await;
}

#[tokio::test]
async fn the_server_sends_nothing_to_an_address_a_client_names() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut sora = Member::enter(&server, "participant", "そら", "hiroba").await;
    sora.set_status("can_talk").await;
    sora.publish().await;
    // Somebody else's address, as a candidate: an ICE agent that checks candidates would
    // send it STUN requests (a way to aim the server's traffic at a third party).
    let bystander = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = bystander.local_addr().unwrap().port();
    let candidate = format!("candidate:1 1 udp 2122260223 127.0.0.1 {port} typ host");
    let ack = sora
        .request(json!({"type": "voice_candidate", "candidate": candidate}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    // A full ICE agent checks a new pair within tens of milliseconds; two seconds of quiet
    // shows the server only answers checks.
    let mut buf = [0u8; 1500];
    let heard = tokio::time::timeout(Duration::from_secs(2), bystander.recv_from(&mut buf)).await;
    assert!(
        heard.is_err(),
        "the server sent {heard:?} to a named address"
    );
    sora.settle().await;
}

#[tokio::test]
async fn staff_mute_stops_a_voice_on_the_server() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut staff = Member::enter(&server, "staff", "受付", "hiroba").await;
    let mut sora = Member::enter(&server, "participant", "そら", "hiroba").await;
    let mut yuki = Member::enter(&server, "participant", "ゆき", "hiroba").await;
    for (member, x) in [(&mut staff, 100.0), (&mut sora, 150.0), (&mut yuki, 200.0)] {
        member.walk(x, 150.0).await;
    }
    sora.set_status("can_talk").await;
    sora.publish().await;
    yuki.answer_offer().await;
    staff.answer_offer().await;
    yuki.hears(&sora).await;
    let sora_id = sora.id.clone();
    let speaking = yuki
        .ws
        .recv_where("sora speaking", |f| {
            f["type"] == "voice_speaking" && f["id"] == sora_id
        })
        .await;
    assert_eq!(speaking["speaking"], true, "{speaking}");

    yuki.expect_error(
        json!({"type": "voice_mute", "member": sora.id.clone(), "muted": true}),
        "not_allowed",
    )
    .await;
    let ack = staff
        .request(json!({"type": "voice_mute", "member": sora.id.clone(), "muted": true}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    // The older `voice_mute` is a timed voice mute (an hour) like `mute`.
    let muted = sora.ws.recv_type("muted").await;
    assert!(muted["voice_until"].is_string(), "{muted}");
    let silent = yuki
        .ws
        .recv_where("sora silenced", |f| {
            f["type"] == "voice_speaking" && f["id"] == sora_id
        })
        .await;
    assert_eq!(
        silent["speaking"], false,
        "a muted member still shows as speaking"
    );
    let offer = yuki.answer_offer().await;
    assert!(
        yuki.mid_of(&sora).is_none(),
        "a muted voice is still offered: {offer}"
    );
    staff.answer_offer().await;
    assert!(staff.mid_of(&sora).is_none());
    let refused = sora
        .expect_error(
            json!({"type": "voice_publish", "kind": "audio"}),
            "listen_only",
        )
        .await;
    assert!(
        refused["message"].as_str().unwrap().contains("ミュート"),
        "{refused}"
    );
    assert_eq!(refused["reason"], "muted", "{refused}");

    let ack = staff
        .request(json!({"type": "voice_mute", "member": sora.id.clone(), "muted": false}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    sora.ws.recv_type("mute_ended").await;
    yuki.answer_offer().await;
    yuki.hears(&sora).await;

    // Back to 見てるだけ: no longer forwarded, whatever her client keeps sending.
    sora.set_status("watching").await;
    let offer = yuki.answer_offer().await;
    assert!(
        yuki.mid_of(&sora).is_none(),
        "a watching member is still offered: {offer}"
    );
}

#[tokio::test]
async fn welcome_says_which_rooms_you_host() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    // The stage's host_roles are staff only: a counsellor is in its audience like anyone.
    for (role, nickname, hosts) in [
        ("staff", "先生", true),
        ("counsellor", "相談員さん", false),
        ("participant", "そら", false),
    ] {
        let (_client, welcome) = Client::login(&server, role, nickname).await;
        let rooms = welcome["rooms"].as_array().expect("rooms");
        let cafe = rooms.iter().find(|r| r["id"] == "cafe").expect("cafe");
        assert_eq!(
            cafe["host"].as_bool().unwrap_or(false),
            hosts,
            "{role}: {cafe}"
        );
        for room in rooms {
            let hosted = room["host"].as_bool().unwrap_or(false);
            assert_eq!(hosted, hosts && room["kind"] == "program", "{role}: {room}");
        }
    }
}

#[tokio::test]
async fn on_a_stage_hosts_and_invited_speakers_are_heard_and_the_audience_listens() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut host = Member::enter(&server, "staff", "先生", "cafe").await;
    let mut sora = Member::enter(&server, "participant", "そら", "cafe").await;
    let mut yuki = Member::enter(&server, "family", "ゆき", "cafe").await;
    sora.set_status("can_talk").await;

    // The host speaks in the room they host as they came in (見てるだけ), without 話せます.
    host.publish().await;
    sora.answer_offer().await;
    yuki.answer_offer().await;
    yuki.hears(&host).await;

    let refused = sora
        .expect_error(
            json!({"type": "voice_publish", "kind": "audio"}),
            "listen_only",
        )
        .await;
    assert!(
        refused["message"].as_str().unwrap().contains("手を挙げ"),
        "{refused}"
    );
    assert_eq!(refused["reason"], "audience", "{refused}");
    let ack = sora
        .request(json!({"type": "raise_hand", "raised": true}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let stage = host.ws.recv_type("stage").await;
    assert_eq!(stage["hands"], json!([sora.id.clone()]));

    sora.expect_error(
        json!({"type": "set_speaker", "member": yuki.id.clone(), "speaker": true}),
        "not_allowed",
    )
    .await;
    let ack = host
        .request(json!({"type": "set_speaker", "member": sora.id.clone(), "speaker": true}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let stage = yuki
        .ws
        .recv_where("sora on stage", |f| {
            f["type"] == "stage" && f["speakers"].as_array().is_some_and(|s| !s.is_empty())
        })
        .await;
    assert_eq!(stage["speakers"], json!([sora.id.clone()]));
    assert_eq!(stage["hands"], json!([]));

    sora.publish().await;
    yuki.answer_offer().await;
    yuki.hears(&sora).await;
    yuki.hears(&host).await;
    host.answer_offer().await;
    host.hears(&sora).await;

    // Back to the audience: no longer heard, whatever her client does.
    let ack = host
        .request(json!({"type": "set_speaker", "member": sora.id.clone(), "speaker": false}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    yuki.answer_offer().await;
    assert!(yuki.mid_of(&sora).is_none());
    yuki.hears(&host).await;

    // Invited again, she steps down by herself; she cannot put herself back.
    let ack = host
        .request(json!({"type": "set_speaker", "member": sora.id.clone(), "speaker": true}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    yuki.answer_offer().await;
    yuki.hears(&sora).await;
    let ack = sora
        .request(json!({"type": "set_speaker", "member": sora.id.clone(), "speaker": false}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    yuki.answer_offer().await;
    assert!(
        yuki.mid_of(&sora).is_none(),
        "a speaker who stepped down is still heard"
    );
    sora.expect_error(
        json!({"type": "set_speaker", "member": sora.id.clone(), "speaker": true}),
        "not_allowed",
    )
    .await;
}

#[tokio::test]
async fn the_room_is_told_who_shares_a_screen() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut host = Member::enter(&server, "staff", "先生", "cafe").await;
    let mut yuki = Member::enter(&server, "family", "ゆき", "cafe").await;
    let host_id = json!(host.id);
    let about_host = |f: &Value| f["type"] == "member_updated" && f["member"]["id"] == host_id;
    // Told from the server's leave to send it (this test peer has no screen to attach).
    let ack = host
        .request(json!({"type": "voice_publish", "kind": "screen"}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let shown = yuki.ws.recv_where("the host shares", &about_host).await;
    assert_eq!(shown["member"]["screen"], true, "{shown}");
    let ack = host
        .request(json!({"type": "voice_unpublish", "kind": "screen"}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let gone = yuki.ws.recv_where("the host stops", &about_host).await;
    assert!(gone["member"].get("screen").is_none(), "{gone}");
}

#[tokio::test]
async fn a_consultation_is_heard_only_inside_it() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut counsellor = Member::enter(&server, "counsellor", "相談員", "consult-1").await;
    let mut sora = Member::enter(&server, "participant", "そら", "hiroba").await;
    let mut other = Member::enter(&server, "participant", "ほか", "hiroba").await;
    sora.walk(200.0, 150.0).await;
    other.walk(210.0, 150.0).await;

    let ack = counsellor
        .request(json!({"type": "invite", "member": sora.id.clone()}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    sora.ws.recv_type("invited").await;
    sora.ws.join("consult-1").await;
    counsellor.set_status("can_talk").await;
    sora.set_status("can_talk").await;
    counsellor.publish().await;
    sora.publish().await;
    counsellor.answer_offer().await;
    counsellor.hears(&sora).await;
    sora.hears(&counsellor).await;

    // Someone else tries the door and the controls: nothing gets them a track.
    other
        .expect_error(json!({"type": "join", "room": "consult-1"}), "not_allowed")
        .await;
    other
        .expect_error(
            json!({"type": "voice_mute", "member": counsellor.id.clone(), "muted": false}),
            "not_allowed",
        )
        .await;
    other
        .expect_error(
            json!({"type": "set_speaker", "member": sora.id.clone(), "speaker": true}),
            "no_stage",
        )
        .await;
    other.set_status("can_talk").await;
    other.publish().await;
    other.settle().await;
    assert!(
        !other.has_offer(),
        "an outsider was offered a consultation track"
    );
    assert_eq!(other.peer.all_packets(), 0, "an outsider received media");
    let seen = other.ws.log.join("\n");
    assert!(
        !seen.contains(&counsellor.id),
        "an outsider learned who is in the consultation"
    );
}

#[tokio::test]
async fn video_is_forwarded_and_a_new_viewer_asks_its_source_for_a_keyframe() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut sora = Member::enter(&server, "participant", "そら", "hiroba").await;
    let mut yuki = Member::enter(&server, "participant", "ゆき", "hiroba").await;
    sora.walk(100.0, 150.0).await;
    yuki.walk(150.0, 150.0).await;
    sora.set_status("can_talk").await;
    sora.publish_kind("video").await;
    let offer = yuki.answer_offer().await;
    assert_eq!(offer["tracks"][0]["kind"], "video", "{offer}");
    yuki.receives(&sora, "video").await;
    sora.peer.wait_keyframe_request(MEDIA_WAIT).await;
}

#[tokio::test]
async fn welcome_offers_turn_with_a_time_limited_credential() {
    use base64::Engine;
    use hmac::{Hmac, Mac};

    let server = Server::start_with(
        &rooms(),
        OPEN,
        1.0,
        &[
            "--turn-url",
            "turn:turn.example.jp:3478",
            "--turn-secret",
            "s3cret",
        ],
    )
    .await;
    let (sora, welcome) = Client::login(&server, "participant", "そら").await;
    let servers = welcome["ice_servers"].as_array().expect("ice_servers");
    assert_eq!(servers.len(), 1, "{welcome}");
    assert_eq!(servers[0]["urls"], json!(["turn:turn.example.jp:3478"]));
    let username = servers[0]["username"].as_str().unwrap();
    let (expiry, member) = username.split_once(':').expect("expiry:member");
    assert_eq!(member, sora.id());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let expiry: u64 = expiry.parse().expect("a Unix time");
    assert!(
        (now + 11 * 3600..=now + 13 * 3600).contains(&expiry),
        "expiry {expiry} is not about 12 hours after {now}"
    );
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(b"s3cret").unwrap();
    mac.update(username.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(servers[0]["credential"], expected);
    assert!(
        !server.stderr().contains("s3cret"),
        "the TURN secret was logged"
    );

    let plain = Server::start(&rooms(), OPEN, 1.0).await;
    let (_, welcome) = Client::login(&plain, "participant", "ゆき").await;
    assert_eq!(
        welcome["ice_servers"],
        json!([]),
        "no TURN configured, none offered"
    );
}

#[tokio::test]
async fn a_member_whose_network_blocks_direct_media_talks_through_turn() {
    let Some(coturn) = turn::Coturn::start("s3cret").await else {
        return;
    };
    let turn_url = format!("turn:127.0.0.1:{}", coturn.port);
    let server = Server::start_with(
        &rooms(),
        OPEN,
        1.0,
        &["--turn-url", &turn_url, "--turn-secret", "s3cret"],
    )
    .await;
    // Sora's media may only go by the relay, with the credential her welcome carried: coturn
    // accepts it, relays her voice to the SFU, and the SFU's back to her.
    let mut sora = Member::enter_relayed(&server, "participant", "そら", "talk").await;
    let mut yuki = Member::enter(&server, "participant", "ゆき", "talk").await;
    for member in [&mut sora, &mut yuki] {
        member.set_status("can_talk").await;
        member.publish().await;
    }
    while yuki.mid_of(&sora).is_none() {
        yuki.answer_offer().await;
    }
    yuki.hears(&sora).await;
    while sora.mid_of(&yuki).is_none() {
        sora.answer_offer().await;
    }
    sora.hears(&yuki).await;
}

#[tokio::test]
async fn a_voice_that_never_sets_the_activity_flag_is_shown_speaking_by_its_level() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut sora = Member::enter(&server, "participant", "そら", "talk").await;
    let mut yuki = Member::enter(&server, "participant", "ゆき", "talk").await;
    sora.peer.never_flag_voice();
    sora.set_status("can_talk").await;
    sora.publish().await;
    yuki.answer_offer().await;
    yuki.hears(&sora).await;
    let sora_id = sora.id.clone();
    let speaking = yuki
        .ws
        .recv_where("sora speaking", |f| {
            f["type"] == "voice_speaking" && f["id"] == sora_id
        })
        .await;
    assert_eq!(speaking["speaking"], true, "{speaking}");
}

#[tokio::test]
async fn offers_name_nobody_not_even_who_left() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut sora = Member::enter(&server, "participant", "そら", "talk").await;
    let mut yuki = Member::enter(&server, "participant", "ゆき", "talk").await;
    let mut hana = Member::enter(&server, "family", "はな", "talk").await;
    let ids = [sora.id.clone(), yuki.id.clone(), hana.id.clone()];
    let names_someone = |offer: &Value| {
        let sdp = offer["sdp"].as_str().expect("sdp");
        ids.iter().find(|id| sdp.contains(id.as_str())).cloned()
    };
    for member in [&mut sora, &mut yuki] {
        member.set_status("can_talk").await;
        member.publish().await;
    }
    while hana.tracks.len() < 2 {
        let offer = hana.answer_offer().await;
        assert_eq!(names_someone(&offer), None, "{offer}");
    }
    hana.hears(&sora).await;

    let left = sora.request(json!({"type": "leave"})).await;
    assert_eq!(left["type"], "left", "{left}");
    let offer = hana.answer_offer().await;
    assert!(hana.mid_of(&sora).is_none(), "still offered: {offer}");
    assert!(
        offer["sdp"].as_str().unwrap().contains("a=inactive"),
        "sora's line is parked: {offer}"
    );
    assert_eq!(
        names_someone(&offer),
        None,
        "the offer after sora left still names someone (msid, ssrc): {offer}"
    );
    hana.hears(&yuki).await;
}

impl Member {
    /// Sends a voice request and checks that its `ack` comes before any `voice_offer`.
    async fn acked_before_any_offer(&mut self, mut message: Value, round: usize) {
        assert!(
            !self.has_offer(),
            "round {round}: an offer was already waiting"
        );
        let first = loop {
            self.next_rid += 1;
            let rid = self.next_rid;
            message["rid"] = json!(rid);
            self.ws.send(message.clone()).await;
            let first = self
                .ws
                .recv_where("the ack or an offer", |f| {
                    f["rid"] == rid || f["type"] == "voice_offer"
                })
                .await;
            // Twenty rounds go faster than the message allowance: wait it out, send again.
            if first["code"] != "rate_limited" {
                break first;
            }
            let wait = first["retry_after_ms"].as_u64().unwrap_or(100);
            tokio::time::sleep(Duration::from_millis(wait)).await;
        };
        assert_eq!(
            first["type"], "ack",
            "round {round}: {message} → the offer came before the ack: {first}"
        );
    }
}

#[tokio::test]
async fn the_ack_comes_before_the_offer_a_request_sets_off() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let mut yuki = Member::enter(&server, "participant", "ゆき", "talk").await;
    yuki.set_status("can_talk").await;
    yuki.publish().await;
    let (ws, _) = Client::enter(&server, "participant", "そら", "talk").await;
    let id = ws.id();
    let mut sora = Member {
        ws,
        peer: Peer::new().await,
        id,
        next_rid: 1,
        tracks: Vec::new(),
        status: "watching",
    };
    sora.set_status("can_talk").await;
    for round in 0..20 {
        // Pacing, not synchronisation: a round is 7 requests and the allowance is 20 a second
        // (burst 40); twenty rounds at full speed would be refused as a flood.
        tokio::time::sleep(Duration::from_millis(400)).await;
        sora.peer = Peer::new().await;
        // Yuki is heard at once: the offer that carries her follows the ack.
        sora.acked_before_any_offer(json!({"type": "voice_start"}), round)
            .await;
        sora.answer_offer().await;
        sora.acked_before_any_offer(json!({"type": "voice_publish", "kind": "audio"}), round)
            .await;
        let offer = sora.answer_offer().await;
        assert_eq!(
            offer["uplinks"].as_array().map(Vec::len),
            Some(1),
            "{offer}"
        );
        sora.acked_before_any_offer(json!({"type": "voice_unpublish", "kind": "audio"}), round)
            .await;
        let offer = sora.answer_offer().await;
        assert_eq!(
            offer["uplinks"].as_array().map(Vec::len),
            Some(0),
            "{offer}"
        );
        let ack = sora.request(json!({"type": "voice_stop"})).await;
        assert_eq!(ack["type"], "ack", "{ack}");
    }
}
