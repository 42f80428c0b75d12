//! HTTP: the WebSocket endpoint, the public schedule API, accounts, health, and the web
//! client's files.
mod accounts;
mod admin;
mod booking;
mod calendar;
mod connections;
mod consult;
mod extract;
mod page_policy;
mod schedule;
mod staff;

pub use connections::{serve, HttpLimits, Pending};
pub use page_policy::PagePolicy;

use crate::accounts::Accounts;
use crate::config::SpaceConfig;
use crate::consult::booking::Bookings;
use crate::hub::{limits, run_session, Hub};
use crate::schedule::{Clock, Schedule};
use axum::extract::{Extension, Request, State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tower::{service_fn, ServiceExt};
use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::timeout::TimeoutLayer;

#[derive(Clone)]
pub struct AppState {
    pub hub: Hub,
    pub accounts: Accounts,
    pub bookings: Bookings,
    pub trusted_proxies: Arc<[IpAddr]>,
    /// The public schedule and calendar read these; the hub keeps its own.
    pub space: Arc<SpaceConfig>,
    pub schedule: Arc<Schedule>,
    pub clock: Arc<dyn Clock>,
    /// Counsellors' notes and the consent ledger.
    pub notes: crate::consult::Notes,
    pub consents: crate::consult::Consents,
}

/// What the handlers share: each request reaches the hub, the accounts flows and the list of
/// trusted proxies (to find the person behind one).
pub fn router(state: AppState, limits: &HttpLimits, page: PagePolicy, web_dir: PathBuf) -> Router {
    let index = ServeFile::new(web_dir.join("index.html"));
    let api = Router::new()
        .route("/ws", get(websocket))
        .route("/healthz", get(healthz))
        .route("/api/schedule", get(schedule::windows))
        .route("/api/status", get(schedule::status))
        .route("/api/calendar.ics", get(calendar::ics))
        .merge(accounts::routes())
        .merge(admin::routes())
        .merge(booking::routes())
        .merge(consult::routes())
        .merge(staff::routes())
        // An unknown API path is an error, not a page.
        .route("/api/{*rest}", any(api_not_found))
        .with_state(state);
    let files = Router::new()
        // The pages that e-mails link to, by their short names.
        .route_service("/apply", ServeFile::new(web_dir.join("apply.html")))
        .route_service("/register", ServeFile::new(web_dir.join("register.html")))
        .route_service("/login", ServeFile::new(web_dir.join("login.html")))
        .route_service("/account", ServeFile::new(web_dir.join("account.html")))
        .route_service("/space", ServeFile::new(web_dir.join("space.html")))
        // Everything else is the web client's: a file, or else the public page for an
        // address that names no file.
        .fallback_service(
            ServeDir::new(web_dir).fallback(service_fn(move |request: Request| {
                let index = index.clone();
                async move {
                    if names_a_file(request.uri().path()) {
                        return Ok((StatusCode::NOT_FOUND, "not found").into_response());
                    }
                    index
                        .oneshot(request)
                        .await
                        .map(IntoResponse::into_response)
                }
            })),
        )
        // The client's files only: API replies carry tokens, and compressing a secret next to
        // what a request echoes can leak it (BREACH). Videos stay as they are, seekable.
        .layer(
            CompressionLayer::new().compress_when(
                DefaultPredicate::new()
                    .and(NotForContentType::const_new("video/"))
                    .and(NotForContentType::const_new("audio/")),
            ),
        );
    // Reading a request's body counts against the request's time: a body sent a byte at a
    // time cannot hold a connection. A WebSocket's upgrade answers at once and is not held.
    let timeout =
        TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout);
    page.apply(api.merge(files).layer(timeout))
}

/// `pending` is the connection's place among its address's unauthenticated connections: the
/// session lets it go once `auth` succeeds.
async fn websocket(
    State(state): State<AppState>,
    Extension(pending): Extension<Pending>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let hub = state.hub;
    if hub.is_shutting_down() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    }
    upgrade
        // Small buffers: most members are quiet most of the time, and each idle connection
        // should cost a few KiB, not the 128 KiB defaults. Client frames are small (a larger
        // one grows the read buffer on demand); measured in docs/benchmarks.md.
        .read_buffer_size(1024)
        .write_buffer_size(4 * 1024)
        .max_write_buffer_size(1024 * 1024)
        // Frames up to FRAME_BYTES get a typed error from the session; beyond this the
        // transport closes with 1009.
        .max_message_size(limits::TRANSPORT_FRAME_BYTES)
        .max_frame_size(limits::TRANSPORT_FRAME_BYTES)
        .on_upgrade(move |socket| hub.track(run_session(socket, hub.clone(), pending)))
        .into_response()
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    Json(serde_json::json!({
        "status": if state.hub.is_shutting_down() { "stopping" } else { "ok" },
        "online": state.hub.online_count(),
    }))
}

/// Whether a missing `path` was a file: one under /media/ or with an extension. A video,
/// script or caption answered with the page's HTML breaks in a way nobody can see; a 404 lets
/// the page show its kind note instead.
fn names_a_file(path: &str) -> bool {
    let last = path.rsplit('/').next().unwrap_or_default();
    path.starts_with("/media/") || last.contains('.')
}

async fn api_not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({ "error": "not_found", "message": "no such API endpoint" })),
    )
}
