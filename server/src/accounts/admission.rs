//! The way in: the application form, staff's review, and invitations.
use super::secret::{new_token, token_hash};
use super::{limits, nickname, AccountError, Accounts, Actor, Problem};
use crate::mail::Letter;
use crate::model::{
    email_key, Applicant, Application, ApplicationStatus, AuditAction, Invitation, InvitationState,
    Lang, NewApplication, NewInvitation, Role, Submitted,
};
use crate::store::{Conflict, StoreError};
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::net::IpAddr;

const NOTE_CHARS: usize = 1000;
const HEARD_FROM_CHARS: usize = 100;
const EMAIL_CHARS: usize = 254;

/// What the application form shows (`GET /api/applications/form`): the operator's words,
/// each `_en` beside when there is an English one.
#[derive(Debug, Serialize)]
pub struct ApplicationForm {
    pub space: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub space_en: Option<String>,
    pub eligibility: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility_en: Option<String>,
    pub privacy_notice: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privacy_notice_en: Option<String>,
    /// The values to send (and that staff read).
    pub heard_from: Vec<String>,
    /// The same choices to show on an English page, in the same order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heard_from_en: Option<Vec<String>>,
}

/// The application form as posted.
#[derive(Debug, Deserialize)]
pub struct ApplyRequest {
    pub nickname: String,
    pub email: String,
    pub applicant: Applicant,
    #[serde(default)]
    pub eligible: bool,
    #[serde(default)]
    pub heard_from: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub consent: bool,
    #[serde(default)]
    pub lang: Lang,
    /// The honeypot: hidden on the form, so only a bot fills it in.
    #[serde(default)]
    pub website: String,
}

/// An invitation as staff see it; the address only for those who may see addresses.
#[derive(Debug, Serialize)]
pub struct InvitationView {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub role: Role,
    pub nickname: Option<String>,
    pub state: InvitationState,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Whether the e-mail with the link went out just now (false: send it again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mailed: Option<bool>,
}

impl InvitationView {
    pub fn of(invitation: Invitation, show_email: bool) -> InvitationView {
        InvitationView {
            state: invitation.state(Utc::now()),
            id: invitation.id,
            email: show_email.then_some(invitation.email),
            role: invitation.role,
            nickname: invitation.nickname,
            created_at: invitation.created_at,
            expires_at: invitation.expires_at,
            mailed: None,
        }
    }
}

impl Accounts {
    pub fn application_form(&self) -> ApplicationForm {
        let site = self.site();
        let settings = &site.settings;
        ApplicationForm {
            space: site.name.ja.clone(),
            space_en: site.name.en.clone(),
            eligibility: settings.eligibility.ja.clone(),
            eligibility_en: settings.eligibility.en.clone(),
            privacy_notice: settings.privacy_notice.ja.clone(),
            privacy_notice_en: settings.privacy_notice.en.clone(),
            heard_from: settings.heard_from.iter().map(|c| c.ja.clone()).collect(),
            heard_from_en: settings.heard_from.iter().any(|c| c.en.is_some()).then(|| {
                settings
                    .heard_from
                    .iter()
                    .map(|c| c.get(Lang::En).to_string())
                    .collect()
            }),
        }
    }

    /// Takes an application. The answer is the same whether the address is new, has a
    /// pending application or already has an account, so the form reveals nobody.
    pub async fn apply(&self, ip: IpAddr, request: ApplyRequest) -> Result<(), AccountError> {
        if !request.website.is_empty() {
            tracing::info!("an application filled in the honeypot field: ignored");
            return Ok(());
        }
        // Every field is checked, so an empty form hears of all it lacks at once.
        let checked = (
            nickname::check(&request.nickname, &self.site().settings.nickname_blocklist)
                .map_err(Problem::nickname),
            checked_email(&request.email),
            ticked(
                request.eligible,
                "eligible",
                "お申し込みには、対象についての確認にチェックが必要です。",
            ),
            optional_text(request.heard_from, "heard_from", HEARD_FROM_CHARS),
            optional_text(request.note, "note", NOTE_CHARS),
            ticked(
                request.consent,
                "consent",
                "お申し込みには、個人情報の取り扱いへの同意が必要です。",
            ),
        );
        let (nickname, email, heard_from, note) = match checked {
            (Ok(nickname), Ok(email), Ok(()), Ok(heard_from), Ok(note), Ok(())) => {
                (nickname, email, heard_from, note)
            }
            (nickname, email, eligible, heard_from, note, consent) => {
                return Err(AccountError::Invalid(
                    [
                        nickname.err(),
                        email.err(),
                        eligible.err(),
                        heard_from.err(),
                        note.err(),
                        consent.err(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect(),
                ))
            }
        };
        let limits = &self.inner.limits;
        limits::check_both(
            (&limits.apply_per_ip, &ip),
            (&limits.apply_per_email, &email_key(&email)),
        )
        .await
        .map_err(|retry_after| AccountError::RateLimited { retry_after })?;

        let submitted = self
            .store()
            .submit_application(NewApplication {
                nickname: nickname.clone(),
                email: email.clone(),
                applicant: request.applicant,
                heard_from,
                note,
                lang: request.lang,
            })
            .await?;
        let sent = match &submitted {
            Submitted::New(application) | Submitted::Refreshed(application) => {
                let refreshed = matches!(submitted, Submitted::Refreshed(_));
                self.audit(
                    &None,
                    AuditAction::ApplicationReceived,
                    None,
                    json!({ "application": application.id, "refreshed": refreshed }),
                )
                .await?;
                self.send(
                    &email,
                    request.lang,
                    Letter::ApplicationReceived {
                        nickname: &nickname,
                    },
                )
                .await
            }
            Submitted::AccountExists { lang } => {
                let login_url = format!("{}/login", self.site().public_url);
                self.send(
                    &email,
                    *lang,
                    Letter::AccountExists {
                        login_url: &login_url,
                    },
                )
                .await
            }
        };
        // What was accepted is stored and staff will see it; a lost confirmation is logged
        // (by `send`) but must not make the person think their application failed.
        let _ = sent;
        Ok(())
    }

    pub async fn applications(
        &self,
        status: Option<ApplicationStatus>,
    ) -> Result<Vec<Application>, AccountError> {
        Ok(self.store().applications(status).await?)
    }

    /// Approves a pending application and sends its invitation.
    pub async fn approve(
        &self,
        actor: &Actor,
        id: &str,
        show_email: bool,
    ) -> Result<InvitationView, AccountError> {
        let application = self.decide(actor, id, ApplicationStatus::Approved).await?;
        let view = self
            .create_invitation(
                actor,
                &application.email,
                application.applicant.role(),
                Some(application.nickname.clone()),
                application.lang,
                Some(application.id.clone()),
                show_email,
            )
            .await?;
        self.audit(
            actor,
            AuditAction::ApplicationApproved,
            None,
            json!({ "application": application.id, "invitation": view.id }),
        )
        .await?;
        Ok(view)
    }

    /// Declines a pending application, with staff's optional kind word in the e-mail.
    pub async fn decline(
        &self,
        actor: &Actor,
        id: &str,
        message: Option<String>,
    ) -> Result<Application, AccountError> {
        let message = optional_text(message, "message", NOTE_CHARS)?;
        let application = self.decide(actor, id, ApplicationStatus::Declined).await?;
        self.audit(
            actor,
            AuditAction::ApplicationDeclined,
            None,
            json!({ "application": application.id }),
        )
        .await?;
        self.send(
            &application.email,
            application.lang,
            Letter::ApplicationDeclined {
                message: message.as_deref(),
            },
        )
        .await?;
        Ok(application)
    }

    async fn decide(
        &self,
        actor: &Actor,
        id: &str,
        decision: ApplicationStatus,
    ) -> Result<Application, AccountError> {
        match self
            .store()
            .decide_application(id, decision, actor.as_ref())
            .await
        {
            Err(StoreError::NotFound) => Err(AccountError::NotFound),
            Err(StoreError::Conflict(Conflict::NotOpen)) => Err(AccountError::AlreadyDecided),
            other => Ok(other?),
        }
    }

    /// An admin's direct invitation (any role), e.g. for staff and counsellors.
    pub async fn invite(
        &self,
        actor: &Actor,
        email: &str,
        role: Role,
        nickname: Option<String>,
        lang: Lang,
    ) -> Result<InvitationView, AccountError> {
        let email = checked_email(email)?;
        let nickname = match nickname {
            Some(n) => Some(
                nickname::check(&n, &self.site().settings.nickname_blocklist)
                    .map_err(Problem::nickname)?,
            ),
            None => None,
        };
        if self.store().login_record(&email).await?.is_some() {
            return Err(AccountError::EmailRegistered);
        }
        self.create_invitation(actor, &email, role, nickname, lang, None, true)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn create_invitation(
        &self,
        actor: &Actor,
        email: &str,
        role: Role,
        nickname: Option<String>,
        lang: Lang,
        application: Option<String>,
        show_email: bool,
    ) -> Result<InvitationView, AccountError> {
        let token = new_token();
        let invitation = self
            .store()
            .create_invitation(NewInvitation {
                token_hash: token_hash(&token),
                email: email.to_string(),
                role,
                nickname,
                lang,
                application,
                created_by: actor.clone(),
                expires_at: self.invitation_expiry(),
            })
            .await?;
        self.audit(
            actor,
            AuditAction::InvitationCreated,
            None,
            json!({ "invitation": invitation.id, "role": role.as_str() }),
        )
        .await?;
        self.mail_invitation(invitation, &token, show_email).await
    }

    pub async fn invitations(&self) -> Result<Vec<InvitationView>, AccountError> {
        Ok(self
            .store()
            .invitations()
            .await?
            .into_iter()
            .map(|i| InvitationView::of(i, true))
            .collect())
    }

    /// A new link and a fresh expiry, e-mailed again; the old link stops working.
    pub async fn resend(&self, actor: &Actor, id: &str) -> Result<InvitationView, AccountError> {
        let token = new_token();
        let invitation = self
            .store()
            .renew_invitation(id, &token_hash(&token), self.invitation_expiry())
            .await
            .map_err(invitation_closed)?;
        self.audit(
            actor,
            AuditAction::InvitationResent,
            None,
            json!({ "invitation": id }),
        )
        .await?;
        self.mail_invitation(invitation, &token, true).await
    }

    pub async fn revoke(&self, actor: &Actor, id: &str) -> Result<InvitationView, AccountError> {
        let invitation = self
            .store()
            .revoke_invitation(id)
            .await
            .map_err(invitation_closed)?;
        self.audit(
            actor,
            AuditAction::InvitationRevoked,
            None,
            json!({ "invitation": id }),
        )
        .await?;
        Ok(InvitationView::of(invitation, true))
    }

    /// What the registration page needs before it shows the form.
    pub async fn invitation_for_token(&self, token: &str) -> Result<Invitation, AccountError> {
        let invitation = self
            .store()
            .invitation_by_token(&token_hash(token))
            .await?
            .ok_or(AccountError::InvitationUnknown)?;
        match invitation.state(Utc::now()) {
            InvitationState::Open => Ok(invitation),
            InvitationState::Used => Err(AccountError::InvitationUsed),
            InvitationState::Expired => Err(AccountError::InvitationExpired {
                contact: self.site().contact.clone(),
            }),
            InvitationState::Revoked => Err(AccountError::InvitationRevoked {
                contact: self.site().contact.clone(),
            }),
        }
    }

    fn invitation_expiry(&self) -> DateTime<Utc> {
        (Utc::now() + chrono::Duration::days(i64::from(self.site().settings.invitation_days)))
            .trunc_subsecs(0)
    }

    async fn mail_invitation(
        &self,
        invitation: Invitation,
        token: &str,
        show_email: bool,
    ) -> Result<InvitationView, AccountError> {
        let link = self.link("register", token);
        let expires = self.when(invitation.expires_at, invitation.lang);
        let sent = self
            .send(
                &invitation.email,
                invitation.lang,
                Letter::Invitation {
                    role: invitation.role,
                    link: &link,
                    expires: &expires,
                },
            )
            .await;
        let mut view = InvitationView::of(invitation, show_email);
        view.mailed = Some(sent.is_ok());
        Ok(view)
    }
}

fn invitation_closed(e: StoreError) -> AccountError {
    match e {
        StoreError::NotFound => AccountError::NotFound,
        StoreError::Conflict(Conflict::NotOpen) => AccountError::InvitationClosed,
        other => other.into(),
    }
}

/// A plausible address, trimmed: one `@` with something on both sides, a dot in the
/// domain, no spaces or control characters (which could also smuggle mail headers).
pub(super) fn checked_email(email: &str) -> Result<String, Problem> {
    let email = email.trim();
    let plausible = email.chars().count() <= EMAIL_CHARS
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if plausible {
        Ok(email.to_string())
    } else {
        Err(Problem::new(
            "email",
            "メールアドレスの形が正しくないようです。もう一度確かめてください。",
        ))
    }
}

fn optional_text(
    text: Option<String>,
    field: &'static str,
    max_chars: usize,
) -> Result<Option<String>, Problem> {
    let text = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > max_chars) {
        return Err(Problem::new(
            field,
            format!("{max_chars}文字までにしてください。"),
        ));
    }
    Ok(text)
}

/// A box the person must tick (`message` says why, when it is not).
fn ticked(ticked: bool, field: &'static str, message: &str) -> Result<(), Problem> {
    if ticked {
        Ok(())
    } else {
        Err(Problem::new(field, message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_are_checked_for_shape_only() {
        assert_eq!(
            checked_email(" Sora@Example.org ").unwrap(),
            "Sora@Example.org"
        );
        for bad in [
            "",
            "sora",
            "@example.org",
            "sora@",
            "sora@example",
            "so ra@example.org",
            "sora@exa@mple.org",
            "sora@example.org\r\nBcc: x@y.z",
            "sora@.org",
        ] {
            assert!(checked_email(bad).is_err(), "{bad:?}");
        }
    }
}
