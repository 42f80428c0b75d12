//! Writing to the member's socket, every write bounded: a batch of the outbox, a ping, the
//! closing sequence. Nothing here waits on a room, and nothing waits on the socket for ever: a
//! frozen client that takes nothing (no FIN, a full window) would otherwise hold its session,
//! and its place in the room, as a ghost.
use super::handle::Frame;
use super::inbound::until_closed;
use super::limits::{CLOSE_HANDSHAKE, OUTBOUND_QUEUE, WRITE_TIMEOUT};
use super::protocol::{CloseCode, ServerMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use tokio::sync::mpsc;
use tokio::time::{timeout, timeout_at, Instant};

/// The socket took nothing within WRITE_TIMEOUT (or broke): it is gone.
#[derive(Debug)]
pub(super) struct Stalled;

/// Writes `first` and whatever else is queued as one batch and one flush, within WRITE_TIMEOUT
/// for the whole batch.
pub(super) async fn write_batch(
    socket: &mut WebSocket,
    first: Frame,
    outbox: &mut mpsc::Receiver<Frame>,
) -> Result<(), Stalled> {
    let batch = async {
        socket.feed(Message::Text(first)).await?;
        for _ in 1..OUTBOUND_QUEUE {
            let Ok(frame) = outbox.try_recv() else { break };
            socket.feed(Message::Text(frame)).await?;
        }
        socket.flush().await
    };
    match timeout(WRITE_TIMEOUT, batch).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(Stalled),
    }
}

pub(super) async fn send(socket: &mut WebSocket, message: Message) -> Result<(), Stalled> {
    match timeout(WRITE_TIMEOUT, socket.send(message)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(Stalled),
    }
}

/// Before a session becomes a member (refused at the door, during `auth`): straight out.
pub(super) async fn send_direct(
    socket: &mut WebSocket,
    message: &ServerMessage,
) -> Result<(), CloseCode> {
    send(socket, Message::Text(message.to_text().into()))
        .await
        .map_err(|_| CloseCode::Normal)
}

/// The end of every connection, bounded: what is already queued (replies, acks, a goodbye),
/// then the close frame, within WRITE_TIMEOUT together; then the client's close (reading and
/// discarding until it comes) for at most CLOSE_HANDSHAKE, so the reason is not lost to a
/// reset. A socket that has already stalled gets nothing more: writing would only wait again.
pub(super) async fn finish(
    socket: &mut WebSocket,
    outbox: Option<&mut mpsc::Receiver<Frame>>,
    code: CloseCode,
    stalled: bool,
) {
    if stalled {
        return;
    }
    let deadline = Instant::now() + WRITE_TIMEOUT;
    let goodbye = async {
        if let Some(outbox) = outbox {
            // Nothing more can be queued once the receiver is closed; what is in it still is.
            outbox.close();
            while let Some(frame) = outbox.recv().await {
                socket.feed(Message::Text(frame)).await?;
            }
        }
        socket.send(close_message(code)).await
    };
    if !matches!(timeout_at(deadline, goodbye).await, Ok(Ok(()))) {
        return;
    }
    if code.read_side_failed() {
        // The transport reads nothing more after refusing a frame, so the client's close cannot
        // be seen: keep the socket (unread data makes dropping it a reset, which can destroy
        // the close frame before a slow reader gets it) for the whole handshake time.
        tokio::time::sleep(CLOSE_HANDSHAKE).await;
    } else {
        let _ = timeout(CLOSE_HANDSHAKE, until_closed(socket)).await;
    }
}

fn close_message(code: CloseCode) -> Message {
    Message::Close(Some(CloseFrame {
        code: code.code(),
        reason: code.reason().into(),
    }))
}
