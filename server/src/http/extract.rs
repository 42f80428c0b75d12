//! What the accounts endpoints take from a request: the caller's address, their session
//! cookie and the member behind it, and JSON bodies with typed errors. HTTP statuses for
//! "who are you" are decided here, not in each handler.
use super::AppState;
use crate::accounts::AccountError;
use crate::auth::Grant;
use crate::member::Member;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::{COOKIE, RETRY_AFTER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "ibasho_session";

impl IntoResponse for AccountError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = self.details();
        body["error"] = self.code().into();
        body["message"] = self.message().into();
        let mut response = (status, Json(body)).into_response();
        if let AccountError::RateLimited { retry_after } = &self {
            if let Ok(value) = HeaderValue::from_str(&retry_after.as_secs().max(1).to_string()) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
        }
        response
    }
}

/// The peer's IP address (the rate limits' key). Behind a reverse proxy every request
/// comes from the proxy: see docs/operations.md.
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = AccountError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| ClientIp(addr.ip()))
            .ok_or_else(|| AccountError::Internal("no peer address".into()))
    }
}

/// The session token from the cookie, if there is one.
pub struct SessionCookie(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for SessionCookie {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|header| header.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == SESSION_COOKIE)
            .map(|(_, value)| value.to_string())
            .filter(|value| !value.is_empty());
        Ok(SessionCookie(token))
    }
}

/// A logged-in member (`401 not_logged_in` otherwise).
pub struct LoggedInMember {
    pub member: Member,
}

impl FromRequestParts<AppState> for LoggedInMember {
    type Rejection = AccountError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SessionCookie(token) = SessionCookie::from_request_parts(parts, state)
            .await
            .unwrap_or(SessionCookie(None));
        let session = token.ok_or(AccountError::NotLoggedIn)?;
        let member = state.accounts.session_member(&session).await?;
        Ok(LoggedInMember { member })
    }
}

/// The logged-in member, if they hold `grant` (`403 forbidden` otherwise).
async fn member_with(
    parts: &mut Parts,
    state: &AppState,
    grant: Grant,
) -> Result<Member, AccountError> {
    let LoggedInMember { member } = LoggedInMember::from_request_parts(parts, state).await?;
    if !member.role.has(grant) {
        return Err(AccountError::Forbidden);
    }
    Ok(member)
}

/// A logged-in member who reviews applications.
pub struct Reviewer(pub Member);

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = AccountError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        member_with(parts, state, Grant::ReviewApplications)
            .await
            .map(Reviewer)
    }
}

/// A logged-in member who manages accounts and may see e-mail addresses.
pub struct AccountAdmin(pub Member);

impl FromRequestParts<AppState> for AccountAdmin {
    type Rejection = AccountError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        member_with(parts, state, Grant::ManageAccounts)
            .await
            .map(AccountAdmin)
    }
}

/// A JSON body whose mistakes are answered in the API's own error shape: `415` for another
/// content type (which also keeps other sites' plain forms out), `400 invalid` otherwise.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Response;
    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err((
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                Json(serde_json::json!({
                    "error": "unsupported_media_type",
                    "message": "送信の形式が正しくありません（application/json で送ってください）。",
                })),
            )
                .into_response()),
            Err(rejection) => {
                let mut response = AccountError::invalid(
                    "body",
                    "送られた内容を読み取れませんでした。入力をもう一度確かめてください。",
                )
                .into_response();
                // What exactly was wrong, for whoever is writing a client.
                if let Ok(value) = HeaderValue::from_str(&rejection.body_text().replace(['\r', '\n'], " ")) {
                    response.headers_mut().insert("x-ibasho-detail", value);
                }
                Err(response)
            }
        }
    }
}

/// `Set-Cookie` for a new session (`Secure` when the space is served over HTTPS).
pub fn session_cookie(token: &str, secure: bool) -> (axum::http::HeaderName, String) {
    let max_age = crate::accounts::SESSION_TTL.as_secs();
    let secure = if secure { "; Secure" } else { "" };
    (
        SET_COOKIE,
        format!(
            "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}"
        ),
    )
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> (axum::http::HeaderName, String) {
    let secure = if secure { "; Secure" } else { "" };
    (
        SET_COOKIE,
        format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{secure}"),
    )
}
