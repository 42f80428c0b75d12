//! Staff's tools on the WebSocket: an announcement to the whole space, and who is where —
//! without ever showing who is in a consultation.
#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use support::{Client, Server, TEST_ROOMS};

const OPEN: &str = "2026-12-09T12:10:00+09:00";

fn rooms() -> String {
    format!("{TEST_ROOMS}\n[[room]]\nid = \"consult\"\nkind = \"consult\"\nname = \"個別相談\"\npool = 1\n")
}

#[tokio::test]
async fn an_announcement_reaches_everyone_wherever_they_are() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut staff, _) = Client::enter(&server, "staff", "受付", "hiroba").await;
    let (mut in_free, _) = Client::enter(&server, "participant", "そら", "hiroba").await;
    let (mut at_lunch, _) = Client::enter(&server, "family", "ゆき", "lunch").await;
    let (mut nowhere, _) = Client::login(&server, "participant", "まだ").await;

    let ack = staff
        .request(json!({"type": "announce", "rid": 1, "text": "  15時からお茶の時間です。 "}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    for client in [&mut staff, &mut in_free, &mut at_lunch, &mut nowhere] {
        let a = client.recv_type("announcement").await;
        assert_eq!(a["text"], "15時からお茶の時間です。");
        assert_eq!(a["from"]["nickname"], "受付");
        assert_eq!(a["from"]["badge"], "staff");
        assert!(
            a["at"].as_str().is_some_and(|t| t.ends_with("+09:00")),
            "{a}"
        );
    }

    let refused = in_free
        .request(json!({"type": "announce", "rid": 2, "text": "みなさん"}))
        .await;
    assert_eq!(
        (refused["type"].as_str(), refused["code"].as_str()),
        (Some("error"), Some("not_allowed"))
    );
    let empty = staff
        .request(json!({"type": "announce", "rid": 3, "text": "   "}))
        .await;
    assert_eq!(empty["code"], "chat_empty");
    let long = staff
        .request(json!({"type": "announce", "rid": 4, "text": "あ".repeat(501)}))
        .await;
    assert_eq!(
        (long["code"].as_str(), long["limit"].as_u64()),
        (Some("chat_too_long"), Some(500))
    );
    at_lunch
        .expect_nothing(
            std::time::Duration::from_millis(300),
            "a refused announcement",
            |f| f["type"] == "announcement" && f["text"] == "みなさん",
        )
        .await;
}

#[tokio::test]
async fn staff_see_who_is_where_but_never_who_is_in_a_consultation() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut staff, _) = Client::enter(&server, "staff", "受付", "staff").await;
    let (mut sora, _) = Client::enter(&server, "participant", "そら", "hiroba").await;
    let (mut counsellor, _) = Client::enter(&server, "counsellor", "相談員", "consult-1").await;
    let sora_id = sora.id();
    let invite = counsellor
        .request(json!({"type": "invite", "rid": 1, "member": sora_id}))
        .await;
    assert_eq!(invite["type"], "ack", "{invite}");
    sora.recv_type("invited").await;
    sora.join("consult-1").await;
    let (_yuki, _) = Client::enter(&server, "family", "ゆき", "hiroba").await;

    let seen = staff.request(json!({"type": "overview", "rid": 2})).await;
    assert_eq!(seen["type"], "overview", "{seen}");
    let rooms: Vec<&str> = seen["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["room"].as_str().unwrap())
        .collect();
    assert_eq!(rooms, ["hiroba", "staff"], "{seen}");
    assert_eq!(seen["rooms"][0]["count"], 1);
    assert_eq!(seen["rooms"][0]["members"][0]["nickname"], "ゆき");
    assert!(
        !seen.to_string().contains(&sora_id),
        "staff learned who is in a consultation: {seen}"
    );

    let by_counsellor = counsellor
        .request(json!({"type": "overview", "rid": 3}))
        .await;
    let consult = by_counsellor["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["room"] == "consult-1")
        .unwrap_or_else(|| {
            panic!("a counsellor sees that the consultation room is in use: {by_counsellor}")
        });
    assert_eq!(consult["count"], 2);
    assert!(consult.get("members").is_none(), "{consult}");

    let refused = sora.request(json!({"type": "overview", "rid": 4})).await;
    assert_eq!(refused["code"], "not_allowed");
}

#[tokio::test]
async fn welcome_tells_each_member_what_they_may_do() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let grants = |welcome: &Value| -> Vec<String> {
        welcome["grants"]
            .as_array()
            .unwrap_or_else(|| panic!("welcome carries grants: {welcome}"))
            .iter()
            .map(|g| g.as_str().expect("a grant is a name").to_string())
            .collect()
    };
    let (_staff, welcome) = Client::login(&server, "staff", "受付").await;
    let staff = grants(&welcome);
    for grant in [
        "oversee_space",
        "moderate",
        "review_applications",
        "enter_when_closed",
    ] {
        assert!(
            staff.iter().any(|g| g == grant),
            "staff lack {grant}: {welcome}"
        );
    }
    assert!(!staff.iter().any(|g| g == "manage_accounts"), "{welcome}");
    assert!(!staff.iter().any(|g| g == "read_notes"), "{welcome}");
    let (_counsellor, welcome) = Client::login(&server, "counsellor", "相談員").await;
    for grant in ["take_consultations", "read_notes"] {
        assert!(grants(&welcome).iter().any(|g| g == grant), "{welcome}");
    }
    for (role, nickname) in [("participant", "そら"), ("family", "ゆき")] {
        let (_member, welcome) = Client::login(&server, role, nickname).await;
        assert_eq!(grants(&welcome), Vec::<String>::new(), "{role}: {welcome}");
    }
}
