//! Crisis alerts (docs/protocol.md `crisis_alert`): a line that reads as a crisis still goes
//! to its room, alerts the staff on duty within a second, and privately shows the writer
//! where to call; an acknowledgement is audited; everyday hyperbole alerts nobody; a line in
//! a consultation alerts counsellors only.
#[path = "support/people.rs"]
mod people;
#[path = "support/mod.rs"]
mod support;

use people::admin_on_data;
use serde_json::json;
use std::time::{Duration, Instant};
use support::{into_consultation, Client, Server, TEST_ROOMS};

const OPEN: &str = "2026-12-09T11:00:00+09:00";

fn rooms() -> String {
    format!(
        "{TEST_ROOMS}
[[room]]
id = \"consult\"
kind = \"consult\"
name = \"個別相談\"
pool = 1
"
    )
}

async fn on_duty(client: &mut Client, rid: u64) {
    let ack = client
        .request(json!({"type": "duty", "rid": rid, "on": true}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
}

#[tokio::test]
async fn a_crisis_line_reaches_its_room_alerts_staff_on_duty_and_shows_the_writer_help() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut staff, _) = Client::enter(&server, "staff", "当番", "hiroba").await;
    on_duty(&mut staff, 1).await;
    let (mut off, _) = Client::enter(&server, "staff", "非番", "hiroba").await;
    // Two writers, three lines each: within the chat rate limit.
    let (mut writer, _) = Client::enter(&server, "participant", "かく人", "hiroba").await;
    let (mut second, _) = Client::enter(&server, "participant", "もうひとり", "hiroba").await;
    let (mut reader, _) = Client::enter(&server, "participant", "よむ人", "hiroba").await;

    let lines = [
        "もう消えてしまいたい。死にたいです。",
        "ｼﾆﾀｲ",
        "し に た い",
        "死🌸に🌸た🌸い",
        "リスカしちゃった",
        "I want to kill myself",
    ];
    let mut alerts = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let rid = 10 + i as u64;
        let (writer, nickname) = if i < 3 {
            (&mut writer, "かく人")
        } else {
            (&mut second, "もうひとり")
        };
        let sent = Instant::now();
        writer
            .send(json!({"type": "chat", "rid": rid, "text": line}))
            .await;
        // Never held back: acknowledged and delivered to the room as any line.
        let ack = writer
            .recv_where("the line's ack", |f| f["rid"] == rid)
            .await;
        assert_eq!(ack["type"], "ack", "{line}: {ack}");
        reader
            .recv_where(&format!("the line {line}"), |f| {
                f["type"] == "chat" && f["text"] == *line
            })
            .await;
        let alert = staff
            .recv_where(&format!("the alert for {line}"), |f| {
                f["type"] == "crisis_alert" && f["text"] == *line
            })
            .await;
        println!(
            "alert for {line:?} arrived {} ms after sending",
            sent.elapsed().as_millis()
        );
        assert_eq!(alert["member"]["nickname"], nickname, "{alert}");
        assert_eq!(alert["room"], "hiroba", "{alert}");
        assert!(
            alert["category"].is_string() && alert["alert"].is_string(),
            "{alert}"
        );
        let help = writer.recv_type("help").await;
        assert!(
            help["help_lines"].as_array().is_some_and(|l| l.len() >= 3),
            "{help}"
        );
        alerts.push(alert["alert"].as_str().unwrap().to_string());
    }
    // Hyperbole alerts nobody.
    reader
        .send(json!({"type": "chat", "rid": 30, "text": "死ぬほど眠い"}))
        .await;
    writer
        .recv_where("the everyday line", |f| f["text"] == "死ぬほど眠い")
        .await;
    staff
        .expect_nothing(Duration::from_millis(300), "an alert for hyperbole", |f| {
            f["type"] == "crisis_alert" && f["text"] == "死ぬほど眠い"
        })
        .await;
    // Staff not on duty are not alerted while someone is; the reader never hears of it.
    off.expect_nothing(Duration::from_millis(100), "an alert off duty", |f| {
        f["type"] == "crisis_alert"
    })
    .await;
    reader
        .expect_nothing(
            Duration::from_millis(100),
            "news of an alert or help",
            |f| f["type"] == "crisis_alert" || f["type"] == "help",
        )
        .await;

    // Acknowledged: audited, and staff are told who took it on.
    let ack = staff
        .request(json!({"type": "alert_ack", "rid": 40, "alert": alerts[0]}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let done = staff.recv_type("alert_acknowledged").await;
    assert_eq!(done["alert"], alerts[0].as_str(), "{done}");
    assert_eq!(done["by"]["nickname"], "当番", "{done}");
    let refused = writer
        .request(json!({"type": "alert_ack", "rid": 41, "alert": alerts[1]}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    let refused = staff
        .request(json!({"type": "alert_ack", "rid": 42, "alert": "a_nothing"}))
        .await;
    assert_eq!(refused["code"], "unknown_alert", "{refused}");

    let (ok, out, err) = admin_on_data(&server.data_dir(), &["audit", "--limit", "100"], &[]).await;
    assert!(ok, "{out}{err}");
    assert_eq!(
        out.matches("\tcrisis_alert\t").count(),
        lines.len(),
        "{out}"
    );
    let acknowledged: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("\tcrisis_alert_acknowledged\t"))
        .collect();
    assert_eq!(acknowledged.len(), 1, "{out}");
    assert!(
        acknowledged[0].contains(&staff.id()) && acknowledged[0].contains(&writer.id()),
        "{out}"
    );
    assert!(
        !out.contains("死にたい") && !out.contains("kill myself"),
        "the words are not audited: {out}"
    );
}

#[tokio::test]
async fn a_line_in_a_consultation_alerts_counsellors_on_duty_only() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut staff, _) = Client::login(&server, "staff", "当番").await;
    on_duty(&mut staff, 1).await;
    let (mut c, _) = Client::login(&server, "counsellor", "相談員").await;
    on_duty(&mut c, 2).await;
    let (mut p, _) = Client::enter(&server, "participant", "そうだん", "hiroba").await;
    let room = into_consultation(&mut c, &mut p, 3).await;
    let ack = p
        .request(json!({"type": "chat", "rid": 5, "text": "消えたい"}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let alert = c.recv_type("crisis_alert").await;
    assert_eq!(alert["room"], room.as_str(), "{alert}");
    p.recv_type("help").await;
    staff
        .expect_nothing(Duration::from_millis(300), "a consultation's line", |f| {
            f["type"] == "crisis_alert"
        })
        .await;
    let refused = staff
        .request(json!({"type": "alert_ack", "rid": 6, "alert": alert["alert"]}))
        .await;
    assert_eq!(refused["code"], "unknown_alert", "{refused}");
}

#[tokio::test]
async fn contact_details_wait_for_the_senders_yes_in_the_open_and_not_in_a_consultation() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut staff, _) = Client::enter(&server, "staff", "当番", "hiroba").await;
    on_duty(&mut staff, 1).await;
    let (mut sender, _) = Client::enter(&server, "participant", "おくる人", "hiroba").await;
    let (mut reader, _) = Client::enter(&server, "participant", "よむ人", "hiroba").await;
    let line = "よかったらLINEしませんか 090-1234-5678";

    let held = sender
        .request(json!({"type": "chat", "rid": 2, "text": line}))
        .await;
    assert_eq!(held["code"], "chat_contact", "{held}");
    assert!(
        held["message"]
            .as_str()
            .is_some_and(|m| m.contains("このまま送りますか")),
        "{held}"
    );
    reader
        .expect_nothing(Duration::from_millis(200), "the held line", |f| {
            f["type"] == "chat" && f["text"] == line
        })
        .await;

    // Confirmed: it goes, and staff on duty see that it happened.
    let ack = sender
        .request(json!({"type": "chat", "rid": 3, "text": line, "confirm": true}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    reader
        .recv_where("the confirmed line", |f| {
            f["type"] == "chat" && f["text"] == line
        })
        .await;
    let shared = staff.recv_type("contact_shared").await;
    assert_eq!(shared["member"]["nickname"], "おくる人", "{shared}");
    assert_eq!(shared["room"], "hiroba", "{shared}");
    assert!(shared["kind"].is_string(), "{shared}");

    // In a consultation nothing is held back.
    let (mut c, _) = Client::login(&server, "counsellor", "相談員").await;
    into_consultation(&mut c, &mut sender, 4).await;
    let ack = sender
        .request(
            json!({"type": "chat", "rid": 6, "text": "折り返しは 090-1234-5678 にお願いします"}),
        )
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
}
