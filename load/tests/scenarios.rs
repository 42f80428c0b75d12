//! The load tool against a real ibasho (in this process, on loopback): every scenario runs
//! small and short, and what it reports is checked for sense, not for speed.
use ibasho::app::{self, Settings};
use ibasho::mail::MailSettings;
use serde_json::Value;
use sqlx::{Connection, PgConnection};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Running {
    url: String,
    data: tempfile::TempDir,
}

async fn start() -> Running {
    let data = tempfile::tempdir().expect("temp dir");
    let url = serve(data.path(), None).await;
    Running { url, data }
}

/// What every node of one space shares in cluster mode.
struct Space {
    database: String,
    redis: String,
    name: String,
    key_file: PathBuf,
}

/// Serves ibasho on loopback from `data` (a node of `space` if given); returns its WebSocket.
async fn serve(data: &Path, space: Option<&Space>) -> String {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let settings = Settings {
        rooms: repo.join("bench/rooms.toml"),
        data: data.to_path_buf(),
        signing_key_file: space.map(|s| s.key_file.clone()),
        notes_key_file: None,
        database: space.map(|s| s.database.clone()),
        redis: space.map(|s| s.redis.clone()),
        cluster_name: space.map(|s| s.name.clone()),
        web: repo.join("web-client"),
        // A Wednesday noon: open, whatever the hour the test runs at.
        clock: Some("2026-12-09T12:00:00+09:00".parse().unwrap()),
        clock_speed: 1.0,
        max_connections: 1000,
        media_udp: "127.0.0.1:0".parse().unwrap(),
        media_announce: None,
        turn: None,
        trusted_proxies: Vec::new(),
        http: Default::default(),
        public_url: format!("http://{address}"),
        mail: MailSettings {
            from: "ibasho@localhost".into(),
            smtp: None,
        },
    };
    let built = app::build(&settings).await.expect("server starts");
    tokio::spawn(app::serve(
        listener,
        built,
        settings.web.clone(),
        std::future::pending(),
    ));
    format!("ws://{address}/ws")
}

/// Runs `ibasho-load` with `args` against `server`; returns its JSON result and its table.
async fn load(server: &Running, args: &[&str]) -> (Value, String) {
    let data = server.data.path().display().to_string();
    let target = ["--target", &server.url, "--data", &data];
    run_load(server.data.path(), &[&target[..], args].concat()).await
}

/// Runs `ibasho-load` with `args`, its own pid as the server's and its JSON written in `dir`.
async fn run_load(dir: &Path, args: &[&str]) -> (Value, String) {
    let json: PathBuf = dir.join("result.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ibasho-load"));
    command
        .args(["--server-pid", &std::process::id().to_string(), "--json"])
        .arg(&json)
        .args(args);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("ibasho-load runs");
    let table = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "ibasho-load {args:?} failed:\n{table}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    (result, table)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_delivers_every_acknowledged_line_to_the_whole_room() {
    let server = start().await;
    let (r, table) = load(
        &server,
        &[
            "--scenario",
            "chat",
            "--members",
            "40",
            "--room-size",
            "10",
            "--rate",
            "8",
            "--seconds",
            "2",
        ],
    )
    .await;
    assert_eq!(r["rooms"], 4);
    assert!(r["acked"].as_u64().unwrap() >= 8, "{r}");
    assert_eq!(r["refused"], 0, "{r}");
    assert_eq!(r["delivered_total"], r["expected_total"], "{r}");
    assert!(r["latency"]["samples"].as_u64().unwrap() > 0, "{r}");
    assert!(r["server_cpu_s"].as_f64().is_some(), "{r}");
    assert!(table.contains("latency.p99_ms"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_move_storm_and_slow_consumer_report_what_they_saw() {
    let server = start().await;
    let (idle, _) = load(&server, &["--scenario", "idle", "--members", "30"]).await;
    assert_eq!(idle["connections"], 30);
    assert!(idle["rss_after_kib"].as_u64().unwrap() > 0);

    let (walk, _) = load(
        &server,
        &[
            "--scenario",
            "move",
            "--members",
            "20",
            "--room-size",
            "10",
            "--seconds",
            "1",
        ],
    )
    .await;
    assert!(walk["moves_sent_per_s"].as_f64().unwrap() > 50.0, "{walk}");
    assert!(
        walk["positions_delivered_per_s"].as_f64().unwrap() > 0.0,
        "{walk}"
    );

    let (storm, _) = load(
        &server,
        &[
            "--scenario",
            "join-storm",
            "--members",
            "50",
            "--room-size",
            "25",
        ],
    )
    .await;
    assert_eq!(storm["joined"], 50, "{storm}");
    assert_eq!(storm["errors"], 0, "{storm}");

    let (slow, _) = load(
        &server,
        &[
            "--scenario",
            "slow-consumer",
            "--members",
            "20",
            "--room-size",
            "10",
            "--rate",
            "4",
            "--seconds",
            "1",
        ],
    )
    .await;
    assert_eq!(slow["with_one_stalled"]["stalled_member"], 0, "{slow}");
    assert!(slow["p99_change"].as_f64().is_some(), "{slow}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_reaches_every_listener_through_the_sfu() {
    let server = start().await;
    let (fanout, table) = load(
        &server,
        &[
            "--scenario",
            "voice-fanout",
            "--members",
            "3",
            "--seconds",
            "2",
        ],
    )
    .await;
    assert_eq!(fanout["tracks_expected"], 2, "{fanout}");
    assert_eq!(fanout["tracks_flowing"], 2, "{fanout}");
    assert!(fanout["delivered_total"].as_u64().unwrap() > 0, "{fanout}");
    assert_eq!(fanout["join_to_first_audio"]["samples"], 2, "{fanout}");
    assert!(table.contains("join_to_first_audio.p99_ms"), "{table}");

    let (room, _) = load(
        &server,
        &[
            "--scenario",
            "voice-room",
            "--members",
            "3",
            "--seconds",
            "1",
        ],
    )
    .await;
    assert_eq!(room["tracks_flowing"], 6, "{room}");
    assert!(room["delivered_total"].as_u64().unwrap() > 0, "{room}");
}

/// Several nodes (cluster mode) on the machine's Redis and PostgreSQL, as tests/cluster.rs
/// uses them: skipped with the reason when either is missing, failed under `CI=true`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_through_three_nodes_reaches_the_whole_room() {
    let postgres = std::env::var("IBASHO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let redis =
        std::env::var("IBASHO_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let redis_addr = redis.trim_start_matches("redis://").split('/').next();
    let redis_addr = redis_addr.unwrap_or_default().to_string();
    let services = async {
        tokio::net::TcpStream::connect(&redis_addr)
            .await
            .map_err(|e| format!("no Redis at {redis_addr} ({e})"))?;
        PgConnection::connect(&postgres)
            .await
            .map_err(|e| format!("no PostgreSQL at {postgres} ({e})"))
    };
    let mut conn = match services.await {
        Ok(conn) => conn,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("Redis and PostgreSQL are required under CI=true: {e}")
        }
        Err(e) => return eprintln!("skipping: {e}"),
    };
    let name = format!("load_{}", unique_name());
    sqlx::query(&format!("CREATE SCHEMA {name}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("signing.key");
    std::fs::write(&key_file, "aWJhc2hvLWxvYWQgdGVzdDogbm90IGEgcmVhbCBrZXk=").unwrap();
    let space = Space {
        database: format!("{postgres}?options=-c%20search_path%3D{name}"),
        redis,
        name: name.clone(),
        key_file: key_file.clone(),
    };
    let mut args = Vec::new();
    for n in 0..3 {
        let url = serve(&dir.path().join(format!("node-{n}")), Some(&space)).await;
        args.extend(["--target".to_string(), url]);
    }
    let key_file = key_file.display().to_string();
    let cli = dir.path().join("cli").display().to_string();
    args.extend(
        [
            "--database",
            &space.database,
            "--signing-key-file",
            &key_file,
            "--data",
            &cli,
            "--scenario",
            "chat",
            "--members",
            "30",
            "--room-size",
            "10",
            "--rate",
            "6",
            "--seconds",
            "2",
        ]
        .map(String::from),
    );
    // The schema goes whatever the run's outcome; a failed run's panic is raised after.
    let dir_path = dir.path().to_path_buf();
    let ran = tokio::spawn(async move {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_load(&dir_path, &args).await
    })
    .await;
    sqlx::query(&format!("DROP SCHEMA {name} CASCADE"))
        .execute(&mut conn)
        .await
        .ok();
    let (r, _) = ran.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    assert_eq!(r["rooms"], 3);
    assert!(r["acked"].as_u64().unwrap() >= 6, "{r}");
    assert_eq!(r["refused"], 0, "{r}");
    // Each room's members are on all three nodes: a line reaches them all through Redis.
    assert_eq!(r["delivered_total"], r["expected_total"], "{r}");
}

/// A name no other run uses (schema and Redis keys), from the clock and the pid.
fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}_{nanos}", std::process::id())
}

#[test]
fn only_loopback_targets_are_loaded() {
    let output = Command::new(env!("CARGO_BIN_EXE_ibasho-load"))
        .args([
            "--scenario",
            "idle",
            "--peer",
            "--target",
            "ws://192.0.2.1:80/ws",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("loopback"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
