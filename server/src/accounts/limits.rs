//! Rate limits on the doors of the accounts flow, per IP address and per e-mail address,
//! so the form cannot be used to flood someone's inbox or to guess passphrases.
//! In memory and per node: enough to stop a script, and nothing personal is stored.
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// A keyed limiter keeps one small entry per key it has seen; past this many it forgets
/// the ones whose allowance has fully refilled.
const FORGET_ABOVE: usize = 10_000;

pub struct Limit<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> Limit<K> {
    /// `count` attempts per `period`, all of them available at once.
    fn new(count: u32, period: Duration) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period / count.get())
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(count);
        Limit {
            limiter: RateLimiter::keyed(quota),
        }
    }

    /// `Err(wait)` when `key` has used its allowance.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        if self.limiter.len() > FORGET_ABOVE {
            self.limiter.retain_recent();
        }
        self.limiter
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
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

impl Default for Limits {
    fn default() -> Self {
        Limits {
            apply_per_ip: Limit::new(5, HOUR),
            apply_per_email: Limit::new(3, 24 * HOUR),
            login_per_ip: Limit::new(10, MINUTE),
            login_per_email: Limit::new(5, 15 * MINUTE),
            link_per_ip: Limit::new(10, HOUR),
            link_per_email: Limit::new(3, HOUR),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_allowance_then_waits_and_others_are_unaffected() {
        let limit = Limit::new(3, HOUR);
        for _ in 0..3 {
            assert!(limit.check(&"a".to_string()).is_ok());
        }
        let wait = limit.check(&"a".to_string()).unwrap_err();
        assert!(wait > Duration::from_secs(19 * 60) && wait <= Duration::from_secs(20 * 60));
        assert!(limit.check(&"b".to_string()).is_ok());
    }
}
