//! People with logged-in browsers (cookie jars) on a test server, for the HTTP API of notes
//! and consent: invited from the admin command line, registered from the invitation mail
//! in the server's file outbox. And `ibasho admin` commands that need only the data.
#![allow(dead_code)]

use crate::support::Server;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::Path;

const PASSPHRASE: &str = "みどりのかぜがふくころに";

/// A logged-in browser and the member's public id.
pub struct Person {
    pub browser: reqwest::Client,
    pub id: String,
}

/// Invites `nickname` with `role` (the address made from the nickname's position in line
/// `n`), registers from the mail and returns them logged in.
/// `flags`: the server's `--database`, when it has one.
pub async fn person(
    server: &Server,
    flags: &[String],
    role: &str,
    n: u32,
    nickname: &str,
) -> Person {
    let email = format!("p{n}@example.org");
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
            flags,
        )
        .await;
    assert!(ok, "invite {nickname}: {out}\n{err}");
    let token = newest_link(&server.data_dir(), "/register#t=");
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("http client");
    let (status, body) = call(
        browser
            .post(server.http_url("/api/registrations"))
            .json(&json!({
                "token": token, "nickname": nickname, "passphrase": PASSPHRASE,
                "avatar": {"shape": "fox", "color": "#8fb8de"},
            })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "register {nickname}: {body}");
    Person {
        browser,
        id: body["public_id"].as_str().expect("public_id").to_string(),
    }
}

/// The token of the newest mail in the outbox whose link has `marker`.
fn newest_link(data: &Path, marker: &str) -> String {
    let mut files: Vec<_> = std::fs::read_dir(data.join("outbox"))
        .expect("the outbox exists")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let raw = std::fs::read(files.last().expect("a mail")).expect("read .eml");
    let message = mail_parser::MessageParser::default()
        .parse(&raw)
        .expect("the .eml parses");
    let body = message.body_text(0).expect("a text body").to_string();
    let link = body
        .split_whitespace()
        .find(|w| w.contains(marker))
        .unwrap_or_else(|| panic!("no {marker} link in:\n{body}"));
    link.split_once("#t=").expect("a token").1.to_string()
}

/// Sends a request; (status, JSON body). An error always carries a code and a message.
pub async fn call(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    if status.is_client_error() || status.is_server_error() {
        assert!(body["error"].is_string(), "an error without a code: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "an error without a message: {body}"
        );
    }
    (status, body)
}

/// `ibasho admin ARGS… --data DATA` plus `flags`: (success, stdout, stderr).
pub async fn admin_on_data(data: &Path, args: &[&str], flags: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_ibasho"))
        .arg("admin")
        .args(args)
        .arg("--data")
        .arg(data)
        .args(flags)
        .env("IBASHO_LOG", "warn")
        .output()
        .await
        .expect("run ibasho admin");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
