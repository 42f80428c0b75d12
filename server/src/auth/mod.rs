//! Who someone is (a signed token) and what they may do (their role's grants).
mod role;

pub use role::{Grant, Role};
