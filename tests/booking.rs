//! Consultation booking end to end (docs/consultations.md, docs/accounts.md): the
//! real server, people registered through real invitations (a real SMTP server on loopback),
//! the HTTP API with each person's cookie, and the WebSocket for notices in the space.
#[path = "support/mod.rs"]
mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::smtp::SmtpSink;
use support::{Client, Server, TEST_ROOMS};

/// 11:00 on Wednesday 9 December 2026; the test space opens every day 10:00–18:00.
const OPEN: &str = "2026-12-09T11:00:00+09:00";
const DAY: &str = "2026-12-09";
const PASSPHRASE: &str = "みどりのかぜがふくころに";

struct Space {
    server: Server,
    sink: SmtpSink,
    /// `--database …` when not SQLite in the data directory: the command line needs it too.
    database: Vec<String>,
}

impl Space {
    async fn start(rooms: &str, flags: &[&str]) -> Space {
        let sink = SmtpSink::start().await;
        let mail = sink.flags();
        let mut all: Vec<&str> = mail.iter().map(String::as_str).collect();
        all.extend_from_slice(flags);
        let server = Server::start_with(rooms, OPEN, 1.0, &all).await;
        let database = match flags.iter().position(|f| *f == "--database") {
            Some(i) => vec!["--database".to_string(), flags[i + 1].to_string()],
            None => Vec::new(),
        };
        Space {
            server,
            sink,
            database,
        }
    }

    fn url(&self, path: &str) -> String {
        self.server.http_url(path)
    }

    /// A logged-in browser for a new member invited from the command line with `role`.
    async fn person(&self, role: &str, nickname: &str) -> reqwest::Client {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!("person{n}@example.org");
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
                &[self.sink.flags(), self.database.clone()].concat(),
            )
            .await;
        assert!(ok, "admin invite failed:\n{out}\n{err}");
        let token = self.sink.nth_to(&email, 1).await.token("/register#t=");
        let browser = browser();
        let mut body = json!({"token": token, "nickname": nickname,
                              "avatar": {"shape": "fox", "color": "#8fb8de"}});
        if matches!(role, "participant" | "family") {
            body["login_by_email"] = true.into();
        } else {
            body["passphrase"] = PASSPHRASE.into();
        }
        let (status, answer) = send(
            &browser,
            "POST",
            &self.url("/api/registrations"),
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        browser
    }
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("http client")
}

/// One request; every error answer carries a code and a message in both languages.
async fn send(
    browser: &reqwest::Client,
    method: &str,
    url: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = browser.request(method.parse().expect("a method"), url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    let body: Value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    if status.is_client_error() || status.is_server_error() {
        assert!(body["error"].is_string(), "an error without a code: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
        // Booking's own errors word themselves in English too (account errors: the page).
        if body["error"] != "not_logged_in" {
            assert!(
                body["message_en"].as_str().is_some_and(|m| !m.is_empty()),
                "{body}"
            );
        }
    }
    (status, body)
}

async fn publish(
    space: &Space,
    counsellor: &reqwest::Client,
    start: &str,
    minutes: u32,
) -> (StatusCode, Value) {
    send(
        counsellor,
        "POST",
        &space.url("/api/slots"),
        Some(
            json!({"start": start, "minutes": minutes, "profession": "clinical_psychologist",
                    "modes": ["text", "voice"]}),
        ),
    )
    .await
}

async fn free_ids(space: &Space, browser: &reqwest::Client, query: &str) -> Vec<String> {
    let (status, body) = send(
        browser,
        "GET",
        &space.url(&format!("/api/slots?{query}")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect()
}

async fn book(space: &Space, browser: &reqwest::Client, id: &str) -> (StatusCode, Value) {
    send(
        browser,
        "POST",
        &space.url(&format!("/api/slots/{id}/booking")),
        Some(json!({"mode": "text"})),
    )
    .await
}

#[tokio::test]
async fn a_slot_is_published_listed_booked_seen_by_its_counsellor_and_cancelled() {
    let rooms = format!("{TEST_ROOMS}\n[closures]\ndates = [\"2026-12-16\"]\n");
    let space = Space::start(&rooms, &[]).await;
    let counsellor = space.person("counsellor", "しろくま").await;
    let hana = space.person("participant", "はな").await;
    let kai = space.person("family", "かい").await;

    // Inside the opening: accepted, with its end and the counsellor's nickname.
    let (status, slot) = publish(&space, &counsellor, "2026-12-09T14:00:00+09:00", 50).await;
    assert_eq!(status, StatusCode::CREATED, "{slot}");
    assert_eq!(slot["end"], "2026-12-09T14:50:00+09:00");
    assert_eq!(slot["counsellor"], "しろくま");
    assert_eq!(slot["booking"], Value::Null);
    let id = slot["id"].as_str().unwrap().to_string();

    // A closed day, past the closing time, the past, an overlap, a participant: refused, typed.
    let (status, body) = publish(&space, &counsellor, "2026-12-16T14:00:00+09:00", 50).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("day_closed")),
        "{body}"
    );
    let (status, body) = publish(&space, &counsellor, "2026-12-09T17:30:00+09:00", 50).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("outside_opening")),
        "{body}"
    );
    let (status, body) = publish(&space, &counsellor, "2026-12-09T10:00:00+09:00", 30).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("slot_in_past")),
        "{body}"
    );
    // A page's local time is read in the space's zone.
    let (status, body) = publish(&space, &counsellor, "2026-12-09T14:30", 30).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("slot_overlap")),
        "{body}"
    );
    let (status, body) = publish(&space, &hana, "2026-12-09T15:00:00+09:00", 30).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{body}"
    );
    let (status, body) = send(
        &counsellor,
        "POST",
        &space.url("/api/slots"),
        Some(json!({"start": "2026-12-09T15:00:00+09:00", "minutes": 30, "profession": "doctor"})),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("profession")),
        "{body}"
    );

    // Listed by day, profession and mode.
    assert_eq!(
        free_ids(&space, &hana, &format!("day={DAY}")).await,
        [id.as_str()]
    );
    assert_eq!(
        free_ids(
            &space,
            &hana,
            &format!("day={DAY}&profession=clinical_psychologist&mode=voice")
        )
        .await,
        [id.as_str()]
    );
    assert!(free_ids(&space, &hana, &format!("day={DAY}&mode=video"))
        .await
        .is_empty());
    assert!(free_ids(
        &space,
        &hana,
        &format!("day={DAY}&profession=social_worker")
    )
    .await
    .is_empty());
    assert!(free_ids(&space, &hana, "day=2026-12-10").await.is_empty());

    // Booked once: gone from the list, and the next person hears it is taken.
    let (status, body) = send(
        &hana,
        "POST",
        &space.url(&format!("/api/slots/{id}/booking")),
        Some(json!({"mode": "video"})),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("mode_not_offered")),
        "{body}"
    );
    let (status, body) = book(&space, &hana, &id).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["mode"], "text");
    assert!(free_ids(&space, &kai, &format!("day={DAY}"))
        .await
        .is_empty());
    let (status, body) = book(&space, &kai, &id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("slot_taken")),
        "{body}"
    );
    let (status, body) = book(&space, &counsellor, &id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // The counsellor's day: the booking by nickname, never an address.
    let (status, day) = send(
        &counsellor,
        "GET",
        &space.url(&format!("/api/slots/mine?day={DAY}")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{day}");
    assert_eq!(day["slots"][0]["id"], id.as_str());
    assert_eq!(
        day["slots"][0]["booking"],
        json!({"nickname": "はな", "mode": "text"})
    );
    assert!(!day.to_string().contains("@example.org"), "{day}");

    // Hers to see and to cancel; the slot is free again. Nobody else can cancel it.
    let (_, mine) = send(&hana, "GET", &space.url("/api/slots/mine"), None).await;
    assert_eq!(mine["bookings"][0]["id"], id.as_str());
    assert!(mine.get("slots").is_none(), "{mine}");
    let url = space.url(&format!("/api/slots/{id}/booking"));
    assert_eq!(
        send(&kai, "DELETE", &url, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&hana, "DELETE", &url, None).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, mine) = send(&hana, "GET", &space.url("/api/slots/mine"), None).await;
    assert_eq!(mine["bookings"], json!([]));
    assert_eq!(
        free_ids(&space, &kai, &format!("day={DAY}")).await,
        [id.as_str()]
    );

    // Booked again, then withdrawn by the counsellor: the person is told kindly.
    assert_eq!(book(&space, &kai, &id).await.0, StatusCode::CREATED);
    assert_eq!(
        send(
            &hana,
            "DELETE",
            &space.url(&format!("/api/slots/{id}")),
            None
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(
            &counsellor,
            "DELETE",
            &space.url(&format!("/api/slots/{id}")),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, mine) = send(&kai, "GET", &space.url("/api/slots/mine"), None).await;
    assert_eq!(mine["bookings"], json!([]));
    assert_eq!(mine["notices"][0]["kind"], "booking_cancelled", "{mine}");

    // A counsellor who leaves takes their slots along; whoever booked one is told.
    let (_, later) = publish(&space, &counsellor, "2026-12-09T16:00:00+09:00", 30).await;
    let later = later["id"].as_str().unwrap().to_string();
    assert_eq!(book(&space, &hana, &later).await.0, StatusCode::CREATED);
    let (status, body) = send(
        &counsellor,
        "DELETE",
        &space.url("/api/me"),
        Some(json!({"confirm": "削除します"})),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, mine) = send(&hana, "GET", &space.url("/api/slots/mine"), None).await;
    assert_eq!(mine["bookings"], json!([]));
    assert_eq!(mine["notices"][0]["kind"], "booking_cancelled", "{mine}");
    assert!(free_ids(&space, &kai, &format!("day={DAY}"))
        .await
        .is_empty());

    // Not logged in: no slots.
    let (status, _) = send(&browser(), "GET", &space.url("/api/slots"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// 20 people book one slot at the same instant: exactly one gets it.
async fn twenty_at_once(space: &Space) {
    let counsellor = space.person("counsellor", "ふくろう").await;
    let (status, slot) = publish(space, &counsellor, "2026-12-09T15:00:00+09:00", 50).await;
    assert_eq!(status, StatusCode::CREATED, "{slot}");
    let id = slot["id"].as_str().unwrap().to_string();
    let people = futures_util::future::join_all((0..20).map(|n| {
        space.person(
            "participant",
            Box::leak(format!("ひと{n}").into_boxed_str()),
        )
    }))
    .await;
    let answers = futures_util::future::join_all(people.iter().map(|p| book(space, p, &id))).await;
    let won = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let taken = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::CONFLICT && b["error"] == "slot_taken")
        .count();
    assert_eq!((won, taken), (1, 19), "{answers:?}");
    let (_, day) = send(
        &counsellor,
        "GET",
        &space.url(&format!("/api/slots/mine?day={DAY}")),
        None,
    )
    .await;
    assert!(
        day["slots"][0]["booking"]["nickname"]
            .as_str()
            .is_some_and(|n| n.starts_with("ひと")),
        "{day}"
    );
}

#[tokio::test]
async fn twenty_simultaneous_bookings_of_one_slot_on_sqlite_one_wins() {
    let space = Space::start(TEST_ROOMS, &[]).await;
    twenty_at_once(&space).await;
}

#[tokio::test]
async fn twenty_simultaneous_bookings_of_one_slot_on_postgres_one_wins() {
    use sqlx::ConnectOptions;
    let Some((schema, database, options)) = support::postgres_schema("booking").await else {
        return;
    };
    let space = Space::start(TEST_ROOMS, &["--database", &database]).await;
    twenty_at_once(&space).await;
    // The one booking is in PostgreSQL's table.
    let mut conn = options.connect().await.expect("connect");
    let booked: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {schema}.slots WHERE booked_by IS NOT NULL"
    ))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(booked, 1);
    drop(space);
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_closure_added_after_booking_cancels_it_with_a_kind_notice_to_both() {
    let before = Space::start(TEST_ROOMS, &[]).await;
    let counsellor = before.person("counsellor", "しろくま").await;
    let hana = before.person("participant", "はな").await;
    let (status, slot) = publish(&before, &counsellor, "2026-12-16T14:00:00+09:00", 50).await;
    assert_eq!(status, StatusCode::CREATED, "{slot}");
    let id = slot["id"].as_str().unwrap().to_string();
    assert_eq!(book(&before, &hana, &id).await.0, StatusCode::CREATED);
    // Another day's booking stays.
    let (_, kept) = publish(&before, &counsellor, "2026-12-17T14:00:00+09:00", 50).await;
    let kept = kept["id"].as_str().unwrap().to_string();
    assert_eq!(book(&before, &hana, &kept).await.0, StatusCode::CREATED);

    // The operator closes 16 December and the server starts again on the same database.
    let database = format!(
        "sqlite://{}",
        before.server.data_dir().join("ibasho.db").display()
    );
    let rooms = format!("{TEST_ROOMS}\n[closures]\ndates = [\"2026-12-16\"]\n");
    let after = Space::start(&rooms, &["--database", &database]).await;

    let (_, mine) = send(&hana, "GET", &after.url("/api/slots/mine"), None).await;
    let booked: Vec<&str> = mine["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(booked, [kept.as_str()], "{mine}");
    assert_eq!(mine["notices"][0]["kind"], "booking_cancelled", "{mine}");
    assert_eq!(
        mine["notices"][0]["slot_start"],
        "2026-12-16T14:00:00+09:00"
    );

    // In the space, each hears it on entering, once.
    for (browser, words) in [(&hana, "閉室"), (&counsellor, "はなさん")] {
        let (status, token) = send(browser, "POST", &after.url("/api/token"), None).await;
        assert_eq!(status, StatusCode::OK, "{token}");
        let mut client = Client::connect(&after.server).await;
        client.auth(token["token"].as_str().unwrap()).await;
        let notice = client
            .recv_where("booking_cancelled notice", |f| {
                f["type"] == "notice" && f["kind"] == "booking_cancelled"
            })
            .await;
        let message = notice["message"].as_str().unwrap();
        assert!(
            message.contains("12月16日(水) 14:00") && message.contains(words),
            "{notice}"
        );
        assert!(notice.get("until").is_none(), "{notice}");
        drop(client);
        let mut again = Client::connect(&after.server).await;
        let (_, token) = send(browser, "POST", &after.url("/api/token"), None).await;
        again.auth(token["token"].as_str().unwrap()).await;
        again
            .expect_nothing(
                std::time::Duration::from_millis(300),
                "a repeated notice",
                |f| f["kind"] == "booking_cancelled",
            )
            .await;
    }
}

#[tokio::test]
async fn a_booked_consultation_is_reminded_of_in_the_space() {
    let space = Space::start(TEST_ROOMS, &[]).await;
    let counsellor = space.person("counsellor", "しろくま").await;
    let hana = space.person("participant", "はな").await;
    let (_, token) = send(&hana, "POST", &space.url("/api/token"), None).await;
    let mut client = Client::connect(&space.server).await;
    client.auth(token["token"].as_str().unwrap()).await;
    // Starts within the reminder's half hour: reminded as soon as it is booked.
    let (status, slot) = publish(&space, &counsellor, "2026-12-09T11:20:00+09:00", 30).await;
    assert_eq!(status, StatusCode::CREATED, "{slot}");
    assert_eq!(
        book(&space, &hana, slot["id"].as_str().unwrap()).await.0,
        StatusCode::CREATED
    );
    let notice = client
        .recv_where("booking_reminder notice", |f| {
            f["type"] == "notice" && f["kind"] == "booking_reminder"
        })
        .await;
    assert_eq!(notice["until"], "2026-12-09T11:20:00+09:00", "{notice}");
}

/// The test space with a consultation room (docs/rooms.md), for booked consultations that
/// start.
fn with_consultation_room() -> String {
    format!(
        "{TEST_ROOMS}
[[room]]
id = \"consult\"
kind = \"consult\"
name = \"個別相談\"
capacity = 3
pool = 2
"
    )
}

/// Into the space on the WebSocket as this logged-in browser's member.
async fn enter(space: &Space, browser: &reqwest::Client) -> Client {
    let (status, token) = send(browser, "POST", &space.url("/api/token"), None).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let mut client = Client::connect(&space.server).await;
    client.auth(token["token"].as_str().unwrap()).await;
    client
}

#[tokio::test]
async fn a_booked_consultation_starts_first_in_line_for_its_counsellor_only() {
    let space = Space::start(&with_consultation_room(), &[]).await;
    let counsellor = space.person("counsellor", "しろくま").await;
    let hana = space.person("participant", "はな").await;
    let (status, slot) = publish(&space, &counsellor, "2026-12-09T12:00:00+09:00", 30).await;
    assert_eq!(status, StatusCode::CREATED, "{slot}");
    let id = slot["id"].as_str().unwrap();
    let (status, booked) = send(
        &hana,
        "POST",
        &space.url(&format!("/api/slots/{id}/booking")),
        Some(json!({"mode": "voice"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");

    let mut shirokuma = enter(&space, &counsellor).await;
    let mut booker = enter(&space, &hana).await;
    let (mut other, _) = Client::login(&space.server, "counsellor", "くじら").await;
    let (mut sora, _) = Client::enter(&space.server, "participant", "そら", "hiroba").await;
    // Someone asks now, before the booked time.
    let asked = sora.request(json!({"type": "talk_ask", "rid": 1})).await;
    assert_eq!(asked["type"], "ack", "{asked}");
    shirokuma.recv_talk_line(&["そら"]).await;

    // The booked time comes: the booker stands first, marked for their counsellor, with the
    // way and the profession they booked.
    space.server.set_clock("2026-12-09T11:59:59.7+09:00").await;
    let line = shirokuma.recv_talk_line(&["はな", "そら"]).await;
    let first = &line["requests"][0];
    assert_eq!(first["booked_with"], shirokuma.id().as_str(), "{line}");
    assert_eq!(first["mode"], "voice", "{line}");
    assert_eq!(first["profession"], "clinical_psychologist", "{line}");
    assert_eq!(first["since"], "2026-12-09T12:00:00+09:00", "{line}");
    assert!(first["member"].get("pos").is_none(), "{line}");
    assert!(line["requests"][1].get("booked_with").is_none(), "{line}");
    other.recv_talk_line(&["はな", "そら"]).await;
    let notice = booker
        .recv_where("booking_started notice", |f| {
            f["type"] == "notice" && f["kind"] == "booking_started"
        })
        .await;
    assert!(
        notice["message"].as_str().unwrap().contains("しろくまさん"),
        "{notice}"
    );
    let waiting = booker
        .recv_where("talk_request first", |f| {
            f["type"] == "talk_request" && f["waiting"] == true
        })
        .await;
    assert_eq!(waiting["place"], 1, "{waiting}");
    assert_eq!(waiting["booked_with"], shirokuma.id().as_str(), "{waiting}");
    sora.recv_where("talk_request second", |f| {
        f["type"] == "talk_request" && f["place"] == 2
    })
    .await;

    // Another counsellor may not take someone else's booking.
    let refused = other
        .request(json!({"type": "talk_accept", "rid": 2, "member": booker.id()}))
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");

    // Their counsellor does; the booker is invited in the way they booked, and comes in.
    let accepted = shirokuma
        .request(json!({"type": "talk_accept", "rid": 3, "member": booker.id()}))
        .await;
    assert_eq!(accepted["type"], "ack", "{accepted}");
    let invited = booker.recv_type("invited").await;
    assert_eq!(invited["mode"], "voice", "{invited}");
    assert_eq!(invited["by"]["nickname"], "しろくま", "{invited}");
    let room = invited["room"].as_str().unwrap().to_string();
    let inside = booker.join(&room).await;
    assert_eq!(
        inside["members"].as_array().map(Vec::len),
        Some(2),
        "{inside}"
    );
    other.recv_talk_line(&["そら"]).await;
}
