//! The real-time heart: sessions (one task per socket), rooms (one task per room), and the
//! registry that connects them.
mod doorkeeper;
mod gate;
pub mod handle;
mod inbound;
pub mod limits;
pub mod protocol;
mod rate;
pub mod room;
mod session;
mod words;
mod writer;

pub use doorkeeper::run as run_doorkeeper;
/// The frame parser, for the fuzzers (crate::fuzz).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use inbound::parse as parse_frame;
pub use session::run as run_session;

use crate::auth::{Grant, Keys};
use crate::config::{AreaKind, RoomKind, SpaceConfig};
use crate::media::{Media, Speaking};
use crate::model::PublicId;
use crate::model::{AgeGroup, Role};
use crate::schedule::{Clock, Schedule};
use crate::store::Store;
use dashmap::DashMap;
use gate::Gate;
use handle::SessionHandle;
use protocol::{
    AreaInfo, AreaKindName, CloseCode, GoodbyeReason, MapSize, RoomInfo, RoomKindName,
    ServerMessage, SpaceInfo, VideoInfo,
};
use room::RoomHandle;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// A cheap-to-clone handle on the whole hub.
#[derive(Clone)]
pub struct Hub {
    shared: Arc<Shared>,
}

/// What the hub's own parts (sessions, rooms, the doorkeeper) share; nothing outside the hub
/// reaches in: the HTTP layer is given what it reads.
pub struct Shared {
    space: Arc<SpaceConfig>,
    schedule: Arc<Schedule>,
    clock: Arc<dyn Clock>,
    store: Arc<Store>,
    keys: Arc<Keys>,
    media: Media,
    /// Built once from rooms.toml and never changed, so read without a lock.
    rooms: HashMap<Arc<str>, RoomHandle>,
    /// Room ids in the order of rooms.toml (consultation pools expanded).
    room_order: Vec<Arc<str>>,
    /// Connected members by public id: one connection each (a new one replaces the old).
    online: DashMap<PublicId, SessionHandle>,
    next_conn: AtomicU64,
    sessions: TaskTracker,
    /// One permit per open connection: beyond the limit newcomers are told to come back later
    /// instead of the process running out of file descriptors.
    connections: Arc<Semaphore>,
    shutdown: CancellationToken,
}

impl std::ops::Deref for Hub {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

impl Hub {
    /// Spawns one task per room. Consultation pools become rooms `<id>-1` … `<id>-N`.
    pub fn new(
        space: Arc<SpaceConfig>,
        schedule: Arc<Schedule>,
        clock: Arc<dyn Clock>,
        store: Arc<Store>,
        keys: Arc<Keys>,
        media: Media,
        max_connections: usize,
    ) -> Hub {
        let tz = space.space.timezone;
        let mut rooms = HashMap::new();
        let mut room_order = Vec::new();
        for config in &space.rooms {
            let config = Arc::new(config.clone());
            let ids: Vec<Arc<str>> = match config.kind {
                RoomKind::Consult { pool } => (1..=pool)
                    .map(|n| Arc::from(format!("{}-{n}", config.id)))
                    .collect(),
                _ => vec![Arc::from(config.id.as_str())],
            };
            for id in ids {
                rooms.insert(
                    id.clone(),
                    RoomHandle::spawn(id.clone(), config.clone(), clock.clone(), tz, media.clone()),
                );
                room_order.push(id);
            }
        }
        Hub {
            shared: Arc::new(Shared {
                space,
                schedule,
                clock,
                store,
                keys,
                media,
                rooms,
                room_order,
                online: DashMap::new(),
                next_conn: AtomicU64::new(1),
                sessions: TaskTracker::new(),
                connections: Arc::new(Semaphore::new(max_connections)),
                shutdown: CancellationToken::new(),
            }),
        }
    }

    fn gate(&self) -> Gate<'_> {
        Gate {
            schedule: &self.schedule,
            doors_open: chrono::Duration::minutes(self.space.space.doors_open_minutes.into()),
        }
    }

    fn room(&self, id: &str) -> Option<&RoomHandle> {
        self.rooms.get(id)
    }

    fn rooms_in_order(&self) -> impl Iterator<Item = &RoomHandle> {
        self.room_order.iter().filter_map(|id| self.rooms.get(id))
    }

    /// A place for one more connection, held for as long as it is open; None when full.
    fn connection_permit(&self) -> Option<OwnedSemaphorePermit> {
        self.connections.clone().try_acquire_owned().ok()
    }

    fn next_conn(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Registers a new connection; an older connection of the same member is closed (4004).
    fn register(&self, session: SessionHandle) {
        if let Some(old) = self.online.insert(session.id.clone(), session) {
            old.close(CloseCode::Replaced);
        }
    }

    fn unregister(&self, session: &SessionHandle) {
        self.online
            .remove_if(&session.id, |_, current| current.conn == session.conn);
    }

    /// The member's connection, if one can still be reached (not one that is closing).
    fn find(&self, id: &PublicId) -> Option<SessionHandle> {
        self.online
            .get(id)
            .map(|s| s.clone())
            .filter(|s| s.close_code().is_none())
    }

    fn online_sessions(&self) -> Vec<SessionHandle> {
        self.online.iter().map(|s| s.value().clone()).collect()
    }

    /// Closes a member's connection as if their token had failed (4001: log in again), e.g.
    /// when their account was deleted.
    pub fn sign_out(&self, id: &PublicId) {
        if let Some(session) = self.online.get(id) {
            session.close(CloseCode::AuthFailed);
        }
    }

    /// Staff's announcement, to every member online, whatever room they are in.
    fn announce(&self, from: protocol::MemberView, text: String) {
        let at = self
            .clock
            .now()
            .with_timezone(&self.space.space.timezone)
            .fixed_offset();
        let frame = handle::Frame::from(ServerMessage::Announcement { from, text, at }.to_text());
        for session in self.online_sessions() {
            session.deliver_or_close(frame.clone());
        }
    }

    /// Who is in which room, as `role` may see it: consultation rooms only to those who take
    /// consultations, and then only whether they are in use; staff rooms only to staff.
    fn occupancy(&self, role: Role) -> Vec<protocol::RoomOccupancy> {
        let mut by_room: HashMap<Arc<str>, Vec<protocol::MemberView>> = HashMap::new();
        for session in self.online_sessions() {
            if session.close_code().is_some() {
                continue;
            }
            if let Some(room) = session.room() {
                by_room.entry(room).or_default().push(session.view());
            }
        }
        self.rooms_in_order()
            .filter(|room| listed_for(role, &room.config.kind))
            .filter_map(|room| {
                let members = by_room.remove(&room.id)?;
                Some(protocol::RoomOccupancy {
                    room: room.id.to_string(),
                    count: members.len(),
                    // Who is in a consultation is nobody else's business.
                    members: match room.config.kind {
                        RoomKind::Consult { .. } => Vec::new(),
                        _ => members,
                    },
                })
            })
            .collect()
    }

    /// Takes the media engine's speaking changes to the rooms the speakers are in.
    pub async fn relay_speaking(self, mut changes: tokio::sync::mpsc::Receiver<Speaking>) {
        while let Some(change) = changes.recv().await {
            let Some(session) = self.find(&change.member).filter(|s| s.conn == change.peer) else {
                continue;
            };
            if let Some(room) = session.room().and_then(|id| self.room(&id).cloned()) {
                room.send(room::RoomCommand::Speaking {
                    conn: change.peer,
                    member: change.member,
                    speaking: change.speaking,
                })
                .await;
            }
        }
    }

    /// No session task is running and nobody is registered: every visit has ended.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn is_idle(&self) -> bool {
        self.sessions.is_empty() && self.online.is_empty()
    }

    pub fn online_count(&self) -> usize {
        self.online.len()
    }

    pub fn space_info(&self) -> SpaceInfo {
        let status = self.schedule.status(self.clock.now());
        SpaceInfo {
            name: self.space.space.name.ja.clone(),
            name_en: self.space.space.name.en.clone(),
            timezone: self.space.space.timezone.name().to_string(),
            open: status.open,
            closes_at: status.closes_at,
            next_opening: status.next_opening,
        }
    }

    /// The rooms a member with `role` can see listed (see `listed_for`), each saying
    /// whether it is for them (`group` is the band they declared; it leaves only as that).
    fn rooms_for(&self, role: Role, group: Option<AgeGroup>) -> Vec<RoomInfo> {
        let now = self.clock.now();
        self.rooms_in_order()
            .filter(|room| listed_for(role, &room.config.kind))
            .map(|room| {
                let config = &room.config;
                let (kind, map, stage, videos) = match &config.kind {
                    RoomKind::Free {
                        width,
                        height,
                        background,
                        areas,
                    } => (
                        RoomKindName::Free,
                        Some(MapSize {
                            width: *width,
                            height: *height,
                            background: background.as_ref().map(|b| b.path.clone()),
                            areas: areas.iter().map(area_info).collect(),
                        }),
                        false,
                        vec![],
                    ),
                    RoomKind::Program { stage, .. } => {
                        (RoomKindName::Program, None, *stage, vec![])
                    }
                    RoomKind::Consult { .. } => (RoomKindName::Consult, None, false, vec![]),
                    RoomKind::Gallery { videos } => (
                        RoomKindName::Gallery,
                        None,
                        false,
                        videos
                            .iter()
                            .map(|v| VideoInfo {
                                title: v.title.ja.clone(),
                                title_en: v.title.en.clone(),
                                src: v.src.clone(),
                                poster: v.poster.clone(),
                                captions: v.captions.clone(),
                                program: v.program.clone(),
                            })
                            .collect(),
                    ),
                    RoomKind::Staff => (RoomKindName::Staff, None, false, vec![]),
                };
                let is_program = kind == RoomKindName::Program;
                RoomInfo {
                    id: room.id.to_string(),
                    kind,
                    name: config.name.ja.clone(),
                    name_en: config.name.en.clone(),
                    description: config.description.ja.clone(),
                    description_en: config.description.en.clone(),
                    capacity: config.capacity,
                    map,
                    stage,
                    host: config.kind.hosted_by(role),
                    session_now: is_program
                        .then(|| self.gate().program_session_for_audience(&config.id, now))
                        .flatten(),
                    session_next: is_program
                        .then(|| self.schedule.next_session(&config.id, now))
                        .flatten(),
                    videos,
                    for_you: gate::is_for(config, role, group),
                    for_groups: config.audience.groups.clone(),
                    for_roles: config.audience.roles.clone(),
                }
            })
            .collect()
    }

    /// Says goodbye to everyone, closes every socket with 1001 and waits (briefly) for the
    /// sessions to finish writing.
    pub async fn shut_down(&self) {
        self.shutdown.cancel();
        let goodbye = handle::Frame::from(
            ServerMessage::Goodbye {
                reason: GoodbyeReason::Shutdown,
                message: words::goodbye_shutdown().to_string(),
                next_opening: None,
            }
            .to_text(),
        );
        for session in self.online_sessions() {
            session.deliver(goodbye.clone());
            session.close(CloseCode::GoingAway);
        }
        self.sessions.close();
        if tokio::time::timeout(Duration::from_secs(5), self.sessions.wait())
            .await
            .is_err()
        {
            tracing::warn!("some sessions did not finish within 5 s of shutdown");
        }
        // Sessions closed their own peers as they ended; any left (a session that did not
        // finish) are closed here, and the goodbyes are sent before the process exits.
        self.media.close_all().await;
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled()
    }

    /// Runs a session task, tracked so shutdown can wait for it.
    pub fn track<F>(&self, task: F) -> impl std::future::Future<Output = ()>
    where
        F: std::future::Future<Output = ()>,
    {
        self.sessions.track_future(task)
    }
}

/// Whether `role` sees a room of this kind listed (in `welcome` and in the staff overview):
/// consultation rooms only for those who take consultations (others learn of one by
/// invitation), staff rooms only for staff.
fn listed_for(role: Role, kind: &RoomKind) -> bool {
    match kind {
        RoomKind::Consult { .. } => role.has(Grant::TakeConsultations),
        RoomKind::Staff => role.has(Grant::EnterStaffRoom),
        _ => true,
    }
}

/// How the page learns of an area of the map.
fn area_info(area: &crate::config::Area) -> AreaInfo {
    AreaInfo {
        name: area.name.ja.clone(),
        name_en: area.name.en.clone(),
        kind: match area.kind {
            AreaKind::Table => AreaKindName::Table,
            AreaKind::Quiet => AreaKindName::Quiet,
        },
        x: area.x,
        y: area.y,
        width: area.width,
        height: area.height,
    }
}
