//! The account page in real headless Chromium (tests/browser/account.mjs): a member changes
//! their nickname (a real name refused kindly with its suggestion); a member reports another
//! from the space and staff read the report there, suspend the account reported (whose page
//! says why) and lift it; an admin reads the audit log there; both screens pass the accessibility scan. Needs what
//! tests/support/browser.rs says.
#[path = "support/mod.rs"]
mod support;

use serde_json::Value;
use support::browser::{ready, run_script, space_with};
use support::TEST_ROOMS;

#[tokio::test]
async fn a_member_changes_their_nickname_and_an_admin_reads_the_audit_log_in_chromium() {
    if !ready() {
        return;
    }
    let (server, _sink, people) = space_with(
        TEST_ROOMS,
        "2026-12-09T11:00:00+09:00",
        1.0,
        &[
            ("管理", "admin"),
            ("そら", "participant"),
            ("うみ", "participant"),
        ],
    )
    .await;
    run_script(
        "account.mjs",
        &[
            ("URL", server.http_url("")),
            ("PEOPLE", Value::Array(people).to_string()),
        ],
    )
    .await;
}
