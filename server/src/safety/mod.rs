//! Safety checks on what members say. Every chat line passes `screen_chat` in the room actor
//! before it gets a sequence number: this is the one place where a crisis-expression detector
//! (alerting the staff on duty, never blocking the person) will sit.
use crate::hub::limits::CHAT_CHARS;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatProblem {
    Empty,
    TooLong { limit: usize },
}

/// Trims the line, drops control characters (other than line breaks and tabs) that could
/// garble other people's screens, and checks the length in characters, not bytes.
pub fn screen_chat(text: &str) -> Result<String, ChatProblem> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    if cleaned.is_empty() {
        return Err(ChatProblem::Empty);
    }
    if cleaned.chars().count() > CHAT_CHARS {
        return Err(ChatProblem::TooLong { limit: CHAT_CHARS });
    }
    Ok(cleaned)
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
}
