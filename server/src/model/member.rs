//! A member of the space as the store keeps them, the avatar they show, and how their
//! nickname is compared.
//!
//! Two identifiers on purpose: `AccountId` ties a member to their account and never leaves
//! the server (tokens carry it signed, nothing else shows it); `PublicId` is the per-space
//! pseudonym other members see.
use super::{AgeGroup, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub String);

impl AccountId {
    pub fn generate() -> Self {
        AccountId(uuid::Uuid::new_v4().to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PublicId(pub String);

impl PublicId {
    /// `m_` and 12 characters of a fresh UUID's randomness: short enough to read in a log,
    /// unrelated to the account id.
    pub fn generate() -> Self {
        let hex = uuid::Uuid::new_v4().simple().to_string();
        PublicId(format!("m_{}", &hex[..12]))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PublicId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone)]
pub struct Member {
    pub account: AccountId,
    pub public_id: PublicId,
    pub nickname: String,
    pub avatar: Avatar,
    pub role: Role,
    /// The age band the member declared, if any: only they and the server know it.
    pub group: Option<AgeGroup>,
    pub created_at: DateTime<Utc>,
}

/// The shapes and colours a member picks from. A fixed set keeps avatars friendly and
/// keeps uploads (and what people might put in them) out of the space.
pub const AVATAR_SHAPES: &[&str] = &[
    "cat", "dog", "rabbit", "bear", "bird", "fox", "frog", "turtle", "leaf", "flower", "star",
    "cloud",
];
pub const AVATAR_COLORS: &[&str] = &[
    "#e8a87c", "#d5a6bd", "#a4c3b2", "#8fb8de", "#c3b1e1", "#f2d492", "#b5c99a", "#f4a7a3",
    "#9ad1d4", "#cfcfcf",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Avatar {
    pub shape: String,
    pub color: String,
}

impl Default for Avatar {
    fn default() -> Self {
        Avatar {
            shape: AVATAR_SHAPES[0].to_string(),
            color: AVATAR_COLORS[0].to_string(),
        }
    }
}

impl Avatar {
    pub fn is_valid(&self) -> bool {
        AVATAR_SHAPES.contains(&self.shape.as_str()) && AVATAR_COLORS.contains(&self.color.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct NewMember {
    pub nickname: String,
    pub avatar: Avatar,
    pub role: Role,
    pub group: Option<AgeGroup>,
}

/// The form in which nicknames are compared. Two nicknames that look the same to a person
/// must not belong to two members: surrounding spaces (including the ideographic space)
/// are dropped, full-width ASCII (what a Japanese IME types) becomes half-width, and case
/// is folded. Every back end stores and looks up this key, so they agree.
pub fn nickname_key(nickname: &str) -> String {
    nickname
        .trim()
        .chars()
        .map(|c| match c {
            // U+FF01..=U+FF5E are the full-width forms of U+0021..=U+007E.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nickname_keys_fold_case_width_and_spaces() {
        assert_eq!(nickname_key("Sora"), "sora");
        assert_eq!(nickname_key("ＳＯＲＡ"), "sora");
        assert_eq!(nickname_key("\u{3000}そら "), "そら");
        assert_ne!(nickname_key("そら"), nickname_key("ソラ"));
    }
}
