//! Who someone is (a signed token) and what they may do (their role's grants).
mod role;
mod token;

pub use role::Grant;
pub use token::{Claims, KeyError, Keys, TokenError, LEEWAY_SECS as TOKEN_LEEWAY_SECS};
