//! The public HTTP API on the shipped rooms.toml at chosen instants: /api/status,
//! /api/schedule, /api/calendar.ics, /healthz and the web page.
#[path = "support/mod.rs"]
mod support;

use chrono::Utc;
use serde_json::Value;
use support::{assert_instant, instant, shipped_rooms, Server};

/// 14:00 on Wednesday 9 December 2026, the 2nd Wednesday: open 13:00–21:00.
const OPEN: &str = "2026-12-09T14:00:00+09:00";
/// Thursday 10 December 2026, 14:00: closed (next: Wednesday 16th, 13:00).
const CLOSED: &str = "2026-12-10T14:00:00+09:00";

async fn get(server: &Server, path: &str) -> reqwest::Response {
    reqwest::get(server.http_url(path))
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

async fn get_json(server: &Server, path: &str) -> Value {
    let response = get(server, path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    let kind = content_type(&response);
    assert!(kind.starts_with("application/json"), "GET {path}: {kind}");
    response.json().await.expect("JSON body")
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

fn windows(body: &Value) -> &Vec<Value> {
    body["windows"]
        .as_array()
        .unwrap_or_else(|| panic!("no windows: {body}"))
}

#[tokio::test]
async fn status_when_open_says_when_it_closes_and_lists_only_public_rooms() {
    let server = Server::start(&shipped_rooms(), OPEN, 1.0).await;
    let status = get_json(&server, "/api/status").await;
    assert_eq!(status["open"], true, "{status}");
    assert_eq!(status["timezone"], "Asia/Tokyo", "{status}");
    assert_instant(
        &status["closes_at"],
        "2026-12-09T21:00:00+09:00",
        "closes_at",
    );
    let next = &status["next_opening"];
    assert!(next["room"].is_null(), "{status}");
    assert_instant(
        &next["start"],
        "2026-12-16T13:00:00+09:00",
        "next_opening.start",
    );
    assert_instant(
        &next["end"],
        "2026-12-16T21:00:00+09:00",
        "next_opening.end",
    );
    // The shipped file gives every text its English, and how to reach the office.
    for key in [
        "name",
        "about",
        "name_en",
        "about_en",
        "contact",
        "contact_en",
    ] {
        assert!(
            status[key].as_str().is_some_and(|s| !s.trim().is_empty()),
            "`{key}` should be shown on the public page: {status}"
        );
    }
    let now = instant(status["now"].as_str().expect("now"));
    let drift = (now - instant(OPEN)).num_seconds();
    assert!((0..60).contains(&drift), "now {now} is not the clock's");

    let rooms = status["rooms"].as_array().expect("rooms");
    let ids: Vec<&str> = rooms.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for room in rooms {
        let kind = room["kind"].as_str().expect("kind");
        assert!(
            ["free", "program", "gallery"].contains(&kind),
            "a non-public room on the public page: {room}"
        );
        for key in ["name", "description", "name_en", "description_en"] {
            assert!(room[key].is_string(), "{key}: {room}");
        }
    }
    for hidden in ["consult", "consult-1", "staff"] {
        assert!(!ids.contains(&hidden), "{hidden} listed: {ids:?}");
    }
    for shown in ["free", "lunch", "singing", "gallery"] {
        assert!(ids.contains(&shown), "{shown} missing: {ids:?}");
    }
}

#[tokio::test]
async fn status_when_closed_has_no_closing_time() {
    let server = Server::start(&shipped_rooms(), CLOSED, 1.0).await;
    let status = get_json(&server, "/api/status").await;
    assert_eq!(status["open"], false, "{status}");
    assert!(
        status.get("closes_at").is_none_or(Value::is_null),
        "closes_at while closed: {status}"
    );
    assert_instant(
        &status["next_opening"]["start"],
        "2026-12-16T13:00:00+09:00",
        "next_opening.start",
    );
}

#[tokio::test]
async fn schedule_defaults_to_the_clocks_date_and_refuses_bad_ranges() {
    let server = Server::start(&shipped_rooms(), OPEN, 1.0).await;
    let default = get_json(&server, "/api/schedule").await;
    assert_eq!(default["timezone"], "Asia/Tokyo");
    let list = windows(&default);
    assert!(!list.is_empty(), "{default}");
    // The range starts at the date, not the instant: today's 13:00 opening (already begun at
    // 14:00) is included, and nothing from an earlier day.
    let first_day = instant("2026-12-09T00:00:00+09:00");
    for w in list {
        assert!(instant(w["start"].as_str().unwrap()) >= first_day, "{w}");
    }
    assert!(
        list.iter().any(|w| w["room"].is_null()
            && instant(w["start"].as_str().unwrap()) == instant("2026-12-09T13:00:00+09:00")),
        "today's opening is missing from the default range: {default}"
    );
    let explicit = get_json(&server, "/api/schedule?from=2026-12-09").await;
    assert_eq!(default, explicit, "the default `from` is the clock's date");
    // At most 366 days, both dates included.
    let year = get_json(&server, "/api/schedule?from=2026-01-01&to=2027-01-01").await;
    assert!(!windows(&year).is_empty());

    for query in [
        "from=2026-13-01",
        "from=2026-02-30",
        "to=tomorrow",
        "from=2026-12-10&to=2026-12-09",
        "from=2026-01-01&to=2027-01-02",
        "from=2026-01-01&to=2030-01-01",
    ] {
        let path = format!("/api/schedule?{query}");
        let response = get(&server, &path).await;
        assert_eq!(response.status(), 400, "GET {path}");
        let kind = content_type(&response);
        assert!(kind.starts_with("application/json"), "GET {path}: {kind}");
        let body: Value = response.json().await.expect("error JSON");
        assert_eq!(body["error"], "bad_request", "GET {path}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "GET {path}: {body}"
        );
    }
}

#[tokio::test]
async fn calendar_feed_is_valid_icalendar_with_one_event_per_window_for_90_days() {
    let server = Server::start(&shipped_rooms(), OPEN, 1.0).await;
    let response = get(&server, "/api/calendar.ics").await;
    assert_eq!(response.status(), 200);
    let kind = content_type(&response);
    assert!(kind.starts_with("text/calendar"), "content type {kind}");
    let body = response.text().await.expect("body");

    // Every line ends with CRLF, and no line is longer than 75 octets.
    assert!(body.ends_with("\r\n"), "the last line lacks CRLF");
    let lines: Vec<&str> = body[..body.len() - 2].split("\r\n").collect();
    for line in &lines {
        assert!(
            !line.contains('\n') && !line.contains('\r'),
            "a bare line break: {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    // Unfold (a line starting with a space continues the previous one).
    let mut logical: Vec<String> = Vec::new();
    for line in lines {
        match line.strip_prefix(' ') {
            Some(rest) => logical.last_mut().expect("a fold first").push_str(rest),
            None => logical.push(line.to_string()),
        }
    }
    assert_eq!(logical.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(logical.last().map(String::as_str), Some("END:VCALENDAR"));
    assert!(logical.iter().any(|l| l == "VERSION:2.0"), "no VERSION");
    assert!(
        logical.iter().any(|l| l.starts_with("PRODID:")),
        "no PRODID"
    );

    // Events, each with the properties RFC 5545 requires.
    let mut starts = Vec::new();
    let mut uids = std::collections::HashSet::new();
    let mut event: Option<Vec<String>> = None;
    for line in &logical {
        match (line.as_str(), event.as_mut()) {
            ("BEGIN:VEVENT", None) => event = Some(Vec::new()),
            ("BEGIN:VEVENT", Some(_)) => panic!("nested VEVENT"),
            ("END:VEVENT", Some(props)) => {
                for key in ["UID:", "DTSTAMP:", "DTSTART:", "DTEND:", "SUMMARY:"] {
                    assert!(
                        props.iter().any(|p| p.starts_with(key)),
                        "VEVENT without {key} {props:?}"
                    );
                }
                let uid = props.iter().find(|p| p.starts_with("UID:")).unwrap();
                assert!(uids.insert(uid.clone()), "duplicate {uid}");
                let start = props.iter().find(|p| p.starts_with("DTSTART:")).unwrap();
                starts.push(start["DTSTART:".len()..].to_string());
                event = None;
            }
            ("END:VEVENT", None) => panic!("END:VEVENT without BEGIN"),
            (_, Some(props)) => props.push(line.clone()),
            (_, None) => {}
        }
    }
    assert!(event.is_none(), "an unfinished VEVENT");
    assert!(
        starts.iter().any(|s| s == "20261209T040000Z"),
        "no event for 2026-12-09 13:00 JST as 20261209T040000Z: {starts:?}"
    );

    // The same windows as the schedule API over the 90 days from the clock's date.
    let schedule = get_json(&server, "/api/schedule?from=2026-12-09&to=2027-03-08").await;
    let mut expected: Vec<String> = windows(&schedule)
        .iter()
        .map(|w| {
            let start = instant(w["start"].as_str().unwrap());
            start
                .with_timezone(&Utc)
                .format("%Y%m%dT%H%M%SZ")
                .to_string()
        })
        .collect();
    assert_eq!(
        starts.len(),
        expected.len(),
        "VEVENTs vs /api/schedule windows over 90 days"
    );
    starts.sort();
    expected.sort();
    assert_eq!(starts, expected, "event starts vs schedule windows");
}

#[tokio::test]
async fn health_and_the_web_page() {
    let server = Server::start(&shipped_rooms(), OPEN, 1.0).await;
    let health = get_json(&server, "/healthz").await;
    assert_eq!(health["status"], "ok", "{health}");
    assert!(health["online"].is_u64(), "{health}");

    let page = get(&server, "/").await;
    assert_eq!(page.status(), 200);
    assert!(content_type(&page).starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains(r#"lang="ja""#), "not the Japanese page");

    // The page's module script must come with a JavaScript type, or browsers refuse it.
    let script = get(&server, "/app.js").await;
    assert_eq!(script.status(), 200);
    let kind = content_type(&script);
    assert!(kind.contains("javascript"), "/app.js served as {kind}");

    // Another page address serves the same page (the client routes by itself).
    let other = get(&server, "/welcome").await;
    assert_eq!(other.status(), 200, "GET /welcome");
    assert!(content_type(&other).starts_with("text/html"));
    assert_eq!(other.text().await.unwrap(), html);
}

/// An address under /api/ that does not exist is an API error, not the web page: a client
/// (or a typo in a city's integration) must not receive HTML with 200 for a missing endpoint.
#[tokio::test]
async fn an_unknown_api_path_is_not_found() {
    let server = Server::start(&shipped_rooms(), OPEN, 1.0).await;
    let response = get(&server, "/api/nothing-here").await;
    assert_eq!(response.status(), 404, "GET /api/nothing-here");
    assert!(
        !content_type(&response).starts_with("text/html"),
        "the web page served for an unknown API path"
    );
}

/// The shipped gallery's files and the map's drawing are there and served as what they are: a
/// browser plays a video only with a video type, and shows captions only with text/vtt.
#[tokio::test]
async fn the_shipped_gallery_files_are_served_with_their_types() {
    let server = Server::start(&shipped_rooms(), OPEN, 1.0).await;
    let rooms = shipped_rooms();
    let sources: Vec<&str> = rooms
        .lines()
        .filter_map(|l| {
            let (key, value) = l.split_once(" = ")?;
            ["src", "poster", "captions", "background"]
                .contains(&key)
                .then(|| {
                    value
                        .split('#')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .trim_matches('"')
                })
        })
        .collect();
    assert_eq!(
        sources.len(),
        22,
        "seven videos, each with a poster and captions, and the map's drawing"
    );
    for path in sources {
        let response = get(&server, path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        let kind = content_type(&response);
        let expected = match path.rsplit('.').next() {
            Some("mp4") => "video/mp4",
            Some("svg") => "image/svg+xml",
            Some("vtt") => "text/vtt",
            other => panic!("{path}: an unexpected kind of file {other:?}"),
        };
        assert!(kind.starts_with(expected), "GET {path}: {kind}");
        let body = response.bytes().await.unwrap();
        if expected == "image/svg+xml" {
            assert!(body.starts_with(b"<svg"), "{path} is not an SVG picture");
        }
        if expected == "text/vtt" {
            assert!(body.starts_with(b"WEBVTT"), "{path} is not WebVTT");
        }
        if expected == "video/mp4" {
            assert_eq!(&body[4..8], b"ftyp", "{path} is not an MP4 file");
        }
    }
    assert!(
        !server
            .stderr()
            .contains("not in the web client's directory"),
        "a shipped file is reported missing:\n{}",
        server.stderr()
    );
}

/// A gallery file that is not there: the server says so at start-up with the room and the
/// rooms.toml line, and still starts; the file's address is a 404, not the public page.
#[tokio::test]
async fn a_missing_gallery_file_is_a_warning_at_start_and_a_404() {
    let missing = "/media/gallery/not-made-yet.mp4";
    let rooms = shipped_rooms().replace("/media/gallery/dinner.mp4", missing);
    let line = 1 + rooms
        .lines()
        .position(|l| l.contains(missing))
        .expect("the replaced line");
    let server = Server::start(&rooms, OPEN, 1.0).await;
    let log = server.stderr();
    let warning = log
        .lines()
        .find(|l| l.contains(missing))
        .unwrap_or_else(|| panic!("no warning names {missing}:\n{log}"));
    assert!(warning.contains("WARN"), "{warning}");
    assert!(
        warning.contains(&format!(
            "rooms.toml:{line}:7: room \"gallery\" lists {missing}"
        )),
        "{warning}"
    );
    assert_eq!(
        log.matches("not in the web client's directory").count(),
        1,
        "only the missing file is named:\n{log}"
    );

    for path in [
        missing,
        "/media/anything",
        "/space/nothing.js",
        "/nothing.vtt",
    ] {
        let response = get(&server, path).await;
        assert_eq!(response.status(), 404, "GET {path}");
        assert!(
            !content_type(&response).starts_with("text/html"),
            "GET {path}: the page's HTML for a missing file"
        );
    }
    // An address that names no file is still the public page (the client routes by itself).
    assert_eq!(get(&server, "/welcome").await.status(), 200);
}
