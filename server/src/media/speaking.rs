//! "Is speaking" from the audio level each packet carries (RFC 6464, in -dBov): loud packets
//! start it, a short silence ends it. The level decides, so a sender that never sets the
//! voice-activity flag (V) is still shown speaking; V is only a hint that lets a quieter voice
//! count. Changes are spaced out so a stammering level does not flood the room with presence
//! events.
use std::time::{Duration, Instant};

/// Louder than this (-dBov, 0 is the loudest) starts speech...
const START: i8 = -50;
/// ...and louder than this keeps it going, or starts it when the sender flags the packet as
/// voice: a voice that fades a little between words does not flicker (hysteresis).
const KEEP: i8 = -60;
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

    /// A packet's level (and voice-activity flag, when the sender sets one). A packet without
    /// a level says nothing. Returns the new state when it changes.
    pub(super) fn heard(
        &mut self,
        level: Option<i8>,
        activity: Option<bool>,
        now: Instant,
    ) -> Option<bool> {
        let level = level?;
        let threshold = if self.speaking || activity == Some(true) {
            KEEP
        } else {
            START
        };
        if level > threshold {
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

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn speech_starts_and_a_pause_ends_it() {
        let t0 = Instant::now();
        let mut d = Detector::new();
        assert_eq!(d.heard(Some(-90), None, t0), None);
        assert_eq!(d.heard(Some(-20), None, t0), Some(true));
        assert_eq!(d.heard(Some(-20), None, t0 + ms(20)), None);
        assert_eq!(d.settle(t0 + ms(300)), None, "a pause");
        assert_eq!(d.settle(t0 + ms(700)), Some(false));
        assert_eq!(
            d.heard(Some(-20), Some(true), t0 + ms(800)),
            None,
            "too soon"
        );
        assert_eq!(d.settle(t0 + ms(950)), Some(true));
        assert_eq!(d.heard(None, None, t0 + ms(960)), None);
    }

    #[test]
    fn the_level_decides_whatever_the_voice_flag_says() {
        let t0 = Instant::now();
        let mut d = Detector::new();
        // A sender that never sets V but speaks up is speaking.
        assert_eq!(d.heard(Some(-10), Some(false), t0), Some(true));
        // V on silence is not speech.
        let mut quiet = Detector::new();
        assert_eq!(quiet.heard(Some(-127), Some(true), t0), None);
        assert_eq!(quiet.heard(Some(-90), Some(true), t0 + ms(20)), None);
    }

    #[test]
    fn a_fading_voice_keeps_speaking_and_v_lets_a_quiet_one_start() {
        let t0 = Instant::now();
        let mut d = Detector::new();
        assert_eq!(d.heard(Some(-55), Some(false), t0), None, "below START");
        assert_eq!(d.heard(Some(-40), Some(false), t0 + ms(20)), Some(true));
        // Between START and KEEP: still speech while speaking, well past HANG.
        for i in 2..60 {
            assert_eq!(d.heard(Some(-55), Some(false), t0 + ms(20 * i)), None);
        }
        assert_eq!(d.settle(t0 + ms(1300)), None, "a fading voice flickered");
        assert_eq!(d.settle(t0 + ms(1800)), Some(false));

        let mut flagged = Detector::new();
        assert_eq!(flagged.heard(Some(-55), Some(true), t0), Some(true));
    }
}
