//! The `[safety]` table: how many staff must be on duty, the crisis-expression list, and the
//! help lines shown to a writer whose line alerted the staff.
use std::path::Path;
use std::sync::Arc;

use crate::safety::crisis::CrisisDetector;

use super::raw::{RawHelpLine, RawSafety, S};
use super::values;
use super::wording::Wording;
use super::{ConfigError, Source};

/// `[safety]`.
#[derive(Debug, Clone)]
pub struct SafetySettings {
    /// The operator's list (`crisis_words`, a path relative to rooms.toml), else the shipped one.
    pub crisis: Arc<CrisisDetector>,
    /// Where to call, in the writer's banner, in this order.
    pub help_lines: Vec<HelpLine>,
    /// Participants and family members come in only while at least this many staff and
    /// counsellors are on duty (0: whenever the space is open).
    pub min_on_duty: u32,
    /// During opening hours, staff are warned while fewer than this many are on duty (the
    /// national guideline for chat counselling asks for two).
    pub warn_on_duty_below: u32,
    /// Members' reports, with their snapshot of the room's lines, are deleted this many days
    /// after they were filed.
    pub report_keep_days: u32,
}

/// The most `min_on_duty` and `warn_on_duty_below` may say (a typo, not a staffing plan).
const MOST_ON_DUTY: u32 = 50;

/// A telephone line a person in crisis can call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpLine {
    pub name: Wording,
    /// As it is dialled and shown: `0120-279-338`.
    pub number: String,
    /// When it answers: `24時間`.
    pub hours: Wording,
}

/// The help lines when rooms.toml names none: national lines (their numbers and hours as of
/// 2026; operators check them, and add their region's).
const HELP_LINES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "よりそいホットライン",
        "Yorisoi Hotline",
        "0120-279-338",
        "24時間・無料",
        "24 hours, free of charge",
    ),
    (
        "いのちの電話",
        "Inochi no Denwa (Lifeline)",
        "0120-783-556",
        "毎日16時〜21時、毎月10日は8時〜翌朝8時・無料",
        "Daily 16:00–21:00; on the 10th of each month from 8:00 to 8:00 the next morning; free of charge",
    ),
    (
        "こころの健康相談統一ダイヤル",
        "Mental Health Consultation Dial",
        "0570-064-556",
        "受付時間は都道府県・政令指定都市によって異なります",
        "Hours depend on the prefecture or city you call from",
    ),
];

impl Default for SafetySettings {
    fn default() -> Self {
        SafetySettings {
            crisis: Arc::new(CrisisDetector::shipped()),
            help_lines: HELP_LINES
                .iter()
                .map(|&(name, name_en, number, hours, hours_en)| HelpLine {
                    name: Wording {
                        ja: name.to_string(),
                        en: Some(name_en.to_string()),
                    },
                    number: number.to_string(),
                    hours: Wording {
                        ja: hours.to_string(),
                        en: Some(hours_en.to_string()),
                    },
                })
                .collect(),
            min_on_duty: 1,
            warn_on_duty_below: 2,
            report_keep_days: 90,
        }
    }
}

/// `dir`: where rooms.toml is, which a relative `crisis_words` path starts from.
pub(super) fn settings(
    src: Source,
    raw: Option<&RawSafety>,
    dir: &Path,
) -> Result<SafetySettings, ConfigError> {
    let defaults = SafetySettings::default();
    let Some(raw) = raw else {
        return Ok(defaults);
    };
    let crisis = match &raw.crisis_words {
        None => defaults.crisis,
        Some(path) => {
            let file = dir.join(path.get_ref());
            let text = std::fs::read_to_string(&file).map_err(|e| {
                src.error(
                    path.span(),
                    format!("cannot read the crisis list {}: {e}", file.display()),
                )
            })?;
            let list = CrisisDetector::from_text(&text)
                .map_err(|e| src.error(path.span(), format!("{}: {e}", file.display())))?;
            Arc::new(list)
        }
    };
    let help_lines = match &raw.help_lines {
        None => defaults.help_lines,
        Some(lines) if lines.get_ref().is_empty() => {
            return Err(src.error(
                lines.span(),
                "help_lines is empty: a person in crisis would be shown no one to call (leave the key out for the national lines)",
            ))
        }
        Some(lines) => lines
            .get_ref()
            .iter()
            .map(|line| help_line(src, line.get_ref()))
            .collect::<Result<_, _>>()?,
    };
    let count = |key: &str, raw: &Option<S<u32>>, default: u32| match raw {
        None => Ok(default),
        Some(n) if *n.get_ref() > MOST_ON_DUTY => Err(src.error(
            n.span(),
            format!("{key} is {}: at most {MOST_ON_DUTY}", n.get_ref()),
        )),
        Some(n) => Ok(*n.get_ref()),
    };
    Ok(SafetySettings {
        crisis,
        help_lines,
        min_on_duty: count("min_on_duty", &raw.min_on_duty, defaults.min_on_duty)?,
        warn_on_duty_below: count(
            "warn_on_duty_below",
            &raw.warn_on_duty_below,
            defaults.warn_on_duty_below,
        )?,
        report_keep_days: values::number(
            src,
            "report_keep_days",
            raw.report_keep_days.as_ref(),
            defaults.report_keep_days,
            1..=3650,
        )?,
    })
}

fn help_line(src: Source, raw: &RawHelpLine) -> Result<HelpLine, ConfigError> {
    for (key, value) in [
        ("name", &raw.name),
        ("number", &raw.number),
        ("hours", &raw.hours),
    ] {
        if value.get_ref().trim().is_empty() {
            return Err(src.error(value.span(), format!("the help line's {key} is empty")));
        }
    }
    Ok(HelpLine {
        name: values::wording(src, "name", raw.name.get_ref().trim(), raw.name_en.as_ref())?,
        number: raw.number.get_ref().trim().to_string(),
        hours: values::wording(
            src,
            "hours",
            raw.hours.get_ref().trim(),
            raw.hours_en.as_ref(),
        )?,
    })
}

#[cfg(test)]
mod tests {
    use crate::config::SpaceConfig;
    use crate::model::Lang;
    use crate::safety::crisis::Category;

    const BASE: &str = "[space]\nname = \"test\"\n\n[[opening]]\nrule = \"weekly\"\nweekdays = [\"wed\"]\nstart = \"13:00\"\nend = \"21:00\"\n\n[[room]]\nid = \"free\"\nkind = \"free\"\nname = \"ひろば\"\n\n";

    fn err(extra: &str, origin: &str) -> String {
        SpaceConfig::from_toml(&format!("{BASE}{extra}"), origin)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn without_a_safety_table_the_shipped_list_and_national_lines_apply() {
        let config = SpaceConfig::from_toml(BASE, "rooms.toml").unwrap();
        assert_eq!(
            config.safety.crisis.check("しにたい"),
            Some(Category::Suicide)
        );
        let names: Vec<&str> = config
            .safety
            .help_lines
            .iter()
            .map(|l| l.name.ja.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "よりそいホットライン",
                "いのちの電話",
                "こころの健康相談統一ダイヤル"
            ]
        );
        assert_eq!(config.safety.help_lines[0].number, "0120-279-338");
        assert_eq!(
            config.safety.help_lines[0].hours.get(Lang::En),
            "24 hours, free of charge"
        );
    }

    #[test]
    fn the_operators_list_is_read_beside_rooms_toml() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("words.txt"), "[overdose]\nくすりいっぱい\n").unwrap();
        let origin = dir.path().join("rooms.toml").display().to_string();
        let text = format!(
            "{BASE}[safety]\ncrisis_words = \"words.txt\"\n\
             help_lines = [{{ name = \"市の相談窓口\", number = \"022-000-0000\", hours = \"平日9時〜17時\", hours_en = \"Weekdays 9:00–17:00\" }}]\n"
        );
        let config = SpaceConfig::from_toml(&text, &origin).unwrap();
        assert_eq!(
            config.safety.crisis.check("クスリいっぱい"),
            Some(Category::Overdose)
        );
        assert_eq!(config.safety.crisis.check("しにたい"), None);
        let line = &config.safety.help_lines[0];
        assert_eq!(
            (line.name.get(Lang::En), line.hours.get(Lang::En)),
            ("市の相談窓口", "Weekdays 9:00–17:00")
        );

        std::fs::write(dir.path().join("words.txt"), "くすり\n").unwrap();
        let e = err("[safety]\ncrisis_words = \"words.txt\"\n", &origin);
        assert!(e.ends_with("words.txt: line 1: \"くすり\" comes before any section: put it under [suicide], [self_harm] or [overdose]"), "{e}");
        assert!(e.starts_with(&format!("{origin}:16:16: ")), "{e}");
    }

    #[test]
    fn mistakes_are_reported_where_they_are() {
        let e = err(
            "[safety]\ncrisis_words = \"/nonexistent/words.txt\"\n",
            "rooms.toml",
        );
        assert!(
            e.starts_with("rooms.toml:16:16: cannot read the crisis list /nonexistent/words.txt"),
            "{e}"
        );
        assert_eq!(
            err("[safety]\nhelp_lines = []\n", "rooms.toml"),
            "rooms.toml:16:14: help_lines is empty: a person in crisis would be shown no one to call (leave the key out for the national lines)"
        );
        assert_eq!(
            err(
                "[[safety.help_lines]]\nname = \"x\"\nnumber = \" \"\nhours = \"24時間\"\n",
                "rooms.toml"
            ),
            "rooms.toml:17:10: the help line's number is empty"
        );
    }
}
