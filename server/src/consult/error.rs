//! Every way a notes or consent request can fail: its wire code, HTTP status and the
//! Japanese sentence the page shows (the English page words it from the code, en.js).
use super::keyring::KeyRingError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ConsultError {
    /// One field of the request, worded for the person.
    #[error("invalid {field}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("no such member")]
    UnknownMember,
    #[error("no such consent")]
    UnknownConsent,
    /// The proposal is not (or no longer) open for this decision.
    #[error("consent already decided")]
    ConsentDecided,
    /// An export while the person's consent does not stand.
    #[error("consent not given")]
    ConsentNotGiven,
    #[error("forbidden")]
    Forbidden,
    /// The notes key file is missing, corrupt or lacks a note's key.
    #[error("notes key: {0}")]
    Key(#[from] KeyRingError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for ConsultError {
    fn from(e: StoreError) -> Self {
        // The store's messages carry no personal values, so they may be logged.
        tracing::error!(error = %e, "store error in notes or consent");
        ConsultError::Internal(e.to_string())
    }
}

impl ConsultError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ConsultError::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        use ConsultError::*;
        match self {
            Invalid { .. } => "invalid",
            UnknownMember => "unknown_member",
            UnknownConsent => "unknown_consent",
            ConsentDecided => "consent_decided",
            ConsentNotGiven => "consent_not_given",
            Forbidden => "forbidden",
            Key(_) => "notes_key",
            Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> u16 {
        use ConsultError::*;
        match self {
            Invalid { .. } => 400,
            Forbidden => 403,
            UnknownMember | UnknownConsent => 404,
            ConsentDecided | ConsentNotGiven => 409,
            Key(_) | Internal(_) => 500,
        }
    }

    pub fn message(&self) -> String {
        use ConsultError::*;
        match self {
            Invalid { message, .. } => message.clone(),
            UnknownMember => "その参加者は見つかりませんでした。退会された可能性があります。".into(),
            UnknownConsent => "この情報提供のご相談は見つかりませんでした。".into(),
            ConsentDecided => "このご相談には、すでにお返事が済んでいます。".into(),
            ConsentNotGiven => "ご本人の同意がないため、情報を出力できません（同意が撤回されたか、まだお返事がありません）。".into(),
            Forbidden => "この操作をする権限がありません。".into(),
            Key(error) => {
                tracing::error!(%error, "the notes key");
                "相談メモの鍵を読めませんでした。運営に連絡してください。".into()
            }
            Internal(_) => "いま、うまく処理できませんでした。時間をおいて、もう一度お試しください。".into(),
        }
    }

    /// Extra fields of the JSON body.
    pub fn details(&self) -> serde_json::Value {
        match self {
            ConsultError::Invalid { field, message } => serde_json::json!({
                "field": field,
                "problems": [{ "field": field, "message": message }],
            }),
            _ => serde_json::json!({}),
        }
    }
}
