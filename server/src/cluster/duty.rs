//! A duty done by one node of the cluster at a time (the hourly clean-up, a space-wide
//! announcement): the node holding its lease does it; the others ask again when their turn
//! would come, and take over when the holder is gone.
use super::{Cluster, Held, Lease};

pub struct Duty {
    lease: Lease,
    held: Option<Held>,
}

impl Duty {
    /// The duty `name`, held with `lease_ttl`: how soon another node may take it over after
    /// this one dies.
    pub fn new(cluster: &Cluster, name: &str, lease_ttl: std::time::Duration) -> Duty {
        Duty {
            lease: Lease::new(cluster, name, lease_ttl),
            held: None,
        }
    }

    /// Whether this node does the duty now: it holds the lease (kept renewed between calls),
    /// or has just taken it. A Redis that does not answer means no: better a chore skipped
    /// once than done twice.
    pub async fn mine(&mut self) -> bool {
        if self.held.as_ref().is_some_and(|held| !held.is_lost()) {
            return true;
        }
        self.held = None;
        match self.lease.acquire().await {
            Ok(true) => {
                self.held = Some(self.lease.clone().keep());
                true
            }
            Ok(false) => false,
            Err(error) => {
                tracing::warn!(%error, "cannot tell which node does a duty; skipping it");
                false
            }
        }
    }

    /// Hands the duty over at once (a node draining), instead of letting the lease expire.
    pub async fn give_up(&mut self) {
        if let Some(held) = self.held.take() {
            if let Err(error) = held.release().await {
                tracing::warn!(%error, "releasing a duty failed; it passes on when it expires");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testing;
    use std::time::Duration;

    #[tokio::test]
    async fn one_node_does_the_duty_until_it_gives_it_up() {
        let Some(nodes) = testing::nodes(3).await else {
            return;
        };
        let ttl = Duration::from_secs(30);
        let mut duties: Vec<Duty> = nodes.iter().map(|n| Duty::new(n, "chores", ttl)).collect();
        let mut mine = Vec::new();
        for duty in &mut duties {
            mine.push(duty.mine().await);
        }
        assert_eq!(mine, [true, false, false]);
        // Asked again, the same node keeps it.
        assert!(duties[0].mine().await);
        assert!(!duties[1].mine().await);

        duties[0].give_up().await;
        assert!(duties[2].mine().await, "the duty passes on at once");
        assert!(!duties[0].mine().await);
        assert!(!duties[1].mine().await);
        duties[2].give_up().await;
        nodes[0].clear().await.unwrap();
    }
}
