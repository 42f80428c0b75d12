//! Configuration files. `rooms.toml` describes the space: its settings, opening rules,
//! closures and rooms. Parsing is strict and every error points at a line and column,
//! because the people editing the file are a city's staff, not programmers.
mod accounts;
mod raw;
mod rooms;
mod safety;
mod space;
mod values;
mod wording;

use std::ops::Range;

pub use rooms::{
    area_at, AccountsSettings, Area, AreaKind, Audience, MediaFile, RoomConfig, RoomKind,
    SessionRule, SpaceConfig, SpaceSettings, Video,
};
pub use safety::{HelpLine, SafetySettings};
pub use wording::Wording;

/// A mistake in a configuration file, located at the offending value.
/// Displays as `rooms.toml:12:5: <message>` (or `rooms.toml: <message>` without a position,
/// e.g. when the file cannot be read).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {message}", position(*.line, *.column))]
pub struct ConfigError {
    pub origin: String,
    /// 1-based; 0 when the error is about the whole file.
    pub line: usize,
    /// 1-based, counted in characters (not bytes), so it matches what an editor shows.
    pub column: usize,
    pub message: String,
}

fn position(line: usize, column: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(":{line}:{column}")
    }
}

/// The text being parsed and its name, to turn byte spans into positions.
#[derive(Clone, Copy)]
struct Source<'a> {
    text: &'a str,
    origin: &'a str,
}

impl Source<'_> {
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        let (line, column) = line_column(self.text, span.start);
        ConfigError {
            origin: self.origin.to_string(),
            line,
            column,
            message: message.into(),
        }
    }
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod parse_tests;
#[cfg(test)]
mod schedule_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "a = 1\nname = \"居場所\"\nx = 2";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        // "x" on line 3, after a line of multi-byte characters.
        assert_eq!(line_column(text, text.find('x').unwrap()), (3, 1));
        let after_kanji = text.find("\"\n").unwrap();
        assert_eq!(line_column(text, after_kanji), (2, 12));
        assert_eq!(line_column(text, 9999), (3, 6));
    }

    #[test]
    fn errors_display_with_and_without_a_position() {
        let e = ConfigError {
            origin: "rooms.toml".into(),
            line: 31,
            column: 7,
            message: "end \"12:00\" is not after start \"13:00\"".into(),
        };
        assert_eq!(
            e.to_string(),
            "rooms.toml:31:7: end \"12:00\" is not after start \"13:00\""
        );
        let e = ConfigError {
            line: 0,
            column: 0,
            message: "cannot read the file".into(),
            ..e
        };
        assert_eq!(e.to_string(), "rooms.toml: cannot read the file");
    }
}
