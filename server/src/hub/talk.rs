//! "I'd like to talk" (今話したい): a member asks privately for a counsellor, now. They see
//! their place in line and may withdraw at any moment; counsellors see the line (nickname,
//! how, since when) and accept; nobody else learns that anyone asked.
//!
//! One line for the whole space: in memory on one node, in Redis across nodes
//! (cluster::WaitingLine). A request lives while its member is in the space; one whose member
//! has gone for longer than [`STALE`] (a dropped connection not coming back, a dead node)
//! leaves the line, so a counsellor never accepts someone who is not there. A reconnection
//! within it keeps the place.
use super::handle::Frame;
use super::protocol::{MemberView, ServerMessage, TalkRequestView};
use super::Hub;
use crate::auth::Grant;
use crate::cluster::{ClusterError, WaitingLine};
use crate::model::PublicId;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a request outlives its member's connection.
const STALE: Duration = Duration::from_secs(15);
/// How often each node tells the line its waiting members are still here.
const TOUCH_EVERY: Duration = Duration::from_secs(2);

pub(super) enum TalkLine {
    Here(Mutex<Vec<Waiting>>),
    Shared(Box<WaitingLine>),
}

pub(super) struct Waiting {
    request: TalkRequestView,
    touched: Instant,
}

impl TalkLine {
    pub fn here() -> TalkLine {
        TalkLine::Here(Mutex::new(Vec::new()))
    }

    /// Puts the member in line (at the end), or updates their request and keeps their place.
    pub async fn join(&self, request: TalkRequestView) -> Result<(), ClusterError> {
        match self {
            TalkLine::Here(line) => {
                let mut line = line.lock().unwrap_or_else(|e| e.into_inner());
                let waiting = Waiting {
                    request,
                    touched: Instant::now(),
                };
                match line
                    .iter_mut()
                    .find(|w| w.request.member.id == waiting.request.member.id)
                {
                    Some(place) => place.request = waiting.request,
                    None => line.push(waiting),
                }
                Ok(())
            }
            TalkLine::Shared(shared) => {
                shared.join(&request.member.id.0, &encode(&request)).await?;
                Ok(())
            }
        }
    }

    /// Takes the member out of line: Some(their request) for exactly one caller.
    pub async fn take(&self, member: &PublicId) -> Result<Option<TalkRequestView>, ClusterError> {
        match self {
            TalkLine::Here(line) => {
                let mut line = line.lock().unwrap_or_else(|e| e.into_inner());
                let at = line.iter().position(|w| &w.request.member.id == member);
                Ok(at.map(|at| line.remove(at).request))
            }
            TalkLine::Shared(shared) => Ok(shared.take(&member.0).await?.and_then(|v| decode(&v))),
        }
    }

    /// Everyone waiting, first first.
    pub async fn all(&self) -> Result<Vec<TalkRequestView>, ClusterError> {
        match self {
            TalkLine::Here(line) => Ok(line
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .map(|w| w.request.clone())
                .collect()),
            TalkLine::Shared(shared) => Ok(shared
                .all()
                .await?
                .into_iter()
                .filter_map(|(_, v)| decode(&v))
                .collect()),
        }
    }

    /// Keeps the requests of these members (connected here) in line; drops the ones nobody
    /// kept for [`STALE`]. True if someone left the line.
    async fn keep(&self, here: &[PublicId]) -> Result<bool, ClusterError> {
        match self {
            TalkLine::Here(line) => {
                let mut line = line.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                for waiting in line.iter_mut() {
                    if here.contains(&waiting.request.member.id) {
                        waiting.touched = now;
                    }
                }
                let before = line.len();
                line.retain(|w| now.duration_since(w.touched) < STALE);
                Ok(line.len() != before)
            }
            TalkLine::Shared(shared) => {
                let ids: Vec<String> = here.iter().map(|id| id.0.clone()).collect();
                shared.touch(&ids).await?;
                Ok(!shared.prune(STALE).await?.is_empty())
            }
        }
    }
}

fn encode(request: &TalkRequestView) -> String {
    serde_json::to_string(request).unwrap_or_default()
}

fn decode(value: &str) -> Option<TalkRequestView> {
    serde_json::from_str(value).ok()
}

impl Hub {
    /// The line changed: every node tells its counsellors and its waiting members.
    pub(super) fn talk_line_changed(&self) {
        match &self.relay {
            Some(relay) => {
                relay.talk_line_changed();
            }
            None => {
                let hub = self.clone();
                tokio::spawn(async move { hub.show_talk_line().await });
            }
        }
    }

    /// Tells this node's counsellors the line, and each of its waiting members their place.
    pub(super) async fn show_talk_line(&self) {
        let requests = match self.talk.all().await {
            Ok(requests) => requests,
            Err(error) => {
                tracing::warn!(%error, "the line of members waiting to talk cannot be read");
                return;
            }
        };
        let line = Frame::from(
            ServerMessage::TalkLine {
                requests: requests.clone(),
            }
            .to_text(),
        );
        for session in self.online_sessions() {
            if session.role.has(Grant::TakeConsultations) {
                session.deliver_or_close(line.clone());
            }
        }
        for (place, request) in requests.into_iter().enumerate() {
            if let Some(session) = self.find(&request.member.id) {
                session.deliver_or_close(Frame::from(
                    ServerMessage::talk_request(Some((place + 1, &request))).to_text(),
                ));
            }
        }
    }

    /// The member left the space on purpose: out of the line.
    pub(super) async fn talk_gone(&self, member: &PublicId) {
        if let Ok(Some(_)) = self.talk.take(member).await {
            self.talk_line_changed();
        }
    }

    /// A member's own view of their request, on connecting: in line or not; and the line,
    /// to a counsellor.
    pub(super) async fn talk_on_welcome(&self, view: &MemberView, may_take: bool) -> Vec<Frame> {
        let Ok(requests) = self.talk.all().await else {
            return Vec::new();
        };
        let mut frames = Vec::new();
        if let Some((place, request)) = requests
            .iter()
            .enumerate()
            .find(|(_, r)| r.member.id == view.id)
        {
            frames.push(Frame::from(
                ServerMessage::talk_request(Some((place + 1, request))).to_text(),
            ));
        }
        if may_take {
            frames.push(Frame::from(ServerMessage::TalkLine { requests }.to_text()));
        }
        frames
    }
}

/// Keeps this node's waiting members in line while they are connected here, and takes out
/// those gone for good (then everyone hears of the new line).
pub async fn keep_talk_line(hub: Hub) {
    let mut every = tokio::time::interval(TOUCH_EVERY);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = hub.shutdown.cancelled() => return,
        }
        let here: Vec<PublicId> = hub.online.iter().map(|s| s.key().clone()).collect();
        match hub.talk.keep(&here).await {
            Ok(true) => hub.talk_line_changed(),
            Ok(false) => {}
            Err(error) => {
                tracing::warn!(%error, "the line of members waiting to talk cannot be kept")
            }
        }
    }
}
