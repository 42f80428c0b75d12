//! The rules a nickname must follow: the name others see must never carry a way to find
//! the person (an e-mail address, a phone number, a link, their real full name), nor a word
//! the operator refused.
use crate::model::nickname_key;
use crate::safety::real_name;

pub const MAX_CHARS: usize = 20;
/// Seven digits in a row already looks like a phone number (with or without separators).
const PHONE_DIGITS: usize = 7;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NicknameProblem {
    #[error("empty")]
    Empty,
    #[error("longer than {MAX_CHARS} characters")]
    TooLong,
    #[error("looks like an e-mail address")]
    Email,
    #[error("looks like a link")]
    Link,
    #[error("looks like a phone number")]
    Phone,
    #[error("contains a control character")]
    Control,
    #[error("contains a word the space does not allow")]
    Blocked,
    /// `keep`: the family name alone, which the message suggests instead.
    #[error("looks like a real full name")]
    RealName { keep: String },
}

/// The nickname as it will be kept (trimmed), or why it cannot be used.
pub fn check(nickname: &str, blocklist: &[String]) -> Result<String, NicknameProblem> {
    let trimmed = nickname.trim();
    if trimmed.is_empty() {
        return Err(NicknameProblem::Empty);
    }
    if trimmed.chars().count() > MAX_CHARS {
        return Err(NicknameProblem::TooLong);
    }
    if trimmed.chars().any(char::is_control) {
        return Err(NicknameProblem::Control);
    }
    // Compare in the folded form, so full-width ＠ and ｈｔｔｐ are caught as well.
    let folded = nickname_key(trimmed);
    if folded.contains('@') {
        return Err(NicknameProblem::Email);
    }
    if looks_like_link(&folded) {
        return Err(NicknameProblem::Link);
    }
    if longest_digit_run(&folded) >= PHONE_DIGITS {
        return Err(NicknameProblem::Phone);
    }
    let compact: String = folded.chars().filter(|c| !c.is_whitespace()).collect();
    if blocklist.iter().any(|word| {
        let word = nickname_key(word);
        !word.is_empty() && (folded.contains(&word) || compact.contains(&word))
    }) {
        return Err(NicknameProblem::Blocked);
    }
    if let Some(keep) = real_name::looks_like_full_name(trimmed) {
        return Err(NicknameProblem::RealName { keep });
    }
    Ok(trimmed.to_string())
}

fn looks_like_link(folded: &str) -> bool {
    ["http:", "https:", "www.", "://"]
        .iter()
        .any(|p| folded.contains(p))
        || folded
            .split(|c: char| c.is_whitespace())
            .any(ends_with_domain)
}

/// `example.com`, `line.me/…`: a dot followed by a common top-level domain.
fn ends_with_domain(word: &str) -> bool {
    const TLDS: &[&str] = &[
        "com", "net", "org", "jp", "io", "me", "info", "biz", "co", "app", "dev", "xyz",
    ];
    word.split('/').next().is_some_and(|host| {
        host.rsplit_once('.')
            .is_some_and(|(name, tld)| !name.is_empty() && TLDS.contains(&tld))
    })
}

/// Digits (any script's: full-width ０-９ too) in a row, ignoring the separators people put
/// in phone numbers.
fn longest_digit_run(text: &str) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c.is_numeric() {
            run += 1;
            longest = longest.max(run);
        } else if !matches!(
            c,
            '-' | ' ' | '(' | ')' | '+' | '.' | 'ー' | '－' | '‐' | '　'
        ) {
            run = 0;
        }
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(nickname: &str) -> bool {
        check(nickname, &["ばか".to_string(), "Admin".to_string()]).is_ok()
    }

    fn problem(nickname: &str) -> NicknameProblem {
        check(nickname, &["ばか".to_string(), "Admin".to_string()]).unwrap_err()
    }

    #[test]
    fn ordinary_nicknames_pass_and_are_trimmed() {
        for n in [
            "そら",
            "こもれび2",
            "Hikari",
            "ねこ好き 3号",
            "2024年組",
            "あ",
        ] {
            assert!(ok(n), "{n}");
        }
        assert_eq!(check("\u{3000}そら ", &[]).unwrap(), "そら");
        assert!(ok(&"あ".repeat(20)));
    }

    #[test]
    fn contact_details_are_refused() {
        assert_eq!(problem("sora@example.org"), NicknameProblem::Email);
        assert_eq!(problem("sora＠example"), NicknameProblem::Email);
        assert_eq!(problem("https://x.y"), NicknameProblem::Link);
        assert_eq!(problem("ｗｗｗ．ｅｘａｍｐｌｅ"), NicknameProblem::Link);
        assert_eq!(problem("見てね example.com"), NicknameProblem::Link);
        assert_eq!(problem("line.me/abc"), NicknameProblem::Link);
        assert_eq!(problem("09012345678"), NicknameProblem::Phone);
        assert_eq!(problem("090-1234-5678"), NicknameProblem::Phone);
        assert_eq!(
            problem("０９０ー１２３４ー５６７８"),
            NicknameProblem::Phone
        );
        assert_eq!(problem("+81 90 1234 5678"), NicknameProblem::Phone);
        assert!(ok("123456"), "six digits are not a phone number");
    }

    #[test]
    fn length_control_characters_and_the_operators_words() {
        assert_eq!(problem(""), NicknameProblem::Empty);
        assert_eq!(problem("   "), NicknameProblem::Empty);
        assert_eq!(problem(&"あ".repeat(21)), NicknameProblem::TooLong);
        assert_eq!(problem("そ\u{7}ら"), NicknameProblem::Control);
        assert_eq!(problem("ばかやろう"), NicknameProblem::Blocked);
        assert_eq!(problem("ＡＤＭＩＮ"), NicknameProblem::Blocked);
        assert_eq!(problem("ad min"), NicknameProblem::Blocked);
    }

    #[test]
    fn real_full_names_are_refused_with_the_family_name_to_keep() {
        assert_eq!(
            problem("佐藤花子"),
            NicknameProblem::RealName {
                keep: "さとう".into()
            }
        );
        assert_eq!(
            problem(" Sato Hanako "),
            NicknameProblem::RealName {
                keep: "Sato".into()
            }
        );
        assert!(ok("さとう"));
        assert!(ok("田中さん"));
    }
}
