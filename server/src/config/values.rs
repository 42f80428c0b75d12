//! Single values of rooms.toml (times, dates, weekdays) and the rule tables built from them.
use std::ops::RangeInclusive;

use chrono::{NaiveDate, NaiveTime, Weekday};
use toml::Value;

use super::raw::{RawRule, S};
use super::{ConfigError, Source, Wording};
use crate::schedule::rules::{MonthDay, OpeningRule, Pattern};

/// What a TOML value is, in words, for messages such as "expected a time, found a number".
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) | Value::Float(_) => "a number",
        Value::Boolean(_) => "true/false",
        Value::Datetime(_) => "a date/time",
        Value::Array(_) => "a list",
        Value::Table(_) => "a table",
    }
}

/// "13:00" (a string) or a bare TOML time `13:00:00`.
pub(super) fn time(src: Source, key: &str, v: &S<Value>) -> Result<NaiveTime, ConfigError> {
    let parsed = match v.get_ref() {
        Value::String(s) => NaiveTime::parse_from_str(s, "%H:%M").ok(),
        Value::Datetime(dt) if dt.date.is_none() && dt.offset.is_none() => dt.time.and_then(|t| {
            NaiveTime::from_hms_opt(
                u32::from(t.hour),
                u32::from(t.minute),
                u32::from(t.second.unwrap_or(0)),
            )
        }),
        other => {
            return Err(src.error(
                v.span(),
                format!(
                    "{key} must be a time of day such as \"13:00\", not {}",
                    kind_of(other)
                ),
            ))
        }
    };
    parsed.ok_or_else(|| {
        src.error(
            v.span(),
            format!(
                "{key} {} is not a time of day (expected \"HH:MM\" from \"00:00\" to \"23:59\", e.g. \"13:00\")",
                shown(v.get_ref())
            ),
        )
    })
}

/// "2026-12-23" (a string) or a bare TOML date `2026-12-23`.
pub(super) fn date(src: Source, key: &str, v: &S<Value>) -> Result<NaiveDate, ConfigError> {
    let parsed = match v.get_ref() {
        Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").ok(),
        Value::Datetime(dt) if dt.time.is_none() => dt.date.and_then(|d| {
            NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
        }),
        other => {
            return Err(src.error(
                v.span(),
                format!(
                    "{key} must be a date such as \"2026-12-23\", not {}",
                    kind_of(other)
                ),
            ))
        }
    };
    parsed.ok_or_else(|| {
        src.error(
            v.span(),
            format!(
                "{key} {} is not a date (expected \"YYYY-MM-DD\", e.g. \"2026-12-23\")",
                shown(v.get_ref())
            ),
        )
    })
}

/// "12-29": a month and day that comes back every year ("02-29" only in leap years).
pub(super) fn month_day(src: Source, key: &str, v: &S<Value>) -> Result<MonthDay, ConfigError> {
    let bad = || {
        src.error(
            v.span(),
            format!(
                "{key} {} is not a month and day (expected \"MM-DD\", e.g. \"12-29\")",
                shown(v.get_ref())
            ),
        )
    };
    let Value::String(s) = v.get_ref() else {
        return Err(bad());
    };
    let (m, d) = s.split_once('-').ok_or_else(bad)?;
    let month: u32 = m.parse().map_err(|_| bad())?;
    let day: u32 = d.parse().map_err(|_| bad())?;
    // 2000 is a leap year, so 02-29 is accepted.
    NaiveDate::from_ymd_opt(2000, month, day).ok_or_else(bad)?;
    Ok(MonthDay { month, day })
}

pub(super) fn weekday(src: Source, v: &S<String>) -> Result<Weekday, ConfigError> {
    let s = v.get_ref().trim().to_lowercase();
    let day = match s.as_str() {
        "mon" | "monday" | "月" | "月曜" | "月曜日" => Weekday::Mon,
        "tue" | "tuesday" | "火" | "火曜" | "火曜日" => Weekday::Tue,
        "wed" | "wednesday" | "水" | "水曜" | "水曜日" => Weekday::Wed,
        "thu" | "thursday" | "木" | "木曜" | "木曜日" => Weekday::Thu,
        "fri" | "friday" | "金" | "金曜" | "金曜日" => Weekday::Fri,
        "sat" | "saturday" | "土" | "土曜" | "土曜日" => Weekday::Sat,
        "sun" | "sunday" | "日" | "日曜" | "日曜日" => Weekday::Sun,
        _ => {
            return Err(src.error(
                v.span(),
                format!(
                    "unknown weekday \"{}\" (expected mon, tue, wed, thu, fri, sat or sun)",
                    v.get_ref()
                ),
            ))
        }
    };
    Ok(day)
}

/// A value as it was written, for messages.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// An `[[opening]]` or `[[room.session]]` table.
pub(super) fn rule(src: Source, raw: &RawRule) -> Result<OpeningRule, ConfigError> {
    let kind = raw.rule.get_ref().as_str();
    // Keys that belong to another rule kind are mistakes, not something to ignore.
    let stray: [(&str, Option<std::ops::Range<usize>>); 4] = [
        ("nth", raw.nth.as_ref().map(|v| v.span())),
        ("weekday", raw.weekday.as_ref().map(|v| v.span())),
        ("weekdays", raw.weekdays.as_ref().map(|v| v.span())),
        ("dates", raw.dates.as_ref().map(|v| v.span())),
    ];
    let takes: &[&str] = match kind {
        "nth_weekday" => &["nth", "weekday"],
        "weekly" => &["weekdays"],
        "dates" => &["dates"],
        _ => {
            return Err(src.error(
                raw.rule.span(),
                format!(
                    "unknown rule \"{kind}\" (expected \"nth_weekday\", \"weekly\" or \"dates\")"
                ),
            ))
        }
    };
    let listed = takes
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    for (key, span) in stray {
        if let Some(span) = span {
            if !takes.contains(&key) {
                return Err(src.error(
                    span,
                    format!("`{key}` does not belong to rule \"{kind}\" (it takes {listed})"),
                ));
            }
        }
    }
    let missing = || src.error(raw.rule.span(), format!("rule \"{kind}\" needs {listed}"));
    let pattern = match kind {
        "nth_weekday" => {
            let (Some(nth), Some(day)) = (&raw.nth, &raw.weekday) else {
                return Err(missing());
            };
            Pattern::NthWeekday {
                nth: nth_list(src, nth)?,
                weekday: weekday(src, day)?,
            }
        }
        "weekly" => {
            let Some(days) = &raw.weekdays else {
                return Err(missing());
            };
            non_empty(src, "weekdays", days, "[\"wed\", \"sat\"]")?;
            let weekdays = days
                .get_ref()
                .iter()
                .map(|d| weekday(src, d))
                .collect::<Result<_, _>>()?;
            Pattern::Weekly { weekdays }
        }
        _ => {
            let Some(dates) = &raw.dates else {
                return Err(missing());
            };
            non_empty(src, "dates", dates, "[\"2026-12-23\"]")?;
            let dates = dates
                .get_ref()
                .iter()
                .map(|d| date(src, "date", d))
                .collect::<Result<_, _>>()?;
            Pattern::Dates { dates }
        }
    };
    let start = time(src, "start", &raw.start)?;
    let end = time(src, "end", &raw.end)?;
    if end <= start {
        return Err(src.error(
            raw.end.span(),
            format!(
                "end \"{}\" is not after start \"{}\" (a window ends on the day it starts)",
                end.format("%H:%M"),
                start.format("%H:%M")
            ),
        ));
    }
    let from = raw
        .from
        .as_ref()
        .map(|v| date(src, "from", v))
        .transpose()?;
    let until = raw
        .until
        .as_ref()
        .map(|v| date(src, "until", v))
        .transpose()?;
    if let (Some(f), Some(u), Some(v)) = (from, until, &raw.until) {
        if u < f {
            return Err(src.error(v.span(), format!("until {u} is before from {f}")));
        }
    }
    Ok(OpeningRule {
        pattern,
        start,
        end,
        from,
        until,
    })
}

fn non_empty<T>(
    src: Source,
    key: &str,
    list: &S<Vec<T>>,
    example: &str,
) -> Result<(), ConfigError> {
    if list.get_ref().is_empty() {
        return Err(src.error(
            list.span(),
            format!("{key} is empty (expected a list such as {example})"),
        ));
    }
    Ok(())
}

fn nth_list(src: Source, nth: &S<Vec<S<i64>>>) -> Result<Vec<u8>, ConfigError> {
    non_empty(src, "nth", nth, "[2, 3, 4]")?;
    nth.get_ref()
        .iter()
        .map(|n| match u8::try_from(*n.get_ref()) {
            Ok(v @ 1..=5) => Ok(v),
            _ => Err(src.error(
                n.span(),
                format!(
                    "nth {} is outside 1..=5 (1 = the first such weekday of the month, 5 = the fifth)",
                    n.get_ref()
                ),
            )),
        })
        .collect()
}

/// A whole number in `allowed`, or `default` when the key is absent.
pub(super) fn number(
    src: Source,
    key: &str,
    v: Option<&S<i64>>,
    default: u32,
    allowed: RangeInclusive<u32>,
) -> Result<u32, ConfigError> {
    let Some(v) = v else {
        return Ok(default);
    };
    match u32::try_from(*v.get_ref()) {
        Ok(n) if allowed.contains(&n) => Ok(n),
        _ => Err(src.error(
            v.span(),
            format!(
                "{key} {} is outside {}..={}",
                v.get_ref(),
                allowed.start(),
                allowed.end()
            ),
        )),
    }
}

/// An operator's text and its English variant `<key>_en`, which may not be blank when given.
pub(super) fn wording(
    src: Source,
    key: &str,
    ja: &str,
    en: Option<&S<String>>,
) -> Result<Wording, ConfigError> {
    let en = match en {
        None => None,
        Some(v) if v.get_ref().trim().is_empty() => {
            return Err(src.error(
                v.span(),
                format!("{key}_en is empty (leave it out, and English pages show the Japanese)"),
            ))
        }
        Some(v) => Some(v.get_ref().trim().to_string()),
    };
    Ok(Wording {
        ja: ja.to_string(),
        en,
    })
}

/// An optional operator's text: `<key>_en` only beside the `<key>` it translates.
pub(super) fn optional_wording(
    src: Source,
    key: &str,
    ja: Option<&S<String>>,
    en: Option<&S<String>>,
) -> Result<Option<Wording>, ConfigError> {
    match (ja, en) {
        (None, None) => Ok(None),
        (None, Some(v)) => Err(src.error(
            v.span(),
            format!("{key}_en needs {key}, the Japanese it stands beside"),
        )),
        (Some(v), _) if v.get_ref().trim().is_empty() => Err(src.error(
            v.span(),
            format!("{key} is empty (leave it out when there is none)"),
        )),
        (Some(v), en) => wording(src, key, v.get_ref().trim(), en).map(Some),
    }
}
