//! Avatars and names on a crowded map in real headless Chromium (tests/browser/map.mjs): the
//! browser's person registers through the page, choosing a face and a colour, and walks into
//! four people standing close together in the shipped free space (WebSocket members placed at
//! chosen points, one with a long nickname); every name shown stays legible (no two name
//! boxes meet), at desktop and at phone size. What it needs, and when it skips:
//! tests/support/browser.rs.
#[path = "support/mod.rs"]
mod support;

use serde_json::json;
use std::time::Duration;
use support::browser::{invitation, ready, run_script, shipped_free_space, space_with};
use support::Client;

/// The four, with their avatars, and where they stand (map units): on the open floor left of
/// the big table, within 90 of each other and of where the browser's person goes (305, 465):
/// their avatars overlap.
const CROWD: [(&str, &str, &str, f64, f64); 4] = [
    ("うみ", "rabbit", "#8fb8de", 270.0, 440.0),
    (
        "とても長いニックネームのひとです",
        "bear",
        "#f2d492",
        340.0,
        445.0,
    ),
    ("ゆき", "frog", "#d5a6bd", 285.0, 495.0),
    ("Alexandra", "star", "#a4c3b2", 330.0, 405.0),
];

#[tokio::test]
async fn names_stay_legible_on_a_crowded_map_in_chromium() {
    if !ready() {
        return;
    }
    let (server, sink, _) =
        space_with(&shipped_free_space(), "2026-12-09T12:05:00+09:00", 1.0, &[]).await;
    let token = invitation(&server, &sink, "sora@example.org", "participant", "そら").await;
    let mut crowd = Vec::new();
    for (nickname, shape, color, x, y) in CROWD {
        let (mut client, _) = Client::enter(&server, "participant", nickname, "hiroba").await;
        let avatar =
            json!({"type": "avatar", "rid": 1, "avatar": {"shape": shape, "color": color}});
        client.send(avatar).await;
        let reply = client.recv_reply("ack").await;
        assert_eq!(reply["type"], "ack", "{nickname}'s avatar: {reply}");
        client.send(json!({"type": "move", "x": x, "y": y})).await;
        crowd.push(client);
    }
    // They stay connected while the browser looks: their frames are read (and pings answered).
    let reading = tokio::spawn(async move {
        loop {
            for client in &mut crowd {
                client.drain(Duration::from_millis(100)).await;
            }
        }
    });
    run_script(
        "map.mjs",
        &[
            ("URL", server.http_url("")),
            (
                "INVITATION",
                server.http_url(&format!("/register#t={token}")),
            ),
            (
                "CROWD",
                json!(CROWD.map(|(nickname, ..)| nickname)).to_string(),
            ),
        ],
    )
    .await;
    reading.abort();
}
