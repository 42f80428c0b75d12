//! Consultation booking over HTTP (docs/accounts.md, "Consultation booking"): slots published
//! by counsellors, listed by day, booked and cancelled by participants and family members.
//! What anyone sees of a person is their nickname, never an e-mail address or account id.
use super::extract::{JsonBody, LoggedInMember};
use super::AppState;
use crate::consult::booking::{BookingError, Bookings, PublishRequest};
use crate::model::{BookingNotice, Lang, Slot};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/slots", post(publish).get(free))
        .route("/api/slots/mine", get(mine))
        .route("/api/slots/{id}", delete(withdraw))
        .route("/api/slots/{id}/booking", post(book).delete(cancel))
}

impl IntoResponse for BookingError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = json!({
            "error": self.code(),
            "message": self.message(Lang::Ja),
            "message_en": self.message(Lang::En),
        });
        if let Some(field) = self.field() {
            body["field"] = field.into();
        }
        (status, Json(body)).into_response()
    }
}

async fn publish(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
    JsonBody(request): JsonBody<PublishRequest>,
) -> Result<Response, BookingError> {
    let slot = state.bookings.publish(&member, request).await?;
    Ok((
        StatusCode::CREATED,
        Json(slot_json(&state.bookings, &slot, true)),
    )
        .into_response())
}

#[derive(Deserialize)]
struct FreeQuery {
    day: Option<String>,
    profession: Option<String>,
    mode: Option<String>,
}

/// Free slots of a day (`day`, default today in the space's zone). Logged-in members only.
async fn free(
    State(state): State<AppState>,
    LoggedInMember { .. }: LoggedInMember,
    Query(query): Query<FreeQuery>,
) -> Result<Response, BookingError> {
    let day = match query
        .day
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(day) => parse_day(day)?,
        None => state.bookings.local_time(state.clock.now()).date_naive(),
    };
    let profession = query.profession.as_deref().filter(|p| !p.is_empty());
    let mode = query.mode.as_deref().filter(|m| !m.is_empty());
    let slots = state.bookings.free_slots(day, profession, mode).await?;
    Ok(Json(json!({
        "day": day.to_string(),
        "slots": slots.iter().map(|s| slot_json(&state.bookings, s, false)).collect::<Vec<_>>(),
    }))
    .into_response())
}

#[derive(Deserialize)]
struct BookRequest {
    mode: Option<String>,
    #[serde(default)]
    notify_by_email: bool,
}

async fn book(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<BookRequest>,
) -> Result<Response, BookingError> {
    let slot = state
        .bookings
        .book(
            &member,
            &id,
            request.mode.as_deref(),
            request.notify_by_email,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(slot_json(&state.bookings, &slot, false)),
    )
        .into_response())
}

async fn cancel(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
    Path(id): Path<String>,
) -> Result<Response, BookingError> {
    state.bookings.cancel(&member, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn withdraw(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
    Path(id): Path<String>,
) -> Result<Response, BookingError> {
    state.bookings.withdraw(&member, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct MineQuery {
    day: Option<String>,
}

async fn mine(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
    Query(query): Query<MineQuery>,
) -> Result<Response, BookingError> {
    let day = query
        .day
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(parse_day)
        .transpose()?;
    let mine = state.bookings.mine(&member, day).await?;
    let bookings = &state.bookings;
    let mut body = json!({
        "bookings": mine.bookings.iter().map(|s| slot_json(bookings, s, false)).collect::<Vec<_>>(),
        "notices": mine.notices.iter().map(|n| notice_json(bookings, n)).collect::<Vec<_>>(),
    });
    if let Some(slots) = &mine.slots {
        body["slots"] = slots
            .iter()
            .map(|s| slot_json(bookings, s, true))
            .collect::<Vec<_>>()
            .into();
    }
    Ok(Json(body).into_response())
}

fn parse_day(day: &str) -> Result<NaiveDate, BookingError> {
    day.parse().map_err(|_| BookingError::Invalid {
        field: "day",
        ja: "日付を読み取れませんでした（例: 2026-12-09）。",
        en: "We could not read the date (e.g. 2026-12-09).",
    })
}

fn rfc3339(t: chrono::DateTime<chrono::FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// A slot as the API shows it. `with_booking`: for its counsellor, who sees who booked it (a
/// nickname) and how; a participant sees only whether it is their own (in `/mine`).
fn slot_json(bookings: &Bookings, slot: &Slot, with_booking: bool) -> Value {
    let mut body = json!({
        "id": slot.id,
        "day": slot.day.to_string(),
        "start": rfc3339(bookings.local_time(slot.starts_at)),
        "end": rfc3339(bookings.local_time(slot.ends_at)),
        "minutes": (slot.ends_at - slot.starts_at).num_minutes(),
        "profession": slot.profession,
        "modes": slot.modes,
        "counsellor": slot.counsellor.nickname,
    });
    match (&slot.booking, with_booking) {
        (Some(booking), true) => {
            body["booking"] = json!({ "nickname": booking.by.nickname, "mode": booking.mode });
        }
        (None, true) => body["booking"] = Value::Null,
        (Some(booking), false) => body["mode"] = json!(booking.mode),
        (None, false) => {}
    }
    body
}

fn notice_json(bookings: &Bookings, notice: &BookingNotice) -> Value {
    json!({
        "kind": notice.kind,
        "message": notice.message,
        "slot_start": rfc3339(bookings.local_time(notice.slot_start)),
        "at": rfc3339(bookings.local_time(notice.created_at)),
    })
}
