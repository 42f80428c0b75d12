//! Counsellors' notes: written with `take_consultations`, read with `read_notes` (the HTTP
//! extractors check the grants), sealed with AES-256-GCM under the key ring's current key,
//! every write and read in the audit log (ids only, never the text).
use super::error::ConsultError;
use super::keyring::{KeyRing, KeyRingError};
use crate::model::{AuditAction, AuditEntry, PublicId, SealedNote};
use crate::store::Store;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A note's length limit, in characters.
pub const MAX_CHARS: usize = 4000;
/// Notes resealed per batch during a rotation.
const BATCH: u32 = 100;

/// A cheap-to-clone handle on the notes.
#[derive(Clone)]
pub struct Notes {
    store: Arc<Store>,
    key_file: PathBuf,
}

/// A note as its reader sees it.
#[derive(Debug, Clone, Serialize)]
pub struct NoteView {
    pub id: String,
    pub member: PublicId,
    pub author: PublicId,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotated {
    pub key_id: String,
    pub resealed: u64,
    pub dropped: Vec<String>,
}

impl Notes {
    /// With `create`, the key ring is made (0600) now if there is none, so the server's
    /// first start leaves it in place; without (a file given to several nodes), it must
    /// exist: a node that made its own would seal notes no other node can open.
    pub fn open(store: Arc<Store>, key_file: &Path, create: bool) -> Result<Notes, KeyRingError> {
        if create {
            KeyRing::load_or_create(key_file)?;
        } else {
            KeyRing::load(key_file)?;
        }
        Ok(Notes {
            store,
            key_file: key_file.to_path_buf(),
        })
    }

    /// The store the notes are in (the consent ledger shares it).
    pub fn store(&self) -> Arc<Store> {
        self.store.clone()
    }

    /// Read again for every request (a tiny file; notes are few): a rotation run from the
    /// command line beside the server is followed at once, no restart needed.
    fn ring(&self) -> Result<KeyRing, ConsultError> {
        Ok(KeyRing::load(&self.key_file)?)
    }

    pub async fn write(
        &self,
        author: &PublicId,
        member: &PublicId,
        text: &str,
    ) -> Result<NoteView, ConsultError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ConsultError::invalid("text", "メモを入力してください。"));
        }
        if text.chars().count() > MAX_CHARS {
            return Err(ConsultError::invalid(
                "text",
                format!("メモは{MAX_CHARS}文字までにしてください。"),
            ));
        }
        let id = format!("n_{}", uuid::Uuid::new_v4().simple());
        let sealed = self.ring()?.seal(text, &aad(&id, member))?;
        let note = SealedNote {
            id,
            subject: member.clone(),
            author: author.clone(),
            key_id: sealed.key_id,
            nonce: sealed.nonce,
            ciphertext: sealed.ciphertext,
            created_at: Utc::now().trunc_subsecs(6),
        };
        match self.store.insert_note(&note).await {
            Err(crate::store::StoreError::NotFound) => return Err(ConsultError::UnknownMember),
            other => other?,
        }
        self.audit(
            author,
            AuditAction::NoteWritten,
            member,
            json!({ "note": note.id }),
        )
        .await?;
        Ok(NoteView {
            id: note.id,
            member: note.subject,
            author: note.author,
            text: text.to_string(),
            created_at: note.created_at,
        })
    }

    /// The notes about `member`, newest first; each one read is audited.
    pub async fn read(
        &self,
        reader: &PublicId,
        member: &PublicId,
    ) -> Result<Vec<NoteView>, ConsultError> {
        if self.store.member_by_public_id(member).await?.is_none() {
            return Err(ConsultError::UnknownMember);
        }
        let sealed = self.store.notes_about(member).await?;
        let ring = self.ring()?;
        let mut notes = Vec::with_capacity(sealed.len());
        for note in sealed {
            let text = ring.open(
                &note.key_id,
                &note.nonce,
                &note.ciphertext,
                &aad(&note.id, &note.subject),
            )?;
            self.audit(
                reader,
                AuditAction::NoteRead,
                member,
                json!({ "note": note.id }),
            )
            .await?;
            notes.push(NoteView {
                id: note.id,
                member: note.subject,
                author: note.author,
                text,
                created_at: note.created_at,
            });
        }
        Ok(notes)
    }

    /// A new key seals from now on; every note is resealed with it, and then the old keys
    /// leave the file. Until they do, the file keeps them, so a rotation stopped halfway
    /// loses nothing: run it again.
    pub async fn rotate_key(&self) -> Result<Rotated, ConsultError> {
        let ring = self.ring()?.with_fresh_key();
        ring.save(&self.key_file)?;
        let current = ring.current_id().to_string();
        let mut resealed = 0;
        // Until no note is left under an old key (a server may still be sealing one with
        // the ring it read before the new key was saved).
        loop {
            let batch = self.store.notes_sealed_otherwise(&current, BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for note in batch {
                let aad = aad(&note.id, &note.subject);
                let text = ring.open(&note.key_id, &note.nonce, &note.ciphertext, &aad)?;
                let sealed = ring.seal(&text, &aad)?;
                if self
                    .store
                    .reseal_note(
                        &note.id,
                        &note.key_id,
                        &sealed.key_id,
                        &sealed.nonce,
                        &sealed.ciphertext,
                    )
                    .await?
                {
                    resealed += 1;
                }
            }
        }
        let dropped = ring.ids().skip(1).map(str::to_string).collect();
        ring.current_only().save(&self.key_file)?;
        self.store
            .record_audit(AuditEntry {
                actor: None,
                action: AuditAction::NotesKeyRotated,
                subject: None,
                detail: json!({ "key": current, "resealed": resealed }),
            })
            .await?;
        Ok(Rotated {
            key_id: current,
            resealed,
            dropped,
        })
    }

    async fn audit(
        &self,
        actor: &PublicId,
        action: AuditAction,
        subject: &PublicId,
        detail: serde_json::Value,
    ) -> Result<(), ConsultError> {
        self.store
            .record_audit(AuditEntry {
                actor: Some(actor.clone()),
                action,
                subject: Some(subject.clone()),
                detail,
            })
            .await?;
        Ok(())
    }
}

/// What a note's ciphertext is bound to: its own row.
fn aad(id: &str, subject: &PublicId) -> Vec<u8> {
    format!("{id} {}", subject.0).into_bytes()
}
