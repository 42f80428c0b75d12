//! Accepting HTTP connections. Each one is bounded in time until it becomes a member's
//! WebSocket, and one address holds only so many at once before that: a few slow or idle
//! clients cannot use up the server's sockets (and file descriptors) and shut the door for
//! everyone. Limits and defaults: docs/operations.md.
//!
//! A small accept loop over hyper's HTTP/1.1 connection rather than `axum::serve`, which
//! has no header-read timeout. Graceful shutdown: stop accepting, let requests in flight
//! finish, close idle connections.
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// Time and count limits on connections that are not (yet) an authenticated WebSocket.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// A connection must send a whole request head within this long of opening, or of the
    /// previous response: it covers slow headers and idle keep-alive connections alike.
    pub header_timeout: Duration,
    /// From a whole request head to the response, reading the body included.
    pub request_timeout: Duration,
    /// Connections one address may hold open before they are an authenticated WebSocket.
    pub pending_per_address: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            pending_per_address: 64,
        }
    }
}

/// A connection's place among its address's pending connections, held by the connection and
/// each of its requests, and by its WebSocket session until `auth` succeeds. The place is
/// free once every copy is dropped.
#[derive(Clone)]
pub struct Pending {
    /// Never read: dropping its last copy frees the place. None: not counted (a trusted proxy).
    _place: Option<Arc<Place>>,
}

impl Pending {
    /// A connection no per-address cap applies to: a trusted reverse proxy's (it carries many
    /// clients), or one made in-process (the fuzzers').
    pub fn uncounted() -> Pending {
        Pending { _place: None }
    }
}

struct Place {
    table: PendingTable,
    key: IpAddr,
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut counts = self.table.lock();
        if let Some(count) = counts.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// How many pending connections each address holds.
#[derive(Clone, Default)]
struct PendingTable {
    // A std mutex: held for one map update, never across an await.
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl PendingTable {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, usize>> {
        // A panic elsewhere cannot leave a count half-updated: keep counting.
        self.counts.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for one more connection from `peer`, or None when it holds `cap` already.
    fn admit(&self, peer: IpAddr, cap: usize) -> Option<Pending> {
        let key = address_key(peer);
        let mut counts = self.lock();
        let count = counts.entry(key).or_insert(0);
        if *count >= cap {
            return None;
        }
        *count += 1;
        Some(Pending {
            _place: Some(Arc::new(Place {
                table: self.clone(),
                key,
            })),
        })
    }
}

/// IPv4 addresses count one by one; IPv6 ones by their /64, which one client usually holds
/// whole.
fn address_key(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !u128::from(u64::MAX);
            IpAddr::V6(Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then stops accepting and waits
/// for the connections in flight. Requests carry `ConnectInfo<SocketAddr>` (the TCP peer)
/// and the connection's `Pending` place. Peers in `exempt` (trusted reverse proxies, which
/// carry many clients) have no per-address cap; the timeouts hold for everyone.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: HttpLimits,
    exempt: Arc<[IpAddr]>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let table = PendingTable::default();
    let stopping = CancellationToken::new();
    let connections = TaskTracker::new();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors (or another passing failure): wait a little, so
                // the loop does not spin, and try again.
                tracing::warn!(%error, "cannot accept a connection");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let pending = if exempt.contains(&peer.ip().to_canonical()) {
            Pending::uncounted()
        } else {
            match table.admit(peer.ip(), limits.pending_per_address) {
                Some(place) => place,
                None => {
                    // Dropped at once: the socket closes without a byte read.
                    tracing::debug!("an address is over its pending-connection cap");
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request.extensions_mut().insert(pending.clone());
            router.clone().oneshot(request)
        });
        let connection = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let stopping = stopping.clone();
        connections.spawn(async move {
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = stopping.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = ended {
                tracing::debug!(%error, "HTTP connection ended");
            }
        });
    }
    drop(listener);
    stopping.cancel();
    connections.close();
    connections.wait().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_its_cap_and_gets_places_back() {
        let table = PendingTable::default();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = table.admit(a, 2).unwrap();
        let copy = first.clone();
        let _second = table.admit(a, 2).unwrap();
        assert!(table.admit(a, 2).is_none());
        assert!(
            table.admit(b, 2).is_some(),
            "another address has its own places"
        );
        drop(first);
        assert!(table.admit(a, 2).is_none(), "a copy still holds the place");
        drop(copy);
        assert!(table.admit(a, 2).is_some());
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let table = PendingTable::default();
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        let _held = table.admit(one, 1).unwrap();
        assert!(table.admit(same_64, 1).is_none());
        assert!(table.admit(other_64, 1).is_some());
        assert_eq!(
            address_key("::ffff:192.0.2.7".parse().unwrap()),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
    }
}
