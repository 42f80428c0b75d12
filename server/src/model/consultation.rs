//! What a consultation is about, as a member asks for one (now, or booked): how they want to
//! talk, and with whom.
use serde::{Deserialize, Serialize};

/// How the member wants to talk. Text is the default and first-class: many find speaking the
/// larger step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TalkMode {
    #[default]
    Text,
    Voice,
    Video,
}

/// A counsellor's profession (the member may ask for one, or for anyone).
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

impl TalkMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TalkMode::Text => "text",
            TalkMode::Voice => "voice",
            TalkMode::Video => "video",
        }
    }
}

impl Profession {
    pub fn as_str(self) -> &'static str {
        match self {
            Profession::ClinicalPsychologist => "clinical_psychologist",
            Profession::SocialWorker => "social_worker",
            Profession::PsychiatricSocialWorker => "psychiatric_social_worker",
        }
    }
}
