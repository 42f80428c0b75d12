//! The `[accounts]` table: the application form's wording and the invitation rules.
use super::raw::{RawAccounts, S};
use super::values::{self, number};
use super::wording::Wording;
use super::{ConfigError, Source};

/// `[accounts]`: what the application form says and how invitations work.
#[derive(Debug, Clone)]
pub struct AccountsSettings {
    /// The statement an applicant confirms, e.g. "I live, work or study in Sendai".
    pub eligibility: Wording,
    /// Shown beside the consent box.
    pub privacy_notice: Wording,
    /// The choices for "how did you hear of us" (optional to answer); the Japanese is what an
    /// application keeps, whichever the applicant read.
    pub heard_from: Vec<Wording>,
    /// Words a nickname must not contain (compared without case and width).
    pub nickname_blocklist: Vec<String>,
    /// How long an invitation link works (default 14).
    pub invitation_days: u32,
    /// How long a declined application, or an invitation that lapsed or was withdrawn
    /// unused, is kept before it is deleted (default 30).
    pub forget_after_days: u32,
    /// How long a counsellor's note is kept after it was written before it is deleted
    /// (default 1825, five years).
    pub notes_keep_days: u32,
}

/// Counsellors' notes are kept five years unless the operator says otherwise.
const NOTES_KEEP_DAYS: u32 = 1825;

/// The form's words when the operator gives none: (Japanese, English).
const ELIGIBILITY: (&str, &str) = (
    "この居場所の対象地域に住んでいる、通勤・通学している、またはその家族です。",
    "I live, work or study in the area this space is for, or I am family of someone who does.",
);
const PRIVACY_NOTICE: (&str, &str) = (
    "ご記入いただいたメールアドレスは、参加のご案内とログインのためだけに使います。\
ほかの参加者に見えることはありません。会話やチャットは保存されません。\
いつでも退会でき、そのとき登録した情報はすべて削除されます。",
    "Your e-mail address is used only to invite you and to help you log in; other participants \
never see it. Conversations and chat are not recorded. You can leave at any time, and everything \
you registered is then deleted.",
);
const HEARD_FROM: &[(&str, &str)] = &[
    ("市のホームページ", "The city's website"),
    ("チラシ・ポスター", "A leaflet or poster"),
    ("支援機関から", "A support organisation"),
    ("家族・知人から", "Family or friends"),
    ("SNS", "Social media"),
    ("その他", "Other"),
];

fn default_wording((ja, en): (&str, &str)) -> Wording {
    Wording {
        ja: ja.to_string(),
        en: Some(en.to_string()),
    }
}

pub(super) fn settings(
    src: Source,
    raw: Option<&RawAccounts>,
) -> Result<AccountsSettings, ConfigError> {
    let Some(raw) = raw else {
        return Ok(AccountsSettings::default());
    };
    // The operator's words (and their English), or ours, in both languages.
    let text = |value: &Option<S<String>>,
                english: &Option<S<String>>,
                default: (&str, &str),
                key: &str| {
        match value {
            Some(v) if v.get_ref().trim().is_empty() => Err(src.error(
                v.span(),
                format!(
                    "{key} is empty (the application form shows it; leave the key out for the default)"
                ),
            )),
            Some(v) => values::wording(src, key, v.get_ref().trim(), english.as_ref()),
            None if english.is_none() => Ok(default_wording(default)),
            None => values::wording(src, key, default.0, english.as_ref()),
        }
    };
    let mut blocklist = Vec::new();
    for word in &raw.nickname_blocklist {
        if word.get_ref().trim().is_empty() {
            return Err(src.error(word.span(), "an empty word would refuse every nickname"));
        }
        blocklist.push(word.get_ref().trim().to_string());
    }
    Ok(AccountsSettings {
        eligibility: text(
            &raw.eligibility,
            &raw.eligibility_en,
            ELIGIBILITY,
            "eligibility",
        )?,
        privacy_notice: text(
            &raw.privacy_notice,
            &raw.privacy_notice_en,
            PRIVACY_NOTICE,
            "privacy_notice",
        )?,
        heard_from: heard_from(src, raw)?,
        nickname_blocklist: blocklist,
        invitation_days: number(
            src,
            "invitation_days",
            raw.invitation_days.as_ref(),
            14,
            1..=90,
        )?,
        forget_after_days: number(
            src,
            "forget_after_days",
            raw.forget_after_days.as_ref(),
            30,
            1..=365,
        )?,
        notes_keep_days: number(
            src,
            "notes_keep_days",
            raw.notes_keep_days.as_ref(),
            NOTES_KEEP_DAYS,
            1..=3650,
        )?,
    })
}

/// The "how did you hear of us" choices, each with its English when `heard_from_en` gives
/// them all, in the same order.
fn heard_from(src: Source, raw: &RawAccounts) -> Result<Vec<Wording>, ConfigError> {
    let Some(list) = &raw.heard_from else {
        return match &raw.heard_from_en {
            None => Ok(HEARD_FROM.iter().copied().map(default_wording).collect()),
            Some(english) => Err(src.error(
                english.span(),
                "heard_from_en needs heard_from, the Japanese choices it stands beside",
            )),
        };
    };
    let japanese = list.get_ref();
    match &raw.heard_from_en {
        None => Ok(japanese.iter().map(|ja| Wording::from(ja.get_ref().as_str())).collect()),
        Some(english) if english.get_ref().len() != japanese.len() => Err(src.error(
            english.span(),
            format!(
                "heard_from_en has {} choices, but heard_from has {} (give each choice its English, in the same order)",
                english.get_ref().len(),
                japanese.len()
            ),
        )),
        Some(english) => japanese
            .iter()
            .zip(english.get_ref())
            .map(|(ja, en)| values::wording(src, "heard_from", ja.get_ref(), Some(en)))
            .collect(),
    }
}

impl Default for AccountsSettings {
    fn default() -> Self {
        AccountsSettings {
            eligibility: default_wording(ELIGIBILITY),
            privacy_notice: default_wording(PRIVACY_NOTICE),
            heard_from: HEARD_FROM.iter().copied().map(default_wording).collect(),
            nickname_blocklist: Vec::new(),
            invitation_days: 14,
            forget_after_days: 30,
            notes_keep_days: NOTES_KEEP_DAYS,
        }
    }
}
