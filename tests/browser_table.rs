//! The free space's table in real headless Chromium (tests/browser/table.mjs): two people
//! seated at the shipped rooms.toml's big table hear each other however far apart, and a third
//! standing just outside it, near enough to hear by distance, hears neither of them and is not
//! heard, until they sit down too (read from each browser's WebRTC statistics). What it
//! needs, and when it skips: tests/support/browser.rs.
#[path = "support/mod.rs"]
mod support;

use serde_json::Value;
use support::browser::{ready, run_script, shipped_free_space, space_with};

#[tokio::test]
async fn a_table_in_chromium() {
    if !ready() {
        return;
    }
    let rooms = shipped_free_space();
    let (server, _sink, people) = space_with(
        &rooms,
        "2026-12-09T12:05:00+09:00",
        1.0,
        &[
            ("そら", "participant"),
            ("そうだん", "counsellor"),
            ("うみ", "participant"),
        ],
    )
    .await;
    run_script(
        "table.mjs",
        &[
            ("URL", server.http_url("")),
            ("PEOPLE", Value::Array(people).to_string()),
        ],
    )
    .await;
}
