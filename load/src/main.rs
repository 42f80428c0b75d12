//! `ibasho-load`: drives a running ibasho (or a peer under bench/peers/) with simulated
//! members, on loopback only, bounded in time and count, and reports what it measured.
mod client;
mod failover;
mod mint;
mod procstat;
mod scenarios;
mod voice;

use clap::{Parser, ValueEnum};
use scenarios::{ChatPlan, Node, Target};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Scenario {
    Idle,
    Chat,
    Move,
    JoinStorm,
    SlowConsumer,
    /// One member talks, the others (--members minus one) listen.
    VoiceFanout,
    /// Every member talks and hears all the others.
    VoiceRoom,
    /// Several nodes: the rooms' host (the first target, the first --server-pid) is killed
    /// with `kill -9`; how long until every member is back in through another node.
    Failover,
}

#[derive(Parser)]
#[command(
    name = "ibasho-load",
    about = "Load tool for ibasho and its peers (loopback only)"
)]
struct Args {
    #[arg(long, value_enum)]
    scenario: Scenario,
    /// The WebSocket to load: ws://127.x.x.x:PORT/ws. Several nodes of one space: give it once
    /// per node; each room's members are spread over them in turn.
    #[arg(long, required = true)]
    target: Vec<String>,
    /// The server's pid, for its memory and CPU time (once per node).
    #[arg(long)]
    server_pid: Vec<u32>,
    /// Another process whose CPU time counts with the servers' (the nodes' redis-server).
    #[arg(long)]
    extra_pid: Vec<u32>,
    /// The server's data directory: members and tokens are made with its store and key.
    #[arg(long, default_value = "data")]
    data: PathBuf,
    /// The nodes' shared store (`postgres://…`), instead of the data directory's SQLite.
    #[arg(long)]
    database: Option<String>,
    /// The nodes' signing key (their --signing-key-file), instead of the data directory's.
    #[arg(long)]
    signing_key_file: Option<PathBuf>,
    /// The target is a peer (bench/peers/): it takes any token, so none are minted.
    #[arg(long)]
    peer: bool,
    /// Simulated members (voice: talkers and listeners together).
    #[arg(long, default_value_t = 100)]
    members: usize,
    /// Members per room (chat, move, join-storm).
    #[arg(long, default_value_t = 50)]
    room_size: usize,
    /// Chat lines per second, all rooms together (each sender sends at most one a second).
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// The measured window, after a one-second warm-up.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Also write the result as JSON to this file (the table goes to standard output).
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Never more than this many members, nor a window longer than this: every run ends by itself.
const MAX_MEMBERS: usize = 60_000;
const MAX_SECONDS: u64 = 600;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        args.members >= 1 && args.members <= MAX_MEMBERS,
        "--members is 1 to {MAX_MEMBERS}"
    );
    anyhow::ensure!(
        args.seconds >= 1 && args.seconds <= MAX_SECONDS,
        "--seconds is 1 to {MAX_SECONDS}"
    );
    if matches!(args.scenario, Scenario::VoiceFanout | Scenario::VoiceRoom) {
        anyhow::ensure!(!args.peer, "the peers have no voice");
        anyhow::ensure!(
            (2..=voice::MAX_MEMBERS).contains(&args.members),
            "voice takes 2 to {} members",
            voice::MAX_MEMBERS
        );
    }
    let nodes = args
        .target
        .iter()
        .map(|url| {
            Ok(Node {
                addr: client::loopback_target(url)?,
                url: url.clone(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let target = Target {
        nodes,
        server_pids: args.server_pid,
        extra_pids: args.extra_pid,
    };
    let tokens = if args.peer {
        vec!["peer".to_string(); args.members]
    } else {
        let signer = mint::Signer {
            data: &args.data,
            database: args.database.as_deref(),
            key_file: args.signing_key_file.as_deref(),
        };
        mint::tokens(&signer, args.members, Duration::from_secs(3600)).await?
    };
    let window = Duration::from_secs(args.seconds);
    let chat_plan = |stall_one| ChatPlan {
        room_size: args.room_size,
        rate: args.rate,
        window,
        stall_one,
    };
    let result = match args.scenario {
        Scenario::Idle => json!(scenarios::idle(&target, &tokens).await?),
        Scenario::Chat => json!(scenarios::chat(&target, &tokens, &chat_plan(false)).await?),
        Scenario::Move => json!(scenarios::walk(&target, &tokens, args.room_size, window).await?),
        Scenario::JoinStorm => {
            json!(scenarios::join_storm(&target, &tokens, args.room_size).await?)
        }
        Scenario::SlowConsumer => {
            let baseline = scenarios::chat(&target, &tokens, &chat_plan(false)).await?;
            let stalled = scenarios::chat(&target, &tokens, &chat_plan(true)).await?;
            let change = stalled.latency.p99_ms / baseline.latency.p99_ms.max(1e-9) - 1.0;
            json!({ "baseline": baseline, "with_one_stalled": stalled, "p99_change": change })
        }
        Scenario::VoiceFanout => json!(voice::run(&target, &tokens, false, window).await?),
        Scenario::VoiceRoom => json!(voice::run(&target, &tokens, true, window).await?),
        Scenario::Failover => json!(failover::run(&target, &tokens, args.room_size).await?),
    };
    print!("{}", table(&format!("{:?}", args.scenario), &result));
    if let Some(path) = args.json {
        std::fs::write(path, serde_json::to_string_pretty(&result)?)?;
    }
    Ok(())
}

/// The result as a two-column table, nested figures under dotted names (`latency.p99_ms`).
fn table(scenario: &str, result: &Value) -> String {
    fn rows(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(fields) => {
                for (name, field) in fields {
                    let name = if prefix.is_empty() {
                        name.clone()
                    } else {
                        format!("{prefix}.{name}")
                    };
                    rows(&name, field, out);
                }
            }
            Value::Number(n) => out.push((
                prefix.to_string(),
                match n.as_f64() {
                    Some(f) if !n.is_i64() && !n.is_u64() => format!("{f:.3}"),
                    _ => n.to_string(),
                },
            )),
            Value::Null => out.push((prefix.to_string(), "-".into())),
            Value::String(s) => out.push((prefix.to_string(), s.clone())),
            other => out.push((prefix.to_string(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    rows("", result, &mut out);
    let width = out.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut text = format!("scenario: {scenario}\n");
    for (name, value) in out {
        text.push_str(&format!("  {name:<width$}  {value:>14}\n"));
    }
    text
}
