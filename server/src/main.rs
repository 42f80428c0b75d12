//! The `ibasho` command: `serve` (the default) and `admin` tasks.
mod cli;

use anyhow::Context;
use chrono::{DateTime, FixedOffset};
use clap::{Args, Parser, Subcommand};
use cli::admin::AdminCommand;
use cli::mail_args::MailArgs;
use ibasho::app::{self, HttpLimits, Settings};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
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

// Parsed once at start-up: the size of a variant costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
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
    /// The key that signs access tokens, when nodes on different machines must share it (made
    /// beforehand, mode 0600; see docs/operations.md). Default: `signing.key` in the data directory.
    #[arg(long, env = "IBASHO_SIGNING_KEY_FILE")]
    signing_key_file: Option<PathBuf>,
    /// The counsellors' notes key ring, when nodes on different machines must share it (made
    /// beforehand, mode 0600, writable for `admin notes rotate-key`; see docs/consultations.md).
    /// Default: `notes.key` in the data directory.
    #[arg(long, env = "IBASHO_NOTES_KEY_FILE")]
    notes_key_file: Option<PathBuf>,
    /// The database: postgres://… (several nodes) or sqlite://PATH (default: SQLite in the data directory).
    #[arg(long, env = "IBASHO_DATABASE")]
    database: Option<String>,
    /// Several nodes: the Redis they meet in (redis://HOST:PORT/DB); needs --database postgres://….
    #[arg(long, env = "IBASHO_REDIS")]
    redis: Option<String>,
    /// Several nodes: the space's name in Redis, the same on every node (default: the space's name in rooms.toml).
    #[arg(long, env = "IBASHO_CLUSTER_NAME")]
    cluster_name: Option<String>,
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
    /// The media (WebRTC) UDP socket, one per node. Default: the --listen address's host, any free port.
    #[arg(long, env = "IBASHO_MEDIA_UDP")]
    media_udp: Option<SocketAddr>,
    /// The address browsers send media to, when the UDP socket's own is not reachable (bound to 0.0.0.0, in a container).
    #[arg(long, env = "IBASHO_MEDIA_ANNOUNCE")]
    media_announce: Option<IpAddr>,
    /// TURN server offered to browsers, e.g. turn:turn.example.jp:3478 (needs --turn-secret).
    #[arg(long, env = "IBASHO_TURN_URL", requires = "turn_secret")]
    turn_url: Option<String>,
    /// coturn's --static-auth-secret: members get time-limited credentials derived from it.
    #[arg(
        long,
        env = "IBASHO_TURN_SECRET",
        requires = "turn_url",
        hide_env_values = true
    )]
    turn_secret: Option<String>,
    /// A reverse proxy in front of this server, e.g. 127.0.0.1 (repeat, or separate with commas): its X-Forwarded-For then names the client, whom the rate limits count. Never name an address clients can send from.
    #[arg(
        long = "trusted-proxy",
        env = "IBASHO_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<IpAddr>,
    /// Seconds a connection has to send a whole request head, from when it opens or gets its
    /// previous reply: slow and idle HTTP connections are closed after it.
    #[arg(long, env = "IBASHO_HTTP_HEADER_TIMEOUT", default_value_t = HttpLimits::default().header_timeout.as_secs())]
    http_header_timeout: u64,
    /// Seconds from a request's head to its reply, reading its body included (else 408).
    #[arg(long, env = "IBASHO_HTTP_REQUEST_TIMEOUT", default_value_t = HttpLimits::default().request_timeout.as_secs())]
    http_request_timeout: u64,
    /// Connections one address (an IPv6 /64) may hold before they are an authenticated WebSocket; more are closed at once. Trusted proxies have no cap.
    #[arg(long, env = "IBASHO_MAX_PENDING_PER_ADDRESS", default_value_t = HttpLimits::default().pending_per_address)]
    max_pending_per_address: usize,
    #[command(flatten)]
    mail: MailArgs,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    match cli.command {
        None => runtime.block_on(serve(cli.serve)),
        Some(Command::Serve(args)) => runtime.block_on(serve(args)),
        Some(Command::Admin(command)) => runtime.block_on(cli::admin::run(command)),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    // Bound first, so that with port 0 the links in e-mails carry the real port.
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    let settings = Settings {
        rooms: args.rooms,
        data: args.data,
        signing_key_file: args.signing_key_file,
        notes_key_file: args.notes_key_file,
        database: args.database,
        redis: args.redis,
        cluster_name: args.cluster_name,
        web: args.web.clone(),
        clock: args.clock,
        clock_speed: args.clock_speed,
        max_connections: args.max_connections,
        public_url: args.mail.public_url(address),
        mail: args.mail.settings(),
        media_udp: args
            .media_udp
            .unwrap_or_else(|| SocketAddr::new(address.ip(), 0)),
        media_announce: args.media_announce,
        turn: args
            .turn_url
            .zip(args.turn_secret)
            .map(|(url, secret)| ibasho::media::Turn { url, secret }),
        trusted_proxies: args.trusted_proxies,
        http: HttpLimits {
            header_timeout: Duration::from_secs(args.http_header_timeout),
            request_timeout: Duration::from_secs(args.http_request_timeout),
            pending_per_address: args.max_pending_per_address,
        },
    };
    let app = match app::build(&settings).await {
        Ok(app) => app,
        Err(error) => {
            // Printed plainly (FILE:LINE:COL: message for rooms.toml) for whoever edits the file.
            eprintln!("ibasho: {error}");
            std::process::exit(2);
        }
    };
    app::record_public_url(&settings.data, &settings.public_url);
    tracing::info!(%address, rooms = %settings.rooms.display(), data = %settings.data.display(), clock = ?settings.clock, "ibasho is ready");
    // The one line on stdout: scripts and tests read the address (useful with port 0).
    println!("ibasho listening on http://{address}");
    std::io::stdout().flush()?;
    app::serve(listener, app, args.web, stop_signal()).await?;
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
