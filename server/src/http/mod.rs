//! HTTP: the WebSocket endpoint, the public schedule API, accounts, health, and the web
//! client's files.
mod accounts;
mod admin;
mod calendar;
mod extract;
mod schedule;

use crate::accounts::Accounts;
use crate::app::App;
use crate::hub::{limits, run_session, Hub};
use axum::extract::{State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::services::{ServeDir, ServeFile};

#[derive(Clone)]
pub struct AppState {
    pub hub: Hub,
    pub accounts: Accounts,
    pub trusted_proxies: Arc<[IpAddr]>,
}

pub fn router(app: App, web_dir: PathBuf) -> Router {
    let index = ServeFile::new(web_dir.join("index.html"));
    Router::new()
        .route("/ws", get(websocket))
        .route("/healthz", get(healthz))
        .route("/api/schedule", get(schedule::windows))
        .route("/api/status", get(schedule::status))
        .route("/api/calendar.ics", get(calendar::ics))
        .merge(accounts::routes())
        .merge(admin::routes())
        // The pages that e-mails link to, by their short names.
        .route_service("/apply", ServeFile::new(web_dir.join("apply.html")))
        .route_service("/register", ServeFile::new(web_dir.join("register.html")))
        .route_service("/login", ServeFile::new(web_dir.join("login.html")))
        .route_service("/account", ServeFile::new(web_dir.join("account.html")))
        .route_service("/space", ServeFile::new(web_dir.join("space.html")))
        // Everything else is the web client's, but an unknown API path is an error, not a page.
        .route("/api/{*rest}", any(api_not_found))
        .fallback_service(ServeDir::new(web_dir).fallback(index))
        .with_state(AppState {
            hub: app.hub,
            accounts: app.accounts,
            trusted_proxies: app.trusted_proxies,
        })
}

async fn websocket(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
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
        .on_upgrade(move |socket| hub.track(run_session(socket, hub.clone())))
        .into_response()
}

async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    Json(serde_json::json!({
        "status": if state.hub.is_shutting_down() { "stopping" } else { "ok" },
        "online": state.hub.online_count(),
    }))
}

async fn api_not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({ "error": "not_found", "message": "no such API endpoint" })),
    )
}
