//! Members listed by every node (who waits to talk, who is on duty): in order of arrival, one
//! entry per member (a JSON value the caller chooses), taken out by exactly one node however
//! many try at once.
//!
//! An entry lives while the node holding its member's connection touches it; one left
//! untouched (the member went, or their node died) is pruned by whichever node looks next.
//!
//! Keys, under the space's prefix: `<name>:order` (a sorted set, member → arrival in ms),
//! `<name>:entry` (a hash, member → value) and `<name>:touched` (a sorted set, member → ms of
//! the last touch). Memory only, like the rest of the cluster's keys.
use super::{Cluster, ClusterError};
use redis::Script;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Adds the member at the end (returns 1), or, already in line, updates their value and keeps
/// their place (returns 0).
static JOIN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
        redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
        return added
        ",
    )
});

/// Puts the member at the place score ARGV[2] gives, moving them if they were in line
/// (returns 1 if they were not); ARGV[4] is now, their last touch.
static JOIN_AT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local added = redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
        redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
        return added
        ",
    )
});

/// Takes the member out and returns their value; nil if they were not in line (someone else
/// took them, or they left): one caller wins.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
            return false
        end
        local value = redis.call('HGET', KEYS[2], ARGV[1])
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[1])
        return value
        ",
    )
});

/// Takes out everyone last touched before ARGV[1]; returns them.
static PRUNE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1])
        for _, member in ipairs(stale) do
            redis.call('ZREM', KEYS[1], member)
            redis.call('HDEL', KEYS[2], member)
            redis.call('ZREM', KEYS[3], member)
        end
        return stale
        ",
    )
});

#[derive(Clone, Debug)]
pub struct Roster {
    cluster: Cluster,
    order: String,
    entry: String,
    touched: String,
}

impl Roster {
    pub fn new(cluster: &Cluster, name: &str) -> Roster {
        Roster {
            cluster: cluster.clone(),
            order: cluster.key(&format!("{name}:order")),
            entry: cluster.key(&format!("{name}:entry")),
            touched: cluster.key(&format!("{name}:touched")),
        }
    }

    /// True if the member is new in line; false if they were in it (their place is kept).
    pub async fn join(&self, member: &str, value: &str) -> Result<bool, ClusterError> {
        let added: i64 = self
            .script(&JOIN)
            .arg(member)
            .arg(now_ms())
            .arg(value)
            .invoke_async(&mut self.cluster.conn())
            .await?;
        Ok(added == 1)
    }

    /// True if the member is new in line. They stand where `score` (ms, like an arrival's)
    /// puts them, ahead of everyone who arrived later; already in line, they move there.
    pub async fn join_at(
        &self,
        member: &str,
        value: &str,
        score: i64,
    ) -> Result<bool, ClusterError> {
        let added: i64 = self
            .script(&JOIN_AT)
            .arg(member)
            .arg(score)
            .arg(value)
            .arg(now_ms())
            .invoke_async(&mut self.cluster.conn())
            .await?;
        Ok(added == 1)
    }

    /// The member's value, taken out of line; None if they were not in it.
    pub async fn take(&self, member: &str) -> Result<Option<String>, ClusterError> {
        Ok(self
            .script(&TAKE)
            .arg(member)
            .invoke_async(&mut self.cluster.conn())
            .await?)
    }

    /// Everyone in line, first first: (member, value).
    pub async fn all(&self) -> Result<Vec<(String, String)>, ClusterError> {
        let mut conn = self.cluster.conn();
        let members: Vec<String> = redis::cmd("ZRANGE")
            .arg(&self.order)
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await?;
        if members.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(&self.entry)
            .arg(&members)
            .query_async(&mut conn)
            .await?;
        // A member taken between the two reads has no value any more: they are not in line.
        Ok(members
            .into_iter()
            .zip(values)
            .filter_map(|(member, value)| Some((member, value?)))
            .collect())
    }

    /// Marks these members (in line or not) as still here; only those in line are kept.
    pub async fn touch(&self, members: &[String]) -> Result<(), ClusterError> {
        if members.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        let mut command = redis::cmd("ZADD");
        command.arg(&self.touched).arg("XX");
        for member in members {
            command.arg(now).arg(member);
        }
        command.query_async::<i64>(&mut self.cluster.conn()).await?;
        Ok(())
    }

    /// Takes out everyone not touched for `stale`; returns who went.
    pub async fn prune(&self, stale: Duration) -> Result<Vec<String>, ClusterError> {
        let before = now_ms().saturating_sub(u64::try_from(stale.as_millis()).unwrap_or(0));
        Ok(self
            .script(&PRUNE)
            .arg(before)
            .invoke_async(&mut self.cluster.conn())
            .await?)
    }

    fn script<'a>(&self, script: &'a Script) -> redis::ScriptInvocation<'a> {
        let mut invocation = script.key(&self.order);
        invocation.key(&self.entry).key(&self.touched);
        invocation
    }
}

/// The score of an arrival now, in ms: `join` gives it, and `join_at` is measured against it.
pub fn arrival_score() -> i64 {
    i64::try_from(now_ms()).unwrap_or(i64::MAX)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testing;

    #[tokio::test]
    async fn one_roster_for_every_node_and_one_taker_per_member() {
        let Some(nodes) = testing::nodes(2).await else {
            return;
        };
        let a = Roster::new(&nodes[0], "talk");
        let b = Roster::new(&nodes[1], "talk");
        assert!(a.join("m_1", "first").await.unwrap());
        assert!(b.join("m_2", "second").await.unwrap());
        assert!(!a.join("m_1", "first again").await.unwrap(), "place kept");
        let all = b.all().await.unwrap();
        assert_eq!(
            all,
            vec![
                ("m_1".to_string(), "first again".to_string()),
                ("m_2".to_string(), "second".to_string())
            ]
        );
        let (one, other) = tokio::join!(a.take("m_1"), b.take("m_1"));
        let winners = [one.unwrap(), other.unwrap()];
        assert_eq!(winners.iter().flatten().count(), 1, "{winners:?}");
        assert_eq!(a.all().await.unwrap().len(), 1);
        // m_2 is touched, m_3 is not: only m_3 goes.
        assert!(a.join("m_3", "third").await.unwrap());
        tokio::time::sleep(Duration::from_millis(30)).await;
        b.touch(&["m_2".to_string(), "m_9".to_string()])
            .await
            .unwrap();
        let gone = a.prune(Duration::from_millis(20)).await.unwrap();
        assert_eq!(gone, vec!["m_3".to_string()]);
        let left: Vec<String> = a.all().await.unwrap().into_iter().map(|(m, _)| m).collect();
        assert_eq!(left, vec!["m_2".to_string()]);
        // An earlier score stands ahead; joining again at one moves there.
        assert!(b.join_at("m_4", "booked", -5).await.unwrap());
        assert!(!a.join_at("m_2", "moved", -9).await.unwrap());
        let order: Vec<String> = a.all().await.unwrap().into_iter().map(|(m, _)| m).collect();
        assert_eq!(order, vec!["m_2".to_string(), "m_4".to_string()]);
        nodes[0].clear().await.unwrap();
    }
}
