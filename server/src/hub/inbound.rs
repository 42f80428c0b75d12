//! Reading the member's frames: text only, within the size limit, parsed into a message or
//! answered with precisely what is wrong (bad JSON, unknown type, bad field, too large).
use super::limits::FRAME_BYTES;
use super::protocol::{ClientMessage, ErrorBody, ErrorCode, Rid};
use super::words::{self, FieldProblem};
use axum::extract::ws::{Message, WebSocket};
use futures_util::StreamExt;

/// A refused message, boxed: the error path is rare and the body is large.
pub(crate) type Reject = Box<ErrorBody>;

pub(super) enum Incoming {
    Message(ClientMessage),
    Rejected(Reject),
    /// A ping or pong: nothing to do, but the member's side is alive.
    Heartbeat,
    /// The transport refused a frame beyond TRANSPORT_FRAME_BYTES.
    TooBig,
    /// The transport refused a text frame that is not UTF-8.
    BadText,
    /// The member closed the connection.
    Closed,
    /// The connection broke without a close (a network drop): the member may come back.
    Lost,
}

/// Cancel-safe (a frame half read stays in the transport's buffer): the session polls it in a
/// `select!` beside its writes and timers.
pub(super) async fn next_message(socket: &mut WebSocket) -> Incoming {
    let text = match socket.next().await {
        Some(Ok(Message::Text(text))) => text,
        Some(Ok(Message::Binary(_))) => {
            let mut error = error_body(None, ErrorCode::BadFrame);
            error.message = "テキストのメッセージ（JSON）だけを受け付けています。".to_string();
            return Incoming::Rejected(error.into());
        }
        // The transport answers pings itself.
        Some(Ok(Message::Ping(_) | Message::Pong(_))) => return Incoming::Heartbeat,
        Some(Err(error)) => {
            return match transport_error(&error) {
                Some(tungstenite::Error::Capacity(_)) => Incoming::TooBig,
                Some(tungstenite::Error::Utf8(_)) => Incoming::BadText,
                _ => Incoming::Lost,
            }
        }
        Some(Ok(Message::Close(_))) => return Incoming::Closed,
        None => return Incoming::Lost,
    };
    match parse(&text) {
        Ok(message) => Incoming::Message(message),
        Err(error) => Incoming::Rejected(error),
    }
}

/// Reads and discards until the client's close (or the end): the rest of a closing handshake.
pub(super) async fn until_closed(socket: &mut WebSocket) {
    while let Some(Ok(message)) = socket.next().await {
        if matches!(message, Message::Close(_)) {
            return;
        }
    }
}

fn transport_error(error: &axum::Error) -> Option<&tungstenite::Error> {
    // axum wraps the tungstenite error (same version as axum's) in a boxed error.
    std::error::Error::source(error).and_then(|source| source.downcast_ref::<tungstenite::Error>())
}

/// Parses a frame into a message, or explains precisely what is wrong with it.
pub(crate) fn parse(text: &str) -> Result<ClientMessage, Reject> {
    if text.len() > FRAME_BYTES {
        // Only an SDP answer may be larger (it grows with the tracks heard): up to the
        // transport's limit, which bounds the parsing anyway.
        return match serde_json::from_str::<ClientMessage>(text) {
            Ok(message @ ClientMessage::VoiceAnswer { .. }) => Ok(message),
            _ => {
                let mut error = error_body(top_level_rid(text), ErrorCode::FrameTooLarge);
                error.limit = Some(FRAME_BYTES);
                Err(Box::new(error))
            }
        };
    }
    // The common case parses once; only a failure pays for a second look.
    serde_json::from_str::<ClientMessage>(text).map_err(|_| Box::new(classify(text)))
}

/// The request's `rid`, if the frame is JSON with a valid one at the top: one pass over at most
/// the transport's frame limit, skipping every other value without building it.
fn top_level_rid(text: &str) -> Option<Rid> {
    #[derive(serde::Deserialize)]
    struct RidOnly {
        #[serde(default)]
        rid: Option<Rid>,
    }
    serde_json::from_str::<RidOnly>(text).ok()?.rid
}

fn classify(text: &str) -> ErrorBody {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return error_body(None, ErrorCode::BadFrame);
    };
    let rid = value.get("rid");
    let valid_rid = rid.and_then(|r| serde_json::from_value::<Rid>(r.clone()).ok());
    let Some(kind) = value.get("type").and_then(|t| t.as_str()) else {
        let mut error = error_body(valid_rid, ErrorCode::UnknownType);
        error.field = Some("type".to_string());
        error.detail = Some("missing `type`".to_string());
        return error;
    };
    // The tag alone tells an unknown type from a known one with a bad field: serde names an
    // unknown tag as "unknown variant `<tag>`" (an inner enum's bad value names that value).
    let tag_only = serde_json::json!({ "type": kind });
    let unknown_tag = format!("unknown variant `{kind}`");
    if serde_json::from_value::<ClientMessage>(tag_only)
        .is_err_and(|e| e.to_string().contains(&unknown_tag))
    {
        let mut error = error_body(valid_rid, ErrorCode::UnknownType);
        error.field = Some("type".to_string());
        error.detail = Some(format!("unknown type `{kind}`"));
        return error;
    }
    let mut error = error_body(valid_rid.clone(), ErrorCode::BadRequest);
    if rid.is_some() && valid_rid.is_none() {
        // A rid that is not one (negative, fractional, an object…) cannot be echoed; say so.
        error.field = Some("rid".to_string());
        error.message = words::bad_field("rid", FieldProblem::Invalid);
        error.detail = Some("`rid` must be a whole number from 0, or a string".to_string());
        return error;
    }
    if let Err(e) = serde_json::from_value::<ClientMessage>(value.clone()) {
        let detail = without_position(&e);
        let problem = field_problem(&detail, &value);
        if let Some((field, problem)) = &problem {
            error.message = words::bad_field(field, *problem);
        }
        error.field = problem.map(|(field, _)| field);
        error.detail = Some(detail);
    }
    error
}

/// serde's message without the line/column noise (always line 1 for a frame).
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.find(" at line ") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// The field serde's message names, and what is wrong with it, when it names one. An unknown
/// field is one of the frame's own keys (which may hold a backtick, so it is matched, not cut
/// out of serde's text); a missing one is ours.
fn field_problem(detail: &str, frame: &serde_json::Value) -> Option<(String, FieldProblem)> {
    if let Some(rest) = detail.strip_prefix("unknown field `") {
        let name = frame
            .as_object()?
            .keys()
            .filter(|key| rest.starts_with(&format!("{key}`")))
            .max_by_key(|key| key.len())?;
        return Some((name.clone(), FieldProblem::Unknown));
    }
    let rest = detail.strip_prefix("missing field `")?;
    Some((rest.split('`').next()?.to_string(), FieldProblem::Missing))
}

pub(super) fn error_body(rid: Option<Rid>, code: ErrorCode) -> ErrorBody {
    ErrorBody::new(rid, code, words::error_message(code))
}
