//! A room's chat, in memory only and only for as long as the room runs: enough to replay what
//! a reconnecting member missed and to greet a newcomer with the recent conversation.
//! Nothing here is ever written to disk ("会話は保存されません").
use crate::hub::limits::{CHAT_ON_JOIN, CHAT_RING};
use crate::hub::protocol::ChatLine;
use std::collections::VecDeque;

#[derive(Default)]
pub(super) struct ChatMemory {
    lines: VecDeque<ChatLine>,
    /// Highest seq of a line that fell out of memory: a resume from before it has a gap.
    forgotten_up_to: u64,
}

impl ChatMemory {
    pub(super) fn remember(&mut self, line: ChatLine) {
        self.lines.push_back(line);
        while self.lines.len() > CHAT_RING {
            if let Some(old) = self.lines.pop_front() {
                self.forgotten_up_to = old.seq;
            }
        }
    }

    /// Every line after `seq`; when some of them are already forgotten, the gap is reported
    /// and only the lines a newcomer sees are given (hundreds of lines out of context help
    /// nobody, and cost a phone).
    pub(super) fn since(&self, seq: u64) -> (Vec<ChatLine>, bool) {
        if seq < self.forgotten_up_to {
            return (self.recent(), true);
        }
        let missed = self.lines.iter().filter(|l| l.seq > seq).cloned().collect();
        (missed, false)
    }

    pub(super) fn recent(&self) -> Vec<ChatLine> {
        let skip = self.lines.len().saturating_sub(CHAT_ON_JOIN);
        self.lines.iter().skip(skip).cloned().collect()
    }
}
