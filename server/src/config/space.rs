//! The `[space]` settings and the `[closures]` table.
use crate::schedule::rules::{Closures, DateRange, OpeningRule, Pattern, YearlyRange};

use super::raw::{RawClosures, RawRule, RawSpace, S};
use super::values::{self, number};
use super::wording::Wording;
use super::{ConfigError, Source};

#[derive(Debug, Clone)]
pub struct SpaceSettings {
    /// Shown on the public page, the space page and in every e-mail.
    pub name: Wording,
    /// Shown on the public page.
    pub about: Wording,
    pub timezone: chrono_tz::Tz,
    /// Program rooms admit participants this many minutes before a session (default 10).
    pub doors_open_minutes: u32,
    /// Minutes before closing to warn (default [10, 5, 1]), sorted descending, each > 0.
    pub closing_notices: Vec<u32>,
    /// A consultation in progress may run on this long after closing (default 30).
    pub consult_grace_minutes: u32,
    /// How to reach the office that runs the space (a phone number and its hours, say):
    /// told wherever a person is asked to contact it.
    pub contact: Option<Wording>,
}

pub(super) fn settings(src: Source, raw: &S<RawSpace>) -> Result<SpaceSettings, ConfigError> {
    let raw = raw.get_ref();
    if raw.name.get_ref().trim().is_empty() {
        return Err(src.error(raw.name.span(), "name is empty (the public page shows it)"));
    }
    let timezone = match &raw.timezone {
        None => chrono_tz::Asia::Tokyo,
        Some(tz) => tz.get_ref().parse().map_err(|_| {
            src.error(
                tz.span(),
                format!(
                    "unknown time zone \"{}\" (expected an IANA name such as \"Asia/Tokyo\")",
                    tz.get_ref()
                ),
            )
        })?,
    };
    let closing_notices = match &raw.closing_notices {
        None => vec![10, 5, 1],
        Some(list) => {
            let mut notices = list
                .get_ref()
                .iter()
                .map(|n| number(src, "closing notice", Some(n), 0, 1..=240))
                .collect::<Result<Vec<_>, _>>()?;
            notices.sort_unstable_by(|a, b| b.cmp(a));
            notices.dedup();
            notices
        }
    };
    Ok(SpaceSettings {
        name: values::wording(src, "name", raw.name.get_ref(), raw.name_en.as_ref())?,
        about: values::wording(src, "about", &raw.about, raw.about_en.as_ref())?,
        timezone,
        doors_open_minutes: number(
            src,
            "doors_open_minutes",
            raw.doors_open_minutes.as_ref(),
            10,
            0..=120,
        )?,
        closing_notices,
        consult_grace_minutes: number(
            src,
            "consult_grace_minutes",
            raw.consult_grace_minutes.as_ref(),
            30,
            0..=240,
        )?,
        contact: values::optional_wording(
            src,
            "contact",
            raw.contact.as_ref(),
            raw.contact_en.as_ref(),
        )?,
    })
}

pub(super) fn closures(src: Source, raw: &RawClosures) -> Result<Closures, ConfigError> {
    let yearly = raw
        .yearly
        .iter()
        .map(|r| {
            Ok(YearlyRange {
                from: values::month_day(src, "from", &r.get_ref().from)?,
                to: values::month_day(src, "to", &r.get_ref().to)?,
            })
        })
        .collect::<Result<_, ConfigError>>()?;
    let dates = raw
        .dates
        .iter()
        .map(|d| values::date(src, "date", d))
        .collect::<Result<_, _>>()?;
    let ranges = raw
        .ranges
        .iter()
        .map(|r| {
            let r = r.get_ref();
            let from = values::date(src, "from", &r.from)?;
            let to = values::date(src, "to", &r.to)?;
            if to < from {
                return Err(src.error(r.to.span(), format!("to {to} is before from {from}")));
            }
            Ok(DateRange { from, to })
        })
        .collect::<Result<_, _>>()?;
    Ok(Closures {
        public_holidays: raw.public_holidays,
        yearly,
        dates,
        ranges,
    })
}

/// An extra opening listed by date on a closed day would silently never happen.
pub(super) fn extra_openings_not_closed(
    src: Source,
    raw: &RawRule,
    rule: &OpeningRule,
    closures: &Closures,
) -> Result<(), ConfigError> {
    let (Pattern::Dates { dates }, Some(raw_dates)) = (&rule.pattern, &raw.dates) else {
        return Ok(());
    };
    for (date, v) in dates.iter().zip(raw_dates.get_ref()) {
        if closures.closes(*date) {
            return Err(src.error(
                v.span(),
                format!(
                    "{date} is a closed day (see [closures]), so this opening would never happen"
                ),
            ));
        }
    }
    Ok(())
}
