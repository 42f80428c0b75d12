//! A room's chat, in memory only and only for as long as the room runs: enough to replay what
//! a reconnecting member missed and to greet a newcomer with the recent conversation.
//! Nothing here is ever written to disk ("会話は保存されません").
use crate::hub::limits::{CHAT_ON_JOIN, CHAT_RING};
use crate::hub::protocol::ChatLine;
use std::collections::VecDeque;

#[derive(Default)]
pub(super) struct ChatMemory {
    /// Oldest first; a line staff hid keeps its place, without its words, so a member resuming
    /// from after it can be told to take it off their page.
    lines: VecDeque<Kept>,
    /// Highest seq of a line that fell out of memory: a resume from before it has a gap.
    forgotten_up_to: u64,
}

struct Kept {
    seq: u64,
    /// None: staff hid it.
    line: Option<ChatLine>,
}

impl ChatMemory {
    /// A memory holding `lines` and the places of the `hidden` ones, having forgotten up to
    /// `forgotten`.
    pub(super) fn from_kept(lines: Vec<ChatLine>, hidden: &[u64], forgotten: u64) -> ChatMemory {
        let mut kept: Vec<Kept> = lines
            .into_iter()
            .map(|line| Kept {
                seq: line.seq,
                line: Some(line),
            })
            .chain(hidden.iter().map(|&seq| Kept { seq, line: None }))
            .collect();
        kept.sort_by_key(|k| k.seq);
        ChatMemory {
            lines: kept.into(),
            forgotten_up_to: forgotten,
        }
    }

    pub(super) fn remember(&mut self, line: ChatLine) {
        self.lines.push_back(Kept {
            seq: line.seq,
            line: Some(line),
        });
        while self.lines.len() > CHAT_RING {
            if let Some(old) = self.lines.pop_front() {
                self.forgotten_up_to = old.seq;
            }
        }
    }

    /// Takes line `seq`'s words out (staff hid it): the line, if it was here.
    pub(super) fn hide(&mut self, seq: u64) -> Option<ChatLine> {
        self.lines.iter_mut().find(|k| k.seq == seq)?.line.take()
    }

    /// Every line after `seq`; when some of them are already forgotten, the gap is reported
    /// and only the lines a newcomer sees are given (hundreds of lines out of context help
    /// nobody, and cost a phone).
    pub(super) fn since(&self, seq: u64) -> (Vec<ChatLine>, bool) {
        if seq < self.forgotten_up_to {
            return (self.recent(), true);
        }
        let missed = self
            .lines
            .iter()
            .filter(|k| k.seq > seq)
            .filter_map(|k| k.line.clone())
            .collect();
        (missed, false)
    }

    /// Every line kept, oldest first, and the highest seq forgotten.
    pub(super) fn kept(&self) -> (Vec<ChatLine>, u64) {
        let lines = self.lines.iter().filter_map(|k| k.line.clone()).collect();
        (lines, self.forgotten_up_to)
    }

    /// The seqs of the lines staff hid that are still within memory, oldest first.
    pub(super) fn hidden(&self) -> Vec<u64> {
        self.lines
            .iter()
            .filter(|k| k.line.is_none())
            .map(|k| k.seq)
            .collect()
    }

    /// The lines a newcomer sees: those among the last few kept that nobody hid.
    pub(super) fn recent(&self) -> Vec<ChatLine> {
        let skip = self.lines.len().saturating_sub(CHAT_ON_JOIN);
        self.lines
            .iter()
            .skip(skip)
            .filter_map(|k| k.line.clone())
            .collect()
    }
}

/// The shape of the room's chat in Redis (crate::cluster::ChatLog) when rooms are hosted
/// across nodes: the log gives each line its seq.
impl crate::cluster::Sequenced for ChatLine {
    fn seq(&self) -> u64 {
        self.seq
    }
    fn set_seq(&mut self, seq: u64) {
        self.seq = seq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{testing, Bounds, ChatLog};
    use std::time::Duration;

    const CHAT_BOUNDS: Bounds = Bounds {
        ring: CHAT_RING,
        on_join: CHAT_ON_JOIN,
    };

    fn line(text: String) -> ChatLine {
        ChatLine {
            seq: 0,
            from: crate::model::PublicId("m_0123456789abcdef".into()),
            nickname: "ねこ".into(),
            text,
            at: chrono::DateTime::parse_from_rfc3339("2026-12-09T13:00:00+09:00").unwrap(),
        }
    }

    /// The log's answers for resume points up to `last` (a sample) and for a newcomer are
    /// the memory's.
    async fn compare(memory: &ChatMemory, log: &ChatLog<ChatLine>, last: u64) {
        let points = (0..=last + 1).filter(|s| s % 17 == 0 || s + 3 >= last || *s < 4);
        for s in points {
            assert_eq!(log.since(s).await.unwrap(), memory.since(s), "since({s})");
        }
        assert_eq!(log.recent().await.unwrap(), memory.recent());
        let (lines, forgotten) = memory.kept();
        assert_eq!(
            log.kept().await.unwrap(),
            (lines, memory.hidden(), forgotten)
        );
    }

    /// Fed the same lines (and seqs given to other events between them), the log in Redis
    /// answers every resume point and every newcomer exactly as the memory does.
    #[tokio::test]
    async fn the_chat_log_in_redis_answers_as_the_memory_does() {
        let Some(cluster) = testing::node().await else {
            return;
        };
        let day = Duration::from_secs(3600);
        let log: ChatLog<ChatLine> =
            ChatLog::open(&cluster, "lounge", CHAT_BOUNDS, "r_5c1e0a9b", day)
                .await
                .unwrap();
        let mut memory = ChatMemory::default();
        let mut checked = 0;
        compare(&memory, &log, 0).await;
        for i in 0..(CHAT_RING + CHAT_ON_JOIN + 30) {
            if i % 3 == 0 {
                log.reserve(1, day).await.unwrap(); // a join, a stamp...
            }
            let last = log.reserve(1, day).await.unwrap();
            let kept = ChatLine {
                seq: last,
                ..line(format!("line {i}"))
            };
            log.keep(&kept, day).await.unwrap();
            memory.remember(kept);
            // Staff hide some lines, now and then one already hidden or long gone.
            if i % 7 == 5 {
                let seq = last - (i as u64 % 3) * 2;
                log.hide(seq).await.unwrap();
                memory.hide(seq);
            }
            // Before the ring fills, as it overflows, and well after.
            if [1, 10, CHAT_ON_JOIN, CHAT_RING - 1, CHAT_RING, CHAT_RING + 1].contains(&(i + 1))
                || i + 1 == CHAT_RING + CHAT_ON_JOIN + 30
            {
                compare(&memory, &log, last).await;
                checked += 1;
            }
        }
        assert_eq!(checked, 7);
        assert!(
            memory.since(0).1,
            "the memory forgot the first lines by now"
        );
        cluster.clear().await.unwrap();
    }
}
