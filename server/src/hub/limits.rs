//! Explicit limits of the hub, documented in docs/protocol.md and sent in `welcome`.
use super::protocol::Limits;
use std::time::Duration;

/// Text frames up to this size are parsed; larger ones get `frame_too_large`.
pub const FRAME_BYTES: usize = 16 * 1024;
/// The transport refuses frames beyond this outright (close 1009): no reason to buffer more.
pub const TRANSPORT_FRAME_BYTES: usize = 64 * 1024;
/// Chat lines are screened in `safety`, which owns their limit.
pub const CHAT_CHARS: usize = crate::safety::CHAT_CHARS;
pub const MESSAGES_PER_SECOND: u32 = 20;
pub const MESSAGES_BURST: u32 = 40;
pub const CHAT_PER_SECOND: u32 = 1;
pub const CHAT_BURST: u32 = 5;
pub const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// Rejected messages tolerated per second (burst) before the connection is closed as a flood.
pub const REJECTS_PER_SECOND: u32 = 2;
pub const REJECTS_BURST: u32 = 30;
/// Frames waiting to be written to one client. Beyond it the client is a slow consumer.
pub const OUTBOUND_QUEUE: usize = 256;
/// Places beyond OUTBOUND_QUEUE kept for replies to the member's own requests (acks, the echo
/// of their own lines, errors), so those are never dropped for others' traffic.
pub const REPLY_RESERVE: usize = 64;
/// Giving up on a client whose socket accepts nothing for this long.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// After sending a close frame, how long to wait for the client's close before letting the
/// socket go: dropping it with unread data would reset the connection and lose the reason.
pub const CLOSE_HANDSHAKE: Duration = Duration::from_secs(2);
/// Chat lines each room keeps in memory for resume and for newcomers.
pub const CHAT_RING: usize = 500;
/// How many of them a newcomer sees on joining.
pub const CHAT_ON_JOIN: usize = 50;
/// A member whose connection broke, or was replaced by their own new one, keeps their place in
/// the room this long: a quick return shows as an update, not a leave and a join at the door.
pub const COMEBACK_GRACE: Duration = Duration::from_secs(5);
/// The server pings every connection this often (browsers answer by themselves)...
pub const HEARTBEAT: Duration = Duration::from_secs(25);
/// ...and a connection it has heard nothing from for this long is gone (a phone that lost its
/// network sends no goodbye; without this it would linger as a ghost until TCP gives up).
pub const UNRESPONSIVE_AFTER: Duration = Duration::from_secs(60);
/// Movement batches per second.
pub const TICK: Duration = Duration::from_millis(100);

pub fn limits() -> Limits {
    Limits {
        frame_bytes: FRAME_BYTES,
        chat_chars: CHAT_CHARS,
        messages_per_second: MESSAGES_PER_SECOND,
        messages_burst: MESSAGES_BURST,
        chat_per_second: CHAT_PER_SECOND,
        chat_burst: CHAT_BURST,
        auth_timeout_secs: AUTH_TIMEOUT.as_secs(),
    }
}
