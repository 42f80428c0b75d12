//! Voice in real headless Chromium (tests/browser/voice.mjs): two people in the free space
//! press 話す, and each browser receives the other's audio through the server's SFU, with
//! Chromium's fake microphone. Also: nothing asks for the microphone before the press (nor
//! while 見てるだけ or muted by staff), the microphone choice, the camera, a stage's raised
//! hand, invitation and shared screen (seen by the audience without pressing 聞く), its one place to speak (taken, then free again), and
//! that leaving stops every track. What it needs, and when it skips: tests/support/browser.rs.
#[path = "support/mod.rs"]
mod support;

use serde_json::Value;
use support::browser::{ready, run_script, space_with};
use support::{STAGE_ROOM, TEST_ROOMS};

#[tokio::test]
async fn voice_in_chromium() {
    if !ready() {
        return;
    }
    // One place to speak on the stage, so the page's "taken" and "free again" show.
    let stage = STAGE_ROOM.replace("stage = true\n", "stage = true\nmax_speakers = 1\n");
    let rooms = format!("{TEST_ROOMS}\n{stage}");
    // Lunch time: the free space and the stage room are open.
    let (server, _sink, people) = space_with(
        &rooms,
        "2026-12-09T12:05:00+09:00",
        1.0,
        &[
            ("そら", "participant"),
            ("受付", "staff"),
            ("ゆき", "family"),
        ],
    )
    .await;
    run_script(
        "voice.mjs",
        &[
            ("URL", server.http_url("")),
            ("PEOPLE", Value::Array(people).to_string()),
        ],
    )
    .await;
}
