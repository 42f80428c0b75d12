//! The real binary on PostgreSQL (`--database postgres://…`): the server and the admin
//! command line share the database, and a person gets from an invitation into the space.
//! Each run uses its own schema, dropped at the end. Under `CI=true` a missing PostgreSQL
//! fails the test; elsewhere it is skipped with the reason.
#[path = "support/mod.rs"]
mod support;

use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::ConnectOptions;
use support::{Client, Server, TEST_ROOMS};

const OPEN: &str = "2026-12-09T11:00:00+09:00";

/// A fresh schema and the `--database` URL that points into it.
async fn schema() -> Option<(String, String, PgConnectOptions)> {
    support::postgres_schema("e2e").await
}

/// The newest `.eml` in the server's outbox, decoded, and the token of its link.
fn newest_link(server: &Server, marker: &str) -> String {
    let outbox = server.data_dir().join("outbox");
    let mut files: Vec<_> = std::fs::read_dir(&outbox)
        .expect("the outbox exists")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    let raw = std::fs::read(files.last().expect("a mail in the outbox")).expect("read .eml");
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

#[tokio::test]
async fn the_server_and_the_command_line_share_postgresql() {
    let Some((name, database, options)) = schema().await else {
        return;
    };
    let server = Server::start_with(TEST_ROOMS, OPEN, 1.0, &["--database", &database]).await;
    let flags = vec!["--database".to_string(), database.clone()];

    // The command line writes to the same database the server reads.
    let (ok, out, err) = server
        .admin(
            &[
                "staff",
                "add",
                "--email",
                "pg@example.org",
                "--role",
                "admin",
                "--nickname",
                "管理",
            ],
            &flags,
        )
        .await;
    assert!(ok, "{out}\n{err}");
    let token = newest_link(&server, "/register#t=");

    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let registered: Value = browser
        .post(server.http_url("/api/registrations"))
        .json(&json!({"token": token, "nickname": "管理", "passphrase": "ぽすとぐれすのことば"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(registered["role"], "admin", "{registered}");
    let access: Value = browser
        .post(server.http_url("/api/token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut client = Client::connect(&server).await;
    let welcome = client.auth(access["token"].as_str().expect("token")).await;
    assert_eq!(welcome["you"]["nickname"], "管理");
    client.join("hiroba").await;

    // `admin token` on PostgreSQL too, and the rows really are in that schema.
    let out = std::process::Command::new(support::BIN)
        .args([
            "admin",
            "token",
            "--role",
            "staff",
            "--nickname",
            "受付",
            "--database",
            &database,
        ])
        .arg("--data")
        .arg(server.data_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut staff = Client::connect(&server).await;
    staff
        .auth(String::from_utf8_lossy(&out.stdout).trim())
        .await;
    let mut conn = options.connect().await.unwrap();
    let members: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {name}.members"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(members, 2);
    let audit: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {name}.audit_log WHERE action = 'registered'"
    ))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(audit, 1);
    assert!(
        !server.data_dir().join("ibasho.db").exists(),
        "no SQLite file when the server runs on PostgreSQL"
    );
    drop((client, staff, server));
    sqlx::query(&format!("DROP SCHEMA {name} CASCADE"))
        .execute(&mut conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_database_url_that_names_no_back_end_is_a_start_up_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rooms.toml"), TEST_ROOMS).unwrap();
    let out = std::process::Command::new(support::BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            "mysql://u:secret@localhost/x",
        ])
        .arg("--rooms")
        .arg(dir.path().join("rooms.toml"))
        .arg("--data")
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("postgres://"), "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
}
