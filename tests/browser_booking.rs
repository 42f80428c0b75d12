//! Consultation booking in real headless Chromium (tests/browser/booking.mjs): a counsellor
//! publishes a slot on the account page, a participant finds it by day and way of talking,
//! books it, sees it among their bookings, and cancels it; booked again, when its time comes
//! the participant is first in line and the counsellor sees it marked 予約 and accepts;
//! axe-core checks the new screens.
//! What it needs, and when it skips: tests/support/browser.rs.
#[path = "support/mod.rs"]
mod support;

use serde_json::Value;
use support::browser::{ready, run_script, space_with};
use support::TEST_ROOMS;

#[tokio::test]
async fn booking_a_consultation_on_the_account_page_in_chromium() {
    if !ready() {
        return;
    }
    // A consultation room, for the booked consultation that starts.
    let rooms = format!(
        "{TEST_ROOMS}
[[room]]
id = \"consult\"
kind = \"consult\"
name = \"個別相談\"
pool = 2
"
    );
    let (server, _sink, people) = space_with(
        &rooms,
        "2026-12-09T11:00:00+09:00",
        1.0,
        &[("しろくま", "counsellor"), ("はな", "participant")],
    )
    .await;
    run_script(
        "booking.mjs",
        &[
            ("URL", server.http_url("")),
            ("PEOPLE", Value::Array(people).to_string()),
            ("CLOCK_TOKEN", server.token("admin", "時計係").await),
        ],
    )
    .await;
}
