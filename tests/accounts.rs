//! Accounts end to end (docs/accounts.md): the real server, a real SMTP server on loopback,
//! the real HTTP API with a cookie jar, the admin command line, and the WebSocket at the end.
#[path = "support/mod.rs"]
mod support;

use reqwest::StatusCode;
use serde_json::{json, Value};
use support::smtp::{ReceivedMail, SmtpSink};
use support::{Client, Server, TEST_ROOMS};

/// 11:00 on an open Wednesday of the test space.
const OPEN: &str = "2026-12-09T11:00:00+09:00";
const PASSPHRASE: &str = "みどりのかぜがふくころに";
/// How to reach the office, as this space's rooms.toml gives it (`[space] contact`).
const CONTACT: &str = "ひきこもり地域支援センター 022-000-0000（平日9時〜17時）";
const CONTACT_EN: &str = "Hikikomori Regional Support Centre, 022-000-0000 (weekdays 9:00–17:00)";

struct Space {
    server: Server,
    sink: SmtpSink,
}

impl Space {
    async fn start() -> Space {
        Space::start_with(&[]).await
    }

    /// As `start`, with more `serve` flags.
    async fn start_with(flags: &[&str]) -> Space {
        let sink = SmtpSink::start().await;
        let space = format!(
            "[space]\nname_en = \"The test space\"\ncontact = \"{CONTACT}\"\ncontact_en = \"{CONTACT_EN}\"\n"
        );
        let rooms = format!(
            "{}\n[accounts]\nnickname_blocklist = [\"運営\"]\n",
            TEST_ROOMS.replacen("[space]\n", &space, 1)
        );
        let mail = sink.flags();
        let mut all = as_strs(&mail);
        all.extend_from_slice(flags);
        let server = Server::start_with(&rooms, OPEN, 1.0, &all).await;
        Space { server, sink }
    }

    fn url(&self, path: &str) -> String {
        self.server.http_url(path)
    }

    /// `ibasho admin …` with this space's mail settings; asserts success, returns stdout.
    async fn admin(&self, args: &[&str]) -> String {
        let (ok, stdout, stderr) = self.server.admin(args, &self.sink.flags()).await;
        assert!(ok, "ibasho admin {args:?} failed:\n{stdout}\n{stderr}");
        stdout
    }

    async fn apply(&self, email: &str, nickname: &str) -> (StatusCode, Value) {
        self.apply_in(&browser(), email, nickname).await
    }

    async fn apply_in(
        &self,
        browser: &reqwest::Client,
        email: &str,
        nickname: &str,
    ) -> (StatusCode, Value) {
        post(
            browser,
            &self.url("/api/applications"),
            json!({"nickname": nickname, "email": email, "applicant": "self", "eligible": true,
                   "consent": true, "heard_from": "チラシ", "note": "よろしくお願いします"}),
        )
        .await
    }

    /// Registers from an invitation token in a fresh browser; returns it with the answer.
    async fn register(
        &self,
        token: &str,
        nickname: &str,
        passphrase: Option<&str>,
    ) -> (reqwest::Client, StatusCode, Value) {
        let browser = browser();
        let mut body = json!({"token": token, "nickname": nickname,
                              "avatar": {"shape": "fox", "color": "#8fb8de"}});
        match passphrase {
            Some(p) => body["passphrase"] = p.into(),
            None => body["login_by_email"] = true.into(),
        }
        let (status, answer) = post(&browser, &self.url("/api/registrations"), body).await;
        (browser, status, answer)
    }

    /// A logged-in browser for a staff member invited from the command line.
    async fn staff(&self, role: &str, email: &str, nickname: &str) -> reqwest::Client {
        self.admin(&[
            "staff",
            "add",
            "--email",
            email,
            "--role",
            role,
            "--nickname",
            nickname,
        ])
        .await;
        let mail = self.sink.nth_to(email, 1).await;
        let (browser, status, answer) = self
            .register(&mail.token("/register#t="), nickname, Some(PASSPHRASE))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        browser
    }

    /// Applies, has staff approve over HTTP, and returns the invitation mail.
    async fn invited(&self, staff: &reqwest::Client, email: &str, nickname: &str) -> ReceivedMail {
        assert_eq!(self.apply(email, nickname).await.0, StatusCode::ACCEPTED);
        let id = pending_id(self, staff, nickname).await;
        let (status, answer) = post_empty(
            staff,
            &self.url(&format!("/api/admin/applications/{id}/approve")),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let count = self.sink.to(email).len();
        self.sink.nth_to(email, count.max(2)).await
    }

    /// The server's log never carries an e-mail address.
    fn assert_no_address_in_log(&self) {
        let log = self.server.stderr();
        assert!(
            !log.contains("@example.org"),
            "an e-mail address reached the log:\n{log}"
        );
    }
}

fn as_strs(flags: &[String]) -> Vec<&str> {
    flags.iter().map(String::as_str).collect()
}

/// A browser: keeps cookies, like the page does.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("http client")
}

/// A browser behind a reverse proxy, which tells the server the address it saw.
fn browser_at(address: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", address.parse().expect("header value"));
    reqwest::Client::builder()
        .cookie_store(true)
        .default_headers(headers)
        .build()
        .expect("http client")
}

async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    if status.is_client_error() || status.is_server_error() {
        assert!(body["error"].is_string(), "an error without a code: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "an error without a message to show: {body}"
        );
    }
    (status, body)
}

async fn post(browser: &reqwest::Client, url: &str, body: Value) -> (StatusCode, Value) {
    answer(browser.post(url).json(&body).send().await.expect("POST")).await
}

async fn post_empty(browser: &reqwest::Client, url: &str) -> (StatusCode, Value) {
    answer(browser.post(url).send().await.expect("POST")).await
}

async fn get(browser: &reqwest::Client, url: &str) -> (StatusCode, Value) {
    answer(browser.get(url).send().await.expect("GET")).await
}

async fn delete(browser: &reqwest::Client, url: &str, body: Value) -> (StatusCode, Value) {
    answer(
        browser
            .delete(url)
            .json(&body)
            .send()
            .await
            .expect("DELETE"),
    )
    .await
}

async fn pending_id(space: &Space, staff: &reqwest::Client, nickname: &str) -> String {
    let (status, list) = get(staff, &space.url("/api/admin/applications")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["applications"]
        .as_array()
        .expect("applications")
        .iter()
        .find(|a| a["nickname"] == nickname)
        .unwrap_or_else(|| panic!("{nickname} is not pending: {list}"))["id"]
        .as_str()
        .expect("id")
        .to_string()
}

#[tokio::test]
async fn the_whole_way_in_from_the_form_to_the_free_space() {
    let space = Space::start().await;
    let email = "sora@example.org";

    // The form says what it asks, then takes the application.
    let (status, form) = get(&browser(), &space.url("/api/applications/form")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(form["space"], "テストの居場所");
    assert!(form["eligibility"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(form["heard_from"].as_array().is_some_and(|h| !h.is_empty()));
    let (status, received) = space.apply(email, "そら").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{received}");
    assert_eq!(received["status"], "received");

    let confirmation = space.sink.nth_to(email, 1).await;
    assert!(
        confirmation.subject.contains("お申し込みを受け付けました"),
        "{}",
        confirmation.subject
    );
    assert!(confirmation.body.contains("そら"), "{}", confirmation.body);
    assert!(confirmation.raw.contains("From: ibasho@example.jp"));

    // Staff (invited from the command line) approve it over HTTP.
    let staff = space.staff("staff", "uketsuke@example.org", "受付").await;
    let id = pending_id(&space, &staff, "そら").await;
    let (status, approved) = post_empty(
        &staff,
        &space.url(&format!("/api/admin/applications/{id}/approve")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["invitation"]["role"], "participant");
    assert_eq!(approved["invitation"]["state"], "open");
    assert_eq!(approved["invitation"]["mailed"], true);
    assert_eq!(
        approved["message"], "そらさんの申し込みを承認し、招待のメールを送りました。",
        "staff are told in words what happened"
    );
    assert!(
        approved["invitation"].get("email").is_none(),
        "staff saw an address: {approved}"
    );
    let (status, again) = post_empty(
        &staff,
        &space.url(&format!("/api/admin/applications/{id}/approve")),
    )
    .await;
    assert_eq!(
        (status, again["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_decided"))
    );

    // The invitation mail carries the link; the page reads it and registers.
    let invitation = space.sink.nth_to(email, 2).await;
    assert!(
        invitation.subject.contains("招待"),
        "{}",
        invitation.subject
    );
    let link = invitation.link("/register#t=");
    assert!(link.starts_with(&space.url("/register#t=")), "{link}");
    let token = invitation.token("/register#t=");
    let (status, info) = get(&browser(), &space.url(&format!("/api/invitations/{token}"))).await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["role"], "participant");
    assert_eq!(info["nickname"], "そら");
    assert!(
        info["expires_at"]
            .as_str()
            .is_some_and(|t| t.ends_with("+09:00")),
        "{info}"
    );

    let (me_browser, status, registered) = space.register(&token, "そら", None).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(registered["nickname"], "そら");
    assert_eq!(registered["role"], "participant");
    let (status, me) = get(&me_browser, &space.url("/api/me")).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["public_id"], registered["public_id"]);
    assert_eq!(me["avatar"], json!({"shape": "fox", "color": "#8fb8de"}));
    assert_eq!(me["has_passphrase"], false);
    assert!(
        !me.to_string().contains('@'),
        "no address, not even one's own: {me}"
    );

    // The link works once.
    let (_, status, reused) = space.register(&token, "べつのなまえ", None).await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (StatusCode::GONE, Some("invitation_used"))
    );
    let (status, used) = get(&browser(), &space.url(&format!("/api/invitations/{token}"))).await;
    assert_eq!(
        (status, used["error"].as_str()),
        (StatusCode::GONE, Some("invitation_used"))
    );

    // Into the space: the cookie buys a short-lived token for the WebSocket.
    let (status, access) = post_empty(&me_browser, &space.url("/api/token")).await;
    assert_eq!(status, StatusCode::OK, "{access}");
    let mut client = Client::connect(&space.server).await;
    let welcome = client.auth(access["token"].as_str().expect("token")).await;
    assert_eq!(welcome["you"]["nickname"], "そら");
    assert_eq!(welcome["you"]["id"], registered["public_id"]);
    client.join("hiroba").await;

    // Logging in again later by e-mail link (this person chose no passphrase).
    let later = browser();
    let (status, sent) = post(
        &later,
        &space.url("/api/login/link"),
        json!({"email": "SORA@example.org"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    let login_mail = space.sink.nth_to(email, 3).await;
    let login_token = login_mail.token("/login#t=");
    let (status, logged_in) = post(
        &later,
        &space.url("/api/login/redeem"),
        json!({"token": login_token}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{logged_in}");
    assert_eq!(logged_in["public_id"], registered["public_id"]);
    assert_eq!(get(&later, &space.url("/api/me")).await.0, StatusCode::OK);
    let (status, reused) = post(
        &browser(),
        &space.url("/api/login/redeem"),
        json!({"token": login_token}),
    )
    .await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (StatusCode::GONE, Some("link_used"))
    );
    let (status, unknown) = post(
        &browser(),
        &space.url("/api/login/redeem"),
        json!({"token": "nope"}),
    )
    .await;
    assert_eq!(
        (status, unknown["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("link_unknown"))
    );

    // Logging out ends that session only.
    assert_eq!(
        post_empty(&later, &space.url("/api/logout")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        get(&later, &space.url("/api/me")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post_empty(&later, &space.url("/api/token")).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&me_browser, &space.url("/api/me")).await.0,
        StatusCode::OK
    );

    // An unknown address asking for a link gets the same answer and no mail.
    let (status, same) = post(
        &browser(),
        &space.url("/api/login/link"),
        json!({"email": "nobody@example.org"}),
    )
    .await;
    assert_eq!(
        (status, &same["status"]),
        (StatusCode::ACCEPTED, &sent["status"])
    );
    assert!(space.sink.to("nobody@example.org").is_empty());
    space.assert_no_address_in_log();
}

/// Someone who reads English gets the operator's English (rooms.toml `*_en`), on the form and
/// in every e-mail, and the Japanese where the operator gave none.
#[tokio::test]
async fn english_readers_get_the_operators_english() {
    let space = Space::start().await;
    let (status, form) = get(&browser(), &space.url("/api/applications/form")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (&form["space"], &form["space_en"]),
        (&json!("テストの居場所"), &json!("The test space"))
    );
    // No `[accounts]` wording of its own: ours, in both languages.
    assert!(form["eligibility_en"]
        .as_str()
        .is_some_and(|e| e.starts_with("I ")));
    let english = form["heard_from_en"].as_array().expect("heard_from_en");
    assert_eq!(english.len(), form["heard_from"].as_array().unwrap().len());

    let (status, _) = post(
        &browser(),
        &space.url("/api/applications"),
        json!({"nickname": "はな", "email": "hana@example.org", "applicant": "self", "eligible": true,
               "consent": true, "heard_from": form["heard_from"][0], "lang": "en"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let mail = space.sink.nth_to("hana@example.org", 1).await;
    assert!(
        mail.subject.starts_with("【The test space】"),
        "{}",
        mail.subject
    );
    assert!(
        mail.body.contains(&format!("Contact: {CONTACT_EN}")),
        "{}",
        mail.body
    );
    assert!(!mail.body.contains("テストの居場所"), "{}", mail.body);
}

#[tokio::test]
async fn the_command_line_reviews_and_declines_kindly() {
    let space = Space::start().await;
    assert_eq!(
        space.apply("kaze@example.org", "かぜ").await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        space.apply("nagi@example.org", "なぎ").await.0,
        StatusCode::ACCEPTED
    );
    let listed = space.admin(&["applications", "list"]).await;
    assert!(
        listed.contains("kaze@example.org") && listed.contains("なぎ"),
        "{listed}"
    );
    let id_of = |nickname: &str| {
        listed
            .lines()
            .find(|l| l.contains(nickname))
            .and_then(|l| l.split_whitespace().next())
            .unwrap_or_else(|| panic!("{nickname} not listed:\n{listed}"))
            .to_string()
    };
    let (kaze, nagi) = (id_of("かぜ"), id_of("なぎ"));

    let approved = space.admin(&["applications", "approve", &kaze]).await;
    assert!(approved.contains("approved"), "{approved}");
    let invitation = space.sink.nth_to("kaze@example.org", 2).await;
    assert!(invitation
        .link("/register#t=")
        .starts_with(&space.url("/register#t=")));

    space
        .admin(&[
            "applications",
            "decline",
            &nagi,
            "--message",
            "またいつでもお声がけください",
        ])
        .await;
    let declined = space.sink.nth_to("nagi@example.org", 2).await;
    assert!(
        declined.body.contains("またいつでもお声がけください"),
        "{}",
        declined.body
    );
    assert!(
        !declined.body.contains("#t="),
        "a declined person gets no link"
    );

    let (ok, _, stderr) = space
        .server
        .admin(&["applications", "approve", &nagi], &space.sink.flags())
        .await;
    assert!(!ok, "approving a declined application must fail");
    assert!(
        stderr.contains("already") || stderr.contains("すでに"),
        "{stderr}"
    );
    let all = space
        .admin(&["applications", "list", "--status", "all"])
        .await;
    assert!(
        all.contains("approved") && all.contains("declined"),
        "{all}"
    );
    assert!(space
        .admin(&["applications", "list"])
        .await
        .contains("no applications"));
    space.assert_no_address_in_log();
}

#[tokio::test]
async fn links_that_no_longer_work_say_so_kindly() {
    let space = Space::start().await;
    // Revoked.
    space
        .admin(&["invite", "--email", "a@example.org", "--role", "family"])
        .await;
    let token = space
        .sink
        .nth_to("a@example.org", 1)
        .await
        .token("/register#t=");
    let listed = space.admin(&["invitations", "list"]).await;
    let id = listed
        .split_whitespace()
        .find(|w| w.starts_with("i_"))
        .expect("an invitation id")
        .to_string();
    space.admin(&["invitations", "revoke", &id]).await;
    let (status, revoked) = get(&browser(), &space.url(&format!("/api/invitations/{token}"))).await;
    assert_eq!(
        (status, revoked["error"].as_str()),
        (StatusCode::GONE, Some("invitation_revoked"))
    );
    // It says whom to ask, in the message and for a page in English.
    assert!(
        revoked["message"]
            .as_str()
            .unwrap()
            .ends_with(&format!("お問い合わせ先: {CONTACT}")),
        "{revoked}"
    );
    assert_eq!(
        (&revoked["contact"], &revoked["contact_en"]),
        (&json!(CONTACT), &json!(CONTACT_EN))
    );
    let (_, status, body) = space.register(&token, "あおい", Some(PASSPHRASE)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::GONE, Some("invitation_revoked"))
    );

    // Resent: the new link works, the old one is gone.
    space
        .admin(&[
            "invite",
            "--email",
            "b@example.org",
            "--role",
            "participant",
        ])
        .await;
    let old = space
        .sink
        .nth_to("b@example.org", 1)
        .await
        .token("/register#t=");
    let listed = space.admin(&["invitations", "list"]).await;
    let id = listed
        .lines()
        .find(|l| l.contains("b@example.org"))
        .and_then(|l| l.split_whitespace().next())
        .expect("b's invitation")
        .to_string();
    space.admin(&["invitations", "resend", &id]).await;
    let new = space
        .sink
        .nth_to("b@example.org", 2)
        .await
        .token("/register#t=");
    assert_ne!(old, new);
    let (status, gone) = get(&browser(), &space.url(&format!("/api/invitations/{old}"))).await;
    assert_eq!(
        (status, gone["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("invitation_unknown"))
    );
    assert_eq!(
        get(&browser(), &space.url(&format!("/api/invitations/{new}")))
            .await
            .0,
        StatusCode::OK
    );

    // Expired: fourteen days cannot pass in a test, so the row's expiry is moved to the past.
    space
        .admin(&[
            "invite",
            "--email",
            "c@example.org",
            "--role",
            "participant",
        ])
        .await;
    let token = space
        .sink
        .nth_to("c@example.org", 1)
        .await
        .token("/register#t=");
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        space.server.data_dir().join("ibasho.db").display()
    ))
    .await
    .expect("open the database");
    let moved = sqlx::query("UPDATE invitations SET expires_at = '2020-01-01 00:00:00+00:00' WHERE email = 'c@example.org'")
        .execute(&db)
        .await
        .expect("update");
    assert_eq!(moved.rows_affected(), 1);
    let (status, expired) = get(&browser(), &space.url(&format!("/api/invitations/{token}"))).await;
    assert_eq!(
        (status, expired["error"].as_str()),
        (StatusCode::GONE, Some("invitation_expired"))
    );
    assert!(
        expired["message"].as_str().unwrap().contains("有効期限"),
        "{expired}"
    );
    assert!(
        expired["message"].as_str().unwrap().contains(CONTACT),
        "{expired}"
    );
    assert_eq!(expired["contact_en"], CONTACT_EN);
    // The invitation said so too, and so does the public page's status.
    let mail = space.sink.nth_to("c@example.org", 1).await;
    assert!(
        mail.body.contains(&format!("お問い合わせ先: {CONTACT}")),
        "{}",
        mail.body
    );
    let (_, status_now) = get(&browser(), &space.url("/api/status")).await;
    assert_eq!(
        (&status_now["contact"], &status_now["contact_en"]),
        (&json!(CONTACT), &json!(CONTACT_EN))
    );
    let (_, status, _) = space.register(&token, "しずく", Some(PASSPHRASE)).await;
    assert_eq!(status, StatusCode::GONE);
    let (status, unknown) = get(&browser(), &space.url("/api/invitations/not-a-token")).await;
    assert_eq!(
        (status, unknown["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("invitation_unknown"))
    );
    space.assert_no_address_in_log();
}

#[tokio::test]
async fn one_person_one_application_and_bots_get_nothing() {
    let space = Space::start().await;
    let staff = space.staff("staff", "staff@example.org", "受付").await;
    assert_eq!(
        space.apply("hikari@example.org", "ひかり").await.0,
        StatusCode::ACCEPTED
    );
    let (status, again) = space.apply("Hikari@Example.org", "ひかり2").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{again}");
    let (_, list) = get(&staff, &space.url("/api/admin/applications")).await;
    let mine: Vec<_> = list["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["nickname"].as_str().unwrap().starts_with("ひかり"))
        .collect();
    assert_eq!(mine.len(), 1, "one person, one application: {list}");
    assert_eq!(
        mine[0]["nickname"], "ひかり2",
        "the second answers replace the first"
    );
    assert_eq!(
        mine[0]["note"], "よろしくお願いします",
        "a repeated note is kept once"
    );
    // A third time with another note: the earlier note stays, the new one follows it.
    let (status, third) = post(
        &browser(),
        &space.url("/api/applications"),
        json!({"nickname": "ひかり2", "email": "hikari@example.org", "applicant": "self",
               "eligible": true, "consent": true, "note": "夕方なら参加できます"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{third}");
    let id = pending_id(&space, &staff, "ひかり2").await;
    let (_, list) = get(&staff, &space.url("/api/admin/applications")).await;
    let hikari = list["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} not listed: {list}"));
    assert_eq!(
        hikari["note"],
        "よろしくお願いします\n\n夕方なら参加できます"
    );

    // Declined over HTTP with a kind word: staff are told in words, the person by e-mail.
    let (status, declined) = post(
        &staff,
        &space.url(&format!("/api/admin/applications/{id}/decline")),
        json!({"message": "来月の募集をお待ちください"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{declined}");
    assert_eq!(declined["application"]["status"], "declined");
    assert_eq!(
        declined["message"],
        "ひかり2さんの申し込みを見送り、添えた言葉とともにメールでお知らせしました。"
    );
    // Three "received" mails (one per application), then the decision.
    let told = space.sink.nth_to("hikari@example.org", 4).await;
    assert!(
        told.body.contains("来月の募集をお待ちください"),
        "{}",
        told.body
    );

    // The honeypot: the same answer, nothing stored, no mail.
    let (status, bot) = post(
        &browser(),
        &space.url("/api/applications"),
        json!({"nickname": "bot", "email": "bot@example.org", "applicant": "self", "eligible": true,
               "consent": true, "website": "http://spam.example"}),
    )
    .await;
    assert_eq!(
        (status, bot["status"].as_str()),
        (StatusCode::ACCEPTED, Some("received"))
    );
    let (_, list) = get(&staff, &space.url("/api/admin/applications?status=all")).await;
    assert!(!list.to_string().contains("bot"), "{list}");

    // Someone with an account applying again: the same answer, a "you are registered" mail.
    let invitation = space.invited(&staff, "mizu@example.org", "みず").await;
    let (_, status, _) = space
        .register(&invitation.token("/register#t="), "みず", Some(PASSPHRASE))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let before = space.sink.to("mizu@example.org").len();
    let (status, same) = space.apply("mizu@example.org", "みず").await;
    assert_eq!(
        (status, same["status"].as_str()),
        (StatusCode::ACCEPTED, Some("received"))
    );
    let note = space.sink.nth_to("mizu@example.org", before + 1).await;
    assert!(note.subject.contains("すでにご登録"), "{}", note.subject);
    assert!(note.body.contains(&space.url("/login")), "{}", note.body);
    let (_, list) = get(&staff, &space.url("/api/admin/applications")).await;
    assert!(
        !list.to_string().contains("みず"),
        "no new application: {list}"
    );

    // Required answers.
    for (field, body) in [
        (
            "consent",
            json!({"nickname": "x1", "email": "x@example.org", "applicant": "self", "eligible": true, "consent": false}),
        ),
        (
            "eligible",
            json!({"nickname": "x1", "email": "x@example.org", "applicant": "family", "consent": true}),
        ),
        (
            "email",
            json!({"nickname": "x1", "email": "x@", "applicant": "self", "eligible": true, "consent": true}),
        ),
    ] {
        let (status, err) = post(&browser(), &space.url("/api/applications"), body).await;
        assert_eq!(
            (status, err["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{err}"
        );
    }
    let (status, err) = answer(
        browser()
            .post(space.url("/api/applications"))
            .body("nickname=x")
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, err["error"].as_str()),
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("unsupported_media_type")
        )
    );
    space.assert_no_address_in_log();
}

#[tokio::test]
async fn doors_are_rate_limited_and_a_wrong_passphrase_reveals_nothing() {
    let space = Space::start().await;
    // Per e-mail: three a day.
    for _ in 0..3 {
        assert_eq!(
            space.apply("same@example.org", "おなじ").await.0,
            StatusCode::ACCEPTED
        );
    }
    let (status, limited) = space.apply("same@example.org", "おなじ").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{limited}");
    assert_eq!(limited["error"], "rate_limited");
    assert!(
        limited["retry_after_s"].as_u64().is_some_and(|s| s > 0),
        "{limited}"
    );
    // Per address: five an hour (four used above).
    assert_eq!(
        space.apply("other@example.org", "べつ").await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        space.apply("third@example.org", "みっつめ").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );

    // Logging in: a wrong passphrase and an unknown address look the same. (Invited from
    // the command line: this address has used up its applications.)
    space
        .admin(&[
            "invite",
            "--email",
            "yuki@example.org",
            "--role",
            "participant",
        ])
        .await;
    let invitation = space.sink.nth_to("yuki@example.org", 1).await;
    let (_, status, _) = space
        .register(&invitation.token("/register#t="), "ゆき", Some(PASSPHRASE))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let wrong = post(
        &browser(),
        &space.url("/api/login"),
        json!({"email": "yuki@example.org", "passphrase": "ちがうことばです"}),
    )
    .await;
    let unknown = post(
        &browser(),
        &space.url("/api/login"),
        json!({"email": "nobody@example.org", "passphrase": "ちがうことばです"}),
    )
    .await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong, unknown,
        "the answers must not tell who has an account"
    );
    let (status, ok) = post(
        &browser(),
        &space.url("/api/login"),
        json!({"email": "Yuki@example.org", "passphrase": PASSPHRASE}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ok}");
    // Five tries per address in fifteen minutes (two used above).
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let (status, _) = post(
            &browser(),
            &space.url("/api/login"),
            json!({"email": "yuki@example.org", "passphrase": "まだちがうことばです"}),
        )
        .await;
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    space.assert_no_address_in_log();
}

/// The fields an `invalid` answer names in `problems`, in order, each with words to show.
fn problem_fields(body: &Value) -> Vec<&str> {
    let problems = body["problems"].as_array().expect("problems");
    for p in problems {
        assert!(
            p["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    assert_eq!(body["field"], problems[0]["field"], "{body}");
    assert_eq!(body["message"], problems[0]["message"], "{body}");
    problems
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_empty_form_hears_of_every_problem_at_once() {
    let space = Space::start().await;
    let (status, empty) = post(
        &browser(),
        &space.url("/api/applications"),
        json!({"nickname": "", "email": "", "applicant": "self"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{empty}");
    assert_eq!(empty["error"], "invalid");
    assert_eq!(
        problem_fields(&empty),
        ["nickname", "email", "eligible", "consent"]
    );
    // One thing wrong is one problem.
    let (status, one) = post(
        &browser(),
        &space.url("/api/applications"),
        json!({"nickname": "そら", "email": "sora@example.org", "applicant": "self",
               "eligible": true, "consent": true, "note": "あ".repeat(1001)}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{one}");
    assert_eq!(problem_fields(&one), ["note"]);
    assert!(space.sink.to("sora@example.org").is_empty());

    // Registering: a bad invitation is said first; then every field at once.
    space
        .admin(&["invite", "--email", "r@example.org", "--role", "staff"])
        .await;
    let token = space
        .sink
        .nth_to("r@example.org", 1)
        .await
        .token("/register#t=");
    let (status, wrong) = post(
        &browser(),
        &space.url("/api/registrations"),
        json!({"token": token, "nickname": "090-1234-5678", "avatar": {"shape": "dragon", "color": "#8fb8de"},
               "group": "50s", "login_by_email": true}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{wrong}");
    assert_eq!(
        problem_fields(&wrong),
        ["nickname", "avatar", "group", "passphrase"]
    );
    let (status, unknown) = post(
        &browser(),
        &space.url("/api/registrations"),
        json!({"token": "nope", "nickname": ""}),
    )
    .await;
    assert_eq!(
        (status, unknown["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("invitation_unknown"))
    );
}

#[tokio::test]
async fn nicknames_carry_no_contact_details() {
    let space = Space::start().await;
    let admin = space.staff("admin", "kanri@example.org", "管理").await;
    let invitation = space.invited(&admin, "tsuki@example.org", "つき").await;
    let token = invitation.token("/register#t=");
    for (nickname, why) in [
        ("tsuki@example.org", "メールアドレス"),
        ("https://example.com", "URL"),
        ("見てね tsuki.jp", "URL"),
        ("090-1234-5678", "電話番号"),
        ("０９０１２３４５６７８", "電話番号"),
        ("ながいながいながいながいながいながいながい", "20文字"),
        ("運営のひと", "使えない言葉"),
        ("  ", "入力"),
    ] {
        let (_, status, err) = space.register(&token, nickname, Some(PASSPHRASE)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{nickname}: {err}");
        assert_eq!(err["field"], "nickname", "{nickname}: {err}");
        assert!(
            err["message"].as_str().unwrap().contains(why),
            "{nickname}: {err}"
        );
    }
    let (_, status, err) = space.register(&token, "つき", Some("みじかい")).await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("passphrase"))
    );
    let (status, err) = space.apply("x@example.org", "call 09012345678").await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("nickname"))
    );

    // Taken (case and width do not make a new name); the invitation stays usable.
    let (_, status, err) = space.register(&token, "管理", Some(PASSPHRASE)).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::CONFLICT, Some("nickname_taken"))
    );
    let (_, status, _) = space.register(&token, "つき", Some(PASSPHRASE)).await;
    assert_eq!(status, StatusCode::CREATED);

    // Staff must have a passphrase.
    space
        .admin(&[
            "staff",
            "add",
            "--email",
            "c@example.org",
            "--role",
            "counsellor",
            "--nickname",
            "相談員A",
        ])
        .await;
    let staff_token = space
        .sink
        .nth_to("c@example.org", 1)
        .await
        .token("/register#t=");
    let (_, status, err) = space.register(&staff_token, "相談員A", None).await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("passphrase"))
    );
    space.assert_no_address_in_log();
}

#[tokio::test]
async fn real_full_names_are_refused_with_a_kind_suggestion() {
    let space = Space::start().await;
    let admin = space.staff("admin", "kanri@example.org", "管理").await;
    let invitation = space.invited(&admin, "hana@example.org", "はな").await;
    let token = invitation.token("/register#t=");
    for (nickname, keep) in [
        ("佐藤花子", "さとう"),
        ("佐藤 花子", "さとう"),
        ("さとう はなこ", "さとう"),
        ("ｻﾄｳﾊﾅｺ", "さとう"),
        ("Sato Hanako", "Sato"),
    ] {
        let (_, status, err) = space.register(&token, nickname, Some(PASSPHRASE)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{nickname}: {err}");
        let problem = &err["problems"][0];
        assert_eq!(
            (problem["field"].as_str(), problem["code"].as_str()),
            (Some("nickname"), Some("nickname_real_name")),
            "{nickname}: {err}"
        );
        assert_eq!(problem["suggestion"], keep, "{nickname}: {err}");
        let message = err["message"].as_str().unwrap();
        assert!(
            message.contains("本名") && message.contains(&format!("「{keep}」だけ")),
            "{nickname}: {message}"
        );
    }
    // The application form applies the same rule.
    let (status, err) = space.apply("taro@example.org", "山田太郎").await;
    assert_eq!(
        (status, err["problems"][0]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("nickname_real_name")),
        "{err}"
    );
    // The family name alone is a nickname like any other.
    let (_, status, body) = space.register(&token, "さとう", Some(PASSPHRASE)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    space.assert_no_address_in_log();
}

#[tokio::test]
async fn deleting_an_account_forgets_the_person() {
    let space = Space::start().await;
    let admin = space.staff("admin", "kanri@example.org", "管理").await;
    let invitation = space.invited(&admin, "hoshi@example.org", "ほし").await;
    let (me, status, registered) = space
        .register(
            &invitation.token("/register#t="),
            "ほしぞら",
            Some(PASSPHRASE),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let public_id = registered["public_id"].as_str().unwrap().to_string();
    let (_, access) = post_empty(&me, &space.url("/api/token")).await;
    let mut client = Client::connect(&space.server).await;
    client.auth(access["token"].as_str().unwrap()).await;
    client.join("hiroba").await;

    let (status, err) = delete(&me, &space.url("/api/me"), json!({"confirm": "はい"})).await;
    assert_eq!(
        (status, err["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("confirm"))
    );
    let (status, _) = delete(&me, &space.url("/api/me"), json!({"confirm": "削除します"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (code, _) = client.expect_close(support::WAIT).await;
    assert_eq!(code, 4001, "the open connection is signed out");
    let goodbye = space.sink.nth_to("hoshi@example.org", 3).await;
    assert!(goodbye.subject.contains("退会"), "{}", goodbye.subject);
    assert_eq!(
        get(&me, &space.url("/api/me")).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = post(
        &browser(),
        &space.url("/api/login"),
        json!({"email": "hoshi@example.org", "passphrase": PASSPHRASE}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Nothing in any table still names them; the audit log keeps the pseudonym.
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        space.server.data_dir().join("ibasho.db").display()
    ))
    .await
    .expect("open the database");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&db)
            .await
            .unwrap();
    for table in &tables {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&db)
                .await
                .unwrap();
        for column in columns {
            let hits: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE CAST({column} AS TEXT) LIKE '%hoshi@example.org%' \
                 OR CAST({column} AS TEXT) LIKE '%ほしぞら%' OR CAST({column} AS TEXT) LIKE '%ほし%'"
            ))
            .fetch_one(&db)
            .await
            .unwrap();
            assert_eq!(hits, 0, "{table}.{column} still names the deleted person");
        }
    }
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'member_deleted' AND subject = ?",
    )
    .bind(&public_id)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // An admin deletes someone else; a participant cannot.
    let invitation = space.invited(&admin, "kumo@example.org", "くも").await;
    let (other, _, kumo) = space
        .register(&invitation.token("/register#t="), "くも", Some(PASSPHRASE))
        .await;
    let kumo_id = kumo["public_id"].as_str().unwrap();
    let (status, _) = delete(
        &other,
        &space.url(&format!("/api/admin/members/{kumo_id}")),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let status = admin
        .delete(space.url(&format!("/api/admin/members/{kumo_id}")))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        get(&other, &space.url("/api/me")).await.0,
        StatusCode::UNAUTHORIZED
    );
    space.assert_no_address_in_log();
}

#[tokio::test]
async fn only_admins_ever_see_an_address() {
    let space = Space::start().await;
    let admin = space.staff("admin", "kanri@example.org", "管理").await;
    let staff = space.staff("staff", "staff@example.org", "受付").await;
    let counsellor = space
        .staff("counsellor", "soudan@example.org", "相談員")
        .await;
    assert_eq!(
        space.apply("nami@example.org", "なみ").await.0,
        StatusCode::ACCEPTED
    );

    let (_, by_staff) = get(&staff, &space.url("/api/admin/applications")).await;
    assert!(
        !by_staff.to_string().contains("nami@example.org"),
        "{by_staff}"
    );
    let (_, by_admin) = get(&admin, &space.url("/api/admin/applications")).await;
    assert!(
        by_admin.to_string().contains("nami@example.org"),
        "{by_admin}"
    );
    let (_, invitations) = get(&admin, &space.url("/api/admin/invitations")).await;
    assert!(
        invitations.to_string().contains("staff@example.org"),
        "{invitations}"
    );

    // A participant (and a counsellor, who does not review applications) gets 403 everywhere.
    let participant_mail = space.invited(&staff, "umi@example.org", "うみ").await;
    let (participant, _, _) = space
        .register(
            &participant_mail.token("/register#t="),
            "うみ",
            Some(PASSPHRASE),
        )
        .await;
    for who in [&participant, &counsellor] {
        for path in ["/api/admin/applications", "/api/admin/invitations"] {
            let (status, body) = get(who, &space.url(path)).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (StatusCode::FORBIDDEN, Some("forbidden")),
                "{path}"
            );
        }
        let (status, _) = post(
            who,
            &space.url("/api/admin/invitations"),
            json!({"email": "z@example.org", "role": "admin"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = post_empty(who, &space.url("/api/admin/applications/a_x/approve")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, _) = post(
        &staff,
        &space.url("/api/admin/invitations"),
        json!({"email": "z@example.org", "role": "admin"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "staff cannot invite directly"
    );
    let (status, body) = get(&browser(), &space.url("/api/admin/applications")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("not_logged_in"))
    );

    // Every answer a non-admin got, and every frame on the WebSocket, is free of addresses.
    let (_, me) = get(&participant, &space.url("/api/me")).await;
    let (_, access) = post_empty(&participant, &space.url("/api/token")).await;
    let mut client = Client::connect(&space.server).await;
    client.auth(access["token"].as_str().unwrap()).await;
    client.join("hiroba").await;
    client
        .send(json!({"type": "chat", "text": "こんにちは"}))
        .await;
    client.recv_type("ack").await;
    for text in client
        .log
        .iter()
        .map(String::as_str)
        .chain([me.to_string().as_str()])
    {
        assert!(!text.contains("@example.org"), "{text}");
    }
    space.assert_no_address_in_log();
}

#[tokio::test]
async fn what_nobody_needs_is_forgotten_once_its_days_are_over() {
    use ibasho::model::{Applicant, ApplicationStatus, NewApplication, Submitted};
    use ibasho::store::Store;

    // A database as a space that has run a while has it: two declined applications, one of
    // them decided 40 days ago, and one still waiting from as long ago.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kept.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    let mut ids = Vec::new();
    for (email, nickname) in [
        ("old@example.org", "むかし"),
        ("recent@example.org", "きのう"),
        ("waiting@example.org", "まって"),
    ] {
        let submitted = store
            .submit_application(NewApplication {
                nickname: nickname.into(),
                email: email.into(),
                applicant: Applicant::Myself,
                heard_from: None,
                note: Some("少し不安です".into()),
                lang: ibasho::model::Lang::Ja,
            })
            .await
            .unwrap();
        let Submitted::New(application) = submitted else {
            panic!("a new address makes a new application");
        };
        ids.push(application.id);
    }
    for id in &ids[..2] {
        store
            .decide_application(id, ApplicationStatus::Declined, None)
            .await
            .unwrap();
    }
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let long_ago = chrono::Utc::now() - chrono::Duration::days(40);
    for (column, id) in [("decided_at", &ids[0]), ("created_at", &ids[2])] {
        sqlx::query(&format!(
            "UPDATE applications SET {column} = ? WHERE id = ?"
        ))
        .bind(long_ago)
        .bind(id)
        .execute(&db)
        .await
        .unwrap();
    }

    // The server keeps declined applications 30 days by default and looks as it starts.
    let database = format!("sqlite://{}", path.display());
    let _server = Server::start_with(TEST_ROOMS, OPEN, 1.0, &["--database", &database]).await;
    let remaining = || async {
        sqlx::query_scalar::<_, String>("SELECT id FROM applications ORDER BY created_at")
            .fetch_all(&db)
            .await
            .unwrap()
    };
    let deadline = tokio::time::Instant::now() + support::WAIT;
    while remaining().await.contains(&ids[0]) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the application declined 40 days ago is still kept"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        remaining().await,
        [ids[2].clone(), ids[1].clone()],
        "what is waiting, or was declined lately, stays"
    );
    let hits: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM applications WHERE email LIKE 'old@%' OR note LIKE '%old@%'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(hits, 0);
    let audited: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'stale_forgotten'")
            .fetch_one(&db)
            .await
            .unwrap();
    let detail: Value = serde_json::from_str(&audited).unwrap();
    assert_eq!(detail, json!({"applications": 1, "invitations": 0}));
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_person_has_their_own_allowance() {
    // The proxy on loopback forwards everyone's requests.
    let space = Space::start_with(&["--trusted-proxy", "127.0.0.1"]).await;
    let (ume, kiri) = (browser_at("198.51.100.1"), browser_at("198.51.100.2"));
    // Five applications an hour per address (docs/accounts.md).
    for n in 0..5 {
        let email = format!("ume{n}@example.org");
        assert_eq!(
            space.apply_in(&ume, &email, "うめ").await.0,
            StatusCode::ACCEPTED
        );
    }
    let (status, _) = space.apply_in(&ume, "ume5@example.org", "うめ").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Someone else behind the same proxy is not held back by that.
    let (status, answer) = space.apply_in(&kiri, "kiri@example.org", "きり").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");

    // Without the flag the header is not believed: a client cannot make up addresses to
    // get round the limit.
    let space = Space::start().await;
    for n in 0..5 {
        let address = format!("198.51.100.{}", 10 + n);
        let email = format!("spoof{n}@example.org");
        let (status, answer) = space
            .apply_in(&browser_at(&address), &email, "なりすまし")
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    }
    let (status, _) = space
        .apply_in(
            &browser_at("198.51.100.99"),
            "spoof5@example.org",
            "なりすまし",
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

/// `ibasho admin ARGS --data … --rooms …` as an operator types it on the server's machine:
/// no `--listen`, no `--public-url`, no mail flags (so the file outbox).
async fn plain_admin(server: &Server, args: &[&str]) -> (bool, String, String) {
    let mut command = tokio::process::Command::new(support::BIN);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("IBASHO_") {
            command.env_remove(key);
        }
    }
    let out = tokio::time::timeout(
        support::WAIT,
        command
            .arg("admin")
            .args(args)
            .arg("--data")
            .arg(server.data_dir())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("`ibasho admin` did not finish")
    .expect("run `ibasho admin`");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_first_admins_link_points_where_the_server_listens_and_the_outbox_reads() {
    // On a free port, with no SMTP server: mail goes to <data>/outbox.
    let server = Server::start(TEST_ROOMS, OPEN, 1.0).await;
    let rooms = server.rooms_path().display().to_string();
    let (ok, out, err) = plain_admin(
        &server,
        &[
            "staff",
            "add",
            "--email",
            "first@example.org",
            "--role",
            "admin",
            "--nickname",
            "はじめ",
            "--rooms",
            &rooms,
        ],
    )
    .await;
    assert!(ok, "{out}\n{err}");
    assert_eq!(out.matches("first@example.org").count(), 1, "{out}");

    let (ok, outbox, err) = plain_admin(&server, &["outbox"]).await;
    assert!(ok, "{outbox}\n{err}");
    assert!(outbox.contains("To: first@example.org"), "{outbox}");
    assert!(
        outbox.contains("Subject: 【テストの居場所】ご招待のお知らせ"),
        "decoded: {outbox}"
    );
    // The link starts with the address the server really listens on (a free port, not 8080).
    assert!(
        outbox.contains(&server.http_url("/register#t=")),
        "the link is not the server's:\n{outbox}"
    );

    // Filters: by address, and the newest N.
    let (ok, none, _) = plain_admin(&server, &["outbox", "--to", "other@example.org"]).await;
    assert!(
        ok && none.contains("no mails") && !none.contains("first@"),
        "{none}"
    );
    let (ok, last, _) = plain_admin(&server, &["outbox", "--last", "1"]).await;
    assert!(ok);
    assert_eq!(
        last.matches("\n== ").count() + usize::from(last.starts_with("== ")),
        1,
        "{last}"
    );
}
