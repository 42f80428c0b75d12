//! Consent to share in real headless Chromium (tests/browser/consent.mjs): the participant
//! answers a counsellor's proposal on their account page, the export follows the answer, and
//! the screen passes the accessibility scan. Needs what tests/support/browser.rs says.
#[path = "support/mod.rs"]
mod support;

use serde_json::Value;
use support::browser::{ready, run_script, space_with};
use support::TEST_ROOMS;

#[tokio::test]
async fn a_participant_answers_a_request_to_share_in_chromium() {
    if !ready() {
        return;
    }
    let (server, _sink, people) = space_with(
        TEST_ROOMS,
        "2026-12-09T11:00:00+09:00",
        1.0,
        &[("そら", "participant"), ("相談員あおい", "counsellor")],
    )
    .await;
    run_script(
        "consent.mjs",
        &[
            ("URL", server.http_url("")),
            ("PEOPLE", Value::Array(people).to_string()),
        ],
    )
    .await;
}
