//! Every way an accounts request can fail, with its wire code, HTTP status and the kind
//! Japanese sentence the page shows as it is.
use super::nickname::{NicknameProblem, MAX_CHARS};
use crate::config::Wording;
use crate::store::StoreError;
use std::time::Duration;

/// What is wrong with one field of a request, worded for the person.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
    /// Which rule, where a page words it in another language from more than the field
    /// (`nickname_real_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// What the message suggests instead (the family name alone, for `nickname_real_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

impl Problem {
    pub fn new(field: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            field,
            message: message.into(),
            code: None,
            suggestion: None,
        }
    }

    pub fn nickname(problem: NicknameProblem) -> Problem {
        use NicknameProblem::*;
        let message = match problem {
            Empty => "ニックネームを入力してください。".to_string(),
            TooLong => format!("ニックネームは{MAX_CHARS}文字までにしてください。"),
            Email => "ニックネームにメールアドレスは使えません。ほかの人に連絡先が見えてしまうためです。".to_string(),
            Link => "ニックネームにURLやサイトのアドレスは使えません。".to_string(),
            Phone => "ニックネームに電話番号のような数字の並びは使えません。ほかの人に連絡先が見えてしまうためです。".to_string(),
            Control => "ニックネームに使えない文字が含まれています。".to_string(),
            Blocked => "そのニックネームには、この居場所で使えない言葉が含まれています。別のニックネームにしてください。".to_string(),
            RealName { keep } => {
                return Problem {
                    code: Some("nickname_real_name"),
                    suggestion: Some(keep.clone()),
                    ..Problem::new(
                        "nickname",
                        format!("本名のように見えるため、このニックネームは使えません。ここでは本名を出さずに過ごせます。「{keep}」だけにするか、好きなものや思いついた名前（たとえば「そら」「こもれび」）にしてみてください。"),
                    )
                }
            }
        };
        Problem::new("nickname", message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// One field or more (never none), in the form's order: a form is told every problem at
    /// once, not one per try.
    #[error("invalid {}", .0.iter().map(|p| p.field).collect::<Vec<_>>().join(", "))]
    Invalid(Vec<Problem>),
    #[error("rate limited")]
    RateLimited { retry_after: Duration },
    #[error("invitation unknown")]
    InvitationUnknown,
    #[error("invitation used")]
    InvitationUsed,
    /// `contact`: how to reach the office, whom the message asks the person to get in touch with.
    #[error("invitation expired")]
    InvitationExpired { contact: Option<Wording> },
    #[error("invitation revoked")]
    InvitationRevoked { contact: Option<Wording> },
    #[error("nickname taken")]
    NicknameTaken,
    #[error("e-mail already registered")]
    EmailRegistered,
    #[error("login failed")]
    LoginFailed,
    #[error("login link unknown")]
    LinkUnknown,
    #[error("login link used")]
    LinkUsed,
    #[error("login link expired")]
    LinkExpired,
    #[error("not logged in")]
    NotLoggedIn,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("already decided")]
    AlreadyDecided,
    #[error("invitation closed")]
    InvitationClosed,
    #[error("mail could not be sent")]
    MailFailed,
    #[error("internal error: {0}")]
    Internal(String),
    /// The account is suspended: `message` says why and whom to ask.
    #[error("account suspended")]
    Suspended { message: String },
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        // The store's messages carry no personal values, so they may be logged.
        tracing::error!(error = %e, "store error in the accounts flow");
        AccountError::Internal(e.to_string())
    }
}

impl From<Problem> for AccountError {
    fn from(problem: Problem) -> Self {
        AccountError::Invalid(vec![problem])
    }
}

impl AccountError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Problem::new(field, message).into()
    }

    /// The wire code (`"error"` in the JSON body).
    pub fn code(&self) -> &'static str {
        use AccountError::*;
        match self {
            Invalid(_) => "invalid",
            RateLimited { .. } => "rate_limited",
            InvitationUnknown => "invitation_unknown",
            InvitationUsed => "invitation_used",
            InvitationExpired { .. } => "invitation_expired",
            InvitationRevoked { .. } => "invitation_revoked",
            NicknameTaken => "nickname_taken",
            EmailRegistered => "email_registered",
            LoginFailed => "login_failed",
            LinkUnknown => "link_unknown",
            LinkUsed => "link_used",
            LinkExpired => "link_expired",
            NotLoggedIn => "not_logged_in",
            Forbidden => "forbidden",
            NotFound => "not_found",
            AlreadyDecided => "already_decided",
            InvitationClosed => "invitation_closed",
            MailFailed => "mail_failed",
            Internal(_) => "internal",
            Suspended { .. } => "account_suspended",
        }
    }

    pub fn status(&self) -> u16 {
        use AccountError::*;
        match self {
            Invalid(_) => 400,
            LoginFailed | NotLoggedIn => 401,
            Forbidden | Suspended { .. } => 403,
            InvitationUnknown | LinkUnknown | NotFound => 404,
            NicknameTaken | EmailRegistered | AlreadyDecided | InvitationClosed => 409,
            InvitationUsed
            | InvitationExpired { .. }
            | InvitationRevoked { .. }
            | LinkUsed
            | LinkExpired => 410,
            RateLimited { .. } => 429,
            Internal(_) => 500,
            MailFailed => 502,
        }
    }

    /// What the person reads: what happened and what they can do now.
    pub fn message(&self) -> String {
        use AccountError::*;
        match self {
            Invalid(problems) => problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_default(),
            RateLimited { retry_after } => {
                let minutes = retry_after.as_secs().div_ceil(60).max(1);
                format!("短い時間に何度も送られたため、いまは受け付けられません。{minutes}分ほどたってから、もう一度お試しください。")
            }
            InvitationUnknown => "この招待リンクは見つかりませんでした。メールのリンクが途中で切れていないか、もう一度確かめてください。".into(),
            InvitationUsed => "この招待リンクは、すでに登録に使われています。登録がお済みの方は、ログインのページからお入りください。".into(),
            InvitationExpired { contact } => with_contact("この招待リンクは有効期限が過ぎています。お手数ですが、もう一度お申し込みいただくか、運営にご連絡ください。新しいリンクをお送りします。", contact),
            InvitationRevoked { contact } => with_contact("この招待リンクは運営が取り消しました。ご不明な点は運営にお問い合わせください。", contact),
            NicknameTaken => "そのニックネームは、ほかの方が使っています。別のニックネームにしてください。".into(),
            EmailRegistered => "このメールアドレスは、すでに登録されています。ログインのページからお入りください。".into(),
            LoginFailed => "メールアドレスかパスフレーズが違うようです。パスフレーズを忘れたときは、ログイン用のリンクをメールで受け取れます。".into(),
            LinkUnknown => "このログイン用リンクは見つかりませんでした。メールのリンクが途中で切れていないか、もう一度確かめてください。".into(),
            LinkUsed => "このログイン用リンクは、すでに使われています。もう一度ログインのページからリンクを受け取ってください。".into(),
            LinkExpired => "このログイン用リンクは有効期限が過ぎています。もう一度ログインのページからリンクを受け取ってください。".into(),
            NotLoggedIn => "ログインしていません。ログインのページからお入りください。".into(),
            Forbidden => "この操作をする権限がありません。".into(),
            NotFound => "見つかりませんでした。すでに処理されたか、削除された可能性があります。".into(),
            AlreadyDecided => "この申し込みは、すでに承認または見送りが済んでいます。".into(),
            InvitationClosed => "この招待は、すでに使われたか取り消されています。".into(),
            MailFailed => "メールを送れませんでした。時間をおいて、もう一度お試しください。".into(),
            Internal(_) => "いま、うまく処理できませんでした。時間をおいて、もう一度お試しください。".into(),
            Suspended { message } => message.clone(),
        }
    }

    /// Extra fields of the JSON body.
    pub fn details(&self) -> serde_json::Value {
        match self {
            AccountError::Invalid(problems) => serde_json::json!({
                "field": problems.first().map(|p| p.field),
                "problems": problems,
            }),
            AccountError::RateLimited { retry_after } => {
                serde_json::json!({ "retry_after_s": retry_after.as_secs().max(1) })
            }
            // A page in English words the message itself, and names the office from these.
            AccountError::InvitationExpired {
                contact: Some(contact),
            }
            | AccountError::InvitationRevoked {
                contact: Some(contact),
            } => {
                let mut details = serde_json::json!({ "contact": contact.ja });
                if let Some(en) = &contact.en {
                    details["contact_en"] = en.as_str().into();
                }
                details
            }
            _ => serde_json::json!({}),
        }
    }
}

/// A message asking the person to get in touch, followed by how, when the operator said.
fn with_contact(message: &str, contact: &Option<Wording>) -> String {
    match contact {
        Some(contact) => format!("{message}お問い合わせ先: {}", contact.ja),
        None => message.to_string(),
    }
}
