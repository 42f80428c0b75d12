//! The `ibasho` command: `serve` (the default) and `admin` tasks.
use anyhow::{bail, Context};
use chrono::{DateTime, FixedOffset};
use clap::{Args, Parser, Subcommand};
use ibasho::app::{self, Settings};
use ibasho::auth::{Keys, Role};
use ibasho::member::Avatar;
use ibasho::store::{AuditEntry, NewMember, SqliteStore, Store};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "ibasho",
    version,
    about = "ibasho: an online drop-in space (オンライン居場所)",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the space (the default when no command is given).
    Serve(ServeArgs),
    /// Administration tasks.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Args, Clone)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "IBASHO_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// The space's rooms, opening rules and closures.
    #[arg(long, env = "IBASHO_ROOMS", default_value = "rooms.toml")]
    rooms: PathBuf,
    /// Data directory: the SQLite database and the generated signing key.
    #[arg(long, env = "IBASHO_DATA", default_value = "data")]
    data: PathBuf,
    /// The web client's files.
    #[arg(long, env = "IBASHO_WEB", default_value = "web-client")]
    web: PathBuf,
    /// Start the server's clock at this instant (RFC 3339) and let it run on: for rehearsals, demos and tests.
    #[arg(long, env = "IBASHO_CLOCK")]
    clock: Option<DateTime<FixedOffset>>,
    /// Run the clock this many times faster than real time (rehearsals).
    #[arg(long, env = "IBASHO_CLOCK_SPEED", default_value_t = 1.0)]
    clock_speed: f64,
    /// WebSocket connections held at once; beyond it newcomers get `server_busy` (close 1013).
    /// Keep it below the process's open-file limit (`ulimit -n`).
    #[arg(long, env = "IBASHO_MAX_CONNECTIONS", default_value_t = 10_000)]
    max_connections: usize,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Print a token for a member (created if no member has this nickname yet), until the invitation flow exists.
    Token {
        /// participant, family, staff, counsellor or admin.
        #[arg(long)]
        role: Role,
        /// The name others see (1 to 20 characters; never a real name).
        #[arg(long)]
        nickname: String,
        /// The server's data directory (its signing key signs the token).
        #[arg(long, env = "IBASHO_DATA", default_value = "data")]
        data: PathBuf,
        /// How long the token is valid: e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: Duration,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match cli.command {
        None => runtime.block_on(serve(cli.serve)),
        Some(Command::Serve(args)) => runtime.block_on(serve(args)),
        Some(Command::Admin(AdminCommand::Token {
            role,
            nickname,
            data,
            ttl,
        })) => runtime.block_on(issue_token(role, &nickname, data, ttl)),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let settings = Settings {
        rooms: args.rooms,
        data: args.data,
        web: args.web.clone(),
        clock: args.clock,
        clock_speed: args.clock_speed,
        max_connections: args.max_connections,
    };
    let hub = match app::build(&settings).await {
        Ok(hub) => hub,
        Err(error) => {
            // Printed plainly (FILE:LINE:COL: message for rooms.toml) for whoever edits the file.
            eprintln!("ibasho: {error}");
            std::process::exit(2);
        }
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, rooms = %settings.rooms.display(), data = %settings.data.display(), clock = ?settings.clock, "ibasho is ready");
    // The one line on stdout: scripts and tests read the address (useful with port 0).
    println!("ibasho listening on http://{address}");
    std::io::stdout().flush()?;
    app::serve(listener, hub, args.web, stop_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn stop_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("stopping: saying goodbye to everyone");
}

async fn issue_token(
    role: Role,
    nickname: &str,
    data: PathBuf,
    ttl: Duration,
) -> anyhow::Result<()> {
    let nickname = nickname.trim();
    if nickname.is_empty() || nickname.chars().count() > 20 {
        bail!("a nickname has 1 to 20 characters");
    }
    let keys = Keys::load_or_create(&data)?;
    let store = SqliteStore::open(&app::database_path(&data)).await?;
    let member = match store.member_by_nickname(nickname).await? {
        Some(member) if member.role != role => {
            bail!(
                "{nickname} already exists with role {}",
                member.role.as_str()
            )
        }
        Some(member) => member,
        None => {
            store
                .create_member(NewMember {
                    nickname: nickname.to_string(),
                    avatar: Avatar::default(),
                    role,
                })
                .await?
        }
    };
    let token = keys.issue(&member.account, role, ttl)?;
    store
        .record_audit(AuditEntry {
            actor: None,
            action: "token_issued".to_string(),
            subject: Some(member.public_id.clone()),
            detail: serde_json::json!({ "role": role.as_str(), "ttl_secs": ttl.as_secs(), "via": "cli" }),
        })
        .await?;
    println!("{token}");
    Ok(())
}

fn parse_ttl(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30m, 1h or 7d"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" | "" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("`{text}`: the unit is s, m, h or d")),
    };
    if seconds == 0 || seconds > 30 * 86400 {
        return Err("a token lives between 1 second and 30 days".to_string());
    }
    Ok(Duration::from_secs(seconds))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("IBASHO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("IBASHO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
