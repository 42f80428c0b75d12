//! The public accounts endpoints (docs/accounts.md): apply, register, log in and out,
//! the access token for the WebSocket, and deleting one's own account.
use super::extract::{
    clear_session_cookie, session_cookie, ClientIp, JsonBody, LoggedInMember, SessionCookie,
};
use super::AppState;
use crate::accounts::{AccountError, ApplyRequest, LoggedIn, RegisterRequest};
use crate::hub::protocol::ErrorCode;
use crate::model::Lang;
use crate::model::{AgeGroup, Member, PublicId, AVATAR_COLORS, AVATAR_SHAPES};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/applications/form", get(form))
        .route("/api/applications", post(apply))
        .route("/api/invitations/{token}", get(invitation))
        .route("/api/registrations", post(register))
        .route("/api/login", post(login))
        .route("/api/login/link", post(login_link))
        .route("/api/login/redeem", post(redeem))
        .route("/api/logout", post(logout))
        .route("/api/me", get(me).delete(delete_me))
        .route("/api/me/group", put(set_group))
        .route("/api/me/nickname", put(set_nickname))
        .route("/api/me/blocks", get(my_blocks))
        .route("/api/me/blocks/{id}", delete(unblock))
        .route("/api/token", post(token))
}

async fn form(State(state): State<AppState>) -> Response {
    Json(state.accounts.application_form()).into_response()
}

async fn apply(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(request): JsonBody<ApplyRequest>,
) -> Result<Response, AccountError> {
    let lang = request.lang;
    state.accounts.apply(ip, request).await?;
    let message = match lang {
        Lang::Ja => "お申し込みを受け付けました。確認のメールをお送りしました。スタッフが確認したあと、招待のメールをお送りします。",
        Lang::En => "Thank you: your application has arrived. We sent you a confirmation e-mail; after our staff have read it, an invitation will follow by e-mail.",
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "status": "received", "message": message })),
    )
        .into_response())
}

async fn invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AccountError> {
    let invitation = state.accounts.invitation_for_token(&token).await?;
    let tz = state.accounts.site().timezone;
    Ok(Json(json!({
        "role": invitation.role,
        "nickname": invitation.nickname,
        "expires_at": invitation.expires_at.with_timezone(&tz).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        "passphrase_required": invitation.role.must_use_passphrase(),
        "avatars": { "shapes": AVATAR_SHAPES, "colors": AVATAR_COLORS },
        "groups": AgeGroup::ALL,
    }))
    .into_response())
}

async fn register(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<RegisterRequest>,
) -> Result<Response, AccountError> {
    let logged_in = state.accounts.register(request).await?;
    Ok(logged_in_response(&state, StatusCode::CREATED, logged_in))
}

#[derive(Deserialize)]
struct LoginRequest {
    email: String,
    passphrase: String,
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Response, AccountError> {
    let logged_in = state
        .accounts
        .login(ip, &request.email, request.passphrase)
        .await?;
    Ok(logged_in_response(&state, StatusCode::OK, logged_in))
}

#[derive(Deserialize)]
struct LinkRequest {
    email: String,
    #[serde(default)]
    lang: Lang,
}

async fn login_link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(request): JsonBody<LinkRequest>,
) -> Result<Response, AccountError> {
    state
        .accounts
        .request_login_link(ip, &request.email, request.lang)
        .await?;
    let message = match request.lang {
        Lang::Ja => "登録されているメールアドレスなら、ログイン用のリンクをお送りしました。メールをご確認ください。届かないときは、迷惑メールのフォルダもご覧ください。",
        Lang::En => "If this address is registered, a login link is on its way. Please check your e-mail, including the spam folder.",
    };
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "status": "sent", "message": message })),
    )
        .into_response())
}

#[derive(Deserialize)]
struct RedeemRequest {
    token: String,
}

async fn redeem(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<RedeemRequest>,
) -> Result<Response, AccountError> {
    let logged_in = state.accounts.redeem_login_link(&request.token).await?;
    Ok(logged_in_response(&state, StatusCode::OK, logged_in))
}

async fn logout(
    State(state): State<AppState>,
    SessionCookie(session): SessionCookie,
) -> Result<Response, AccountError> {
    if let Some(session) = session {
        state.accounts.logout(&session).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [clear_session_cookie(state.accounts.is_https())],
    )
        .into_response())
}

async fn me(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
) -> Result<Response, AccountError> {
    let has_passphrase = state.accounts.has_passphrase(&member.account).await?;
    let mut body = member_json(&member);
    body["avatar"] = json!(member.avatar);
    body["has_passphrase"] = has_passphrase.into();
    // Only here, to the member themself: no other answer or frame carries it.
    body["group"] = json!(member.group);
    // The account page shows a counsellor's tools from these, as the space page does.
    body["grants"] = json!(member.role.grants());
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
struct GroupRequest {
    group: Option<String>,
}

async fn set_group(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
    JsonBody(request): JsonBody<GroupRequest>,
) -> Result<Response, AccountError> {
    let group = state
        .accounts
        .set_group(&member, request.group.as_deref())
        .await?;
    Ok(Json(json!({ "group": group })).into_response())
}

#[derive(Deserialize)]
struct NicknameRequest {
    nickname: String,
}

async fn set_nickname(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
    JsonBody(request): JsonBody<NicknameRequest>,
) -> Result<Response, AccountError> {
    let nickname = state
        .accounts
        .set_nickname(&member, &request.nickname)
        .await?;
    Ok(Json(json!({ "nickname": nickname })).into_response())
}

#[derive(Deserialize)]
struct DeleteRequest {
    confirm: String,
}

/// What a person types (or the page sends) to say they really mean it.
const DELETE_CONFIRMATIONS: [&str; 2] = ["削除します", "delete"];

async fn delete_me(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
    JsonBody(request): JsonBody<DeleteRequest>,
) -> Result<Response, AccountError> {
    if !DELETE_CONFIRMATIONS.contains(&request.confirm.trim()) {
        return Err(AccountError::invalid(
            "confirm",
            "削除するには「削除します」と入力してください。",
        ));
    }
    let actor = Some(member.public_id.clone());
    state.bookings.account_leaving(&member).await;
    let deleted = state.accounts.delete(&actor, &member.account).await?;
    state.hub.sign_out(&deleted.public_id);
    Ok((
        StatusCode::NO_CONTENT,
        [clear_session_cookie(state.accounts.is_https())],
    )
        .into_response())
}

/// Whom I blocked: nickname and avatar, to lift a block (docs/accounts.md).
async fn my_blocks(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
) -> Result<Response, AccountError> {
    let blocked = state
        .hub
        .blocked_by(&member.public_id)
        .await
        .map_err(block_error)?;
    let blocked: Vec<_> = blocked
        .into_iter()
        .map(|m| json!({ "id": m.public_id, "nickname": m.nickname, "avatar": m.avatar }))
        .collect();
    Ok(Json(json!({ "blocked": blocked })).into_response())
}

/// Lifts my block of `id`: both see each other again at once, wherever they are.
async fn unblock(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
    Path(id): Path<String>,
) -> Result<Response, AccountError> {
    state
        .hub
        .block(&member, &PublicId(id), false)
        .await
        .map_err(block_error)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn block_error(code: ErrorCode) -> AccountError {
    match code {
        ErrorCode::NoSuchMember | ErrorCode::BlockSelf => AccountError::NotFound,
        ErrorCode::CannotBlock => AccountError::Forbidden,
        _ => AccountError::Internal("blocks could not be read or changed".into()),
    }
}

async fn token(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
) -> Result<Response, AccountError> {
    let (token, expires_at) = state.accounts.access_token(&member)?;
    Ok(Json(json!({ "token": token, "expires_at": expires_at })).into_response())
}

/// What a member may see of themself: never an e-mail address, account id or token.
pub(super) fn member_json(member: &Member) -> serde_json::Value {
    json!({
        "public_id": member.public_id,
        "nickname": member.nickname,
        "role": member.role,
    })
}

fn logged_in_response(state: &AppState, status: StatusCode, logged_in: LoggedIn) -> Response {
    let cookie = session_cookie(&logged_in.session, state.accounts.is_https());
    (status, [cookie], Json(member_json(&logged_in.member))).into_response()
}
