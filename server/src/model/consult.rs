//! Counsellors' notes as the store keeps them (sealed), and the consent ledger's entries.
use super::PublicId;
use chrono::{DateTime, Utc};

/// A note as stored: never its text, only what AES-256-GCM made of it under key `key_id`.
#[derive(Debug, Clone)]
pub struct SealedNote {
    pub id: String,
    /// The participant the note is about.
    pub subject: PublicId,
    /// The counsellor who wrote it.
    pub author: PublicId,
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

/// One entry of the consent ledger, as hashed and stored (docs/consultations.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentEntry {
    /// Insertion order (the store's id).
    pub seq: i64,
    pub subject: PublicId,
    /// The proposal this entry belongs to.
    pub consent: String,
    /// proposed | agreed | declined | withdrawn
    pub event: String,
    pub actor: PublicId,
    pub at: DateTime<Utc>,
    /// The proposal's JSON for `proposed`, `{}` otherwise; the exact bytes that were hashed.
    pub body: String,
    pub prev_hash: String,
    pub hash: String,
}
