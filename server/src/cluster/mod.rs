//! The nodes of one space meeting in Redis: named leases (who hosts a room, who runs the
//! chores), rooms' recent chat with their epoch and sequence, shared rate limits.
//!
//! `Cluster` is this node's handle on that Redis: one connection manager (reconnecting by
//! itself, shared by every caller: cheap to clone) and the space's key prefix. Every Redis
//! key the server uses is named in this module and nowhere else, so two spaces (or two tests)
//! on one Redis never see each other's keys.
mod bus;
mod chat_log;
mod duty;
mod lease;
mod rate_limit;
mod roster;

pub use bus::{Bus, Heard, To};
pub use chat_log::{seed, Bounds, ChatLog, Seeded, Sequenced, Snapshot};
pub use duty::Duty;
pub use lease::{Held, Lease};
pub use rate_limit::RateLimit;
pub use roster::{arrival_score, Roster};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::time::Duration;

/// How long connecting, and each command, may take before it is an error: a node must notice
/// a Redis that is gone, not hang on it.
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);
/// Keys `clear` deletes per round trip.
const CLEAR_BATCH: usize = 500;

#[derive(Clone)]
pub struct Cluster {
    /// For the connections that cannot be shared (a pub/sub subscription).
    client: redis::Client,
    conn: ConnectionManager,
    /// `ibasho:<space>:`, before every key.
    prefix: Arc<str>,
    /// This process among the nodes: the holder named in its leases.
    node: Arc<str>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL (which may carry a password) is never kept.
        f.debug_struct("Cluster")
            .field("prefix", &self.prefix)
            .field("node", &self.node)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A value this module wrote reads back as something else: another program writes
    /// under our prefix.
    #[error("Redis key {key} holds an unexpected value")]
    Malformed { key: String },
    /// The room's chat was started again (its keys expired, or another owner began a new
    /// epoch) since this log was opened: open it again.
    #[error("the room's chat epoch has changed")]
    EpochChanged,
    /// The node named in a lease stopped answering and its lease did not expire in time.
    #[error("{what} is held by a node that does not answer")]
    NoAnswer { what: String },
}

impl Cluster {
    /// Connects to Redis at `url` (`redis://host:port/db`) for the space `space`; this node
    /// gets a fresh id (`n_` and 8 hex digits).
    pub async fn connect(url: &str, space: &str) -> Result<Cluster, ClusterError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client.clone(), config).await?;
        let node = format!("n_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        Ok(Cluster {
            client,
            conn,
            prefix: format!("ibasho:{space}:").into(),
            node: node.into(),
        })
    }

    /// This node's id, as other nodes see it in the leases it holds.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// This node's heartbeat, kept renewed while the returned lease is held: other nodes see
    /// the node alive (`is_alive`) until it stops, and at most `ttl` after it died.
    pub async fn heartbeat(&self, ttl: Duration) -> Result<Held, ClusterError> {
        let lease = Lease::new(self, &format!("node:{}", self.node), ttl);
        lease.acquire().await?;
        Ok(lease.keep())
    }

    /// Whether `node`'s heartbeat is current.
    pub async fn is_alive(&self, node: &str) -> Result<bool, ClusterError> {
        Ok(Lease::new(self, &format!("node:{node}"), Duration::ZERO)
            .holder()
            .await?
            .is_some())
    }

    /// Whether `node` is subscribed to its channel now. A node that died is not (Redis drops
    /// a killed process's connections at once), long before its leases expire.
    pub async fn is_listening(&self, node: &str) -> Result<bool, ClusterError> {
        let (_, subscribers): (String, u64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(self.key(&format!("node:{node}")))
            .query_async::<Vec<(String, u64)>>(&mut self.conn())
            .await?
            .pop()
            .ok_or_else(|| ClusterError::Malformed {
                key: "PUBSUB NUMSUB".into(),
            })?;
        Ok(subscribers > 0)
    }

    /// The full name of one of this space's keys.
    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Deletes every key of this space (tests clean up with it; an operator removing a
    /// space could too). Returns how many went.
    pub async fn clear(&self) -> Result<usize, ClusterError> {
        let mut conn = self.conn();
        let pattern = format!("{}*", glob_escape(&self.prefix));
        let mut keys: Vec<String> = Vec::new();
        {
            let mut iter: redis::AsyncIter<String> = redis::cmd("SCAN")
                .cursor_arg(0)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(CLEAR_BATCH)
                .clone()
                .iter_async(&mut conn)
                .await?;
            while let Some(key) = futures_util::StreamExt::next(&mut iter).await {
                keys.push(key?);
            }
        }
        keys.sort();
        keys.dedup(); // SCAN may return a key twice
        for batch in keys.chunks(CLEAR_BATCH) {
            redis::cmd("UNLINK")
                .arg(batch)
                .query_async::<()>(&mut conn)
                .await?;
        }
        Ok(keys.len())
    }
}

/// `text` matching only itself in a Redis glob pattern.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Milliseconds for PEXPIRE / PX: at least 1 (0 is an error to Redis).
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A space of its own on the test Redis (`IBASHO_TEST_REDIS`, default the machine's at
/// 127.0.0.1:6379). `None` (with the reason printed) when no Redis answers outside CI;
/// under `CI=true` a missing Redis fails the test instead of letting it pass silently.
#[cfg(test)]
pub(crate) mod testing {
    use super::Cluster;

    pub const DEFAULT_URL: &str = "redis://127.0.0.1:6379";

    /// `nodes` handles on one fresh space, each its own node (and connection).
    pub async fn nodes(count: usize) -> Option<Vec<Cluster>> {
        let url = std::env::var("IBASHO_TEST_REDIS").unwrap_or_else(|_| DEFAULT_URL.to_string());
        let space = format!("test-{}", uuid::Uuid::new_v4().simple());
        let mut nodes = Vec::with_capacity(count);
        for _ in 0..count {
            match Cluster::connect(&url, &space).await {
                Ok(cluster) => nodes.push(cluster),
                Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                    panic!("Redis is required under CI=true and did not answer at {url}: {e}")
                }
                Err(e) => {
                    eprintln!("skipped: no Redis at {url} ({e})");
                    return None;
                }
            }
        }
        Some(nodes)
    }

    pub async fn node() -> Option<Cluster> {
        nodes(1).await.and_then(|mut n| n.pop())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_characters_are_escaped() {
        assert_eq!(
            glob_escape("ibasho:a*b?[c]\\:"),
            "ibasho:a\\*b\\?\\[c\\]\\\\:"
        );
    }

    #[tokio::test]
    async fn clear_deletes_this_space_only() {
        let Some(nodes) = testing::nodes(2).await else {
            return;
        };
        let Some(other) = testing::node().await else {
            return;
        };
        let mut conn = nodes[0].conn();
        for i in 0..3 {
            redis::cmd("SET")
                .arg(nodes[0].key(&format!("k{i}")))
                .arg(1)
                .arg("PX")
                .arg(60_000)
                .query_async::<()>(&mut conn)
                .await
                .unwrap();
        }
        let theirs = other.key("k0");
        redis::cmd("SET")
            .arg(&theirs)
            .arg(1)
            .arg("PX")
            .arg(60_000)
            .query_async::<()>(&mut conn)
            .await
            .unwrap();
        // Both handles name the same space's keys.
        assert_eq!(nodes[1].key("k0"), nodes[0].key("k0"));
        assert_ne!(nodes[0].node(), nodes[1].node());
        assert_eq!(nodes[1].clear().await.unwrap(), 3);
        assert_eq!(nodes[0].clear().await.unwrap(), 0);
        let left: bool = redis::cmd("EXISTS")
            .arg(&theirs)
            .query_async(&mut conn)
            .await
            .unwrap();
        assert!(left, "another space's key survives");
        assert_eq!(other.clear().await.unwrap(), 1);
    }
}
