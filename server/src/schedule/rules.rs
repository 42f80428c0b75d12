//! Opening rules and closures: which local dates they fall on. Times and time zones are
//! applied later, in `Schedule`, so these stay pure calendar arithmetic.
use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

use super::holidays;

/// Which dates a rule falls on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// The nth weekday of every month (nth in 1..=5), e.g. the 2nd, 3rd and 4th Wednesday.
    NthWeekday { nth: Vec<u8>, weekday: Weekday },
    /// Every week on these weekdays.
    Weekly { weekdays: Vec<Weekday> },
    /// These dates only (one-off openings or sessions).
    Dates { dates: Vec<NaiveDate> },
}

/// A recurring (or one-off) window of local time: an `[[opening]]` of the space or a
/// `[[room.session]]` of a program room. `end` is after `start` on the same day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningRule {
    pub pattern: Pattern,
    pub start: NaiveTime,
    pub end: NaiveTime,
    /// First date the rule applies (inclusive).
    pub from: Option<NaiveDate>,
    /// Last date the rule applies (inclusive).
    pub until: Option<NaiveDate>,
}

impl OpeningRule {
    pub fn falls_on(&self, date: NaiveDate) -> bool {
        if self.from.is_some_and(|f| date < f) || self.until.is_some_and(|u| date > u) {
            return false;
        }
        match &self.pattern {
            Pattern::NthWeekday { nth, weekday } => {
                date.weekday() == *weekday && nth.contains(&holidays::nth_of_month(date))
            }
            Pattern::Weekly { weekdays } => weekdays.contains(&date.weekday()),
            Pattern::Dates { dates } => dates.contains(&date),
        }
    }
}

/// The local windows of the rules that fall on `date`, sorted, with overlapping or touching
/// windows merged into one (two rules for the same day mean one longer opening, not two).
pub fn day_windows(rules: &[OpeningRule], date: NaiveDate) -> Vec<(NaiveTime, NaiveTime)> {
    let mut spans: Vec<(NaiveTime, NaiveTime)> = rules
        .iter()
        .filter(|r| r.falls_on(date))
        .map(|r| (r.start, r.end))
        .collect();
    spans.sort();
    let mut merged: Vec<(NaiveTime, NaiveTime)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Whether `session` lies inside an opening window on at least one day it falls on
/// (closures aside). Used to reject sessions that could never take place.
pub fn can_occur(session: &OpeningRule, openings: &[OpeningRule]) -> bool {
    // About three years from each point where a rule starts: every nth-weekday and weekday
    // combination comes round many times in that span.
    const SPAN: u64 = 1100;
    let mut starts: Vec<NaiveDate> = openings.iter().filter_map(|o| o.from).collect();
    starts.extend(session.from);
    starts.extend(
        session
            .until
            .and_then(|u| u.checked_sub_days(chrono::Days::new(SPAN))),
    );
    starts.extend(NaiveDate::from_ymd_opt(2000, 1, 1));
    let fits = |date: NaiveDate| {
        session.falls_on(date)
            && day_windows(openings, date)
                .iter()
                .any(|(s, e)| *s <= session.start && session.end <= *e)
    };
    if let Pattern::Dates { dates } = &session.pattern {
        return dates.iter().any(|d| fits(*d));
    }
    starts
        .iter()
        .any(|s| s.iter_days().take(SPAN as usize).any(fits))
}

/// A month and day without a year, for closures that come back every year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

impl MonthDay {
    fn of(date: NaiveDate) -> MonthDay {
        MonthDay {
            month: date.month(),
            day: date.day(),
        }
    }
}

/// Every year from `from` to `to` inclusive; when `to` comes before `from` the range
/// crosses New Year (12-29 → 01-03).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearlyRange {
    pub from: MonthDay,
    pub to: MonthDay,
}

impl YearlyRange {
    pub fn contains(&self, date: NaiveDate) -> bool {
        let md = MonthDay::of(date);
        if self.from <= self.to {
            self.from <= md && md <= self.to
        } else {
            md >= self.from || md <= self.to
        }
    }
}

/// Dates from `from` to `to`, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Days the space stays closed even when an opening rule falls on them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Closures {
    /// Japanese public holidays (祝日, 振替休日, 国民の休日), computed.
    pub public_holidays: bool,
    pub yearly: Vec<YearlyRange>,
    pub dates: Vec<NaiveDate>,
    pub ranges: Vec<DateRange>,
}

impl Closures {
    pub fn closes(&self, date: NaiveDate) -> bool {
        (self.public_holidays && holidays::is_holiday(date))
            || self.yearly.iter().any(|r| r.contains(date))
            || self.dates.contains(&date)
            || self.ranges.iter().any(|r| r.from <= date && date <= r.to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn days_in(rule: &OpeningRule, from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
        from.iter_days()
            .take_while(|x| *x <= to)
            .filter(|x| rule.falls_on(*x))
            .collect()
    }

    #[test]
    fn nth_weekday_picks_the_right_wednesdays() {
        let rule = OpeningRule {
            pattern: Pattern::NthWeekday {
                nth: vec![2, 3, 4],
                weekday: Weekday::Wed,
            },
            start: hm(13, 0),
            end: hm(21, 0),
            from: None,
            until: None,
        };
        // December 2026: Wednesdays 2, 9, 16, 23, 30.
        assert_eq!(
            days_in(&rule, d(2026, 12, 1), d(2026, 12, 31)),
            vec![d(2026, 12, 9), d(2026, 12, 16), d(2026, 12, 23)]
        );
    }

    #[test]
    fn fifth_weekday_only_in_months_that_have_one() {
        let rule = OpeningRule {
            pattern: Pattern::NthWeekday {
                nth: vec![5],
                weekday: Weekday::Fri,
            },
            start: hm(10, 0),
            end: hm(11, 0),
            from: None,
            until: None,
        };
        // 2026: Fridays on the 29th or later: Jan 30, May 29, Jul 31, Oct 30.
        assert_eq!(
            days_in(&rule, d(2026, 1, 1), d(2026, 10, 31)),
            vec![
                d(2026, 1, 30),
                d(2026, 5, 29),
                d(2026, 7, 31),
                d(2026, 10, 30)
            ]
        );
    }

    #[test]
    fn weekly_and_dates_respect_from_and_until() {
        let weekly = OpeningRule {
            pattern: Pattern::Weekly {
                weekdays: vec![Weekday::Mon, Weekday::Thu],
            },
            start: hm(9, 0),
            end: hm(12, 0),
            from: Some(d(2026, 4, 1)),
            until: Some(d(2026, 4, 9)),
        };
        assert_eq!(
            days_in(&weekly, d(2026, 3, 1), d(2026, 5, 1)),
            vec![d(2026, 4, 2), d(2026, 4, 6), d(2026, 4, 9)]
        );
        let dates = OpeningRule {
            pattern: Pattern::Dates {
                dates: vec![d(2026, 8, 1), d(2027, 8, 1)],
            },
            until: Some(d(2026, 12, 31)),
            ..weekly
        };
        assert_eq!(
            days_in(&dates, d(2026, 1, 1), d(2027, 12, 31)),
            vec![d(2026, 8, 1)]
        );
    }

    #[test]
    fn yearly_range_crosses_new_year() {
        let year_end = YearlyRange {
            from: MonthDay { month: 12, day: 29 },
            to: MonthDay { month: 1, day: 3 },
        };
        assert!(!year_end.contains(d(2026, 12, 28)));
        assert!(year_end.contains(d(2026, 12, 29)));
        assert!(year_end.contains(d(2027, 1, 3)));
        assert!(!year_end.contains(d(2027, 1, 4)));
        let obon = YearlyRange {
            from: MonthDay { month: 8, day: 13 },
            to: MonthDay { month: 8, day: 16 },
        };
        assert!(obon.contains(d(2026, 8, 13)) && !obon.contains(d(2026, 8, 17)));
    }
}
