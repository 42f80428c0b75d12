//! Suspending an account (docs/accounts.md): the member's connection closes at once with a
//! kind message naming the reason and whom to ask; they cannot enter the space nor log in;
//! lifting is one action and they come back; both are in the audit log.
#[path = "support/people.rs"]
mod people;
#[path = "support/mod.rs"]
mod support;

use people::{call, person, Person};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;
use support::{Client, Server, TEST_ROOMS};

const OPEN: &str = "2026-12-09T11:00:00+09:00";
const CONTACT: &str = "テスト支援センター 022-000-0000";
const REASON: &str = "ほかの方へのきつい言葉が続いたため";

fn rooms() -> String {
    TEST_ROOMS.replacen(
        "[space]\n",
        &format!("[space]\ncontact = \"{CONTACT}\"\n"),
        1,
    )
}

async fn access_token(server: &Server, who: &Person) -> (StatusCode, Value) {
    call(who.browser.post(server.http_url("/api/token"))).await
}

async fn enter(server: &Server, token: &str) -> Client {
    let mut client = Client::connect(server).await;
    client.auth(token).await;
    client.join("hiroba").await;
    client
}

async fn login(server: &Server, n: u32) -> (StatusCode, Value) {
    call(
        reqwest::Client::new()
            .post(server.http_url("/api/login"))
            .json(&json!({"email": format!("p{n}@example.org"), "passphrase": "みどりのかぜがふくころに"})),
    )
    .await
}

/// What the suspended member reads (a WebSocket `error` frame, or an HTTP error body): the
/// reason and the contact.
fn assert_kind_message(error: &Value) {
    let code = if error["type"] == "error" {
        &error["code"]
    } else {
        &error["error"]
    };
    assert_eq!(code, "account_suspended", "{error}");
    let message = error["message"].as_str().expect("a message");
    assert!(message.contains("一時停止"), "{message}");
    assert!(message.contains(REASON), "{message}");
    assert!(message.contains(CONTACT), "{message}");
}

/// `auth` with `token` is refused as suspended, and the connection closes with 4008.
async fn refused(server: &Server, token: &str) {
    let mut client = Client::connect(server).await;
    client.send(json!({"type": "auth", "token": token})).await;
    let error = client.recv_type("error").await;
    assert_kind_message(&error);
    assert_eq!(
        client.expect_close(Duration::from_secs(10)).await,
        (4008, "account_suspended".to_string())
    );
}

#[tokio::test]
async fn a_suspended_member_is_told_why_closed_refused_and_comes_back_when_lifted() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let staff = person(&server, &[], "staff", 1, "見守り").await;
    let member = person(&server, &[], "participant", 2, "そら").await;
    let other = person(&server, &[], "participant", 3, "うみ").await;
    let (_, token) = access_token(&server, &member).await;
    let token = token["token"].as_str().expect("token").to_string();
    let mut connected = enter(&server, &token).await;
    let suspend_url = server.http_url(&format!("/api/staff/members/{}/suspend", member.id));

    // Only staff suspend, never themselves, and always with a reason.
    let (status, body) = call(
        other
            .browser
            .post(&suspend_url)
            .json(&json!({"reason": REASON})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (status, body) = call(
        staff
            .browser
            .post(server.http_url(&format!("/api/staff/members/{}/suspend", staff.id)))
            .json(&json!({"reason": REASON})),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("member"))
    );
    let (status, body) = call(
        staff
            .browser
            .post(&suspend_url)
            .json(&json!({"reason": "  "})),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("reason"))
    );
    let (status, body) = call(
        staff
            .browser
            .post(server.http_url("/api/staff/members/m_nobody/suspend"))
            .json(&json!({"reason": REASON})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    let (status, body) = call(
        staff
            .browser
            .post(&suspend_url)
            .json(&json!({"reason": REASON})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["reason"], REASON);

    // Told kindly, then closed at once.
    let error = connected
        .recv_where("account_suspended", |f| f["code"] == "account_suspended")
        .await;
    assert_kind_message(&error);
    assert_eq!(
        connected.expect_close(Duration::from_secs(10)).await,
        (4008, "account_suspended".to_string())
    );

    // Cannot come back: not with the token they had, not by logging in, and their web
    // session ended.
    refused(&server, &token).await;
    let (status, body) = login(&server, 2).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_kind_message(&body);
    let (status, body) = access_token(&server, &member).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("not_logged_in"))
    );

    // Staff see who is suspended.
    let (status, list) = call(staff.browser.get(server.http_url("/api/staff/suspended"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["suspended"][0]["member"], member.id.as_str(), "{list}");
    assert_eq!(list["suspended"][0]["nickname"], "そら");
    assert_eq!(list["suspended"][0]["reason"], REASON);

    // Lifting is one action; they log in and enter again.
    let (status, body) = call(staff.browser.delete(&suspend_url)).await;
    assert_eq!(
        (status, &body["lifted"]),
        (StatusCode::OK, &json!(true)),
        "{body}"
    );
    let (status, body) = login(&server, 2).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut back = enter(&server, &token).await;
    back.expect_nothing(Duration::from_millis(300), "a refusal", |f| {
        f["type"] == "error"
    })
    .await;
    let (_, list) = call(staff.browser.get(server.http_url("/api/staff/suspended"))).await;
    assert_eq!(list["suspended"], json!([]));

    // Audited: who, whom, why, when.
    let (ok, out, err) =
        people::admin_on_data(&server.data_dir(), &["audit", "--limit", "20"], &[]).await;
    assert!(ok, "{err}");
    let line = |action: &str| {
        out.lines()
            .find(|l| l.split('\t').nth(1) == Some(action))
            .unwrap_or_else(|| panic!("no {action} in the audit log:\n{out}"))
            .to_string()
    };
    let suspended = line("suspended");
    assert!(
        suspended.contains(&staff.id)
            && suspended.contains(&member.id)
            && suspended.contains(REASON),
        "{suspended}"
    );
    let lifted = line("suspension_lifted");
    assert!(
        lifted.contains(&staff.id) && lifted.contains(&member.id),
        "{lifted}"
    );
}

#[tokio::test]
async fn the_command_line_suspends_and_lifts() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let member = person(&server, &[], "participant", 1, "そら").await;
    let (ok, out, err) = server
        .admin(&["members", "suspend", &member.id, "--reason", REASON], &[])
        .await;
    assert!(ok, "{out}\n{err}");
    assert!(out.contains(REASON) && out.contains(CONTACT), "{out}");
    let (status, body) = login(&server, 1).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_kind_message(&body);
    let (ok, out, err) = server.admin(&["members", "lift", &member.id], &[]).await;
    assert!(ok && out.contains("lifted"), "{out}\n{err}");
    assert_eq!(login(&server, 1).await.0, StatusCode::OK);
}

/// The audit log over HTTP (docs/accounts.md): admins only, newest first, a page at a time,
/// each entry with the nicknames of who did it and to whom.
#[tokio::test]
async fn admins_page_through_the_audit_log() {
    let server = Server::start(&rooms(), OPEN, 1.0).await;
    let admin = person(&server, &[], "admin", 1, "管理").await;
    let staff = person(&server, &[], "staff", 2, "見守り").await;
    let member = person(&server, &[], "participant", 3, "そら").await;
    let suspend_url = server.http_url(&format!("/api/staff/members/{}/suspend", member.id));
    for n in 0..3 {
        let reason = format!("理由{n}");
        let (status, _) = call(
            staff
                .browser
                .post(&suspend_url)
                .json(&json!({"reason": reason})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }

    let (status, body) = call(staff.browser.get(server.http_url("/api/admin/audit"))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (status, body) =
        call(reqwest::Client::new().get(server.http_url("/api/admin/audit"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let (status, first) = call(
        admin
            .browser
            .get(server.http_url("/api/admin/audit?limit=2")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let entries = first["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{first}");
    assert_eq!(entries[0]["action"], "suspended");
    assert_eq!(entries[0]["detail"]["reason"], "理由2");
    assert_eq!(
        entries[0]["actor"],
        json!({"id": staff.id, "nickname": "見守り"})
    );
    assert_eq!(
        entries[0]["subject"],
        json!({"id": member.id, "nickname": "そら"})
    );
    assert!(entries[0]["at"].is_string());
    assert_eq!(entries[1]["detail"]["reason"], "理由1");
    let before = first["next_before"].as_i64().expect("another page");
    assert_eq!(before, entries[1]["id"].as_i64().unwrap());

    let (_, second) = call(
        admin
            .browser
            .get(server.http_url(&format!("/api/admin/audit?limit=2&before={before}"))),
    )
    .await;
    let entries = second["entries"].as_array().expect("entries");
    assert_eq!(entries[0]["detail"]["reason"], "理由0", "{second}");
    assert!(entries.iter().all(|e| e["id"].as_i64().unwrap() < before));

    let (status, body) = call(
        admin
            .browser
            .get(server.http_url("/api/admin/audit?limit=many")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid"))
    );
}
