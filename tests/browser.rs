//! The web client in real headless Chromium (Playwright, tests/browser/*.mjs), against the
//! real server at chosen instants. People are made the real way (invitation from the command
//! line, the link from a real SMTP sink, registration over the API); the browser logs in
//! through the login page. What it needs, and when it skips: tests/support/browser.rs.
#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use support::browser::{ready, run_script, shipped_free_space, space_with};
use support::TEST_ROOMS;

/// A gallery with one of the shipped videos and one whose file is missing.
const GALLERY: &str = r#"
[[room]]
id = "gallery"
kind = "gallery"
name = "ギャラリー"

[[room.video]]
title = "昼食会のご紹介"
src = "/media/gallery/lunch.mp4"
poster = "/media/gallery/lunch.svg"
captions = "/media/gallery/lunch.ja.vtt"

[[room.video]]
title = "まだない動画"
src = "/media/gallery/not-made-yet.mp4"
"#;

/// A room for family members only: a participant's page says so before any click.
const FAMILY_ROOM: &str = r#"
[[room]]
id = "family"
kind = "program"
name = "家族のつどい"
for_roles = ["family"]

[[room.session]]
rule = "weekly"
weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
start = "10:00"
end = "18:00"
"#;

#[tokio::test]
async fn the_web_client_in_chromium() {
    if !ready() {
        return;
    }
    // Open on an ordinary day, during the lunch programme: two people meet in the free space.
    // The free space is the size of the shipped one, with its drawing and its areas.
    let rooms = shipped_free_space();
    let (open, _sink, people) = space_with(
        &format!("{rooms}{GALLERY}{FAMILY_ROOM}"),
        "2026-12-09T12:05:00+09:00",
        1.0,
        &[("そら", "participant"), ("受付", "staff")],
    )
    .await;
    // Nine minutes before closing, ten times faster than real time: the 5- and 1-minute
    // notices and the goodbye come within a minute, while the other steps run.
    let (closing, _sink2, closing_people) = space_with(
        TEST_ROOMS,
        "2026-12-09T17:51:00+09:00",
        10.0,
        &[("ゆき", "participant")],
    )
    .await;
    // An evening after closing: the next opening is the next morning.
    let (closed, _sink3, closed_people) = space_with(
        TEST_ROOMS,
        "2026-12-09T19:00:00+09:00",
        1.0,
        &[("よる", "participant"), ("夜番", "staff")],
    )
    .await;
    run_script(
        "space.mjs",
        &[
            ("OPEN_URL", open.http_url("")),
            ("PEOPLE", Value::Array(people).to_string()),
            ("CLOSING_URL", closing.http_url("")),
            ("CLOSING_PEOPLE", Value::Array(closing_people).to_string()),
            ("CLOSED_URL", closed.http_url("")),
            ("CLOSED_PEOPLE", Value::Array(closed_people).to_string()),
        ],
    )
    .await;
}

/// The office and the operator's words (tests/browser/office.mjs): how to reach the office on
/// the public page and beside a withdrawn invitation, the operator's English, an empty
/// application form showing all it lacks at once, staff deciding applications in words with a
/// kind word that reaches the e-mail, and staff told when the space closes around them.
#[tokio::test]
async fn the_office_and_the_operators_words_in_chromium() {
    if !ready() {
        return;
    }
    const CONTACT: &str = "ひきこもり地域支援センター 022-000-0000（平日9時〜17時）";
    const CONTACT_EN: &str = "Support Centre, 022-000-0000 (weekdays 9:00–17:00)";
    const WORD: &str = "またお会いできる日を楽しみにしています";
    let space = format!(
        "[space]\nname_en = \"The test space\"\ncontact = \"{CONTACT}\"\ncontact_en = \"{CONTACT_EN}\"\n"
    );
    let rooms = TEST_ROOMS.replacen("[space]\n", &space, 1).replacen(
        "name = \"ひろば\"\n",
        "name = \"ひろば\"\nname_en = \"The plaza\"\n",
        1,
    );
    // Half an hour before closing.
    let (server, sink, people) = space_with(
        &rooms,
        "2026-12-09T17:30:00+09:00",
        1.0,
        &[("受付", "staff")],
    )
    .await;
    for (nickname, email) in [
        ("みどり", "midori@example.org"),
        ("あおば", "aoba@example.org"),
    ] {
        let response = reqwest::Client::new()
            .post(server.http_url("/api/applications"))
            .json(
                &json!({"nickname": nickname, "email": email, "applicant": "self",
                          "eligible": true, "consent": true}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 202, "{}", response.text().await.unwrap());
    }
    let flags = sink.flags();
    let invite = ["invite", "--email", "gone@example.org", "--role", "family"];
    let (ok, out, err) = server.admin(&invite, &flags).await;
    assert!(ok, "{out}{err}");
    let withdrawn = sink
        .nth_to("gone@example.org", 1)
        .await
        .token("/register#t=");
    let (_, listed, _) = server.admin(&["invitations", "list"], &flags).await;
    let id = listed
        .lines()
        .find(|l| l.contains("gone@example.org"))
        .and_then(|l| l.split_whitespace().next())
        .expect("the invitation's id")
        .to_string();
    let (ok, out, err) = server.admin(&["invitations", "revoke", &id], &flags).await;
    assert!(ok, "{out}{err}");
    run_script(
        "office.mjs",
        &[
            ("URL", server.http_url("")),
            ("PEOPLE", Value::Array(people).to_string()),
            ("CONTACT", CONTACT.into()),
            ("CONTACT_EN", CONTACT_EN.into()),
            ("WITHDRAWN", withdrawn),
            ("ADMIN_TOKEN", server.token("admin", "時計係").await),
            ("DECLINE_WORD", WORD.into()),
        ],
    )
    .await;
    // The kind word staff wrote went into the decline's e-mail.
    let declined = sink.nth_to("midori@example.org", 2).await;
    assert!(declined.body.contains(WORD), "{}", declined.body);
}

/// Staff on duty and "I'd like to talk" (tests/browser/talk.mjs): a counsellor goes on duty so
/// a participant may come in; the participant asks in text-only mode, the counsellor accepts,
/// they exchange messages, and the participant leaves with one press.
#[tokio::test]
async fn asking_to_talk_and_a_consultation_in_chromium() {
    if !ready() {
        return;
    }
    let rooms = format!(
        "{}
[[room]]
id = \"consult\"
kind = \"consult\"
name = \"個別相談\"
pool = 2
",
        TEST_ROOMS.replacen("min_on_duty = 0", "min_on_duty = 1", 1)
    );
    let (server, _sink, people) = space_with(
        &rooms,
        "2026-12-09T11:00:00+09:00",
        1.0,
        &[("そら", "participant"), ("たなか", "counsellor")],
    )
    .await;
    run_script(
        "talk.mjs",
        &[
            ("URL", server.http_url("")),
            ("PEOPLE", Value::Array(people).to_string()),
        ],
    )
    .await;
}

/// Blocking (tests/browser/block.mjs): a participant blocks another from the member list, after
/// a gentle confirm, and stops seeing them: name, avatar and words; the other only sees them go.
#[tokio::test]
async fn a_participant_blocks_another_and_stops_seeing_them_in_chromium() {
    if !ready() {
        return;
    }
    let (server, _sink, people) = space_with(
        TEST_ROOMS,
        "2026-12-09T11:00:00+09:00",
        1.0,
        &[("はる", "participant"), ("なつ", "participant")],
    )
    .await;
    run_script(
        "block.mjs",
        &[
            ("URL", server.http_url("")),
            ("PEOPLE", Value::Array(people).to_string()),
        ],
    )
    .await;
}
