//! Rooms for a group (docs/rooms.md "Rooms for a group"): a member declares an age band when
//! registering (or later on the account page), rooms.toml limits rooms to some bands or roles,
//! the gate refuses others with `not_for_you`, `welcome` tells the page beforehand, and the
//! band reaches nobody else. The real server, a real SMTP sink for the invitations, the real
//! HTTP API with a cookie jar, and WebSocket clients.
#[path = "support/mod.rs"]
mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::smtp::SmtpSink;
use support::{Client, Server, TEST_ROOMS};

/// 11:00 on an open Wednesday of the test space: both rooms below are in session.
const OPEN: &str = "2026-12-09T11:00:00+09:00";

/// The test space plus けやきの会 for participants of 40 and over, and a family meeting.
const GROUP_ROOMS: &str = r#"
[[room]]
id = "keyaki"
kind = "program"
name = "けやきの会(40代以上)"
host_roles = ["staff"]
for_groups = ["40s_plus"]
for_roles = ["participant"]
[[room.session]]
rule = "weekly"
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "10:00"
end = "18:00"

[[room]]
id = "family"
kind = "program"
name = "家族のつどい"
host_roles = ["staff"]
for_roles = ["family"]
[[room.session]]
rule = "weekly"
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "10:00"
end = "18:00"
"#;

struct Space {
    server: Server,
    sink: SmtpSink,
}

impl Space {
    async fn start() -> Space {
        let sink = SmtpSink::start().await;
        let rooms = format!("{TEST_ROOMS}{GROUP_ROOMS}");
        let flags = sink.flags();
        let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
        let server = Server::start_with(&rooms, OPEN, 1.0, &flags).await;
        Space { server, sink }
    }

    /// Invites from the command line and registers with `group` in a fresh browser (which
    /// keeps the session cookie, as the page does).
    async fn member(&self, role: &str, nickname: &str, group: Value) -> reqwest::Client {
        // One invitation mail per member, each awaited before the next: a fresh address.
        let email = format!("member{}@example.org", self.sink.all().len());
        let (ok, out, err) = self
            .server
            .admin(
                &[
                    "invite",
                    "--email",
                    &email,
                    "--role",
                    role,
                    "--nickname",
                    nickname,
                ],
                &self.sink.flags(),
            )
            .await;
        assert!(ok, "admin invite failed:\n{out}\n{err}");
        let mail = self.sink.nth_to(&email, 1).await;
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("http client");
        let (status, body) = call(browser.post(self.url("/api/registrations")).json(&json!({
            "token": mail.token("/register#t="),
            "nickname": nickname,
            "avatar": {"shape": "fox", "color": "#8fb8de"},
            "group": group,
            "login_by_email": true,
        })))
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        browser
    }

    fn url(&self, path: &str) -> String {
        self.server.http_url(path)
    }

    /// Into the space with the browser's session: a fresh connection and its `welcome`.
    async fn enter(&self, browser: &reqwest::Client) -> (Client, Value) {
        let (status, access) = call(browser.post(self.url("/api/token"))).await;
        assert_eq!(status, StatusCode::OK, "{access}");
        let mut client = Client::connect(&self.server).await;
        let welcome = client.auth(access["token"].as_str().expect("token")).await;
        (client, welcome)
    }
}

async fn call(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, body)
}

/// The room `id` as `welcome` lists it.
fn listed<'a>(welcome: &'a Value, id: &str) -> &'a Value {
    welcome["rooms"]
        .as_array()
        .expect("rooms")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id} is not listed: {welcome}"))
}

/// Whether `welcome` says the room is for this member (`for_you` absent means it is).
fn for_you(welcome: &Value, id: &str) -> bool {
    listed(welcome, id)["for_you"] != false
}

async fn refused(client: &mut Client, room: &str) -> Value {
    client
        .send(json!({"type": "join", "rid": 7, "room": room}))
        .await;
    let reply = client.recv_reply("joined").await;
    assert_eq!(reply["type"], "error", "{room} let in: {reply}");
    assert_eq!(reply["code"], "not_for_you", "{reply}");
    assert_eq!(reply["rid"], 7);
    reply
}

#[tokio::test]
async fn a_room_by_age_admits_its_band_and_kindly_refuses_another() {
    let space = Space::start().await;
    let forty = space
        .member("participant", "けやき", json!("40s_plus"))
        .await;
    let twenty = space.member("participant", "わかば", json!("20s")).await;
    let unsaid = space.member("participant", "ないしょ", Value::Null).await;

    let (mut member, welcome) = space.enter(&forty).await;
    assert!(for_you(&welcome, "keyaki"), "{welcome}");
    assert_eq!(
        listed(&welcome, "keyaki")["for_groups"],
        json!(["40s_plus"])
    );
    assert_eq!(
        listed(&welcome, "keyaki")["for_roles"],
        json!(["participant"])
    );
    assert!(for_you(&welcome, "hiroba"), "{welcome}");
    member.join("keyaki").await;

    let (mut other, welcome) = space.enter(&twenty).await;
    assert!(!for_you(&welcome, "keyaki"), "{welcome}");
    let error = refused(&mut other, "keyaki").await;
    let message = error["message"].as_str().expect("message");
    assert!(
        message.contains("40代以上のご本人のための集まりです"),
        "the message says whom the room is for: {message}"
    );
    assert!(
        message.contains("アカウントのページ"),
        "and where to choose a band: {message}"
    );
    assert!(
        !message.contains("20代"),
        "never the member's own band: {message}"
    );
    assert_eq!(error["for_groups"], json!(["40s_plus"]));
    // A refused join leaves the member where they were, free to go elsewhere.
    other.join("hiroba").await;

    let (mut quiet, welcome) = space.enter(&unsaid).await;
    assert!(
        !for_you(&welcome, "keyaki"),
        "答えない is no band: {welcome}"
    );
    refused(&mut quiet, "keyaki").await;

    // Staff and hosts enter regardless.
    let (mut staff, welcome) = Client::login(&space.server, "staff", "スタッフ").await;
    assert!(for_you(&welcome, "keyaki") && for_you(&welcome, "family"));
    staff.join("keyaki").await;
    staff.join("family").await;
}

#[tokio::test]
async fn a_changed_band_counts_from_the_next_connection() {
    let space = Space::start().await;
    let browser = space.member("participant", "かわる", json!("30s")).await;
    let (status, me) = call(browser.get(space.url("/api/me"))).await;
    assert_eq!((status, &me["group"]), (StatusCode::OK, &json!("30s")));

    let (mut before, _) = space.enter(&browser).await;
    refused(&mut before, "keyaki").await;

    let (status, body) = call(
        browser
            .put(space.url("/api/me/group"))
            .json(&json!({"group": "60s"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "group");
    let (status, body) = call(
        browser
            .put(space.url("/api/me/group"))
            .json(&json!({"group": "40s_plus"})),
    )
    .await;
    assert_eq!(
        (status, &body["group"]),
        (StatusCode::OK, &json!("40s_plus"))
    );
    let (_, me) = call(browser.get(space.url("/api/me"))).await;
    assert_eq!(me["group"], "40s_plus");

    let (mut after, welcome) = space.enter(&browser).await;
    assert!(for_you(&welcome, "keyaki"), "{welcome}");
    after.join("keyaki").await;

    // Withdrawing it (答えない) closes the room again, from the next connection.
    let (status, body) = call(
        browser
            .put(space.url("/api/me/group"))
            .json(&json!({"group": null})),
    )
    .await;
    assert_eq!((status, &body["group"]), (StatusCode::OK, &Value::Null));
    let (mut again, welcome) = space.enter(&browser).await;
    assert!(!for_you(&welcome, "keyaki"), "{welcome}");
    refused(&mut again, "keyaki").await;
}

#[tokio::test]
async fn the_family_room_is_for_family_members_only() {
    let space = Space::start().await;
    let parent = space.member("family", "おや", json!("40s_plus")).await;
    let person = space
        .member("participant", "ほんにん", json!("40s_plus"))
        .await;

    let (mut family, welcome) = space.enter(&parent).await;
    assert!(for_you(&welcome, "family"), "{welcome}");
    assert!(
        !for_you(&welcome, "keyaki"),
        "けやきの会 is for ご本人, whatever the band: {welcome}"
    );
    family.join("family").await;
    let error = refused(&mut family, "keyaki").await;
    assert!(
        error["message"].as_str().unwrap().contains("ご本人"),
        "{error}"
    );

    let (mut participant, welcome) = space.enter(&person).await;
    assert!(!for_you(&welcome, "family"), "{welcome}");
    let error = refused(&mut participant, "family").await;
    let message = error["message"].as_str().expect("message");
    assert!(message.contains("ご家族のための集まりです"), "{message}");
    assert!(
        !message.contains("年代"),
        "a room by role says nothing of bands: {message}"
    );
    assert_eq!(error["for_roles"], json!(["family"]));
}

/// Every key of every object in `frame`, however deep.
fn keys(frame: &Value, into: &mut Vec<String>) {
    match frame {
        Value::Object(map) => {
            for (key, value) in map {
                into.push(key.clone());
                keys(value, into);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys(v, into)),
        _ => {}
    }
}

#[tokio::test]
async fn nobody_else_ever_receives_a_members_band() {
    let space = Space::start().await;
    // A band no room names, so its name can appear in no other frame for another reason.
    let secret = space.member("participant", "ひみつ", json!("20s")).await;
    let neighbour = space
        .member("participant", "となり", json!("40s_plus"))
        .await;

    let (mut staff, staff_welcome) = Client::login(&space.server, "staff", "みまもり").await;
    let staff_joined = staff.join("hiroba").await;
    let (mut other, other_welcome) = space.enter(&neighbour).await;
    let other_joined = other.join("hiroba").await;
    staff.recv_type("member_joined").await;

    let (mut member, _) = space.enter(&secret).await;
    member.join("hiroba").await;
    let id = member.id();
    let mut seen = vec![staff_welcome, staff_joined, other_welcome, other_joined];
    for observer in [&mut staff, &mut other] {
        seen.push(observer.recv_member_joined(&id).await);
    }
    member
        .send(json!({"type": "status", "rid": 2, "status": "can_talk"}))
        .await;
    for observer in [&mut staff, &mut other] {
        seen.push(
            observer
                .recv_where("member_updated", |f| {
                    f["type"] == "member_updated" && f["member"]["id"] == id.as_str()
                })
                .await,
        );
    }
    staff.send(json!({"type": "overview", "rid": 3})).await;
    let overview = staff.recv_reply("overview").await;
    assert!(overview.to_string().contains(&id), "{overview}");
    seen.push(overview);
    seen.extend(staff.kept().iter().cloned());
    seen.extend(other.kept().iter().cloned());

    for frame in &seen {
        let text = frame.to_string();
        assert!(
            !text.contains("20s"),
            "a band reached another member: {text}"
        );
        let mut all = Vec::new();
        keys(frame, &mut all);
        assert!(
            all.iter().all(|k| k != "group" && k != "age_group"),
            "a frame carries a member's group: {text}"
        );
    }
    // The member views others get are exactly the documented fields.
    let view = &seen[4]["member"];
    let fields: Vec<&String> = view.as_object().expect("member view").keys().collect();
    for field in fields {
        assert!(
            ["id", "nickname", "avatar", "badge", "status", "pos"].contains(&field.as_str()),
            "member view field `{field}`: {view}"
        );
    }
}

/// Issue 15: a member may change their nickname (the registration's rules again, a real name
/// kindly refused, three tries a day), audited, from the next connection.
#[tokio::test]
async fn a_member_changes_their_nickname_under_the_same_rules() {
    let space = Space::start().await;
    let browser = space
        .member("participant", "まえのなまえ", json!(null))
        .await;
    let _other = space.member("participant", "ほかのひと", json!(null)).await;
    let put = |nickname: &str| {
        browser
            .put(space.url("/api/me/nickname"))
            .json(&json!({ "nickname": nickname }))
    };
    let (status, body) = call(put("佐藤花子")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["field"], "nickname", "{body}");
    let (status, body) = call(put("ほかのひと")).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::CONFLICT, &json!("nickname_taken")),
        "{body}"
    );
    let (status, body) = call(put("あたらしいなまえ")).await;
    assert_eq!(
        (status, &body["nickname"]),
        (StatusCode::OK, &json!("あたらしいなまえ")),
        "{body}"
    );
    let (_, me) = call(browser.get(space.url("/api/me"))).await;
    assert_eq!(me["nickname"], "あたらしいなまえ");
    let (_, welcome) = space.enter(&browser).await;
    assert_eq!(welcome["you"]["nickname"], "あたらしいなまえ", "{welcome}");
    // Three tries a day (the taken name was one): the fourth waits.
    let (status, body) = call(put("みっつめ")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(put("よっつめ")).await;
    assert_eq!(
        (status, &body["error"]),
        (StatusCode::TOO_MANY_REQUESTS, &json!("rate_limited")),
        "{body}"
    );
}
