//! How people get in (docs/accounts.md): application, review, invitation, registration,
//! login by passphrase or e-mail link, web sessions, deletion on request, and forgetting what
//! nobody needs any more (retention.rs).
//!
//! `Accounts` holds the flows; the HTTP layer and the command line both call it, so a rule
//! (a rate limit, who may see an e-mail address, what gets audited) lives in one place.
mod admission;
mod error;
pub mod limits;
mod login;
pub mod nickname;
pub mod retention;
pub mod secret;
mod suspension;

pub use admission::{ApplicationForm, ApplyRequest, InvitationView};
pub use error::{AccountError, Problem};
pub use login::{LoggedIn, RegisterRequest, SESSION_TTL};

use crate::auth::Keys;
use crate::cluster::Cluster;
use crate::config::{AccountsSettings, Wording};
use crate::mail::{Letter, Mail, Mailer};
use crate::model::PublicId;
use crate::model::{AuditAction, AuditEntry, AuditRecord, Lang};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// A cheap-to-clone handle on the accounts flows.
#[derive(Clone)]
pub struct Accounts {
    inner: Arc<Inner>,
}

pub struct Site {
    /// The space's name, signing every e-mail (in English ones, its English when given).
    pub name: Wording,
    /// Where people reach the space; links in e-mails start with it (no trailing slash).
    pub public_url: String,
    pub timezone: chrono_tz::Tz,
    /// How to reach the office (rooms.toml `contact`): in every e-mail, and in the answers
    /// that ask a person to get in touch.
    pub contact: Option<Wording>,
    pub settings: AccountsSettings,
    /// rooms.toml `[safety] report_keep_days`: reports go after this many days (retention.rs).
    pub report_keep_days: u32,
}

struct Inner {
    store: Arc<Store>,
    mailer: Arc<dyn Mailer>,
    keys: Arc<Keys>,
    site: Site,
    limits: limits::Limits,
    /// The other nodes of the space, when there are any: shared limits, one node's chores.
    cluster: Option<Cluster>,
}

/// Who did something, for the audit log: a member, or the command line (`None`).
pub type Actor = Option<PublicId>;

impl Accounts {
    /// With a `cluster`, the rate limits count across its nodes and one node at a time does
    /// the clean-up (retention.rs); without, this node alone.
    pub fn new(
        store: Arc<Store>,
        mailer: Arc<dyn Mailer>,
        keys: Arc<Keys>,
        mut site: Site,
        cluster: Option<Cluster>,
    ) -> Accounts {
        site.public_url = site.public_url.trim_end_matches('/').to_string();
        Accounts {
            inner: Arc::new(Inner {
                store,
                mailer,
                keys,
                site,
                limits: limits::Limits::new(cluster.as_ref()),
                cluster,
            }),
        }
    }

    fn store(&self) -> &Store {
        self.inner.store.as_ref()
    }

    pub fn site(&self) -> &Site {
        &self.inner.site
    }

    /// Whether cookies must be `Secure`: the space is reached over HTTPS.
    pub fn is_https(&self) -> bool {
        self.inner.site.public_url.starts_with("https://")
    }

    fn link(&self, page: &str, token: &str) -> String {
        format!("{}/{page}#t={token}", self.inner.site.public_url)
    }

    /// Sends one letter. The address never reaches a log line or an error message.
    async fn send(&self, to: &str, lang: Lang, letter: Letter<'_>) -> Result<(), AccountError> {
        let site = &self.inner.site;
        let contact = site.contact.as_ref().map(|c| c.get(lang));
        let mail = Mail::new(to, lang, site.name.get(lang), contact, &letter);
        self.inner.mailer.send(&mail).await.map_err(|error| {
            tracing::error!(%error, "sending an e-mail failed");
            AccountError::MailFailed
        })
    }

    /// E-mails a member about their booked consultation starting at `starts_at`, in their
    /// language: a reminder, or (`cancelled`: why, in Japanese and English) a cancellation.
    /// Only for those who opted in; a member without an address (made by `admin token`) gets
    /// none.
    pub async fn mail_booking(
        &self,
        account: &crate::model::AccountId,
        starts_at: DateTime<Utc>,
        cancelled: Option<(&str, &str)>,
    ) -> Result<(), AccountError> {
        let Some(email) = self.store().email(account).await? else {
            return Ok(());
        };
        let lang = self
            .store()
            .login_record(&email)
            .await?
            .map(|r| r.lang)
            .unwrap_or_default();
        let when = self.when(starts_at, lang);
        let letter = match cancelled {
            Some((ja, en)) => Letter::BookingCancelled {
                when: &when,
                why: match lang {
                    Lang::Ja => ja,
                    Lang::En => en,
                },
            },
            None => Letter::BookingReminder { when: &when },
        };
        self.send(&email, lang, letter).await
    }

    /// A page of the audit log for admins, newest first (`before`: below that entry), with
    /// the nicknames of the members named in it who still exist.
    pub async fn audit_page(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<AuditRecord>, HashMap<PublicId, String>), AccountError> {
        let entries = self.store().audit_log(before, limit).await?;
        let mut nicknames = HashMap::new();
        let mut named: Vec<PublicId> = Vec::new();
        for entry in &entries {
            named.extend(entry.actor.iter().chain(&entry.subject).cloned());
        }
        named.sort();
        named.dedup();
        for id in named {
            if let Some(member) = self.store().member_by_public_id(&id).await? {
                nicknames.insert(id, member.nickname);
            }
        }
        Ok((entries, nicknames))
    }

    async fn audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        subject: Option<PublicId>,
        detail: serde_json::Value,
    ) -> Result<(), AccountError> {
        self.store()
            .record_audit(AuditEntry {
                actor: actor.clone(),
                action,
                subject,
                detail,
            })
            .await?;
        Ok(())
    }

    /// An instant in the space's time zone, worded for a letter.
    fn when(&self, t: DateTime<Utc>, lang: Lang) -> String {
        let local = t.with_timezone(&self.inner.site.timezone).fixed_offset();
        match lang {
            Lang::Ja => crate::schedule::format_ja(local),
            Lang::En => local.format("%-d %B %Y, %H:%M").to_string(),
        }
    }
}
