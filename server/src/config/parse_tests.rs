//! Parsing rooms.toml: what a good file becomes, and where each kind of mistake is reported.
use super::*;

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

#[test]
fn print_errors() {
    for text in [
        with("end = \"21:00\"", "end = \"12:00\""),
        with("[\"wed\"]", "[\"wedn\"]"),
        with("name = \"test\"", "name = \"test\"\ntimezone = \"Asia/Tokio\""),
        with("kind = \"free\"", "kind = \"free\"\ncolour = \"red\""),
        with("id = \"free\"", "id = \"Free Space\""),
        with("name = \"フリースペース\"", "name = \"フリースペース\"\ncapacity = \"100\""),
        with("name = \"フリースペース\"", "name = \"フリースペース\"\ncapacity = 0"),
        with("[[opening]]\nrule = \"weekly\"\nweekdays = [\"wed\"]\nstart = \"13:00\"\nend = \"21:00\"\n", ""),
        with("rule = \"weekly\"", "rule = \"monthly\""),
        with("weekdays = [\"wed\"]", "weekday = \"wed\""),
        with("start = \"13:00\"", "start = \"1pm\""),
        format!("{BASE}\n[[room]]\nid = \"free\"\nkind = \"staff\"\nname = \"x\"\n"),
        format!("{BASE}\n[[room]]\nid = \"talk\"\nkind = \"program\"\nname = \"x\"\n"),
        format!("{BASE}\n[[room]]\nid = \"c\"\nkind = \"consult\"\nname = \"x\"\npool = 0\n"),
        format!("{BASE}\n[[room]]\nid = \"p\"\nkind = \"program\"\nname = \"x\"\n[[room.session]]\nrule = \"weekly\"\nweekdays = [\"thu\"]\nstart = \"14:00\"\nend = \"15:00\"\n"),
        format!("{BASE}\n[[room]]\nid = \"p\"\nkind = \"program\"\nname = \"x\"\n[[room.session]]\nrule = \"nth_weekday\"\nnth = [0]\nweekday = \"wed\"\nstart = \"14:00\"\nend = \"15:00\"\n"),
        "[space]\nname = \"x\"\n[[opening]]\nrule = \"weekly\"\nweekdays = [\"wed\"]\nstart = 13:00\nend = \"21:00\"\n".to_string(),
        "[space\nname = \"x\"\n".to_string(),
        with("kind = \"free\"", "kind = \"free\"\nwidth = true"),
        with("kind = \"free\"", "kind = \"free\"\npool = 3"),
    ] {
        println!("{}", err(&text));
    }
}
