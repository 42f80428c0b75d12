//! Keeping no more than needed. What the space holds about someone who never joined (a
//! declined application, an invitation that lapsed or was withdrawn unused, each with an
//! e-mail address) is deleted once `[accounts] forget_after_days` have passed; expired web
//! sessions go at once, and login links after the same days (until then a late click is
//! told the link expired, not that it is unknown).
use super::{AccountError, Accounts};
use crate::store::Forgotten;
use chrono::Utc;
use serde_json::json;
use std::time::Duration;

/// How often the server looks for what to forget.
const EVERY: Duration = Duration::from_secs(60 * 60);

impl Accounts {
    /// Deletes what is stale now; the audit log gets how many, never whose.
    pub async fn forget_stale(&self) -> Result<Forgotten, AccountError> {
        let now = Utc::now();
        let kept = chrono::Duration::days(i64::from(self.site().settings.forget_after_days));
        let forgotten = self.store().forget_stale(now, now - kept).await?;
        if forgotten.applications + forgotten.invitations > 0 {
            self.audit(
                &None,
                "stale_forgotten",
                None,
                json!({
                    "applications": forgotten.applications,
                    "invitations": forgotten.invitations,
                }),
            )
            .await?;
        }
        Ok(forgotten)
    }
}

/// Forgets what is stale at start-up and then every hour, for as long as the server runs.
/// Several nodes doing so at once is harmless: a row is deleted once.
pub async fn run(accounts: Accounts) {
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match accounts.forget_stale().await {
            Ok(forgotten) if forgotten != Forgotten::default() => tracing::info!(
                applications = forgotten.applications,
                invitations = forgotten.invitations,
                login_links = forgotten.login_links,
                web_sessions = forgotten.web_sessions,
                "forgot stale records"
            ),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "forgetting stale records failed; trying again in an hour")
            }
        }
    }
}
