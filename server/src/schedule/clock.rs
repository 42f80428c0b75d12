//! Where "now" comes from. The schedule is never read against the wall clock directly:
//! rehearsals, demos and tests start the server at any instant (`--clock`), and may set that
//! rehearsal clock to another instant while it runs (`POST /api/admin/clock`).
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::watch;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
    /// Real time to wait until this clock shows `t` (zero if it already has), unless the
    /// clock is set meanwhile: whoever waits also watches `rehearsal().jumps()`.
    fn until(&self, t: DateTime<Utc>) -> Duration;
    /// The rehearsal clock this is, if it is one: only a rehearsal can be set.
    fn rehearsal(&self) -> Option<&RehearsalClock> {
        None
    }
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
/// (a rehearsal of a closing at speed 60 takes ten seconds instead of ten minutes), and that
/// can be set to another instant, to rehearse a closing at once.
pub struct RehearsalClock {
    /// The instant it was last set to, and when. A std mutex: held only to copy two fields.
    set: Mutex<(DateTime<Utc>, Instant)>,
    speed: f64,
    /// Rings with the instant each time the clock is set, for timers waiting on the clock.
    jumps: watch::Sender<Option<DateTime<Utc>>>,
}

impl RehearsalClock {
    pub fn new(origin: DateTime<Utc>, speed: f64) -> Self {
        Self {
            set: Mutex::new((origin, Instant::now())),
            speed,
            jumps: watch::Sender::new(None),
        }
    }

    /// Sets the clock to `to`, forward or back; it runs on from there at its speed.
    pub fn jump_to(&self, to: DateTime<Utc>) {
        *self.set.lock().unwrap_or_else(|e| e.into_inner()) = (to, Instant::now());
        self.jumps.send_replace(Some(to));
    }

    /// How many seconds pass on this clock for each real second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The instants the clock is set to from now on (`changed()` wakes on each).
    pub fn jumps(&self) -> watch::Receiver<Option<DateTime<Utc>>> {
        self.jumps.subscribe()
    }
}

/// The instants a clock is set to, for a timer that starts over from each (nothing from a
/// system clock, which is never set).
pub struct Jumps(Option<watch::Receiver<Option<DateTime<Utc>>>>);

impl Jumps {
    pub fn of(clock: &dyn Clock) -> Jumps {
        Jumps(clock.rehearsal().map(RehearsalClock::jumps))
    }

    /// A jump made since the last look, if any (one that came while the timer was busy).
    pub fn unseen(&mut self) -> Option<DateTime<Utc>> {
        let jumps = self.0.as_mut()?;
        if jumps.has_changed().unwrap_or(false) {
            *jumps.borrow_and_update()
        } else {
            None
        }
    }

    /// The instant the clock is set to next; never, for the system clock.
    pub async fn next(&mut self) -> DateTime<Utc> {
        if let Some(jumps) = &mut self.0 {
            while jumps.changed().await.is_ok() {
                if let Some(to) = *jumps.borrow_and_update() {
                    return to;
                }
            }
        }
        std::future::pending().await
    }
}

impl Clock for RehearsalClock {
    fn now(&self) -> DateTime<Utc> {
        let (origin, started) = *self.set.lock().unwrap_or_else(|e| e.into_inner());
        let real = started.elapsed().as_secs_f64() * self.speed;
        origin + chrono::Duration::microseconds((real * 1e6) as i64)
    }
    fn until(&self, t: DateTime<Utc>) -> Duration {
        let virt = (t - self.now()).to_std().unwrap_or(Duration::ZERO);
        virt.div_f64(self.speed)
    }
    fn rehearsal(&self) -> Option<&RehearsalClock> {
        Some(self)
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

    #[tokio::test]
    async fn a_rehearsal_clock_set_to_another_instant_runs_on_from_there_and_says_so() {
        let origin = "2026-12-09T11:00:00Z".parse().unwrap();
        let clock = RehearsalClock::new(origin, 1.0);
        let mut jumps = clock.jumps();
        let closing: DateTime<Utc> = "2026-12-09T20:59:30Z".parse().unwrap();
        clock.jump_to(closing);
        jumps.changed().await.unwrap();
        assert_eq!(*jumps.borrow_and_update(), Some(closing));
        let now = clock.now();
        assert!(now >= closing && now - closing < chrono::Duration::seconds(5));
        assert!(clock.until(closing + chrono::Duration::seconds(30)) <= Duration::from_secs(30));
        // Back again: a closing can be rehearsed twice.
        clock.jump_to(origin);
        assert!(clock.now() < closing);
        assert!(SystemClock.rehearsal().is_none());
    }
}
