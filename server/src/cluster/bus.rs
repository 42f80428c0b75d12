//! Messages between nodes over Redis pub/sub: every node listens on its own channel
//! (`node:<id>`) and on the space's (`all`) with one subscription, and sends by publishing.
//! One task publishes everything a node sends, in order, so a receiver gets one sender's
//! messages in the order they were sent (Redis keeps a connection's order on a channel).
//!
//! Pub/sub keeps nothing: a message published while the receiver was not subscribed is gone.
//! The listener therefore reports every time it had to subscribe again (`Heard::Gap`), and
//! the receiver makes good whatever it may have missed (the hub asks the members concerned
//! to reconnect and resume).
use super::{Cluster, ClusterError};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Messages waiting to be published. Beyond this the node's link to Redis is too slow, and
/// sending fails (the caller treats the receiver as unreachable).
const OUTGOING: usize = 65_536;
/// Published per round trip, at most.
const BATCH: usize = 256;
/// Waits between attempts to subscribe again after the subscription broke.
const RESUBSCRIBE: Duration = Duration::from_millis(250);

/// What the listener hands on.
#[derive(Debug)]
pub enum Heard {
    /// A message for this node (or for every node).
    Message(Vec<u8>),
    /// The subscription broke (and again once it is made again): messages may have been
    /// lost in between.
    Gap,
}

/// Where a message goes.
#[derive(Debug, Clone)]
pub enum To {
    Node(String),
    /// Every node of the space, this one included.
    All,
}

/// This node's sending side: cheap to clone.
#[derive(Clone)]
pub struct Bus {
    cluster: Cluster,
    out: mpsc::Sender<Out>,
}

/// What the publishing task is given: a message for a channel, or a question whether
/// everything before it has been published.
enum Out {
    Publish(String, Vec<u8>),
    Flushed(tokio::sync::oneshot::Sender<()>),
}

impl Bus {
    /// Starts the publishing task (it ends when every `Bus` clone is dropped).
    pub fn start(cluster: &Cluster) -> Bus {
        let (out, rx) = mpsc::channel(OUTGOING);
        tokio::spawn(publish(cluster.clone(), rx));
        Bus {
            cluster: cluster.clone(),
            out,
        }
    }

    /// Queues `payload` for `to` without waiting; false if too much is waiting already.
    pub fn send(&self, to: &To, payload: Vec<u8>) -> bool {
        let channel = match to {
            To::Node(node) => self.cluster.key(&format!("node:{node}")),
            To::All => self.cluster.key("all"),
        };
        self.out.try_send(Out::Publish(channel, payload)).is_ok()
    }

    /// Returns once everything queued before has been published (or failed to be).
    pub async fn flush(&self) {
        let (done, flushed) = tokio::sync::oneshot::channel();
        if self.out.send(Out::Flushed(done)).await.is_ok() {
            let _ = flushed.await;
        }
    }

    /// Starts listening on this node's channel and the space's; messages arrive on the
    /// receiver until `stop`. The first subscription is made before this returns.
    pub async fn listen(
        &self,
        stop: CancellationToken,
    ) -> Result<mpsc::Receiver<Heard>, ClusterError> {
        let channels = [
            self.cluster.key(&format!("node:{}", self.cluster.node())),
            self.cluster.key("all"),
        ];
        let first = subscribe(&self.cluster, &channels).await?;
        let (tx, rx) = mpsc::channel(OUTGOING);
        tokio::spawn(listen(self.cluster.clone(), channels, first, tx, stop));
        Ok(rx)
    }
}

async fn subscribe(
    cluster: &Cluster,
    channels: &[String],
) -> Result<redis::aio::PubSub, ClusterError> {
    let mut pubsub = cluster.client.get_async_pubsub().await?;
    for channel in channels {
        pubsub.subscribe(channel).await?;
    }
    Ok(pubsub)
}

async fn listen(
    cluster: Cluster,
    channels: [String; 2],
    first: redis::aio::PubSub,
    tx: mpsc::Sender<Heard>,
    stop: CancellationToken,
) {
    let mut pubsub = Some(first);
    loop {
        let Some(current) = pubsub.take() else {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = tokio::time::sleep(RESUBSCRIBE) => {}
            }
            match subscribe(&cluster, &channels).await {
                Ok(again) => {
                    tracing::info!("subscribed to the other nodes again");
                    pubsub = Some(again);
                    if tx.send(Heard::Gap).await.is_err() {
                        return;
                    }
                }
                Err(error) => tracing::debug!(%error, "subscribing again failed"),
            }
            continue;
        };
        let mut messages = current.into_on_message();
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                message = messages.next() => match message {
                    Some(message) => {
                        let payload = message.get_payload_bytes().to_vec();
                        if tx.send(Heard::Message(payload)).await.is_err() {
                            return;
                        }
                    }
                    None => {
                        tracing::warn!("the subscription to the other nodes broke");
                        // Messages are lost from now until it is made again.
                        if tx.send(Heard::Gap).await.is_err() {
                            return;
                        }
                        break;
                    }
                },
            }
        }
    }
}

/// Publishes in the order queued, in pipelines of what is waiting. A failed pipeline is
/// dropped (pub/sub is best effort; receivers make good a gap, and a sender that gets no
/// answer asks again or gives up).
async fn publish(cluster: Cluster, mut rx: mpsc::Receiver<Out>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let mut pipe = redis::pipe();
        let (mut flushed, mut messages) = (Vec::new(), 0);
        for out in batch.drain(..) {
            match out {
                Out::Publish(channel, payload) => {
                    pipe.cmd("PUBLISH").arg(channel).arg(payload).ignore();
                    messages += 1;
                }
                Out::Flushed(done) => flushed.push(done),
            }
        }
        if messages > 0 {
            if let Err(error) = pipe.query_async::<()>(&mut cluster.conn()).await {
                tracing::warn!(%error, "publishing to the other nodes failed");
            }
        }
        for done in flushed {
            let _ = done.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::testing;

    async fn next_message(rx: &mut mpsc::Receiver<Heard>) -> Vec<u8> {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(Heard::Message(m))) => m,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_node_hears_its_own_channel_and_the_space_in_the_order_sent() {
        let Some(nodes) = testing::nodes(3).await else {
            return;
        };
        let stop = CancellationToken::new();
        let buses: Vec<Bus> = nodes.iter().map(Bus::start).collect();
        let mut b = buses[1].listen(stop.clone()).await.unwrap();
        let mut c = buses[2].listen(stop.clone()).await.unwrap();
        for i in 0..200u32 {
            assert!(buses[0].send(
                &To::Node(nodes[1].node().to_string()),
                i.to_le_bytes().to_vec()
            ));
        }
        assert!(buses[0].send(&To::All, b"all".to_vec()));
        for i in 0..200u32 {
            assert_eq!(next_message(&mut b).await, i.to_le_bytes().to_vec());
        }
        assert_eq!(next_message(&mut b).await, b"all");
        // c heard only the message for every node.
        assert_eq!(next_message(&mut c).await, b"all");
        assert!(c.try_recv().is_err());
        stop.cancel();
        nodes[0].clear().await.unwrap();
    }
}
