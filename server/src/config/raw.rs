//! The file as written: serde structs that keep the position of every value, so that
//! validation (in `rooms.rs`) can point at the exact spot. Kind-specific keys are all
//! optional here and checked against the kind afterwards, because serde's tagged enums
//! lose positions.
use serde::Deserialize;
use toml::{Spanned, Value};

pub(super) type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub space: S<RawSpace>,
    #[serde(default)]
    pub opening: Vec<S<RawRule>>,
    pub closures: Option<S<RawClosures>>,
    #[serde(default)]
    pub room: Vec<S<RawRoom>>,
    pub accounts: Option<S<RawAccounts>>,
    pub safety: Option<S<RawSafety>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSafety {
    pub crisis_words: Option<S<String>>,
    pub help_lines: Option<S<Vec<S<RawHelpLine>>>>,
    pub min_on_duty: Option<S<u32>>,
    pub warn_on_duty_below: Option<S<u32>>,
    pub report_keep_days: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHelpLine {
    pub name: S<String>,
    pub name_en: Option<S<String>>,
    pub number: S<String>,
    pub hours: S<String>,
    pub hours_en: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccounts {
    pub eligibility: Option<S<String>>,
    pub eligibility_en: Option<S<String>>,
    pub privacy_notice: Option<S<String>>,
    pub privacy_notice_en: Option<S<String>>,
    pub heard_from: Option<S<Vec<S<String>>>>,
    pub heard_from_en: Option<S<Vec<S<String>>>>,
    #[serde(default)]
    pub nickname_blocklist: Vec<S<String>>,
    pub invitation_days: Option<S<i64>>,
    pub forget_after_days: Option<S<i64>>,
    pub notes_keep_days: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSpace {
    pub name: S<String>,
    pub name_en: Option<S<String>>,
    #[serde(default)]
    pub about: String,
    pub about_en: Option<S<String>>,
    pub timezone: Option<S<String>>,
    pub doors_open_minutes: Option<S<i64>>,
    pub closing_notices: Option<S<Vec<S<i64>>>>,
    pub consult_grace_minutes: Option<S<i64>>,
    pub contact: Option<S<String>>,
    pub contact_en: Option<S<String>>,
}

/// An `[[opening]]` or a `[[room.session]]`. Dates and times are `Value`s so that both
/// `"13:00"` and a bare TOML time `13:00:00` are accepted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub rule: S<String>,
    pub nth: Option<S<Vec<S<i64>>>>,
    pub weekday: Option<S<String>>,
    pub weekdays: Option<S<Vec<S<String>>>>,
    pub dates: Option<S<Vec<S<Value>>>>,
    pub start: S<Value>,
    pub end: S<Value>,
    pub from: Option<S<Value>>,
    pub until: Option<S<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawClosures {
    #[serde(default)]
    pub public_holidays: bool,
    #[serde(default)]
    pub yearly: Vec<S<RawRange>>,
    #[serde(default)]
    pub dates: Vec<S<Value>>,
    #[serde(default)]
    pub ranges: Vec<S<RawRange>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRange {
    pub from: S<Value>,
    pub to: S<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRoom {
    pub id: S<String>,
    pub kind: S<String>,
    pub name: S<String>,
    pub name_en: Option<S<String>>,
    #[serde(default)]
    pub description: String,
    pub description_en: Option<S<String>>,
    pub capacity: Option<S<i64>>,
    pub max_speakers: Option<S<i64>>,
    // free and program: who the room is for
    pub for_groups: Option<S<Vec<S<String>>>>,
    pub for_roles: Option<S<Vec<S<String>>>>,
    // free
    pub width: Option<S<i64>>,
    pub height: Option<S<i64>>,
    pub background: Option<S<String>>,
    pub area: Option<S<Vec<S<RawArea>>>>,
    // program
    pub host_roles: Option<S<Vec<S<String>>>>,
    pub stage: Option<S<bool>>,
    pub session: Option<S<Vec<S<RawRule>>>>,
    // consult
    pub pool: Option<S<i64>>,
    // gallery
    pub video: Option<S<Vec<S<RawVideo>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVideo {
    pub title: S<String>,
    pub title_en: Option<S<String>>,
    pub src: S<String>,
    pub poster: Option<S<String>>,
    pub captions: Option<S<String>>,
    pub program: Option<S<String>>,
}

/// A `[[room.area]]` of the free space: a named rectangle in map units.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawArea {
    pub name: S<String>,
    pub name_en: Option<S<String>>,
    pub kind: S<String>,
    pub x: S<i64>,
    pub y: S<i64>,
    pub width: S<i64>,
    pub height: S<i64>,
}
