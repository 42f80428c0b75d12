//! A rate limit counted in Redis, so every node of the space draws on one allowance per key:
//! `count` attempts per `period`, all available at once, refilling evenly (GCRA, the
//! algorithm of the in-process limiter it stands in for, with the same answers).
//!
//! Keys are hashed before they reach Redis (an e-mail address is never stored there), and each
//! entry expires once its allowance has refilled.
use super::{Cluster, ClusterError};
use redis::Script;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use std::time::Duration;

/// GCRA on Redis's clock (one clock for every node). The key holds the theoretical arrival
/// time in microseconds; an attempt is allowed unless it comes before `tat - burst + 1`
/// intervals, and then advances it by one interval. Returns 0 (allowed) or the microseconds
/// to wait. Numbers are formatted by hand: Lua would print large ones in exponent notation.
static CHECK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
        local interval = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
        if tat < now then
            tat = now
        end
        local allow_at = tat + interval - interval * burst
        if now < allow_at then
            return string.format('%.0f', allow_at - now)
        end
        local new_tat = tat + interval
        local keep_ms = math.ceil((new_tat - now) / 1000)
        redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', string.format('%.0f', keep_ms))
        return '0'
        ",
    )
});

#[derive(Clone, Debug)]
pub struct RateLimit {
    cluster: Cluster,
    /// `limit:<name>:`, before the hashed key.
    prefix: String,
    interval_micros: u64,
    burst: u32,
}

impl RateLimit {
    /// `count` attempts per `period` for each key, under the limit's `name` (e.g. `login_ip`).
    pub fn new(cluster: &Cluster, name: &str, count: u32, period: Duration) -> RateLimit {
        let burst = count.max(1);
        let interval = period / burst;
        RateLimit {
            cluster: cluster.clone(),
            prefix: cluster.key(&format!("limit:{name}:")),
            interval_micros: u64::try_from(interval.as_micros())
                .unwrap_or(u64::MAX)
                .max(1),
            burst,
        }
    }

    /// `Ok(Err(wait))` when `key` has used its allowance; `Err` when Redis did not answer.
    pub async fn check(&self, key: &str) -> Result<Result<(), Duration>, ClusterError> {
        let wait: String = CHECK
            .key(self.key(key))
            .arg(self.interval_micros)
            .arg(self.burst)
            .invoke_async(&mut self.cluster.conn())
            .await?;
        let wait: u64 = wait
            .parse()
            .map_err(|_| ClusterError::Malformed { key: self.key(key) })?;
        Ok(match wait {
            0 => Ok(()),
            micros => Err(Duration::from_micros(micros)),
        })
    }

    fn key(&self, key: &str) -> String {
        let digest = Sha256::digest(key.as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("{}{hex}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testing;

    const HOUR: Duration = Duration::from_secs(3600);

    #[tokio::test]
    async fn nodes_share_one_allowance_per_key_and_nothing_personal_is_stored() {
        let Some(nodes) = testing::nodes(2).await else {
            return;
        };
        let a = RateLimit::new(&nodes[0], "apply_email", 3, HOUR);
        let b = RateLimit::new(&nodes[1], "apply_email", 3, HOUR);
        let key = "someone@example.jp";
        assert_eq!(a.check(key).await.unwrap(), Ok(()));
        assert_eq!(b.check(key).await.unwrap(), Ok(()));
        assert_eq!(a.check(key).await.unwrap(), Ok(()));
        let wait = b.check(key).await.unwrap().unwrap_err();
        assert!(wait > Duration::from_secs(19 * 60) && wait <= Duration::from_secs(20 * 60));
        assert!(
            a.check(key).await.unwrap().is_err(),
            "still refused on the other node"
        );
        // Another key and another limit are unaffected.
        assert_eq!(a.check("other@example.jp").await.unwrap(), Ok(()));
        let other = RateLimit::new(&nodes[0], "login_email", 3, HOUR);
        assert_eq!(other.check(key).await.unwrap(), Ok(()));

        let mut conn = nodes[0].conn();
        let stored = a.key(key);
        assert!(!stored.contains("example"), "{stored}");
        let ttl: i64 = redis::cmd("PTTL")
            .arg(&stored)
            .query_async(&mut conn)
            .await
            .unwrap();
        // Three of three used: it refills fully within the hour.
        assert!(ttl > 59 * 60 * 1000 && ttl <= 60 * 60 * 1000, "{ttl}");
        nodes[0].clear().await.unwrap();
    }
}
