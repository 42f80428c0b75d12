//! `ibasho admin screen`: the server's crisis detector on the command line, so operators can
//! try their list (rooms.toml `[safety] crisis_words`) on lines of their own.
use anyhow::Context;
use ibasho::config::SpaceConfig;
use std::io::{BufRead, Write};
use std::path::Path;

/// For each line of standard input, `alert<TAB><category>` or `ok` on standard output.
pub fn run(rooms: &Path) -> anyhow::Result<()> {
    let space = SpaceConfig::load(rooms)?;
    let detector = &space.safety.crisis;
    let mut out = std::io::stdout().lock();
    // Lines, not UTF-8 text: a stray byte is one line's problem, not the run's.
    for line in std::io::stdin().lock().split(b'\n') {
        let line = line.context("reading standard input")?;
        let line = String::from_utf8_lossy(&line);
        let answer = match detector.check(line.trim_end_matches('\r')) {
            Some(category) => format!("alert\t{}", category.as_str()),
            None => "ok".to_string(),
        };
        writeln!(out, "{answer}")?;
    }
    Ok(())
}
