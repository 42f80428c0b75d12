//! A room's recent chat in Redis, with the room's `epoch` and `seq`: whichever node hosts the
//! room next continues the same sequence, and a member who resumes gets what they missed.
//! Same answers as the hub's in-memory `ChatMemory` (hub/room/memory.rs): the last `ring`
//! lines, a gap once a resume point has fallen out, then only the last `on_join` lines.
//!
//! Still memory only: the keys expire when the caller says (the end of the room's day or
//! session), and the Redis that holds them must run without persistence (issue 13).
//!
//! Keys, under the space's prefix: `room:<id>:epoch` (the epoch), `room:<id>:seq` (the last
//! seq given), `room:<id>:chat` (a list of `<seq> <line JSON>`, oldest first) and
//! `room:<id>:forgotten` (the highest seq trimmed from the list). A line staff hid stays in the
//! list as `<seq> -`, without its words, so a resume from after it can be told it is gone.
use super::{millis, Cluster, ClusterError};
use redis::Script;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::marker::PhantomData;
use std::sync::LazyLock;
use std::time::Duration;

/// A chat line as the room makes it, under a seq the room reserved.
pub trait Sequenced: Serialize + DeserializeOwned {
    fn seq(&self) -> u64;
    fn set_seq(&mut self, seq: u64);
}

/// How much chat a room keeps, and how much a newcomer sees.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub ring: usize,
    pub on_join: usize,
}

/// The room's epoch, started afresh (with an empty chat and seq 0) if it has none: the room
/// is new today, or its keys expired.
static OPEN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local epoch = redis.call('GET', KEYS[1])
        if not epoch then
            redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            epoch = ARGV[1]
        end
        return {epoch, tonumber(redis.call('GET', KEYS[2]) or '0')}
        ",
    )
});

/// Reserves the next ARGV[3] seqs for the room's host (0: the epoch changed): returns the new
/// last seq reserved. Every key gets the expiry.
static RESERVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
            return 0
        end
        local seq = redis.call('INCRBY', KEYS[2], ARGV[3])
        for i = 1, 4 do
            redis.call('PEXPIRE', KEYS[i], ARGV[2])
        end
        return seq
        ",
    )
});

/// Keeps a line under its (reserved) seq (0: the epoch changed): the list is trimmed to the
/// ring and the highest trimmed seq recorded. Every key gets the expiry.
static KEEP: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
            return 0
        end
        redis.call('RPUSH', KEYS[3], ARGV[4] .. ' ' .. ARGV[5])
        local over = redis.call('LLEN', KEYS[3]) - tonumber(ARGV[3])
        if over > 0 then
            local last_dropped = redis.call('LINDEX', KEYS[3], over - 1)
            redis.call('SET', KEYS[4], string.match(last_dropped, '^%d+'))
            redis.call('LTRIM', KEYS[3], over, -1)
        end
        for i = 1, 4 do
            redis.call('PEXPIRE', KEYS[i], ARGV[2])
        end
        return 1
        ",
    )
});

/// Replaces the words of the line with seq ARGV[2] by `-` (0: the epoch changed; 1: done,
/// whether or not the line was still there).
static HIDE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
            return 0
        end
        local prefix = ARGV[2] .. ' '
        for i, entry in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
            if string.sub(entry, 1, #prefix) == prefix then
                redis.call('LSET', KEYS[3], i - 1, ARGV[2] .. ' -')
                break
            end
        end
        return 1
        ",
    )
});

/// Puts a room's story back after Redis lost it (restarted empty): only if the room has no
/// epoch now (1), or already this one (2); another epoch began meanwhile (0): nothing is
/// written. ARGV: epoch, keep_for, seq, forgotten, then the lines (`<seq> <json>`).
static SEED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local epoch = redis.call('GET', KEYS[1])
        if epoch == ARGV[1] then
            return 2
        end
        if epoch then
            return 0
        end
        redis.call('DEL', KEYS[3])
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
        redis.call('SET', KEYS[4], ARGV[4], 'PX', ARGV[2])
        for i = 5, #ARGV do
            redis.call('RPUSH', KEYS[3], ARGV[i])
        end
        redis.call('PEXPIRE', KEYS[3], ARGV[2])
        return 1
        ",
    )
});

/// What a hidden line's words are replaced by in the list.
const HIDDEN: &str = "-";

/// What a room's host still holds of its story when Redis lost it: enough to put it back.
#[derive(Debug, Clone)]
pub struct Snapshot<L> {
    pub epoch: String,
    /// The last seq given.
    pub seq: u64,
    /// The highest seq of a line no longer kept.
    pub forgotten: u64,
    /// The lines kept, oldest first.
    pub lines: Vec<L>,
    /// The seqs of the lines staff hid, still within the story.
    pub hidden: Vec<u64>,
}

/// What `seed` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Seeded {
    /// The story is back in Redis.
    Restored,
    /// Redis still had it (it was never lost, or another node put it back).
    AlreadyThere,
    /// Another epoch began meanwhile: this one is over.
    Superseded,
}

/// Puts `snapshot` back as room `room`'s story, unless the room has a story already.
pub async fn seed<L: Sequenced>(
    cluster: &Cluster,
    room: &str,
    snapshot: &Snapshot<L>,
    keep_for: Duration,
) -> Result<Seeded, ClusterError> {
    let keys = ["epoch", "seq", "chat", "forgotten"]
        .map(|part| cluster.key(&format!("room:{room}:{part}")));
    let mut invocation = SEED.key(&keys[..]);
    invocation
        .arg(&snapshot.epoch)
        .arg(millis(keep_for))
        .arg(snapshot.seq)
        .arg(snapshot.forgotten);
    let mut entries = snapshot
        .lines
        .iter()
        .map(|line| {
            let json = serde_json::to_string(line).map_err(|_| ClusterError::Malformed {
                key: keys[2].clone(),
            })?;
            Ok((line.seq(), json))
        })
        .collect::<Result<Vec<_>, ClusterError>>()?;
    entries.extend(snapshot.hidden.iter().map(|&seq| (seq, HIDDEN.to_string())));
    entries.sort_by_key(|(seq, _)| *seq);
    for (seq, words) in entries {
        invocation.arg(format!("{seq} {words}"));
    }
    let done: u64 = invocation.invoke_async(&mut cluster.conn()).await?;
    Ok(match done {
        1 => Seeded::Restored,
        2 => Seeded::AlreadyThere,
        _ => Seeded::Superseded,
    })
}

/// One room's chat log, as opened by the node hosting the room.
pub struct ChatLog<L> {
    cluster: Cluster,
    /// epoch, seq, chat, forgotten.
    keys: [String; 4],
    bounds: Bounds,
    epoch: String,
    line: PhantomData<fn() -> L>,
}

impl<L: Sequenced> ChatLog<L> {
    /// Opens room `room`'s log: its current epoch, or `fresh_epoch` (the hub's
    /// `new_epoch()`) if it has none, for `keep_for` from now.
    pub async fn open(
        cluster: &Cluster,
        room: &str,
        bounds: Bounds,
        fresh_epoch: &str,
        keep_for: Duration,
    ) -> Result<ChatLog<L>, ClusterError> {
        let keys = ["epoch", "seq", "chat", "forgotten"]
            .map(|part| cluster.key(&format!("room:{room}:{part}")));
        let (epoch, _seq): (String, u64) = OPEN
            .key(&keys[..])
            .arg(fresh_epoch)
            .arg(millis(keep_for))
            .invoke_async(&mut cluster.conn())
            .await?;
        Ok(ChatLog {
            cluster: cluster.clone(),
            keys,
            bounds,
            epoch,
            line: PhantomData,
        })
    }

    pub fn epoch(&self) -> &str {
        &self.epoch
    }

    /// The last seq reserved in this epoch (0 before the first).
    pub async fn seq(&self) -> Result<u64, ClusterError> {
        let (epoch, seq): (Option<String>, Option<u64>) = redis::pipe()
            .atomic()
            .get(&self.keys[0])
            .get(&self.keys[1])
            .query_async(&mut self.cluster.conn())
            .await?;
        if epoch.as_deref() != Some(self.epoch.as_str()) {
            return Err(ClusterError::EpochChanged);
        }
        Ok(seq.unwrap_or(0))
    }

    /// Reserves the next `count` seqs for this host: the room gives them out itself, one per
    /// event, and comes back for more. Returns the last one reserved; whoever hosts the room
    /// next starts above it, so no seq is ever given twice (one host's unused ones are skipped).
    pub async fn reserve(&self, count: u64, keep_for: Duration) -> Result<u64, ClusterError> {
        let last: u64 = RESERVE
            .key(&self.keys[..])
            .arg(&self.epoch)
            .arg(millis(keep_for))
            .arg(count.max(1))
            .invoke_async(&mut self.cluster.conn())
            .await?;
        if last == 0 {
            return Err(ClusterError::EpochChanged);
        }
        Ok(last)
    }

    /// Keeps `line` under its seq (one this host reserved, higher than the last line kept).
    pub async fn keep(&self, line: &L, keep_for: Duration) -> Result<(), ClusterError> {
        let json = serde_json::to_string(line).map_err(|_| self.malformed(2))?;
        let kept: u64 = KEEP
            .key(&self.keys[..])
            .arg(&self.epoch)
            .arg(millis(keep_for))
            .arg(self.bounds.ring)
            .arg(line.seq())
            .arg(json)
            .invoke_async(&mut self.cluster.conn())
            .await?;
        if kept == 0 {
            return Err(ClusterError::EpochChanged);
        }
        Ok(())
    }

    /// Takes the words of the line kept under `seq` out (staff hid it): no newcomer or resume
    /// gets it again, and `hidden` names it.
    pub async fn hide(&self, seq: u64) -> Result<(), ClusterError> {
        let done: u64 = HIDE
            .key(&self.keys[..])
            .arg(&self.epoch)
            .arg(seq)
            .invoke_async(&mut self.cluster.conn())
            .await?;
        if done == 0 {
            return Err(ClusterError::EpochChanged);
        }
        Ok(())
    }

    /// Every line after `seq`; when some of them are already forgotten, the gap is reported
    /// and only the lines a newcomer sees are given (as `ChatMemory::since`).
    pub async fn since(&self, seq: u64) -> Result<(Vec<L>, bool), ClusterError> {
        let (lines, forgotten) = self.read_all().await?;
        if seq < forgotten {
            let skip = lines.len().saturating_sub(self.bounds.on_join);
            return Ok((
                lines
                    .into_iter()
                    .skip(skip)
                    .filter_map(|(_, l)| l)
                    .collect(),
                true,
            ));
        }
        let missed = lines
            .into_iter()
            .filter(|(s, _)| *s > seq)
            .filter_map(|(_, l)| l)
            .collect();
        Ok((missed, false))
    }

    /// Every line kept, oldest first; the seqs of those staff hid that are still in the list;
    /// and the highest seq no longer kept (0: none). One read.
    pub async fn kept(&self) -> Result<(Vec<L>, Vec<u64>, u64), ClusterError> {
        let (entries, forgotten) = self.read_all().await?;
        let mut lines = Vec::new();
        let mut hidden = Vec::new();
        for (seq, line) in entries {
            match line {
                Some(line) => lines.push(line),
                None => hidden.push(seq),
            }
        }
        Ok((lines, hidden, forgotten))
    }

    /// The entries with their seqs (None: a hidden line), and the highest seq forgotten, read
    /// at one instant.
    async fn read_all(&self) -> Result<(Vec<(u64, Option<L>)>, u64), ClusterError> {
        let (epoch, forgotten, entries): (Option<String>, Option<u64>, Vec<String>) = redis::pipe()
            .atomic()
            .get(&self.keys[0])
            .get(&self.keys[3])
            .lrange(&self.keys[2], 0, -1)
            .query_async(&mut self.cluster.conn())
            .await?;
        if epoch.as_deref() != Some(self.epoch.as_str()) {
            return Err(ClusterError::EpochChanged);
        }
        let lines = entries
            .iter()
            .map(|entry| self.parse(entry))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((lines, forgotten.unwrap_or(0)))
    }

    /// The lines a newcomer sees.
    pub async fn recent(&self) -> Result<Vec<L>, ClusterError> {
        let on_join = isize::try_from(self.bounds.on_join).unwrap_or(isize::MAX);
        if on_join == 0 {
            return Ok(Vec::new());
        }
        let entries: Vec<String> = redis::cmd("LRANGE")
            .arg(&self.keys[2])
            .arg(-on_join)
            .arg(-1)
            .query_async(&mut self.cluster.conn())
            .await?;
        let parsed = entries
            .iter()
            .map(|entry| self.parse(entry))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(parsed.into_iter().filter_map(|(_, line)| line).collect())
    }

    /// `<seq> <line JSON>`, or `<seq> -` for a line staff hid (None).
    fn parse(&self, entry: &str) -> Result<(u64, Option<L>), ClusterError> {
        let (seq, json) = entry.split_once(' ').ok_or_else(|| self.malformed(2))?;
        let seq: u64 = seq.parse().map_err(|_| self.malformed(2))?;
        if json == HIDDEN {
            return Ok((seq, None));
        }
        let mut line: L = serde_json::from_str(json).map_err(|_| self.malformed(2))?;
        line.set_seq(seq);
        Ok((seq, Some(line)))
    }

    fn malformed(&self, key: usize) -> ClusterError {
        ClusterError::Malformed {
            key: self.keys[key].clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testing;
    use serde::Deserialize;

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    struct Line {
        seq: u64,
        text: String,
    }

    impl Sequenced for Line {
        fn seq(&self) -> u64 {
            self.seq
        }
        fn set_seq(&mut self, seq: u64) {
            self.seq = seq;
        }
    }

    fn line(seq: u64, text: &str) -> Line {
        Line {
            seq,
            text: text.to_string(),
        }
    }

    const BOUNDS: Bounds = Bounds {
        ring: 6,
        on_join: 3,
    };
    const DAY: Duration = Duration::from_secs(3600);

    async fn open(cluster: &Cluster, epoch: &str) -> ChatLog<Line> {
        ChatLog::open(cluster, "lounge", BOUNDS, epoch, DAY)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn hosts_taking_turns_never_give_a_seq_twice() {
        let Some(nodes) = testing::nodes(2).await else {
            return;
        };
        let a = open(&nodes[0], "r_0000000a").await;
        // The second node finds the room's epoch and continues it.
        let b = open(&nodes[1], "r_0000000b").await;
        assert_eq!(b.epoch(), "r_0000000a");
        // a hosts: reserves 4, uses 3 (a line at 2); b takes over above a's reservation.
        assert_eq!(a.reserve(4, DAY).await.unwrap(), 4);
        a.keep(&line(2, "a"), DAY).await.unwrap();
        assert_eq!(b.reserve(4, DAY).await.unwrap(), 8);
        b.keep(&line(5, "b"), DAY).await.unwrap();
        b.keep(&line(7, "b2"), DAY).await.unwrap();
        assert_eq!(a.seq().await.unwrap(), 8);
        let (lines, gap) = b.since(2).await.unwrap();
        assert!(!gap);
        let seqs: Vec<u64> = lines.iter().map(|l| l.seq).collect();
        assert_eq!(seqs, [5, 7]);
        assert_eq!(lines[0].text, "b");
        assert_eq!(a.recent().await.unwrap().len(), 3);

        // A node that reopens the log later continues where the others stopped.
        let c = open(&nodes[1], "r_0000000c").await;
        assert_eq!((c.epoch(), c.seq().await.unwrap()), ("r_0000000a", 8));
        assert_eq!(c.reserve(1, DAY).await.unwrap(), 9);
        nodes[0].clear().await.unwrap();
    }

    #[tokio::test]
    async fn a_new_epoch_begins_when_the_keys_are_gone_and_stale_writers_are_refused() {
        let Some(nodes) = testing::nodes(1).await else {
            return;
        };
        let old = open(&nodes[0], "r_00000001").await;
        old.reserve(1, DAY).await.unwrap();
        old.keep(&line(1, "before"), DAY).await.unwrap();
        // The day ended: every key of the room expired.
        assert!(nodes[0].clear().await.unwrap() >= 3);
        let new = open(&nodes[0], "r_00000002").await;
        assert_eq!((new.epoch(), new.seq().await.unwrap()), ("r_00000002", 0));
        assert!(matches!(
            old.keep(&line(2, "late"), DAY).await,
            Err(ClusterError::EpochChanged)
        ));
        assert!(matches!(
            old.reserve(1, DAY).await,
            Err(ClusterError::EpochChanged)
        ));
        assert!(matches!(
            old.since(0).await,
            Err(ClusterError::EpochChanged)
        ));
        assert_eq!(new.reserve(1, DAY).await.unwrap(), 1);
        new.keep(&line(1, "after"), DAY).await.unwrap();
        assert_eq!(new.since(0).await.unwrap().0, vec![line(1, "after")]);
        nodes[0].clear().await.unwrap();
    }

    #[tokio::test]
    async fn a_lost_story_is_put_back_once_and_never_over_a_newer_one() {
        let Some(nodes) = testing::nodes(1).await else {
            return;
        };
        let snapshot = Snapshot {
            epoch: "r_0000000a".to_string(),
            seq: 9,
            forgotten: 3,
            lines: vec![line(5, "a"), line(8, "b")],
            hidden: vec![6],
        };
        assert_eq!(
            seed(&nodes[0], "lounge", &snapshot, DAY).await.unwrap(),
            Seeded::Restored
        );
        let log = open(&nodes[0], "r_0000000f").await;
        assert_eq!((log.epoch(), log.seq().await.unwrap()), ("r_0000000a", 9));
        assert_eq!(log.since(5).await.unwrap(), (vec![line(8, "b")], false));
        assert_eq!(
            log.kept().await.unwrap().1,
            vec![6],
            "the hidden line's place is back"
        );
        assert!(
            log.since(2).await.unwrap().1,
            "a resume from before 3 has a gap"
        );
        assert_eq!(
            seed(&nodes[0], "lounge", &snapshot, DAY).await.unwrap(),
            Seeded::AlreadyThere
        );
        nodes[0].clear().await.unwrap();
        let newer = open(&nodes[0], "r_0000000b").await;
        assert_eq!(newer.epoch(), "r_0000000b");
        assert_eq!(
            seed(&nodes[0], "lounge", &snapshot, DAY).await.unwrap(),
            Seeded::Superseded
        );
        nodes[0].clear().await.unwrap();
    }

    #[tokio::test]
    async fn a_hidden_line_is_gone_for_newcomers_and_resumes_and_its_place_is_named() {
        let Some(nodes) = testing::nodes(1).await else {
            return;
        };
        let log = open(&nodes[0], "r_00000001").await;
        log.reserve(3, DAY).await.unwrap();
        for seq in 1..=3 {
            log.keep(&line(seq, &seq.to_string()), DAY).await.unwrap();
        }
        log.hide(2).await.unwrap();
        log.hide(7).await.unwrap(); // not there: nothing changes
        log.hide(2).await.unwrap(); // hidden already: nothing changes
        assert_eq!(
            log.recent().await.unwrap(),
            vec![line(1, "1"), line(3, "3")]
        );
        assert_eq!(log.since(1).await.unwrap(), (vec![line(3, "3")], false));
        assert_eq!(
            log.kept().await.unwrap(),
            (vec![line(1, "1"), line(3, "3")], vec![2], 0)
        );
        nodes[0].clear().await.unwrap();
    }

    #[tokio::test]
    async fn every_key_expires_when_the_caller_says() {
        let Some(nodes) = testing::nodes(1).await else {
            return;
        };
        let keep = Duration::from_secs(600);
        let log = open(&nodes[0], "r_00000001").await;
        let last = log.reserve(BOUNDS.ring as u64 + 2, keep).await.unwrap();
        for seq in 1..=last {
            log.keep(&line(seq, &seq.to_string()), keep).await.unwrap();
        }
        let mut conn = nodes[0].conn();
        for key in &log.keys {
            let ttl: i64 = redis::cmd("PTTL")
                .arg(key)
                .query_async(&mut conn)
                .await
                .unwrap();
            assert!(
                ttl > 0 && ttl <= 600_000,
                "{key} expires within the time given, not {ttl} ms"
            );
        }
        nodes[0].clear().await.unwrap();
    }
}
