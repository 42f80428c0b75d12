//! A member's timed mute, set by staff: until when their text (chat and stamps) and their
//! voice are held back. Kept in the store so it outlasts reconnects, room changes and nodes.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mute {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_until: Option<DateTime<Utc>>,
}

impl Mute {
    /// What still holds at `now` (an ended part is dropped).
    pub fn at(self, now: DateTime<Utc>) -> Mute {
        let live = |until: Option<DateTime<Utc>>| until.filter(|u| *u > now);
        Mute {
            text_until: live(self.text_until),
            voice_until: live(self.voice_until),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text_until.is_none() && self.voice_until.is_none()
    }

    /// The next instant a part of it ends.
    pub fn next_end(&self) -> Option<DateTime<Utc>> {
        match (self.text_until, self.voice_until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
