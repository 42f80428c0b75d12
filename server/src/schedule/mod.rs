//! When the space and its program rooms are open. The rules from rooms.toml become concrete
//! windows through one function, `Schedule::windows`; the calendar API and the door gate
//! both go through it, so they can never disagree.
mod clock;
pub mod holidays;
pub mod rules;
pub mod words;

use chrono::{DateTime, Days, FixedOffset, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize, Serializer};

pub use clock::{Clock, Jumps, RehearsalClock, SystemClock};
pub use holidays::{holiday_name, is_holiday};
pub use rules::{Closures, DateRange, MonthDay, OpeningRule, Pattern, YearlyRange};
pub use words::{format_date_ja, format_ja, format_window_ja};

/// How far ahead `next_opening` and `next_session` look before answering "none".
const HORIZON_DAYS: u64 = 400;
/// Days computed per step of a forward search: usually the first step finds the answer.
const CHUNK_DAYS: u64 = 31;

/// One opening of the space (`room` None) or one session of a program room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub room: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub start: DateTime<FixedOffset>,
    #[serde(serialize_with = "rfc3339")]
    pub end: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SpaceStatus {
    pub open: bool,
    #[serde(serialize_with = "rfc3339_opt")]
    pub closes_at: Option<DateTime<FixedOffset>>,
    pub next_opening: Option<Window>,
}

// Written out rather than left to chrono's serde feature so that the wire format is fixed:
// always seconds, never fractions, always the offset ("2026-12-09T13:00:00+09:00").
pub fn rfc3339<S: Serializer>(t: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

pub fn rfc3339_opt<S: Serializer>(
    t: &Option<DateTime<FixedOffset>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

/// The space's opening rules, closures and program sessions, ready to answer "is it open?".
#[derive(Debug, Clone)]
pub struct Schedule {
    tz: Tz,
    opening: Vec<OpeningRule>,
    closures: Closures,
    /// Program rooms in file order, each with its session rules.
    programs: Vec<(String, Vec<OpeningRule>)>,
}

/// Which windows a computation needs; the gate asks only for the space's.
#[derive(Clone, Copy)]
enum Which<'a> {
    All,
    Space,
    Room(&'a str),
}

impl Schedule {
    /// The space's rules in its time zone, and each program room (in file order) with its
    /// session rules. rooms.toml becomes this through `SpaceConfig::schedule`.
    pub fn new(
        tz: Tz,
        opening: Vec<OpeningRule>,
        closures: Closures,
        programs: Vec<(String, Vec<OpeningRule>)>,
    ) -> Schedule {
        Schedule {
            tz,
            opening,
            closures,
            programs,
        }
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// Every opening of the space (room None) and every program session (room Some(id)) on
    /// the dates `from..=to` in the space's zone, sorted by start; at the same instant the
    /// space's window comes before sessions.
    pub fn windows(&self, from: NaiveDate, to: NaiveDate) -> Vec<Window> {
        self.compute(from, to, Which::All)
    }

    /// The space's window with `start <= t < end`, if it is open at `t`.
    pub fn open_window_at(&self, t: DateTime<Utc>) -> Option<Window> {
        self.window_at(Which::Space, t)
    }

    /// The first space window that starts after `t`, looking about 400 days ahead.
    pub fn next_opening(&self, t: DateTime<Utc>) -> Option<Window> {
        self.next_after(Which::Space, t)
    }

    /// The session of program room `room` with `start <= t < end`.
    pub fn session_at(&self, room: &str, t: DateTime<Utc>) -> Option<Window> {
        self.window_at(Which::Room(room), t)
    }

    /// The first session of program room `room` that starts after `t`.
    pub fn next_session(&self, room: &str, t: DateTime<Utc>) -> Option<Window> {
        self.next_after(Which::Room(room), t)
    }

    pub fn status(&self, t: DateTime<Utc>) -> SpaceStatus {
        let open = self.open_window_at(t);
        SpaceStatus {
            open: open.is_some(),
            closes_at: open.map(|w| w.end),
            next_opening: self.next_opening(t),
        }
    }

    /// The one computation behind every answer above.
    fn compute(&self, from: NaiveDate, to: NaiveDate, which: Which) -> Vec<Window> {
        let mut out = Vec::new();
        for date in from.iter_days().take_while(|d| *d <= to) {
            if self.closures.closes(date) {
                continue;
            }
            let open = rules::day_windows(&self.opening, date);
            if open.is_empty() {
                continue;
            }
            if matches!(which, Which::All | Which::Space) {
                out.extend(
                    open.iter()
                        .filter_map(|(s, e)| self.window(None, date, *s, *e)),
                );
            }
            for (room, sessions) in &self.programs {
                let wanted = match which {
                    Which::All => true,
                    Which::Space => false,
                    Which::Room(r) => r == room,
                };
                if !wanted {
                    continue;
                }
                // A session takes place only inside that day's opening.
                let inside = rules::day_windows(sessions, date)
                    .into_iter()
                    .filter(|(s, e)| open.iter().any(|(os, oe)| os <= s && e <= oe));
                out.extend(inside.filter_map(|(s, e)| self.window(Some(room), date, s, e)));
            }
        }
        out.sort_by(|a, b| (a.start, &a.room, a.end).cmp(&(b.start, &b.room, b.end)));
        out
    }

    fn window_at(&self, which: Which, t: DateTime<Utc>) -> Option<Window> {
        let t = t.fixed_offset();
        let today = t.with_timezone(&self.tz).date_naive();
        // Yesterday too: a window shifted by a time-zone gap may end after midnight.
        let yesterday = today.checked_sub_days(Days::new(1)).unwrap_or(today);
        self.compute(yesterday, today, which)
            .into_iter()
            .find(|w| w.start <= t && t < w.end)
    }

    fn next_after(&self, which: Which, t: DateTime<Utc>) -> Option<Window> {
        if let Which::Room(room) = which {
            if !self.programs.iter().any(|(r, _)| r == room) {
                return None;
            }
        }
        let t = t.fixed_offset();
        let mut from = t.with_timezone(&self.tz).date_naive();
        let mut searched = 0;
        while searched < HORIZON_DAYS {
            let to = from.checked_add_days(Days::new(CHUNK_DAYS - 1))?;
            if let Some(w) = self
                .compute(from, to, which)
                .into_iter()
                .find(|w| w.start > t)
            {
                return Some(w);
            }
            from = to.checked_add_days(Days::new(1))?;
            searched += CHUNK_DAYS;
        }
        None
    }

    fn window(
        &self,
        room: Option<&str>,
        date: NaiveDate,
        start: NaiveTime,
        end: NaiveTime,
    ) -> Option<Window> {
        let start = self.instant(date, start)?;
        let end = self.instant(date, end)?;
        // A window that falls entirely inside a spring-forward gap has no length: skip it.
        (start < end).then(|| Window {
            room: room.map(str::to_string),
            start,
            end,
        })
    }

    /// The instant a local wall-clock time names. In an autumn fold the earlier of the two;
    /// in a spring gap the moment the clocks jump (the first local time that exists after).
    fn instant(&self, date: NaiveDate, time: NaiveTime) -> Option<DateTime<FixedOffset>> {
        let mut local = date.and_time(time);
        // Gaps are at most a few hours long; a day's worth of minutes bounds the walk.
        for _ in 0..=24 * 60 {
            match self.tz.from_local_datetime(&local) {
                LocalResult::Single(t) => return Some(t.fixed_offset()),
                LocalResult::Ambiguous(earliest, _) => return Some(earliest.fixed_offset()),
                LocalResult::None => {
                    local = local.checked_add_signed(chrono::Duration::minutes(1))?
                }
            }
        }
        None
    }
}
