//! Reports (docs/protocol.md `report`): a member reports another, or one of their lines; the
//! report keeps the line and the room's lines in the minutes before it; staff on duty are
//! told; staff read it over HTTP, every read audited; the reported member receives nothing
//! that mentions it or the reporter.
#[path = "support/people.rs"]
mod people;
#[path = "support/mod.rs"]
mod support;

use people::{admin_on_data, call, person};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use support::{Client, Server, TEST_ROOMS};

const OPEN: &str = "2026-12-09T11:00:00+09:00";

async fn say(client: &mut Client, rid: u64, text: &str) -> u64 {
    let ack = client
        .request(json!({"type": "chat", "rid": rid, "text": text}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    ack["seq"].as_u64().expect("a seq")
}

#[tokio::test]
async fn a_report_keeps_the_line_and_the_minutes_before_reaches_staff_and_never_the_reported() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let staff = person(&server, &[], "staff", 1, "見守り").await;
    let (_, token) = call(staff.browser.post(server.http_url("/api/token"))).await;
    let mut on_duty = Client::connect(&server).await;
    on_duty.auth(token["token"].as_str().unwrap()).await;
    on_duty.join("hiroba").await;
    let ack = on_duty
        .request(json!({"type": "duty", "rid": 1, "on": true}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");

    let (mut reporter, _) = Client::enter(&server, "participant", "つうほう", "hiroba").await;
    let (mut reported, _) = Client::enter(&server, "participant", "あいて", "hiroba").await;
    let (mut bystander, _) = Client::enter(&server, "participant", "そば", "hiroba").await;
    say(&mut bystander, 1, "こんにちは").await;
    say(&mut reported, 1, "はじめの言葉").await;
    let seq = say(&mut reported, 2, "いやな言葉").await;
    say(&mut bystander, 2, "あとの言葉").await;
    // Everything the reported member got so far is set aside: from here on, nothing.
    reported.drain(Duration::from_millis(300)).await;

    // Mistakes are told kindly, and file nothing.
    let me = reporter.id();
    let wrong = [
        (
            json!({"type": "report", "rid": 10, "member": me, "reason": "harassment"}),
            "report_self",
        ),
        (
            json!({"type": "report", "rid": 11, "member": "m_nobody00000", "reason": "other"}),
            "unknown_member",
        ),
        (
            json!({"type": "report", "rid": 12, "member": reported.id(), "reason": "rude"}),
            "bad_request",
        ),
        (
            json!({"type": "report", "rid": 13, "member": reported.id(), "reason": "other", "note": "あ".repeat(201)}),
            "bad_request",
        ),
    ];
    for (message, code) in wrong {
        let reply = reporter.request(message).await;
        assert_eq!(
            (reply["type"].as_str(), reply["code"].as_str()),
            (Some("error"), Some(code)),
            "{reply}"
        );
    }

    let ack = reporter
        .request(
            json!({"type": "report", "rid": 20, "member": reported.id(), "seq": seq,
               "reason": "harassment", "note": "こわかったです"}),
        )
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let received = reporter.recv_type("report_received").await;
    assert!(
        received["message"]
            .as_str()
            .is_some_and(|m| m.contains("相手に伝わることはありません")),
        "{received}"
    );

    let filed = on_duty.recv_type("report_filed").await;
    assert_eq!(filed["room"], "hiroba");
    assert_eq!(filed["reported"], reported.id());
    assert_eq!(filed["nickname"], "あいて");
    assert_eq!(filed["reason"], "harassment");
    assert!(
        !filed.to_string().contains(&me),
        "staff's alert need not name the reporter: {filed}"
    );
    let report_id = filed["report"].as_str().expect("an id").to_string();

    // The reported member: nothing at all about it (and the connection is still open).
    reported
        .expect_nothing(
            Duration::from_millis(500),
            "anything after the report",
            |f| f["type"] != "pong",
        )
        .await;

    // Staff read it: the list, then the report with its snapshot.
    let (status, list) = call(staff.browser.get(server.http_url("/api/staff/reports"))).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let first = &list["reports"][0];
    assert_eq!(first["id"], report_id.as_str());
    assert_eq!(first["reporter"]["nickname"], "つうほう");
    assert_eq!(first["reported"]["nickname"], "あいて");
    assert_eq!(first["reason_words"], "いやがらせ");
    assert_eq!(first["note"], "こわかったです");
    assert!(first.get("snapshot").is_none(), "{first}");
    let (status, one) = call(
        staff
            .browser
            .get(server.http_url(&format!("/api/staff/reports/{report_id}"))),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["snapshot"]["line"]["text"], "いやな言葉", "{one}");
    assert_eq!(one["snapshot"]["line"]["seq"], seq);
    let before: Vec<&str> = one["snapshot"]["before"]
        .as_array()
        .expect("lines before")
        .iter()
        .map(|l| l["text"].as_str().unwrap())
        .collect();
    assert_eq!(before, ["こんにちは", "はじめの言葉"], "{one}");
    let (status, _) = call(
        staff
            .browser
            .get(server.http_url("/api/staff/reports/r_nothing")),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A participant reads no reports.
    let member = person(&server, &[], "participant", 2, "よむ").await;
    let (status, _) = call(member.browser.get(server.http_url("/api/staff/reports"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Audited: the filing, and each read.
    let (ok, out, err) = admin_on_data(&server.data_dir(), &["audit", "--limit", "30"], &[]).await;
    assert!(ok, "{err}");
    let actions: Vec<&str> = out.lines().filter_map(|l| l.split('\t').nth(1)).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "report_filed").count(),
        1,
        "{out}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "report_read").count(),
        2,
        "{out}"
    );
    let filed = out
        .lines()
        .find(|l| l.contains("\treport_filed\t"))
        .unwrap();
    assert!(
        filed.contains(&me) && filed.contains(&reported.id()) && filed.contains("harassment"),
        "{filed}"
    );

    // A report about a member without a line keeps the room's lines before now.
    let ack = bystander
        .request(
            json!({"type": "report", "rid": 30, "member": reported.id(), "reason": "worrying"}),
        )
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let filed = on_duty.recv_type("report_filed").await;
    let (_, one) = call(staff.browser.get(server.http_url(&format!(
        "/api/staff/reports/{}",
        filed["report"].as_str().unwrap()
    ))))
    .await;
    assert_eq!(one["snapshot"]["line"], Value::Null);
    assert_eq!(
        one["snapshot"]["before"].as_array().map(Vec::len),
        Some(4),
        "{one}"
    );
    reported
        .expect_nothing(
            Duration::from_millis(300),
            "anything after the second report",
            |f| f["type"] != "pong",
        )
        .await;
}
