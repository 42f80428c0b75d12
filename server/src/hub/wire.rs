//! What nodes say to each other about rooms and members (over crate::cluster::Bus): a
//! member's command to the node hosting their room, frames and room changes back to the node
//! holding the member's connection, answers to questions, and space-wide messages.
//!
//! On the wire: one JSON line for the message, then, for frames, the frame's own text as is
//! (serialized once by the room, never escaped into a second JSON string).
use super::protocol::{
    ChatLine, CloseCode, ErrorBody, ErrorCode, LeaveReason, MemberView, Resume, Rid, Stamp,
};
use crate::media::TrackKind;
use crate::model::{Mute, PublicId, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Wire {
    /// To the node hosting `room`: a command from node `from`, of one of its members (`who`)
    /// or of the node itself.
    Command {
        room: String,
        from: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        who: Option<Who>,
        command: Command,
    },
    /// To a member's node: a frame (the text after the line) for some of its connections.
    Frames { conns: Vec<u64>, how: How },
    /// To a member's node: the room says which room the connection is in now (`only_if`: clear
    /// it only if it is still that room).
    Room {
        conn: u64,
        room: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        only_if: Option<String>,
    },
    /// To a member's node: close the connection.
    Close { conn: u64, code: u16 },
    /// To the node that asked: the answer to question `ask`.
    Answer { ask: u64, answer: Answer },
    /// To the node hosting the member's room, whose media engine carries the room's voice: a
    /// voice request of the member on connection `who.conn` of node `from`.
    Voice {
        from: String,
        who: Who,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<Rid>,
        op: VoiceOp,
    },
    /// To every node: the line of members waiting to talk changed (hub::talk).
    TalkLine,
    /// To every node: who is on duty changed (hub::duty).
    Duty,
    /// To every node: a frame (after the line; a crisis alert, a contact shared) for its
    /// staff on duty (`consult`: counsellors only).
    ToStaff { consult: bool },
    /// To every node: a crisis alert was acknowledged (the frame after the line).
    AlertAcknowledged,
    /// To every node: close this member's connection (4001), e.g. their account was deleted.
    SignOut { member: PublicId },
    /// To every node: `member` and `other` are apart now (either blocked the other), or no
    /// longer: the node holding either's connection tells it and its room (hub::blocks).
    Apart {
        member: PublicId,
        other: PublicId,
        apart: bool,
    },
    /// To every node: the member's account is suspended: hand them the frame after the line,
    /// then close their connection (4008).
    Suspend { member: PublicId },
    /// To every node: a frame (the text after the line) for every member connected there, or
    /// for one member only.
    Everyone {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        member: Option<PublicId>,
    },
    /// To every node: the member's mute is now `mute` (crate::hub::moderation).
    Mute { member: PublicId, mute: Mute },
    /// To every node: a whisper from staff `from` (the frame after the line) for `member`,
    /// who may answer it.
    Whisper { member: PublicId, from: PublicId },
}

/// The member on connection `conn` of the sending node.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Who {
    pub conn: u64,
    pub member: PublicId,
    pub role: Role,
    /// How others see the member: on joining and when it changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view: Option<Box<MemberView>>,
    /// On joining: whom the member is apart from (hub::blocks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apart: Option<Vec<PublicId>>,
}

/// How a frame is queued for a member (crate::hub::handle::SessionShared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// May be dropped (positions).
    Deliver,
    /// Must arrive, or the connection closes (chat, presence).
    DeliverOrClose,
    /// The answer to the member's own request.
    Reply,
}

/// A member's command to a room, as `RoomCommand` has it, with a question number where the
/// room answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "c", rename_all = "snake_case")]
pub enum Command {
    Join {
        resume: Option<Resume>,
        rid: Option<Rid>,
        ask: u64,
    },
    Leave {
        reason: Option<LeaveReason>,
        rid: Option<Rid>,
    },
    Chat {
        text: String,
        rid: Option<Rid>,
    },
    Move {
        x: f32,
        y: f32,
    },
    MissedPositions,
    Stamp {
        stamp: Stamp,
        rid: Option<Rid>,
    },
    ViewChanged {
        rid: Option<Rid>,
    },
    Invite {
        member: PublicId,
        ask: u64,
    },
    Occupants {
        ask: u64,
    },
    /// The chat lines the room holds (RoomCommand::Lines).
    Lines {
        ask: u64,
    },
    /// Not the command of someone in the room: the member invited answers from elsewhere.
    Decline {
        member: PublicId,
        ask: u64,
    },
    End {
        rid: Option<Rid>,
    },
    Publish {
        kind: TrackKind,
        ask: u64,
    },
    Unpublish {
        kind: Option<TrackKind>,
    },
    /// Not of someone in the room: the muted member's node keeps the room told.
    VoiceMute {
        member: PublicId,
        until: Option<DateTime<Utc>>,
    },
    /// Staff (wherever they are) take a line out.
    Hide {
        seq: u64,
        ask: u64,
    },
    /// Staff (wherever they are) ask a member to leave.
    AskOut {
        member: PublicId,
        until: DateTime<Utc>,
        ask: u64,
    },
    RaiseHand {
        raised: bool,
        rid: Option<Rid>,
    },
    SetSpeaker {
        member: PublicId,
        speaker: bool,
        rid: Option<Rid>,
    },
    Apart {
        other: PublicId,
        apart: bool,
    },
}

/// A member's request to the media engine (docs/protocol.md, Voice), wherever it is served.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "v", rename_all = "snake_case")]
pub enum VoiceOp {
    Start,
    Stop,
    Answer {
        sdp: String,
    },
    Candidate {
        candidate: String,
    },
    Publish {
        kind: TrackKind,
    },
    Unpublish {
        kind: TrackKind,
    },
    /// The member moved to another room of the same host: whatever they sent stops.
    UnpublishAll,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "a", rename_all = "snake_case")]
pub enum Answer {
    Done { result: Result<(), ErrorCode> },
    Publish { result: Result<(), Box<ErrorBody>> },
    Occupants { present: Vec<Present> },
    Hidden { result: Result<PublicId, ErrorCode> },
    Lines { lines: Vec<ChatLine> },
}

/// Someone in a room, as the room tells who asks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Present {
    pub conn: u64,
    pub role: Role,
    pub view: MemberView,
}

impl Wire {
    /// The message's line, then `body` (a frame's text) if any.
    pub fn encode(&self, body: Option<&str>) -> Vec<u8> {
        // Plain data without maps or custom serializers: serializing cannot fail.
        let mut out = serde_json::to_vec(self).unwrap_or_default();
        if let Some(body) = body {
            out.push(b'\n');
            out.extend_from_slice(body.as_bytes());
        }
        out
    }

    /// The message and the text after its line (empty if none); None if it is not ours.
    pub fn decode(payload: &[u8]) -> Option<(Wire, &str)> {
        let (line, body) = match payload.iter().position(|b| *b == b'\n') {
            Some(at) => (&payload[..at], &payload[at + 1..]),
            None => (payload, &[][..]),
        };
        let wire = serde_json::from_slice(line).ok()?;
        Some((wire, std::str::from_utf8(body).ok()?))
    }
}

/// A close code from the wire: only ours are accepted.
pub fn close_code(code: u16) -> Option<CloseCode> {
    CloseCode::ALL.into_iter().find(|c| c.code() == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_travels_after_its_line_unescaped() {
        let frame = r#"{"type":"chat","text":"こんにちは\n改行"}"#;
        let wire = Wire::Frames {
            conns: vec![1, 2],
            how: How::DeliverOrClose,
        };
        let bytes = wire.encode(Some(frame));
        let (back, body) = Wire::decode(&bytes).unwrap();
        assert!(
            matches!(back, Wire::Frames { conns, how: How::DeliverOrClose } if conns == [1, 2])
        );
        assert_eq!(body, frame);
        assert!(Wire::decode(b"not json").is_none());
        assert_eq!(close_code(4007), Some(CloseCode::Moving));
        assert_eq!(close_code(1234), None);
    }
}
