//! Suspending an account and lifting it (docs/accounts.md): staff stop an account for a
//! while with a reason the person is told; lifting is one action. A suspended member cannot
//! log in (`account_suspended`); the space refuses their `auth` the same way (crate::hub).
use super::{AccountError, Accounts, Actor};
use crate::auth::Grant;
use crate::model::{AuditAction, Member, Suspension};
use serde_json::json;

/// A reason is a sentence or two, read by the person: long enough for that, no essay.
pub const REASON_MAX_CHARS: usize = 200;

impl Accounts {
    /// Suspends `member` for `reason` (audited `suspended`). `by` is who asks: never
    /// themselves, and only an admin suspends someone who may moderate.
    pub async fn suspend(
        &self,
        by: Option<&Member>,
        member: &Member,
        reason: &str,
    ) -> Result<Suspension, AccountError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AccountError::invalid(
                "reason",
                "理由を書いてください。ご本人に伝わります。",
            ));
        }
        if reason.chars().count() > REASON_MAX_CHARS {
            return Err(AccountError::invalid(
                "reason",
                format!("理由は{REASON_MAX_CHARS}文字までにしてください。"),
            ));
        }
        if let Some(by) = by {
            if by.account == member.account {
                return Err(AccountError::invalid(
                    "member",
                    "ご自身のアカウントは一時停止できません。",
                ));
            }
            if member.role.has(Grant::Moderate) && !by.role.has(Grant::ManageAccounts) {
                return Err(AccountError::Forbidden);
            }
        }
        let actor: Actor = by.map(|b| b.public_id.clone());
        self.store()
            .suspend_member(&member.account, reason, actor.as_ref())
            .await?;
        self.audit(
            &actor,
            AuditAction::Suspended,
            Some(member.public_id.clone()),
            json!({ "reason": reason, "nickname": member.nickname }),
        )
        .await?;
        self.store()
            .suspension(&member.account)
            .await?
            .ok_or(AccountError::NotFound)
    }

    /// Lifts `member`'s suspension (audited `suspension_lifted`); false if there was none.
    pub async fn lift_suspension(
        &self,
        actor: &Actor,
        member: &Member,
    ) -> Result<bool, AccountError> {
        let lifted = self.store().lift_suspension(&member.account).await?;
        if lifted {
            self.audit(
                actor,
                AuditAction::SuspensionLifted,
                Some(member.public_id.clone()),
                json!({ "nickname": member.nickname }),
            )
            .await?;
        }
        Ok(lifted)
    }

    /// Everyone suspended now: public id, nickname and suspension, newest first.
    pub async fn suspended(
        &self,
    ) -> Result<Vec<(crate::model::PublicId, String, Suspension)>, AccountError> {
        Ok(self.store().suspended_members().await?)
    }

    /// The kind refusal for a suspended member, if `member` is suspended.
    pub(super) async fn refuse_if_suspended(&self, member: &Member) -> Result<(), AccountError> {
        match self.store().suspension(&member.account).await? {
            Some(suspension) => Err(self.suspended_error(&suspension)),
            None => Ok(()),
        }
    }

    /// `account_suspended`, with the office's contact.
    pub fn suspended_error(&self, suspension: &Suspension) -> AccountError {
        let contact = self.site().contact.as_ref().map(|c| c.ja.as_str());
        AccountError::Suspended {
            message: suspension.message(contact),
        }
    }
}
