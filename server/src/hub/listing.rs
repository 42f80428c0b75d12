//! Members listed for the whole space (who waits to talk, who is on duty): in memory on one
//! node, in Redis across nodes (crate::cluster::Roster), with the same answers. An entry lives
//! while its member is in the space; one whose member has been gone longer than [`STALE`]
//! (a dropped connection not coming back, a dead node) leaves the listing. A reconnection
//! within it keeps the entry, and its place.
use super::Hub;
use crate::cluster::{arrival_score, Cluster, ClusterError, Roster};
use crate::model::PublicId;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::marker::PhantomData;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an entry outlives its member's connection.
const STALE: Duration = Duration::from_secs(15);
/// How often each node tells the listings its members are still here.
const TOUCH_EVERY: Duration = Duration::from_secs(2);

/// An entry of a listing: whose it is.
pub(super) trait Listed: Clone + Serialize + DeserializeOwned {
    fn member(&self) -> &PublicId;
}

pub(super) enum Listing<T> {
    /// Entries in order, each with its last touch and its score (as the roster's).
    Here(Mutex<Vec<(T, Instant, i64)>>),
    Shared(Box<Roster>, PhantomData<T>),
}

impl<T: Listed> Listing<T> {
    /// The listing `name` of the space: shared by the nodes of `cluster`, or this process's.
    pub fn new(cluster: Option<&Cluster>, name: &str) -> Listing<T> {
        match cluster {
            Some(cluster) => Listing::Shared(Box::new(Roster::new(cluster, name)), PhantomData),
            None => Listing::Here(Mutex::new(Vec::new())),
        }
    }

    /// Adds the entry at the end, or replaces the member's entry in its place.
    pub async fn put(&self, entry: T) -> Result<(), ClusterError> {
        match self {
            Listing::Here(list) => {
                let mut list = list.lock().unwrap_or_else(|e| e.into_inner());
                match list.iter_mut().find(|(e, ..)| e.member() == entry.member()) {
                    Some(place) => place.0 = entry,
                    None => list.push((entry, Instant::now(), arrival_score())),
                }
                Ok(())
            }
            Listing::Shared(roster, _) => {
                let value = serde_json::to_string(&entry).unwrap_or_default();
                roster.join(&entry.member().0, &value).await?;
                Ok(())
            }
        }
    }

    /// Puts the entry where `score` (ms, as arrivals are scored) places it: ahead of every
    /// entry scored later. A member already listed moves there.
    pub async fn put_at(&self, entry: T, score: i64) -> Result<(), ClusterError> {
        match self {
            Listing::Here(list) => {
                let mut list = list.lock().unwrap_or_else(|e| e.into_inner());
                list.retain(|(e, ..)| e.member() != entry.member());
                let at = list
                    .iter()
                    .position(|(.., s)| *s > score)
                    .unwrap_or(list.len());
                list.insert(at, (entry, Instant::now(), score));
                Ok(())
            }
            Listing::Shared(roster, _) => {
                let value = serde_json::to_string(&entry).unwrap_or_default();
                roster.join_at(&entry.member().0, &value, score).await?;
                Ok(())
            }
        }
    }

    /// Takes the member's entry out: Some for exactly one caller.
    pub async fn take(&self, member: &PublicId) -> Result<Option<T>, ClusterError> {
        match self {
            Listing::Here(list) => {
                let mut list = list.lock().unwrap_or_else(|e| e.into_inner());
                let at = list.iter().position(|(e, ..)| e.member() == member);
                Ok(at.map(|at| list.remove(at).0))
            }
            Listing::Shared(roster, _) => Ok(roster
                .take(&member.0)
                .await?
                .and_then(|v| serde_json::from_str(&v).ok())),
        }
    }

    /// Every entry, first first.
    pub async fn all(&self) -> Result<Vec<T>, ClusterError> {
        match self {
            Listing::Here(list) => Ok(list
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .map(|(e, ..)| e.clone())
                .collect()),
            Listing::Shared(roster, _) => Ok(roster
                .all()
                .await?
                .into_iter()
                .filter_map(|(_, v)| serde_json::from_str(&v).ok())
                .collect()),
        }
    }

    /// Keeps the entries of these members (connected here); drops the ones nobody kept for
    /// [`STALE`]. True if an entry left.
    async fn keep(&self, here: &[PublicId]) -> Result<bool, ClusterError> {
        match self {
            Listing::Here(list) => {
                let mut list = list.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                for (entry, touched, _) in list.iter_mut() {
                    if here.contains(entry.member()) {
                        *touched = now;
                    }
                }
                let before = list.len();
                list.retain(|(_, touched, _)| now.duration_since(*touched) < STALE);
                Ok(list.len() != before)
            }
            Listing::Shared(roster, _) => {
                let ids: Vec<String> = here.iter().map(|id| id.0.clone()).collect();
                roster.touch(&ids).await?;
                Ok(!roster.prune(STALE).await?.is_empty())
            }
        }
    }
}

/// Keeps this node's members in the space's listings while they are connected here, and
/// takes out those gone for good (then everyone hears of the change).
pub async fn keep_listings(hub: Hub) {
    let mut every = tokio::time::interval(TOUCH_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = hub.shutdown.cancelled() => return,
        }
        let here: Vec<PublicId> = hub.online.iter().map(|s| s.key().clone()).collect();
        match hub.talk.keep(&here).await {
            Ok(true) => hub.talk_line_changed(),
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%error, "the line of members waiting to talk cannot be kept")
            }
        }
        match hub.duty.keep(&here).await {
            Ok(true) => hub.duty_changed(),
            Ok(false) => {}
            Err(error) => tracing::warn!(%error, "the staff on duty cannot be kept"),
        }
    }
}
