//! Reading the member's frames: text only, within the size limit, parsed into a message or
//! answered with precisely what is wrong (bad JSON, unknown type, bad field, too large).
use super::limits::FRAME_BYTES;
use super::protocol::{ClientMessage, ErrorBody, ErrorCode, Rid};
use super::words;
use axum::extract::ws::{Message, WebSocket};
use futures_util::stream::SplitStream;
use futures_util::StreamExt;

pub(super) type Stream = SplitStream<WebSocket>;
/// A refused message, boxed: the error path is rare and the body is large.
pub(super) type Reject = Box<ErrorBody>;

pub(super) enum Incoming {
    Message(ClientMessage),
    Rejected(Reject),
    /// A ping or pong: nothing to do, but the member's side is alive.
    Heartbeat,
    /// The transport refused a frame beyond TRANSPORT_FRAME_BYTES.
    TooBig,
    /// The member closed the connection.
    Closed,
    /// The connection broke without a close (a network drop): the member may come back.
    Lost,
}

pub(super) async fn next_message(stream: &mut Stream) -> Incoming {
    let text = match stream.next().await {
        Some(Ok(Message::Text(text))) => text,
        Some(Ok(Message::Binary(_))) => {
            let mut error = error_body(None, ErrorCode::BadFrame);
            error.message = "テキストのメッセージ（JSON）だけを受け付けています。".to_string();
            return Incoming::Rejected(error.into());
        }
        // The transport answers pings itself.
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Incoming::Heartbeat,
        Some(Err(error)) if is_capacity_error(&error) => return Incoming::TooBig,
        Some(Ok(Message::Close(_))) => return Incoming::Closed,
        Some(Err(_)) | None => return Incoming::Lost,
    };
    match parse(&text) {
        Ok(message) => Incoming::Message(message),
        Err(error) => Incoming::Rejected(error),
    }
}

/// Reads and discards until the client's close (or the end): the rest of a closing handshake.
pub(super) async fn until_closed(stream: &mut Stream) {
    while let Some(Ok(message)) = stream.next().await {
        if matches!(message, Message::Close(_)) {
            return;
        }
    }
}

fn is_capacity_error(error: &axum::Error) -> bool {
    // axum wraps the tungstenite error (same version as axum's) in a boxed error.
    std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<tungstenite::Error>())
        .is_some_and(|e| matches!(e, tungstenite::Error::Capacity(_)))
}

/// Parses a frame into a message, or explains precisely what is wrong with it.
pub(super) fn parse(text: &str) -> Result<ClientMessage, Reject> {
    let too_large = || {
        let mut error = error_body(None, ErrorCode::FrameTooLarge);
        error.limit = Some(FRAME_BYTES);
        Box::new(error)
    };
    if text.len() > FRAME_BYTES {
        // Only an SDP answer may be larger (it grows with the tracks heard): up to the
        // transport's limit, which bounds the parsing anyway.
        return match serde_json::from_str::<ClientMessage>(text) {
            Ok(message @ ClientMessage::VoiceAnswer { .. }) => Ok(message),
            _ => Err(too_large()),
        };
    }
    // The common case parses once; only a failure pays for a second look.
    serde_json::from_str::<ClientMessage>(text).map_err(|_| Box::new(classify(text)))
}

fn classify(text: &str) -> ErrorBody {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return error_body(None, ErrorCode::BadFrame);
    };
    let rid = value
        .get("rid")
        .and_then(|r| serde_json::from_value::<Rid>(r.clone()).ok());
    let Some(kind) = value.get("type").and_then(|t| t.as_str()) else {
        return error_body(rid, ErrorCode::UnknownType);
    };
    // The tag alone tells an unknown type from a known one with a bad field: serde names an
    // unknown tag as "unknown variant `<tag>`" (an inner enum's bad value names that value).
    let tag_only = serde_json::json!({ "type": kind });
    let unknown_tag = format!("unknown variant `{kind}`");
    if serde_json::from_value::<ClientMessage>(tag_only)
        .is_err_and(|e| e.to_string().contains(&unknown_tag))
    {
        let mut error = error_body(rid, ErrorCode::UnknownType);
        error.message = format!(
            "{}（type: {kind}）",
            words::error_message(ErrorCode::UnknownType)
        );
        return error;
    }
    let mut error = error_body(rid, ErrorCode::BadRequest);
    if let Err(e) = serde_json::from_value::<ClientMessage>(value) {
        error.message = format!(
            "{}（{}）",
            words::error_message(ErrorCode::BadRequest),
            field_problem(&e)
        );
    }
    error
}

/// serde's message without the line/column noise (always line 1 for a frame).
fn field_problem(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.find(" at line ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

pub(super) fn error_body(rid: Option<Rid>, code: ErrorCode) -> ErrorBody {
    ErrorBody::new(rid, code, words::error_message(code))
}
