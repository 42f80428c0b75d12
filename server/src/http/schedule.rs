//! The public schedule API: the same windows the gate admits by.
use super::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

/// Longest range one request may ask for.
const MAX_DAYS: i64 = 366;
/// Range when `to` is not given.
const DEFAULT_DAYS: i64 = 31;

#[derive(Deserialize)]
pub struct Range {
    from: Option<String>,
    to: Option<String>,
}

pub async fn windows(State(state): State<AppState>, Query(range): Query<Range>) -> Response {
    let tz = state.schedule.timezone();
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let from = match parse_date("from", range.from.as_deref(), today) {
        Ok(date) => date,
        Err(message) => return bad_request(&message),
    };
    let to = match parse_date(
        "to",
        range.to.as_deref(),
        from + chrono::Duration::days(DEFAULT_DAYS - 1),
    ) {
        Ok(date) => date,
        Err(message) => return bad_request(&message),
    };
    if to < from {
        return bad_request("`to` must not be before `from`");
    }
    if (to - from).num_days() >= MAX_DAYS {
        return bad_request(&format!("at most {MAX_DAYS} days per request"));
    }
    Json(json!({ "timezone": tz.name(), "windows": state.schedule.windows(from, to) }))
        .into_response()
}

pub async fn status(State(state): State<AppState>) -> Response {
    let settings = &state.space.space;
    let now = state.clock.now();
    let status = state.schedule.status(now);
    // Only the rooms the public page talks about: no consultation or staff rooms.
    let rooms: Vec<_> = state
        .space
        .rooms
        .iter()
        .filter(|room| {
            matches!(
                room.kind,
                crate::config::RoomKind::Free { .. }
                    | crate::config::RoomKind::Program { .. }
                    | crate::config::RoomKind::Gallery { .. }
            )
        })
        .map(|room| {
            json!({
                "id": room.id,
                "name": room.name.ja,
                "name_en": room.name.en,
                "kind": kind_name(&room.kind),
                "description": room.description.ja,
                "description_en": room.description.en,
            })
        })
        .collect();
    // Each of the operator's texts with its English (`_en`, null when there is none).
    Json(json!({
        "name": settings.name.ja,
        "name_en": settings.name.en,
        "about": settings.about.ja,
        "about_en": settings.about.en,
        "timezone": state.schedule.timezone().name(),
        "now": now.with_timezone(&state.schedule.timezone()).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        // A page counting down to `closes_at` runs its clock this much faster (a rehearsal).
        "speed": state.clock.rehearsal().map_or(1.0, |c| c.speed()),
        "open": status.open,
        "closes_at": status.closes_at,
        "next_opening": status.next_opening,
        "rooms": rooms,
        // How to reach the office, for the pages that ask a person to get in touch.
        "contact": settings.contact.as_ref().map(|c| &c.ja),
        "contact_en": settings.contact.as_ref().and_then(|c| c.en.as_ref()),
    }))
    .into_response()
}

fn kind_name(kind: &crate::config::RoomKind) -> &'static str {
    use crate::config::RoomKind::*;
    match kind {
        Free { .. } => "free",
        Program { .. } => "program",
        Consult { .. } => "consult",
        Gallery { .. } => "gallery",
        Staff => "staff",
    }
}

fn parse_date(name: &str, value: Option<&str>, default: NaiveDate) -> Result<NaiveDate, String> {
    match value {
        None => Ok(default),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| format!("`{name}` must be a date like 2026-12-09")),
    }
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": "bad_request", "message": message })),
    )
        .into_response()
}
