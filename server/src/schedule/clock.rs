//! Where "now" comes from. The schedule is never read against the wall clock directly:
//! rehearsals, demos and tests start the server at any instant (`--clock`).
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
    /// Real time to wait until this clock shows `t` (zero if it already has).
    fn until(&self, t: DateTime<Utc>) -> Duration;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn until(&self, t: DateTime<Utc>) -> Duration {
        (t - Utc::now()).to_std().unwrap_or(Duration::ZERO)
    }
}

/// A clock that starts at a chosen instant and runs on, optionally faster than real time
/// (a rehearsal of a closing at speed 60 takes ten seconds instead of ten minutes).
pub struct RehearsalClock {
    origin: DateTime<Utc>,
    started: Instant,
    speed: f64,
}

impl RehearsalClock {
    pub fn new(origin: DateTime<Utc>, speed: f64) -> Self {
        Self {
            origin,
            started: Instant::now(),
            speed,
        }
    }
}

impl Clock for RehearsalClock {
    fn now(&self) -> DateTime<Utc> {
        let real = self.started.elapsed().as_secs_f64() * self.speed;
        self.origin + chrono::Duration::microseconds((real * 1e6) as i64)
    }
    fn until(&self, t: DateTime<Utc>) -> Duration {
        let virt = (t - self.now()).to_std().unwrap_or(Duration::ZERO);
        virt.div_f64(self.speed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rehearsal_clock_starts_at_its_origin_and_runs_at_its_speed() {
        let origin = "2026-12-09T11:59:00Z".parse().unwrap();
        let clock = RehearsalClock::new(origin, 60.0);
        let now = clock.now();
        assert!(now >= origin && now - origin < chrono::Duration::seconds(5));
        let wait = clock.until(origin + chrono::Duration::minutes(1));
        assert!(wait <= Duration::from_secs(1) && wait > Duration::from_millis(500));
        assert_eq!(
            clock.until(origin - chrono::Duration::hours(1)),
            Duration::ZERO
        );
    }
}
