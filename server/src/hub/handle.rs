//! What a room (or the doorkeeper) holds to reach one connected member: a bounded queue of
//! frames and a close signal. Cheap to clone (one Arc).
use super::limits::{OUTBOUND_QUEUE, REPLY_RESERVE};
use super::protocol::{CloseCode, MemberView, Status};
use super::wire::{How, Wire};
use crate::cluster::{Bus, To};
use crate::model::{Mute, PublicId, Role};
use axum::extract::ws::Utf8Bytes;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::{mpsc, Notify};

/// A serialized server message. Built once per broadcast; clones share the bytes.
pub type Frame = Utf8Bytes;

pub type SessionHandle = Arc<SessionShared>;

pub struct SessionShared {
    /// Distinguishes two connections of the same member (a reconnect replaces the old one).
    pub conn: u64,
    pub id: PublicId,
    pub role: Role,
    outbox: mpsc::Sender<Frame>,
    close: OnceLock<CloseCode>,
    closed: Notify,
    /// The room this connection is in. Rooms clear it when they move someone out.
    // A std Mutex: held for a copy, never across an await.
    room: Mutex<Option<Arc<str>>>,
    /// The member as others see them (nickname, avatar, badge, status), kept current by the session.
    view: Mutex<MemberView>,
    /// In a quiet corner of the free space: shown to everyone as resting (休憩中) whatever
    /// status they chose, which comes back as they step out. Set by the room they are in.
    in_quiet: AtomicBool,
    /// Staff's mute of this member as it stands, and a count of its changes (a timer waiting
    /// for an older one to end lets it be). Kept on the member's own node (crate::hub::moderation).
    mute: Mutex<(Mute, u64)>,
    /// Staff who whispered to this member on this connection: the only ones they may answer.
    whisperers: Mutex<HashSet<PublicId>>,
    /// The members this one is apart from (either blocked the other): they do not see or
    /// hear each other. Loaded at `auth`, carried to a room's host with the join.
    apart: Mutex<HashSet<PublicId>>,
    /// Set for a member whose connection is on another node (a stand-in kept by the node
    /// hosting their room, hub/relay.rs): what is queued for them goes to that node.
    remote: Option<Remote>,
}

/// The node a remote member's connection is on, and the bus to it.
pub struct Remote {
    pub node: Arc<str>,
    bus: Bus,
}

impl Remote {
    pub fn new(node: Arc<str>, bus: Bus) -> Remote {
        Remote { node, bus }
    }

    /// Queues `frame` for connections `conns` of this node; false if the bus is overfull.
    pub fn frames(&self, conns: Vec<u64>, frame: &Frame, how: How) -> bool {
        self.send(&Wire::Frames { conns, how }, Some(frame.as_str()))
    }

    fn send(&self, wire: &Wire, body: Option<&str>) -> bool {
        self.bus
            .send(&To::Node(self.node.to_string()), wire.encode(body))
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Queued,
    /// The queue is full: the member reads too slowly.
    Full,
    /// The connection is closing or gone.
    Closed,
}

impl SessionShared {
    pub fn new(conn: u64, role: Role, view: MemberView) -> (SessionHandle, mpsc::Receiver<Frame>) {
        let (tx, rx) = mpsc::channel(OUTBOUND_QUEUE + REPLY_RESERVE);
        let handle = Arc::new(SessionShared {
            conn,
            id: view.id.clone(),
            role,
            outbox: tx,
            close: OnceLock::new(),
            closed: Notify::new(),
            room: Mutex::new(None),
            view: Mutex::new(view),
            in_quiet: AtomicBool::new(false),
            mute: Mutex::default(),
            whisperers: Mutex::default(),
            apart: Mutex::new(HashSet::new()),
            remote: None,
        });
        (handle, rx)
    }

    /// The stand-in for a member connected to another node.
    pub fn remote(conn: u64, role: Role, view: MemberView, remote: Remote) -> SessionHandle {
        // No queue here: frames go to the member's node, which queues them.
        let (outbox, _) = mpsc::channel(1);
        Arc::new(SessionShared {
            conn,
            id: view.id.clone(),
            role,
            outbox,
            close: OnceLock::new(),
            closed: Notify::new(),
            room: Mutex::new(None),
            view: Mutex::new(view),
            in_quiet: AtomicBool::new(false),
            mute: Mutex::default(),
            whisperers: Mutex::default(),
            apart: Mutex::new(HashSet::new()),
            remote: Some(remote),
        })
    }

    /// The member's node, when their connection is on another one.
    pub fn remote_node(&self) -> Option<&Remote> {
        self.remote.as_ref()
    }

    /// Sends to the member's node: `Full` if the bus is overfull.
    fn send_remote(&self, remote: &Remote, frame: Frame, how: How) -> Delivery {
        if self.close.get().is_some() {
            return Delivery::Closed;
        }
        if remote.frames(vec![self.conn], &frame, how) {
            Delivery::Queued
        } else {
            Delivery::Full
        }
    }

    /// Queue a frame without waiting: a room never waits for one slow member. The last
    /// REPLY_RESERVE places are kept for replies: what others do never crowds out the answer to
    /// what this member did.
    pub fn deliver(&self, frame: Frame) -> Delivery {
        if let Some(remote) = &self.remote {
            return self.send_remote(remote, frame, How::Deliver);
        }
        if self.close.get().is_some() {
            return Delivery::Closed;
        }
        if self.outbox.capacity() <= REPLY_RESERVE {
            return Delivery::Full;
        }
        self.queue(frame)
    }

    fn queue(&self, frame: Frame) -> Delivery {
        match self.outbox.try_send(frame) {
            Ok(()) => Delivery::Queued,
            Err(mpsc::error::TrySendError::Full(_)) => Delivery::Full,
            Err(mpsc::error::TrySendError::Closed(_)) => Delivery::Closed,
        }
    }

    /// Queue a frame that must arrive (chat, presence): a full queue closes the connection
    /// with 4003 so the client reconnects and resumes, rather than silently missing it.
    /// Returns false if the member could not be reached.
    pub fn deliver_or_close(&self, frame: Frame) -> bool {
        match self.deliver(frame) {
            Delivery::Queued => true,
            Delivery::Full => {
                self.close(CloseCode::SlowConsumer);
                false
            }
            Delivery::Closed => false,
        }
    }

    /// Queue a reply to this member's own request (an ack, the echo of their own line, an
    /// error): it may use the reserved places, and it is still queued while the connection
    /// closes, since the session writes what is queued before its close frame: a line the room
    /// accepted is never left unacknowledged. Beyond the reserve the member is a slow consumer.
    pub fn reply(&self, frame: Frame) -> bool {
        let queued = match &self.remote {
            Some(remote) => self.send_remote(remote, frame, How::Reply),
            None => self.queue(frame),
        };
        match queued {
            Delivery::Queued => true,
            Delivery::Full => {
                self.close(CloseCode::SlowConsumer);
                false
            }
            Delivery::Closed => false,
        }
    }

    /// Ask the connection to close with `code` after writing what is already queued.
    /// The first reason wins.
    pub fn close(&self, code: CloseCode) {
        if self.close.set(code).is_ok() {
            self.closed.notify_waiters();
            if let Some(remote) = &self.remote {
                let code = code.code();
                remote.send(
                    &Wire::Close {
                        conn: self.conn,
                        code,
                    },
                    None,
                );
            }
        }
    }

    pub fn close_code(&self) -> Option<CloseCode> {
        self.close.get().copied()
    }

    pub async fn closing(&self) -> CloseCode {
        loop {
            // Register interest before checking, so a close between the two is not missed.
            let notified = self.closed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(code) = self.close.get() {
                return *code;
            }
            notified.await;
        }
    }

    pub fn room(&self) -> Option<Arc<str>> {
        self.room.lock().map(|r| r.clone()).unwrap_or(None)
    }

    pub fn set_room(&self, room: Option<Arc<str>>) {
        if let Some(remote) = &self.remote {
            let conn = self.conn;
            let wire = Wire::Room {
                conn,
                room: room.as_deref().map(str::to_string),
                only_if: None,
            };
            remote.send(&wire, None);
        }
        if let Ok(mut current) = self.room.lock() {
            *current = room;
        }
    }

    /// Clear the room only if it is still `room` (a later join may have moved on).
    pub fn clear_room_if(&self, room: &str) {
        if let Some(remote) = &self.remote {
            let conn = self.conn;
            let wire = Wire::Room {
                conn,
                room: None,
                only_if: Some(room.to_string()),
            };
            remote.send(&wire, None);
        }
        if let Ok(mut current) = self.room.lock() {
            if current.as_deref() == Some(room) {
                *current = None;
            }
        }
    }

    /// How others see the member: with the status they chose, or resting while in a quiet corner.
    pub fn view(&self) -> MemberView {
        let mut view = self
            .view
            .lock()
            .map(|v| v.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone());
        if self.in_quiet() {
            view.status = Status::Resting;
        }
        view
    }

    pub fn in_quiet(&self) -> bool {
        self.in_quiet.load(Ordering::Relaxed)
    }

    /// The room says whether the member stands in a quiet corner; true if that changed.
    pub fn set_in_quiet(&self, quiet: bool) -> bool {
        self.in_quiet.swap(quiet, Ordering::Relaxed) != quiet
    }

    /// The status the member chose (not what a quiet corner shows), without copying the
    /// whole view (rooms ask often: who may speak).
    pub fn status(&self) -> Status {
        self.view
            .lock()
            .map(|v| v.status)
            .unwrap_or_else(|poisoned| poisoned.into_inner().status)
    }

    pub fn update_view(&self, change: impl FnOnce(&mut MemberView)) -> MemberView {
        let mut view = self
            .view
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        change(&mut view);
        let mut shown = view.clone();
        drop(view);
        if self.in_quiet() {
            shown.status = Status::Resting;
        }
        shown
    }

    /// Staff's mute of this member as it stands (parts may have ended), and its change count.
    pub fn mute(&self) -> (Mute, u64) {
        *self.mute.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the mute: the new change count, and the mute it replaced.
    pub fn set_mute(&self, mute: Mute) -> (u64, Mute) {
        let mut held = self.mute.lock().unwrap_or_else(|p| p.into_inner());
        let before = held.0;
        *held = (mute, held.1 + 1);
        (held.1, before)
    }

    /// Staff member `from` whispered to this member, who may now answer them.
    pub fn heard_whisper_from(&self, from: PublicId) {
        self.whisperers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(from);
    }

    pub fn may_answer(&self, to: &PublicId) -> bool {
        self.whisperers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(to)
    }

    /// Whom the member is apart from.
    pub fn apart(&self) -> HashSet<PublicId> {
        self.apart
            .lock()
            .map(|a| a.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// `apart`: whether the member and `other` are apart now (either blocked the other).
    pub fn set_apart(&self, other: PublicId, apart: bool) {
        let mut set = self
            .apart
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if apart {
            set.insert(other);
        } else {
            set.remove(&other);
        }
    }

    pub fn set_apart_all(&self, all: HashSet<PublicId>) {
        *self
            .apart
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = all;
    }
}
