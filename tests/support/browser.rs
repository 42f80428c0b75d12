//! Shared by the browser tests (tests/browser.rs, tests/browser_voice.rs,
//! tests/browser_table.rs, tests/browser_map.rs): whether Chromium and Playwright are here, a
//! space with people registered the real way, invitations, and running one script of
//! tests/browser. Needs Node.js, `npm ci` in tests/browser and /usr/bin/chromium
//! (`.ci/run` installs them): missing ones fail the test under `CI=true`, and skip it (with
//! the reason) elsewhere.
use super::smtp::SmtpSink;
use super::Server;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const PASSPHRASE: &str = "ブラウザのテストのことば";
const CHROMIUM: &str = "/usr/bin/chromium";

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/browser")
}
/// The test space with a free space the size of the shipped one, with its drawing and the
/// shipped rooms.toml's `[[room.area]]`s (the big table, the quiet corner), as written there.
pub fn shipped_free_space() -> String {
    let shipped = include_str!("../../rooms.toml");
    let start = shipped.find("[[room.area]]").expect("the shipped areas");
    let end = start
        + shipped[start..]
            .find("\n\n")
            .expect("the end of the free space");
    let rooms = super::TEST_ROOMS.replace(
        "width = 400\nheight = 300\n",
        &format!(
            "width = 1600\nheight = 900\nbackground = \"/media/map/free.svg\"\n{}\n",
            &shipped[start..end]
        ),
    );
    assert_ne!(
        rooms,
        super::TEST_ROOMS,
        "the free space's size is where it was"
    );
    rooms
}

/// Whether the browser tests can run here; under CI they must.
pub fn ready() -> bool {
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

/// A space with these `rooms` at `clock` with an SMTP sink, and `names` registered with a
/// passphrase.
pub async fn space_with(
    rooms: &str,
    clock: &str,
    speed: f64,
    names: &[(&str, &str)],
) -> (Server, SmtpSink, Vec<Value>) {
    let sink = SmtpSink::start().await;
    let flags = sink.flags();
    let server = Server::start_with(
        rooms,
        clock,
        speed,
        &flags.iter().map(String::as_str).collect::<Vec<_>>(),
    )
    .await;
    let mut people = Vec::new();
    for (nickname, role) in names {
        let email = format!("{}@example.org", people.len() + 1);
        let token = invitation(&server, &sink, &email, role, nickname).await;
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

/// Invites `email` as `role` (suggesting `nickname`) from the command line, as an admin
/// would; answers the token of the link in the mail that comes (`/register#t=…`).
pub async fn invitation(
    server: &Server,
    sink: &SmtpSink,
    email: &str,
    role: &str,
    nickname: &str,
) -> String {
    let args = [
        "invite",
        "--email",
        email,
        "--role",
        role,
        "--nickname",
        nickname,
    ];
    let (ok, out, err) = server.admin(&args, &sink.flags()).await;
    assert!(ok, "{out}{err}");
    sink.nth_to(email, 1).await.token("/register#t=")
}

/// Runs one browser script with the servers' addresses; fails the test with its output.
pub async fn run_script(script: &str, env: &[(&str, String)]) {
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
