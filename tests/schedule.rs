//! The shipped rooms.toml against a calendar worked out by hand: every opening of 2026,
//! the sessions inside them, and what the door says at the instants that matter.
use chrono::{DateTime, NaiveDate, Utc};
use ibasho::config::SpaceConfig;
use ibasho::schedule::{format_window_ja, Schedule, Window};

fn shipped() -> SpaceConfig {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../rooms.toml");
    match SpaceConfig::load(&path) {
        Ok(config) => config,
        Err(e) => panic!("{e}"),
    }
}

fn schedule() -> Schedule {
    shipped().schedule()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn window(room: Option<&str>, start: &str, end: &str) -> Window {
    Window {
        room: room.map(str::to_string),
        start: DateTime::parse_from_rfc3339(start).unwrap(),
        end: DateTime::parse_from_rfc3339(end).unwrap(),
    }
}

/// 2026, from a printed calendar. Wednesdays open on the 2nd–4th Wednesday 13:00–21:00,
/// Saturdays on the 1st Saturday 10:00–18:00. Taken out:
///   01-03 (1st Sat) year-end; 02-11 (2nd Wed) 建国記念の日; 09-23 (4th Wed) 秋分の日.
/// Not taken out although near holidays: 12-23 (no longer 天皇誕生日 since 2019).
/// 5th Wednesdays (04-29, 07-29, 09-30, 12-30) and 1st Wednesdays never open.
#[rustfmt::skip]
const OPEN_2026: [(&str, &str); 45] = [
    ("01-14", "W"), ("01-21", "W"), ("01-28", "W"),
    ("02-07", "S"), ("02-18", "W"), ("02-25", "W"),
    ("03-07", "S"), ("03-11", "W"), ("03-18", "W"), ("03-25", "W"),
    ("04-04", "S"), ("04-08", "W"), ("04-15", "W"), ("04-22", "W"),
    ("05-02", "S"), ("05-13", "W"), ("05-20", "W"), ("05-27", "W"),
    ("06-06", "S"), ("06-10", "W"), ("06-17", "W"), ("06-24", "W"),
    ("07-04", "S"), ("07-08", "W"), ("07-15", "W"), ("07-22", "W"),
    ("08-01", "S"), ("08-12", "W"), ("08-19", "W"), ("08-26", "W"),
    ("09-05", "S"), ("09-09", "W"), ("09-16", "W"),
    ("10-03", "S"), ("10-14", "W"), ("10-21", "W"), ("10-28", "W"),
    ("11-07", "S"), ("11-11", "W"), ("11-18", "W"), ("11-25", "W"),
    ("12-05", "S"), ("12-09", "W"), ("12-16", "W"), ("12-23", "W"),
];

#[test]
fn every_opening_of_2026() {
    let expected: Vec<Window> = OPEN_2026
        .iter()
        .map(|(md, kind)| {
            let (start, end) = if *kind == "W" {
                ("13", "21")
            } else {
                ("10", "18")
            };
            window(
                None,
                &format!("2026-{md}T{start}:00:00+09:00"),
                &format!("2026-{md}T{end}:00:00+09:00"),
            )
        })
        .collect();
    let space: Vec<Window> = schedule()
        .windows(date("2026-01-01"), date("2026-12-31"))
        .into_iter()
        .filter(|w| w.room.is_none())
        .collect();
    assert_eq!(space, expected);
}

#[test]
fn sessions_only_on_open_days_and_inside_the_opening() {
    let all = schedule().windows(date("2026-01-01"), date("2026-12-31"));
    let space: Vec<&Window> = all.iter().filter(|w| w.room.is_none()).collect();
    for s in all.iter().filter(|w| w.room.is_some()) {
        assert!(
            space.iter().any(|o| o.start <= s.start && s.end <= o.end),
            "{s:?} is outside every opening"
        );
    }
    let count = |room: &str| {
        all.iter()
            .filter(|w| w.room.as_deref() == Some(room))
            .count()
    };
    // 1st Saturdays open: 11 (01-03 is year-end). Open Wednesdays: 34.
    assert_eq!(count("lunch"), 11);
    assert_eq!(count("keyaki-40s"), 11);
    assert_eq!(count("family"), 11);
    assert_eq!(count("dinner"), 34);
    // 2nd Wednesdays: 12 less 02-11. 3rd: all 12. 4th: 12 less 09-23.
    assert_eq!(count("illustration"), 11);
    assert_eq!(count("singing"), 12);
    assert_eq!(count("keyaki-young"), 11);
    let on = |d: &str| {
        all.iter()
            .filter(|w| w.start.date_naive() == date(d))
            .count()
    };
    assert_eq!(
        on("2026-02-11"),
        0,
        "建国記念の日 takes out the illustration session too"
    );
    assert_eq!(on("2026-09-23"), 0, "秋分の日 takes out けやきの会 too");
    assert_eq!(on("2026-01-03"), 0, "year-end takes out the lunch");
}

#[test]
fn windows_are_ordered_by_start_space_first() {
    let day = schedule().windows(date("2026-12-05"), date("2026-12-09"));
    assert_eq!(
        day,
        vec![
            window(
                None,
                "2026-12-05T10:00:00+09:00",
                "2026-12-05T18:00:00+09:00"
            ),
            window(
                Some("lunch"),
                "2026-12-05T12:00:00+09:00",
                "2026-12-05T13:00:00+09:00"
            ),
            window(
                Some("keyaki-40s"),
                "2026-12-05T14:00:00+09:00",
                "2026-12-05T15:30:00+09:00"
            ),
            window(
                Some("family"),
                "2026-12-05T16:00:00+09:00",
                "2026-12-05T17:30:00+09:00"
            ),
            window(
                None,
                "2026-12-09T13:00:00+09:00",
                "2026-12-09T21:00:00+09:00"
            ),
            window(
                Some("illustration"),
                "2026-12-09T14:00:00+09:00",
                "2026-12-09T15:30:00+09:00"
            ),
            window(
                Some("dinner"),
                "2026-12-09T18:00:00+09:00",
                "2026-12-09T19:00:00+09:00"
            ),
        ]
    );
    // At the same instant the space's window comes first.
    let text = r#"
[space]
name = "x"
[[opening]]
rule = "weekly"
weekdays = ["wed"]
start = "13:00"
end = "21:00"
[[room]]
id = "a"
kind = "program"
name = "a"
[[room.session]]
rule = "weekly"
weekdays = ["wed"]
start = "13:00"
end = "14:00"
"#;
    let s = SpaceConfig::from_toml(text, "inline.toml")
        .unwrap()
        .schedule();
    let w = s.windows(date("2026-12-09"), date("2026-12-09"));
    assert_eq!(w.len(), 2);
    assert_eq!(
        (w[0].room.as_deref(), w[1].room.as_deref()),
        (None, Some("a"))
    );
    assert_eq!(w[0].start, w[1].start);
}

#[test]
fn the_door_on_an_opening_day() {
    let s = schedule();
    let before = s.status(at("2026-12-09T12:59:59+09:00"));
    assert!(!before.open);
    assert_eq!(before.closes_at, None);
    let next = before.next_opening.unwrap();
    assert_eq!(
        next,
        window(
            None,
            "2026-12-09T13:00:00+09:00",
            "2026-12-09T21:00:00+09:00"
        )
    );
    assert_eq!(
        format!(
            "ただいま閉室中です。次回は{}からです。",
            ibasho::schedule::format_ja(next.start)
        ),
        "ただいま閉室中です。次回は12月9日(水) 13:00からです。"
    );

    let opening = s.status(at("2026-12-09T13:00:00+09:00"));
    assert!(opening.open);
    assert_eq!(
        opening.closes_at,
        Some(DateTime::parse_from_rfc3339("2026-12-09T21:00:00+09:00").unwrap())
    );
    assert_eq!(
        s.open_window_at(at("2026-12-09T20:59:59+09:00")),
        Some(window(
            None,
            "2026-12-09T13:00:00+09:00",
            "2026-12-09T21:00:00+09:00"
        ))
    );

    let closing = s.status(at("2026-12-09T21:00:00+09:00"));
    assert!(!closing.open);
    let next = closing.next_opening.unwrap();
    assert_eq!(
        next,
        window(
            None,
            "2026-12-16T13:00:00+09:00",
            "2026-12-16T21:00:00+09:00"
        )
    );
    assert_eq!(format_window_ja(&next), "12月16日(水) 13:00〜21:00");
}

#[test]
fn over_the_year_end_the_next_opening_is_the_2nd_wednesday() {
    let s = schedule();
    // 12-26 is the 4th Saturday; 12-30 a 5th Wednesday; 2027-01-02 (1st Saturday) is
    // year-end; 01-06 is the 1st Wednesday. So: 2027-01-13.
    let status = s.status(at("2026-12-26T11:00:00+09:00"));
    assert!(!status.open);
    assert_eq!(
        status.next_opening,
        Some(window(
            None,
            "2027-01-13T13:00:00+09:00",
            "2027-01-13T21:00:00+09:00"
        ))
    );
    assert!(s.windows(date("2026-12-24"), date("2027-01-12")).is_empty());
}

#[test]
fn program_sessions_at_and_next() {
    let s = schedule();
    let t = at("2026-12-09T14:30:00+09:00");
    assert_eq!(
        s.session_at("illustration", t),
        Some(window(
            Some("illustration"),
            "2026-12-09T14:00:00+09:00",
            "2026-12-09T15:30:00+09:00"
        ))
    );
    assert_eq!(s.session_at("dinner", t), None);
    assert_eq!(
        s.next_session("dinner", t),
        Some(window(
            Some("dinner"),
            "2026-12-09T18:00:00+09:00",
            "2026-12-09T19:00:00+09:00"
        ))
    );
    assert_eq!(
        s.next_session("singing", t),
        Some(window(
            Some("singing"),
            "2026-12-16T15:00:00+09:00",
            "2026-12-16T16:00:00+09:00"
        ))
    );
    // Lunch after December: 2027-01-02 is year-end, so February's 1st Saturday.
    assert_eq!(
        s.next_session("lunch", t).map(|w| w.start.to_rfc3339()),
        Some("2027-02-06T12:00:00+09:00".to_string())
    );
    assert_eq!(s.session_at("free", t), None);
    assert_eq!(s.next_session("free", t), None);
    assert_eq!(s.next_session("nowhere", t), None);
}

#[test]
fn windows_serialize_with_offset_and_seconds() {
    let s = schedule();
    let w = s.open_window_at(at("2026-12-09T04:00:00Z")).unwrap();
    assert_eq!(
        serde_json::to_string(&w).unwrap(),
        r#"{"room":null,"start":"2026-12-09T13:00:00+09:00","end":"2026-12-09T21:00:00+09:00"}"#
    );
    let status = serde_json::to_value(s.status(at("2026-12-09T04:00:00Z"))).unwrap();
    assert_eq!(status["open"], true);
    assert_eq!(status["closes_at"], "2026-12-09T21:00:00+09:00");
    assert_eq!(status["next_opening"]["start"], "2026-12-16T13:00:00+09:00");
}

#[test]
fn the_shipped_rooms() {
    use ibasho::config::RoomKind;
    let config = shipped();
    assert_eq!(config.space.timezone, chrono_tz::Asia::Tokyo);
    assert_eq!(config.room("free").unwrap().capacity, 100);
    let RoomKind::Free { areas, .. } = &config.room("free").unwrap().kind else {
        panic!("the free space is not free");
    };
    // The areas match the drawn map (web-client/media/map/free.svg): the big table with its
    // chairs in the middle, the quiet corner bottom right; the entrance (where newcomers
    // arrive) is in neither.
    use ibasho::config::{area_at, AreaKind};
    let kind_at = |x, y| area_at(areas, x, y).map(|i| areas[i].kind);
    assert_eq!(kind_at(800.0, 430.0), Some(AreaKind::Table));
    assert_eq!(kind_at(570.0, 430.0), Some(AreaKind::Table), "a chair");
    assert_eq!(kind_at(1385.0, 715.0), Some(AreaKind::Quiet));
    assert_eq!(kind_at(800.0, 720.0), None, "the entrance");
    assert_eq!(kind_at(300.0, 250.0), None, "the sofa corner");
    assert!(matches!(
        config.room("singing").unwrap().kind,
        RoomKind::Program { stage: true, .. }
    ));
    assert_eq!(config.room("singing").unwrap().capacity, 150);
    assert!(matches!(
        config.room("consult").unwrap().kind,
        RoomKind::Consult { pool: 4 }
    ));
    // The person, the counsellor, and one family member the person invites.
    assert_eq!(config.room("consult").unwrap().capacity, 3);
    assert!(matches!(
        config.room("staff").unwrap().kind,
        RoomKind::Staff
    ));
    let RoomKind::Gallery { videos } = &config.room("gallery").unwrap().kind else {
        panic!("gallery is not a gallery");
    };
    let programs: Vec<&str> = config
        .rooms
        .iter()
        .filter(|r| matches!(r.kind, RoomKind::Program { .. }))
        .map(|r| r.id.as_str())
        .collect();
    let introduced: Vec<&str> = videos.iter().filter_map(|v| v.program.as_deref()).collect();
    assert_eq!(introduced, programs, "one intro video per program");
}

#[test]
fn broken_files_say_where() {
    let cases = [
        (
            "[space]\nname = \"x\"\n\n[[opening]]\nrule = \"nth_weekday\"\nnth = [2, 6]\nweekday = \"wed\"\nstart = \"13:00\"\nend = \"21:00\"\n",
            "rooms.toml:6:11: nth 6 is outside 1..=5 (1 = the first such weekday of the month, 5 = the fifth)",
        ),
        (
            "[space]\nname = \"x\"\n\n[[opening]]\nrule = \"weekly\"\nweekdays = [\"sat\"]\nstart = \"13:00\"\nend = \"12:00\"\n",
            "rooms.toml:8:7: end \"12:00\" is not after start \"13:00\" (a window ends on the day it starts)",
        ),
        (
            "[space]\nname = \"x\"\nopening_hours = 3\n",
            "rooms.toml:3:1: unknown field `opening_hours`, expected one of `name`, `name_en`, `about`, \
             `about_en`, `timezone`, `doors_open_minutes`, `closing_notices`, `consult_grace_minutes`, \
             `contact`, `contact_en`",
        ),
    ];
    for (text, expected) in cases {
        let e = SpaceConfig::from_toml(text, "rooms.toml").unwrap_err();
        assert_eq!(e.to_string(), expected);
    }
}
