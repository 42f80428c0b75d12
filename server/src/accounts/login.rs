//! Being someone: registration from an invitation, logging in by passphrase or e-mail
//! link, web sessions, the short-lived access token, and deleting an account.
use super::admission::checked_email;
use super::secret::{hash_passphrase, new_token, token_hash, verify_passphrase};
use super::{limits, nickname, AccountError, Accounts, Actor, Problem};
use crate::mail::Letter;
use crate::model::{
    email_key, AccountId, AgeGroup, AuditAction, Avatar, Lang, Member, PublicId, Registration,
};
use crate::store::{Conflict, StoreError};
use chrono::{DateTime, SubsecRound, Utc};
use serde::Deserialize;
use serde_json::json;
use std::net::IpAddr;
use std::time::Duration;

/// A web session lasts this long; logging in again starts a new one.
pub const SESSION_TTL: Duration = Duration::from_secs(30 * 86400);
/// The access token for the WebSocket: short, the page asks again when it reconnects.
pub const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
/// A login link by e-mail works this long, once.
pub const LOGIN_LINK_MINUTES: u32 = 20;
const PASSPHRASE_MIN_CHARS: usize = 10;
/// argon2 takes any length, but nobody needs more and it bounds the work per request.
const PASSPHRASE_MAX_CHARS: usize = 200;

#[derive(Debug, Deserialize)]
pub struct RegisterRequest {
    pub token: String,
    pub nickname: String,
    #[serde(default)]
    pub avatar: Avatar,
    /// The age band (`10s` …), or none (答えない): absent and `null` are the same.
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub passphrase: Option<String>,
    #[serde(default)]
    pub login_by_email: bool,
}

/// A member who just logged in, and the session token for their cookie.
pub struct LoggedIn {
    pub member: Member,
    pub session: String,
}

impl Accounts {
    pub async fn register(&self, request: RegisterRequest) -> Result<LoggedIn, AccountError> {
        let invitation = self.invitation_for_token(&request.token).await?;
        // Every field is checked, so the form hears of all its problems at once.
        let checked = (
            nickname::check(&request.nickname, &self.site().settings.nickname_blocklist)
                .map_err(Problem::nickname),
            if request.avatar.is_valid() {
                Ok(())
            } else {
                Err(Problem::new(
                    "avatar",
                    "アバターは用意されたものから選んでください。",
                ))
            },
            checked_group(request.group.as_deref()),
            chosen_passphrase(
                request.passphrase,
                invitation.role.must_use_passphrase(),
                request.login_by_email,
            ),
        );
        let (nickname, group, passphrase) = match checked {
            (Ok(nickname), Ok(()), Ok(group), Ok(passphrase)) => (nickname, group, passphrase),
            (nickname, avatar, group, passphrase) => {
                return Err(AccountError::Invalid(
                    [nickname.err(), avatar.err(), group.err(), passphrase.err()]
                        .into_iter()
                        .flatten()
                        .collect(),
                ))
            }
        };
        let passphrase_hash = match passphrase {
            Some(p) => Some(hash_passphrase(p).await.map_err(internal)?),
            None => None,
        };
        let registered = self
            .store()
            .register(Registration {
                invitation_token_hash: token_hash(&request.token),
                nickname,
                avatar: request.avatar,
                group,
                passphrase_hash,
            })
            .await;
        let member = match registered {
            Err(StoreError::Conflict(Conflict::Nickname)) => {
                return Err(AccountError::NicknameTaken)
            }
            Err(StoreError::Conflict(Conflict::Email)) => {
                return Err(AccountError::EmailRegistered)
            }
            // Used or revoked between our look and the write: say which.
            Err(StoreError::Conflict(Conflict::NotOpen)) => {
                self.invitation_for_token(&request.token).await?;
                return Err(AccountError::InvitationUsed);
            }
            other => other?,
        };
        self.audit(
            &Some(member.public_id.clone()),
            AuditAction::Registered,
            Some(member.public_id.clone()),
            json!({ "invitation": invitation.id, "role": member.role.as_str() }),
        )
        .await?;
        self.start_session(member).await
    }

    /// The same answer, after the same work, for a wrong passphrase, an unknown address
    /// and an account without a passphrase.
    pub async fn login(
        &self,
        ip: IpAddr,
        email: &str,
        passphrase: String,
    ) -> Result<LoggedIn, AccountError> {
        let limits = &self.inner.limits;
        limits::check_both(
            (&limits.login_per_ip, &ip),
            (&limits.login_per_email, &email_key(email)),
        )
        .await
        .map_err(|retry_after| AccountError::RateLimited { retry_after })?;
        let record = self.store().login_record(email).await?;
        let stored = record.as_ref().and_then(|r| r.passphrase_hash.clone());
        let passphrase: String = passphrase.chars().take(PASSPHRASE_MAX_CHARS).collect();
        if !verify_passphrase(passphrase, stored).await {
            return Err(AccountError::LoginFailed);
        }
        let account = record.ok_or(AccountError::LoginFailed)?.account;
        let member = self
            .store()
            .member(&account)
            .await?
            .ok_or(AccountError::LoginFailed)?;
        self.start_session(member).await
    }

    /// Sends a one-time login link if the address has an account; answers the same either way.
    pub async fn request_login_link(
        &self,
        ip: IpAddr,
        email: &str,
        lang: Lang,
    ) -> Result<(), AccountError> {
        let email = checked_email(email)?;
        let limits = &self.inner.limits;
        limits::check_both(
            (&limits.link_per_ip, &ip),
            (&limits.link_per_email, &email_key(&email)),
        )
        .await
        .map_err(|retry_after| AccountError::RateLimited { retry_after })?;
        let Some(record) = self.store().login_record(&email).await? else {
            return Ok(());
        };
        let token = new_token();
        let expires_at = (Utc::now() + chrono::Duration::minutes(i64::from(LOGIN_LINK_MINUTES)))
            .trunc_subsecs(0);
        self.store()
            .create_login_link(&token_hash(&token), &record.account, expires_at)
            .await?;
        let link = self.link("login", &token);
        // The person chose a language for this page; their account's is the fallback.
        let lang = if lang == Lang::default() {
            record.lang
        } else {
            lang
        };
        let sent = self
            .send(
                &email,
                lang,
                Letter::LoginLink {
                    link: &link,
                    minutes: LOGIN_LINK_MINUTES,
                },
            )
            .await;
        // Failing here would tell the asker that the address has an account.
        let _ = sent;
        Ok(())
    }

    pub async fn redeem_login_link(&self, token: &str) -> Result<LoggedIn, AccountError> {
        let hash = token_hash(token);
        let link = self
            .store()
            .login_link(&hash)
            .await?
            .ok_or(AccountError::LinkUnknown)?;
        if link.used_at.is_some() {
            return Err(AccountError::LinkUsed);
        }
        if Utc::now() >= link.expires_at {
            return Err(AccountError::LinkExpired);
        }
        match self.store().use_login_link(&hash).await {
            Err(StoreError::Conflict(Conflict::NotOpen)) => return Err(AccountError::LinkUsed),
            Err(StoreError::NotFound) => return Err(AccountError::LinkUnknown),
            other => other?,
        }
        let member = self
            .store()
            .member(&link.account)
            .await?
            .ok_or(AccountError::LinkUnknown)?;
        self.start_session(member).await
    }

    async fn start_session(&self, member: Member) -> Result<LoggedIn, AccountError> {
        self.refuse_if_suspended(&member).await?;
        let session = new_token();
        let expires_at = (Utc::now()
            + chrono::Duration::from_std(SESSION_TTL).map_err(internal)?)
        .trunc_subsecs(0);
        self.store()
            .create_web_session(&token_hash(&session), &member.account, expires_at)
            .await?;
        Ok(LoggedIn { member, session })
    }

    /// The member behind a session cookie, if the session is alive.
    pub async fn session_member(&self, session: &str) -> Result<Member, AccountError> {
        let account = self
            .store()
            .web_session(&token_hash(session))
            .await?
            .ok_or(AccountError::NotLoggedIn)?;
        self.store()
            .member(&account)
            .await?
            .ok_or(AccountError::NotLoggedIn)
    }

    pub async fn logout(&self, session: &str) -> Result<(), AccountError> {
        Ok(self.store().end_web_session(&token_hash(session)).await?)
    }

    /// A short-lived token for the WebSocket's `auth` message.
    pub fn access_token(&self, member: &Member) -> Result<(String, DateTime<Utc>), AccountError> {
        let token = self
            .inner
            .keys
            .issue(&member.account, member.role, ACCESS_TOKEN_TTL)
            .map_err(internal)?;
        let expires_at = (Utc::now()
            + chrono::Duration::from_std(ACCESS_TOKEN_TTL).map_err(internal)?)
        .trunc_subsecs(0);
        Ok((token, expires_at))
    }

    /// The member behind an access token (`Authorization: Bearer`, as `ibasho admin token`
    /// prints it), if the token is valid and the member still exists.
    pub async fn token_member(&self, token: &str) -> Result<Member, AccountError> {
        let claims = self
            .inner
            .keys
            .verify(token)
            .map_err(|_| AccountError::NotLoggedIn)?;
        self.store()
            .member(&AccountId(claims.sub))
            .await?
            .ok_or(AccountError::NotLoggedIn)
    }

    pub async fn has_passphrase(&self, account: &AccountId) -> Result<bool, AccountError> {
        let Some(email) = self.store().email(account).await? else {
            return Ok(false);
        };
        Ok(self
            .store()
            .login_record(&email)
            .await?
            .is_some_and(|r| r.passphrase_hash.is_some()))
    }

    /// Deletes an account and everything tied to it; says goodbye by e-mail. Audit entries
    /// keep only the public id.
    pub async fn delete(&self, actor: &Actor, account: &AccountId) -> Result<Member, AccountError> {
        let email = self.store().email(account).await?;
        let lang = match &email {
            Some(email) => self.store().login_record(email).await?.map(|r| r.lang),
            None => None,
        };
        let member = match self.store().delete_member(account).await {
            Err(StoreError::NotFound) => return Err(AccountError::NotFound),
            other => other?,
        };
        let by_self = actor.as_ref() == Some(&member.public_id);
        self.audit(
            actor,
            AuditAction::MemberDeleted,
            Some(member.public_id.clone()),
            json!({ "by": if by_self { "self" } else { "admin" } }),
        )
        .await?;
        if let Some(email) = email {
            // The account is gone either way; a lost goodbye is only logged.
            let _ = self
                .send(&email, lang.unwrap_or_default(), Letter::AccountDeleted)
                .await;
        }
        Ok(member)
    }

    /// The member changes (or, with `None`, withdraws) the age band they declared. Audited
    /// as `group_changed` without the band: the log's readers have no business knowing it.
    /// The hub reads it when a connection authenticates, so it counts from the next one.
    pub async fn set_group(
        &self,
        member: &Member,
        group: Option<&str>,
    ) -> Result<Option<AgeGroup>, AccountError> {
        let group = checked_group(group)?;
        match self.store().set_group(&member.account, group).await {
            Err(StoreError::NotFound) => return Err(AccountError::NotFound),
            other => other?,
        }
        let actor = Some(member.public_id.clone());
        self.audit(&actor, AuditAction::GroupChanged, actor.clone(), json!({}))
            .await?;
        Ok(group)
    }

    /// The member chooses another nickname: the registration's rules apply again (a real
    /// full name is refused kindly), three tries a day at most; audited with both names.
    pub async fn set_nickname(
        &self,
        member: &Member,
        nickname: &str,
    ) -> Result<String, AccountError> {
        let nickname = nickname::check(nickname, &self.site().settings.nickname_blocklist)
            .map_err(Problem::nickname)?;
        if nickname == member.nickname {
            return Ok(nickname);
        }
        self.inner
            .limits
            .nickname_per_member
            .check(&member.public_id.0)
            .await
            .map_err(|retry_after| AccountError::RateLimited { retry_after })?;
        match self.store().set_nickname(&member.account, &nickname).await {
            Err(StoreError::Conflict(Conflict::Nickname)) => {
                return Err(AccountError::NicknameTaken)
            }
            Err(StoreError::NotFound) => return Err(AccountError::NotFound),
            other => other?,
        }
        let actor = Some(member.public_id.clone());
        self.audit(
            &actor,
            AuditAction::NicknameChanged,
            actor.clone(),
            json!({"from": member.nickname, "to": nickname}),
        )
        .await?;
        Ok(nickname)
    }

    pub async fn member_by_public_id(&self, id: &PublicId) -> Result<Member, AccountError> {
        self.store()
            .member_by_public_id(id)
            .await?
            .ok_or(AccountError::NotFound)
    }
}

/// An age band as the forms send it: one of the bands, or empty / none for 答えない.
fn checked_group(group: Option<&str>) -> Result<Option<AgeGroup>, Problem> {
    match group.map(str::trim).filter(|g| !g.is_empty()) {
        None => Ok(None),
        Some(g) => g.parse().map(Some).map_err(|_| {
            Problem::new(
                "group",
                "年代は、用意された中から選んでください（答えなくても大丈夫です）。",
            )
        }),
    }
}

/// The passphrase to set, or none for someone who logs in by e-mail link (which staff,
/// counsellors and admins, `required`, may not).
fn chosen_passphrase(
    passphrase: Option<String>,
    required: bool,
    login_by_email: bool,
) -> Result<Option<String>, Problem> {
    let Some(passphrase) = passphrase.filter(|p| !p.is_empty()) else {
        return if required {
            Err(Problem::new(
                "passphrase",
                "スタッフ・相談員・管理者のアカウントには、パスフレーズが必要です。",
            ))
        } else if login_by_email {
            Ok(None)
        } else {
            Err(Problem::new(
                "passphrase",
                "パスフレーズを決めるか、「メールでログインする」を選んでください。",
            ))
        };
    };
    let chars = passphrase.chars().count();
    if chars < PASSPHRASE_MIN_CHARS {
        return Err(Problem::new(
            "passphrase",
            format!("パスフレーズは{PASSPHRASE_MIN_CHARS}文字以上にしてください。覚えやすい言葉をいくつか並べるのがおすすめです。"),
        ));
    }
    if chars > PASSPHRASE_MAX_CHARS {
        return Err(Problem::new(
            "passphrase",
            format!("パスフレーズは{PASSPHRASE_MAX_CHARS}文字までにしてください。"),
        ));
    }
    Ok(Some(passphrase))
}

fn internal(e: impl std::fmt::Display) -> AccountError {
    AccountError::Internal(e.to_string())
}
