//! Safety checks on what members say. Every chat line passes `screen_chat` in the room actor
//! before it gets a sequence number (and once more before it uses the sender's chat allowance,
//! so a refused line costs none): this is the one place where the crisis-expression detector
//! ([`crisis`], alerting the staff on duty, never blocking the person) and the contact-details
//! check ([`contact`]) are to be called. [`real_name`] keeps real full names out of nicknames.
pub mod contact;
pub mod crisis;
mod fold;
pub mod real_name;

/// The longest chat line, in Unicode code points (docs/protocol.md, Limits); the hub sends it
/// in `welcome.limits`.
pub const CHAT_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatProblem {
    Empty,
    TooLong { limit: usize },
}

/// Cleans a line and checks it. Drops control characters (other than line breaks and tabs)
/// that could garble other people's screens, bidirectional controls (see [`is_bidi_control`])
/// and byte order marks, then trims white space. A line with nothing visible left (only
/// spaces, zero-width or other format characters) is empty. The length counts Unicode code
/// points (not bytes, not what a reader sees as one character: 👨‍👩‍👧 is five).
pub fn screen_chat(text: &str) -> Result<String, ChatProblem> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .filter(|c| !is_bidi_control(*c) && *c != '\u{FEFF}')
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.chars().all(is_invisible) {
        return Err(ChatProblem::Empty);
    }
    if cleaned.chars().count() > CHAT_CHARS {
        return Err(ChatProblem::TooLong { limit: CHAT_CHARS });
    }
    Ok(cleaned.to_string())
}

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): one left
/// open turns the rest of the line around on other people's screens, so a line can read as
/// something it does not say. A line reads the same without them in almost every case.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Shows nothing by itself: white space, controls, zero-width and other format characters,
/// variation selectors, tags and the blank fillers of Hangul and Braille.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{2800}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        let japanese = "あ".repeat(CHAT_CHARS);
        assert_eq!(screen_chat(&japanese).unwrap(), japanese);
        assert_eq!(
            screen_chat(&"あ".repeat(CHAT_CHARS + 1)),
            Err(ChatProblem::TooLong { limit: CHAT_CHARS })
        );
    }

    #[test]
    fn blank_and_control_only_lines_are_empty() {
        assert_eq!(screen_chat("   \n "), Err(ChatProblem::Empty));
        assert_eq!(screen_chat("\u{7}\u{1b}"), Err(ChatProblem::Empty));
        assert_eq!(
            screen_chat(" こんにちは\u{1b}[31m "),
            Ok("こんにちは[31m".into())
        );
    }

    #[test]
    fn lines_with_nothing_visible_are_empty() {
        for invisible in [
            "\u{200B}",
            "\u{FEFF}",
            " \u{200B}\u{200C}\u{200D}\u{2060} ",
            "\u{3000}\u{3164}\u{2800}",
            "\u{202E}\u{2066}",
            "\u{FE0F}\u{E0041}",
        ] {
            assert_eq!(
                screen_chat(invisible),
                Err(ChatProblem::Empty),
                "{invisible:?}"
            );
        }
        // Joiners inside something visible are part of it.
        assert_eq!(screen_chat("👨\u{200D}👩"), Ok("👨\u{200D}👩".into()));
    }

    #[test]
    fn bidi_controls_and_byte_order_marks_are_dropped() {
        assert_eq!(
            screen_chat("\u{FEFF}abc\u{202E}fdp.exe\u{202C} \u{2067}x\u{2069}"),
            Ok("abcfdp.exe x".into())
        );
    }

    #[test]
    fn length_counts_code_points() {
        let family = "👨\u{200D}👩\u{200D}👧"; // five code points, one on screen
        assert_eq!(family.chars().count(), 5);
        assert!(screen_chat(&family.repeat(CHAT_CHARS / 5)).is_ok());
        assert_eq!(
            screen_chat(&format!("{}あ", family.repeat(CHAT_CHARS / 5))),
            Err(ChatProblem::TooLong { limit: CHAT_CHARS })
        );
    }
}
