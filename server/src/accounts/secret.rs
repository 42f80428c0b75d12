//! Secrets of the accounts flow: link and session tokens (random, stored only as their
//! SHA-256) and passphrases (argon2id, hashed off the async threads).
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use base64::Engine;
use sha2::{Digest, Sha256};

const TOKEN_BYTES: usize = 32;

/// A fresh token for a link or a session: 32 random bytes, base64url without padding.
pub fn new_token() -> String {
    use rand::TryRng;
    let mut bytes = [0u8; TOKEN_BYTES];
    // The OS random source failing is not something to limp on from.
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random source failed");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token: a leaked database holds no usable link.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum PassphraseError {
    #[error("cannot hash the passphrase")]
    Hash,
    #[error("the hashing task failed")]
    Task,
}

/// argon2id with the crate's recommended parameters, on a blocking thread.
pub async fn hash_passphrase(passphrase: String) -> Result<String, PassphraseError> {
    tokio::task::spawn_blocking(move || {
        // A fresh random salt from the OS each time.
        Argon2::default()
            .hash_password(passphrase.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|_| PassphraseError::Hash)
    })
    .await
    .map_err(|_| PassphraseError::Task)?
}

/// Checks a passphrase against a stored hash. With `None` (no such account, or one that
/// logs in by link) it checks against a fixed hash anyway, so the answer takes as long
/// either way and timing tells nothing about who has an account.
pub async fn verify_passphrase(passphrase: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let (hash, real) = match stored {
            Some(hash) => (hash, true),
            None => (decoy_hash().to_string(), false),
        };
        let matches = Argon2::default()
            .verify_password(passphrase.as_bytes(), hash.as_str())
            .is_ok();
        matches && real
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random passphrase nobody knows, made once.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        Argon2::default()
            .hash_password(new_token().as_bytes())
            .map(|hash| hash.to_string())
            // Without a decoy the unknown-account path is merely faster, never wrong.
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed_consistently() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash(&a).len(), 64);
    }

    #[tokio::test]
    async fn passphrases_verify_only_against_their_own_hash() {
        let hash = hash_passphrase("長くて覚えやすい言葉".into())
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_passphrase("長くて覚えやすい言葉".into(), Some(hash.clone())).await);
        assert!(!verify_passphrase("ちがう言葉です".into(), Some(hash)).await);
        assert!(!verify_passphrase("長くて覚えやすい言葉".into(), None).await);
        assert!(!verify_passphrase("x".into(), Some("not a hash".into())).await);
    }
}
