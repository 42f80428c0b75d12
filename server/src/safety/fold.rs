//! One spelling for text that is compared with a list (crisis words, family names, contact
//! cues): people write the same word in full- or half-width, katakana or hiragana, upper or
//! lower case, and a list should not need every variant.
use unicode_normalization::UnicodeNormalization;

/// NFKC (full-width Latin and digits become ASCII, half-width katakana full-width, ｼﾞ one
/// character), lower case, and katakana as hiragana.
pub fn fold(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .map(hiragana)
        .collect()
}

/// The hiragana for a katakana letter (ァ–ヶ, and the iteration marks ヽヾ); anything else as it is.
pub fn hiragana(c: char) -> char {
    match c {
        'ァ'..='ヶ' | 'ヽ' | 'ヾ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_case_and_kana_fold_to_one_spelling() {
        assert_eq!(fold("ｼﾆﾀｲ"), "しにたい");
        assert_eq!(fold("シニタイ"), "しにたい");
        assert_eq!(fold("ﾊﾞｶ"), "ばか");
        assert_eq!(fold("ＫＩＬＬ　ｍｙｓｅｌｆ"), "kill myself");
        assert_eq!(fold("ヴ０９０"), "ゔ090");
    }
}
