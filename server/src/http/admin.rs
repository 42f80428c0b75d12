//! Staff and admin endpoints for accounts: review applications, manage invitations,
//! delete accounts. E-mail addresses appear only in answers to admins. And one for
//! rehearsals: setting the rehearsal clock.
use super::extract::{AccountAdmin, JsonBody, Reviewer};
use super::AppState;
use crate::accounts::{AccountError, InvitationView};
use crate::auth::Grant;
use crate::model::{Application, ApplicationStatus, Lang, PublicId, Role};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/applications", get(applications))
        .route("/api/admin/applications/{id}/approve", post(approve))
        .route("/api/admin/applications/{id}/decline", post(decline))
        .route("/api/admin/invitations", get(invitations).post(invite))
        .route("/api/admin/invitations/{id}/resend", post(resend))
        .route("/api/admin/invitations/{id}/revoke", post(revoke))
        .route("/api/admin/members/{public_id}", delete(delete_member))
        .route("/api/admin/clock", post(set_clock))
        .route("/api/admin/audit", get(audit))
}

#[derive(Deserialize)]
struct StatusFilter {
    status: Option<String>,
}

async fn applications(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    Query(filter): Query<StatusFilter>,
) -> Result<Response, AccountError> {
    let status = match filter.status.as_deref() {
        None => Some(ApplicationStatus::Pending),
        Some("all") => None,
        Some(other) => Some(other.parse().map_err(|_| {
            AccountError::invalid(
                "status",
                "status は pending, approved, declined, all のどれかです。",
            )
        })?),
    };
    let show_email = reviewer.role.has(Grant::ManageAccounts);
    let list: Vec<_> = state
        .accounts
        .applications(status)
        .await?
        .into_iter()
        .map(|a| application_json(a, show_email))
        .collect();
    Ok(Json(json!({ "applications": list })).into_response())
}

async fn approve(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    Path(id): Path<String>,
) -> Result<Response, AccountError> {
    let show_email = reviewer.role.has(Grant::ManageAccounts);
    let invitation = state
        .accounts
        .approve(&Some(reviewer.public_id), &id, show_email)
        .await?;
    // Staff see in words what happened, not a tick; a mail that failed says so instead.
    let said = format!(
        "{}さんの申し込みを承認し、招待のメールを送りました。",
        invitation.nickname.as_deref().unwrap_or("")
    );
    Ok(invitation_response(StatusCode::OK, invitation, Some(said)))
}

#[derive(Deserialize, Default)]
struct DeclineRequest {
    message: Option<String>,
}

async fn decline(
    State(state): State<AppState>,
    Reviewer(reviewer): Reviewer,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AccountError> {
    // The kind word is optional, and so is a body at all.
    let request: DeclineRequest = if body.iter().all(u8::is_ascii_whitespace) {
        DeclineRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|_| AccountError::invalid("body", "送られた内容を読み取れませんでした。"))?
    };
    let show_email = reviewer.role.has(Grant::ManageAccounts);
    let request_had_message = request
        .message
        .as_deref()
        .is_some_and(|m| !m.trim().is_empty());
    let application = state
        .accounts
        .decline(&Some(reviewer.public_id), &id, request.message)
        .await?;
    let message = if request_had_message {
        format!(
            "{}さんの申し込みを見送り、添えた言葉とともにメールでお知らせしました。",
            application.nickname
        )
    } else {
        format!(
            "{}さんの申し込みを見送り、メールでお知らせしました。",
            application.nickname
        )
    };
    Ok(Json(json!({
        "application": application_json(application, show_email),
        "message": message,
    }))
    .into_response())
}

async fn invitations(
    State(state): State<AppState>,
    AccountAdmin(_): AccountAdmin,
) -> Result<Response, AccountError> {
    let list = state.accounts.invitations().await?;
    Ok(Json(json!({ "invitations": list })).into_response())
}

#[derive(Deserialize)]
struct InviteRequest {
    email: String,
    role: Role,
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    lang: Lang,
}

async fn invite(
    State(state): State<AppState>,
    AccountAdmin(admin): AccountAdmin,
    JsonBody(request): JsonBody<InviteRequest>,
) -> Result<Response, AccountError> {
    let invitation = state
        .accounts
        .invite(
            &Some(admin.public_id),
            &request.email,
            request.role,
            request.nickname,
            request.lang,
        )
        .await?;
    Ok(invitation_response(StatusCode::CREATED, invitation, None))
}

async fn resend(
    State(state): State<AppState>,
    AccountAdmin(admin): AccountAdmin,
    Path(id): Path<String>,
) -> Result<Response, AccountError> {
    let invitation = state.accounts.resend(&Some(admin.public_id), &id).await?;
    Ok(invitation_response(StatusCode::OK, invitation, None))
}

async fn revoke(
    State(state): State<AppState>,
    AccountAdmin(admin): AccountAdmin,
    Path(id): Path<String>,
) -> Result<Response, AccountError> {
    let invitation = state.accounts.revoke(&Some(admin.public_id), &id).await?;
    Ok(invitation_response(StatusCode::OK, invitation, None))
}

async fn delete_member(
    State(state): State<AppState>,
    AccountAdmin(admin): AccountAdmin,
    Path(public_id): Path<String>,
) -> Result<Response, AccountError> {
    let member = state
        .accounts
        .member_by_public_id(&PublicId(public_id))
        .await?;
    state.bookings.account_leaving(&member).await;
    let deleted = state
        .accounts
        .delete(&Some(admin.public_id), &member.account)
        .await?;
    state.hub.sign_out(&deleted.public_id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The most entries one page of the audit log holds.
const AUDIT_PAGE_MAX: u32 = 200;

#[derive(Deserialize)]
struct AuditQuery {
    before: Option<i64>,
    limit: Option<u32>,
}

/// The audit log, newest first, a page at a time (`before`: the last id seen): what
/// `ibasho admin audit` prints, with the nicknames of members who still exist.
async fn audit(
    State(state): State<AppState>,
    AccountAdmin(_): AccountAdmin,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AccountError> {
    let Query(query) = query
        .map_err(|_| AccountError::invalid("limit", "before と limit は数で指定してください。"))?;
    let limit = query.limit.unwrap_or(50).clamp(1, AUDIT_PAGE_MAX);
    let (entries, nicknames) = state.accounts.audit_page(query.before, limit).await?;
    let who = |id: &Option<PublicId>| {
        id.as_ref()
            .map(|id| json!({"id": id, "nickname": nicknames.get(id)}))
    };
    let next = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    let list: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "at": e.at,
                "actor": who(&e.actor),
                "action": e.action,
                "subject": who(&e.subject),
                "detail": e.detail,
            })
        })
        .collect();
    Ok(Json(json!({ "entries": list, "next_before": next })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    to: chrono::DateTime<chrono::FixedOffset>,
}

/// Sets the rehearsal clock (`serve --clock`) to another instant, for an admin's access token
/// (`Authorization: Bearer`, as `ibasho admin token` prints it). A server on the real clock
/// has no such thing: 404 before anything else, whoever asks.
async fn set_clock(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AccountError> {
    let Some(clock) = state.clock.rehearsal() else {
        return Err(AccountError::NotFound);
    };
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or(AccountError::NotLoggedIn)?;
    let member = state.accounts.token_member(token.trim()).await?;
    // Only admins: the clock is everyone's (a jump past closing says goodbye to the space).
    if !member.role.has(Grant::ManageAccounts) {
        return Err(AccountError::Forbidden);
    }
    let request: ClockRequest = serde_json::from_slice(&body).map_err(|_| {
        AccountError::invalid(
            "to",
            "to には時刻を RFC 3339 で書いてください（例: 2026-12-09T20:59:30+09:00）。",
        )
    })?;
    clock.jump_to(request.to.to_utc());
    tracing::info!(by = %member.public_id, to = %request.to, "rehearsal clock set");
    Ok(Json(json!({ "now": state.clock.now() })).into_response())
}

fn application_json(a: Application, show_email: bool) -> serde_json::Value {
    let mut value = json!({
        "id": a.id,
        "nickname": a.nickname,
        "applicant": a.applicant,
        "heard_from": a.heard_from,
        "note": a.note,
        "status": a.status,
        "created_at": a.created_at,
        "decided_at": a.decided_at,
    });
    if show_email {
        value["email"] = a.email.into();
    }
    value
}

/// `done` is what to tell staff when the e-mail went out.
fn invitation_response(
    status: StatusCode,
    invitation: InvitationView,
    done: Option<String>,
) -> Response {
    let not_mailed = invitation.mailed == Some(false);
    let mut body = json!({ "invitation": invitation });
    if let Some(done) = done.filter(|_| !not_mailed) {
        body["message"] = done.into();
    }
    if not_mailed {
        body["message"] =
            "招待は作成しましたが、メールを送れませんでした。時間をおいて「再送」してください。"
                .into();
    }
    (status, Json(body)).into_response()
}
