//! Dates and times as people in Japan read them on screen: 12月9日(水) 13:00〜21:00.
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Weekday};

use super::Window;

fn weekday_ja(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "月",
        Weekday::Tue => "火",
        Weekday::Wed => "水",
        Weekday::Thu => "木",
        Weekday::Fri => "金",
        Weekday::Sat => "土",
        Weekday::Sun => "日",
    }
}

/// "12月9日(水)"
pub fn format_date_ja(date: NaiveDate) -> String {
    format!(
        "{}月{}日({})",
        date.month(),
        date.day(),
        weekday_ja(date.weekday())
    )
}

/// "12月9日(水) 13:00", in the offset the time carries (the space's zone for schedule times).
pub fn format_ja(t: DateTime<FixedOffset>) -> String {
    format!("{} {}", format_date_ja(t.date_naive()), t.format("%H:%M"))
}

/// "12月9日(水) 13:00〜21:00"; the end date is repeated only if it differs from the start's.
pub fn format_window_ja(w: &Window) -> String {
    if w.start.date_naive() == w.end.date_naive() {
        format!("{}〜{}", format_ja(w.start), w.end.format("%H:%M"))
    } else {
        format!("{}〜{}", format_ja(w.start), format_ja(w.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn times_and_windows_read_as_in_japanese() {
        assert_eq!(
            format_ja(t("2026-12-09T13:00:00+09:00")),
            "12月9日(水) 13:00"
        );
        assert_eq!(
            format_ja(t("2027-01-02T09:05:00+09:00")),
            "1月2日(土) 09:05"
        );
        let w = Window {
            room: None,
            start: t("2026-12-09T13:00:00+09:00"),
            end: t("2026-12-09T21:00:00+09:00"),
        };
        assert_eq!(format_window_ja(&w), "12月9日(水) 13:00〜21:00");
        let late = Window {
            room: None,
            start: t("2026-12-09T22:00:00+09:00"),
            end: t("2026-12-10T00:00:00+09:00"),
        };
        assert_eq!(
            format_window_ja(&late),
            "12月9日(水) 22:00〜12月10日(木) 00:00"
        );
    }
}
