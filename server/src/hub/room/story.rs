//! A room's story so far: its epoch, the seq of its latest event and its recent chat. On one
//! node it lives in the room's memory; across nodes it lives in Redis (crate::cluster::ChatLog),
//! so whichever node hosts the room next continues the same epoch and sequence and a member
//! who resumes there gets exactly what they missed.
//!
//! Across nodes the room reserves seqs in blocks and gives them out itself, so only chat lines
//! (which must be kept before they are acknowledged) wait for Redis; a new host starts above the
//! last block reserved, so a seq is never given twice (a few may be skipped).
use super::memory::ChatMemory;
use crate::cluster::{Bounds, ChatLog, Cluster, ClusterError, Snapshot};
use crate::hub::limits::{CHAT_ON_JOIN, CHAT_RING};
use crate::hub::protocol::{ChatLine, Resume};
use crate::model::PublicId;
use std::time::Duration;

/// Seqs reserved at a time across nodes: one Redis round trip per this many events.
const BLOCK: u64 = 1000;

const BOUNDS: Bounds = Bounds {
    ring: CHAT_RING,
    on_join: CHAT_ON_JOIN,
};

/// What someone entering gets of the story.
pub(super) struct ForJoiner {
    pub chat: Vec<ChatLine>,
    /// Something was missed: the resume point fell out, or the story began again.
    pub gap: bool,
    /// Lines staff hid at or before the resume point: a page may still show them.
    pub hidden: Vec<u64>,
}

pub(in crate::hub) struct Story {
    epoch: String,
    seq: u64,
    chat: Chat,
}

enum Chat {
    Memory(ChatMemory),
    Shared {
        log: Box<ChatLog<ChatLine>>,
        /// The last seq reserved for this host.
        reserved: u64,
        /// How long Redis keeps the room's story after its last event (the room's day).
        keep_for: Duration,
        /// The same lines in this node's memory, to put the story back if Redis loses it
        /// (a Redis restarted empty: it keeps nothing on disk).
        mirror: ChatMemory,
    },
}

impl Story {
    /// A new story in this process's memory, under a fresh epoch.
    pub(in crate::hub) fn in_memory() -> Story {
        Story {
            epoch: super::new_epoch(),
            seq: 0,
            chat: Chat::Memory(ChatMemory::default()),
        }
    }

    /// The room `room`'s story in Redis: continued if another host left one, else begun.
    pub(in crate::hub) async fn shared(
        cluster: &Cluster,
        room: &str,
        keep_for: Duration,
    ) -> Result<Story, ClusterError> {
        let log = ChatLog::open(cluster, room, BOUNDS, &super::new_epoch(), keep_for).await?;
        let (lines, hidden, forgotten) = log.kept().await?;
        let reserved = log.reserve(BLOCK, keep_for).await?;
        Ok(Story {
            epoch: log.epoch().to_string(),
            // Everything up to the previous hosts' last reservation may have been given out.
            seq: reserved - BLOCK,
            chat: Chat::Shared {
                log: Box::new(log),
                reserved,
                keep_for,
                mirror: ChatMemory::from_kept(lines, &hidden, forgotten),
            },
        })
    }

    pub(super) fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The seq of the room's latest event.
    pub(super) fn seq(&self) -> u64 {
        self.seq
    }

    /// Makes sure the next `events` seqs can be given without waiting (across nodes: reserves
    /// another block when fewer are left). An error means Redis cannot be reached: the room can
    /// no longer promise a sequence nobody else gives.
    pub(super) async fn prepare(&mut self, events: u64) -> Result<(), ClusterError> {
        if let Chat::Shared {
            log,
            reserved,
            keep_for,
            ..
        } = &mut self.chat
        {
            if *reserved - self.seq < events {
                *reserved = log.reserve(BLOCK.max(events), *keep_for).await?;
            }
        }
        Ok(())
    }

    /// The next seq, for an event (a join, a stamp, a chat line…). Across nodes `prepare` has
    /// reserved it.
    pub(super) fn next(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Keeps a chat line (with its seq from `next`) for resumes and newcomers. Across nodes it
    /// is in Redis when this returns: only then may the line be acknowledged.
    pub(super) async fn remember(&mut self, line: &ChatLine) -> Result<(), ClusterError> {
        match &mut self.chat {
            Chat::Memory(memory) => {
                memory.remember(line.clone());
                Ok(())
            }
            Chat::Shared {
                log,
                keep_for,
                mirror,
                ..
            } => {
                log.keep(line, *keep_for).await?;
                mirror.remember(line.clone());
                Ok(())
            }
        }
    }

    /// Takes line `seq` out of the story (staff hid it), so no newcomer or resume gets it
    /// again (a resume from after it is told to take it off the page): who wrote it, or None if
    /// the story no longer holds it. Across nodes it is out of Redis when this returns.
    pub(super) async fn hide(&mut self, seq: u64) -> Result<Option<PublicId>, ClusterError> {
        match &mut self.chat {
            Chat::Memory(memory) => Ok(memory.hide(seq).map(|l| l.from)),
            Chat::Shared { log, mirror, .. } => {
                let Some(line) = mirror.hide(seq) else {
                    return Ok(None);
                };
                log.hide(seq).await?;
                Ok(Some(line.from))
            }
        }
    }

    /// Across nodes: the story as this host holds it (read from Redis when it took the room,
    /// then kept alongside), to put back should Redis lose it.
    pub(super) fn snapshot(&self) -> Option<Snapshot<ChatLine>> {
        let Chat::Shared { mirror, .. } = &self.chat else {
            return None;
        };
        let (lines, forgotten) = mirror.kept();
        Some(Snapshot {
            epoch: self.epoch.clone(),
            seq: self.seq,
            forgotten,
            lines,
            hidden: mirror.hidden(),
        })
    }

    /// Chat for someone entering: everything after their resume point if the story still
    /// holds it, otherwise the most recent lines (`gap`: something was missed); and to someone
    /// resuming, the lines hidden since that they may still show.
    pub(super) async fn for_joiner(
        &self,
        resume: Option<&Resume>,
    ) -> Result<ForJoiner, ClusterError> {
        let since = match resume {
            Some(r) if r.epoch == self.epoch && r.seq <= self.seq => Some(r.seq),
            // Another epoch (the room's chat was started again) or a seq from the future:
            // what was missed cannot be replayed.
            Some(_) => {
                return Ok(ForJoiner {
                    chat: self.recent().await?,
                    gap: true,
                    hidden: Vec::new(),
                })
            }
            None => None,
        };
        let (chat, gap) = match (&self.chat, since) {
            (Chat::Memory(memory), Some(seq)) => memory.since(seq),
            (Chat::Shared { log, .. }, Some(seq)) => log.since(seq).await?,
            (_, None) => (self.recent().await?, false),
        };
        let hidden = match since {
            Some(seq) => self
                .memory()
                .hidden()
                .into_iter()
                .filter(|h| *h <= seq)
                .collect(),
            None => Vec::new(),
        };
        Ok(ForJoiner { chat, gap, hidden })
    }

    /// Every chat line the story still holds, oldest first (from this node's memory, also
    /// across nodes: the mirror holds what Redis does), for a report's snapshot.
    pub(super) fn lines(&self) -> Vec<ChatLine> {
        self.memory().kept().0
    }

    /// This node's memory of the story: all of it on one node, across nodes the mirror of
    /// what Redis holds (this host alone writes and hides, so it knows every line).
    fn memory(&self) -> &ChatMemory {
        match &self.chat {
            Chat::Memory(memory) => memory,
            Chat::Shared { mirror, .. } => mirror,
        }
    }

    async fn recent(&self) -> Result<Vec<ChatLine>, ClusterError> {
        match &self.chat {
            Chat::Memory(memory) => Ok(memory.recent()),
            Chat::Shared { log, .. } => log.recent().await,
        }
    }
}
