//! The crisis-expression detector: whether a chat line says the writer may want to die or
//! to hurt themself, so that staff on duty can reach out. It never blocks anything; a false
//! alert costs a staff member a look, a missed one may cost much more, yet alerts on every
//! joke would teach staff to ignore them. So the list (an operator's file, with a shipped
//! default: server/data/crisis.txt, format in docs/rooms.md) has phrases and exceptions.
//!
//! Both the list and each line are compared in one spelling (see [`Screened`]): folded
//! (width, case, katakana), then without spaces, punctuation, symbols, emoji, long-vowel
//! marks, small vowels and repeated characters, so し ぬ 🥺 た ーい and ｼﾆﾀｲｲｲ read as しにたい.
//! Phrases in Latin letters only match whole words (`od` is not in `good`, `die` not in
//! `diet`), where a word may be spelt with gaps: k.i.l.l my-self.
use super::fold::fold;
use aho_corasick::AhoCorasick;
use std::ops::Range;

/// The list shipped with the server, used when rooms.toml names none.
const SHIPPED: &str = include_str!("../../data/crisis.txt");

/// What a line was taken to express: the `[section]` of the list its phrase stands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Suicide,
    SelfHarm,
    Overdose,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Suicide, Category::SelfHarm, Category::Overdose];

    /// The name in the list's sections, in alerts and in `ibasho admin screen`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Suicide => "suicide",
            Category::SelfHarm => "self_harm",
            Category::Overdose => "overdose",
        }
    }
}

/// A mistake in a crisis list, at its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ListError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct CrisisDetector {
    /// In the list's order: the first that matches names the category.
    phrases: Vec<(Pattern, Category)>,
    /// Where a phrase is part of one of these, it does not count (死にたくない, 自殺行為).
    exceptions: Vec<Pattern>,
    /// Every `Pattern::Compact` of both lists in one automaton, so a line is read once
    /// rather than once a phrase (`compact_of` says what each of its patterns is).
    compact: AhoCorasick,
    compact_of: Vec<Listed>,
}

/// What a pattern of the automaton stands for.
#[derive(Debug, Clone, Copy)]
enum Listed {
    /// The phrase at this index of `phrases`.
    Phrase(usize),
    Exception,
}

/// A phrase in its compared spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// Anywhere in [`Screened::compact`].
    Compact(String),
    /// Latin letters and digits only: whole words of [`Screened::words`], joined without
    /// gaps, as runs of one letter (`kill myself` is k i l×2 m y s e l f).
    Words(Vec<(char, usize)>),
}

/// A line in the spellings patterns are compared with.
struct Screened {
    /// Folded, only letters and digits (no long-vowel marks or small vowels), no repeats.
    compact: String,
    /// The runs of ASCII letters and digits of the folded line, each as its [`runs`].
    words: Vec<Vec<(char, usize)>>,
    /// Where each word lies in `compact` (bytes), so that all matches compare as spans of it:
    /// `!OD缶` covers the word OD.
    spans: Vec<Range<usize>>,
}

impl Screened {
    fn new(text: &str) -> Screened {
        let mut line = Screened {
            compact: String::new(),
            words: Vec::new(),
            spans: Vec::new(),
        };
        let mut word: Option<(String, usize)> = None;
        for c in fold(text).chars() {
            if c.is_ascii_alphanumeric() {
                let start = line.compact.len();
                word.get_or_insert_with(|| (String::new(), start)).0.push(c);
            } else if let Some((w, start)) = word.take() {
                line.words.push(runs(&w));
                line.spans.push(start..line.compact.len());
            }
            if c.is_alphanumeric() && !is_stretch(c) && !line.compact.ends_with(c) {
                line.compact.push(c);
            }
        }
        if let Some((w, start)) = word {
            line.words.push(runs(&w));
            line.spans.push(start..line.compact.len());
        }
        line
    }
}

/// Marks that only lengthen a sound: しにたーい, しにたぁい.
fn is_stretch(c: char) -> bool {
    matches!(c, 'ー' | 'ぁ' | 'ぃ' | 'ぅ' | 'ぇ' | 'ぉ' | 'ゎ')
}

/// A letter written this many times or more in a row stands for one written once or twice
/// (dieeee, kiiilll), while odd stays odd and not od.
const STRETCHED: usize = 3;

/// `runs` of `joined` followed by a word of `word`: a letter ending one and starting the
/// other is one run (k.i.l.l: k i l×2).
fn join_runs(joined: &mut Vec<(char, usize)>, word: &[(char, usize)]) {
    let mut rest = word;
    if let (Some((last, n)), Some(&(first, m))) = (joined.last_mut(), word.first()) {
        if *last == first {
            *n += m;
            rest = &word[1..];
        }
    }
    joined.extend_from_slice(rest);
}

/// Each letter with how many times it is written in a row.
fn runs(text: &str) -> Vec<(char, usize)> {
    let mut runs: Vec<(char, usize)> = Vec::new();
    for c in text.chars() {
        match runs.last_mut() {
            Some((last, n)) if *last == c => *n += 1,
            _ => runs.push((c, 1)),
        }
    }
    runs
}

impl Pattern {
    fn new(phrase: &str) -> Option<Pattern> {
        let screened = Screened::new(phrase);
        if screened.compact.is_empty() {
            None
        } else if screened.compact.is_ascii() {
            let mut joined = Vec::new();
            screened
                .words
                .iter()
                .for_each(|w| join_runs(&mut joined, w));
            Some(Pattern::Words(joined))
        } else {
            Some(Pattern::Compact(screened.compact))
        }
    }

    /// Where a `Words` pattern occurs, as byte ranges of `compact` (the automaton finds the
    /// `Compact` ones).
    fn find_words(&self, line: &Screened) -> Vec<Range<usize>> {
        match self {
            Pattern::Compact(_) => Vec::new(),
            Pattern::Words(p) => {
                let mut found = Vec::new();
                let Some(&(first, _)) = p.first() else {
                    return found;
                };
                for start in 0..line.words.len() {
                    if line.words[start].first().map(|r| r.0) != Some(first) {
                        continue;
                    }
                    let mut joined = Vec::new();
                    for end in start..line.words.len() {
                        join_runs(&mut joined, &line.words[end]);
                        if joined.len() > p.len() {
                            break;
                        }
                        let same = joined.len() == p.len()
                            && joined
                                .iter()
                                .zip(p)
                                .all(|(&(c, n), &(pc, pn))| c == pc && (n == pn || n >= STRETCHED));
                        if same {
                            found.push(line.spans[start].start..line.spans[end].end);
                            break;
                        }
                    }
                }
                found
            }
        }
    }
}

impl CrisisDetector {
    /// The list shipped with the server (server/data/crisis.txt).
    pub fn shipped() -> CrisisDetector {
        CrisisDetector::from_text(SHIPPED).unwrap_or_else(|e| {
            // A test parses the shipped list, so this cannot happen in a build that passed.
            panic!("the shipped crisis list is broken: {e}")
        })
    }

    /// Parses a list: `# comments`, `[suicide]`, `[self_harm]` or `[overdose]` sections
    /// with one phrase a line, and `!exceptions` (anywhere).
    pub fn from_text(text: &str) -> Result<CrisisDetector, ListError> {
        let mut phrases = Vec::new();
        let mut exceptions = Vec::new();
        let mut category = None;
        for (i, line) in text.lines().enumerate() {
            let error = |message: String| ListError {
                line: i + 1,
                message,
            };
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                let name = name.trim();
                category = Some(
                    Category::ALL
                        .into_iter()
                        .find(|c| c.as_str() == name)
                        .ok_or_else(|| {
                            error(format!(
                                "unknown section [{name}] (expected [suicide], [self_harm] or [overdose])"
                            ))
                        })?,
                );
                continue;
            }
            let (phrase, exception) = match line.strip_prefix('!') {
                Some(rest) => (rest.trim(), true),
                None => (line, false),
            };
            let pattern = Pattern::new(phrase).ok_or_else(|| {
                error(format!(
                    "\"{phrase}\" has no letters or digits left to compare (spaces, symbols and long-vowel marks are ignored)"
                ))
            })?;
            if exception {
                exceptions.push(pattern);
            } else {
                let category = category.ok_or_else(|| {
                    error(format!(
                        "\"{phrase}\" comes before any section: put it under [suicide], [self_harm] or [overdose]"
                    ))
                })?;
                phrases.push((pattern, category));
            }
        }
        if phrases.is_empty() {
            return Err(ListError {
                line: 0,
                message: "the list has no phrases: it would never alert".to_string(),
            });
        }
        let mut compact_of = Vec::new();
        let mut patterns = Vec::new();
        let listed = phrases
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (p, Listed::Phrase(i)))
            .chain(exceptions.iter().map(|p| (p, Listed::Exception)));
        for (pattern, listed) in listed {
            if let Pattern::Compact(text) = pattern {
                patterns.push(text.clone());
                compact_of.push(listed);
            }
        }
        let compact = AhoCorasick::new(&patterns).map_err(|e| ListError {
            line: 0,
            message: format!("the list is too large to search: {e}"),
        })?;
        Ok(CrisisDetector {
            phrases,
            exceptions,
            compact,
            compact_of,
        })
    }

    /// The category of the first phrase the line holds outside every exception, if any.
    pub fn check(&self, line: &str) -> Option<Category> {
        let line = Screened::new(line);
        let mut excepted: Vec<Range<usize>> = Vec::new();
        // (index in `phrases`, where)
        let mut found: Vec<(usize, Range<usize>)> = Vec::new();
        for m in self.compact.find_overlapping_iter(&line.compact) {
            match self.compact_of[m.pattern().as_usize()] {
                Listed::Phrase(i) => found.push((i, m.range())),
                Listed::Exception => excepted.push(m.range()),
            }
        }
        if !line.words.is_empty() {
            for exception in &self.exceptions {
                excepted.extend(exception.find_words(&line));
            }
            for (i, (phrase, _)) in self.phrases.iter().enumerate() {
                found.extend(phrase.find_words(&line).into_iter().map(|r| (i, r)));
            }
        }
        found
            .into_iter()
            .filter(|(_, f)| {
                !excepted
                    .iter()
                    .any(|r| r.start <= f.start && f.end <= r.end)
            })
            .map(|(i, _)| i)
            .min()
            .map(|i| self.phrases[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detector() -> CrisisDetector {
        CrisisDetector::from_text(
            "# test list\n!死にたくない\n[suicide]\n死にたい\nしにたい\n死にたく\nkill myself\n[overdose]\nOD\n!OD缶\n!自殺行為\n[suicide]\n自殺\n",
        )
        .unwrap()
    }

    #[test]
    fn the_shipped_list_parses() {
        let shipped = CrisisDetector::shipped();
        assert!(shipped.phrases.len() > 20);
        for category in Category::ALL {
            assert!(shipped.phrases.iter().any(|(_, c)| *c == category));
        }
    }

    #[test]
    fn spellings_fold_to_the_phrase() {
        let d = detector();
        for line in [
            "死にたい",
            "もう死にたいです。",
            "しにたい",
            "シニタイ",
            "ｼﾆﾀｲ",
            "し に た い",
            "死🥺に🥺た🥺い",
            "しにたーーーい",
            "死にた〜い",
            "しにたぁい",
            "死にたいいいいいい",
            "し・に・た・い",
        ] {
            assert_eq!(d.check(line), Some(Category::Suicide), "{line}");
        }
    }

    #[test]
    fn latin_phrases_match_whole_words_spelt_with_gaps() {
        let d = detector();
        assert_eq!(d.check("I want to KILL MYSELF"), Some(Category::Suicide));
        assert_eq!(d.check("ｋｉｌｌ　ｍｙｓｅｌｆ"), Some(Category::Suicide));
        assert_eq!(d.check("k.i.l.l my-self"), Some(Category::Suicide));
        assert_eq!(d.check("kill💀myself"), Some(Category::Suicide));
        assert_eq!(d.check("昨日ODした"), Some(Category::Overdose));
        assert_eq!(d.check("ＯＤしそう"), Some(Category::Overdose));
        assert_eq!(d.check("good food"), None);
        assert_eq!(d.check("odd code"), None);
        assert_eq!(d.check("KIIILLLL myselfffff"), Some(Category::Suicide));
        assert_eq!(d.check("skill myselfie"), None);
    }

    #[test]
    fn exceptions_cover_what_they_contain() {
        let d = detector();
        assert_eq!(d.check("死にたくないから寝る"), None);
        assert_eq!(d.check("傘なしは自殺行為"), None);
        // An exception in other letters than its phrase still covers it.
        assert_eq!(d.check("キャンプ用のＯＤ缶"), None);
        assert_eq!(d.check("OD缶を買ったあとODした"), Some(Category::Overdose));
        assert_eq!(d.check("自殺したい"), Some(Category::Suicide));
        // An exception elsewhere in the line does not excuse the phrase.
        assert_eq!(
            d.check("死にたくない、でも死にたい"),
            Some(Category::Suicide)
        );
    }

    #[test]
    fn mistakes_in_a_list_name_their_line() {
        let e = CrisisDetector::from_text("死にたい\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("before any section"), "{e}");
        let e = CrisisDetector::from_text("[suicide]\n死にたい\n[sadness]\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = CrisisDetector::from_text("[suicide]\n死にたい\n!🥺🥺\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(CrisisDetector::from_text("# nothing\n[suicide]\n").is_err());
    }
}
