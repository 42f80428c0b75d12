//! Keeping no more than needed. What the space holds about someone who never joined (a
//! declined application, an invitation that lapsed or was withdrawn unused, each with an
//! e-mail address) is deleted once `[accounts] forget_after_days` have passed; expired web
//! sessions go at once, and login links after the same days (until then a late click is
//! told the link expired, not that it is unknown). Counsellors' notes go once `[accounts]
//! notes_keep_days` have passed since they were written, members' reports (with their
//! snapshot of chat) once `[safety] report_keep_days` have.
use super::{AccountError, Accounts};
use crate::cluster::Duty;
use crate::model::AuditAction;
use crate::store::Forgotten;
use chrono::Utc;
use serde_json::json;
use std::time::Duration;

/// How often the server looks for what to forget.
const EVERY: Duration = Duration::from_secs(60 * 60);
/// With several nodes, one does the clean-up; if it dies, another takes over within an hour
/// of the lease expiring (at its next turn).
const CHORES_LEASE: Duration = Duration::from_secs(60);

impl Accounts {
    /// The clean-up as a duty of one node, when the space has several.
    fn chores(&self) -> Option<Duty> {
        let cluster = self.inner.cluster.as_ref()?;
        Some(Duty::new(cluster, "chores", CHORES_LEASE))
    }

    /// The clean-up if it is this node's to do: always when alone; in a cluster, when it
    /// holds the lease (`None` otherwise).
    async fn chores_turn(
        &self,
        chores: &mut Option<Duty>,
    ) -> Option<Result<Forgotten, AccountError>> {
        if let Some(chores) = chores {
            if !chores.mine().await {
                return None;
            }
        }
        Some(self.forget_stale().await)
    }

    /// Deletes what is stale now; the audit log gets how many, never whose.
    pub async fn forget_stale(&self) -> Result<Forgotten, AccountError> {
        let now = Utc::now();
        let kept = chrono::Duration::days(i64::from(self.site().settings.forget_after_days));
        let forgotten = self.store().forget_stale(now, now - kept).await?;
        if forgotten.applications + forgotten.invitations > 0 {
            self.audit(
                &None,
                AuditAction::StaleForgotten,
                None,
                json!({
                    "applications": forgotten.applications,
                    "invitations": forgotten.invitations,
                }),
            )
            .await?;
        }
        let notes_kept = chrono::Duration::days(i64::from(self.site().settings.notes_keep_days));
        let notes = self.store().forget_notes_before(now - notes_kept).await?;
        if notes > 0 {
            tracing::info!(notes, "forgot counsellors' notes past their retention");
            self.audit(
                &None,
                AuditAction::NotesForgotten,
                None,
                json!({ "notes": notes }),
            )
            .await?;
        }
        let reports_kept = chrono::Duration::days(i64::from(self.site().report_keep_days));
        let reports = self.store().prune_reports(now - reports_kept).await?;
        if reports > 0 {
            tracing::info!(reports, "forgot reports past their retention");
            self.audit(
                &None,
                AuditAction::ReportsForgotten,
                None,
                json!({ "reports": reports }),
            )
            .await?;
        }
        Ok(forgotten)
    }
}

/// Forgets what is stale at start-up and then every hour, for as long as the server runs.
/// In a cluster only the node holding the `chores` lease does (several at once would be
/// harmless, a row is deleted once, but each would audit it and load the database).
pub async fn run(accounts: Accounts) {
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut chores = accounts.chores();
    loop {
        every.tick().await;
        let Some(done) = accounts.chores_turn(&mut chores).await else {
            continue; // another node's turn
        };
        match done {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Site;
    use crate::auth::Keys;
    use crate::cluster::{testing, Cluster};
    use crate::config::{AccountsSettings, Wording};
    use crate::mail::FileOutbox;
    use std::sync::Arc;

    async fn accounts(data: &std::path::Path, cluster: Option<Cluster>) -> Accounts {
        let store = crate::store::open(None, data).await.unwrap();
        let from = "ibasho <noreply@example.jp>".parse().unwrap();
        Accounts::new(
            store,
            Arc::new(FileOutbox::new(data.join("outbox"), from)),
            Arc::new(Keys::from_secret(&[7; 32])),
            Site {
                name: Wording::from("test"),
                public_url: "http://127.0.0.1".into(),
                timezone: chrono_tz::Asia::Tokyo,
                contact: None,
                settings: AccountsSettings::default(),
                report_keep_days: 90,
            },
            cluster,
        )
    }

    #[tokio::test]
    async fn in_a_cluster_one_node_does_the_chores() {
        let Some(nodes) = testing::nodes(2).await else {
            return;
        };
        let data = tempfile::tempdir().unwrap();
        let a = accounts(data.path(), Some(nodes[0].clone())).await;
        let b = accounts(data.path(), Some(nodes[1].clone())).await;
        let (mut a_chores, mut b_chores) = (a.chores(), b.chores());
        assert!(a.chores_turn(&mut a_chores).await.unwrap().is_ok());
        assert!(
            b.chores_turn(&mut b_chores).await.is_none(),
            "a holds the chores"
        );
        assert!(
            a.chores_turn(&mut a_chores).await.is_some(),
            "and keeps them"
        );
        // a goes away (drained): b takes over at its next turn.
        a_chores.as_mut().unwrap().give_up().await;
        assert!(b.chores_turn(&mut b_chores).await.unwrap().is_ok());
        assert!(a.chores_turn(&mut a_chores).await.is_none());

        // A node on its own does them every time.
        let alone = accounts(data.path(), None).await;
        let mut none = alone.chores();
        assert!(none.is_none());
        assert!(alone.chores_turn(&mut none).await.unwrap().is_ok());
        nodes[0].clear().await.unwrap();
    }
}
