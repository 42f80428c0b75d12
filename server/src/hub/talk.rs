//! "I'd like to talk" (今話したい): a member asks privately for a counsellor, now. They see
//! their place in line and may withdraw at any moment; counsellors see the line (nickname,
//! how, since when) and accept; nobody else learns that anyone asked.
//!
//! One line for the whole space (a [`Listing`]): a request lives while its member is in the
//! space, so a counsellor never accepts someone who is not there; a reconnection keeps the
//! place. When a booked consultation starts, its member joins the line ahead of everyone who
//! asked now, for their counsellor only.
use super::handle::Frame;
use super::listing::{Listed, Listing};
use super::protocol::{MemberView, NoticeKind, ServerMessage, TalkRequestView};
use super::Hub;
use crate::auth::Grant;
use crate::model::{PublicId, Slot};

/// A booked request's score is its start less this (about 317 years in ms): below every
/// arrival's, so booked requests stand first, by start.
const BOOKED_AHEAD_MS: i64 = 10_000_000_000_000;

/// The line of members waiting to talk.
pub(super) type TalkLine = Listing<TalkRequestView>;

impl Listed for TalkRequestView {
    fn member(&self) -> &PublicId {
        &self.member.id
    }
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

    /// `slot`'s booked time has come: if its member is connected to this node, they join the
    /// line first, for the slot's counsellor, and are told that they will be called. Every
    /// node is asked; only the one holding the member's connection acts.
    pub async fn booking_started(&self, slot: &Slot) {
        let Some(booking) = &slot.booking else {
            return;
        };
        let Some(session) = self.find(&booking.by.public_id) else {
            return;
        };
        let mut member = session.view();
        // Counsellors see who and how, never where.
        member.pos = None;
        member.screen = false;
        let start = slot
            .starts_at
            .with_timezone(&self.space.space.timezone)
            .fixed_offset();
        let request = TalkRequestView {
            member,
            mode: booking.mode,
            profession: Some(slot.profession),
            since: start,
            booked_with: Some(slot.counsellor.public_id.clone()),
        };
        let score = slot.starts_at.timestamp_millis() - BOOKED_AHEAD_MS;
        if let Err(error) = self.talk.put_at(request, score).await {
            tracing::warn!(%error, slot = %slot.id, "a booked member cannot join the line to talk");
            return;
        }
        self.talk_line_changed();
        let notice = ServerMessage::Notice {
            kind: NoticeKind::BookingStarted,
            message: format!(
                "予約の時間になりました。相談員の{}さんが、まもなくお呼びします。そのままお待ちください。",
                slot.counsellor.nickname
            ),
            until: None,
        };
        session.deliver_or_close(Frame::from(notice.to_text()));
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
