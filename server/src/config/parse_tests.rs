//! Parsing rooms.toml: what a good file becomes, and where each kind of mistake is reported.
use super::*;
use crate::model::{Lang, Role};
use crate::schedule::Pattern;
use chrono::Weekday;

/// A small valid file; the error cases below change one thing in it.
const BASE: &str = r#"[space]
name = "test"

[[opening]]
rule = "weekly"
weekdays = ["wed"]
start = "13:00"
end = "21:00"

[[room]]
id = "free"
kind = "free"
name = "フリースペース"
"#;

fn err(text: &str) -> String {
    match SpaceConfig::from_toml(text, "rooms.toml") {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn with(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "{old}");
    BASE.replacen(old, new, 1)
}

fn room(extra: &str) -> String {
    format!("{BASE}\n[[room]]\n{extra}")
}

const SESSION: &str = "id = \"p\"\nkind = \"program\"\nname = \"x\"\n[[room.session]]\n";

#[test]
fn a_good_file_gets_its_defaults() {
    let text = format!(
        "{BASE}\n[closures]\npublic_holidays = true\nyearly = [{{ from = \"12-29\", to = \"01-03\" }}]\n\
         dates = [\"2026-08-14\", 2026-08-15]\nranges = [{{ from = \"2026-05-01\", to = \"2026-05-02\" }}]\n\
         {}{SESSION}rule = \"nth_weekday\"\nnth = [1, 5]\nweekday = \"水\"\nstart = 14:00:00\nend = \"15:00\"\n\
         \n[[room]]\nid = \"consult\"\nkind = \"consult\"\nname = \"相談\"\npool = 4\n",
        "\n[[room]]\n"
    );
    let config = SpaceConfig::from_toml(&text, "rooms.toml").unwrap();
    assert_eq!(config.space.timezone, chrono_tz::Asia::Tokyo);
    assert_eq!(config.space.doors_open_minutes, 10);
    assert_eq!(config.space.closing_notices, vec![10, 5, 1]);
    assert_eq!(config.space.consult_grace_minutes, 30);
    assert!(config.closures.public_holidays);
    assert_eq!(config.closures.dates.len(), 2);
    assert_eq!(config.closures.ranges.len(), 1);
    let free = config.room("free").unwrap();
    assert_eq!(free.capacity, 50);
    assert_eq!(free.max_speakers, 20);
    assert!(matches!(
        &free.kind,
        RoomKind::Free {
            width: 1600,
            height: 900,
            background: None,
            areas,
        } if areas.is_empty()
    ));
    let program = config.room("p").unwrap();
    match &program.kind {
        RoomKind::Program { host_roles, stage } => {
            assert_eq!(host_roles, &vec![Role::Staff]);
            assert!(!stage);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(config.sessions.len(), 1);
    assert_eq!(config.sessions[0].room, "p");
    assert_eq!(
        config.sessions[0].rule.pattern,
        Pattern::NthWeekday {
            nth: vec![1, 5],
            weekday: Weekday::Wed
        }
    );
    let consult = config.room("consult").unwrap();
    assert_eq!(consult.capacity, 2);
    assert_eq!(consult.max_speakers, 2);
    assert!(matches!(consult.kind, RoomKind::Consult { pool: 4 }));
    assert!(config.room("nowhere").is_none());
}

/// The free space of BASE (1600 × 900) with these `[[room.area]]`s, each
/// (name, kind, x, y, width, height); the first `[[room.area]]` is on line 14.
fn with_areas(areas: &[(&str, &str, i64, i64, i64, i64)]) -> String {
    let mut text = BASE.to_string();
    for (name, kind, x, y, w, h) in areas {
        text += &format!(
            "[[room.area]]\nname = \"{name}\"\nkind = \"{kind}\"\nx = {x}\ny = {y}\nwidth = {w}\nheight = {h}\n"
        );
    }
    text
}

#[test]
fn areas_of_the_free_space_are_read() {
    let text = with_areas(&[
        ("大きなテーブル", "table", 540, 260, 520, 340),
        ("静かなコーナー", "quiet", 1210, 560, 350, 310),
        // Touching the table's edge is not overlapping it.
        ("窓ぎわ", "table", 40, 260, 500, 100),
    ]);
    let config = SpaceConfig::from_toml(&text, "rooms.toml").unwrap();
    let RoomKind::Free { areas, .. } = &config.room("free").unwrap().kind else {
        panic!("not free");
    };
    assert_eq!(areas.len(), 3);
    assert_eq!(areas[0].name.ja, "大きなテーブル");
    assert_eq!(areas[0].kind, AreaKind::Table);
    assert_eq!(areas[1].kind, AreaKind::Quiet);
    assert_eq!(
        (areas[1].x, areas[1].y, areas[1].width, areas[1].height),
        (1210, 560, 350, 310)
    );
    assert!(areas[1].contains(1210.0, 870.0), "edges are inside");
    assert!(!areas[1].contains(1209.9, 700.0));
    assert_eq!(area_at(areas, 800.0, 400.0), Some(0));
    assert_eq!(area_at(areas, 1300.0, 700.0), Some(1));
    assert_eq!(area_at(areas, 800.0, 700.0), None);
}

#[test]
fn area_mistakes_are_reported_where_they_are() {
    let cases: Vec<(String, &str)> = vec![
        (
            with_areas(&[("卓", "sofa", 0, 0, 10, 10)]),
            "rooms.toml:16:8: unknown area kind \"sofa\" (expected \"table\" or \"quiet\")",
        ),
        (
            with_areas(&[(" ", "table", 0, 0, 10, 10)]),
            "rooms.toml:15:8: area name is empty (members see it)",
        ),
        (
            with_areas(&[("卓", "table", 1500, 0, 200, 10)]),
            "rooms.toml:19:9: area \"卓\" reaches x = 1700, beyond the map's width 1600",
        ),
        (
            with_areas(&[("卓", "table", 0, 800, 10, 200)]),
            "rooms.toml:20:10: area \"卓\" reaches y = 1000, beyond the map's height 900",
        ),
        (
            with_areas(&[("卓", "table", -5, 0, 10, 10)]),
            "rooms.toml:17:5: x -5 is outside 0..=1600",
        ),
        (
            with_areas(&[("卓", "table", 0, 0, 0, 10)]),
            "rooms.toml:19:9: width 0 is outside 1..=1600",
        ),
        (
            with_areas(&[("卓", "table", 100, 100, 200, 200), ("隅", "quiet", 250, 250, 100, 100)]),
            "rooms.toml:24:5: area \"隅\" overlaps area \"卓\" (areas must not overlap: a place is in one area at most)",
        ),
        (
            room("id = \"p\"\nkind = \"staff\"\nname = \"x\"\n[[room.area]]\nname = \"卓\"\nkind = \"table\"\nx = 0\ny = 0\nwidth = 1\nheight = 1\n"),
            "rooms.toml:19:1: `area` does not belong to a room of kind \"staff\"",
        ),
        (
            format!("{BASE}[[room.area]]\nname = \"卓\"\nkind = \"table\"\nx = 0\ny = 0\nwidth = 1\n"),
            "rooms.toml:14:1: missing field `height`",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(err(&text), expected, "{text}");
    }
}

#[test]
fn closing_notices_are_sorted_descending() {
    let text = with(
        "name = \"test\"",
        "name = \"test\"\nclosing_notices = [1, 15, 5, 5]",
    );
    let config = SpaceConfig::from_toml(&text, "rooms.toml").unwrap();
    assert_eq!(config.space.closing_notices, vec![15, 5, 1]);
    assert_eq!(
        err(&with(
            "name = \"test\"",
            "name = \"test\"\nclosing_notices = [10, 0]"
        )),
        "rooms.toml:3:24: closing notice 0 is outside 1..=240"
    );
}

#[test]
fn mistakes_are_reported_where_they_are() {
    let cases: Vec<(String, &str)> = vec![
        (
            with("end = \"21:00\"", "end = \"12:00\""),
            "rooms.toml:8:7: end \"12:00\" is not after start \"13:00\" (a window ends on the day it starts)",
        ),
        (
            with("[\"wed\"]", "[\"wedn\"]"),
            "rooms.toml:6:13: unknown weekday \"wedn\" (expected mon, tue, wed, thu, fri, sat or sun)",
        ),
        (
            with("name = \"test\"", "name = \"test\"\ntimezone = \"Asia/Tokio\""),
            "rooms.toml:3:12: unknown time zone \"Asia/Tokio\" (expected an IANA name such as \"Asia/Tokyo\")",
        ),
        (
            with("kind = \"free\"", "kind = \"free\"\ncolour = \"red\""),
            "rooms.toml:13:1: unknown field `colour`, expected one of `id`, `kind`, `name`, `name_en`, `description`, \
             `description_en`, `capacity`, `max_speakers`, `for_groups`, `for_roles`, `width`, `height`, `background`, \
             `area`, `host_roles`, `stage`, `session`, `pool`, `video`",
        ),
        (
            with("id = \"free\"", "id = \"Free Space\""),
            "rooms.toml:11:6: room id \"Free Space\" must be 1 to 32 characters of a-z, 0-9, _ or -",
        ),
        (
            with("name = \"フリースペース\"", "name = \"フリースペース\"\ncapacity = \"100\""),
            "rooms.toml:14:12: invalid type: string \"100\", expected a whole number",
        ),
        (
            with("name = \"フリースペース\"", "name = \"フリースペース\"\ncapacity = 0"),
            "rooms.toml:14:12: capacity 0 is outside 1..=1000",
        ),
        (
            with("name = \"フリースペース\"", "name = \"フリースペース\"\nmax_speakers = 0"),
            "rooms.toml:14:16: max_speakers 0 is outside 1..=100",
        ),
        (
            room("id = \"c\"\nkind = \"consult\"\nname = \"x\"\npool = 1\nmax_speakers = 1\n"),
            "rooms.toml:20:16: `max_speakers` does not belong to a room of kind \"consult\"",
        ),
        (
            with(
                "[[opening]]\nrule = \"weekly\"\nweekdays = [\"wed\"]\nstart = \"13:00\"\nend = \"21:00\"\n",
                "",
            ),
            "rooms.toml:1:1: there is no [[opening]]: the space would never open (add at least one, e.g. rule = \"weekly\")",
        ),
        (
            with("rule = \"weekly\"", "rule = \"monthly\""),
            "rooms.toml:5:8: unknown rule \"monthly\" (expected \"nth_weekday\", \"weekly\" or \"dates\")",
        ),
        (
            with("weekdays = [\"wed\"]", "weekday = \"wed\""),
            "rooms.toml:6:11: `weekday` does not belong to rule \"weekly\" (it takes `weekdays`)",
        ),
        (
            with("start = \"13:00\"", "start = \"1pm\""),
            "rooms.toml:7:9: start \"1pm\" is not a time of day (expected \"HH:MM\" from \"00:00\" to \"23:59\", e.g. \"13:00\")",
        ),
        (
            with("start = \"13:00\"", "start = 13"),
            "rooms.toml:7:9: start must be a time of day such as \"13:00\", not a number",
        ),
        (
            room("id = \"free\"\nkind = \"staff\"\nname = \"x\"\n"),
            "rooms.toml:16:6: room id \"free\" is used twice (each room needs its own id)",
        ),
        (
            room("id = \"talk\"\nkind = \"program\"\nname = \"x\"\n"),
            "rooms.toml:17:8: program room \"talk\" has no [[room.session]] (add at least one, or it never opens)",
        ),
        (
            room("id = \"c\"\nkind = \"consult\"\nname = \"x\"\npool = 0\n"),
            "rooms.toml:19:8: pool 0 is outside 1..=100",
        ),
        (
            room("id = \"c\"\nkind = \"consult\"\nname = \"x\"\n"),
            "rooms.toml:17:8: a consult room needs `pool`, the number of private rooms (e.g. pool = 4)",
        ),
        (
            room(&format!("{SESSION}rule = \"weekly\"\nweekdays = [\"thu\"]\nstart = \"14:00\"\nend = \"15:00\"\n")),
            "rooms.toml:22:9: session 14:00–15:00 never lies inside an opening window on a day it falls on \
             (check [[opening]] and this session's days and times)",
        ),
        (
            room(&format!("{SESSION}rule = \"weekly\"\nweekdays = [\"wed\"]\nstart = \"20:00\"\nend = \"21:30\"\n")),
            "rooms.toml:22:9: session 20:00–21:30 never lies inside an opening window on a day it falls on \
             (check [[opening]] and this session's days and times)",
        ),
        (
            room(&format!("{SESSION}rule = \"nth_weekday\"\nnth = [0]\nweekday = \"wed\"\nstart = \"14:00\"\nend = \"15:00\"\n")),
            "rooms.toml:21:8: nth 0 is outside 1..=5 (1 = the first such weekday of the month, 5 = the fifth)",
        ),
        (
            room(&format!("{SESSION}rule = \"nth_weekday\"\nweekday = \"wed\"\nstart = \"14:00\"\nend = \"15:00\"\n")),
            "rooms.toml:20:8: rule \"nth_weekday\" needs `nth` and `weekday`",
        ),
        (
            room("id = \"x\"\nkind = \"chat\"\nname = \"x\"\n"),
            "rooms.toml:17:8: unknown room kind \"chat\" (expected \"free\", \"program\", \"consult\", \"gallery\" or \"staff\")",
        ),
        (
            room("id = \"g\"\nkind = \"gallery\"\nname = \"x\"\n[[room.video]]\ntitle = \"t\"\nsrc = \"/media/a.mp4\"\nprogram = \"lunch\"\n"),
            "rooms.toml:22:11: program \"lunch\" is not the id of a program room in this file",
        ),
        (
            room("id = \"g\"\nkind = \"gallery\"\nname = \"x\"\n[[room.video]]\ntitle = \"t\"\nsrc = \"media/a.mp4\"\n"),
            "rooms.toml:21:7: src \"media/a.mp4\" must be a path on this server (\"/media/…\") or an https:// address",
        ),
        (
            room("id = \"g\"\nkind = \"gallery\"\nname = \"x\"\n[[room.video]]\ntitle = \"t\"\nsrc = \"/media/a.mp4\"\nposter = \"http://example.jp/a.png\"\n"),
            "rooms.toml:22:10: poster \"http://example.jp/a.png\" must be a path on this server (\"/media/…\") or an https:// address",
        ),
        (
            room("id = \"g\"\nkind = \"gallery\"\nname = \"x\"\n[[room.video]]\ntitle = \"t\"\nsrc = \"/media/a.mp4\"\ncaptions = \"/media/a.srt\"\n"),
            "rooms.toml:22:12: captions \"/media/a.srt\" must be a WebVTT file (ending in .vtt)",
        ),
        (
            with("kind = \"free\"", "kind = \"free\"\nwidth = true"),
            "rooms.toml:13:9: invalid type: boolean `true`, expected a whole number",
        ),
        (
            with("kind = \"free\"", "kind = \"free\"\npool = 3"),
            "rooms.toml:13:8: `pool` does not belong to a room of kind \"free\"",
        ),
        (
            with("end = \"21:00\"", "end = \"21:00\"\nfrom = \"2026-04-01\"\nuntil = \"2026-03-31\""),
            "rooms.toml:10:9: until 2026-03-31 is before from 2026-04-01",
        ),
        (
            with("end = \"21:00\"", "end = \"21:00\"\nfrom = \"2026-02-30\""),
            "rooms.toml:9:8: from \"2026-02-30\" is not a date (expected \"YYYY-MM-DD\", e.g. \"2026-12-23\")",
        ),
        (
            format!("{BASE}\n[closures]\nyearly = [{{ from = \"12-29\", to = \"13-03\" }}]\n"),
            "rooms.toml:16:34: to \"13-03\" is not a month and day (expected \"MM-DD\", e.g. \"12-29\")",
        ),
        (
            format!("{BASE}\n[[opening]]\nrule = \"dates\"\ndates = [\"2026-11-03\"]\nstart = \"10:00\"\nend = \"12:00\"\n\n[closures]\npublic_holidays = true\n"),
            "rooms.toml:17:10: 2026-11-03 is a closed day (see [closures]), so this opening would never happen",
        ),
        (
            "[space\nname = \"x\"\n".to_string(),
            "rooms.toml:1:7: unclosed table, expected `]`",
        ),
        (
            "[[opening]]\nrule = \"weekly\"\nweekdays = [\"wed\"]\nstart = \"13:00\"\nend = \"21:00\"\n".to_string(),
            "rooms.toml:1:1: missing field `space`",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(err(&text), expected, "for:\n{text}");
    }
}

#[test]
fn an_unreadable_file_names_the_path() {
    let e = SpaceConfig::load(std::path::Path::new("/nonexistent/rooms.toml")).unwrap_err();
    assert_eq!(e.line, 0);
    assert!(e
        .to_string()
        .starts_with("/nonexistent/rooms.toml: cannot read the file"));
}

#[test]
fn accounts_settings_have_defaults_and_take_the_operators_words() {
    let config = SpaceConfig::from_toml(BASE, "rooms.toml").unwrap();
    assert_eq!(config.accounts.invitation_days, 14);
    assert_eq!(config.accounts.forget_after_days, 30);
    assert_eq!(config.accounts.notes_keep_days, 1825);
    assert!(!config.accounts.eligibility.ja.is_empty());
    assert!(
        config.accounts.eligibility.en.is_some(),
        "the default has its English"
    );
    assert!(!config.accounts.heard_from.is_empty());
    assert!(config.accounts.nickname_blocklist.is_empty());

    let text = format!(
        "{BASE}\n[accounts]\neligibility = \"仙台市に住んでいます\"\nheard_from = [\"チラシ\"]\n\
         nickname_blocklist = [\" 運営 \"]\ninvitation_days = 7\nforget_after_days = 90\n"
    );
    let config = SpaceConfig::from_toml(&text, "rooms.toml").unwrap();
    assert_eq!(
        config.accounts.eligibility,
        Wording::from("仙台市に住んでいます")
    );
    assert_eq!(config.accounts.heard_from, [Wording::from("チラシ")]);
    assert_eq!(config.accounts.nickname_blocklist, ["運営"]);
    assert_eq!(config.accounts.invitation_days, 7);
    assert_eq!(config.accounts.forget_after_days, 90);
}

#[test]
fn accounts_mistakes_are_reported_where_they_are() {
    let cases = [
        (
            "[accounts]\ninvitation_days = 0\n",
            "rooms.toml:16:19: invitation_days 0 is outside 1..=90",
        ),
        (
            "[accounts]\nforget_after_days = 400\n",
            "rooms.toml:16:21: forget_after_days 400 is outside 1..=365",
        ),
        (
            "[accounts]\neligibility = \" \"\n",
            "rooms.toml:16:15: eligibility is empty (the application form shows it; leave the key out for the default)",
        ),
        (
            "[accounts]\nnickname_blocklist = [\"ok\", \"\"]\n",
            "rooms.toml:16:29: an empty word would refuse every nickname",
        ),
        (
            "[accounts]\ninvitations = 3\n",
            "rooms.toml:16:1: unknown field `invitations`, expected one of `eligibility`, \
             `eligibility_en`, `privacy_notice`, `privacy_notice_en`, `heard_from`, `heard_from_en`, `nickname_blocklist`, `invitation_days`, `forget_after_days`, `notes_keep_days`",
        ),
    ];
    for (extra, expected) in cases {
        assert_eq!(err(&format!("{BASE}\n{extra}")), expected, "{extra}");
    }
}

/// The start-up check finds exactly the gallery files the web directory lacks, with the line
/// that names each.
#[test]
fn missing_gallery_files_are_found_with_their_lines() {
    let web = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(web.path().join("media")).unwrap();
    std::fs::write(web.path().join("media/a.mp4"), b"").unwrap();
    let text = room(
        "id = \"g\"\nkind = \"gallery\"\nname = \"x\"\n[[room.video]]\ntitle = \"t\"\nsrc = \"/media/a.mp4?v=2\"\ncaptions = \"/media/a.ja.vtt\"\nposter = \"https://example.jp/a.png\"\n[[room.video]]\ntitle = \"u\"\nsrc = \"/media/../secret.mp4\"\n",
    );
    let space = SpaceConfig::from_toml(&text, "rooms.toml").unwrap();
    let missing: Vec<_> = space
        .missing_media(web.path())
        .into_iter()
        .map(|(room, file)| format!("{room} {} {}", file.path, file.at))
        .collect();
    assert_eq!(
        missing,
        [
            "g /media/a.ja.vtt rooms.toml:22:12",
            "g /media/../secret.mp4 rooms.toml:26:7",
        ]
    );
}

#[test]
fn rooms_for_a_group_name_bands_and_roles() {
    let text = room(&format!(
        "{SESSION}rule = \"weekly\"\nweekdays = [\"wed\"]\nstart = \"14:00\"\nend = \"15:00\"\n"
    ))
    .replace(
        "name = \"x\"\n",
        "name = \"x\"\nfor_groups = [\"10s\", \"30s\", \"10s\"]\nfor_roles = [\"participant\"]\n",
    );
    let config = SpaceConfig::from_toml(&text, "rooms.toml").unwrap();
    let p = config.room("p").unwrap();
    use crate::model::AgeGroup;
    assert_eq!(p.audience.groups, vec![AgeGroup::Teens, AgeGroup::Thirties]);
    assert_eq!(p.audience.roles, vec![Role::Participant]);
    assert!(p
        .audience
        .includes(Role::Participant, Some(AgeGroup::Thirties)));
    assert!(!p
        .audience
        .includes(Role::Participant, Some(AgeGroup::Twenties)));
    assert!(!p.audience.includes(Role::Participant, None));
    assert!(!p.audience.includes(Role::Family, Some(AgeGroup::Teens)));
    let free = config.room("free").unwrap();
    assert!(free.audience.is_everyone());
    assert!(free.audience.includes(Role::Family, None));

    let free_for_family = with(
        "name = \"フリースペース\"\n",
        "name = \"フリースペース\"\nfor_roles = [\"family\"]\n",
    );
    let config = SpaceConfig::from_toml(&free_for_family, "rooms.toml").unwrap();
    assert_eq!(
        config.room("free").unwrap().audience.roles,
        vec![Role::Family]
    );
}

#[test]
fn rooms_for_a_group_say_what_is_wrong_and_where() {
    let free = |extra: &str| {
        with(
            "name = \"フリースペース\"\n",
            &format!("name = \"フリースペース\"\n{extra}\n"),
        )
    };
    assert_eq!(
        err(&free("for_groups = [\"20s\", \"50s\"]")),
        "rooms.toml:14:22: unknown group \"50s\" (expected \"10s\", \"20s\", \"30s\" or \"40s_plus\": the age bands members may declare)"
    );
    assert_eq!(
        err(&free("for_groups = []")),
        "rooms.toml:14:14: for_groups is empty (expected a list such as [\"20s\", \"30s\"], or leave it out for everyone)"
    );
    assert_eq!(
        err(&free("for_roles = []")),
        "rooms.toml:14:13: for_roles is empty (expected a list such as [\"family\"], or leave it out for everyone)"
    );
    assert_eq!(
        err(&free("for_roles = [\"staff\"]")),
        "rooms.toml:14:14: for_roles lists \"staff\", but staff, counsellors and admins enter every room anyway (list participant and/or family)"
    );
    assert!(err(&free("for_roles = [\"guest\"]"))
        .starts_with("rooms.toml:14:14: unknown role \"guest\""));
    assert_eq!(
        err(&room(
            "id = \"g\"\nkind = \"gallery\"\nname = \"g\"\nfor_roles = [\"family\"]"
        )),
        "rooms.toml:19:13: `for_roles` does not belong to a room of kind \"gallery\""
    );
}

#[test]
fn the_offices_contact_is_read_with_its_english() {
    let config = SpaceConfig::from_toml(BASE, "rooms.toml").unwrap();
    assert_eq!(config.space.contact, None);
    let text = with(
        "name = \"test\"\n",
        "name = \"test\"\ncontact = \" センター 022-000-0000 \"\ncontact_en = \"Centre 022-000-0000\"\n",
    );
    let contact = SpaceConfig::from_toml(&text, "rooms.toml")
        .unwrap()
        .space
        .contact
        .unwrap();
    assert_eq!(contact.ja, "センター 022-000-0000");
    assert_eq!(contact.get(Lang::En), "Centre 022-000-0000");
    assert_eq!(contact.get(Lang::Ja), "センター 022-000-0000");
    let japanese_only = with(
        "name = \"test\"\n",
        "name = \"test\"\ncontact = \"センター\"\n",
    );
    let contact = SpaceConfig::from_toml(&japanese_only, "rooms.toml")
        .unwrap()
        .space
        .contact
        .unwrap();
    assert_eq!(
        contact.get(Lang::En),
        "センター",
        "English falls back to the Japanese"
    );

    assert_eq!(
        err(&with(
            "name = \"test\"\n",
            "name = \"test\"\ncontact = \" \"\n"
        )),
        "rooms.toml:3:11: contact is empty (leave it out when there is none)"
    );
    assert_eq!(
        err(&with(
            "name = \"test\"\n",
            "name = \"test\"\ncontact_en = \"Centre\"\n"
        )),
        "rooms.toml:3:14: contact_en needs contact, the Japanese it stands beside"
    );
    assert_eq!(
        err(&with(
            "name = \"test\"\n",
            "name = \"test\"\ncontact = \"センター\"\ncontact_en = \"\"\n"
        )),
        "rooms.toml:4:14: contact_en is empty (leave it out, and English pages show the Japanese)"
    );
}

#[test]
fn operator_texts_take_an_english_variant() {
    let text = format!(
        "{}\ndescription = \"ひろば\"\ndescription_en = \"The plaza\"\nname_en = \"Free space\"\n\
         [[room.area]]\nname = \"机\"\nname_en = \"Table\"\nkind = \"table\"\nx = 0\ny = 0\nwidth = 10\nheight = 10\n\
         \n[[room]]\nid = \"g\"\nkind = \"gallery\"\nname = \"ギャラリー\"\n\
         [[room.video]]\ntitle = \"紹介\"\ntitle_en = \"Introduction\"\nsrc = \"/media/a.mp4\"\n\
         \n[accounts]\neligibility = \"仙台市に住んでいます\"\neligibility_en = \"I live in Sendai\"\n\
         heard_from = [\"チラシ\", \"その他\"]\nheard_from_en = [\"A leaflet\", \"Other\"]\n",
        with(
            "name = \"test\"\n",
            "name = \"test\"\nname_en = \"Test\"\nabout = \"居場所\"\nabout_en = \"A place\"\n"
        )
    );
    let config = SpaceConfig::from_toml(&text, "rooms.toml").unwrap();
    assert_eq!(config.space.name.get(Lang::En), "Test");
    assert_eq!(config.space.name.get(Lang::Ja), "test");
    assert_eq!(config.space.about.get(Lang::En), "A place");
    let free = config.room("free").unwrap();
    assert_eq!(free.name.get(Lang::En), "Free space");
    assert_eq!(free.description.get(Lang::En), "The plaza");
    let RoomKind::Free { areas, .. } = &free.kind else {
        panic!("not free")
    };
    assert_eq!(areas[0].name.get(Lang::En), "Table");
    let RoomKind::Gallery { videos } = &config.room("g").unwrap().kind else {
        panic!("not a gallery")
    };
    assert_eq!(videos[0].title.get(Lang::En), "Introduction");
    assert_eq!(
        config.accounts.eligibility.get(Lang::En),
        "I live in Sendai"
    );
    let heard: Vec<&str> = config
        .accounts
        .heard_from
        .iter()
        .map(|c| c.get(Lang::En))
        .collect();
    assert_eq!(heard, ["A leaflet", "Other"]);
    // Without an English variant, English readers see the Japanese.
    let plain = SpaceConfig::from_toml(BASE, "rooms.toml").unwrap();
    assert_eq!(
        plain.room("free").unwrap().name.get(Lang::En),
        "フリースペース"
    );

    assert_eq!(
        err(&format!("{BASE}name_en = \" \"\n")),
        "rooms.toml:14:11: name_en is empty (leave it out, and English pages show the Japanese)"
    );
    assert_eq!(
        err(&format!(
            "{BASE}\n[accounts]\nheard_from = [\"チラシ\"]\nheard_from_en = [\"A leaflet\", \"Other\"]\n"
        )),
        "rooms.toml:17:17: heard_from_en has 2 choices, but heard_from has 1 (give each choice its English, in the same order)"
    );
}
