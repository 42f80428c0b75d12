//! Where each room of rooms.toml is hosted. On one node every room runs here from the start.
//! Across nodes (cluster mode) a room is hosted by one node at a time, chosen when someone
//! first needs it: the node that takes the room's lease in Redis runs the room's task, with
//! its story in Redis; every other node relays its members' commands there (hub/relay.rs).
use super::room::{RoomHandle, Story};
use crate::cluster::{seed, Cluster, ClusterError, Held, Lease, Seeded, Snapshot};
use crate::config::{RoomConfig, RoomKind, SpaceConfig};
use crate::hub::protocol::ChatLine;
use crate::media::Media;
use crate::schedule::Clock;
use dashmap::DashMap;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// A room's lease: how soon another node hosts the room after its host died.
pub const ROOM_LEASE: Duration = Duration::from_secs(3);
/// How long a join waits for a room whose host stopped answering to be free again.
const HOSTING_PATIENCE: Duration = Duration::from_secs(5);
/// Between two looks at a room's lease while waiting for it.
const LEASE_POLL: Duration = Duration::from_millis(150);
/// After Redis came back, how long rooms wait before starting afresh: every node's heartbeat
/// comes back within a watch or two, and each then puts back the stories it holds.
const SETTLE: Duration = Duration::from_millis(1500);

pub struct Rooms {
    /// Room ids in the order of rooms.toml (consultation pools expanded), with their settings.
    order: Vec<(Arc<str>, Arc<RoomConfig>)>,
    configs: HashMap<Arc<str>, Arc<RoomConfig>>,
    /// The rooms this node runs.
    here: DashMap<Arc<str>, RoomHandle>,
    /// Cluster mode: the node hosting each room this node relays to.
    elsewhere: DashMap<Arc<str>, Arc<str>>,
    /// Cluster mode: the leases of the rooms this node runs, kept renewed.
    leases: DashMap<Arc<str>, Held>,
    /// One room taken at a time on this node, so two joins never start it twice.
    hosting: tokio::sync::Mutex<()>,
    /// Rooms this node is taking now (its lease asked for, its story being read): a member's
    /// join relayed by another node meanwhile waits for the room instead of missing it.
    starting: DashMap<Arc<str>, Arc<Notify>>,
    /// The node drains: it takes no room any more.
    draining: std::sync::atomic::AtomicBool,
    /// Stories of rooms that stopped here, as this node held them, until Redis has them
    /// (a Redis restarted empty lost them: they are put back as soon as it answers).
    stash: DashMap<Arc<str>, Snapshot<ChatLine>>,
    /// When this node's heartbeat came back after being lost (Redis was away): for a moment
    /// after it no room starts afresh, so every node can put back the stories it holds first.
    rejoined_at: std::sync::Mutex<Option<Instant>>,
    parts: Parts,
}

/// What starting a room takes.
struct Parts {
    clock: Arc<dyn Clock>,
    tz: chrono_tz::Tz,
    media: Media,
}

/// Room `id`'s lease in Redis: which node hosts it.
pub fn room_lease(cluster: &Cluster, id: &str) -> Lease {
    Lease::new(cluster, &format!("room:{id}"), ROOM_LEASE)
}

/// A room being taken by this node, from before its lease is asked for until it runs (or
/// could not be taken): whoever waits for it is woken when this is dropped.
struct Starting<'a> {
    starting: &'a DashMap<Arc<str>, Arc<Notify>>,
    id: Arc<str>,
    started: Arc<Notify>,
}

impl<'a> Starting<'a> {
    fn mark(starting: &'a DashMap<Arc<str>, Arc<Notify>>, id: &Arc<str>) -> Starting<'a> {
        let started = Arc::new(Notify::new());
        starting.insert(id.clone(), started.clone());
        Starting {
            starting,
            id: id.clone(),
            started,
        }
    }
}

impl Drop for Starting<'_> {
    fn drop(&mut self) {
        self.starting.remove(&self.id);
        self.started.notify_waiters();
    }
}

/// Where a room is hosted, as this node found it.
pub enum Located {
    Here(RoomHandle),
    Elsewhere { id: Arc<str>, node: Arc<str> },
}

impl Rooms {
    /// The rooms of `space`; on one node (`hosted_here`), every one of them starts now.
    pub fn new(
        space: &SpaceConfig,
        clock: Arc<dyn Clock>,
        media: Media,
        hosted_here: bool,
    ) -> Rooms {
        let mut order = Vec::new();
        for config in &space.rooms {
            let config = Arc::new(config.clone());
            let ids: Vec<Arc<str>> = match config.kind {
                RoomKind::Consult { pool } => (1..=pool)
                    .map(|n| Arc::from(format!("{}-{n}", config.id)))
                    .collect(),
                _ => vec![Arc::from(config.id.as_str())],
            };
            order.extend(ids.into_iter().map(|id| (id, config.clone())));
        }
        let rooms = Rooms {
            configs: order.iter().cloned().collect(),
            order,
            here: DashMap::new(),
            elsewhere: DashMap::new(),
            leases: DashMap::new(),
            hosting: tokio::sync::Mutex::new(()),
            starting: DashMap::new(),
            draining: Default::default(),
            stash: DashMap::new(),
            rejoined_at: std::sync::Mutex::new(None),
            parts: Parts {
                clock,
                tz: space.space.timezone,
                media,
            },
        };
        if hosted_here {
            for (id, config) in &rooms.order {
                let room = rooms.start(id.clone(), config.clone(), Story::in_memory(), None);
                rooms.here.insert(id.clone(), room);
            }
        }
        rooms
    }

    fn start(
        &self,
        id: Arc<str>,
        config: Arc<RoomConfig>,
        story: Story,
        stop: Option<CancellationToken>,
    ) -> RoomHandle {
        let p = &self.parts;
        RoomHandle::spawn(
            id,
            config,
            p.clock.clone(),
            p.tz,
            p.media.clone(),
            story,
            stop.unwrap_or_default(),
        )
    }

    /// Every room, in the order of rooms.toml.
    pub fn ids_in_order(&self) -> impl Iterator<Item = &(Arc<str>, Arc<RoomConfig>)> {
        self.order.iter()
    }

    pub fn config(&self, id: &str) -> Option<&Arc<RoomConfig>> {
        self.configs.get(id)
    }

    /// The room, if this node runs it.
    pub fn here(&self, id: &str) -> Option<RoomHandle> {
        self.here
            .get(id)
            .map(|r| r.clone())
            .filter(|r| !r.is_gone())
    }

    /// The room as this node last found it: run here, or relayed to its host.
    pub fn known(&self, id: &str) -> Option<Located> {
        if let Some(room) = self.here(id) {
            return Some(Located::Here(room));
        }
        let node = self.elsewhere.get(id)?.clone();
        Some(Located::Elsewhere {
            id: self.configs.get_key_value(id)?.0.clone(),
            node,
        })
    }

    /// Where room `id` is hosted now, as Redis says, without hosting it here; None if nobody
    /// hosts it (or Redis cannot tell).
    pub async fn locate(&self, id: &str, cluster: &Cluster) -> Option<Located> {
        if let Some(room) = self.known(id) {
            return Some(room);
        }
        let node = room_lease(cluster, id).holder().await.ok()??;
        let (id, _) = self.configs.get_key_value(id)?;
        (node != cluster.node()).then(|| Located::Elsewhere {
            id: id.clone(),
            node: node.into(),
        })
    }

    /// Rooms relayed elsewhere, with their hosts.
    pub fn relayed(&self) -> Vec<(Arc<str>, Arc<str>)> {
        self.elsewhere
            .iter()
            .map(|e| (e.key().clone(), e.value().clone()))
            .collect()
    }

    /// Forgets that `node` hosts `id` (it stopped): the next join looks again.
    pub fn forget(&self, id: &str, node: &str) {
        self.elsewhere.remove_if(id, |_, n| &**n == node);
    }

    /// The room `id` wherever it is hosted (cluster mode), hosted here if nobody does. A host
    /// that died still holds the lease for a moment: this waits for it to expire. None for an
    /// unknown room; Err when Redis cannot tell. Always asks Redis (a join is rare; the host
    /// this node knew may have died a moment ago).
    pub async fn host(
        self: &Arc<Self>,
        id: &str,
        cluster: &Cluster,
    ) -> Result<Option<Located>, ClusterError> {
        let Some((id, config)) = self.configs.get_key_value(id) else {
            return Ok(None);
        };
        if let Some(room) = self.here(id) {
            return Ok(Some(Located::Here(room)));
        }
        let _one_at_a_time = self.hosting.lock().await;
        let lease = room_lease(cluster, id);
        let patience = Instant::now() + HOSTING_PATIENCE;
        loop {
            if let Some(room) = self.here(id) {
                return Ok(Some(Located::Here(room)));
            }
            match lease.holder().await? {
                None if self.draining.load(Ordering::Relaxed) => {
                    return Err(ClusterError::NoAnswer {
                        what: format!("room {id} (this node is draining)"),
                    });
                }
                None if self.settling() => {}
                None => {
                    let _starting = Starting::mark(&self.starting, id);
                    if lease.acquire().await? {
                        let room = self.take(id, config, cluster, lease).await?;
                        return Ok(Some(Located::Here(room)));
                    }
                }
                Some(node) if node != cluster.node() && cluster.is_listening(&node).await? => {
                    let node: Arc<str> = node.into();
                    self.elsewhere.insert(id.clone(), node.clone());
                    return Ok(Some(Located::Elsewhere {
                        id: id.clone(),
                        node,
                    }));
                }
                // Its host died (or this node's own earlier run of it ended): the lease
                // expires within ROOM_LEASE.
                Some(_) => {}
            }
            if Instant::now() >= patience {
                return Err(ClusterError::NoAnswer {
                    what: format!("room {id}"),
                });
            }
            tokio::time::sleep(LEASE_POLL).await;
        }
    }

    /// Starts the room here under the lease just acquired, with its story from Redis. The room
    /// runs while the lease is kept; when it is lost the room stops (its members reconnect),
    /// and when the room stops the lease is given up.
    async fn take(
        self: &Arc<Self>,
        id: &Arc<str>,
        config: &Arc<RoomConfig>,
        cluster: &Cluster,
        lease: Lease,
    ) -> Result<RoomHandle, ClusterError> {
        self.put_back(cluster).await;
        // Nothing said in a consultation is stored, not even in Redis: its chat lives and
        // ends with the room on its host.
        let story = if matches!(config.kind, RoomKind::Consult { .. }) {
            Story::in_memory()
        } else {
            match Story::shared(cluster, id, self.keep_story_for()).await {
                Ok(story) => story,
                Err(error) => {
                    let _ = lease.release().await;
                    return Err(error);
                }
            }
        };
        let held = lease.keep();
        let stop = held.lost();
        let room = self.start(id.clone(), config.clone(), story, Some(stop));
        self.leases.insert(id.clone(), held);
        self.here.insert(id.clone(), room.clone());
        self.elsewhere.remove(id);
        tracing::info!(room = %id, "hosting the room here");
        let (rooms, ended, cluster) = (self.clone(), room.clone(), cluster.clone());
        tokio::spawn(async move {
            ended.ended().await;
            if let Some(story) = ended.take_left_story() {
                rooms.stash.insert(ended.id.clone(), story);
            }
            rooms.release(&ended.id).await;
            rooms.put_back(&cluster).await;
        });
        Ok(room)
    }

    /// Puts back in Redis the stories of rooms that stopped here, where Redis lost them (it
    /// restarted empty); one another node began anew meanwhile is dropped. What Redis cannot
    /// take now stays for the next try (when this node's heartbeat is back).
    pub async fn put_back(&self, cluster: &Cluster) {
        let rooms: Vec<Arc<str>> = self.stash.iter().map(|e| e.key().clone()).collect();
        for id in rooms {
            let Some(story) = self.stash.get(&id).map(|s| s.clone()) else {
                continue;
            };
            match seed(cluster, &id, &story, self.keep_story_for()).await {
                Ok(seeded) => {
                    if seeded == Seeded::Restored {
                        tracing::info!(room = %id, epoch = %story.epoch, "the room's story is back in Redis");
                    }
                    self.stash.remove(&id);
                }
                Err(error) => {
                    tracing::debug!(room = %id, %error, "the room's story waits for Redis")
                }
            }
        }
    }

    /// This node's heartbeat is back after Redis was away.
    pub fn rejoined(&self) {
        if let Ok(mut at) = self.rejoined_at.lock() {
            *at = Some(Instant::now());
        }
    }

    fn settling(&self) -> bool {
        self.rejoined_at
            .lock()
            .ok()
            .and_then(|at| *at)
            .is_some_and(|at| at.elapsed() < SETTLE)
    }

    /// The room, if this node runs it or is taking it now (then once it runs, at most 3 s).
    pub async fn here_soon(&self, id: &str) -> Option<RoomHandle> {
        if let Some(room) = self.here(id) {
            return Some(room);
        }
        let started = self.starting.get(id).map(|s| s.clone())?;
        let notified = started.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if self.starting.contains_key(id) {
            let _ = tokio::time::timeout(Duration::from_secs(3), notified).await;
        }
        self.here(id)
    }

    /// Gives up a room's lease (its task has ended), so another node may host it at once.
    async fn release(&self, id: &str) {
        if let Some((_, held)) = self.leases.remove(id) {
            if let Err(error) = held.release().await {
                tracing::warn!(room = %id, %error, "releasing a room failed; it passes on when its lease expires");
            }
        }
    }

    /// Until the end of the space's day (at least an hour): a room's story in Redis is gone
    /// the next day, as it is from memory when a single node restarts.
    fn keep_story_for(&self) -> Duration {
        let now = self.parts.clock.now().with_timezone(&self.parts.tz);
        let tomorrow = now
            .date_naive()
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0));
        let left = tomorrow
            .map(|t| t - now.naive_local())
            .and_then(|d| d.to_std().ok())
            .unwrap_or_default();
        left.max(Duration::from_secs(3600))
    }

    /// Stops every room this node runs (their members are asked to reconnect).
    pub fn stop_all(&self) {
        for room in self.here.iter() {
            room.stop();
        }
    }

    /// A node draining: takes no room any more, stops the rooms it runs and gives their
    /// leases up, so their members (asked to reconnect) find them hosted elsewhere at once.
    pub async fn hand_over(&self) {
        self.draining.store(true, Ordering::Relaxed);
        let _one_at_a_time = self.hosting.lock().await;
        self.stop_all();
        let rooms: Vec<RoomHandle> = self.here.iter().map(|r| r.clone()).collect();
        for room in rooms {
            let _ = tokio::time::timeout(Duration::from_secs(3), room.ended()).await;
            self.release(&room.id).await;
        }
    }
}
