//! Writing to the member's socket: the outbox drained in batches, then a close frame with a
//! reason. Nothing here waits on a room; a socket that takes nothing for WRITE_TIMEOUT is gone.
use super::handle::{Frame, SessionHandle};
use super::inbound::{until_closed, Stream};
use super::limits::{CLOSE_HANDSHAKE, HEARTBEAT, OUTBOUND_QUEUE, WRITE_TIMEOUT};
use super::protocol::{CloseCode, ServerMessage};
use axum::extract::ws::{CloseFrame, Message, WebSocket};
use bytes::Bytes;
use futures_util::stream::SplitSink;
use futures_util::SinkExt;
use tokio::sync::mpsc;

pub(super) type Sink = SplitSink<WebSocket, Message>;

/// Drains the outbox to the socket, batching what is queued into one flush.
pub(super) async fn write(
    mut sink: Sink,
    mut outbox: mpsc::Receiver<Frame>,
    session: SessionHandle,
) {
    let mut heartbeat =
        tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    // One waiter for the whole connection: re-registering it on every frame was a tenth of
    // the writer's instructions (callgrind, docs/benchmarks.md).
    let closing = session.closing();
    tokio::pin!(closing);
    loop {
        // Biased: a close or a ping goes before queued frames, so a member who only listens in
        // a busy room is still pinged (their pong is what keeps them from looking gone).
        let frame = tokio::select! {
            biased;
            code = &mut closing => {
                // Say what was already queued (a goodbye, an error) before closing; a slow
                // consumer would only be delayed by it: it resumes instead.
                if code != CloseCode::SlowConsumer {
                    while let Ok(frame) = outbox.try_recv() {
                        if timed_send(&mut sink, Message::Text(frame)).await.is_err() {
                            return;
                        }
                    }
                }
                let _ = timed_send(&mut sink, close_message(code)).await;
                return;
            }
            _ = heartbeat.tick() => {
                if timed_send(&mut sink, Message::Ping(Bytes::new())).await.is_err() {
                    return session.close(CloseCode::Unresponsive);
                }
                continue;
            }
            frame = outbox.recv() => frame,
        };
        let Some(frame) = frame else { return };
        if sink.feed(Message::Text(frame)).await.is_err() {
            return session.close(CloseCode::Unresponsive);
        }
        let mut batch = 1;
        while batch < OUTBOUND_QUEUE {
            match outbox.try_recv() {
                Ok(frame) => {
                    if sink.feed(Message::Text(frame)).await.is_err() {
                        return session.close(CloseCode::Unresponsive);
                    }
                    batch += 1;
                }
                Err(_) => break,
            }
        }
        match tokio::time::timeout(WRITE_TIMEOUT, sink.flush()).await {
            Ok(Ok(())) => {}
            // A socket that takes nothing for WRITE_TIMEOUT is gone; the reader stops too.
            _ => return session.close(CloseCode::Unresponsive),
        }
    }
}

async fn timed_send(sink: &mut Sink, message: Message) -> Result<(), ()> {
    match tokio::time::timeout(WRITE_TIMEOUT, sink.send(message)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

fn close_message(code: CloseCode) -> Message {
    Message::Close(Some(CloseFrame {
        code: code.code(),
        reason: code.reason().into(),
    }))
}

pub(super) async fn send_direct(sink: &mut Sink, message: &ServerMessage) -> Result<(), CloseCode> {
    timed_send(sink, Message::Text(message.to_text().into()))
        .await
        .map_err(|_| CloseCode::Normal)
}

/// Closes a connection that never became a session (refused at the door), finishing the
/// closing handshake so the reason arrives.
pub(super) async fn close_now(sink: &mut Sink, stream: &mut Stream, code: CloseCode) {
    let _ = timed_send(sink, close_message(code)).await;
    let _ = tokio::time::timeout(CLOSE_HANDSHAKE, until_closed(stream)).await;
}
