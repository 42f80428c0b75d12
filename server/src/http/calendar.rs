//! The next 90 days as iCalendar (RFC 5545), so people can add opening days to their phone.
use super::AppState;
use crate::schedule::Window;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Duration, Utc};

const DAYS: i64 = 90;

pub async fn ics(State(state): State<AppState>) -> impl IntoResponse {
    let now = state.clock.now();
    let today = now.with_timezone(&state.schedule.timezone()).date_naive();
    let windows = state
        .schedule
        .windows(today, today + Duration::days(DAYS - 1));
    let name_of = |window: &Window| match &window.room {
        None => format!("{}（開室）", state.space.space.name.ja),
        Some(room) => state.space.room(room).map_or_else(
            || room.clone(),
            |r| format!("{}（{}）", r.name.ja, state.space.space.name.ja),
        ),
    };
    let body = render(&state.space.space.name.ja, &windows, name_of, now);
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"ibasho.ics\"",
            ),
        ],
        body,
    )
}

fn render(
    calendar_name: &str,
    windows: &[Window],
    summary: impl Fn(&Window) -> String,
    now: DateTime<Utc>,
) -> String {
    let stamp = utc(now);
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//ibasho//schedule//JA".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        format!("X-WR-CALNAME:{}", escape(calendar_name)),
    ];
    for window in windows {
        let start = utc(window.start.with_timezone(&Utc));
        lines.push("BEGIN:VEVENT".to_string());
        lines.push(format!(
            "UID:{start}-{}@ibasho",
            window.room.as_deref().unwrap_or("space")
        ));
        lines.push(format!("DTSTAMP:{stamp}"));
        lines.push(format!("DTSTART:{start}"));
        lines.push(format!("DTEND:{}", utc(window.end.with_timezone(&Utc))));
        lines.push(format!("SUMMARY:{}", escape(&summary(window))));
        lines.push("END:VEVENT".to_string());
    }
    lines.push("END:VCALENDAR".to_string());
    lines
        .iter()
        .map(|line| fold(line))
        .collect::<Vec<_>>()
        .join("")
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8 character:
/// Japanese summaries are 3 bytes a character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_long_japanese_lines_at_character_boundaries() {
        let folded = fold(&format!("SUMMARY:{}", "唄ごえカフェ".repeat(10)));
        for line in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert_eq!(
            folded.replace("\r\n ", "").trim_end(),
            format!("SUMMARY:{}", "唄ごえカフェ".repeat(10))
        );
    }

    #[test]
    fn escapes_text_values() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
