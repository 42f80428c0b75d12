//! Contact details in a chat line: a phone number, an e-mail address, a link or a messenger
//! ID. In public rooms such a line is held back for the sender to confirm (issue 15): people
//! who meet here may not yet know whom they are giving a way to reach them, and a private
//! channel is where the space can no longer look after them. It only finds; the room decides.
use super::fold::fold;
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactKind {
    Phone,
    Email,
    Url,
    Messenger,
}

impl ContactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Phone => "phone",
            ContactKind::Email => "email",
            ContactKind::Url => "url",
            ContactKind::Messenger => "messenger",
        }
    }
}

/// The first kind of contact detail the line holds (e-mail, link, phone, messenger, in that
/// order), if any.
pub fn find(line: &str) -> Option<ContactKind> {
    // NFKC makes full-width ０９０, ＠ and ｈｔｔｐ plain; lower case makes LINE line.
    let folded: String = fold(line).chars().map(kanji_digit).collect();
    if has_email(&folded) {
        Some(ContactKind::Email)
    } else if has_url(&folded) {
        Some(ContactKind::Url)
    } else if has_phone(&folded) {
        Some(ContactKind::Phone)
    } else if has_messenger(&folded) {
        Some(ContactKind::Messenger)
    } else {
        None
    }
}

/// 〇九〇 as 090.
fn kanji_digit(c: char) -> char {
    match c {
        '〇' => '0',
        '一' => '1',
        '二' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        '九' => '9',
        _ => c,
    }
}

fn is_local_part(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_host(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

/// `name@host.tld`, also with spaces around the @.
fn has_email(text: &str) -> bool {
    text.match_indices('@').any(|(at, _)| {
        let local = text[..at]
            .trim_end()
            .chars()
            .rev()
            .take_while(|c| is_local_part(*c))
            .count();
        let host: String = text[at + 1..]
            .trim_start()
            .chars()
            .take_while(|c| is_host(*c))
            .collect();
        local > 0
            && host
                .trim_end_matches('.')
                .rsplit_once('.')
                .is_some_and(|(name, tld)| {
                    !name.is_empty()
                        && tld.len() >= 2
                        && tld.chars().all(|c| c.is_ascii_alphabetic())
                })
    })
}

/// Top-level domains people give links under (a dotted word ending in one is a host).
const TLDS: &[&str] = &[
    "com", "net", "org", "jp", "io", "me", "info", "biz", "co", "app", "dev", "xyz", "gg", "ly",
    "tv", "cc", "to", "site", "online", "link", "page", "ai", "us", "uk", "tokyo", "fm", "be",
];

/// `http://…`, `www.…` or a host such as `example.com` or `discord.gg/abc`.
fn has_url(text: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "./:-_~?=&%#".contains(c)))
        .any(|word| {
            let word = word.trim_matches('.');
            if word.contains("://") || word.starts_with("www.") {
                return true;
            }
            let host = word.split('/').next().unwrap_or_default();
            host.rsplit_once('.').is_some_and(|(name, tld)| {
                name.chars().any(|c| c.is_ascii_alphabetic()) && TLDS.contains(&tld)
            })
        })
}

/// Japanese numbers: 0 and 9 or 10 more digits (090-1234-5678, 03 1234 5678,
/// 0120-000-000), or +81 and 9 or 10, with the separators people put between. Times (12:30),
/// dates (2026-12-01) and prices (1,500円) never start with 0 and run that long.
fn has_phone(text: &str) -> bool {
    let mut digits = String::new();
    let mut plus = false;
    let mut found = false;
    let mut end_run = |digits: &mut String, plus: &mut bool| {
        let national = digits.starts_with('0') && (10..=11).contains(&digits.len());
        let international = *plus && digits.starts_with("81") && (11..=12).contains(&digits.len());
        found |= national || international;
        digits.clear();
        *plus = false;
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if c == '+' && digits.is_empty() {
            plus = true;
        } else if !matches!(c, '-' | ' ' | 'ー' | '‐' | '−' | '–' | '(' | ')') {
            end_run(&mut digits, &mut plus);
        }
    }
    end_run(&mut digits, &mut plus);
    found
}

/// Messenger services, as written in the folded text (katakana as hiragana).
const APPS: &[&str] = &[
    "line",
    "らいん",
    "instagram",
    "insta",
    "いんすた",
    "discord",
    "でぃすこーど",
    "でぃすこ",
    "twitter",
    "ついったー",
    "x",
    "skype",
    "kakao",
    "かかお",
    "telegram",
    "snapchat",
    "tiktok",
    "facebook",
    "wechat",
];

/// All of `APPS` in one automaton: a line is read once, not once a service.
static APP_NAMES: LazyLock<AhoCorasick> =
    LazyLock::new(|| AhoCorasick::new(APPS).expect("a short list of names always builds"));

/// What follows a service's name when someone offers or asks for a way to reach them:
/// LINEしませんか, インスタ交換, discord id, Xのアカウント.
const ASKS: &[&str] = &[
    "id",
    "交換",
    "こうかん",
    "しません",
    "しよ",
    "やって",
    "やろ",
    "教え",
    "おしえ",
    "追加",
    "ついか",
    "ふぉろー",
    "follow",
    "dm",
    "あかうんと",
    "垢",
    "繋が",
    "つなが",
    "で話",
    "で連絡",
    "れんらく",
    "連絡",
];

/// A service named with an offer or request (LINEしませんか), `ID: name`, or an @handle
/// beside a service or a follow.
fn has_messenger(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let offered = APP_NAMES.find_overlapping_iter(&compact).any(|found| {
        let (app, at) = (APPS[found.pattern().as_usize()], found.start());
        let before = compact[..at].chars().next_back();
        let rest = &compact[at + app.len()..];
        let after = rest.chars().next();
        let whole = if app.is_ascii() {
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
        } else {
            // オンライン is not ライン.
            !before.is_some_and(is_kana)
        };
        // A particle or two may come between: LINEのIDは, インスタでつながろう.
        let after_particles = rest.trim_start_matches(['の', 'で', 'は', 'を', 'も', '、', ',']);
        whole
            && ([rest, after_particles]
                .iter()
                .any(|r| ASKS.iter().any(|ask| r.starts_with(ask)))
                || names_handle(rest))
    });
    offered || gives_id(text) || handle_with_cue(&compact)
}

/// `LINE: sora_123`, `insta@sora`: a name with a letter in it after a colon or an @.
fn names_handle(rest: &str) -> bool {
    let Some(rest) = rest.strip_prefix([':', '@']) else {
        return false;
    };
    let handle: String = rest.chars().take_while(|c| is_handle(*c)).collect();
    handle.len() >= 3 && handle.chars().any(|c| c.is_ascii_alphabetic())
}

fn is_kana(c: char) -> bool {
    matches!(c, 'ぁ'..='ゖ' | 'ー')
}

fn is_handle(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '#' | '-')
}

/// `ID: sora_123`, `idはsora123`: the word ID (not idea, not kid) and a name of 3 or more.
fn gives_id(text: &str) -> bool {
    text.match_indices("id").any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let rest = &text[at + 2..];
        if before.is_some_and(|c| c.is_ascii_alphabetic())
            || rest.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        {
            return false;
        }
        let rest = rest
            .trim_start()
            .trim_start_matches([':', '=', 'は', 'が', '-'])
            .trim_start();
        let handle = rest.chars().take_while(|c| is_handle(*c)).count();
        handle >= 3
            && rest
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Words beside an @handle that make it an account to look up rather than a reply.
const HANDLE_CUES: &[&str] = &["ふぉろー", "follow", "dm", "あかうんと", "垢"];

/// `@sora_123` with a service or a follow named in the line; a bare @name is a reply.
fn handle_with_cue(compact: &str) -> bool {
    let handle = compact.match_indices('@').any(|(at, _)| {
        compact[at + 1..]
            .chars()
            .take_while(|c| is_handle(*c))
            .count()
            >= 3
    });
    handle
        && (HANDLE_CUES.iter().any(|cue| compact.contains(cue))
            || APPS
                .iter()
                .filter(|a| a.len() > 1)
                .any(|app| compact.contains(app)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContactKind::*;

    fn all(kind: Option<ContactKind>, lines: &[&str]) {
        for line in lines {
            assert_eq!(find(line), kind, "{line}");
        }
    }

    #[test]
    fn phone_numbers_in_japanese_formats() {
        all(
            Some(Phone),
            &[
                "よかったらLINEしませんか 090-1234-5678",
                "09012345678",
                "電話は０９０ー１２３４ー５６７８です",
                "03-1234-5678",
                "03 1234 5678",
                "(03)1234-5678",
                "0120-123-456",
                "+81 90 1234 5678",
                "＋８１−９０−１２３４−５６７８",
                "〇九〇一二三四五六七八",
            ],
        );
    }

    #[test]
    fn e_mail_addresses_and_links() {
        all(
            Some(Email),
            &[
                "sora@example.com",
                "ｓｏｒａ＠ｅｘａｍｐｌｅ．ｊｐ まで",
                "メールは sora.k @ gmail.com",
            ],
        );
        all(
            Some(Url),
            &[
                "https://example.org/page",
                "ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ",
                "www.example.net 見て",
                "example.co.jp にあります",
                "discord.gg/abcdef に来て",
                "line.me/ti/p/xyz",
            ],
        );
    }

    #[test]
    fn messenger_ids_with_a_cue() {
        all(
            Some(Messenger),
            &[
                "よかったらLINEしませんか",
                "ライン交換しよ",
                "ＬＩＮＥのＩＤ教えて",
                "LINE ID: sora_123",
                "インスタやってますか",
                "インスタは @sora_photo です",
                "Discord やってる？",
                "ディスコードで話そう",
                "Xやってる？ @sora_123 フォローして",
                "ID: sora_1234",
                "ＩＤはｓｏｒａ１２３",
                "@sora_123 フォローしてね",
                "Twitterの垢 @sora99",
                "LINE: sora_123",
            ],
        );
    }

    #[test]
    fn everyday_lines_are_not_contact_details() {
        all(
            None,
            &[
                "12:30に集合",
                "2026-12-01から始まります",
                "2026-12-01 12:30",
                "1,500円でした",
                "¥12,000",
                "3.14",
                "ver.2.0",
                "node.jsの勉強",
                "いいアイデア",
                "good idea",
                "IDカードを忘れた",
                "IDはメールで届きます",
                "kids are fine",
                "LINEのスタンプかわいい",
                "オンラインでやってる",
                "deadlineやばい",
                "@そら さん、おかえり",
                "@sora おかえり",
                "午後3時から5時まで",
                "電話番号は言わないでね",
                "100人くらい",
                "12345",
                "第3回は10月10日",
                "x: 100, y: 200",
                "明るい @sora さん",
            ],
        );
    }
}
