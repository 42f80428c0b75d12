//! Consultations (個別相談) outside the live space: booking slots with counsellors
//! (booking/), counsellors' notes, sealed at rest (notes.rs, keyring.rs), and the person's
//! consent to share, an append-only hash-chained ledger (consent.rs). docs/consultations.md
//! says what is stored, where the key is, and who may read what.
pub mod booking;
pub mod consent;
mod error;
mod keyring;
pub mod notes;

pub use consent::{Consents, Decision, Proposal};
pub use error::ConsultError;
pub use keyring::{KeyRingError, KEY_FILE};
pub use notes::Notes;
