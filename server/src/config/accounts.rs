//! The `[accounts]` table: the application form's wording and the invitation rules.
use super::raw::RawAccounts;
use super::rooms::AccountsSettings;
use super::values::number;
use super::{ConfigError, Source};

const ELIGIBILITY: &str =
    "この居場所の対象地域に住んでいる、通勤・通学している、またはその家族です。";
const PRIVACY_NOTICE: &str =
    "ご記入いただいたメールアドレスは、参加のご案内とログインのためだけに使います。\
ほかの参加者に見えることはありません。会話やチャットは保存されません。\
いつでも退会でき、そのとき登録した情報はすべて削除されます。";
const HEARD_FROM: &[&str] = &[
    "市のホームページ",
    "チラシ・ポスター",
    "支援機関から",
    "家族・知人から",
    "SNS",
    "その他",
];

pub(super) fn settings(
    src: Source,
    raw: Option<&RawAccounts>,
) -> Result<AccountsSettings, ConfigError> {
    let Some(raw) = raw else {
        return Ok(AccountsSettings::default());
    };
    let text = |value: &Option<super::raw::S<String>>, default: &str, key: &str| match value {
        Some(v) if v.get_ref().trim().is_empty() => Err(src.error(
            v.span(),
            format!(
                "{key} is empty (the application form shows it; leave the key out for the default)"
            ),
        )),
        Some(v) => Ok(v.get_ref().trim().to_string()),
        None => Ok(default.to_string()),
    };
    let mut blocklist = Vec::new();
    for word in &raw.nickname_blocklist {
        if word.get_ref().trim().is_empty() {
            return Err(src.error(word.span(), "an empty word would refuse every nickname"));
        }
        blocklist.push(word.get_ref().trim().to_string());
    }
    let heard_from = match &raw.heard_from {
        None => HEARD_FROM.iter().map(|s| s.to_string()).collect(),
        Some(list) => list.get_ref().iter().map(|s| s.get_ref().clone()).collect(),
    };
    Ok(AccountsSettings {
        eligibility: text(&raw.eligibility, ELIGIBILITY, "eligibility")?,
        privacy_notice: text(&raw.privacy_notice, PRIVACY_NOTICE, "privacy_notice")?,
        heard_from,
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
    })
}

impl Default for AccountsSettings {
    fn default() -> Self {
        AccountsSettings {
            eligibility: ELIGIBILITY.to_string(),
            privacy_notice: PRIVACY_NOTICE.to_string(),
            heard_from: HEARD_FROM.iter().map(|s| s.to_string()).collect(),
            nickname_blocklist: Vec::new(),
            invitation_days: 14,
            forget_after_days: 30,
        }
    }
}
