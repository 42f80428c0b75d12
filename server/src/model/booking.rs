//! Consultation booking: the slots counsellors publish and the one booking each can carry,
//! and what a person is told about theirs (docs/consultations.md).
use super::{AccountId, PublicId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The counsellor's profession, as they state it on each slot they publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profession {
    /// 臨床心理士
    ClinicalPsychologist,
    /// 社会福祉士
    SocialWorker,
    /// 精神保健福祉士
    PsychiatricSocialWorker,
}

impl Profession {
    pub const ALL: [Profession; 3] = [
        Profession::ClinicalPsychologist,
        Profession::SocialWorker,
        Profession::PsychiatricSocialWorker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Profession::ClinicalPsychologist => "clinical_psychologist",
            Profession::SocialWorker => "social_worker",
            Profession::PsychiatricSocialWorker => "psychiatric_social_worker",
        }
    }

    pub fn ja(self) -> &'static str {
        match self {
            Profession::ClinicalPsychologist => "臨床心理士",
            Profession::SocialWorker => "社会福祉士",
            Profession::PsychiatricSocialWorker => "精神保健福祉士",
        }
    }
}

impl std::str::FromStr for Profession {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Profession::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown profession `{s}`"))
    }
}

/// How a consultation is held. Text only is the default and first-class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Text,
    Voice,
    Video,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Text, Mode::Voice, Mode::Video];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Text => "text",
            Mode::Voice => "voice",
            Mode::Video => "video",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("unknown mode `{s}`"))
    }
}

/// A slot as a counsellor publishes it (already checked against the schedule).
#[derive(Debug, Clone)]
pub struct NewSlot {
    pub counsellor: AccountId,
    /// The local date of `starts_at` in the space's zone.
    pub day: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub profession: Profession,
    pub modes: Vec<Mode>,
    pub counsellor_email: bool,
}

/// Someone a slot's people are: their account (for the store and e-mail only), the public id
/// the space knows them by, and their nickname: never an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotPerson {
    pub account: AccountId,
    pub public_id: PublicId,
    pub nickname: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub by: SlotPerson,
    pub mode: Mode,
    /// They opted in to e-mails (a reminder, a cancellation) about it.
    pub email: bool,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub id: String,
    pub counsellor: SlotPerson,
    pub day: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub profession: Profession,
    pub modes: Vec<Mode>,
    pub counsellor_email: bool,
    pub booking: Option<Booking>,
    pub reminded_at: Option<DateTime<Utc>>,
}

/// What a person is told about a booking, in the space (and kept until they have seen it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingNoticeKind {
    /// The slot is gone: its day closed, or the counsellor withdrew it.
    BookingCancelled,
    /// The consultation starts soon.
    BookingReminder,
}

impl BookingNoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingNoticeKind::BookingCancelled => "booking_cancelled",
            BookingNoticeKind::BookingReminder => "booking_reminder",
        }
    }
}

impl std::str::FromStr for BookingNoticeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "booking_cancelled" => Ok(BookingNoticeKind::BookingCancelled),
            "booking_reminder" => Ok(BookingNoticeKind::BookingReminder),
            other => Err(format!("unknown booking notice `{other}`")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingNotice {
    pub id: String,
    pub kind: BookingNoticeKind,
    /// In Japanese, ready to show.
    pub message: String,
    pub slot_start: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub delivered: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in Profession::ALL {
            assert_eq!(p.as_str().parse::<Profession>().unwrap(), p);
        }
        for m in Mode::ALL {
            assert_eq!(m.as_str().parse::<Mode>().unwrap(), m);
        }
        assert!("doctor".parse::<Profession>().is_err());
    }
}
