//! The wire protocol: every message a client and the server exchange over `/ws`.
//!
//! JSON text frames with a `type` tag. Requests may carry `rid`; the reply echoes it.
//! docs/protocol.md documents each variant; a test checks that every variant here has an
//! example there and that every example parses, so the two cannot drift apart.
use crate::auth::Grant;
use crate::media::{IceServer, RemoteTrack, TrackKind, Uplink};
use crate::model::{AgeGroup, Avatar, Mode, Profession, PublicId, ReportReason, Role};
use crate::schedule::Window;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// A request id chosen by the client, echoed in the reply. A number or a short string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Rid {
    Num(u64),
    Str(String),
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientMessage {
    /// Must be the first message on a connection.
    Auth {
        #[serde(default)]
        rid: Option<Rid>,
        token: String,
    },
    /// Enter a room (leaving the current one). `resume` asks for the chat missed since a
    /// sequence number seen earlier in the same room.
    Join {
        #[serde(default)]
        rid: Option<Rid>,
        room: String,
        #[serde(default)]
        resume: Option<Resume>,
    },
    Leave {
        #[serde(default)]
        rid: Option<Rid>,
    },
    Chat {
        #[serde(default)]
        rid: Option<Rid>,
        text: String,
        /// Send it even though it holds contact details (after `chat_contact`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        confirm: bool,
    },
    /// Walk to a point on the free-space map. Unacknowledged: positions come back batched.
    Move { x: f32, y: f32 },
    Stamp {
        #[serde(default)]
        rid: Option<Rid>,
        stamp: Stamp,
    },
    Status {
        #[serde(default)]
        rid: Option<Rid>,
        status: Status,
    },
    Avatar {
        #[serde(default)]
        rid: Option<Rid>,
        avatar: Avatar,
    },
    /// A counsellor in a consultation room lets one member in.
    Invite {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
    },
    Ping {
        #[serde(default)]
        rid: Option<Rid>,
    },
    /// Staff: a message to everyone in the space, whatever room they are in.
    Announce {
        #[serde(default)]
        rid: Option<Rid>,
        text: String,
    },
    /// Staff: who is in which room now.
    Overview {
        #[serde(default)]
        rid: Option<Rid>,
    },
    /// Start (or start over) this connection's voice: one peer connection to the server,
    /// which then sends `voice_offer`s.
    VoiceStart {
        #[serde(default)]
        rid: Option<Rid>,
    },
    VoiceStop {
        #[serde(default)]
        rid: Option<Rid>,
    },
    /// The answer to the latest `voice_offer`.
    VoiceAnswer {
        #[serde(default)]
        rid: Option<Rid>,
        sdp: String,
    },
    /// A trickled ICE candidate (`candidate:…`); empty when gathering is over.
    VoiceCandidate {
        #[serde(default)]
        rid: Option<Rid>,
        candidate: String,
    },
    /// Send a track (voice, camera or screen) to those who may hear it.
    VoicePublish {
        #[serde(default)]
        rid: Option<Rid>,
        kind: TrackKind,
    },
    VoiceUnpublish {
        #[serde(default)]
        rid: Option<Rid>,
        kind: TrackKind,
    },
    /// Staff: stop (or let again) a member's voice: the same as `mute` with `voice: true` for
    /// an hour (`muted: false`: the voice part of `unmute`).
    VoiceMute {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
        muted: bool,
    },
    /// In a room with a stage: ask (or stop asking) to speak.
    RaiseHand {
        #[serde(default)]
        rid: Option<Rid>,
        raised: bool,
    },
    /// A host of a room with a stage: invite a member to speak, or bring them back to the audience.
    SetSpeaker {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
        speaker: bool,
    },
    /// Ask privately to talk with a counsellor now (今話したい); asking again changes how.
    TalkAsk {
        #[serde(default)]
        rid: Option<Rid>,
        #[serde(default)]
        mode: Mode,
        #[serde(default)]
        profession: Option<Profession>,
    },
    /// Stop waiting to talk.
    TalkWithdraw {
        #[serde(default)]
        rid: Option<Rid>,
    },
    /// A counsellor: take a waiting member into a free consultation room (the counsellor
    /// enters it; the member is invited).
    TalkAccept {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
    },
    /// Say "not now" to an invitation into a consultation room.
    TalkDecline {
        #[serde(default)]
        rid: Option<Rid>,
        room: String,
    },
    /// End the consultation one is in, for everyone in it.
    TalkEnd {
        #[serde(default)]
        rid: Option<Rid>,
    },
    /// Staff on duty: "I have seen this alert and am on it".
    AlertAck {
        #[serde(default)]
        rid: Option<Rid>,
        alert: String,
    },
    /// Anyone in a room: report a member (and, with `seq`, one of their lines in this room)
    /// to the staff. The reported member is never told.
    Report {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
        #[serde(default)]
        seq: Option<u64>,
        reason: ReportReason,
        #[serde(default)]
        note: Option<String>,
    },
    /// Staff and counsellors: go on duty (`on: true`) or off.
    Duty {
        #[serde(default)]
        rid: Option<Rid>,
        on: bool,
    },
    /// Staff: take a chat line out of its room's conversation, for everyone.
    Hide {
        #[serde(default)]
        rid: Option<Rid>,
        room: String,
        seq: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// A private word: from staff to any member in the space, or a member's answer to staff
    /// who whispered to them on this connection. Never stored.
    Whisper {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
        text: String,
    },
    /// Staff: hold back a member's text (chat and stamps) and/or voice for `minutes`.
    Mute {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
        #[serde(default)]
        text: bool,
        #[serde(default)]
        voice: bool,
        minutes: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Staff: lift a member's mute (text and voice) now.
    Unmute {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
    },
    /// A participant or family member stops seeing (and being seen by) another one.
    Block {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
    },
    /// Staff: ask a member to leave the room they are in (they may not come back to it for a
    /// while).
    AskToLeave {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Lifts one's own block.
    Unblock {
        #[serde(default)]
        rid: Option<Rid>,
        member: PublicId,
    },
}

impl ClientMessage {
    pub fn rid(&self) -> Option<&Rid> {
        match self {
            ClientMessage::Auth { rid, .. }
            | ClientMessage::Join { rid, .. }
            | ClientMessage::Leave { rid }
            | ClientMessage::Chat { rid, .. }
            | ClientMessage::Stamp { rid, .. }
            | ClientMessage::Status { rid, .. }
            | ClientMessage::Avatar { rid, .. }
            | ClientMessage::Invite { rid, .. }
            | ClientMessage::Ping { rid }
            | ClientMessage::Announce { rid, .. }
            | ClientMessage::Overview { rid }
            | ClientMessage::VoiceStart { rid }
            | ClientMessage::VoiceStop { rid }
            | ClientMessage::VoiceAnswer { rid, .. }
            | ClientMessage::VoiceCandidate { rid, .. }
            | ClientMessage::VoicePublish { rid, .. }
            | ClientMessage::VoiceUnpublish { rid, .. }
            | ClientMessage::VoiceMute { rid, .. }
            | ClientMessage::RaiseHand { rid, .. }
            | ClientMessage::SetSpeaker { rid, .. }
            | ClientMessage::TalkAsk { rid, .. }
            | ClientMessage::TalkWithdraw { rid }
            | ClientMessage::TalkAccept { rid, .. }
            | ClientMessage::TalkDecline { rid, .. }
            | ClientMessage::TalkEnd { rid }
            | ClientMessage::Duty { rid, .. }
            | ClientMessage::AlertAck { rid, .. }
            | ClientMessage::Hide { rid, .. }
            | ClientMessage::Whisper { rid, .. }
            | ClientMessage::Mute { rid, .. }
            | ClientMessage::Unmute { rid, .. }
            | ClientMessage::AskToLeave { rid, .. }
            | ClientMessage::Block { rid, .. }
            | ClientMessage::Unblock { rid, .. }
            | ClientMessage::Report { rid, .. } => rid.as_ref(),
            ClientMessage::Move { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resume {
    pub epoch: String,
    pub seq: u64,
}

/// 見てるだけ / 話せます / 休憩中
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    Watching,
    CanTalk,
    Resting,
}

/// Reactions that let people join in without words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stamp {
    Wave,
    Nod,
    Clap,
    Heart,
    Laugh,
    Thanks,
    Sparkle,
    Tea,
}

/// How other members see someone: never an account id, e-mail address or token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub id: PublicId,
    pub nickname: String,
    pub avatar: Avatar,
    /// "staff" or "counsellor"; absent for participants and family members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge: Option<String>,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pos: Option<Point>,
    /// Sharing a screen that others here may see (in a room's events only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub screen: bool,
}

/// Who is in one room, for staff. A consultation room shows only that it is in use, and
/// only to those who take consultations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomOccupancy {
    pub room: String,
    pub count: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub id: PublicId,
    pub x: f32,
    pub y: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatLine {
    pub seq: u64,
    pub from: PublicId,
    pub nickname: String,
    pub text: String,
    #[serde(serialize_with = "crate::schedule::rfc3339")]
    pub at: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub id: String,
    pub kind: RoomKindName,
    pub name: String,
    /// The operator's English for `name` and `description`, when given: an English page
    /// shows them (and `name` without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_en: Option<String>,
    pub capacity: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<MapSize>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stage: bool,
    /// You host this room (a program whose `host_roles` include your role).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub host: bool,
    /// Program rooms: the session running now (doors open early) and the next one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_now: Option<Window>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_next: Option<Window>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub videos: Vec<VideoInfo>,
    /// `false` when the room is for some age bands or roles and you are not among them
    /// (joining answers `not_for_you`); absent when it is for you.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub for_you: bool,
    /// Whom the room is for, when not for everyone (rooms.toml `for_groups`, `for_roles`):
    /// the room's setting, the same for everyone; never anyone's own band.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub for_groups: Vec<AgeGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub for_roles: Vec<Role>,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomKindName {
    Free,
    Program,
    Consult,
    Gallery,
    Staff,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapSize {
    pub width: u32,
    pub height: u32,
    /// The drawn map under the avatars, stretched to width × height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// Places on the map that change who hears whom (rooms.toml's `[[room.area]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<AreaInfo>,
}

/// A named rectangle of the map, in map units: at a `table` those inside hear only each
/// other; in a `quiet` corner nobody is heard and those inside show as resting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    pub kind: AreaKindName,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaKindName {
    Table,
    Quiet,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoInfo {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    pub src: String,
    /// An image shown before the video plays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster: Option<String>,
    /// WebVTT captions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captions: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpaceInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    pub timezone: String,
    pub open: bool,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::schedule::rfc3339_opt"
    )]
    pub closes_at: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_opening: Option<Window>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveReason {
    /// The member asked to leave (or joined another room).
    Left,
    /// The program's session ended.
    SessionEnded,
    /// Someone in the consultation ended it.
    ConsultationEnded,
    /// Staff asked the member to leave the room (`ask_to_leave`).
    AskedToLeave,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The space closes soon.
    Closing,
    /// The space has closed, but a consultation in progress may go on until `until`.
    ConsultGrace,
    /// A booked consultation was cancelled (its day closed, or the slot was withdrawn).
    BookingCancelled,
    /// A booked consultation starts at `until`.
    BookingReminder,
    /// A booked consultation has started: the member is first in line for their counsellor.
    BookingStarted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoodbyeReason {
    /// Opening hours are over.
    Closed,
    /// The server is stopping (maintenance); it will be back.
    Shutdown,
}

// `welcome` is the largest by far, and built once per connection; a broadcast is serialized
// once and shared as bytes, so the enum's size costs nothing where it matters.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Welcome {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<Rid>,
        you: MemberView,
        /// What this member may do beyond being present: the page shows tools from these.
        grants: Vec<Grant>,
        space: SpaceInfo,
        rooms: Vec<RoomInfo>,
        limits: Limits,
        /// For `RTCPeerConnection`: the TURN server with a time-limited credential, or none.
        ice_servers: Vec<IceServer>,
        /// Whom this member blocked (never who blocked them).
        blocked: Vec<PublicId>,
    },
    Joined {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<Rid>,
        room: String,
        /// Changes when the room restarts (and its memory-only chat is gone).
        epoch: String,
        /// The room's latest sequence number.
        seq: u64,
        members: Vec<MemberView>,
        /// Recent chat, or everything after `resume.seq` when resuming.
        chat: Vec<ChatLine>,
        /// True when resuming could not replay everything missed (the buffer had moved on,
        /// or the room restarted): some chat is gone.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        gap: bool,
        /// Resuming: the seqs of lines up to `resume.seq` that staff hid since (`chat_hidden`
        /// may not have reached a dropped connection): take them off the page.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        hidden: Vec<u64>,
        /// Rooms with a stage: who may speak and whose hands are up.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stage: Option<StageView>,
    },
    Left {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<Rid>,
        room: String,
        reason: LeaveReason,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    MemberJoined {
        room: String,
        seq: u64,
        member: MemberView,
    },
    MemberLeft {
        room: String,
        seq: u64,
        id: PublicId,
    },
    /// Status or avatar changed.
    MemberUpdated {
        room: String,
        seq: u64,
        member: MemberView,
    },
    /// Positions that changed since the last tick, batched (about 10 per second).
    Positions {
        room: String,
        moves: Vec<Position>,
    },
    Chat {
        room: String,
        #[serde(flatten)]
        line: ChatLine,
    },
    Stamp {
        room: String,
        seq: u64,
        from: PublicId,
        stamp: Stamp,
    },
    /// A request was accepted; for chat, `seq` is the message's place in the room.
    Ack {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<Rid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seq: Option<u64>,
    },
    /// A counsellor has opened a consultation room for you; `mode` when it answers your own
    /// request to talk.
    Invited {
        room: String,
        by: MemberView,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Mode>,
    },
    /// Your own request to talk: whether you are waiting, and your place in line.
    TalkRequest {
        waiting: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        place: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<Mode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        profession: Option<Profession>,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            serialize_with = "crate::schedule::rfc3339_opt"
        )]
        since: Option<DateTime<FixedOffset>>,
        /// Waiting for the counsellor their booked consultation is with.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        booked_with: Option<PublicId>,
    },
    /// Counsellors: everyone waiting to talk, first first.
    TalkLine {
        requests: Vec<TalkRequestView>,
    },
    /// To staff on duty: a line that reads as a crisis, within a second of it being written
    /// (the line itself went to its room as usual). Repeated (`repeat` > 0) until someone
    /// acknowledges it.
    CrisisAlert {
        alert: String,
        member: MemberView,
        room: String,
        text: String,
        category: String,
        #[serde(serialize_with = "crate::schedule::rfc3339")]
        at: DateTime<FixedOffset>,
        #[serde(default, skip_serializing_if = "is_zero")]
        repeat: u32,
    },
    /// To staff on duty: someone confirmed a line with contact details in a room open to many
    /// (the line went to the room; `kind` says what it held).
    ContactShared {
        member: MemberView,
        room: String,
        kind: String,
        #[serde(serialize_with = "crate::schedule::rfc3339")]
        at: DateTime<FixedOffset>,
    },
    /// To staff on duty on every node: a member filed a report (staff read it over HTTP).
    ReportFiled {
        report: String,
        room: String,
        reported: PublicId,
        nickname: String,
        reason: ReportReason,
        #[serde(serialize_with = "crate::schedule::rfc3339")]
        at: DateTime<FixedOffset>,
    },
    /// To the reporter, after the `ack`: the report reached the staff, and the other person
    /// is not told.
    ReportReceived {
        message: String,
    },
    /// To staff on duty: someone acknowledged the alert.
    AlertAcknowledged {
        alert: String,
        by: MemberView,
    },
    /// To the writer of a line that reads as a crisis, privately: where to call now, and that
    /// a counsellor can be asked (`talk_ask`).
    Help {
        help_lines: Vec<HelpLineView>,
    },
    /// Whether someone from the staff is there (to everyone); to staff also how many are on
    /// duty, whether they are, and whether too few are during opening hours.
    Duty {
        staff_present: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        on_duty: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        you: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        short: Option<bool>,
    },
    /// To those in a consultation room: the member invited said "not now".
    TalkDeclined {
        room: String,
        member: PublicId,
    },
    Notice {
        kind: NoticeKind,
        message: String,
        /// When the space (or the consultation's grace period) ends, or a booked
        /// consultation starts; absent when nothing is counted down to.
        #[serde(
            default,
            serialize_with = "crate::schedule::rfc3339_opt",
            skip_serializing_if = "Option::is_none"
        )]
        until: Option<DateTime<FixedOffset>>,
    },
    /// Staff's message to the whole space.
    Announcement {
        from: MemberView,
        text: String,
        #[serde(serialize_with = "crate::schedule::rfc3339")]
        at: DateTime<FixedOffset>,
    },
    /// The reply to `overview`: the rooms with people in them.
    Overview {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<Rid>,
        rooms: Vec<RoomOccupancy>,
        /// To staff without the consultation grant: how many consultations are going on
        /// (never where, nor who).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consultations: Option<usize>,
    },
    /// The space opened, or closed while you stay (staff): its state now, as in `welcome`.
    SpaceChanged {
        space: SpaceInfo,
    },
    /// The server is about to close this connection (see `reason`).
    Goodbye {
        reason: GoodbyeReason,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_opening: Option<Window>,
    },
    /// The server's offer for this connection's peer connection: answer with `voice_answer`.
    VoiceOffer {
        sdp: String,
        /// Other members' tracks this connection receives, by m-line.
        tracks: Vec<RemoteTrack>,
        /// This member's own tracks, by m-line: attach the microphone (camera, screen) there.
        uplinks: Vec<Uplink>,
    },
    /// A member started or stopped speaking. Unsequenced, like positions.
    VoiceSpeaking {
        room: String,
        id: PublicId,
        speaking: bool,
    },
    /// A place to speak freed up in this room, after your `voice_publish` was refused with
    /// `speakers_full`. Nothing is switched on: press 話す again to take it.
    VoicePlaceFree {
        room: String,
        message: String,
    },
    /// Staff held back your text and/or voice: until when, as it is now (on entering too).
    Muted {
        #[serde(
            default,
            serialize_with = "crate::schedule::rfc3339_opt",
            skip_serializing_if = "Option::is_none"
        )]
        text_until: Option<DateTime<FixedOffset>>,
        #[serde(
            default,
            serialize_with = "crate::schedule::rfc3339_opt",
            skip_serializing_if = "Option::is_none"
        )]
        voice_until: Option<DateTime<FixedOffset>>,
        message: String,
    },
    /// Your mute is over (its time came, or staff lifted it).
    MuteEnded {
        message: String,
    },
    /// A line was taken out of the room's conversation: remove it (staff pages grey it).
    ChatHidden {
        room: String,
        seq: u64,
    },
    /// A private word from staff, or (to staff) a member's answer.
    Whisper {
        from: MemberView,
        text: String,
        #[serde(serialize_with = "crate::schedule::rfc3339")]
        at: DateTime<FixedOffset>,
    },
    /// Who may speak on the stage and whose hands are up changed.
    Stage {
        room: String,
        seq: u64,
        #[serde(flatten)]
        stage: StageView,
    },
    Error(ErrorBody),
    Pong {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rid: Option<Rid>,
    },
}

/// A stage: its speakers (invited by a host; hosts speak without an invitation) and the
/// raised hands in the order they went up.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StageView {
    pub speakers: Vec<PublicId>,
    pub hands: Vec<PublicId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rid: Option<Rid>,
    pub code: ErrorCode,
    /// Ready to show, in Japanese.
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_opening: Option<Window>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// On `listen_only`: why the member may only listen for now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ListenOnlyReason>,
    /// On `bad_request` and `unknown_type`: the field at fault, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// On `not_for_you`: whom the room is for (the room's setting, never the member's band).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub for_groups: Vec<AgeGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub for_roles: Vec<Role>,
    /// On `muted`: until when.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::schedule::rfc3339_opt"
    )]
    pub until: Option<DateTime<FixedOffset>>,
    /// On `bad_request`, `unknown_type` and `bad_sdp`: what the parser said, for developers
    /// (English, technical; never shown to people: `message` is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListenOnlyReason {
    /// Their status is 見てるだけ.
    Watching,
    /// They are in a stage's audience and not invited to speak.
    Audience,
    /// Staff muted them.
    Muted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not JSON, or is binary.
    BadFrame,
    /// The frame has no `type`, or one this server does not know.
    UnknownType,
    /// The `type` is known but a field is missing, unknown or out of range.
    BadRequest,
    FrameTooLarge,
    NotAuthenticated,
    AlreadyAuthenticated,
    TokenInvalid,
    TokenExpired,
    /// The token is valid but its account no longer exists; or the member reported does
    /// not exist.
    UnknownMember,
    /// The member asked for (e.g. to invite) is not in the space now.
    NotPresent,
    SpaceClosed,
    /// A program room outside its session.
    RoomClosed,
    UnknownRoom,
    RoomFull,
    /// The member's role does not allow this.
    NotAllowed,
    /// The room is for some age bands or roles only (rooms.toml `for_groups`, `for_roles`),
    /// and the member is not among them; the message says kindly whom it is for.
    NotForYou,
    NotInRoom,
    ChatEmpty,
    /// A line with contact details (a phone number, an address, a link, a messenger id) in a
    /// room open to many, held back until the sender confirms (`confirm: true`).
    ChatContact,
    ChatTooLong,
    RateLimited,
    /// Moving is only possible on a map (the free space).
    NoMap,
    /// The server has as many connections as it may hold; try again a little later.
    ServerBusy,
    /// Several nodes: the room cannot be reached for a moment (the nodes lost their Redis);
    /// close 4007 follows, and rejoining works again once it is back.
    Unavailable,
    /// A voice request before `voice_start`.
    VoiceNotStarted,
    /// Publishing refused: the member only listens here (見てるだけ, the audience of a
    /// stage, or muted by staff).
    ListenOnly,
    /// An answer or candidate that could not be used (or no offer was waiting).
    BadSdp,
    /// The room has no voice (the gallery).
    NoVoice,
    /// Raising a hand or inviting a speaker in a room without a stage.
    NoStage,
    /// `talk_accept`: the member is no longer waiting (withdrew, left, or another counsellor
    /// took them).
    NotWaiting,
    /// `talk_accept`: every consultation room is in use.
    NoRoomFree,
    /// On `auth`: fewer staff are on duty than the space needs to let participants in.
    NoStaff,
    /// `alert_ack`: no such alert reached you (or it is too old).
    UnknownAlert,
    /// Publishing refused: as many members as the room allows are sending already.
    SpeakersFull,
    Internal,
    /// Chat and stamps held back by staff for a while (`until`).
    Muted,
    /// Joining a room staff asked the member to leave, before `until`.
    AskedToLeave,
    /// `hide`: the room no longer holds that line.
    UnknownMessage,
    /// `block`: staff, counsellors and admins are not blocked, and do not block (a report
    /// or a word with staff is the way).
    CannotBlock,
    /// `block`: oneself.
    BlockSelf,
    /// `block` / `unblock`: no such member.
    NoSuchMember,
    /// The account is suspended (the message says why and whom to ask); the connection then
    /// closes with 4008.
    AccountSuspended,
    /// A member cannot report themselves.
    ReportSelf,
}

/// WebSocket close codes the server uses. 4000–4999 are ours; each comes with a reason text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseCode {
    /// 1000: the connection ended normally (the client closed it).
    Normal,
    /// 1001: the server is shutting down.
    GoingAway,
    /// 1007: a text frame that is not valid UTF-8 (the WebSocket standard's code).
    BadText,
    /// 1009: a frame was larger than the transport limit.
    TooBig,
    /// 4000: no `auth` message within the time allowed.
    AuthTimeout,
    /// 4001: authentication failed (invalid or expired token, unknown member): log in again.
    AuthFailed,
    /// 4002: the space is closed (see the goodbye or error just before).
    SpaceClosed,
    /// 4003: the client did not read fast enough; reconnect and resume.
    SlowConsumer,
    /// 4004: the same member connected again elsewhere; this connection is replaced.
    Replaced,
    /// 4005: too many rejected messages in a short time.
    Flood,
    /// 4006: nothing heard from the client (not even a pong) for too long.
    Unresponsive,
    /// 4007: the room (or this node) moves to another server: reconnect now and resume.
    Moving,
    /// 1011: the server could not serve the request (a storage failure); try again later.
    Internal,
    /// 1013: the server is full (its connection limit); try again a little later.
    TryAgainLater,
    /// 4008: the account is suspended (see the `account_suspended` error just before); do not
    /// reconnect.
    Suspended,
}

impl CloseCode {
    pub const ALL: [CloseCode; 15] = [
        CloseCode::Normal,
        CloseCode::GoingAway,
        CloseCode::BadText,
        CloseCode::TooBig,
        CloseCode::AuthTimeout,
        CloseCode::AuthFailed,
        CloseCode::SpaceClosed,
        CloseCode::SlowConsumer,
        CloseCode::Replaced,
        CloseCode::Flood,
        CloseCode::Unresponsive,
        CloseCode::Moving,
        CloseCode::Internal,
        CloseCode::TryAgainLater,
        CloseCode::Suspended,
    ];

    pub fn code(self) -> u16 {
        match self {
            CloseCode::Normal => 1000,
            CloseCode::GoingAway => 1001,
            CloseCode::BadText => 1007,
            CloseCode::TooBig => 1009,
            CloseCode::AuthTimeout => 4000,
            CloseCode::AuthFailed => 4001,
            CloseCode::SpaceClosed => 4002,
            CloseCode::SlowConsumer => 4003,
            CloseCode::Replaced => 4004,
            CloseCode::Flood => 4005,
            CloseCode::Unresponsive => 4006,
            CloseCode::Moving => 4007,
            CloseCode::Internal => 1011,
            CloseCode::TryAgainLater => 1013,
            CloseCode::Suspended => 4008,
        }
    }

    /// Whether the member may be back in a moment (the connection broke, stalled or was taken
    /// over by their own new one), as opposed to an end someone chose.
    pub fn may_come_back(self) -> bool {
        matches!(
            self,
            CloseCode::SlowConsumer
                | CloseCode::Replaced
                | CloseCode::Unresponsive
                | CloseCode::Moving
        )
    }

    /// Whether the transport refused a frame and reads nothing more from this connection.
    pub fn read_side_failed(self) -> bool {
        matches!(self, CloseCode::BadText | CloseCode::TooBig)
    }

    /// The reason text sent with the close frame (short: a close reason is at most 123 bytes).
    pub fn reason(self) -> &'static str {
        match self {
            CloseCode::Normal => "bye",
            CloseCode::GoingAway => "server_shutdown",
            CloseCode::BadText => "invalid_utf8",
            CloseCode::TooBig => "frame_too_large",
            CloseCode::AuthTimeout => "auth_timeout",
            CloseCode::AuthFailed => "auth_failed",
            CloseCode::SpaceClosed => "space_closed",
            CloseCode::SlowConsumer => "slow_consumer",
            CloseCode::Replaced => "replaced",
            CloseCode::Flood => "flood",
            CloseCode::Unresponsive => "unresponsive",
            CloseCode::Moving => "moving",
            CloseCode::Internal => "internal_error",
            CloseCode::TryAgainLater => "server_busy",
            CloseCode::Suspended => "account_suspended",
        }
    }
}

/// The limits a client must respect, sent in `welcome` and documented in docs/protocol.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest text frame answered with a typed error; larger still closes with 1009.
    pub frame_bytes: usize,
    pub chat_chars: usize,
    /// Messages of any kind per second (sustained), with a burst allowance.
    pub messages_per_second: u32,
    pub messages_burst: u32,
    /// Chat messages, stamps and whispers per second (sustained), with a burst allowance.
    pub chat_per_second: u32,
    pub chat_burst: u32,
    /// Seconds allowed between connecting and `auth`.
    pub auth_timeout_secs: u64,
}

/// A telephone line for someone in crisis (rooms.toml `[safety] help_lines`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HelpLineView {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    pub number: String,
    pub hours: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_en: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A member waiting to talk, as counsellors see them (no position: only who and how).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TalkRequestView {
    pub member: MemberView,
    pub mode: Mode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profession: Option<Profession>,
    #[serde(serialize_with = "crate::schedule::rfc3339")]
    pub since: DateTime<FixedOffset>,
    /// A booked consultation whose time has come: the counsellor it was booked with, the
    /// only one who may accept it. Booked requests stand ahead of those asked now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booked_with: Option<PublicId>,
}

impl ServerMessage {
    /// The member's request to talk: `Some((place, request))` while waiting.
    pub fn talk_request(waiting: Option<(usize, &TalkRequestView)>) -> ServerMessage {
        match waiting {
            Some((place, request)) => ServerMessage::TalkRequest {
                waiting: true,
                place: Some(place),
                mode: Some(request.mode),
                profession: request.profession,
                since: Some(request.since),
                booked_with: request.booked_with.clone(),
            },
            None => ServerMessage::TalkRequest {
                waiting: false,
                place: None,
                mode: None,
                profession: None,
                since: None,
                booked_with: None,
            },
        }
    }

    /// Serialize once; the text is shared by every recipient of a broadcast.
    pub fn to_text(&self) -> String {
        // Serializing these plain data types cannot fail: no maps with non-string keys,
        // no custom serializers that return errors.
        serde_json::to_string(self).unwrap_or_else(|_| String::from(r#"{"type":"error","code":"internal","message":"申し訳ありません。サーバーで問題が起きました。"}"#))
    }

    pub fn error(rid: Option<Rid>, code: ErrorCode, message: impl Into<String>) -> ServerMessage {
        ServerMessage::Error(ErrorBody::new(rid, code, message))
    }
}

impl ErrorBody {
    /// An error without the fields that only some codes carry (set those on the result).
    pub fn new(rid: Option<Rid>, code: ErrorCode, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            rid,
            code,
            message: message.into(),
            next_opening: None,
            retry_after_ms: None,
            limit: None,
            reason: None,
            field: None,
            for_groups: Vec::new(),
            for_roles: Vec::new(),
            until: None,
            detail: None,
        }
    }
}
