//! Staff's endpoints for keeping the space safe (Grant::Moderate): suspend an account and
//! lift it, see who is suspended, read members' reports (every read audited).
use super::extract::{JsonBody, Moderator};
use super::AppState;
use crate::accounts::AccountError;
use crate::hub::ReportNames;
use crate::model::{PublicId, Report};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/staff/members/{public_id}/suspend",
            post(suspend).delete(lift),
        )
        .route("/api/staff/suspended", get(suspended))
        .route("/api/staff/reports", get(reports))
        .route("/api/staff/reports/{id}", get(report))
}

#[derive(Deserialize)]
struct SuspendRequest {
    reason: String,
}

async fn suspend(
    State(state): State<AppState>,
    Moderator(by): Moderator,
    Path(public_id): Path<String>,
    JsonBody(request): JsonBody<SuspendRequest>,
) -> Result<Response, AccountError> {
    let member = state
        .accounts
        .member_by_public_id(&PublicId(public_id))
        .await?;
    let suspension = state
        .accounts
        .suspend(Some(&by), &member, &request.reason)
        .await?;
    let told = state.accounts.suspended_error(&suspension).message();
    state.hub.suspend(&member.public_id, told);
    Ok(Json(json!({
        "member": member.public_id,
        "nickname": member.nickname,
        "suspended_at": suspension.at,
        "reason": suspension.reason,
        "message": format!("{}さんのアカウントを一時停止しました。", member.nickname),
    }))
    .into_response())
}

async fn lift(
    State(state): State<AppState>,
    Moderator(by): Moderator,
    Path(public_id): Path<String>,
) -> Result<Response, AccountError> {
    let member = state
        .accounts
        .member_by_public_id(&PublicId(public_id))
        .await?;
    let lifted = state
        .accounts
        .lift_suspension(&Some(by.public_id), &member)
        .await?;
    let message = if lifted {
        format!("{}さんの一時停止を解除しました。", member.nickname)
    } else {
        format!("{}さんは一時停止されていません。", member.nickname)
    };
    Ok(Json(json!({ "lifted": lifted, "message": message })).into_response())
}

async fn suspended(
    State(state): State<AppState>,
    Moderator(_): Moderator,
) -> Result<Response, AccountError> {
    let list: Vec<_> = state
        .accounts
        .suspended()
        .await?
        .into_iter()
        .map(|(id, nickname, s)| {
            json!({"member": id, "nickname": nickname, "suspended_at": s.at, "reason": s.reason, "by": s.by})
        })
        .collect();
    Ok(Json(json!({ "suspended": list })).into_response())
}

async fn reports(
    State(state): State<AppState>,
    Moderator(by): Moderator,
) -> Result<Response, AccountError> {
    let list = state.hub.reports_for(&by.public_id).await?;
    let list: Vec<_> = list
        .iter()
        .map(|(report, names)| report_json(report, names, false))
        .collect();
    Ok(Json(json!({ "reports": list })).into_response())
}

async fn report(
    State(state): State<AppState>,
    Moderator(by): Moderator,
    Path(id): Path<String>,
) -> Result<Response, AccountError> {
    let (report, names) = state
        .hub
        .report_for(&by.public_id, &id)
        .await?
        .ok_or(AccountError::NotFound)?;
    Ok((StatusCode::OK, Json(report_json(&report, &names, true))).into_response())
}

/// A report as staff read it: nicknames beside the ids (of members who still exist), the
/// snapshot only when one report is opened.
fn report_json(report: &Report, names: &ReportNames, snapshot: bool) -> serde_json::Value {
    let mut value = json!({
        "id": report.id,
        "at": report.at,
        "room": report.room,
        "reporter": {"id": report.reporter, "nickname": names.reporter},
        "reported": {"id": report.reported, "nickname": names.reported},
        "seq": report.seq,
        "reason": report.reason,
        "reason_words": report.reason.words(),
        "note": report.note,
    });
    if snapshot {
        value["snapshot"] = report.snapshot.clone();
    }
    value
}
