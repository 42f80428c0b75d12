//! What the accounts flow keeps: applications, invitations, login credentials. The store
//! persists them and `crate::accounts` decides with them.
use super::{AccountId, AgeGroup, Avatar, Lang, PublicId, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Who is applying: the person themself (本人) or a family member (家族).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicant {
    #[serde(rename = "self")]
    Myself,
    Family,
}

impl Applicant {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicant::Myself => "self",
            Applicant::Family => "family",
        }
    }
    /// The role an approved application is invited with.
    pub fn role(self) -> Role {
        match self {
            Applicant::Myself => Role::Participant,
            Applicant::Family => Role::Family,
        }
    }
}

impl std::str::FromStr for Applicant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "self" => Ok(Applicant::Myself),
            "family" => Ok(Applicant::Family),
            other => Err(format!("unknown applicant `{other}`")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Declined,
}

impl ApplicationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Pending => "pending",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Declined => "declined",
        }
    }
}

impl std::str::FromStr for ApplicationStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(ApplicationStatus::Pending),
            "approved" => Ok(ApplicationStatus::Approved),
            "declined" => Ok(ApplicationStatus::Declined),
            other => Err(format!(
                "unknown status `{other}` (expected pending, approved or declined)"
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub nickname: String,
    pub email: String,
    pub applicant: Applicant,
    pub heard_from: Option<String>,
    pub note: Option<String>,
    pub lang: Lang,
}

#[derive(Debug, Clone)]
pub struct Application {
    pub id: String,
    pub nickname: String,
    pub email: String,
    pub applicant: Applicant,
    pub heard_from: Option<String>,
    pub note: Option<String>,
    pub lang: Lang,
    pub status: ApplicationStatus,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<PublicId>,
}

/// What became of an application that was submitted.
#[derive(Debug, Clone)]
pub enum Submitted {
    New(Application),
    /// The same e-mail had a pending application: it now carries the new answers.
    Refreshed(Application),
    /// The e-mail already belongs to an account: nothing was stored.
    AccountExists {
        lang: Lang,
    },
}

#[derive(Debug, Clone)]
pub struct NewInvitation {
    /// SHA-256 of the link's token; the token itself is only ever in the e-mail.
    pub token_hash: String,
    pub email: String,
    pub role: Role,
    /// The wished nickname, to prefill the registration form.
    pub nickname: Option<String>,
    pub lang: Lang,
    pub application: Option<String>,
    pub created_by: Option<PublicId>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub nickname: Option<String>,
    pub lang: Lang,
    pub application: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InvitationState {
    Open,
    Used,
    Expired,
    Revoked,
}

impl Invitation {
    pub fn state(&self, now: DateTime<Utc>) -> InvitationState {
        if self.used_at.is_some() {
            InvitationState::Used
        } else if self.revoked_at.is_some() {
            InvitationState::Revoked
        } else if now >= self.expires_at {
            InvitationState::Expired
        } else {
            InvitationState::Open
        }
    }
}

/// Everything needed to turn an open invitation into a member, in one transaction.
#[derive(Debug, Clone)]
pub struct Registration {
    pub invitation_token_hash: String,
    pub nickname: String,
    pub avatar: Avatar,
    /// The age band chosen on the form; `None` is 答えない.
    pub group: Option<AgeGroup>,
    /// argon2id PHC string; `None` for someone who logs in by e-mail link.
    pub passphrase_hash: Option<String>,
}

/// What logging in needs to know about an e-mail address.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    pub account: AccountId,
    pub passphrase_hash: Option<String>,
    pub lang: Lang,
}

/// A one-time login link as stored.
#[derive(Debug, Clone)]
pub struct LoginLink {
    pub account: AccountId,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// The form in which e-mail addresses are compared: trimmed and lower-cased, so
/// `Sora@Example.org` applying twice is one person.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A fresh short id with a readable prefix (`a_…` application, `i_…` invitation).
pub fn short_id(prefix: &str) -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &hex[..12])
}
