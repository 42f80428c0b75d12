//! Staff on duty (docs/protocol.md `duty`): staff and counsellors go on duty and off; everyone
//! sees whether someone is there, never who; staff see how many and are warned while too few
//! are during opening hours; participants come in only while enough are on duty.
#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::time::Duration;
use support::{Client, Server, TEST_ROOMS};

const OPEN: &str = "2026-12-09T11:00:00+09:00";

fn rooms() -> String {
    let rooms = TEST_ROOMS.replacen(
        "min_on_duty = 0\n",
        "min_on_duty = 1\nwarn_on_duty_below = 2\n",
        1,
    );
    assert_ne!(rooms, TEST_ROOMS, "TEST_ROOMS sets min_on_duty = 0");
    rooms
}

/// The next `duty` with `staff_present` and (for staff) `on_duty`.
async fn duty(client: &mut Client, present: bool, on_duty: Option<u64>) -> Value {
    client
        .recv_where(&format!("duty {present} {on_duty:?}"), |f| {
            f["type"] == "duty"
                && f["staff_present"] == present
                && on_duty.is_none_or(|n| f["on_duty"] == n)
        })
        .await
}

#[tokio::test]
async fn participants_come_in_while_enough_staff_are_on_duty_and_see_only_that_someone_is() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;

    // Nobody on duty: a participant is told kindly, and the connection closes with 4002.
    let token = server.token("participant", "はじめて").await;
    let mut early = Client::connect(&server).await;
    early
        .send(json!({"type": "auth", "rid": 1, "token": token}))
        .await;
    let refused = early.recv_error("no_staff").await;
    assert!(
        refused["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{refused}"
    );
    let (code, _) = early.expect_close(support::WAIT).await;
    assert_eq!(code, 4002);

    // Staff come in regardless, see nobody on duty, and are warned during opening hours.
    let (mut staff, _) = Client::login(&server, "staff", "受付").await;
    let seen = duty(&mut staff, false, Some(0)).await;
    assert_eq!(
        (&seen["you"], &seen["short"]),
        (&json!(false), &json!(true)),
        "{seen}"
    );
    let refused = staff
        .request(json!({"type": "duty", "rid": 2, "on": true}))
        .await;
    assert_eq!(refused["type"], "ack", "{refused}");
    let seen = duty(&mut staff, true, Some(1)).await;
    assert_eq!(
        (&seen["you"], &seen["short"]),
        (&json!(true), &json!(true)),
        "one is fewer than two: {seen}"
    );

    // Now the participant comes in, and sees that someone is there, not who nor how many.
    let (mut p, _) = Client::login(&server, "participant", "はじめて").await;
    let seen = duty(&mut p, true, None).await;
    assert!(
        seen.get("on_duty").is_none() && seen.get("you").is_none() && seen.get("short").is_none(),
        "{seen}"
    );
    assert!(!seen.to_string().contains(&staff.id()), "{seen}");
    let refused = p
        .request(json!({"type": "duty", "rid": 3, "on": true}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");

    // A counsellor joins the duty: two, no more warning.
    let (mut c, _) = Client::login(&server, "counsellor", "相談員").await;
    let ack = c
        .request(json!({"type": "duty", "rid": 4, "on": true}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let seen = duty(&mut staff, true, Some(2)).await;
    assert_eq!(seen["short"], false, "{seen}");

    // Staff going off, then leaving the space, take themselves off the roster.
    let ack = staff
        .request(json!({"type": "duty", "rid": 5, "on": false}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    duty(&mut c, true, Some(1)).await;
    let ack = c
        .request(json!({"type": "duty", "rid": 6, "on": false}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    duty(&mut p, false, None).await;
    // Whoever is inside stays; only newcomers wait for someone on duty.
    p.expect_nothing(Duration::from_millis(200), "being sent away", |f| {
        f["type"] == "goodbye" || f["type"] == "error"
    })
    .await;
}

#[tokio::test]
async fn leaving_the_space_takes_staff_off_duty() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let (mut staff, _) = Client::login(&server, "staff", "受付").await;
    let ack = staff
        .request(json!({"type": "duty", "rid": 1, "on": true}))
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let (mut p, _) = Client::login(&server, "participant", "そら").await;
    duty(&mut p, true, None).await;
    staff
        .send_raw(tokio_tungstenite::tungstenite::Message::Close(None))
        .await
        .expect("close");
    duty(&mut p, false, None).await;
}
