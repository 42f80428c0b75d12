//! Rate limits on the doors of the accounts flow, per IP address and per e-mail address,
//! so the form cannot be used to flood someone's inbox or to guess passphrases.
//! Counted in memory on one node; with a `Cluster`, in Redis, so every node draws on the same
//! allowance (and a Redis that does not answer falls back to this node's own count rather
//! than shutting the doors). Enough to stop a script, and nothing personal is stored.
use crate::cluster::{Cluster, RateLimit};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::fmt::Display;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// A keyed limiter keeps one small entry per key it has seen; past this many it forgets
/// the ones whose allowance has fully refilled.
const FORGET_ABOVE: usize = 10_000;

pub struct Limit<K: Hash + Eq + Clone> {
    local: DefaultKeyedRateLimiter<K>,
    shared: Option<RateLimit>,
}

impl<K: Hash + Eq + Clone + Display> Limit<K> {
    /// `count` attempts per `period`, all of them available at once; counted in Redis under
    /// `name` when a cluster is given.
    fn new(name: &str, count: u32, period: Duration, cluster: Option<&Cluster>) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period / count.get())
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(count);
        Limit {
            local: RateLimiter::keyed(quota),
            shared: cluster.map(|c| RateLimit::new(c, name, count.get(), period)),
        }
    }

    /// `Err(wait)` when `key` has used its allowance.
    pub async fn check(&self, key: &K) -> Result<(), Duration> {
        if let Some(shared) = &self.shared {
            match shared.check(&key.to_string()).await {
                Ok(allowed) => return allowed,
                Err(error) => {
                    tracing::warn!(%error, "shared rate limit unavailable; counting on this node")
                }
            }
        }
        if self.local.len() > FORGET_ABOVE {
            self.local.retain_recent();
        }
        self.local
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

/// Every limit of the accounts flow (docs/accounts.md).
pub struct Limits {
    pub apply_per_ip: Limit<IpAddr>,
    pub apply_per_email: Limit<String>,
    pub login_per_ip: Limit<IpAddr>,
    pub login_per_email: Limit<String>,
    pub link_per_ip: Limit<IpAddr>,
    pub link_per_email: Limit<String>,
    /// Nickname changes, per member (public id): a name is how others know someone.
    pub nickname_per_member: Limit<String>,
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

impl Limits {
    /// The limits, counted on this node, or across the cluster when one is given.
    pub fn new(cluster: Option<&Cluster>) -> Limits {
        Limits {
            apply_per_ip: Limit::new("apply_ip", 5, HOUR, cluster),
            apply_per_email: Limit::new("apply_email", 3, 24 * HOUR, cluster),
            login_per_ip: Limit::new("login_ip", 10, MINUTE, cluster),
            login_per_email: Limit::new("login_email", 5, 15 * MINUTE, cluster),
            link_per_ip: Limit::new("link_ip", 10, HOUR, cluster),
            link_per_email: Limit::new("link_email", 3, HOUR, cluster),
            nickname_per_member: Limit::new("nickname_member", 3, 24 * HOUR, cluster),
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::new(None)
    }
}

/// The address's allowance, then the e-mail address's: an attempt refused for its address
/// uses none of the e-mail's.
pub async fn check_both<A, B>(
    first: (&Limit<A>, &A),
    second: (&Limit<B>, &B),
) -> Result<(), Duration>
where
    A: Hash + Eq + Clone + Display,
    B: Hash + Eq + Clone + Display,
{
    first.0.check(first.1).await?;
    second.0.check(second.1).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testing;

    async fn a_key_gets_its_allowance_then_waits_and_others_are_unaffected(limit: &Limit<String>) {
        for _ in 0..3 {
            assert!(limit.check(&"a".to_string()).await.is_ok());
        }
        let wait = limit.check(&"a".to_string()).await.unwrap_err();
        assert!(wait > Duration::from_secs(19 * 60) && wait <= Duration::from_secs(20 * 60));
        assert!(limit.check(&"b".to_string()).await.is_ok());
    }

    #[tokio::test]
    async fn on_one_node() {
        let limit = Limit::new("t", 3, HOUR, None);
        a_key_gets_its_allowance_then_waits_and_others_are_unaffected(&limit).await;
    }

    #[tokio::test]
    async fn in_redis_the_same() {
        let Some(cluster) = testing::node().await else {
            return;
        };
        let limit = Limit::new("t", 3, HOUR, Some(&cluster));
        a_key_gets_its_allowance_then_waits_and_others_are_unaffected(&limit).await;
        cluster.clear().await.unwrap();
    }

    #[tokio::test]
    async fn two_nodes_share_the_count() {
        let Some(nodes) = testing::nodes(2).await else {
            return;
        };
        let (a, b) = (Limits::new(Some(&nodes[0])), Limits::new(Some(&nodes[1])));
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let email = "someone@example.jp".to_string();
        // Five logins per address by e-mail in 15 minutes, wherever they land.
        for i in 0..5 {
            let node = if i % 2 == 0 { &a } else { &b };
            assert!(
                node.login_per_email.check(&email).await.is_ok(),
                "attempt {i}"
            );
        }
        assert!(a.login_per_email.check(&email).await.is_err());
        assert!(b.login_per_email.check(&email).await.is_err());
        // An address refused uses none of the e-mail's allowance.
        for _ in 0..10 {
            assert!(a.login_per_ip.check(&ip).await.is_ok());
        }
        let other = "other@example.jp".to_string();
        let refused = check_both((&b.login_per_ip, &ip), (&b.login_per_email, &other)).await;
        assert!(refused.is_err());
        for _ in 0..5 {
            assert!(a.login_per_email.check(&other).await.is_ok());
        }
        // A node on its own counts alone.
        let alone = Limits::default();
        assert!(alone.login_per_email.check(&email).await.is_ok());
        nodes[0].clear().await.unwrap();
    }
}
