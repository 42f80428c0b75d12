//! The real-time heart: sessions (one task per socket), rooms (one task per room), and the
//! registry that connects them.
mod alerts;
mod blocks;
mod booking_notices;
mod doorkeeper;
mod duty;
mod gate;
pub mod handle;
mod inbound;
pub mod limits;
mod listing;
mod media_requests;
mod moderation;
pub mod protocol;
mod rate;
mod relay;
mod reports;
pub mod room;
mod rooms;
mod session;
mod talk;
mod wire;
mod words;
mod writer;

pub use doorkeeper::run as run_doorkeeper;
/// The frame parser, for the fuzzers (crate::fuzz).
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) use inbound::parse as parse_frame;
pub use listing::keep_listings;
pub use reports::ReportNames;
pub use session::run as run_session;

use crate::auth::{Grant, Keys};
use crate::cluster::{Bus, Cluster, ClusterError};
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
use relay::{Relay, RoomRef};
use rooms::Rooms;
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
    /// Where each room of rooms.toml is hosted.
    rooms: Arc<Rooms>,
    /// Cluster mode: this node's link to the others (None: one node, every room here).
    relay: Option<Relay>,
    /// Members waiting to talk with a counsellor (shared by every node in cluster mode).
    talk: talk::TalkLine,
    /// Staff and counsellors on duty (shared by every node in cluster mode).
    duty: duty::DutyRoster,
    /// Crisis alerts raised here that nobody has acknowledged yet (they are repeated).
    pending_alerts: DashMap<String, ()>,
    /// Crisis alerts delivered here (for their acknowledgement), for a few hours.
    raised: DashMap<String, alerts::Raised>,
    /// Connected members by public id: one connection each (a new one replaces the old).
    online: DashMap<PublicId, SessionHandle>,
    next_conn: AtomicU64,
    sessions: TaskTracker,
    /// One permit per open connection: beyond the limit newcomers are told to come back later
    /// instead of the process running out of file descriptors.
    connections: Arc<Semaphore>,
    shutdown: CancellationToken,
    /// Cluster mode, on SIGTERM: the node hands its rooms and members over before it stops.
    draining: std::sync::atomic::AtomicBool,
}

impl std::ops::Deref for Hub {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.shared
    }
}

impl Hub {
    /// On one node (`cluster` None) every room starts now, each its own task (consultation
    /// pools become rooms `<id>-1` … `<id>-N`); across nodes rooms start where first needed,
    /// once `join_cluster` has run.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        space: Arc<SpaceConfig>,
        schedule: Arc<Schedule>,
        clock: Arc<dyn Clock>,
        store: Arc<Store>,
        keys: Arc<Keys>,
        media: Media,
        max_connections: usize,
        cluster: Option<&Cluster>,
    ) -> Hub {
        let rooms = Arc::new(Rooms::new(
            &space,
            clock.clone(),
            media.clone(),
            cluster.is_none(),
        ));
        let relay = cluster.map(|cluster| Relay::new(cluster, Bus::start(cluster)));
        let talk = talk::TalkLine::new(cluster, "talk");
        let duty = duty::DutyRoster::new(cluster, "duty");
        Hub {
            shared: Arc::new(Shared {
                space,
                schedule,
                clock,
                store,
                keys,
                media,
                rooms,
                relay,
                talk,
                duty,
                pending_alerts: DashMap::new(),
                raised: DashMap::new(),
                online: DashMap::new(),
                next_conn: AtomicU64::new(first_conn()),
                sessions: TaskTracker::new(),
                connections: Arc::new(Semaphore::new(max_connections)),
                shutdown: CancellationToken::new(),
                draining: Default::default(),
            }),
        }
    }

    /// Cluster mode: starts this node's heartbeat and begins listening to the other nodes.
    /// Nothing to do on one node.
    pub async fn join_cluster(&self) -> Result<(), ClusterError> {
        let Some(relay) = self.relay.clone() else {
            return Ok(());
        };
        let heartbeat = relay.cluster().heartbeat(rooms::ROOM_LEASE).await?;
        let bus = Bus::start(relay.cluster());
        let heard = bus.listen(self.shutdown.clone()).await?;
        tokio::spawn(relay::run(self.clone(), relay.clone(), heard));
        tokio::spawn(relay::keep_heartbeat(self.clone(), relay, heartbeat));
        tracing::info!(node = %self.relay.as_ref().map(|r| r.cluster().node().to_string()).unwrap_or_default(), "joined the cluster");
        Ok(())
    }

    fn gate(&self) -> Gate<'_> {
        Gate {
            schedule: &self.schedule,
            doors_open: chrono::Duration::minutes(self.space.space.doors_open_minutes.into()),
            consult_grace: chrono::Duration::minutes(self.space.space.consult_grace_minutes.into()),
        }
    }

    /// The room as this node knows it: run here, or (cluster mode) relayed to its host.
    fn room(&self, id: &str) -> Option<RoomRef> {
        RoomRef::to(self.rooms.known(id)?, self.relay.as_ref())
    }

    /// The room for someone entering it: across nodes, found (or hosted here) through Redis.
    /// Ok(None): no such room.
    async fn host(&self, id: &str) -> Result<Option<RoomRef>, ClusterError> {
        match &self.relay {
            Some(relay) => Ok(self
                .rooms
                .host(id, relay.cluster())
                .await?
                .and_then(|located| RoomRef::to(located, Some(relay)))),
            None => Ok(self.room(id)),
        }
    }

    /// The room wherever it is hosted now, without hosting it here; None if nobody does.
    async fn locate(&self, id: &str) -> Option<RoomRef> {
        let located = match &self.relay {
            Some(relay) => self.rooms.locate(id, relay.cluster()).await?,
            None => self.rooms.known(id)?,
        };
        RoomRef::to(located, self.relay.as_ref())
    }

    /// Who is in the room now (empty if nobody hosts it, or it does not answer in time).
    async fn present_in(&self, id: &str) -> Vec<wire::Present> {
        let Some(room) = self.locate(id).await else {
            return Vec::new();
        };
        let (reply, answer) = tokio::sync::oneshot::channel();
        if !room.send(room::RoomCommand::Occupants { reply }).await {
            return Vec::new();
        }
        tokio::time::timeout(Duration::from_secs(2), answer)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default()
    }

    /// Whether `member` is inside a consultation during the grace period after closing: their
    /// connection dropped, and they may come back into it though the space is closed.
    async fn in_consultation_after_closing(&self, member: &PublicId) -> bool {
        if !self.gate().in_consult_grace(self.clock.now()) {
            return false;
        }
        for (id, config) in self.rooms.ids_in_order() {
            if matches!(config.kind, RoomKind::Consult { .. })
                && self
                    .present_in(id)
                    .await
                    .iter()
                    .any(|p| &p.view.id == member)
            {
                return true;
            }
        }
        false
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
    /// when their account was deleted; on whichever node it is.
    pub fn sign_out(&self, id: &PublicId) {
        self.sign_out_here(id);
        if let Some(relay) = &self.relay {
            relay.sign_out(id.clone());
        }
    }

    fn sign_out_here(&self, id: &PublicId) {
        if let Some(session) = self.online.get(id) {
            session.close(CloseCode::AuthFailed);
        }
    }

    /// Closes a suspended member's connection on every node (4008), after the frame that
    /// tells them why (`account_suspended`, worded by model::Suspension::message).
    pub fn suspend(&self, id: &PublicId, message: String) {
        let frame =
            ServerMessage::error(None, protocol::ErrorCode::AccountSuspended, message).to_text();
        match &self.relay {
            // Every node closes its own connection of theirs, this one included.
            Some(relay) => {
                relay.suspend(id.clone(), &frame);
            }
            None => self.suspend_here(id, &frame),
        }
    }

    fn suspend_here(&self, id: &PublicId, frame: &str) {
        if let Some(session) = self.online.get(id) {
            session.deliver_or_close(handle::Frame::from(frame.to_string()));
            session.close(CloseCode::Suspended);
        }
    }

    /// Staff's announcement, to every member online, whatever room (and node) they are in.
    fn announce(&self, from: protocol::MemberView, text: String) {
        let at = self
            .clock
            .now()
            .with_timezone(&self.space.space.timezone)
            .fixed_offset();
        let frame = ServerMessage::Announcement { from, text, at }.to_text();
        if let Some(relay) = &self.relay {
            // Every node hands it to its own members, this one included.
            relay.everyone(&frame, None);
            return;
        }
        let frame = handle::Frame::from(frame);
        for session in self.online_sessions() {
            session.deliver_or_close(frame.clone());
        }
    }

    /// A frame for one member, on whichever node they are connected; false if they are
    /// surely not connected (on one node: not here).
    fn tell_member(&self, id: &PublicId, frame: String) -> bool {
        if let Some(session) = self.find(id) {
            return session.deliver_or_close(handle::Frame::from(frame));
        }
        match &self.relay {
            Some(relay) => relay.everyone(&frame, Some(id.clone())),
            None => false,
        }
    }

    /// Who is in which room, as `role` may see it: consultation rooms only to those who take
    /// consultations, and then only whether they are in use; staff rooms only to staff. Each
    /// room (wherever it is hosted) says who is in it.
    async fn occupancy(&self, role: Role) -> (Vec<protocol::RoomOccupancy>, Option<usize>) {
        let mut rooms = Vec::new();
        // Consultations going on that this role may not see, counted only.
        let mut unseen = (!role.has(Grant::TakeConsultations)).then_some(0);
        for (id, config) in self.rooms.ids_in_order() {
            let consult = matches!(config.kind, RoomKind::Consult { .. });
            if !listed_for(role, &config.kind) && !consult {
                continue;
            }
            let members: Vec<protocol::MemberView> = self
                .present_in(id)
                .await
                .into_iter()
                .map(|p| p.view)
                .collect();
            if members.is_empty() {
                continue;
            }
            if !listed_for(role, &config.kind) {
                // A counsellor waiting alone is no consultation yet.
                if let Some(n) = unseen.as_mut().filter(|_| members.len() > 1) {
                    *n += 1;
                }
                continue;
            }
            rooms.push(protocol::RoomOccupancy {
                room: id.to_string(),
                count: members.len(),
                // Who is in a consultation is nobody else's business.
                members: if consult { Vec::new() } else { members },
            });
        }
        (rooms, unseen)
    }

    /// Takes the media engine's speaking changes to the rooms the speakers are in.
    pub async fn relay_speaking(self, mut changes: tokio::sync::mpsc::Receiver<Speaking>) {
        while let Some(change) = changes.recv().await {
            // A member connected here, or one of another node in a room hosted here.
            let session = self
                .find(&change.member)
                .filter(|s| s.conn == change.peer)
                .or_else(|| self.relay.as_ref()?.stand_in(change.peer));
            let Some(session) = session else {
                continue;
            };
            // Media stays on the room's host, so the room is here.
            if let Some(room) = session.room().and_then(|id| self.rooms.here(&id)) {
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
        self.rooms
            .ids_in_order()
            .filter(|(_, config)| listed_for(role, &config.kind))
            .map(|(id, config)| {
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
                    id: id.to_string(),
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
        if self.relay.is_some() {
            return self.drain().await;
        }
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

    /// Cluster mode: the node hands its rooms over (their members, here and elsewhere, are
    /// asked to reconnect: 4007), then asks its own members to reconnect (to another node,
    /// through the load balancer), and waits (briefly) for the sessions to finish.
    async fn drain(&self) {
        tracing::info!("draining: handing the rooms over, then asking everyone to reconnect");
        self.draining.store(true, Ordering::Relaxed);
        self.rooms.hand_over().await;
        for session in self.online_sessions() {
            session.close(CloseCode::Moving);
        }
        self.sessions.close();
        if tokio::time::timeout(Duration::from_secs(5), self.sessions.wait())
            .await
            .is_err()
        {
            tracing::warn!("some sessions did not finish within 5 s of draining");
        }
        // What the rooms told members elsewhere (reconnect) is out before the process goes.
        if let Some(relay) = &self.relay {
            relay.flush().await;
        }
        self.shutdown.cancel();
        self.media.close_all().await;
    }

    /// Stopping or draining: no new connections.
    pub fn is_shutting_down(&self) -> bool {
        self.shutdown.is_cancelled() || self.draining.load(Ordering::Relaxed)
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

/// Where this node's connection numbers start: a random place, so connections of different
/// nodes (which meet in rooms hosted across nodes) never share a number. Below 2^52, so a
/// JavaScript number holds it exactly.
fn first_conn() -> u64 {
    (rand::random::<u64>() % (1 << 20)) << 32 | 1
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
