//! Consent to share (docs/consultations.md): a counsellor proposes sharing with another
//! organisation; the person agrees or declines, and may withdraw later; an export for the
//! recipient exists only while consent stands. Every step is an entry in an append-only
//! ledger, one hash chain per person: each entry carries the SHA-256 of the entry before
//! it, so a row altered in the database breaks the chain, and `verify` says where.
use super::error::ConsultError;
use super::notes::{NoteView, Notes};
use crate::model::{AuditAction, AuditEntry, ConsentEntry, Member, PublicId};
use crate::store::{Conflict, Store, StoreError};
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The `prev_hash` of a chain's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Free-text fields' limit, in characters.
const MAX_CHARS: usize = 500;
/// Appends retried when another append to the same chain won the race.
const APPEND_ATTEMPTS: usize = 5;

/// What may be shared; the page words each plainly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Information {
    Nickname,
    AgeGroup,
    Notes,
}

/// A proposal as the counsellor sends it, and as the ledger's first entry keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub recipient: String,
    pub purpose: String,
    pub information: Vec<Information>,
    pub legal_basis: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Proposed,
    Agreed,
    Declined,
    Withdrawn,
}

/// What the person does with a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Agree,
    Decline,
    Withdraw,
}

/// A proposal with where it stands and how it got there.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentView {
    pub id: String,
    pub member: PublicId,
    #[serde(flatten)]
    pub proposal: Proposal,
    pub state: State,
    pub timeline: Vec<Step>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub event: String,
    pub at: DateTime<Utc>,
}

/// Where a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ledger entry {seq} (member {subject}): {reason}")]
pub struct Broken {
    pub seq: i64,
    pub subject: String,
    pub reason: &'static str,
}

#[derive(Clone)]
pub struct Consents {
    store: Arc<Store>,
    notes: Notes,
}

impl Consents {
    pub fn new(store: Arc<Store>, notes: Notes) -> Consents {
        Consents { store, notes }
    }

    pub async fn propose(
        &self,
        counsellor: &PublicId,
        member: &PublicId,
        proposal: Proposal,
    ) -> Result<ConsentView, ConsultError> {
        let proposal = checked(proposal)?;
        let id = format!("c_{}", uuid::Uuid::new_v4().simple());
        let body =
            serde_json::to_string(&proposal).map_err(|e| ConsultError::Internal(e.to_string()))?;
        self.append(member, &id, "proposed", counsellor, body, |_| Ok(()))
            .await?;
        self.audit(counsellor, AuditAction::ConsentProposed, member, &id)
            .await?;
        self.view(&id).await
    }

    /// The proposals about `member`, newest first.
    pub async fn about(&self, member: &PublicId) -> Result<Vec<ConsentView>, ConsultError> {
        let chain = self.store.consent_chain(member).await?;
        let mut views = views(&chain)?;
        views.reverse();
        Ok(views)
    }

    /// The person's own answer (only theirs: `UnknownConsent` for anyone else's).
    pub async fn decide(
        &self,
        person: &Member,
        id: &str,
        decision: Decision,
    ) -> Result<ConsentView, ConsultError> {
        let current = self.view(id).await?;
        if current.member != person.public_id {
            return Err(ConsultError::UnknownConsent);
        }
        let (event, allowed_from, action) = match decision {
            Decision::Agree => ("agreed", State::Proposed, AuditAction::ConsentAgreed),
            Decision::Decline => ("declined", State::Proposed, AuditAction::ConsentDeclined),
            Decision::Withdraw => ("withdrawn", State::Agreed, AuditAction::ConsentWithdrawn),
        };
        let consent = id.to_string();
        self.append(
            &person.public_id,
            id,
            event,
            &person.public_id,
            "{}".into(),
            // The state as of the chain head this append follows: a double click appends
            // once, the second finds the answer already given.
            move |chain| match state_of(chain, &consent)? {
                Some(state) if state == allowed_from => Ok(()),
                Some(_) => Err(ConsultError::ConsentDecided),
                None => Err(ConsultError::UnknownConsent),
            },
        )
        .await?;
        self.audit(&person.public_id, action, &person.public_id, id)
            .await?;
        self.view(id).await
    }

    /// The export for the recipient, only while consent stands: the proposal, when it was
    /// agreed, and the information it names. `may_read_notes`: the exporter's grant, needed
    /// when the notes are part of it.
    pub async fn export(
        &self,
        exporter: &PublicId,
        id: &str,
        may_read_notes: bool,
    ) -> Result<serde_json::Value, ConsultError> {
        let view = self.view(id).await?;
        if view.state != State::Agreed {
            return Err(ConsultError::ConsentNotGiven);
        }
        let wants = |i| view.proposal.information.contains(&i);
        if wants(Information::Notes) && !may_read_notes {
            return Err(ConsultError::Forbidden);
        }
        let member = self
            .store
            .member_by_public_id(&view.member)
            .await?
            .ok_or(ConsultError::UnknownMember)?;
        let mut person = json!({ "id": member.public_id });
        if wants(Information::Nickname) {
            person["nickname"] = member.nickname.into();
        }
        if wants(Information::AgeGroup) {
            person["age_group"] = json!(member.group);
        }
        let agreed_at = view
            .timeline
            .iter()
            .rev()
            .find(|s| s.event == "agreed")
            .map(|s| s.at);
        let mut export = json!({
            "consent": {
                "id": view.id,
                "recipient": view.proposal.recipient,
                "purpose": view.proposal.purpose,
                "information": view.proposal.information,
                "legal_basis": view.proposal.legal_basis,
                "agreed_at": agreed_at,
            },
            "person": person,
            "exported_at": Utc::now().trunc_subsecs(0),
            "exported_by": exporter,
        });
        if wants(Information::Notes) {
            let notes: Vec<NoteView> = self.notes.read(exporter, &view.member).await?;
            export["notes"] = notes
                .into_iter()
                .map(|n| json!({ "written_at": n.created_at, "text": n.text }))
                .collect();
        }
        self.audit(exporter, AuditAction::ConsentExported, &view.member, id)
            .await?;
        Ok(export)
    }

    /// Walks every chain: each entry's hash must be the hash of its canonical bytes, and
    /// its `prev_hash` the hash of the entry before it. How many entries, or the first
    /// break.
    pub async fn verify(&self) -> Result<Result<usize, Broken>, ConsultError> {
        let ledger = self.store.consent_ledger().await?;
        let mut prev: Option<&ConsentEntry> = None;
        for entry in &ledger {
            let expected_prev = match prev {
                Some(p) if p.subject == entry.subject => p.hash.as_str(),
                _ => GENESIS,
            };
            let broken = |reason| Broken {
                seq: entry.seq,
                subject: entry.subject.0.clone(),
                reason,
            };
            if entry.prev_hash != expected_prev {
                return Ok(Err(broken(
                    "does not follow the entry before it (an entry was altered, removed or inserted)",
                )));
            }
            if entry.hash != hash(entry) {
                return Ok(Err(broken("its contents do not match its hash (altered)")));
            }
            prev = Some(entry);
        }
        Ok(Ok(ledger.len()))
    }

    async fn view(&self, id: &str) -> Result<ConsentView, ConsultError> {
        let entries = self.store.consent_entries(id).await?;
        views(&entries)?
            .into_iter()
            .next()
            .ok_or(ConsultError::UnknownConsent)
    }

    /// Appends one entry to `member`'s chain after `check` accepted the chain as it is;
    /// if another append took the place first, reads the chain again and retries.
    async fn append(
        &self,
        member: &PublicId,
        consent: &str,
        event: &str,
        actor: &PublicId,
        body: String,
        check: impl Fn(&[ConsentEntry]) -> Result<(), ConsultError>,
    ) -> Result<(), ConsultError> {
        for _ in 0..APPEND_ATTEMPTS {
            let chain = self.store.consent_chain(member).await?;
            check(&chain)?;
            let mut entry = ConsentEntry {
                seq: 0,
                subject: member.clone(),
                consent: consent.to_string(),
                event: event.to_string(),
                actor: actor.clone(),
                at: Utc::now().trunc_subsecs(6),
                body: body.clone(),
                prev_hash: chain.last().map_or(GENESIS.to_string(), |e| e.hash.clone()),
                hash: String::new(),
            };
            entry.hash = hash(&entry);
            match self.store.append_consent(&entry).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict(Conflict::NotOpen)) => continue,
                Err(StoreError::NotFound) => return Err(ConsultError::UnknownMember),
                Err(e) => return Err(e.into()),
            }
        }
        Err(ConsultError::Internal("the ledger was busy".into()))
    }

    async fn audit(
        &self,
        actor: &PublicId,
        action: AuditAction,
        subject: &PublicId,
        consent: &str,
    ) -> Result<(), ConsultError> {
        self.store
            .record_audit(AuditEntry {
                actor: Some(actor.clone()),
                action,
                subject: Some(subject.clone()),
                detail: json!({ "consent": consent }),
            })
            .await?;
        Ok(())
    }
}

/// The bytes an entry's hash covers: every field but its own hash and its position, as a
/// JSON array (unambiguous whatever the texts hold), the time to the microsecond.
pub fn canonical(entry: &ConsentEntry) -> Vec<u8> {
    let at = entry.at.to_rfc3339_opts(SecondsFormat::Micros, true);
    serde_json::to_vec(&[
        "ibasho-consent-1",
        &entry.subject.0,
        &entry.consent,
        &entry.event,
        &entry.actor.0,
        &at,
        &entry.body,
        &entry.prev_hash,
    ])
    .unwrap_or_default()
}

/// SHA-256 of the entry's canonical bytes, in lowercase hex.
pub fn hash(entry: &ConsentEntry) -> String {
    Sha256::digest(canonical(entry))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The state of proposal `consent` in `chain`: its last event, `None` if it is not there.
fn state_of(chain: &[ConsentEntry], consent: &str) -> Result<Option<State>, ConsultError> {
    let last = chain.iter().rev().find(|e| e.consent == consent);
    last.map(|e| event_state(&e.event)).transpose()
}

fn event_state(event: &str) -> Result<State, ConsultError> {
    Ok(match event {
        "proposed" => State::Proposed,
        "agreed" => State::Agreed,
        "declined" => State::Declined,
        "withdrawn" => State::Withdrawn,
        _ => return Err(ConsultError::Internal("unknown ledger event".into())),
    })
}

/// The proposals in `entries` (oldest first), each with its timeline.
fn views(entries: &[ConsentEntry]) -> Result<Vec<ConsentView>, ConsultError> {
    let mut views: Vec<ConsentView> = Vec::new();
    for entry in entries {
        if entry.event == "proposed" {
            let proposal: Proposal = serde_json::from_str(&entry.body)
                .map_err(|_| ConsultError::Internal("a ledger entry does not parse".into()))?;
            views.push(ConsentView {
                id: entry.consent.clone(),
                member: entry.subject.clone(),
                proposal,
                state: State::Proposed,
                timeline: Vec::new(),
            });
        }
        let Some(view) = views.iter_mut().find(|v| v.id == entry.consent) else {
            continue;
        };
        view.state = event_state(&entry.event)?;
        view.timeline.push(Step {
            event: entry.event.clone(),
            at: entry.at,
        });
    }
    Ok(views)
}

/// Trims the texts and refuses what is empty, too long or names nothing to share.
fn checked(mut p: Proposal) -> Result<Proposal, ConsultError> {
    for (field, value, empty) in [
        (
            "recipient",
            &mut p.recipient,
            "提供先（どこに伝えるか）を入力してください。",
        ),
        (
            "purpose",
            &mut p.purpose,
            "目的（なぜ伝えるか）を入力してください。",
        ),
        (
            "legal_basis",
            &mut p.legal_basis,
            "根拠（例: ご本人の同意）を入力してください。",
        ),
    ] {
        *value = value.trim().to_string();
        if value.is_empty() {
            return Err(ConsultError::invalid(field, empty));
        }
        if value.chars().count() > MAX_CHARS {
            return Err(ConsultError::invalid(
                field,
                format!("{MAX_CHARS}文字までにしてください。"),
            ));
        }
    }
    let mut seen = Vec::new();
    p.information.retain(|item| {
        let first = !seen.contains(item);
        seen.push(*item);
        first
    });
    if p.information.is_empty() {
        return Err(ConsultError::invalid(
            "information",
            "伝える情報を一つ以上選んでください。",
        ));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(prev: &str) -> ConsentEntry {
        let mut e = ConsentEntry {
            seq: 1,
            subject: PublicId("m_1".into()),
            consent: "c_1".into(),
            event: "proposed".into(),
            actor: PublicId("m_2".into()),
            at: "2026-12-09T02:00:00.123456Z".parse().unwrap(),
            body: "{}".into(),
            prev_hash: prev.into(),
            hash: String::new(),
        };
        e.hash = hash(&e);
        e
    }

    #[test]
    fn the_hash_covers_every_field_and_the_link() {
        let a = entry(GENESIS);
        assert_eq!(a.hash.len(), 64);
        let mut altered = a.clone();
        altered.body = "{\"x\":1}".into();
        assert_ne!(hash(&altered), a.hash);
        let mut later = a.clone();
        later.at += chrono::Duration::microseconds(1);
        assert_ne!(hash(&later), a.hash);
        let b = entry(&a.hash);
        assert_ne!(b.hash, a.hash);
        assert_eq!(hash(&b), b.hash);
    }
}
