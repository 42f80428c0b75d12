//! The load tool against a real ibasho (in this process, on loopback): every scenario runs
//! small and short, and what it reports is checked for sense, not for speed.
use ibasho::app::{self, Settings};
use ibasho::mail::MailSettings;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Running {
    url: String,
    data: tempfile::TempDir,
}

async fn start() -> Running {
    let data = tempfile::tempdir().expect("temp dir");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let settings = Settings {
        rooms: repo.join("bench/rooms.toml"),
        data: data.path().to_path_buf(),
        signing_key_file: None,
        database: None,
        redis: None,
        cluster_name: None,
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
    Running {
        url: format!("ws://{address}/ws"),
        data,
    }
}

/// Runs `ibasho-load` with `args` against `server`; returns its JSON result and its table.
async fn load(server: &Running, args: &[&str]) -> (Value, String) {
    let json: PathBuf = server.data.path().join("result.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ibasho-load"));
    command
        .args(["--target", &server.url, "--data"])
        .arg(server.data.path())
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
