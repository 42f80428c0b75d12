//! Nicknames that read as a real full name (佐藤花子, さとう はなこ, Sato Hanako): a family
//! name of the shipped list (server/data/family_names.txt) followed by a given name. People
//! in withdrawal often fear being recognised; a real name in the space would let anyone find
//! them, and a nickname cannot be taken back once others have seen it.
//!
//! What counts (docs/accounts.md): a family name in kanji followed by one to three kanji
//! (never a place or a shop: 石川県, 中村屋) or a listed given name in kana; a family name in
//! kana followed by a listed given name (server/data/given_names.txt); in romaji, family and
//! given name in either order (Sato Hanako, hanako sato, SatoHanako). A one-kanji family
//! name (林, 森, 東) needs a space before a kanji given name, so 森林 and 東京 stay words.
//! Not refused: a family name alone (さとう, 佐藤), with an honorific (田中さん), or names
//! made up or of things (そら, ねこ).
use super::fold::fold;
use unicode_normalization::UnicodeNormalization;

const FAMILY_NAMES: &str = include_str!("../../data/family_names.txt");
const GIVEN_NAMES: &str = include_str!("../../data/given_names.txt");

/// What comes after a name without being a given name: 田中さん, 佐藤先生.
const HONORIFICS: &[&str] = &[
    "さん",
    "くん",
    "ちゃん",
    "さま",
    "様",
    "氏",
    "先生",
    "せんせい",
    "君",
    "殿",
    "san",
    "kun",
    "chan",
    "sama",
    "sensei",
];

/// Kanji after a family name that make a place, a shop or a house, not a person: 石川県,
/// 中村屋.
const NOT_GIVEN: &[char] = &[
    '県', '市', '町', '村', '区', '駅', '屋', '家', '組', '党', '線', '城', '寺', '店', '派', '流',
    '式', '系', '社', '製', '工', '商', '氏', '様', '君', '殿',
];

struct Family<'a> {
    kanji: &'a str,
    kana: &'a str,
    /// As written in the list, shown in a suggestion.
    romaji: &'a str,
}

/// The family name to suggest keeping on its own (in kana, or in romaji for a name written
/// in Latin letters) when `nickname` reads as a real full name.
pub fn looks_like_full_name(nickname: &str) -> Option<String> {
    let families: Vec<Family> = entries(FAMILY_NAMES)
        .filter_map(|fields| match fields[..] {
            [kanji, kana, romaji] => Some(Family {
                kanji,
                kana,
                romaji,
            }),
            _ => None,
        })
        .collect();
    let given: Vec<(&str, &str)> = entries(GIVEN_NAMES)
        .filter_map(|fields| match fields[..] {
            [kana, romaji] => Some((kana, romaji)),
            _ => None,
        })
        .collect();
    let folded = fold(nickname.trim());
    // Latin letters, accents included (Satō).
    if folded
        .chars()
        .all(|c| c.is_ascii() || ('\u{C0}'..='\u{24F}').contains(&c))
    {
        return in_romaji(nickname, &families, &given);
    }
    let compact: String = folded
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '・' | '.' | '_' | '-'))
        .collect();
    let compact = HONORIFICS
        .iter()
        .find_map(|h| compact.strip_suffix(h))
        .unwrap_or(&compact);
    let given_kana = |rest: &str| given.iter().any(|(kana, _)| *kana == rest);
    families
        .iter()
        .find(|f| {
            let after_kanji = compact.strip_prefix(f.kanji).is_some_and(|rest| {
                let spaced = folded
                    .strip_prefix(f.kanji)
                    .is_some_and(|r| r.starts_with([' ', '・']));
                given_kana(rest)
                    || ((f.kanji.chars().count() > 1 || spaced) && kanji_given_name(rest))
            });
            after_kanji || compact.strip_prefix(f.kana).is_some_and(given_kana)
        })
        .map(|f| f.kana.to_string())
}

/// The lines of a names file, split into their fields.
fn entries(file: &str) -> impl Iterator<Item = Vec<&str>> {
    file.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect())
}

fn is_kanji(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '々')
}

fn kanji_given_name(rest: &str) -> bool {
    (1..=3).contains(&rest.chars().count())
        && rest.chars().all(is_kanji)
        && !rest.starts_with(NOT_GIVEN)
}

/// Family and given name in Latin letters, in either order (or run together, family first).
fn in_romaji(nickname: &str, families: &[Family], given: &[(&str, &str)]) -> Option<String> {
    let mut words = latin_words(nickname);
    if words.len() > 1 && HONORIFICS.contains(&words[words.len() - 1].to_lowercase().as_str()) {
        words.pop();
    }
    let family = |word: &str| {
        let key = romaji_key(word);
        families.iter().find(|f| romaji_key(f.romaji) == key)
    };
    let is_given = |word: &str| {
        let key = romaji_key(word);
        given.iter().any(|(_, romaji)| romaji_key(romaji) == key)
    };
    let keep = |f: &Family| {
        let mut chars = f.romaji.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect::<String>())
            .unwrap_or_default()
    };
    match &words[..] {
        [a, b] => match (family(a), family(b)) {
            (Some(f), _) if is_given(b) => Some(keep(f)),
            (_, Some(f)) if is_given(a) => Some(keep(f)),
            _ => None,
        },
        [one] => {
            let one = one.to_lowercase();
            (1..one.len()).find_map(|at| {
                let (a, b) = one.split_at(at);
                family(a).filter(|_| is_given(b)).map(keep)
            })
        }
        _ => None,
    }
}

/// Words of Latin letters: split at anything else and where a capital follows a small
/// letter (SatoHanako).
fn latin_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in text.nfkc() {
        if (!c.is_alphabetic() || (c.is_uppercase() && previous_lower)) && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_alphabetic() {
            word.push(c);
        }
        previous_lower = c.is_lowercase();
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// One spelling for the ways long vowels are written: Satō, Satou, Satoh and Sato; Yuuki and
/// Yuki; Oono, Ohno and Ono.
fn romaji_key(word: &str) -> String {
    let plain: String = word
        .to_lowercase()
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36F}').contains(c))
        .collect();
    let mut key = String::new();
    let chars: Vec<char> = plain.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let previous = key.chars().next_back();
        let next = chars.get(i + 1).copied();
        let long_o = previous == Some('o') && (c == 'u' || c == 'o');
        let long_u = previous == Some('u') && c == 'u';
        let oh = previous == Some('o') && c == 'h' && !next.is_some_and(|n| "aeiouy".contains(n));
        if !(long_o || long_u || oh) {
            key.push(c);
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_names_are_found_in_every_script() {
        for (nickname, keep) in [
            ("佐藤花子", "さとう"),
            ("佐藤 花子", "さとう"),
            ("佐藤　花子", "さとう"),
            ("山田太郎", "やまだ"),
            ("佐藤はなこ", "さとう"),
            ("さとうはなこ", "さとう"),
            ("さとう はなこ", "さとう"),
            ("サトウハナコ", "さとう"),
            ("ｻﾄｳﾊﾅｺ", "さとう"),
            ("林 太郎", "はやし"),
            ("佐藤花子さん", "さとう"),
            ("Sato Hanako", "Sato"),
            ("hanako sato", "Sato"),
            ("SatoHanako", "Sato"),
            ("satohanako", "Sato"),
            ("Satou Hanako", "Sato"),
            ("Satō Hanako", "Sato"),
            ("SATOH HANAKO", "Sato"),
            ("Yuuki Inoue", "Inoue"),
            ("ｔａｎａｋａ　ｙｕｋｉ", "Tanaka"),
        ] {
            assert_eq!(
                looks_like_full_name(nickname).as_deref(),
                Some(keep),
                "{nickname}"
            );
        }
    }

    #[test]
    fn family_names_alone_and_made_up_names_pass() {
        for nickname in [
            "佐藤",
            "さとう",
            "Sato",
            "田中さん",
            "たなかくん",
            "Tanaka-san",
            "そら",
            "ねこ",
            "こもれび",
            "Hikari",
            "はな",
            "森林",
            "東京",
            "林檎",
            "石川県",
            "中村屋",
            "さとうがし",
            "はやしらいす",
            "もりのくま",
            "ねこ好き 3号",
            "Sora Blue",
            "佐藤さんちの猫",
        ] {
            assert_eq!(looks_like_full_name(nickname), None, "{nickname}");
        }
    }

    #[test]
    fn the_lists_are_well_formed() {
        for fields in entries(FAMILY_NAMES) {
            assert_eq!(fields.len(), 3, "{fields:?}");
            assert!(fields[0].chars().all(is_kanji), "{fields:?}");
            assert!(fields[2].is_ascii(), "{fields:?}");
        }
        assert!(entries(FAMILY_NAMES).count() >= 300);
        for fields in entries(GIVEN_NAMES) {
            assert_eq!(fields.len(), 2, "{fields:?}");
        }
    }
}
