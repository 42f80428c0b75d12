//! One simulated member: a WebSocket from its own loopback source address, `auth`, `join`.
//! The same JSON shapes drive ibasho and the peers under bench/peers/.
use anyhow::{anyhow, bail, Context};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Ws = WebSocketStream<TcpStream>;

/// How long one handshake step may take before the member counts as failed.
const STEP: Duration = Duration::from_secs(30);

/// The target's address, which must be on loopback: this tool loads only this machine.
pub fn loopback_target(url: &str) -> anyhow::Result<SocketAddr> {
    let rest = url
        .strip_prefix("ws://")
        .ok_or_else(|| anyhow!("the target must be ws://127.x.x.x:PORT/…"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let addr: SocketAddr = authority
        .parse()
        .with_context(|| format!("`{authority}` is not an IP address and port"))?;
    if !addr.ip().is_loopback() {
        bail!("refusing {addr}: load and failure tests target loopback addresses only");
    }
    Ok(addr)
}

/// Connects member `index` from source address 127.0.0.(1 + index % 250), so many more
/// connections than one address's ephemeral ports fit.
pub async fn connect(url: &str, target: SocketAddr, index: usize) -> anyhow::Result<Ws> {
    let source = Ipv4Addr::new(127, 0, 0, 1 + (index % 250) as u8);
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((source, 0)))?;
    let stream = tokio::time::timeout(STEP, socket.connect(target))
        .await
        .map_err(|_| anyhow!("connect timed out"))??;
    stream.set_nodelay(true)?;
    let (ws, _) = tokio::time::timeout(STEP, tokio_tungstenite::client_async(url, stream))
        .await
        .map_err(|_| anyhow!("WebSocket handshake timed out"))??;
    Ok(ws)
}

pub async fn send(ws: &mut Ws, message: Value) -> anyhow::Result<()> {
    ws.send(Message::text(message.to_string())).await?;
    Ok(())
}

/// The next text frame of type `ty` (others before it are skipped), or an error frame.
pub async fn expect(ws: &mut Ws, ty: &str) -> anyhow::Result<Value> {
    let deadline = Instant::now() + STEP;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(left, ws.next())
            .await
            .map_err(|_| anyhow!("no {ty} within {STEP:?}"))?
            .ok_or_else(|| anyhow!("closed while waiting for {ty}"))??;
        if let Message::Text(text) = frame {
            let value: Value = serde_json::from_str(&text)?;
            if value["type"] == ty {
                return Ok(value);
            }
            if value["type"] == "error" {
                bail!("{ty} refused: {}", value["code"]);
            }
        }
    }
}

/// Connects, authenticates and joins `room`; returns the socket and the time it took.
pub async fn enter(
    url: &str,
    target: SocketAddr,
    index: usize,
    token: &str,
    room: &str,
) -> anyhow::Result<(Ws, Duration)> {
    let started = Instant::now();
    let mut ws = connect(url, target, index).await?;
    send(&mut ws, json!({"type": "auth", "token": token})).await?;
    expect(&mut ws, "welcome").await?;
    send(&mut ws, json!({"type": "join", "room": room})).await?;
    expect(&mut ws, "joined").await?;
    Ok((ws, started.elapsed()))
}

/// Connects and authenticates only (the idle scenario's members stay outside rooms).
pub async fn authenticate(
    url: &str,
    target: SocketAddr,
    index: usize,
    token: &str,
) -> anyhow::Result<Ws> {
    let mut ws = connect(url, target, index).await?;
    send(&mut ws, json!({"type": "auth", "token": token})).await?;
    expect(&mut ws, "welcome").await?;
    Ok(ws)
}
