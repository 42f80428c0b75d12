//! A named lease: at most one node holds it, for a time-to-live it must keep renewing. A node
//! that dies stops renewing, so the lease expires and another node can take it; a node that
//! lost it (a pause longer than the TTL) can neither renew nor release what is now another's.
use super::{millis, Cluster, ClusterError};
use redis::Script;
use std::sync::LazyLock;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Take the lease if free, or extend it if we hold it already.
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
            return 1
        end
        return 0
        ",
    )
});

/// Extend the lease only while we still hold it.
static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 0
        ",
    )
});

/// Give the lease up only while we still hold it.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            return redis.call('DEL', KEYS[1])
        end
        return 0
        ",
    )
});

/// One lease as this node sees it: its name, this node as the would-be holder, its TTL.
#[derive(Clone, Debug)]
pub struct Lease {
    cluster: Cluster,
    key: String,
    ttl: Duration,
}

impl Lease {
    /// The lease `name` (e.g. `chores`, `room:<id>`) held by this node when acquired.
    pub fn new(cluster: &Cluster, name: &str, ttl: Duration) -> Lease {
        Lease {
            cluster: cluster.clone(),
            key: cluster.key(&format!("lease:{name}")),
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// True if this node holds the lease now, for a fresh TTL (taken, or already ours).
    pub async fn acquire(&self) -> Result<bool, ClusterError> {
        self.run(&ACQUIRE, true).await
    }

    /// True if this node still held the lease and now holds it for a fresh TTL; false if it
    /// had expired or is another's (it must not act as the holder any more).
    pub async fn renew(&self) -> Result<bool, ClusterError> {
        self.run(&RENEW, true).await
    }

    /// Gives the lease up at once, so another node need not wait for it to expire. False if
    /// it was not ours (any more): then nothing is deleted.
    pub async fn release(&self) -> Result<bool, ClusterError> {
        self.run(&RELEASE, false).await
    }

    /// The node holding the lease now, if any.
    pub async fn holder(&self) -> Result<Option<String>, ClusterError> {
        Ok(redis::cmd("GET")
            .arg(&self.key)
            .query_async(&mut self.cluster.conn())
            .await?)
    }

    async fn run(&self, script: &Script, with_ttl: bool) -> Result<bool, ClusterError> {
        let mut invocation = script.key(&self.key);
        invocation.arg(self.cluster.node());
        if with_ttl {
            invocation.arg(millis(self.ttl));
        }
        let done: i64 = invocation.invoke_async(&mut self.cluster.conn()).await?;
        Ok(done == 1)
    }

    /// Keeps an acquired lease renewed in a task until the returned `Held` is released or
    /// dropped. Renewals run every third of the TTL; the lease counts as lost (`Held::lost`)
    /// as soon as a renewal says it is another's, or when two thirds of the TTL have passed
    /// since the last renewal that succeeded (Redis unreachable): the holder then stops
    /// acting before the lease can expire and go to another node.
    pub fn keep(self) -> Held {
        let lost = CancellationToken::new();
        let stop = CancellationToken::new();
        let task = tokio::spawn(renew_until(self.clone(), lost.clone(), stop.clone()));
        Held {
            lease: self,
            lost,
            stop,
            task,
        }
    }
}

async fn renew_until(lease: Lease, lost: CancellationToken, stop: CancellationToken) {
    let every = lease.ttl / 3;
    let deadline_after = lease.ttl * 2 / 3;
    // The caller has just acquired it.
    let mut renewed_at = Instant::now();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(every) => {}
        }
        let started = Instant::now();
        match tokio::time::timeout(every, lease.renew()).await {
            Ok(Ok(true)) => renewed_at = started,
            Ok(Ok(false)) => {
                tracing::warn!(lease = %lease.key, "lease lost to another node");
                lost.cancel();
                return;
            }
            Ok(Err(error)) => tracing::warn!(lease = %lease.key, %error, "renewing a lease failed"),
            Err(_) => tracing::warn!(lease = %lease.key, "renewing a lease timed out"),
        }
        if renewed_at.elapsed() >= deadline_after {
            tracing::warn!(lease = %lease.key, "lease given up: Redis did not confirm it in time");
            lost.cancel();
            return;
        }
    }
}

/// A lease this node keeps renewed. Dropping it stops the renewals (the lease then expires
/// by itself); `release` also gives it up at once.
pub struct Held {
    lease: Lease,
    lost: CancellationToken,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl Held {
    /// Cancelled when the lease is no longer surely ours: stop acting as its holder.
    pub fn lost(&self) -> CancellationToken {
        self.lost.clone()
    }

    pub fn is_lost(&self) -> bool {
        self.lost.is_cancelled()
    }

    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// Stops renewing and gives the lease up; false if it was no longer ours.
    pub async fn release(self) -> Result<bool, ClusterError> {
        self.stop.cancel();
        self.lease.release().await
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.stop.cancel();
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testing;

    const PATIENCE: Duration = Duration::from_secs(10);

    /// Waits (bounded) for `lease` to be free and takes it.
    async fn acquire_when_free(lease: &Lease) -> bool {
        let until = Instant::now() + PATIENCE;
        while Instant::now() < until {
            if lease.acquire().await.unwrap() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    #[tokio::test]
    async fn one_holder_at_a_time_and_a_stale_one_can_neither_renew_nor_release() {
        let Some(nodes) = testing::nodes(2).await else {
            return;
        };
        let ttl = Duration::from_millis(1000);
        let a = Lease::new(&nodes[0], "room:lounge", ttl);
        let b = Lease::new(&nodes[1], "room:lounge", ttl);
        assert_eq!(a.holder().await.unwrap(), None);

        assert!(a.acquire().await.unwrap());
        assert!(!b.acquire().await.unwrap());
        assert!(
            a.acquire().await.unwrap(),
            "acquiring one's own lease extends it"
        );
        assert_eq!(a.holder().await.unwrap().as_deref(), Some(nodes[0].node()));
        assert!(a.renew().await.unwrap());
        assert!(!b.renew().await.unwrap());
        assert!(!b.release().await.unwrap());
        assert_eq!(a.holder().await.unwrap().as_deref(), Some(nodes[0].node()));

        // a stops renewing (a long pause, a dead node): once it expires, b takes it.
        assert!(acquire_when_free(&b).await, "the lease expired");
        assert_eq!(b.holder().await.unwrap().as_deref(), Some(nodes[1].node()));
        assert!(!a.renew().await.unwrap(), "a stale holder cannot renew");
        assert!(!a.release().await.unwrap(), "a stale holder cannot release");
        assert_eq!(b.holder().await.unwrap().as_deref(), Some(nodes[1].node()));

        // Released, it is free at once.
        assert!(b.release().await.unwrap());
        assert_eq!(b.holder().await.unwrap(), None);
        assert!(a.acquire().await.unwrap());
        nodes[0].clear().await.unwrap();
    }

    #[tokio::test]
    async fn a_kept_lease_outlives_its_ttl_and_reports_its_loss() {
        let Some(nodes) = testing::nodes(2).await else {
            return;
        };
        let ttl = Duration::from_millis(1000);
        let a = Lease::new(&nodes[0], "chores", ttl);
        let b = Lease::new(&nodes[1], "chores", ttl);
        assert!(a.acquire().await.unwrap());
        let held = a.clone().keep();
        // Three TTLs later it would long have expired without the renewals.
        let until = Instant::now() + ttl * 3;
        while Instant::now() < until {
            assert!(!b.acquire().await.unwrap(), "the kept lease stays a's");
            tokio::time::sleep(ttl / 10).await;
        }
        assert!(!held.is_lost());

        // Taken from under it (as after a pause beyond the TTL): the next renewal notices.
        let mut conn = nodes[1].conn();
        redis::cmd("SET")
            .arg(&b.key)
            .arg(nodes[1].node())
            .arg("PX")
            .arg(60_000)
            .query_async::<()>(&mut conn)
            .await
            .unwrap();
        tokio::time::timeout(PATIENCE, held.lost().cancelled())
            .await
            .expect("the loss is reported");
        assert!(!held.release().await.unwrap(), "what is b's stays b's");
        assert_eq!(b.holder().await.unwrap().as_deref(), Some(nodes[1].node()));

        // Released by its holder, it is free at once.
        assert!(b.acquire().await.unwrap());
        let held = b.keep();
        assert!(held.release().await.unwrap());
        assert_eq!(a.holder().await.unwrap(), None);
        nodes[0].clear().await.unwrap();
    }

    /// A private `redis-server` on a free loopback port, ended when dropped. `None` when the
    /// program is missing outside CI.
    async fn private_redis() -> Option<(tokio::process::Child, String)> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let started = tokio::process::Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn();
        match started {
            Ok(child) => Some((child, format!("redis://127.0.0.1:{port}"))),
            Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("redis-server is required under CI=true: {e}")
            }
            Err(e) => {
                eprintln!("skipped: no redis-server ({e})");
                None
            }
        }
    }

    #[tokio::test]
    async fn a_kept_lease_is_given_up_when_redis_stops_answering() {
        let Some((mut redis, url)) = private_redis().await else {
            return;
        };
        // Bounded wait for the private server to accept connections.
        let until = Instant::now() + PATIENCE;
        let cluster = loop {
            match Cluster::connect(&url, "lease-loss").await {
                Ok(cluster) => break cluster,
                Err(e) if Instant::now() > until => panic!("private Redis did not start: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        let lease = Lease::new(&cluster, "room:lounge", Duration::from_millis(900));
        assert!(lease.acquire().await.unwrap());
        let held = lease.keep();
        redis.kill().await.expect("stop the private Redis");
        tokio::time::timeout(PATIENCE, held.lost().cancelled())
            .await
            .expect("the holder stops acting as one when Redis cannot confirm the lease");
        // With Redis gone, nobody can tell who holds it.
        assert!(held.lease().holder().await.is_err());
    }
}
