//! What staff keep to protect the space: an account's suspension, and the reports members
//! file about one another (with the snapshot of the lines before).
use super::PublicId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An account stopped for a while by a member of staff: the person is told `reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspension {
    pub at: DateTime<Utc>,
    pub reason: String,
    /// Who suspended it (`None`: the command line).
    pub by: Option<PublicId>,
}

/// Why a member reports another: a small fixed set, so staff can sort them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    Harassment,
    ContactSwapping,
    Worrying,
    Other,
}

impl ReportReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Harassment => "harassment",
            ReportReason::ContactSwapping => "contact_swapping",
            ReportReason::Worrying => "worrying",
            ReportReason::Other => "other",
        }
    }

    /// In the words staff read.
    pub fn words(self) -> &'static str {
        match self {
            ReportReason::Harassment => "いやがらせ",
            ReportReason::ContactSwapping => "連絡先の交換",
            ReportReason::Worrying => "心配なようす",
            ReportReason::Other => "そのほか",
        }
    }
}

impl std::str::FromStr for ReportReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(s.to_string()))
            .map_err(|_| format!("unknown report reason {s:?}"))
    }
}

/// A report as it is stored: public ids only; `snapshot` is the room's lines (JSON array).
#[derive(Debug, Clone)]
pub struct Report {
    pub id: String,
    pub reporter: PublicId,
    pub reported: PublicId,
    pub room: String,
    pub seq: Option<u64>,
    pub reason: ReportReason,
    pub note: Option<String>,
    pub snapshot: serde_json::Value,
    pub at: DateTime<Utc>,
}

impl Suspension {
    /// What the person is told, on the page and in the space: that it is for a while, why,
    /// and whom to ask (rooms.toml `contact`, when the operator gave one).
    pub fn message(&self, contact: Option<&str>) -> String {
        let ask = match contact {
            Some(contact) => format!("お問い合わせは {contact} までお願いします。"),
            None => "お問い合わせは運営までお願いします。".to_string(),
        };
        format!(
            "アカウントを一時停止しています。理由: {}。{ask}",
            self.reason.trim_end_matches('。')
        )
    }
}
