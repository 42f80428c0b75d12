//! An operator's words from rooms.toml, in Japanese with an optional English variant: one
//! type every part of the configuration uses (so none of them needs another for it).
use crate::model::Lang;

/// An operator's text from rooms.toml (`key`), with its English variant (`key_en`) when the
/// operator gave one: English pages and e-mails use it, and the Japanese where there is none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wording {
    pub ja: String,
    pub en: Option<String>,
}

/// Japanese only (English readers see it too).
impl From<&str> for Wording {
    fn from(ja: &str) -> Wording {
        Wording {
            ja: ja.to_string(),
            en: None,
        }
    }
}

impl Wording {
    /// The text for a reader of `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.en) {
            (Lang::En, Some(en)) => en,
            _ => &self.ja,
        }
    }
}
