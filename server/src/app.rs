//! Putting the server together: settings in, a running space out.
use crate::accounts::{Accounts, Site};
use crate::auth::{KeyError, Keys};
use crate::cluster::Cluster;
use crate::config::RoomKind;
use crate::config::{ConfigError, SpaceConfig};
use crate::consult::{Consents, KeyRingError, Notes};
pub use crate::http::HttpLimits;
use crate::http::{AppState, PagePolicy};
use crate::hub::{run_doorkeeper, Hub};
use crate::mail::{MailError, MailSettings};
use crate::media::{BindError, Media, Turn};
use crate::schedule::{Clock, RehearsalClock, SystemClock};
use crate::store::{Store, StoreError};
use chrono::{DateTime, FixedOffset, Utc};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Settings {
    pub rooms: PathBuf,
    pub data: PathBuf,
    /// The token signing key shared by nodes on different machines; `None`: `signing.key` in
    /// `data` (made on first start).
    pub signing_key_file: Option<PathBuf>,
    /// The counsellors' notes key ring shared by nodes on different machines; `None`:
    /// `notes.key` in `data` (made on first start).
    pub notes_key_file: Option<PathBuf>,
    /// `postgres://…` or `sqlite://PATH`; `None`: SQLite in `data`.
    pub database: Option<String>,
    /// Cluster mode: the Redis the nodes of the space meet in (`redis://…`); needs a
    /// PostgreSQL `database`. `None`: one node, rooms in this process.
    pub redis: Option<String>,
    /// The space's name in Redis (every node of one space gives the same); `None`: the space's
    /// name from rooms.toml.
    pub cluster_name: Option<String>,
    pub web: PathBuf,
    /// Start the clock at this instant (rehearsals, demos, tests) instead of now.
    pub clock: Option<DateTime<FixedOffset>>,
    /// How many times faster than real time a rehearsal clock runs.
    pub clock_speed: f64,
    /// WebSocket connections held at once; beyond it newcomers are asked to come back later.
    pub max_connections: usize,
    /// Where people reach the space (links in e-mails start with it).
    pub public_url: String,
    pub mail: MailSettings,
    /// The media engine's UDP socket (one per node).
    pub media_udp: SocketAddr,
    /// The address browsers are told to send media to, when the bound one is not reachable
    /// as it is (0.0.0.0, a container).
    pub media_announce: Option<IpAddr>,
    /// TURN with coturn's shared secret; `None`: no TURN server is offered.
    pub turn: Option<Turn>,
    /// Reverse proxies whose X-Forwarded-For names the client (the rate limits' key); they
    /// carry many clients, so they have no cap on pending connections.
    pub trusted_proxies: Vec<IpAddr>,
    /// Timeouts and the per-address cap on connections not yet authenticated.
    pub http: HttpLimits,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Rooms(#[from] ConfigError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("signing key: {0}")]
    Keys(#[from] KeyError),
    #[error("{0}")]
    NotesKey(#[from] KeyRingError),
    #[error("mail: {0}")]
    Mail(#[from] MailError),
    #[error("--clock-speed must be a positive number, not {0}")]
    ClockSpeed(f64),
    #[error("--max-connections must be at least 1")]
    NoConnections,
    #[error("--max-pending-per-address must be at least 1")]
    NoPendingConnections,
    #[error("--http-header-timeout and --http-request-timeout must be at least 1 second")]
    NoHttpTime,
    #[error("media: {0}")]
    Media(#[from] BindError),
    #[error("--redis (several nodes) needs --database postgres://… (a store every node shares)")]
    RedisWithoutPostgres,
    #[error("redis: {0}")]
    Redis(#[from] crate::cluster::ClusterError),
}

pub use crate::store::database_path;

/// The running parts the HTTP layer serves.
#[derive(Clone)]
pub struct App {
    /// What every handler shares: the hub, the accounts flows, the trusted proxies.
    pub state: AppState,
    pub http: HttpLimits,
    /// The headers every response carries.
    pub page: PagePolicy,
}

/// Reads rooms.toml, opens the store, the signing key and the mailer, starts the rooms.
pub async fn build(settings: &Settings) -> Result<App, StartError> {
    if settings.max_connections == 0 {
        return Err(StartError::NoConnections);
    }
    if settings.http.pending_per_address == 0 {
        return Err(StartError::NoPendingConnections);
    }
    if settings.http.header_timeout.is_zero() || settings.http.request_timeout.is_zero() {
        return Err(StartError::NoHttpTime);
    }
    let space = Arc::new(SpaceConfig::load(&settings.rooms)?);
    let videos = || {
        space.rooms.iter().flat_map(|room| match &room.kind {
            RoomKind::Gallery { videos } => videos.as_slice(),
            _ => &[],
        })
    };
    let backgrounds = space.rooms.iter().filter_map(|room| match &room.kind {
        RoomKind::Free { background, .. } => background.as_ref().map(|b| b.path.as_str()),
        _ => None,
    });
    let page = PagePolicy::new(
        &settings.public_url,
        videos().flat_map(|v| {
            [Some(v.src.as_str()), v.captions.as_deref()]
                .into_iter()
                .flatten()
        }),
        videos()
            .filter_map(|v| v.poster.as_deref())
            .chain(backgrounds),
    );
    warn_of_missing_media(&space, &settings.web);
    let schedule = Arc::new(space.schedule());
    let clock = clock(settings)?;
    let keys = Arc::new(Keys::load(
        &settings.data,
        settings.signing_key_file.as_deref(),
    )?);
    let cluster = cluster(settings, &space).await?;
    let store = crate::store::open(settings.database.as_deref(), &settings.data).await?;
    if cluster.is_some() && settings.notes_key_file.is_none() {
        // Nodes with data directories of their own would each make a key of their own, and
        // read none of the others' notes (docs/operations.md, "Several nodes").
        tracing::warn!(key = %settings.data.join(crate::consult::KEY_FILE).display(), "several nodes without --notes-key-file: every node must read this same notes key (a shared --data, or the same file given with --notes-key-file)");
    }
    let notes = notes(
        store.clone(),
        &settings.data,
        settings.notes_key_file.as_deref(),
    )?;
    let consents = Consents::new(store.clone(), notes.clone());
    let accounts = accounts(
        &space,
        store.clone(),
        keys.clone(),
        &settings.data,
        &settings.public_url,
        &settings.mail,
        cluster.clone(),
    )?;
    let (media, speaking) = Media::bind(
        settings.media_udp,
        settings.media_announce,
        settings.turn.clone(),
    )?;
    let hub = Hub::new(
        space.clone(),
        schedule.clone(),
        clock.clone(),
        store.clone(),
        keys,
        media,
        settings.max_connections,
        cluster.as_ref(),
    );
    hub.join_cluster().await?;
    let bookings = crate::consult::booking::Bookings::new(
        store.clone(),
        schedule.clone(),
        clock.clone(),
        hub.clone(),
        accounts.clone(),
    );
    // rooms.toml may have gained a closure since the last start.
    match bookings.cancel_on_closed_days().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(cancelled = n, "bookings on days now closed were cancelled"),
        Err(error) => tracing::error!(%error, "checking bookings against closures"),
    }
    tokio::spawn(hub.clone().relay_speaking(speaking));
    Ok(App {
        state: AppState {
            hub,
            accounts,
            bookings,
            space,
            schedule,
            clock,
            notes,
            consents,
            trusted_proxies: settings
                .trusted_proxies
                .iter()
                .map(|ip| ip.to_canonical())
                .collect(),
        },
        http: settings.http,
        page,
    })
}

/// The accounts flows, as the server and the admin command line both use them.
pub fn accounts(
    space: &SpaceConfig,
    store: Arc<Store>,
    keys: Arc<Keys>,
    data: &Path,
    public_url: &str,
    mail: &MailSettings,
    cluster: Option<Cluster>,
) -> Result<Accounts, StartError> {
    let mailer = crate::mail::mailer(mail, data)?;
    tracing::info!(mail = %mailer.describe(), "mail");
    Ok(Accounts::new(
        store,
        mailer,
        keys,
        Site {
            name: space.space.name.clone(),
            public_url: public_url.to_string(),
            timezone: space.space.timezone,
            contact: space.space.contact.clone(),
            settings: space.accounts.clone(),
            report_keep_days: space.safety.report_keep_days,
        },
        cluster,
    ))
}

/// The counsellors' notes, their key ring in `key_file` (made beforehand) or else
/// `notes.key` in `data` (made, 0600, if there is none), as the server and the admin command
/// line both use them.
pub fn notes(
    store: Arc<Store>,
    data: &Path,
    key_file: Option<&Path>,
) -> Result<Notes, KeyRingError> {
    match key_file {
        Some(path) => Notes::open(store, path, false),
        None => Notes::open(store, &data.join(crate::consult::KEY_FILE), true),
    }
}

/// Cluster mode's link to Redis, when `--redis` is given (with PostgreSQL, which every node
/// must share).
async fn cluster(settings: &Settings, space: &SpaceConfig) -> Result<Option<Cluster>, StartError> {
    let Some(url) = &settings.redis else {
        return Ok(None);
    };
    let shared_store = settings
        .database
        .as_deref()
        .is_some_and(|d| d.starts_with("postgres://") || d.starts_with("postgresql://"));
    if !shared_store {
        return Err(StartError::RedisWithoutPostgres);
    }
    let name = settings
        .cluster_name
        .clone()
        .unwrap_or_else(|| space.space.name.ja.clone());
    let cluster = Cluster::connect(url, &name).await?;
    tracing::info!(node = cluster.node(), space = %name, "cluster mode: rooms are shared through Redis");
    Ok(Some(cluster))
}

/// A gallery file or map background that is not there shows as nothing: say so at start-up,
/// naming the room and the rooms.toml line that lists it. The space still starts (the page
/// shows a kind note instead of a player, a plain ground instead of the drawing), so a
/// missing file never keeps the doors shut.
fn warn_of_missing_media(space: &SpaceConfig, web: &Path) {
    for (room, file) in space.missing_media(web) {
        tracing::warn!(
            room,
            at = %file.at,
            path = %file.path,
            "{}: room \"{room}\" lists {}, which is not in the web client's directory {}",
            file.at,
            file.path,
            web.display()
        );
    }
}

fn clock(settings: &Settings) -> Result<Arc<dyn Clock>, StartError> {
    let speed = settings.clock_speed;
    if !(speed.is_finite() && speed > 0.0) {
        return Err(StartError::ClockSpeed(speed));
    }
    Ok(match settings.clock {
        Some(start) => Arc::new(RehearsalClock::new(start.with_timezone(&Utc), speed)),
        None if speed != 1.0 => Arc::new(RehearsalClock::new(Utc::now(), speed)),
        None => Arc::new(SystemClock),
    })
}

/// Serves until `shutdown` resolves, then says goodbye to every member and closes their
/// sockets before returning.
pub async fn serve(
    listener: TcpListener,
    app: App,
    web: PathBuf,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let hub = app.state.hub.clone();
    tokio::spawn(crate::accounts::retention::run(app.state.accounts.clone()));
    tokio::spawn(app.state.bookings.clone().run());
    let exempt = app.state.trusted_proxies.clone();
    let router = crate::http::router(app.state, &app.http, app.page, web);
    let limits = app.http;
    tokio::spawn(run_doorkeeper(hub.clone()));
    tokio::spawn(crate::hub::keep_listings(hub.clone()));
    let stopping = hub.clone();
    crate::http::serve(listener, router, limits, exempt, async move {
        shutdown.await;
        stopping.shut_down().await;
    })
    .await
}

/// The file in the data directory where `serve` notes the address people reach it at, for
/// `ibasho admin` run later on the same directory without `--public-url` or `--listen`.
const PUBLIC_URL_FILE: &str = "public-url";

/// Notes `url` in the data directory (see [`recorded_public_url`]). A failure is only
/// logged: the server runs the same without it.
pub fn record_public_url(data: &Path, url: &str) {
    if let Err(error) = std::fs::write(data.join(PUBLIC_URL_FILE), format!("{url}\n")) {
        tracing::warn!(%error, data = %data.display(), "could not note the public URL in the data directory");
    }
}

/// The public URL the server last started with on this data directory, if any.
pub fn recorded_public_url(data: &Path) -> Option<String> {
    let text = std::fs::read_to_string(data.join(PUBLIC_URL_FILE)).ok()?;
    let url = text.trim();
    (url.starts_with("http://") || url.starts_with("https://")).then(|| url.to_string())
}
