//! The domain's plain types, shared by accounts, the store and the hub: members and their
//! roles, applications, invitations, logins, audit entries, consultation slots, sealed notes
//! and consent entries. They depend on nothing else in the crate, so every module can use
//! them without importing the one that uses it.
mod account;
mod audit;
mod booking;
mod consult;
mod group;
mod lang;
mod member;
mod mute;
mod role;
mod safety;

pub use account::*;
pub use audit::{AuditAction, AuditEntry, AuditRecord};
pub use booking::*;
pub use consult::{ConsentEntry, SealedNote};
pub use group::AgeGroup;
pub use lang::Lang;
pub use member::*;
pub use mute::Mute;
pub use role::Role;
pub use safety::{Report, ReportReason, Suspension};
