//! Japanese public holidays, computed by the rules of 国民の祝日に関する法律 (and the special
//! laws for 2019–2021) rather than read from a table, so a city never has to update a list.
//! Valid for 2000–2150; outside that range no day is a holiday.
use chrono::{Datelike, Duration, NaiveDate, Weekday};

pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2150;

/// The name of the holiday on `date` (e.g. "文化の日", "振替休日", "国民の休日"), if it is one.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        return None;
    }
    if let Some(name) = national_holiday(date) {
        Some(name)
    } else if is_substitute(date) {
        Some("振替休日")
    } else if is_citizens_holiday(date) {
        Some("国民の休日")
    } else {
        None
    }
}

pub fn is_holiday(date: NaiveDate) -> bool {
    holiday_name(date).is_some()
}

/// A 国民の祝日 proper: the days named in the law (article 2) and the special laws.
fn national_holiday(date: NaiveDate) -> Option<&'static str> {
    let (y, m, d) = (date.year(), date.month(), date.day());
    let nth_monday = |n: u8| date.weekday() == Weekday::Mon && nth_of_month(date) == n;
    let name = match (m, d) {
        (1, 1) => "元日",
        (1, _) if nth_monday(2) => "成人の日",
        (2, 11) => "建国記念の日",
        (2, 23) if y >= 2020 => "天皇誕生日",
        (3, _) if d == vernal_equinox_day(y) => "春分の日",
        (4, 29) if y >= 2007 => "昭和の日",
        (4, 29) => "みどりの日",
        (5, 1) if y == 2019 => "天皇の即位の日",
        (5, 3) => "憲法記念日",
        (5, 4) if y >= 2007 => "みどりの日",
        (5, 5) => "こどもの日",
        // The Tokyo Olympics moved 海の日, スポーツの日 and 山の日 in 2020 and 2021.
        (7, 23) if y == 2020 => "海の日",
        (7, 24) if y == 2020 => "スポーツの日",
        (7, 22) if y == 2021 => "海の日",
        (7, 23) if y == 2021 => "スポーツの日",
        (7, 20) if y < 2003 => "海の日",
        (7, _) if y >= 2003 && y != 2020 && y != 2021 && nth_monday(3) => "海の日",
        (8, 10) if y == 2020 => "山の日",
        (8, 8) if y == 2021 => "山の日",
        (8, 11) if y >= 2016 && y != 2020 && y != 2021 => "山の日",
        (9, 15) if y < 2003 => "敬老の日",
        (9, _) if y >= 2003 && nth_monday(3) => "敬老の日",
        (9, _) if d == autumnal_equinox_day(y) => "秋分の日",
        (10, _) if y < 2020 && nth_monday(2) => "体育の日",
        (10, _) if y >= 2022 && nth_monday(2) => "スポーツの日",
        (10, 22) if y == 2019 => "即位礼正殿の儀の行われる日",
        (11, 3) => "文化の日",
        (11, 23) => "勤労感謝の日",
        (12, 23) if y <= 2018 => "天皇誕生日",
        _ => return None,
    };
    Some(name)
}

/// 振替休日: from 2007, the first non-holiday after a run of holidays that includes a
/// Sunday; before 2007, only the Monday right after a Sunday holiday.
fn is_substitute(date: NaiveDate) -> bool {
    if national_holiday(date).is_some() {
        return false;
    }
    let mut day = date - Duration::days(1);
    if date.year() < 2007 {
        return day.weekday() == Weekday::Sun && national_holiday(day).is_some();
    }
    // A run of holidays is at most a week long (Golden Week), so this walk is short.
    while national_holiday(day).is_some() {
        if day.weekday() == Weekday::Sun {
            return true;
        }
        day -= Duration::days(1);
    }
    false
}

/// 国民の休日: an ordinary day between two 国民の祝日 (before 2007, not if it was a Sunday).
fn is_citizens_holiday(date: NaiveDate) -> bool {
    if date.year() < 2007 && date.weekday() == Weekday::Sun {
        return false;
    }
    national_holiday(date - Duration::days(1)).is_some()
        && national_holiday(date + Duration::days(1)).is_some()
}

/// Day of March of 春分の日 by the standard approximation (国立天文台's published formula),
/// in millionths of a day so that no floating-point rounding can move a date.
fn vernal_equinox_day(year: i32) -> u32 {
    let base = if year < 2100 { 20_843_100 } else { 21_851_000 };
    equinox_day(year, base)
}

/// Day of September of 秋分の日, same formula.
fn autumnal_equinox_day(year: i32) -> u32 {
    let base = if year < 2100 { 23_248_800 } else { 24_248_800 };
    equinox_day(year, base)
}

fn equinox_day(year: i32, base_micro: i64) -> u32 {
    let n = i64::from(year - 1980);
    let micro = base_micro + 242_194 * n - n.div_euclid(4) * 1_000_000;
    // Within 1980..=2150 the result is always 19..=24, so the cast cannot truncate.
    micro.div_euclid(1_000_000) as u32
}

/// 1 for the first seven days of a month, 2 for the next seven, … 5 for the 29th on.
pub fn nth_of_month(date: NaiveDate) -> u8 {
    // day0 is at most 30, so the quotient is at most 4 and fits.
    (date.day0() / 7 + 1) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn holidays_of(year: i32) -> Vec<(String, &'static str)> {
        d(year, 1, 1)
            .iter_days()
            .take_while(|x| x.year() == year)
            .filter_map(|x| holiday_name(x).map(|n| (x.format("%m-%d").to_string(), n)))
            .collect()
    }

    fn expect(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        list.iter().map(|(md, n)| (md.to_string(), *n)).collect()
    }

    // The lists below are the Cabinet Office's published calendars (内閣府「国民の祝日について」).
    #[test]
    fn the_2025_calendar() {
        assert_eq!(
            holidays_of(2025),
            expect(&[
                ("01-01", "元日"),
                ("01-13", "成人の日"),
                ("02-11", "建国記念の日"),
                ("02-23", "天皇誕生日"),
                ("02-24", "振替休日"),
                ("03-20", "春分の日"),
                ("04-29", "昭和の日"),
                ("05-03", "憲法記念日"),
                ("05-04", "みどりの日"),
                ("05-05", "こどもの日"),
                ("05-06", "振替休日"),
                ("07-21", "海の日"),
                ("08-11", "山の日"),
                ("09-15", "敬老の日"),
                ("09-23", "秋分の日"),
                ("10-13", "スポーツの日"),
                ("11-03", "文化の日"),
                ("11-23", "勤労感謝の日"),
                ("11-24", "振替休日"),
            ])
        );
    }

    #[test]
    fn the_2026_calendar() {
        assert_eq!(
            holidays_of(2026),
            expect(&[
                ("01-01", "元日"),
                ("01-12", "成人の日"),
                ("02-11", "建国記念の日"),
                ("02-23", "天皇誕生日"),
                ("03-20", "春分の日"),
                ("04-29", "昭和の日"),
                ("05-03", "憲法記念日"),
                ("05-04", "みどりの日"),
                ("05-05", "こどもの日"),
                ("05-06", "振替休日"),
                ("07-20", "海の日"),
                ("08-11", "山の日"),
                ("09-21", "敬老の日"),
                ("09-22", "国民の休日"),
                ("09-23", "秋分の日"),
                ("10-12", "スポーツの日"),
                ("11-03", "文化の日"),
                ("11-23", "勤労感謝の日"),
            ])
        );
    }

    #[test]
    fn the_2027_calendar() {
        assert_eq!(
            holidays_of(2027),
            expect(&[
                ("01-01", "元日"),
                ("01-11", "成人の日"),
                ("02-11", "建国記念の日"),
                ("02-23", "天皇誕生日"),
                ("03-21", "春分の日"),
                ("03-22", "振替休日"),
                ("04-29", "昭和の日"),
                ("05-03", "憲法記念日"),
                ("05-04", "みどりの日"),
                ("05-05", "こどもの日"),
                ("07-19", "海の日"),
                ("08-11", "山の日"),
                ("09-20", "敬老の日"),
                ("09-23", "秋分の日"),
                ("10-11", "スポーツの日"),
                ("11-03", "文化の日"),
                ("11-23", "勤労感謝の日"),
            ])
        );
    }

    #[test]
    fn the_2019_calendar_with_the_enthronement() {
        assert_eq!(
            holidays_of(2019),
            expect(&[
                ("01-01", "元日"),
                ("01-14", "成人の日"),
                ("02-11", "建国記念の日"),
                ("03-21", "春分の日"),
                ("04-29", "昭和の日"),
                ("04-30", "国民の休日"),
                ("05-01", "天皇の即位の日"),
                ("05-02", "国民の休日"),
                ("05-03", "憲法記念日"),
                ("05-04", "みどりの日"),
                ("05-05", "こどもの日"),
                ("05-06", "振替休日"),
                ("07-15", "海の日"),
                ("08-11", "山の日"),
                ("08-12", "振替休日"),
                ("09-16", "敬老の日"),
                ("09-23", "秋分の日"),
                ("10-14", "体育の日"),
                ("10-22", "即位礼正殿の儀の行われる日"),
                ("11-03", "文化の日"),
                ("11-04", "振替休日"),
                ("11-23", "勤労感謝の日"),
            ])
        );
    }

    #[test]
    fn the_olympic_years() {
        assert_eq!(
            holidays_of(2020),
            expect(&[
                ("01-01", "元日"),
                ("01-13", "成人の日"),
                ("02-11", "建国記念の日"),
                ("02-23", "天皇誕生日"),
                ("02-24", "振替休日"),
                ("03-20", "春分の日"),
                ("04-29", "昭和の日"),
                ("05-03", "憲法記念日"),
                ("05-04", "みどりの日"),
                ("05-05", "こどもの日"),
                ("05-06", "振替休日"),
                ("07-23", "海の日"),
                ("07-24", "スポーツの日"),
                ("08-10", "山の日"),
                ("09-21", "敬老の日"),
                ("09-22", "秋分の日"),
                ("11-03", "文化の日"),
                ("11-23", "勤労感謝の日"),
            ])
        );
        assert_eq!(
            holidays_of(2021),
            expect(&[
                ("01-01", "元日"),
                ("01-11", "成人の日"),
                ("02-11", "建国記念の日"),
                ("02-23", "天皇誕生日"),
                ("03-20", "春分の日"),
                ("04-29", "昭和の日"),
                ("05-03", "憲法記念日"),
                ("05-04", "みどりの日"),
                ("05-05", "こどもの日"),
                ("07-22", "海の日"),
                ("07-23", "スポーツの日"),
                ("08-08", "山の日"),
                ("08-09", "振替休日"),
                ("09-20", "敬老の日"),
                ("09-23", "秋分の日"),
                ("11-03", "文化の日"),
                ("11-23", "勤労感謝の日"),
            ])
        );
    }

    #[test]
    fn older_rules_before_2007_and_2016() {
        // 2006: 4/29 was みどりの日, 5/4 a 国民の休日 between two 祝日; no 山の日 yet.
        assert_eq!(holiday_name(d(2006, 4, 29)), Some("みどりの日"));
        assert_eq!(holiday_name(d(2006, 5, 4)), Some("国民の休日"));
        assert_eq!(holiday_name(d(2006, 8, 11)), None);
        // 2001: 海の日 and 敬老の日 were fixed; 9/24 the substitute for 秋分の日 on a Sunday.
        assert_eq!(holiday_name(d(2001, 7, 20)), Some("海の日"));
        assert_eq!(holiday_name(d(2001, 9, 15)), Some("敬老の日"));
        assert_eq!(holiday_name(d(2001, 9, 23)), Some("秋分の日"));
        assert_eq!(holiday_name(d(2001, 9, 24)), Some("振替休日"));
        // 2009 and 2015: the September "silver week".
        assert_eq!(holiday_name(d(2009, 9, 22)), Some("国民の休日"));
        assert_eq!(holiday_name(d(2015, 9, 22)), Some("国民の休日"));
        // 2018: the last 12/23 天皇誕生日 fell on a Sunday.
        assert_eq!(holiday_name(d(2018, 12, 24)), Some("振替休日"));
        assert_eq!(holiday_name(d(2019, 12, 23)), None);
        assert_eq!(holiday_name(d(2012, 9, 22)), Some("秋分の日"));
    }

    #[test]
    fn outside_the_valid_range_nothing_is_a_holiday() {
        assert!(!is_holiday(d(1999, 1, 1)));
        assert!(!is_holiday(d(2151, 1, 1)));
        assert!(is_holiday(d(2099, 1, 1)));
    }
}
