//! The audit log's entries.
use super::PublicId;
use chrono::{DateTime, Utc};

/// Defines `AuditAction` from one list: each kind with the name the log stores.
macro_rules! audit_actions {
    ($($kind:ident => $name:literal,)*) => {
        /// Every kind of audit entry. The names are what the log stores, the API returns and
        /// the account page words (web-client/words `auditActions`, checked by
        /// tests/protocol_doc.rs): a new kind is added here, and only here.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum AuditAction {
            $($kind,)*
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$kind,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$kind => $name,)*
                }
            }
        }
    };
}

audit_actions! {
    Registered => "registered",
    MemberDeleted => "member_deleted",
    GroupChanged => "group_changed",
    NicknameChanged => "nickname_changed",
    ApplicationReceived => "application_received",
    ApplicationApproved => "application_approved",
    ApplicationDeclined => "application_declined",
    InvitationCreated => "invitation_created",
    InvitationResent => "invitation_resent",
    InvitationRevoked => "invitation_revoked",
    StaleForgotten => "stale_forgotten",
    TokenIssued => "token_issued",
    Suspended => "suspended",
    SuspensionLifted => "suspension_lifted",
    ReportFiled => "report_filed",
    ReportRead => "report_read",
    ReportsForgotten => "reports_forgotten",
    CrisisAlert => "crisis_alert",
    CrisisAlertAcknowledged => "crisis_alert_acknowledged",
    MessageHidden => "message_hidden",
    WhisperSent => "whisper_sent",
    Muted => "muted",
    Unmuted => "unmuted",
    AskedToLeave => "asked_to_leave",
    NoteWritten => "note_written",
    NoteRead => "note_read",
    NotesForgotten => "notes_forgotten",
    NotesKeyRotated => "notes_key_rotated",
    ConsentProposed => "consent_proposed",
    ConsentAgreed => "consent_agreed",
    ConsentDeclined => "consent_declined",
    ConsentWithdrawn => "consent_withdrawn",
    ConsentExported => "consent_exported",
}

/// What happened, by whom, to whom. Pseudonymous ids only, never e-mail addresses or
/// account ids, so the log can outlive a deleted account without identifying anyone.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub actor: Option<PublicId>,
    pub action: AuditAction,
    pub subject: Option<PublicId>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<PublicId>,
    pub action: String,
    pub subject: Option<PublicId>,
    pub detail: serde_json::Value,
}
