//! Schedule corners that the shipped Japanese file cannot show: time-zone changes,
//! overlapping rules, sessions on days whose opening does not fit them, the horizon.
use super::SpaceConfig;
use crate::schedule::{Schedule, Window};
use chrono::{DateTime, NaiveDate, Utc};

fn schedule(body: &str) -> Schedule {
    let text = format!("[space]\nname = \"test\"\n{body}\n[[room]]\nid = \"free\"\nkind = \"free\"\nname = \"free\"\n");
    match SpaceConfig::from_toml(&text, "test.toml") {
        Ok(config) => config.schedule(),
        Err(e) => panic!("{e}"),
    }
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn span(w: &Window) -> (String, String) {
    (w.start.to_rfc3339(), w.end.to_rfc3339())
}

fn spans(ws: &[Window]) -> Vec<(String, String)> {
    ws.iter().map(span).collect()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn windows_follow_daylight_saving_time() {
    let s = schedule(
        "timezone = \"America/New_York\"\n[[opening]]\nrule = \"weekly\"\nweekdays = [\"sun\"]\nstart = \"01:00\"\nend = \"04:00\"\n",
    );
    // Spring forward (02:00 → 03:00): three hours on the clock, two in reality.
    // Fall back (02:00 → 01:00): 01:00 happens twice; the window starts at the first.
    assert_eq!(
        spans(&s.windows(d("2026-03-08"), d("2026-03-08"))),
        vec![pair(
            "2026-03-08T01:00:00-05:00",
            "2026-03-08T04:00:00-04:00"
        )]
    );
    assert_eq!(
        spans(&s.windows(d("2026-11-01"), d("2026-11-01"))),
        vec![pair(
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T04:00:00-05:00"
        )]
    );
    assert!(s.open_window_at(at("2026-03-08T07:59:59Z")).is_some());
    assert!(s.open_window_at(at("2026-03-08T08:00:00Z")).is_none());
    assert!(s.open_window_at(at("2026-11-01T08:59:59Z")).is_some());
}

#[test]
fn a_time_that_does_not_exist_moves_to_when_the_clocks_jump() {
    let s = schedule(
        "timezone = \"America/New_York\"\n\
         [[opening]]\nrule = \"weekly\"\nweekdays = [\"sun\"]\nstart = \"02:30\"\nend = \"05:00\"\n",
    );
    assert_eq!(
        spans(&s.windows(d("2026-03-08"), d("2026-03-08"))),
        vec![pair(
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T05:00:00-04:00"
        )]
    );
    // A window entirely inside a gap has no length and is left out; the next week it is there.
    let gap = schedule(
        "timezone = \"America/New_York\"\n[[opening]]\nrule = \"weekly\"\nweekdays = [\"sun\"]\nstart = \"02:10\"\nend = \"02:50\"\n",
    );
    assert_eq!(
        spans(&gap.windows(d("2026-03-08"), d("2026-03-15"))),
        vec![pair(
            "2026-03-15T02:10:00-04:00",
            "2026-03-15T02:50:00-04:00"
        )]
    );
}

#[test]
fn overlapping_openings_on_one_day_merge() {
    let s = schedule(
        "[[opening]]\nrule = \"weekly\"\nweekdays = [\"wed\"]\nstart = \"10:00\"\nend = \"14:00\"\n\
         [[opening]]\nrule = \"dates\"\ndates = [\"2026-12-09\"]\nstart = \"13:00\"\nend = \"21:00\"\n",
    );
    assert_eq!(
        spans(&s.windows(d("2026-12-09"), d("2026-12-16"))),
        vec![
            pair("2026-12-09T10:00:00+09:00", "2026-12-09T21:00:00+09:00"),
            pair("2026-12-16T10:00:00+09:00", "2026-12-16T14:00:00+09:00"),
        ]
    );
}

#[test]
fn a_session_takes_place_only_where_that_days_opening_holds_it() {
    let text = "[space]\nname = \"t\"\n\
        [[opening]]\nrule = \"weekly\"\nweekdays = [\"wed\"]\nstart = \"13:00\"\nend = \"21:00\"\n\
        [[opening]]\nrule = \"dates\"\ndates = [\"2026-12-12\"]\nstart = \"10:00\"\nend = \"12:00\"\n\
        [closures]\ndates = [\"2026-12-16\"]\n\
        [[room]]\nid = \"p\"\nkind = \"program\"\nname = \"p\"\n\
        [[room.session]]\nrule = \"weekly\"\nweekdays = [\"wed\", \"sat\"]\nstart = \"14:00\"\nend = \"15:00\"\n";
    let s = SpaceConfig::from_toml(text, "t.toml").unwrap().schedule();
    let sessions: Vec<_> = s
        .windows(d("2026-12-09"), d("2026-12-23"))
        .into_iter()
        .filter(|w| w.room.is_some())
        .collect();
    // 12-12 is open, but 10:00–12:00 cannot hold 14:00–15:00; 12-16 is closed.
    assert_eq!(
        spans(&sessions),
        vec![
            pair("2026-12-09T14:00:00+09:00", "2026-12-09T15:00:00+09:00"),
            pair("2026-12-23T14:00:00+09:00", "2026-12-23T15:00:00+09:00"),
        ]
    );
    assert!(
        s.windows(d("2026-12-16"), d("2026-12-16")).is_empty(),
        "12-16 is closed"
    );
    assert_eq!(
        s.next_session("p", at("2026-12-09T06:00:00Z"))
            .map(|w| span(&w)),
        Some(pair(
            "2026-12-23T14:00:00+09:00",
            "2026-12-23T15:00:00+09:00"
        ))
    );
}

#[test]
fn next_opening_looks_about_400_days_ahead() {
    let s = schedule(
        "[[opening]]\nrule = \"dates\"\ndates = [\"2028-06-01\"]\nstart = \"10:00\"\nend = \"12:00\"\n",
    );
    assert_eq!(s.next_opening(at("2026-01-01T00:00:00Z")), None);
    assert_eq!(
        s.next_opening(at("2027-06-01T00:00:00Z")).map(|w| span(&w)),
        Some(pair(
            "2028-06-01T10:00:00+09:00",
            "2028-06-01T12:00:00+09:00"
        ))
    );
    let status = s.status(at("2028-06-01T01:30:00Z"));
    assert!(status.open && status.next_opening.is_none());
}
