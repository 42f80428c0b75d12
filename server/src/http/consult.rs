//! Counsellors' notes and consent to share over HTTP (docs/accounts.md, "Counsellors'
//! notes", "Consent to share"). Grants are checked by the extractors; the flows are
//! consult's.
use super::extract::{Counsellor, JsonBody, LoggedInMember, NoteReader};
use super::AppState;
use crate::auth::Grant;
use crate::consult::consent::Information;
use crate::consult::{ConsultError, Decision, Proposal};
use crate::model::PublicId;
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/notes", get(read_notes).post(write_note))
        .route("/api/consents", get(consents_about).post(propose))
        .route("/api/consents/{id}/export", get(export_json))
        .route("/api/consents/{id}/export.html", get(export_html))
        .route("/api/me/consents", get(my_consents))
        .route("/api/me/consents/{id}/{decision}", post(decide))
}

impl IntoResponse for ConsultError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut body = self.details();
        body["error"] = self.code().into();
        body["message"] = self.message().into();
        (status, Json(body)).into_response()
    }
}

#[derive(Deserialize)]
struct ForMember {
    member: Option<String>,
}

impl ForMember {
    fn id(self) -> Result<PublicId, ConsultError> {
        self.member
            .map(|m| PublicId(m.trim().to_string()))
            .filter(|m| !m.0.is_empty())
            .ok_or_else(|| {
                ConsultError::invalid("member", "どの参加者か（member の id）を指定してください。")
            })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteRequest {
    member: String,
    text: String,
}

async fn write_note(
    State(state): State<AppState>,
    Counsellor(counsellor): Counsellor,
    JsonBody(request): JsonBody<NoteRequest>,
) -> Result<Response, ConsultError> {
    let member = ForMember {
        member: Some(request.member),
    }
    .id()?;
    let note = state
        .notes
        .write(&counsellor.public_id, &member, &request.text)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "note": note }))).into_response())
}

async fn read_notes(
    State(state): State<AppState>,
    NoteReader(reader): NoteReader,
    Query(query): Query<ForMember>,
) -> Result<Response, ConsultError> {
    let notes = state.notes.read(&reader.public_id, &query.id()?).await?;
    Ok(Json(json!({ "notes": notes })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProposeRequest {
    member: String,
    recipient: String,
    purpose: String,
    information: Vec<Information>,
    legal_basis: String,
}

async fn propose(
    State(state): State<AppState>,
    Counsellor(counsellor): Counsellor,
    JsonBody(request): JsonBody<ProposeRequest>,
) -> Result<Response, ConsultError> {
    let member = ForMember {
        member: Some(request.member),
    }
    .id()?;
    let proposal = Proposal {
        recipient: request.recipient,
        purpose: request.purpose,
        information: request.information,
        legal_basis: request.legal_basis,
    };
    let consent = state
        .consents
        .propose(&counsellor.public_id, &member, proposal)
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "consent": consent }))).into_response())
}

async fn consents_about(
    State(state): State<AppState>,
    Counsellor(_): Counsellor,
    Query(query): Query<ForMember>,
) -> Result<Response, ConsultError> {
    let consents = state.consents.about(&query.id()?).await?;
    Ok(Json(json!({ "consents": consents })).into_response())
}

async fn my_consents(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
) -> Result<Response, ConsultError> {
    let consents = state.consents.about(&member.public_id).await?;
    Ok(Json(json!({ "consents": consents })).into_response())
}

async fn decide(
    State(state): State<AppState>,
    LoggedInMember { member }: LoggedInMember,
    Path((id, decision)): Path<(String, String)>,
) -> Result<Response, ConsultError> {
    let decision = match decision.as_str() {
        "agree" => Decision::Agree,
        "decline" => Decision::Decline,
        "withdraw" => Decision::Withdraw,
        _ => return Err(ConsultError::UnknownConsent),
    };
    let consent = state.consents.decide(&member, &id, decision).await?;
    Ok(Json(json!({ "consent": consent })).into_response())
}

async fn export(
    state: &AppState,
    counsellor: &crate::model::Member,
    id: &str,
) -> Result<Value, ConsultError> {
    state
        .consents
        .export(
            &counsellor.public_id,
            id,
            counsellor.role.has(Grant::ReadNotes),
        )
        .await
}

async fn export_json(
    State(state): State<AppState>,
    Counsellor(counsellor): Counsellor,
    Path(id): Path<String>,
) -> Result<Response, ConsultError> {
    Ok(Json(export(&state, &counsellor, &id).await?).into_response())
}

/// The same export as a page to read and print (Japanese: the recipient is a Japanese
/// organisation).
async fn export_html(
    State(state): State<AppState>,
    Counsellor(counsellor): Counsellor,
    Path(id): Path<String>,
) -> Result<Response, ConsultError> {
    let export = export(&state, &counsellor, &id).await?;
    let tz = state.space.space.timezone;
    Ok((
        [(CONTENT_TYPE, "text/html; charset=utf-8")],
        printable(&export, tz),
    )
        .into_response())
}

/// The printable page: every value escaped, no script, the client's own style sheet (the
/// page policy allows no inline style).
fn printable(export: &Value, tz: chrono_tz::Tz) -> String {
    let text = |v: &Value| escape(v.as_str().unwrap_or(""));
    let when = |v: &Value| {
        v.as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| crate::schedule::format_ja(t.with_timezone(&tz).fixed_offset()))
            .unwrap_or_default()
    };
    let consent = &export["consent"];
    let information: Vec<&str> = consent["information"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| match i.as_str() {
            Some("nickname") => Some("ニックネーム"),
            Some("age_group") => Some("年代"),
            Some("notes") => Some("相談員のメモ"),
            _ => None,
        })
        .collect();
    let person = &export["person"];
    let mut facts = vec![("参加者ID", text(&person["id"]))];
    if let Some(nickname) = person.get("nickname") {
        facts.push(("ニックネーム", text(nickname)));
    }
    if let Some(group) = person.get("age_group") {
        let band = match group.as_str() {
            Some("10s") => "10代",
            Some("20s") => "20代",
            Some("30s") => "30代",
            Some("40s_plus") => "40代以上",
            _ => "答えない",
        };
        facts.push(("年代", band.to_string()));
    }
    let rows = |facts: &[(&str, String)]| {
        facts
            .iter()
            .map(|(k, v)| format!("<dt>{k}</dt><dd>{v}</dd>"))
            .collect::<String>()
    };
    let notes: String = export["notes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| {
            format!(
                "<article><h3>{}</h3><p>{}</p></article>",
                when(&n["written_at"]),
                text(&n["text"]).replace('\n', "<br>")
            )
        })
        .collect();
    let notes = if export.get("notes").is_some() {
        format!("<section><h2>相談員のメモ</h2>{notes}</section>")
    } else {
        String::new()
    };
    format!(
        "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
<title>情報提供書（ご本人の同意にもとづく）</title>\
<link rel=\"stylesheet\" href=\"/style.css\">\
</head><body><main><h1>情報提供書（ご本人の同意にもとづく）</h1>\
<section><h2>同意の内容</h2><dl class=\"facts\">{}</dl></section>\
<section><h2>ご本人</h2><dl class=\"facts\">{}</dl></section>{notes}\
<p>出力: {}（{}）</p></main></body></html>\n",
        rows(&[
            ("提供先", text(&consent["recipient"])),
            ("目的", text(&consent["purpose"])),
            ("提供する情報", escape(&information.join("、"))),
            ("根拠", text(&consent["legal_basis"])),
            ("同意した日時", when(&consent["agreed_at"])),
            ("同意の記録", text(&consent["id"])),
        ]),
        rows(&facts),
        when(&export["exported_at"]),
        text(&export["exported_by"]),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
