//! "Is speaking" from the audio level each packet carries (RFC 6464, in -dBov): loud packets
//! start it, a short silence ends it. Changes are spaced out so a stammering level does not
//! flood the room with presence events.
use std::time::{Duration, Instant};

/// Louder than this (-dBov, 0 is the loudest) counts as speech when the sender sets no
/// voice-activity flag.
const LOUD: i8 = -50;
/// Quiet this long ends speaking: pauses between words are not silence.
const HANG: Duration = Duration::from_millis(600);
/// At most one change this often.
const MIN_GAP: Duration = Duration::from_millis(250);

pub(super) struct Detector {
    speaking: bool,
    loud_at: Option<Instant>,
    changed_at: Option<Instant>,
}

impl Detector {
    pub(super) fn new() -> Detector {
        Detector {
            speaking: false,
            loud_at: None,
            changed_at: None,
        }
    }

    /// A packet's level (and voice-activity flag, when the sender sets one). Returns the new
    /// state when it changes.
    pub(super) fn heard(
        &mut self,
        level: Option<i8>,
        activity: Option<bool>,
        now: Instant,
    ) -> Option<bool> {
        let loud = match (activity, level) {
            (Some(activity), _) => activity,
            (None, Some(level)) => level > LOUD,
            (None, None) => return None,
        };
        if loud {
            self.loud_at = Some(now);
        }
        self.settle(now)
    }

    /// Called as time passes without packets (a muted or closed microphone sends none).
    pub(super) fn settle(&mut self, now: Instant) -> Option<bool> {
        let want = self.loud_at.is_some_and(|at| now < at + HANG);
        let may_change = self.changed_at.is_none_or(|at| now >= at + MIN_GAP);
        if want == self.speaking || !may_change {
            return None;
        }
        self.speaking = want;
        self.changed_at = Some(now);
        Some(want)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speech_starts_and_a_pause_ends_it() {
        let t0 = Instant::now();
        let mut d = Detector::new();
        assert_eq!(d.heard(Some(-90), None, t0), None);
        assert_eq!(d.heard(Some(-20), None, t0), Some(true));
        assert_eq!(
            d.heard(Some(-20), None, t0 + Duration::from_millis(20)),
            None
        );
        assert_eq!(d.settle(t0 + Duration::from_millis(300)), None, "a pause");
        assert_eq!(d.settle(t0 + Duration::from_millis(700)), Some(false));
        assert_eq!(
            d.heard(None, Some(true), t0 + Duration::from_millis(800)),
            None,
            "too soon"
        );
        assert_eq!(d.settle(t0 + Duration::from_millis(950)), Some(true));
        assert_eq!(d.heard(None, None, t0 + Duration::from_millis(960)), None);
    }
}
