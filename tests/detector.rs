//! Detector quality on the committed corpora (tests/data): everyday chat never alerts, every
//! crisis line does; `ibasho admin screen` (the real binary) answers as the library does,
//! with the shipped list and with an operator's.
mod support;

use ibasho::safety::crisis::CrisisDetector;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn corpus(name: &str) -> Vec<String> {
    let path = format!("{}/../tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// What `ibasho admin screen --rooms ROOMS` prints for `lines`, one answer a line.
fn screen(rooms: &Path, lines: &[String]) -> Result<Vec<String>, String> {
    let mut child = Command::new(support::BIN)
        .args(["admin", "screen", "--rooms"])
        .arg(rooms)
        .env_remove("IBASHO_ROOMS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ibasho admin screen");
    let mut stdin = child.stdin.take().unwrap();
    let input = lines.join("\n") + "\n";
    // Written from a thread so that a full stdout pipe cannot stall the write.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .expect("wait for ibasho admin screen");
    writer.join().unwrap().expect("write the lines");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect())
}

fn answer(detector: &CrisisDetector, line: &str) -> String {
    match detector.check(line) {
        Some(category) => format!("alert\t{}", category.as_str()),
        None => "ok".to_string(),
    }
}

#[test]
fn everyday_lines_never_alert_and_crisis_lines_always_do() {
    let detector = CrisisDetector::shipped();
    let everyday = corpus("everyday_ja.txt");
    let crisis = corpus("crisis_lines.txt");
    let false_alerts: Vec<_> = everyday
        .iter()
        .filter_map(|l| detector.check(l).map(|c| format!("{l}  → {}", c.as_str())))
        .collect();
    let missed: Vec<_> = crisis
        .iter()
        .filter(|l| detector.check(l).is_none())
        .collect();
    println!(
        "everyday lines: {} ({} false alerts); crisis lines: {} ({} caught, {} missed)",
        everyday.len(),
        false_alerts.len(),
        crisis.len(),
        crisis.len() - missed.len(),
        missed.len()
    );
    assert!(everyday.len() >= 300 && crisis.len() >= 100);
    assert!(false_alerts.is_empty(), "false alerts: {false_alerts:#?}");
    assert!(missed.is_empty(), "missed: {missed:#?}");
}

#[test]
fn admin_screen_answers_as_the_library_does() {
    let rooms = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../rooms.toml"));
    let detector = CrisisDetector::shipped();
    for name in ["everyday_ja.txt", "crisis_lines.txt"] {
        let lines = corpus(name);
        let printed = screen(rooms, &lines).unwrap();
        let expected: Vec<String> = lines.iter().map(|l| answer(&detector, l)).collect();
        assert_eq!(printed, expected, "{name}");
    }
}

#[test]
fn admin_screen_uses_the_operators_list() {
    let dir = tempfile::tempdir().unwrap();
    let rooms = dir.path().join("rooms.toml");
    std::fs::write(
        &rooms,
        support::TEST_ROOMS.replacen("[safety]\n", "[safety]\ncrisis_words = \"words.txt\"\n", 1),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("words.txt"),
        "# our list\n[self_harm]\nもう限界\n!もう限界突破\n",
    )
    .unwrap();
    let lines = ["もう限界…", "もう限界突破だ！", "死にたい"].map(String::from);
    assert_eq!(
        screen(&rooms, &lines).unwrap(),
        ["alert\tself_harm", "ok", "ok"],
        "the operator's list replaces the shipped one"
    );

    std::fs::write(
        dir.path().join("words.txt"),
        "[self_harm]\nもう限界\n[sad]\n",
    )
    .unwrap();
    let error = screen(&rooms, &lines).unwrap_err();
    assert!(
        error.contains("words.txt: line 3: unknown section [sad]"),
        "{error}"
    );
}

#[test]
fn everyday_lines_hold_no_contact_details() {
    let lines = corpus("everyday_ja.txt");
    let found: Vec<_> = lines
        .iter()
        .filter_map(|l| ibasho::safety::contact::find(l).map(|k| format!("{l}  → {}", k.as_str())))
        .collect();
    println!(
        "everyday lines: {} ({} taken for contact details)",
        lines.len(),
        found.len()
    );
    assert!(found.is_empty(), "{found:#?}");
}
