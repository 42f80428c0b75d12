//! Counsellors' notes end to end (docs/consultations.md): the real server, browsers with
//! cookie jars, the raw database underneath, and `ibasho admin notes rotate-key`.
#[path = "support/people.rs"]
mod people;
#[path = "support/mod.rs"]
mod support;

use people::{admin_on_data, call, person, Person};
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Server, TEST_ROOMS};

const OPEN: &str = "2026-12-09T11:00:00+09:00";
/// What the counsellor writes: it must never be readable in the database.
const SECRET: &str = "ねむれない夜がつづいている。母親との関係に悩み";

async fn write(server: &Server, by: &Person, member: &str, text: &str) -> (StatusCode, Value) {
    call(
        by.browser
            .post(server.http_url("/api/notes"))
            .json(&json!({ "member": member, "text": text })),
    )
    .await
}

async fn read(server: &Server, by: &Person, member: &str) -> (StatusCode, Value) {
    call(
        by.browser
            .get(server.http_url(&format!("/api/notes?member={member}"))),
    )
    .await
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// The SQLite files as they lie on disk (the write-ahead log too).
fn raw_database(server: &Server) -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in ["ibasho.db", "ibasho.db-wal"] {
        if let Ok(b) = std::fs::read(server.data_dir().join(name)) {
            bytes.extend(b);
        }
    }
    bytes
}

#[tokio::test]
async fn notes_are_sealed_read_only_with_the_grant_audited_and_gone_with_the_account() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let counsellor = person(&server, &[], "counsellor", 1, "相談員あおい").await;
    let staff = person(&server, &[], "staff", 2, "受付").await;
    let admin = person(&server, &[], "admin", 3, "管理").await;
    let sora = person(&server, &[], "participant", 4, "そら").await;

    let (status, written) = write(&server, &counsellor, &sora.id, SECRET).await;
    assert_eq!(status, StatusCode::CREATED, "{written}");
    assert_eq!(written["note"]["text"], SECRET);
    assert_eq!(written["note"]["member"], sora.id.as_str());

    // At rest: neither the text nor a part of it, in the database file or its log.
    let raw = raw_database(&server);
    assert!(!raw.is_empty());
    for part in [SECRET, "ねむれない", "母親"] {
        assert!(
            !contains(&raw, part),
            "{part} is readable in the database file"
        );
    }
    // The key is a file of its own, private.
    let key = server.data_dir().join("notes.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "notes.key is private");
    }

    // Reading needs read_notes: staff and the participant are refused, typed.
    for who in [&staff, &sora] {
        let (status, body) = read(&server, who, &sora.id).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "forbidden");
    }
    // Writing needs take_consultations.
    let (status, body) = write(&server, &staff, &sora.id, "スタッフのメモ").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    for reader in [&counsellor, &admin] {
        let (status, body) = read(&server, reader, &sora.id).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let notes = body["notes"].as_array().expect("notes");
        assert_eq!(notes.len(), 1, "{body}");
        assert_eq!(notes[0]["text"], SECRET);
        assert_eq!(notes[0]["author"], counsellor.id.as_str());
    }
    // Typed mistakes.
    let (status, body) = write(&server, &counsellor, &sora.id, "   ").await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("text"))
    );
    let (status, body) = write(&server, &counsellor, "m_000000000000", "メモ").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_member"))
    );
    let (status, body) = call(counsellor.browser.get(server.http_url("/api/notes"))).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("member"))
    );

    // Every write and read is in the audit log, by whom and about whom, never the text.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        server.data_dir().join("ibasho.db").display()
    ))
    .await
    .expect("open the database");
    let audited: Vec<(String, Option<String>, Option<String>, String)> = sqlx::query_as(
        "SELECT action, actor, subject, detail FROM audit_log \
         WHERE action IN ('note_written', 'note_read') ORDER BY id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    let note_id = written["note"]["id"].as_str().unwrap();
    let expected = [
        ("note_written", &counsellor.id),
        ("note_read", &counsellor.id),
        ("note_read", &admin.id),
    ];
    assert_eq!(audited.len(), expected.len(), "{audited:?}");
    for ((action, actor, subject, detail), (want, by)) in audited.iter().zip(expected) {
        assert_eq!(action, want);
        assert_eq!(actor.as_deref(), Some(by.as_str()));
        assert_eq!(subject.as_deref(), Some(sora.id.as_str()));
        assert!(
            detail.contains(note_id) && !detail.contains("ねむれない"),
            "{detail}"
        );
    }

    // A rotation reseals every note with a new key and drops the old one; still readable.
    let before = std::fs::read_to_string(&key).unwrap();
    let (ok, out, err) = admin_on_data(&server.data_dir(), &["notes", "rotate-key"], &[]).await;
    assert!(ok, "rotate-key: {out}\n{err}");
    assert!(out.contains("1 notes resealed"), "{out}");
    let after = std::fs::read_to_string(&key).unwrap();
    let key_lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    };
    assert_eq!(key_lines(&after).len(), 1, "only the new key is left");
    assert!(
        !key_lines(&before).contains(&key_lines(&after)[0]),
        "a new key"
    );
    let (status, body) = read(&server, &counsellor, &sora.id).await;
    assert_eq!(
        (status, body["notes"][0]["text"].as_str()),
        (StatusCode::OK, Some(SECRET))
    );
    let key_id: String = sqlx::query_scalar("SELECT key_id FROM notes")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(
        after.starts_with('#') && after.contains(&key_id),
        "the note names the new key"
    );

    // Deleting the account deletes the notes about them.
    let (status, _) = call(
        admin
            .browser
            .delete(server.http_url(&format!("/api/admin/members/{}", sora.id))),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notes")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(left, 0, "the notes went with the account");
    let (status, body) = read(&server, &counsellor, &sora.id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_member"))
    );
    assert!(
        !server.stderr().contains("ねむれない"),
        "the text reached the log"
    );
}

#[tokio::test]
async fn on_postgresql_the_table_holds_no_plaintext() {
    let Some((schema, database, options)) = support::postgres_schema("notes").await else {
        return;
    };
    let server = Server::start_with(TEST_ROOMS, OPEN, 1.0, &["--database", &database]).await;
    let flags = vec!["--database".to_string(), database.clone()];
    let counsellor = person(&server, &flags, "counsellor", 1, "相談員あおい").await;
    let sora = person(&server, &flags, "participant", 2, "そら").await;
    let (status, body) = write(&server, &counsellor, &sora.id, SECRET).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    use sqlx::{ConnectOptions, Connection};
    let mut conn = options.connect().await.expect("connect to PostgreSQL");
    let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM {schema}.notes t"))
        .fetch_all(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let ciphertext: Vec<u8> = sqlx::query_scalar(&format!("SELECT ciphertext FROM {schema}.notes"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
    for part in [SECRET, "ねむれない", "母親"] {
        assert!(
            !rows[0].contains(part),
            "{part} is readable in PostgreSQL: {}",
            rows[0]
        );
        assert!(!contains(&ciphertext, part));
    }
    let (status, body) = read(&server, &counsellor, &sora.id).await;
    assert_eq!(
        (status, body["notes"][0]["text"].as_str()),
        (StatusCode::OK, Some(SECRET))
    );
    drop(server);
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
}
