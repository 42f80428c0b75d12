//! The web client in real headless Chromium (Playwright, tests/browser/*.mjs), against the
//! real server at chosen instants. People are made the real way (invitation from the command
//! line, the link from a real SMTP sink, registration over the API); the browser logs in
//! through the login page. Needs Node.js, `npm ci` in tests/browser and /usr/bin/chromium
//! (`.ci/run` installs them): missing ones fail the test under `CI=true`, and skip it
//! (with the reason) elsewhere.
#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use support::smtp::SmtpSink;
use support::{Server, TEST_ROOMS};

const PASSPHRASE: &str = "ブラウザのテストのことば";
const CHROMIUM: &str = "/usr/bin/chromium";

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/browser")
}

/// Whether the browser tests can run here; under CI they must.
fn ready() -> bool {
    let node = std::process::Command::new("node").arg("--version").output();
    let missing = if !node.is_ok_and(|o| o.status.success()) {
        Some("node is not installed")
    } else if !browser_dir().join("node_modules/playwright-core").exists() {
        Some("tests/browser/node_modules is missing (run `npm ci` in tests/browser)")
    } else if !Path::new(CHROMIUM).exists() {
        Some("chromium is not installed (apt-get install chromium)")
    } else {
        None
    };
    match missing {
        None => true,
        Some(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("browser tests must run under CI=true: {why}")
        }
        Some(why) => {
            eprintln!("skipping the browser tests: {why}");
            false
        }
    }
}

/// A space at `clock` with an SMTP sink, and `names` registered with a passphrase.
async fn space_with(
    clock: &str,
    speed: f64,
    names: &[(&str, &str)],
) -> (Server, SmtpSink, Vec<Value>) {
    let sink = SmtpSink::start().await;
    let flags = sink.flags();
    let server = Server::start_with(
        TEST_ROOMS,
        clock,
        speed,
        &flags.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    let mut people = Vec::new();
    for (nickname, role) in names {
        let email = format!("{}@example.org", people.len() + 1);
        let (ok, out, err) = server
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
                &flags,
            )
            .await;
        assert!(ok, "{out}{err}");
        let token = sink.nth_to(&email, 1).await.token("/register#t=");
        let response = reqwest::Client::new()
            .post(server.http_url("/api/registrations"))
            .json(&json!({"token": token, "nickname": nickname, "passphrase": PASSPHRASE}))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{}",
            response.text().await.unwrap()
        );
        people.push(json!({"email": email, "passphrase": PASSPHRASE, "nickname": nickname}));
    }
    (server, sink, people)
}

/// Runs one browser script with the servers' addresses; fails the test with its output.
async fn run_script(script: &str, env: &[(&str, String)]) {
    let mut command = tokio::process::Command::new("node");
    command
        .arg(browser_dir().join(script))
        .current_dir(browser_dir())
        .env("CHROMIUM", CHROMIUM)
        .kill_on_drop(true);
    if let Ok(dir) = std::env::var("IBASHO_SCREENSHOTS") {
        command.env("SCREENSHOTS", dir);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(240), command.output())
        .await
        .expect("the browser script did not finish within 4 minutes")
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "{script} failed:\n{stdout}\n{stderr}");
}

#[tokio::test]
async fn the_web_client_in_chromium() {
    if !ready() {
        return;
    }
    // Open on an ordinary day, during the lunch programme: two people meet in the free space.
    let (open, _sink, people) = space_with(
        "2026-12-09T12:05:00+09:00",
        1.0,
        &[("そら", "participant"), ("受付", "staff")],
    )
    .await;
    // Nine minutes before closing, ten times faster than real time: the 5- and 1-minute
    // notices and the goodbye come within a minute, while the other steps run.
    let (closing, _sink2, closing_people) = space_with(
        "2026-12-09T17:51:00+09:00",
        10.0,
        &[("ゆき", "participant")],
    )
    .await;
    // An evening after closing: the next opening is the next morning.
    let (closed, _sink3, closed_people) =
        space_with("2026-12-09T19:00:00+09:00", 1.0, &[("よる", "participant")]).await;
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
