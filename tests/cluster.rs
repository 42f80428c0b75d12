//! Several nodes (cluster mode, docs/operations.md): real server processes on loopback that
//! share the machine's Redis (each test under its own `--cluster-name`, so its own keys) and
//! PostgreSQL (a schema per test), and one signing key. Members of one room spread over the
//! nodes see one room; when the node hosting it is killed, everyone resumes through the
//! others with nothing lost or repeated.
//!
//! Under `CI=true` a missing Redis or PostgreSQL fails these tests; elsewhere they are skipped
//! with the reason.
#[path = "support/mod.rs"]
mod support;

use base64::Engine;
use rtc_peer::Peer;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use support::voice::Member as VoiceMember;
use support::{Client, Server, TEST_ROOMS, WAIT};
use tokio::time::{timeout, Instant};

const OPEN: &str = "2026-12-09T11:00:00+09:00";
const REDIS: &str = "redis://127.0.0.1:6379";
/// From a node's death to its members being told to reconnect, and its rooms hosted again:
/// the heartbeat and room leases (3 s) and the watch (0.5 s), with room to spare.
const TAKEOVER: Duration = Duration::from_secs(8);

fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The nodes of one test's space, and what starting one more takes.
struct Nodes {
    servers: Vec<Option<Server>>,
    rooms: String,
    flags: Vec<String>,
    database: String,
    key_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Nodes {
    /// `count` nodes of the test space on a fresh schema and key prefix; None (skipped)
    /// without the services.
    async fn start(count: usize) -> Option<Nodes> {
        Nodes::start_with(TEST_ROOMS, count).await
    }

    async fn start_with(rooms: &str, count: usize) -> Option<Nodes> {
        let redis = std::env::var("IBASHO_TEST_REDIS").unwrap_or_else(|_| REDIS.to_string());
        Nodes::start_on(rooms, redis, count).await
    }

    async fn start_on(rooms: &str, redis: String, count: usize) -> Option<Nodes> {
        let database = schema().await?;
        if let Err(e) = redis_answers(&redis).await {
            if required() {
                panic!("Redis is required under CI=true and did not answer at {redis}: {e}");
            }
            eprintln!("skipping: no Redis at {redis} ({e})");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let key_file = dir.path().join("signing.key");
        let key: [u8; 32] = rand::random();
        std::fs::write(
            &key_file,
            base64::engine::general_purpose::STANDARD.encode(key),
        )
        .expect("write the key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let flags = vec![
            "--database".to_string(),
            database.clone(),
            "--redis".to_string(),
            redis,
            "--cluster-name".to_string(),
            format!("test-{}", uuid::Uuid::new_v4().simple()),
            "--signing-key-file".to_string(),
            key_file.display().to_string(),
        ];
        let mut nodes = Nodes {
            servers: Vec::new(),
            rooms: rooms.to_string(),
            flags,
            database,
            key_file,
            _dir: dir,
        };
        for _ in 0..count {
            let server = nodes.launch().await;
            nodes.servers.push(Some(server));
        }
        Some(nodes)
    }

    /// The `--cluster-name` the nodes share (their Redis keys start `ibasho:<name>:`).
    fn cluster_name(&self) -> &str {
        let at = self
            .flags
            .iter()
            .position(|f| f == "--cluster-name")
            .expect("--cluster-name");
        &self.flags[at + 1]
    }

    async fn launch(&self) -> Server {
        let flags: Vec<&str> = self.flags.iter().map(String::as_str).collect();
        Server::start_with(&self.rooms, OPEN, 1.0, &flags).await
    }

    fn node(&self, i: usize) -> &Server {
        self.servers[i].as_ref().expect("the node runs")
    }

    /// A token signed with the nodes' shared key, for a member in the shared database.
    async fn token(&self, role: &str, nickname: &str) -> String {
        let stdout = self
            .admin(&["token", "--role", role, "--nickname", nickname])
            .await;
        stdout.trim().to_string()
    }

    /// `ibasho admin ARGS…` on the nodes' shared database and key (its own data directory,
    /// for the outbox), as an operator runs it beside them; its standard output.
    async fn admin(&self, args: &[&str]) -> String {
        let out = timeout(
            WAIT * 3,
            tokio::process::Command::new(support::BIN)
                .arg("admin")
                .args(args)
                .arg("--data")
                .arg(self.cli_data())
                .args(["--database", &self.database])
                .arg("--signing-key-file")
                .arg(&self.key_file)
                .env_remove("IBASHO_REDIS")
                .output(),
        )
        .await
        .expect("ibasho admin finishes")
        .expect("run ibasho admin");
        assert!(
            out.status.success(),
            "ibasho admin {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn cli_data(&self) -> std::path::PathBuf {
        self._dir.path().join("cli")
    }
}

impl Nodes {
    /// An admin logged in through `node` (a browser's cookie): invited with `ibasho admin
    /// staff add` on the shared database, registered through the invitation link.
    async fn logged_in_admin(&self, node: &Server) -> reqwest::Client {
        self.registered(
            node,
            &["staff", "add"],
            "admin",
            "kanri@example.org",
            "管理",
        )
        .await
    }

    /// Someone invited with `ibasho admin INVITE… --role ROLE` on the shared database and
    /// registered through `node` with the link (a browser's cookie): participants and family
    /// log in by e-mail, everyone else with a passphrase.
    async fn registered(
        &self,
        node: &Server,
        invite: &[&str],
        role: &str,
        email: &str,
        nickname: &str,
    ) -> reqwest::Client {
        let public_url = node.http_url("");
        let rooms = node.rooms_path().display().to_string();
        let mut args = invite.to_vec();
        args.extend_from_slice(&[
            "--email",
            email,
            "--role",
            role,
            "--nickname",
            nickname,
            "--public-url",
            &public_url,
            "--rooms",
            &rooms,
        ]);
        self.admin(&args).await;
        let outbox = self.cli_data().join("outbox");
        let file = std::fs::read_dir(&outbox)
            .expect("the outbox")
            .map(|e| e.unwrap().path())
            .max()
            .expect("an invitation");
        let raw = std::fs::read(file).unwrap();
        let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let body = message.body_text(0).unwrap().to_string();
        let token = body
            .split_whitespace()
            .find_map(|w| w.split_once("/register#t=").map(|(_, t)| t.to_string()))
            .unwrap_or_else(|| panic!("no invitation link in {body}"));
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let mut registration = json!({"token": token, "nickname": nickname});
        if matches!(role, "participant" | "family") {
            registration["login_by_email"] = true.into();
            registration["avatar"] = json!({"shape": "fox", "color": "#8fb8de"});
        } else {
            registration["passphrase"] = "かんりのための長いことば".into();
        }
        let registered = browser
            .post(node.http_url("/api/registrations"))
            .json(&registration)
            .send()
            .await
            .unwrap();
        assert_eq!(
            registered.status().as_u16(),
            201,
            "{:?}",
            registered.text().await
        );
        browser
    }
}

/// A fresh schema on the test PostgreSQL, as the `--database` URL.
async fn schema() -> Option<String> {
    support::postgres_schema("cluster")
        .await
        .map(|(_, url, _)| url)
}

async fn redis_answers(url: &str) -> Result<(), String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let mut conn = timeout(
        Duration::from_secs(3),
        client.get_multiplexed_async_connection(),
    )
    .await
    .map_err(|_| "timed out".to_string())?
    .map_err(|e| e.to_string())?;
    redis::cmd("PING")
        .query_async::<String>(&mut conn)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn member(nodes: &Nodes, node: usize, role: &str, nickname: &str) -> Client {
    let token = nodes.token(role, nickname).await;
    let mut client = Client::connect(nodes.node(node)).await;
    client.auth(&token).await;
    client
}

/// Sends a chat line and waits for its ack; returns the line's seq.
async fn say(client: &mut Client, rid: u64, text: &str) -> u64 {
    client
        .send(json!({"type": "chat", "rid": rid, "text": text}))
        .await;
    let ack = client
        .recv_where("ack", |f| f["type"] == "ack" && f["rid"] == rid)
        .await;
    ack["seq"].as_u64().expect("an ack with a seq")
}

async fn chat_texts(client: &mut Client, count: usize) -> Vec<(u64, String)> {
    let mut lines = Vec::new();
    for _ in 0..count {
        let line = client.recv_type("chat").await;
        lines.push((
            line["seq"].as_u64().unwrap(),
            line["text"].as_str().unwrap().to_string(),
        ));
    }
    lines
}

#[tokio::test]
async fn members_on_three_nodes_share_one_room() {
    let Some(nodes) = Nodes::start(3).await else {
        return;
    };
    let mut a = member(&nodes, 0, "participant", "あお").await;
    let mut b = member(&nodes, 1, "participant", "きいろ").await;
    let mut c = member(&nodes, 2, "participant", "みどり").await;
    let joined = a.join("hiroba").await;
    b.join("hiroba").await;
    a.recv_member_joined(&b.id()).await;
    let joined_c = c.join("hiroba").await;
    a.recv_member_joined(&c.id()).await;
    b.recv_member_joined(&c.id()).await;
    assert_eq!(
        joined_c["members"].as_array().unwrap().len(),
        3,
        "{joined_c}"
    );
    assert_eq!(joined_c["epoch"], joined["epoch"], "one room, one story");

    // Chat in one order for everyone, whichever node each line came through.
    let mut said = Vec::new();
    for round in 0..3 {
        for (i, client) in [&mut a, &mut b, &mut c].into_iter().enumerate() {
            let text = format!("{i}-{round}");
            let seq = say(client, 10 + round, &text).await;
            said.push((seq, text));
        }
    }
    said.sort();
    for client in [&mut a, &mut b, &mut c] {
        let mut seen = chat_texts(client, 9).await;
        let order: Vec<u64> = seen.iter().map(|(s, _)| *s).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        seen.sort();
        assert_eq!(seen, said);
    }

    // Stamps, status and walking reach the other nodes.
    b.send(json!({"type": "stamp", "rid": 30, "stamp": "tea"}))
        .await;
    for client in [&mut a, &mut c] {
        let stamp = client.recv_type("stamp").await;
        assert_eq!(stamp["from"], b.id());
    }
    c.send(json!({"type": "status", "rid": 31, "status": "can_talk"}))
        .await;
    for client in [&mut a, &mut b] {
        let id = c.id();
        let updated = client
            .recv_where("c's update", |f| {
                f["type"] == "member_updated" && f["member"]["id"] == id
            })
            .await;
        assert_eq!(updated["member"]["status"], "can_talk");
    }
    b.send(json!({"type": "move", "x": 120.0, "y": 80.0})).await;
    let id = b.id();
    let moved = a
        .recv_where("b's position", |f| {
            f["type"] == "positions"
                && f["moves"]
                    .as_array()
                    .is_some_and(|m| m.iter().any(|p| p["id"] == id && p["x"] == 120.0))
        })
        .await;
    assert_eq!(moved["room"], "hiroba");

    // Staff on the third node see everyone in the overview, and announce to every node.
    let mut staff = member(&nodes, 2, "staff", "受付").await;
    staff.send(json!({"type": "overview", "rid": 40})).await;
    let overview = staff.recv_type("overview").await;
    let hiroba = overview["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["room"] == "hiroba")
        .unwrap_or_else(|| panic!("hiroba in {overview}"));
    assert_eq!(hiroba["count"], 3, "{overview}");
    staff
        .send(json!({"type": "announce", "rid": 41, "text": "まもなくランチです"}))
        .await;
    for client in [&mut a, &mut b, &mut c] {
        let said = client.recv_type("announcement").await;
        assert_eq!(said["text"], "まもなくランチです");
    }

    // Leaving is seen on the other nodes.
    c.send(json!({"type": "leave", "rid": 50})).await;
    c.recv_type("left").await;
    for client in [&mut a, &mut b] {
        let left = client.recv_type("member_left").await;
        assert_eq!(left["id"], c.id());
    }
}

/// One member, as a reconnecting client keeps them: where they are, what they saw.
struct Member {
    client: Client,
    token: String,
    node: usize,
    epoch: String,
    last_seq: u64,
    /// Every chat line seen, live or replayed, in the order seen.
    seen: Vec<(u64, String)>,
}

impl Member {
    async fn enter(nodes: &Nodes, node: usize, nickname: &str) -> Member {
        let token = nodes.token("participant", nickname).await;
        let mut client = Client::connect(nodes.node(node)).await;
        client.auth(&token).await;
        let joined = client.join("hiroba").await;
        let mut member = Member {
            client,
            token,
            node,
            epoch: joined["epoch"].as_str().unwrap().to_string(),
            last_seq: joined["seq"].as_u64().unwrap(),
            seen: Vec::new(),
        };
        member.take_chat(&joined);
        member
    }

    fn take_chat(&mut self, joined: &Value) {
        for line in joined["chat"].as_array().into_iter().flatten() {
            self.note(line);
        }
    }

    fn note(&mut self, line: &Value) {
        let seq = line["seq"].as_u64().unwrap();
        self.seen
            .push((seq, line["text"].as_str().unwrap().to_string()));
        self.last_seq = self.last_seq.max(seq);
    }

    /// Reads what arrived (within `wait`), noting chat and the latest seq.
    async fn read(&mut self, wait: Duration) {
        for frame in self.client.drain(wait).await {
            if let Some(seq) = frame["seq"].as_u64() {
                if frame["type"] == "chat" {
                    self.note(&frame);
                }
                self.last_seq = self.last_seq.max(seq);
            }
        }
    }

    /// Back through node `node` once the room can be reached again: tries every 200 ms
    /// (bounded), as the page does on 4007. Redis restarted empty, but the room's last host
    /// put its story back: the resume goes on in the same epoch, with nothing missed.
    async fn rejoin_until_in(&mut self, nodes: &Nodes, node: usize) {
        for _ in 0..50 {
            let mut client = Client::connect(nodes.node(node)).await;
            client.auth(&self.token).await;
            client
                .send(json!({"type": "join", "room": "hiroba",
                    "resume": {"epoch": self.epoch, "seq": self.last_seq}}))
                .await;
            let reply = client.recv_reply("joined").await;
            if reply["type"] == "joined" {
                assert_eq!(
                    reply["epoch"],
                    self.epoch.as_str(),
                    "the story goes on: {reply}"
                );
                assert!(reply["gap"].is_null(), "nothing was missed: {reply}");
                assert!(reply["seq"].as_u64().unwrap() >= self.last_seq, "{reply}");
                self.last_seq = reply["seq"].as_u64().unwrap();
                self.client = client;
                self.node = node;
                self.take_chat(&reply);
                return;
            }
            assert_eq!(reply["code"], "unavailable", "{reply}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the room could not be joined again within 10 s of Redis being back");
    }

    /// Back through node `node`, resuming where the member was.
    async fn resume(&mut self, nodes: &Nodes, node: usize) {
        let mut client = Client::connect(nodes.node(node)).await;
        client.auth(&self.token).await;
        client
            .send(json!({"type": "join", "room": "hiroba",
                "resume": {"epoch": self.epoch, "seq": self.last_seq}}))
            .await;
        let joined = client.recv_reply("joined").await;
        assert_eq!(joined["type"], "joined", "{joined}");
        assert_eq!(
            joined["epoch"],
            self.epoch.as_str(),
            "the room's story goes on"
        );
        assert!(joined["gap"].is_null(), "nothing was missed: {joined}");
        self.client = client;
        self.node = node;
        self.take_chat(&joined);
        self.last_seq = self.last_seq.max(joined["seq"].as_u64().unwrap());
    }
}

/// How the room's host goes.
#[derive(Clone, Copy, PartialEq)]
enum Loss {
    /// `kill -9`: without a word.
    Killed,
    /// SIGTERM: the node drains, hands the room over, asks everyone to reconnect, exits 0.
    Drained,
}

/// Members spread over three nodes chatting in one room, whose host goes `rounds` times
/// (restarted as a new node each time). Every accepted line reaches every member exactly once,
/// in seq order, through all the moves.
async fn host_goes_again_and_again(members_count: usize, rounds: usize, loss: Loss) {
    let Some(mut nodes) = Nodes::start(3).await else {
        return;
    };
    // The first to enter makes their node the room's host.
    let mut members = Vec::new();
    for i in 0..members_count {
        members.push(Member::enter(&nodes, i % 3, &format!("なかま{i}")).await);
    }
    let mut host = 0;
    let mut said: Vec<(u64, String)> = Vec::new();
    let mut rid = 100;
    let mut takeovers = Vec::new();
    for round in 0..rounds {
        // Everyone says something; each line is accepted (acked) before the next.
        for (i, m) in members.iter_mut().enumerate() {
            rid += 1;
            let text = format!("r{round}-m{i}");
            let seq = say(&mut m.client, rid, &text).await;
            said.push((seq, text));
        }
        for m in members.iter_mut() {
            m.read(Duration::from_millis(100)).await;
        }
        let lost_at = Instant::now();
        match loss {
            Loss::Killed => nodes.servers[host].as_mut().unwrap().kill().await,
            Loss::Drained => {
                let status = nodes.servers[host].as_mut().unwrap().stop().await;
                assert!(status.success(), "a draining node exits 0, not {status}");
            }
        }
        nodes.servers[host] = None;
        let survivor = (host + 1) % 3;
        // Members elsewhere are asked to reconnect (4007); members of the dead node lost
        // their connection, those of a draining one are asked to reconnect too. Each comes
        // back through a surviving node.
        for m in members.iter_mut() {
            let (code, _) = m.client.expect_close(TAKEOVER).await;
            if m.node == host && loss == Loss::Killed {
                assert_eq!(code, 1006, "the dead node's connections just broke");
            } else {
                assert_eq!(code, 4007, "asked to reconnect");
            }
            m.read(Duration::ZERO).await;
            let back_to = if m.node == host { survivor } else { m.node };
            m.resume(&nodes, back_to).await;
        }
        takeovers.push(lost_at.elapsed());
        // The node comes back as a new one; the room now lives where the first member came
        // back.
        nodes.servers[host] = Some(nodes.launch().await);
        host = members[0].node;
    }
    for m in members.iter_mut() {
        m.read(Duration::from_millis(300)).await;
    }
    said.sort();
    for (i, m) in members.iter().enumerate() {
        let order: Vec<u64> = m.seen.iter().map(|(s, _)| *s).collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "member {i} saw seqs out of order or twice: {order:?}"
        );
        let mut seen = m.seen.clone();
        seen.sort();
        let lost: Vec<_> = said.iter().filter(|l| !seen.contains(l)).collect();
        assert!(lost.is_empty(), "member {i} never saw {lost:?}");
        let counts = seen.iter().fold(HashMap::new(), |mut c, l| {
            *c.entry(l).or_insert(0) += 1;
            c
        });
        assert!(
            counts.values().all(|n| *n == 1),
            "member {i} saw a line twice"
        );
    }
    takeovers.sort();
    println!(
        "{} of the host to all {members_count} members back in, over {rounds} rounds: median {:?}, max {:?}",
        if loss == Loss::Killed { "kill -9" } else { "SIGTERM" },
        takeovers[rounds / 2],
        takeovers[rounds - 1]
    );
}

#[tokio::test]
async fn the_host_killed_twenty_times_loses_and_repeats_nothing() {
    host_goes_again_and_again(20, 20, Loss::Killed).await;
}

#[tokio::test]
async fn a_draining_host_hands_over_and_exits_cleanly() {
    host_goes_again_and_again(20, 3, Loss::Drained).await;
}

/// A member with voice whose WebSocket is on node `node`, in `hiroba`.
async fn speaker(nodes: &Nodes, node: usize, token: &str) -> VoiceMember {
    let mut ws = Client::connect(nodes.node(node)).await;
    ws.auth(token).await;
    ws.join("hiroba").await;
    VoiceMember::start_voice(ws, Peer::new().await).await
}

/// Two members hear each other: each publishes, the other answers the offer and receives
/// fresh RTP from them.
async fn hear_each_other(a: &mut VoiceMember, b: &mut VoiceMember) {
    a.walk(100.0, 150.0).await;
    b.walk(150.0, 150.0).await;
    a.set_status("can_talk").await;
    a.publish().await;
    b.answer_all_offers().await;
    b.hears(a).await;
    b.set_status("can_talk").await;
    b.publish().await;
    a.answer_all_offers().await;
    a.hears(b).await;
}

#[tokio::test]
async fn voice_goes_through_the_room_hosts_media_engine_and_comes_back_after_it_dies() {
    let Some(mut nodes) = Nodes::start(3).await else {
        return;
    };
    let (sora, umi) = (
        nodes.token("participant", "そら").await,
        nodes.token("participant", "うみ").await,
    );
    // そら's node hosts the room; うみ's WebSocket is on another node, her voice on the host's.
    let mut a = speaker(&nodes, 0, &sora).await;
    let mut b = speaker(&nodes, 1, &umi).await;
    hear_each_other(&mut a, &mut b).await;

    // The host dies: both come back through the nodes left, start voice again (as the page
    // does), and hear each other through the new host's media engine.
    nodes.servers[0].as_mut().unwrap().kill().await;
    nodes.servers[0] = None;
    assert_eq!(a.ws.expect_close(TAKEOVER).await.0, 1006);
    assert_eq!(b.ws.expect_close(TAKEOVER).await.0, 4007);
    let mut b = speaker(&nodes, 1, &umi).await;
    let mut a = speaker(&nodes, 2, &sora).await;
    hear_each_other(&mut a, &mut b).await;
}

#[tokio::test]
async fn a_consultation_across_nodes_stays_invisible_to_everyone_else() {
    let rooms = format!(
        "{TEST_ROOMS}
[[room]]
id = \"consult\"
kind = \"consult\"
name = \"個別相談\"
capacity = 3
pool = 1
"
    );
    let Some(nodes) = Nodes::start_with(&rooms, 3).await else {
        return;
    };
    let mut counsellor = member(&nodes, 0, "counsellor", "相談員").await;
    let mut guest = member(&nodes, 1, "participant", "あお").await;
    let mut other = member(&nodes, 2, "participant", "きいろ").await;
    // The third member is in the free space with the guest, and watches everything it gets.
    guest.join("hiroba").await;
    other.join("hiroba").await;
    guest.recv_member_joined(&other.id()).await;
    counsellor.join("consult-1").await;

    // The invitation crosses from the counsellor's node to the guest's.
    counsellor
        .send(json!({"type": "invite", "rid": 1, "member": guest.id()}))
        .await;
    let ack = counsellor.recv_reply("ack").await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let invited = guest.recv_type("invited").await;
    assert_eq!(invited["room"], "consult-1");
    let joined = guest.join("consult-1").await;
    assert_eq!(joined["members"].as_array().unwrap().len(), 2, "{joined}");
    say(&mut guest, 2, "ここだけの話です").await;
    let line = counsellor.recv_type("chat").await;
    assert_eq!(line["text"], "ここだけの話です");

    // The third member, on a third node, can neither get in nor learn of it.
    other
        .send(json!({"type": "join", "rid": 3, "room": "consult-1"}))
        .await;
    let refused = other.recv_reply("joined").await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    other
        .send(json!({"type": "chat", "rid": 4, "room": "consult-1", "text": "のぞき"}))
        .await;
    other.send(json!({"type": "overview", "rid": 5})).await;
    other
        .recv_where("the refused overview", |f| f["rid"] == 5)
        .await;
    let seen: Vec<String> = other.log.clone();
    for frame in &seen {
        assert!(
            !frame.contains("consult") && !frame.contains("ここだけの話"),
            "the third member learned of the consultation: {frame}"
        );
    }
    assert!(
        seen.iter().any(|f| f.contains("member_left")),
        "the third member saw the guest leave the free space: {seen:?}"
    );
}

/// A Redis of the test's own on a free loopback port, without persistence (as the shipped
/// compose file runs it), that the test may stop and start.
struct PrivateRedis {
    port: u16,
    child: Option<tokio::process::Child>,
}

impl PrivateRedis {
    /// None (skipped) when there is no `redis-server` to run, outside CI.
    async fn start() -> Option<PrivateRedis> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut redis = PrivateRedis { port, child: None };
        if let Err(e) = redis.run().await {
            if required() {
                panic!("redis-server is required under CI=true: {e}");
            }
            eprintln!("skipping: {e}");
            return None;
        }
        Some(redis)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn run(&mut self) -> Result<(), String> {
        let child = tokio::process::Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot run redis-server: {e}"))?;
        self.child = Some(child);
        let deadline = Instant::now() + WAIT;
        while redis_answers(&self.url()).await.is_err() {
            if Instant::now() > deadline {
                return Err("redis-server did not answer".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    async fn kill(&mut self) {
        let mut child = self.child.take().expect("redis runs");
        child.start_kill().unwrap();
        child.wait().await.unwrap();
    }
}

#[tokio::test]
async fn redis_restarting_is_a_calm_reconnect_and_nothing_accepted_is_lost() {
    let Some(mut redis) = PrivateRedis::start().await else {
        return;
    };
    let Some(nodes) = Nodes::start_on(TEST_ROOMS, redis.url(), 2).await else {
        return;
    };
    let mut members = Vec::new();
    for i in 0..4 {
        members.push(Member::enter(&nodes, i % 2, &format!("なかま{i}")).await);
    }
    let mut said = Vec::new();
    for (i, m) in members.iter_mut().enumerate() {
        let text = format!("before-{i}");
        said.push((say(&mut m.client, 200 + i as u64, &text).await, text));
    }
    for m in members.iter_mut() {
        m.read(Duration::from_millis(200)).await;
    }

    // Redis goes: every room stops, and everyone is asked to reconnect.
    redis.kill().await;
    for m in members.iter_mut() {
        let (code, _) = m.client.expect_close(TAKEOVER).await;
        assert_eq!(code, 4007, "asked to reconnect");
        m.read(Duration::ZERO).await;
    }
    // While it is away, coming back is refused kindly, and the connection asks to retry.
    let mut early = Client::connect(nodes.node(0)).await;
    early.auth(&members[0].token).await;
    early
        .send(json!({"type": "join", "rid": 1, "room": "hiroba"}))
        .await;
    let refused = early.recv_error("unavailable").await;
    assert!(refused["retry_after_ms"].as_u64().is_some(), "{refused}");
    assert_eq!(early.expect_close(WAIT).await.0, 4007);

    // Redis is back (empty: it keeps nothing): everyone is in again within moments.
    redis.run().await.expect("redis-server again");
    let back_at = Instant::now();
    for m in members.iter_mut() {
        let node = m.node;
        m.rejoin_until_in(&nodes, node).await;
    }
    let resumed_in = back_at.elapsed();
    for (i, m) in members.iter_mut().enumerate() {
        let text = format!("after-{i}");
        said.push((say(&mut m.client, 300 + i as u64, &text).await, text));
    }
    for m in members.iter_mut() {
        m.read(Duration::from_millis(300)).await;
    }
    for (i, m) in members.iter().enumerate() {
        let seen: Vec<&String> = m.seen.iter().map(|(_, t)| t).collect();
        for (_, text) in &said {
            assert_eq!(
                seen.iter().filter(|t| **t == text).count(),
                1,
                "member {i} saw {text} not exactly once: {seen:?}"
            );
        }
    }
    println!("Redis back to all 4 members in again: {resumed_in:?}");
}

#[tokio::test]
async fn limits_count_across_nodes_and_a_deleted_member_is_signed_out_on_their_node() {
    let Some(nodes) = Nodes::start(3).await else {
        return;
    };
    // Five wrong passphrases for one address, spread over the nodes: the sixth is refused,
    // on whichever node it comes.
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for attempt in 0..6 {
        let node = nodes.node(attempt % 3);
        let response = http
            .post(node.http_url("/api/login"))
            .json(&json!({"email": "someone@example.org", "passphrase": "ちがうことば"}))
            .send()
            .await
            .expect("POST /api/login");
        statuses.push(response.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429], "{statuses:?}");

    // An admin deletes, through one node, a member connected to another: that node closes
    // their connection (4001: log in again).
    let mut gone = member(&nodes, 1, "participant", "さよなら").await;
    gone.join("hiroba").await;
    let admin = nodes.logged_in_admin(nodes.node(0)).await;
    let response = admin
        .delete(
            nodes
                .node(0)
                .http_url(&format!("/api/admin/members/{}", gone.id())),
        )
        .send()
        .await
        .expect("DELETE member");
    assert_eq!(response.status().as_u16(), 204);
    assert_eq!(gone.expect_close(WAIT).await.0, 4001);
}

#[tokio::test]
async fn a_stage_and_staff_mute_work_across_nodes_and_a_dead_nodes_members_leave() {
    let stage = support::STAGE_ROOM
        .replace("12:00", "10:00")
        .replace("13:00", "18:00");
    let Some(mut nodes) = Nodes::start_with(&format!("{TEST_ROOMS}\n{stage}"), 3).await else {
        return;
    };
    let mut host = member(&nodes, 0, "staff", "うたのせんせい").await;
    let mut singer = member(&nodes, 1, "participant", "うたいて").await;
    let mut listener = member(&nodes, 2, "participant", "ききて").await;
    host.join("cafe").await;
    singer.join("cafe").await;
    listener.join("cafe").await;

    // A hand raised on one node, and the host's invitation from another, reach everyone.
    singer
        .send(json!({"type": "raise_hand", "rid": 1, "raised": true}))
        .await;
    let id = singer.id();
    for client in [&mut host, &mut listener] {
        client
            .recv_where("the raised hand", |f| {
                f["type"] == "stage"
                    && f["hands"]
                        .as_array()
                        .is_some_and(|h| h.iter().any(|m| m == &id))
            })
            .await;
    }
    host.send(json!({"type": "set_speaker", "rid": 2, "member": id, "speaker": true}))
        .await;
    for client in [&mut singer, &mut listener] {
        client
            .recv_where("the new speaker", |f| {
                f["type"] == "stage"
                    && f["speakers"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|m| m == &id))
            })
            .await;
    }

    // Staff on one node mute a member on another: told so, and the host's SFU refuses their
    // microphone.
    host.send(json!({"type": "voice_mute", "rid": 3, "member": id, "muted": true}))
        .await;
    let muted = singer.recv_type("muted").await;
    assert!(muted["voice_until"].is_string(), "{muted}");
    singer
        .send(json!({"type": "voice_publish", "rid": 4, "kind": "audio"}))
        .await;
    let refused = singer.recv_error("listen_only").await;
    assert_eq!(refused["reason"], "muted", "{refused}");

    // The listener's node dies: the others see the listener leave, once its heartbeat ends.
    let gone = listener.id();
    nodes.servers[2].as_mut().unwrap().kill().await;
    for client in [&mut host, &mut singer] {
        let left = client
            .recv_where_within(TAKEOVER, "the dead node's member leaving", |f| {
                f["type"] == "member_left" && f["id"] == gone
            })
            .await;
        assert_eq!(left["room"], "cafe");
    }
}

/// The line of members waiting to talk (今話したい) across nodes: one line for the whole
/// space, places told to members wherever they are connected, counsellors on every node
/// seeing it, two counsellors accepting at once each get a room of their own, and nothing
/// said in a consultation goes to Redis.
#[tokio::test]
async fn asking_to_talk_is_one_line_across_nodes() {
    let rooms = format!(
        "{TEST_ROOMS}
[[room]]
id = \"consult\"
kind = \"consult\"
name = \"個別相談\"
pool = 2
"
    );
    let Some(nodes) = Nodes::start_with(&rooms, 3).await else {
        return;
    };
    let mut c1 = member(&nodes, 0, "counsellor", "相談員 いち").await;
    let mut c2 = member(&nodes, 2, "counsellor", "相談員 に").await;
    let mut a = member(&nodes, 1, "participant", "あお").await;
    let mut b = member(&nodes, 2, "family", "きいろの母").await;
    let mut other = member(&nodes, 0, "participant", "みどり").await;
    for m in [&mut a, &mut b, &mut other] {
        m.join("hiroba").await;
    }
    let place = |p: u64| {
        move |f: &Value| f["type"] == "talk_request" && f["waiting"] == true && f["place"] == p
    };

    a.send(json!({"type": "talk_ask", "rid": 1})).await;
    a.recv_where("a in line first", place(1)).await;
    b.send(json!({"type": "talk_ask", "rid": 2, "mode": "voice"}))
        .await;
    b.recv_where("b in line second", place(2)).await;
    c1.recv_talk_line(&["あお", "きいろの母"]).await;
    c2.recv_talk_line(&["あお", "きいろの母"]).await;

    a.send(json!({"type": "talk_withdraw", "rid": 3})).await;
    b.recv_where("b moves up", place(1)).await;
    c1.recv_talk_line(&["きいろの母"]).await;
    a.send(json!({"type": "talk_ask", "rid": 4})).await;
    a.recv_where("a back in line, second", place(2)).await;
    c2.recv_talk_line(&["きいろの母", "あお"]).await;

    // Both counsellors accept at the same moment: each enters a room of their own.
    c1.send(json!({"type": "talk_accept", "rid": 5, "member": a.id()}))
        .await;
    c2.send(json!({"type": "talk_accept", "rid": 6, "member": b.id()}))
        .await;
    let one = c1.recv_where("c1's answer", |f| f["rid"] == 5).await;
    let two = c2.recv_where("c2's answer", |f| f["rid"] == 6).await;
    assert_eq!(
        (&one["type"], &two["type"]),
        (&json!("ack"), &json!("ack")),
        "{one} {two}"
    );
    let room_a = a.recv_type("invited").await["room"]
        .as_str()
        .unwrap()
        .to_string();
    let room_b = b.recv_type("invited").await["room"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(room_a, room_b, "two consultations in one room");
    c1.recv_talk_line(&[]).await;

    let inside = a.join(&room_a).await;
    assert_eq!(
        inside["members"].as_array().map(Vec::len),
        Some(2),
        "{inside}"
    );
    say(&mut a, 7, "ここだけの話です").await;
    c1.recv_where("the line in the consultation", |f| {
        f["type"] == "chat" && f["text"] == "ここだけの話です"
    })
    .await;

    // The third member can neither get in nor learn of any of it.
    other
        .send(json!({"type": "join", "rid": 8, "room": room_a}))
        .await;
    let refused = other
        .recv_where("the refused join", |f| f["rid"] == 8)
        .await;
    assert_eq!(refused["code"], "not_allowed", "{refused}");
    for frame in &other.log {
        assert!(
            !frame.contains("talk")
                && !frame.contains("ここだけの話")
                && !frame.contains("consult"),
            "the third member learned of it: {frame}"
        );
    }

    // Nothing said in the consultation is in Redis.
    let url = std::env::var("IBASHO_TEST_REDIS").unwrap_or_else(|_| REDIS.to_string());
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("ibasho:{}:*", nodes.cluster_name()))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        !keys.is_empty(),
        "the cluster's keys are where the test looks"
    );
    for key in keys {
        // Where a room is hosted is its lease; its chat would be under `room:<id>:`.
        assert!(
            !key.contains("room:consult") || key.contains(":lease:room:consult"),
            "a consultation's chat in Redis: {key}"
        );
        let kind: String = redis::cmd("TYPE")
            .arg(&key)
            .query_async(&mut conn)
            .await
            .unwrap();
        if kind == "list" {
            let lines: Vec<String> = redis::cmd("LRANGE")
                .arg(&key)
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .unwrap();
            assert!(
                lines.iter().all(|l| !l.contains("ここだけの話")),
                "{key} holds the consultation's words"
            );
        }
    }
}

/// Staff on duty on one node are what lets a participant in on another. Crisis lines in many
/// spellings written on a second node alert the staff on duty on the first and on a third
/// within the second (measured in the log, asserted as arrived), show the writer help, and
/// still reach the room; contact details wait for the sender's yes and staff see it happened.
#[tokio::test]
async fn duty_and_crisis_alerts_reach_across_nodes() {
    let rooms = TEST_ROOMS.replacen("min_on_duty = 0", "min_on_duty = 1", 1);
    let Some(nodes) = Nodes::start_with(&rooms, 3).await else {
        return;
    };
    let mut staff = member(&nodes, 0, "staff", "当番").await;
    staff
        .send(json!({"type": "duty", "rid": 1, "on": true}))
        .await;
    let ack = staff.recv_where("the duty ack", |f| f["rid"] == 1).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    staff
        .recv_where("on duty", |f| f["type"] == "duty" && f["on_duty"] == 1)
        .await;
    let mut second = member(&nodes, 2, "counsellor", "相談員").await;
    second
        .send(json!({"type": "duty", "rid": 1, "on": true}))
        .await;
    staff
        .recv_where("two on duty", |f| f["type"] == "duty" && f["on_duty"] == 2)
        .await;
    let mut reader = member(&nodes, 2, "participant", "よむ人").await;
    reader.join("hiroba").await;
    // Three lines each: within the chat rate limit.
    let mut writers = Vec::new();
    for nickname in ["かく人", "もうひとり"] {
        let mut writer = member(&nodes, 1, "participant", nickname).await;
        writer
            .recv_where("staff are here", |f| {
                f["type"] == "duty" && f["staff_present"] == true
            })
            .await;
        writer.join("hiroba").await;
        writers.push((writer, nickname));
    }
    let lines = [
        "もう消えてしまいたい。死にたいです。",
        "ｼﾆﾀｲ",
        "し に た い",
        "死🌸に🌸た🌸い",
        "シニタイ…",
        "I want to kill myself",
    ];
    let mut first_alert = None;
    for (i, line) in lines.iter().enumerate() {
        let (writer, nickname) = &mut writers[i / 3];
        let rid = 10 + i as u64;
        let sent = Instant::now();
        say(writer, rid, line).await;
        for (on_duty, node) in [(&mut staff, 0), (&mut second, 2)] {
            let alert = on_duty
                .recv_where("the alert from another node", |f| {
                    f["type"] == "crisis_alert" && f["text"] == *line
                })
                .await;
            println!(
                "{line}: alert on node {node} arrived {} ms after sending",
                sent.elapsed().as_millis()
            );
            assert_eq!(alert["member"]["nickname"], *nickname, "{alert}");
            assert_eq!(alert["room"], "hiroba", "{alert}");
            first_alert.get_or_insert(alert["alert"].clone());
        }
        writer.recv_type("help").await;
        reader
            .recv_where(&format!("the line {line} in the room"), |f| {
                f["type"] == "chat" && f["text"] == *line
            })
            .await;
    }
    staff
        .send(json!({"type": "alert_ack", "rid": 3, "alert": first_alert}))
        .await;
    let ack = staff.recv_where("the alert's ack", |f| f["rid"] == 3).await;
    assert_eq!(ack["type"], "ack", "{ack}");

    // Contact details in the free space wait for a yes; the staff on both nodes see it.
    let mut sharer = member(&nodes, 1, "participant", "つなぐ人").await;
    sharer.join("hiroba").await;
    let contact = "よかったらLINEしませんか 090-1234-5678";
    sharer
        .send(json!({"type": "chat", "rid": 20, "text": contact}))
        .await;
    let held = sharer.recv_where("held back", |f| f["rid"] == 20).await;
    assert_eq!(held["code"], "chat_contact", "{held}");
    sharer
        .send(json!({"type": "chat", "rid": 21, "text": contact, "confirm": true}))
        .await;
    let ack = sharer.recv_where("sent on yes", |f| f["rid"] == 21).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    for on_duty in [&mut staff, &mut second] {
        let shared = on_duty.recv_type("contact_shared").await;
        assert_eq!(shared["member"]["nickname"], "つなぐ人", "{shared}");
    }
    reader
        .recv_where("the confirmed line", |f| {
            f["type"] == "chat" && f["text"] == contact
        })
        .await;
}

/// The member's WebSocket on `node`, for this logged-in browser.
/// A member connected to two nodes at once, suspended through a third node's API: both
/// connections are told why and closed (4008), and neither node lets them back in.
#[tokio::test]
async fn a_member_suspended_through_one_node_is_closed_and_refused_on_every_node() {
    let Some(nodes) = Nodes::start(3).await else {
        return;
    };
    let token = nodes.token("participant", "とまる").await;
    let mut on_first = Client::connect(nodes.node(0)).await;
    on_first.auth(&token).await;
    on_first.join("hiroba").await;
    let mut on_second = Client::connect(nodes.node(1)).await;
    on_second.auth(&token).await;
    let admin = nodes.logged_in_admin(nodes.node(2)).await;
    let response = admin
        .post(
            nodes
                .node(2)
                .http_url(&format!("/api/staff/members/{}/suspend", on_first.id())),
        )
        .json(&json!({"reason": "しばらくお休みしていただくため"}))
        .send()
        .await
        .expect("POST suspend");
    assert_eq!(response.status().as_u16(), 200);
    for client in [&mut on_first, &mut on_second] {
        let told = client
            .recv_where("account_suspended", |f| f["code"] == "account_suspended")
            .await;
        assert!(
            told["message"]
                .as_str()
                .is_some_and(|m| m.contains("しばらくお休みしていただくため")),
            "{told}"
        );
        assert_eq!(client.expect_close(WAIT).await.0, 4008);
    }
    for node in 0..3 {
        let mut again = Client::connect(nodes.node(node)).await;
        again.send(json!({"type": "auth", "token": token})).await;
        again.recv_error("account_suspended").await;
        assert_eq!(again.expect_close(WAIT).await.0, 4008, "node {node}");
    }
}

async fn member_of(node: &Server, browser: &reqwest::Client) -> Client {
    let token: Value = browser
        .post(node.http_url("/api/token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut client = Client::connect(node).await;
    client.auth(token["token"].as_str().expect("a token")).await;
    client
}

#[tokio::test]
async fn a_booked_consultation_starts_first_in_the_line_of_every_node() {
    let rooms = format!(
        "{TEST_ROOMS}
[[room]]
id = \"consult\"
kind = \"consult\"
name = \"個別相談\"
pool = 2
"
    );
    let Some(nodes) = Nodes::start_with(&rooms, 2).await else {
        return;
    };
    let (zero, one) = (nodes.node(0), nodes.node(1));
    let counsellor = nodes
        .registered(
            zero,
            &["invite"],
            "counsellor",
            "shiro@example.org",
            "しろくま",
        )
        .await;
    let hana = nodes
        .registered(one, &["invite"], "participant", "hana@example.org", "はな")
        .await;
    let slot: Value = counsellor
        .post(zero.http_url("/api/slots"))
        .json(&json!({"start": "2026-12-09T12:00:00+09:00", "minutes": 30,
                      "profession": "social_worker", "modes": ["text", "voice"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = slot["id"].as_str().unwrap_or_else(|| panic!("{slot}"));
    let booked = hana
        .post(one.http_url(&format!("/api/slots/{id}/booking")))
        .json(&json!({"mode": "voice"}))
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status().as_u16(), 201, "{:?}", booked.text().await);

    // The counsellor is on node 0, the booker on node 1, someone asking now on node 0.
    let mut shirokuma = member_of(zero, &counsellor).await;
    let mut booker = member_of(one, &hana).await;
    let mut sora = member(&nodes, 0, "participant", "そら").await;
    sora.send(json!({"type": "talk_ask", "rid": 1})).await;
    sora.recv_where("そら in line", |f| {
        f["type"] == "talk_request" && f["place"] == 1
    })
    .await;

    // Each node's clock comes to the start; only the booker's node puts them in line.
    let admin = nodes.token("admin", "時計係").await;
    for node in [zero, one] {
        let (status, body) = node
            .post_clock(Some(&admin), json!({"to": "2026-12-09T11:59:59.7+09:00"}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let line = shirokuma.recv_talk_line(&["はな", "そら"]).await;
    assert_eq!(
        line["requests"][0]["booked_with"],
        shirokuma.id().as_str(),
        "{line}"
    );
    booker
        .recv_where("booking_started", |f| {
            f["type"] == "notice" && f["kind"] == "booking_started"
        })
        .await;
    sora.recv_where("そら second", |f| {
        f["type"] == "talk_request" && f["place"] == 2
    })
    .await;

    // The counsellor on node 0 accepts; the booker on node 1 is invited as they booked.
    shirokuma
        .send(json!({"type": "talk_accept", "rid": 2, "member": booker.id()}))
        .await;
    let answer = shirokuma.recv_where("the answer", |f| f["rid"] == 2).await;
    assert_eq!(answer["type"], "ack", "{answer}");
    let invited = booker.recv_type("invited").await;
    assert_eq!(invited["mode"], "voice", "{invited}");
}

/// Staff on one node look after a member on another (three nodes): a hidden line leaves every page and the
/// room's story in Redis, a whisper goes there and its answer comes back, a mute reaches the
/// member and follows them to another node, and asking them to leave reaches the room's host.
/// Each is audited in the shared database.
#[tokio::test]
async fn gentle_moderation_reaches_across_nodes() {
    let Some(nodes) = Nodes::start(3).await else {
        return;
    };
    // The member's node hosts the room; the staff are on another one, not in it, and someone
    // watching is on a third.
    let mut member_ = member(&nodes, 1, "participant", "むこう").await;
    member_.join("hiroba").await;
    let mut observer = member(&nodes, 2, "participant", "みている").await;
    observer.join("hiroba").await;
    let mut staff = member(&nodes, 0, "staff", "みまもり").await;
    staff.join("staff").await;
    let (member_id, staff_id) = (member_.id(), staff.id());

    let seq = say(&mut member_, 1, "消える言葉").await;
    let ask = |rid: u64, message: serde_json::Value| {
        let mut message = message;
        message["rid"] = json!(rid);
        message
    };
    staff
        .send(ask(
            2,
            json!({"type": "hide", "room": "hiroba", "seq": seq, "reason": "確認"}),
        ))
        .await;
    let ack = staff.recv_where("the hide's ack", |f| f["rid"] == 2).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    for client in [&mut member_, &mut observer] {
        let hidden = client.recv_type("chat_hidden").await;
        assert_eq!(hidden["seq"], seq, "{hidden}");
    }
    let mut newcomer = member(&nodes, 0, "participant", "あとから").await;
    let joined = newcomer.join("hiroba").await;
    assert!(
        joined["chat"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["seq"] != seq),
        "the hidden line is still in the story: {joined}"
    );
    // A page on a third node that showed the line and missed chat_hidden is told on resuming.
    let mut away = member(&nodes, 2, "participant", "もどった").await;
    away.send(json!({"type": "join", "rid": 1, "room": "hiroba",
        "resume": {"epoch": joined["epoch"], "seq": seq}}))
        .await;
    let resumed = away.recv_reply("joined").await;
    assert_eq!(resumed["hidden"], json!([seq]), "{resumed}");

    staff
        .send(ask(
            3,
            json!({"type": "whisper", "member": member_id, "text": "だいじょうぶ？"}),
        ))
        .await;
    let ack = staff
        .recv_where("the whisper's ack", |f| f["rid"] == 3)
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let whisper = member_.recv_type("whisper").await;
    assert_eq!(whisper["from"]["id"], staff_id.as_str(), "{whisper}");
    member_
        .send(ask(
            4,
            json!({"type": "whisper", "member": staff_id, "text": "はい"}),
        ))
        .await;
    let ack = member_
        .recv_where("the answer's ack", |f| f["rid"] == 4)
        .await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let answer = staff.recv_type("whisper").await;
    assert_eq!(answer["from"]["id"], member_id.as_str(), "{answer}");

    staff
        .send(ask(5, json!({"type": "ask_to_leave", "member": member_id})))
        .await;
    let ack = staff.recv_where("the ask's ack", |f| f["rid"] == 5).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let left = member_.recv_type("left").await;
    assert_eq!(left["reason"], "asked_to_leave", "{left}");
    member_
        .send(json!({"type": "join", "rid": 6, "room": "hiroba"}))
        .await;
    member_.recv_error("asked_to_leave").await;

    staff
        .send(ask(
            7,
            json!({"type": "mute", "member": member_id, "text": true, "minutes": 30}),
        ))
        .await;
    let ack = staff.recv_where("the mute's ack", |f| f["rid"] == 7).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    member_.recv_type("muted").await;
    // On the other node, after reconnecting, the mute holds.
    drop(member_);
    let mut member_ = member(&nodes, 0, "participant", "むこう").await;
    let muted = member_.recv_type("muted").await;
    assert!(muted["text_until"].is_string(), "{muted}");
    member_.join("tiny").await;
    member_
        .send(json!({"type": "chat", "rid": 8, "text": "まだ？"}))
        .await;
    member_.recv_error("muted").await;
    staff
        .send(ask(9, json!({"type": "unmute", "member": member_id})))
        .await;
    member_.recv_type("mute_ended").await;

    let out = tokio::process::Command::new(support::BIN)
        .args([
            "admin",
            "audit",
            "--limit",
            "100",
            "--database",
            &nodes.database,
        ])
        .arg("--data")
        .arg(nodes.cli_data())
        .output()
        .await
        .expect("run ibasho admin audit");
    let audit = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for action in [
        "message_hidden",
        "whisper_sent",
        "asked_to_leave",
        "muted",
        "unmuted",
    ] {
        assert!(
            audit.contains(&format!("\t{action}\t")),
            "{action} is not audited: {audit}"
        );
    }
    assert!(
        !audit.contains("だいじょうぶ") && !audit.contains("消える言葉"),
        "{audit}"
    );
}

#[tokio::test]
async fn a_block_between_members_on_two_nodes_holds_in_a_room_hosted_on_a_third() {
    let Some(nodes) = Nodes::start(3).await else {
        return;
    };
    // C comes first: the room is hosted on node 2; A is on node 0, B on node 1.
    let mut c = member(&nodes, 2, "participant", "みどり").await;
    c.join("hiroba").await;
    let mut a = member(&nodes, 0, "participant", "あお").await;
    a.join("hiroba").await;
    let mut b = member(&nodes, 1, "family", "きいろ").await;
    b.join("hiroba").await;
    let (a_id, b_id, c_id) = (a.id(), b.id(), c.id());
    a.recv_member_joined(&b_id).await;

    a.send(json!({"type": "block", "rid": 1, "member": b_id}))
        .await;
    let ack = a.recv_where("block's reply", |f| f["rid"] == 1).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let left = |id: &str| {
        let id = id.to_string();
        move |f: &Value| f["type"] == "member_left" && f["id"] == id.as_str()
    };
    a.recv_where("B gone for A", left(&b_id)).await;
    b.recv_where("A gone for B", left(&a_id)).await;
    a.drain(Duration::ZERO).await;
    b.drain(Duration::ZERO).await;

    // Lines apart never cross; C's, sent after them, arrive.
    say(&mut b, 2, "Bです").await;
    say(&mut a, 3, "Aです").await;
    say(&mut c, 4, "Cです").await;
    for (client, me) in [(&mut a, &a_id), (&mut b, &b_id)] {
        let line = client
            .recv_where("someone else's line", |f| {
                f["type"] == "chat" && f["from"] != me.as_str()
            })
            .await;
        assert_eq!(line["from"], c_id.as_str(), "{line}");
    }

    // B comes back through another connection on their node: the block came with them.
    drop(b);
    let mut b = member(&nodes, 1, "family", "きいろ").await;
    let joined = b.join("hiroba").await;
    assert!(
        !joined.to_string().contains(&a_id),
        "A in B's room: {joined}"
    );
    say(&mut c, 5, "もう一度").await;
    a.recv_where("C's line", |f| {
        f["type"] == "chat" && f["seq"].is_u64() && f["text"] == "もう一度"
    })
    .await;
    let about_b = |f: &Value| f.to_string().contains(&b_id) && f["type"] != "pong";
    a.expect_nothing(Duration::from_millis(300), "anything about B", about_b)
        .await;

    // Lifted on node 0: both appear again for each other.
    a.send(json!({"type": "unblock", "rid": 6, "member": b_id}))
        .await;
    a.recv_member_joined(&b_id).await;
    b.recv_member_joined(&a_id).await;
}
