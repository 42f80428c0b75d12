//! What the accounts endpoints take from a request: the caller's address, their session
//! cookie and the member behind it, and JSON bodies with typed errors. HTTP statuses for
//! "who are you" are decided here, not in each handler.
use super::AppState;
use crate::accounts::AccountError;
use crate::auth::Grant;
use crate::model::Member;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::{COOKIE, RETRY_AFTER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "ibasho_session";
const X_FORWARDED_FOR: &str = "x-forwarded-for";

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

/// The client's IP address, the rate limits' key: the peer's own, unless the peer is a
/// trusted reverse proxy (`--trusted-proxy`, docs/operations.md).
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AccountError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .ok_or_else(|| AccountError::Internal("no peer address".into()))?;
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.trusted_proxies,
        )))
    }
}

/// Behind trusted proxies the client is the nearest X-Forwarded-For entry that is not a
/// trusted proxy itself, read from the right: each proxy appends the address it saw, and
/// anything further left came from the client and may be made up. An entry that does not
/// parse ends the walk at the last address known to be a trusted proxy.
fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(&client) {
        return client;
    }
    let hops: Vec<&str> = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        let Some(ip) = forwarded_ip(hop.trim()) else {
            break;
        };
        client = ip;
        if !trusted.contains(&client) {
            break;
        }
    }
    client
}

/// `203.0.113.7`, `2001:db8::7`, or either with a port (`[2001:db8::7]:443`).
fn forwarded_ip(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
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

/// A logged-in member who moderates the space: suspends accounts, reads reports.
pub struct Moderator(pub Member);

impl FromRequestParts<AppState> for Moderator {
    type Rejection = AccountError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        member_with(parts, state, Grant::Moderate)
            .await
            .map(Moderator)
    }
}

/// A logged-in member who takes consultations: writes notes, proposes sharing.
pub struct Counsellor(pub Member);

impl FromRequestParts<AppState> for Counsellor {
    type Rejection = AccountError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        member_with(parts, state, Grant::TakeConsultations)
            .await
            .map(Counsellor)
    }
}

/// A logged-in member who may read counsellors' notes.
pub struct NoteReader(pub Member);

impl FromRequestParts<AppState> for NoteReader {
    type Rejection = AccountError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        member_with(parts, state, Grant::ReadNotes)
            .await
            .map(NoteReader)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(X_FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn without_a_trusted_proxy_the_header_is_ignored() {
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            client_ip(ip("203.0.113.9"), &headers, &[]),
            ip("203.0.113.9")
        );
        // A client sending the header itself, straight to the server, changes nothing.
        let trusted = [ip("127.0.0.1")];
        assert_eq!(
            client_ip(ip("203.0.113.9"), &headers, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let trusted = [ip("127.0.0.1"), ip("10.0.0.2")];
        let peer = ip("127.0.0.1");
        // What a client wrote itself (leftmost) is never believed over what a proxy saw.
        let headers = forwarded(&["6.6.6.6, 198.51.100.1"]);
        assert_eq!(client_ip(peer, &headers, &trusted), ip("198.51.100.1"));
        // Two proxies, the header split over two lines.
        let headers = forwarded(&["6.6.6.6", "198.51.100.1, 10.0.0.2"]);
        assert_eq!(client_ip(peer, &headers, &trusted), ip("198.51.100.1"));
        // Ports and brackets, and IPv4 written as IPv6.
        let headers = forwarded(&["[2001:db8::7]:443"]);
        assert_eq!(client_ip(peer, &headers, &trusted), ip("2001:db8::7"));
        let headers = forwarded(&["198.51.100.1:5555"]);
        assert_eq!(client_ip(peer, &headers, &trusted), ip("198.51.100.1"));
        assert_eq!(
            client_ip(
                ip("::ffff:127.0.0.1"),
                &forwarded(&["::ffff:198.51.100.1"]),
                &trusted
            ),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_missing_or_garbled_header_leaves_the_last_trusted_address() {
        let trusted = [ip("127.0.0.1"), ip("10.0.0.2")];
        let peer = ip("127.0.0.1");
        assert_eq!(client_ip(peer, &HeaderMap::new(), &trusted), peer);
        assert_eq!(client_ip(peer, &forwarded(&["unknown"]), &trusted), peer);
        assert_eq!(
            client_ip(
                peer,
                &forwarded(&["198.51.100.1, garbage, 10.0.0.2"]),
                &trusted
            ),
            ip("10.0.0.2")
        );
    }
}
