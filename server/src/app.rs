//! Putting the server together: settings in, a running space out.
use crate::auth::{KeyError, Keys};
use crate::config::{ConfigError, SpaceConfig};
use crate::hub::{run_doorkeeper, Hub};
use crate::schedule::{Clock, RehearsalClock, Schedule, SystemClock};
use crate::store::{SqliteStore, Store, StoreError};
use chrono::{DateTime, FixedOffset, Utc};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Settings {
    pub rooms: PathBuf,
    pub data: PathBuf,
    pub web: PathBuf,
    /// Start the clock at this instant (rehearsals, demos, tests) instead of now.
    pub clock: Option<DateTime<FixedOffset>>,
    /// How many times faster than real time a rehearsal clock runs.
    pub clock_speed: f64,
    /// WebSocket connections held at once; beyond it newcomers are asked to come back later.
    pub max_connections: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Rooms(#[from] ConfigError),
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("signing key: {0}")]
    Keys(#[from] KeyError),
    #[error("--clock-speed must be a positive number, not {0}")]
    ClockSpeed(f64),
    #[error("--max-connections must be at least 1")]
    NoConnections,
}

/// The database file inside the data directory.
pub fn database_path(data: &Path) -> PathBuf {
    data.join("ibasho.db")
}

/// Reads rooms.toml, opens the store and the signing key, starts the rooms.
pub async fn build(settings: &Settings) -> Result<Hub, StartError> {
    if settings.max_connections == 0 {
        return Err(StartError::NoConnections);
    }
    let space = Arc::new(SpaceConfig::load(&settings.rooms)?);
    let schedule = Arc::new(Schedule::new(&space));
    let clock = clock(settings)?;
    let keys = Arc::new(Keys::load_or_create(&settings.data)?);
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&database_path(&settings.data)).await?);
    Ok(Hub::new(
        space,
        schedule,
        clock,
        store,
        keys,
        settings.max_connections,
    ))
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
    hub: Hub,
    web: PathBuf,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = crate::http::router(hub.clone(), web);
    tokio::spawn(run_doorkeeper(hub.clone()));
    let stopping = hub.clone();
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            stopping.shut_down().await;
        })
        .await
}
