//! Consent to share end to end (docs/consultations.md): a counsellor proposes, the person
//! answers in their own account, the export exists only while consent stands, and
//! `ibasho admin consent verify` notices a ledger row altered in the database.
#[path = "support/people.rs"]
mod people;
#[path = "support/mod.rs"]
mod support;

use people::{admin_on_data, call, person, Person};
use reqwest::StatusCode;
use serde_json::{json, Value};
use support::{Server, TEST_ROOMS};

const OPEN: &str = "2026-12-09T11:00:00+09:00";

async fn export(server: &Server, by: &Person, id: &str) -> (StatusCode, Value) {
    call(
        by.browser
            .get(server.http_url(&format!("/api/consents/{id}/export"))),
    )
    .await
}

async fn answer(server: &Server, by: &Person, id: &str, decision: &str) -> (StatusCode, Value) {
    call(
        by.browser
            .post(server.http_url(&format!("/api/me/consents/{id}/{decision}"))),
    )
    .await
}

fn events(consent: &Value) -> Vec<&str> {
    consent["timeline"]
        .as_array()
        .expect("a timeline")
        .iter()
        .map(|s| s["event"].as_str().expect("an event"))
        .collect()
}

#[tokio::test]
async fn consent_allows_the_export_until_it_is_withdrawn_and_the_ledger_shows_tampering() {
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let counsellor = person(&server, &[], "counsellor", 1, "相談員あおい").await;
    let staff = person(&server, &[], "staff", 2, "受付").await;
    let sora = person(&server, &[], "participant", 3, "そら").await;
    let hana = person(&server, &[], "participant", 4, "はな").await;

    let (status, note) = call(
        counsellor
            .browser
            .post(server.http_url("/api/notes"))
            .json(&json!({ "member": sora.id, "text": "就労支援に関心がある。" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");

    // Only those who take consultations propose; the proposal is checked.
    let proposal = json!({
        "member": sora.id,
        "recipient": "仙台市若者就労支援センター <script>",
        "purpose": "就労に向けた相談をスムーズに始めるため",
        "information": ["nickname", "notes"],
        "legal_basis": "ご本人の同意（個人情報保護法第27条第1項）",
    });
    let (status, body) = call(
        staff
            .browser
            .post(server.http_url("/api/consents"))
            .json(&proposal),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let mut empty = proposal.clone();
    empty["information"] = json!([]);
    let (status, body) = call(
        counsellor
            .browser
            .post(server.http_url("/api/consents"))
            .json(&empty),
    )
    .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("information"))
    );
    let (status, body) = call(
        counsellor
            .browser
            .post(server.http_url("/api/consents"))
            .json(&proposal),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["consent"]["id"].as_str().expect("id").to_string();
    assert_eq!(body["consent"]["state"], "proposed");

    // The person sees it in their account; nobody else does.
    let (status, mine) = call(sora.browser.get(server.http_url("/api/me/consents"))).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    assert_eq!(mine["consents"][0]["id"], id.as_str());
    assert_eq!(
        mine["consents"][0]["recipient"],
        "仙台市若者就労支援センター <script>"
    );
    let (_, theirs) = call(hana.browser.get(server.http_url("/api/me/consents"))).await;
    assert_eq!(theirs["consents"], json!([]));

    // No export before the person agrees; nobody answers for them.
    let (status, body) = export(&server, &counsellor, &id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("consent_not_given"))
    );
    let (status, body) = answer(&server, &hana, &id, "agree").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_consent"))
    );

    let (status, body) = answer(&server, &sora, &id, "agree").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["consent"]["state"], "agreed");
    let (status, body) = answer(&server, &sora, &id, "agree").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("consent_decided"))
    );

    // While consent stands: the export, as JSON and as a printable page.
    let (status, body) = export(&server, &counsellor, &id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["person"]["nickname"], "そら");
    assert_eq!(body["notes"][0]["text"], "就労支援に関心がある。");
    assert!(body["consent"]["agreed_at"].is_string(), "{body}");
    let (status, _) = export(&server, &staff, &id).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let page = counsellor
        .browser
        .get(server.http_url(&format!("/api/consents/{id}/export.html")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(
        html.contains("仙台市若者就労支援センター &lt;script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("就労支援に関心がある。") && !html.contains("<script>"),
        "{html}"
    );

    // Withdrawn: the export is refused again, and the timeline stays visible to them.
    let (status, body) = answer(&server, &sora, &id, "withdraw").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["consent"]["state"], "withdrawn");
    let (status, body) = export(&server, &counsellor, &id).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("consent_not_given"))
    );
    for path in [
        "/api/consents/{id}/export",
        "/api/consents/{id}/export.html",
    ] {
        let (status, _) = call(
            counsellor
                .browser
                .get(server.http_url(&path.replace("{id}", &id))),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
    }
    let (_, mine) = call(sora.browser.get(server.http_url("/api/me/consents"))).await;
    assert_eq!(
        events(&mine["consents"][0]),
        ["proposed", "agreed", "withdrawn"]
    );
    let (_, seen) = call(
        counsellor
            .browser
            .get(server.http_url(&format!("/api/consents?member={}", sora.id))),
    )
    .await;
    assert_eq!(seen["consents"][0]["state"], "withdrawn");

    // A second proposal, declined, in the same chain; and one for someone else.
    let (_, second) = call(
        counsellor
            .browser
            .post(server.http_url("/api/consents"))
            .json(&proposal),
    )
    .await;
    let second = second["consent"]["id"].as_str().unwrap().to_string();
    let (status, _) = answer(&server, &sora, &second, "decline").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = answer(&server, &sora, &second, "withdraw").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::CONFLICT, Some("consent_decided"))
    );
    let mut for_hana = proposal.clone();
    for_hana["member"] = hana.id.as_str().into();
    let (status, _) = call(
        counsellor
            .browser
            .post(server.http_url("/api/consents"))
            .json(&for_hana),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // Each step is audited.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        server.data_dir().join("ibasho.db").display()
    ))
    .await
    .expect("open the database");
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'consent_%' ORDER BY id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(
        actions,
        [
            "consent_proposed",
            "consent_agreed",
            "consent_exported",
            "consent_exported",
            "consent_withdrawn",
            "consent_proposed",
            "consent_declined",
            "consent_proposed"
        ]
    );

    // The ledger verifies; an entry altered in the database does not.
    let data = server.data_dir();
    let (ok, out, err) = admin_on_data(&data, &["consent", "verify"], &[]).await;
    assert!(ok, "verify: {out}\n{err}");
    assert!(out.contains("intact: 6 entries"), "{out}");
    let (seq,): (i64,) =
        sqlx::query_as("SELECT id FROM consent_ledger WHERE consent = ? AND event = 'proposed'")
            .bind(&id)
            .fetch_one(&db)
            .await
            .unwrap();
    sqlx::query("UPDATE consent_ledger SET body = replace(body, '若者就労', '別の') WHERE id = ?")
        .bind(seq)
        .execute(&db)
        .await
        .unwrap();
    let (ok, out, err) = admin_on_data(&data, &["consent", "verify"], &[]).await;
    assert!(!ok, "an altered entry must fail verification: {out}\n{err}");
    assert!(
        err.contains(&format!("entry {seq} ")),
        "names the entry: {err}"
    );

    // Rewriting its hash too breaks the link from the next entry.
    let (hash,): (String,) = sqlx::query_as("SELECT hash FROM consent_ledger WHERE id = ?")
        .bind(seq)
        .fetch_one(&db)
        .await
        .unwrap();
    sqlx::query("UPDATE consent_ledger SET hash = ? WHERE id = ?")
        .bind(hash.replace(&hash[..4], "ffff"))
        .bind(seq)
        .execute(&db)
        .await
        .unwrap();
    let (ok, _, err) = admin_on_data(&data, &["consent", "verify"], &[]).await;
    assert!(!ok && err.contains("BROKEN"), "{err}");
}

/// On PostgreSQL the chain's hashes hold across the round trip (times to the microsecond),
/// and an entry altered in the table fails `verify` run with `--database`.
#[tokio::test]
async fn on_postgresql_the_ledger_verifies_and_shows_tampering() {
    let Some((schema, database, options)) = support::postgres_schema("consent").await else {
        return;
    };
    let server = Server::start_with(TEST_ROOMS, OPEN, 1.0, &["--database", &database]).await;
    let flags = vec!["--database".to_string(), database.clone()];
    let counsellor = person(&server, &flags, "counsellor", 1, "相談員あおい").await;
    let sora = person(&server, &flags, "participant", 2, "そら").await;
    let (status, body) = call(
        counsellor
            .browser
            .post(server.http_url("/api/consents"))
            .json(
                &json!({ "member": sora.id, "recipient": "保健所", "purpose": "継続した支援のため",
                 "information": ["nickname"], "legal_basis": "ご本人の同意" }),
            ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["consent"]["id"].as_str().unwrap().to_string();
    for decision in ["agree", "withdraw"] {
        let (status, body) = answer(&server, &sora, &id, decision).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let data = server.data_dir();
    let verify = ["consent", "verify"];
    let (ok, out, err) = admin_on_data(&data, &verify, &["--database", &database]).await;
    assert!(ok && out.contains("intact: 3 entries"), "{out}\n{err}");

    use sqlx::{ConnectOptions, Connection};
    let mut conn = options.connect().await.expect("connect to PostgreSQL");
    let seq: i64 = sqlx::query_scalar(&format!(
        "UPDATE {schema}.consent_ledger SET event = 'agreed' WHERE event = 'withdrawn' RETURNING id"
    ))
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let (ok, _, err) = admin_on_data(&data, &verify, &["--database", &database]).await;
    assert!(!ok, "the altered entry must fail verification");
    assert!(err.contains(&format!("entry {seq} ")), "{err}");
    drop(server);
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
}
