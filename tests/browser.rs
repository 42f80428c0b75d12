//! The web client in real headless Chromium (Playwright, tests/browser/*.mjs), against the
//! real server at chosen instants. People are made the real way (invitation from the command
//! line, the link from a real SMTP sink, registration over the API); the browser logs in
//! through the login page. What it needs, and when it skips: tests/support/browser.rs.
#[path = "support/mod.rs"]
mod support;

use serde_json::Value;
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
