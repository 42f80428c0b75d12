//! Short-lived access tokens: JWT signed with HS256 by a key that lives in the data
//! directory, so tokens survive a restart and the CLI (`ibasho admin token`) can issue
//! them too.
//!
//! Tokens live on the real wall clock, never the schedule's `Clock`: they are issued and
//! checked against it (here, by the server and by `ibasho admin token` alike), and a
//! rehearsal run at another instant (`--clock`) must not make stale tokens valid.
//! Every time claim is checked against one reading of that clock with one leeway
//! (docs/accounts.md).
use crate::model::AccountId;
use crate::model::Role;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

const AUDIENCE: &str = "ibasho";
/// Allows for small clock differences between the nodes that issue and check tokens: a token
/// is taken from `nbf` (and `iat`) minus this until `exp` plus this. Small, so a token dies
/// close to `exp` and one made for later is refused.
pub const LEEWAY_SECS: i64 = 30;
const KEY_FILE: &str = "signing.key";
const KEY_LEN: usize = 32;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The account id; only the server reads it, the token is never shown to others.
    pub sub: String,
    pub role: Role,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// Not before; ours never set it, but one that does is held to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
}

pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("algorithm", &"HS256")
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    /// Bad signature, another algorithm, another audience, missing claims or not a JWT.
    /// One variant on purpose: a caller has nothing to tell a client beyond "log in again".
    #[error("the token is not valid")]
    Invalid,
    #[error("cannot sign the token")]
    Sign(#[source] jsonwebtoken::errors::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the signing key at {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the signing key file {} does not exist: make one (`head -c 32 /dev/urandom | base64 \
         > FILE && chmod 600 FILE`) and give every node the same file",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error(
        "the signing key at {} is corrupt ({reason}); restore it from a backup, or delete \
         it to make a new one (everyone will have to log in again)",
        path.display()
    )]
    Corrupt { path: PathBuf, reason: String },
}

impl Keys {
    /// The key in `key_file` when one is given (`--signing-key-file`: nodes on different
    /// machines share it), else the data directory's own (`load_or_create`).
    pub fn load(data_dir: &Path, key_file: Option<&Path>) -> Result<Keys, KeyError> {
        match key_file {
            Some(path) => Self::load_file(path),
            None => Self::load_or_create(data_dir),
        }
    }

    /// Reads a key file made beforehand. It is never created here: a node that made its own
    /// would sign tokens no other node accepts, a fault noticed only by members logged out.
    pub fn load_file(path: &Path) -> Result<Keys, KeyError> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                warn_if_readable_by_others(path);
                Self::parse(path, &text)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(KeyError::Missing {
                path: path.to_path_buf(),
            }),
            Err(source) => Err(KeyError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Reads `<data_dir>/signing.key`, or creates it: 32 random bytes from the OS, stored
    /// base64, mode 0600 (and `data_dir` 0700 if it has to be made).
    pub fn load_or_create(data_dir: &Path) -> Result<Keys, KeyError> {
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                warn_if_readable_by_others(&path);
                return Self::parse(&path, &text);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(KeyError::Io { path, source }),
        }
        create_private_dir(data_dir).map_err(|source| KeyError::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let mut secret = [0u8; KEY_LEN];
        {
            use rand::TryRng;
            rand::rngs::SysRng
                .try_fill_bytes(&mut secret)
                .map_err(|e| KeyError::Io {
                    path: path.clone(),
                    source: std::io::Error::other(e),
                })?;
        }
        let text = base64::engine::general_purpose::STANDARD.encode(secret);
        match publish_key_file(&path, &text) {
            Ok(()) => Ok(Keys::from_secret(&secret)),
            // Another process (the server and the CLI at first start) won the race: use its key.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(&path).map_err(|source| KeyError::Io {
                    path: path.clone(),
                    source,
                })?;
                Self::parse(&path, &text)
            }
            Err(source) => Err(KeyError::Io { path, source }),
        }
    }

    pub fn from_secret(secret: &[u8]) -> Keys {
        // Spelled out, not left to defaults, so a library upgrade cannot widen what we accept.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        // Time claims are checked in `verify`, all against one reading of the clock.
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_audience(&[AUDIENCE]);
        // `iat` is required too: `Claims` cannot be read without it.
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue(
        &self,
        account: &AccountId,
        role: Role,
        ttl: Duration,
    ) -> Result<String, TokenError> {
        let iat = now();
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            sub: account.0.clone(),
            role,
            aud: AUDIENCE.to_string(),
            iat,
            exp: iat.saturating_add(ttl),
            nbf: None,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(TokenError::Sign)
    }

    /// The signature is checked before the times, so only our own tokens can be `Expired`.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_at(token, now())
    }

    /// `verify` at the instant `now` (Unix seconds).
    fn verify_at(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let claims = match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => data.claims,
            Err(e) => return Err(rejected(&e.to_string())),
        };
        if claims.nbf.is_some_and(|nbf| nbf > now + LEEWAY_SECS) {
            return Err(rejected("not valid yet (nbf)"));
        }
        if claims.iat > now + LEEWAY_SECS {
            return Err(rejected("issued in the future (iat)"));
        }
        if now > claims.exp.saturating_add(LEEWAY_SECS) {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    fn parse(path: &Path, text: &str) -> Result<Keys, KeyError> {
        let corrupt = |reason: String| KeyError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        // The reason never quotes the file: it is key material.
        let secret = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| corrupt("not base64".into()))?;
        if secret.len() != KEY_LEN {
            return Err(corrupt(format!(
                "expected {KEY_LEN} bytes, found {}",
                secret.len()
            )));
        }
        Ok(Keys::from_secret(&secret))
    }
}

/// The reason helps an operator; the client only learns "invalid".
fn rejected(reason: &str) -> TokenError {
    tracing::debug!(reason, "token rejected");
    TokenError::Invalid
}

/// The wall clock, in the Unix seconds tokens carry.
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Writes the key to a private temporary file, then links it into place. The link fails
/// if the key already exists, so a racing process never overwrites a key in use nor
/// reads a half-written one.
fn publish_key_file(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{KEY_FILE}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut file = private_file_options().open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
        std::fs::hard_link(&tmp, path)
    })();
    // Best effort: the temporary name is harmless (0600) if it lingers.
    let _ = std::fs::remove_file(&tmp);
    written
}

#[cfg(unix)]
fn private_file_options() -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true).mode(0o600);
    options
}

#[cfg(not(unix))]
fn private_file_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    options
}

/// A key others can read lets them mint admin tokens; say so rather than refuse to start.
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(path = %path.display(), "signing key is readable by others; chmod 600 it");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn claims(aud: &str, exp: i64) -> Claims {
        Claims {
            sub: "acc-1".into(),
            role: Role::Participant,
            aud: aud.into(),
            iat: now(),
            exp,
            nbf: None,
        }
    }

    fn sign(alg: Algorithm, secret: &[u8], claims: &Claims) -> String {
        jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    #[test]
    fn round_trip() {
        let keys = Keys::from_secret(SECRET);
        let account = AccountId::generate();
        let token = keys
            .issue(&account, Role::Counsellor, Duration::from_secs(900))
            .unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.sub, account.0);
        assert_eq!(claims.role, Role::Counsellor);
        assert_eq!(claims.aud, "ibasho");
        assert_eq!(claims.exp - claims.iat, 900);
        assert!((claims.iat - now()).abs() < 5);
    }

    #[test]
    fn expired_tokens_are_expired_within_a_small_leeway() {
        let keys = Keys::from_secret(SECRET);
        let old = sign(Algorithm::HS256, SECRET, &claims("ibasho", now() - 120));
        assert!(matches!(keys.verify(&old), Err(TokenError::Expired)));
        let just = sign(Algorithm::HS256, SECRET, &claims("ibasho", now() - 2));
        assert!(keys.verify(&just).is_ok());
        // A forged token is invalid even when it is also expired.
        let forged = sign(
            Algorithm::HS256,
            b"another key",
            &claims("ibasho", now() - 120),
        );
        assert!(matches!(keys.verify(&forged), Err(TokenError::Invalid)));
    }

    #[test]
    fn expiry_has_one_fixed_leeway() {
        let keys = Keys::from_secret(SECRET);
        let at = 1_800_000_000;
        let token = sign(
            Algorithm::HS256,
            SECRET,
            &Claims {
                iat: at - 900,
                ..claims("ibasho", at)
            },
        );
        assert!(keys.verify_at(&token, at + LEEWAY_SECS).is_ok());
        assert!(matches!(
            keys.verify_at(&token, at + LEEWAY_SECS + 1),
            Err(TokenError::Expired)
        ));
    }

    #[test]
    fn tokens_for_later_are_invalid() {
        let keys = Keys::from_secret(SECRET);
        let at = 1_800_000_000;
        let base = Claims {
            iat: at,
            ..claims("ibasho", at + 900)
        };
        let with = |nbf: Option<i64>, iat: i64| {
            sign(
                Algorithm::HS256,
                SECRET,
                &Claims {
                    nbf,
                    iat,
                    ..base.clone()
                },
            )
        };
        // Not before an hour from now, or issued a day from now: refused.
        for token in [with(Some(at + 3600), at), with(None, at + 86_400)] {
            assert!(matches!(
                keys.verify_at(&token, at),
                Err(TokenError::Invalid)
            ));
        }
        // Within the leeway (another node's clock a little ahead): taken.
        let ahead = with(Some(at + LEEWAY_SECS), at + LEEWAY_SECS);
        assert!(keys.verify_at(&ahead, at).is_ok());
        let beyond = with(Some(at + LEEWAY_SECS + 1), at);
        assert!(matches!(
            keys.verify_at(&beyond, at),
            Err(TokenError::Invalid)
        ));
    }

    #[test]
    fn another_key_is_invalid() {
        let token = Keys::from_secret(b"another key")
            .issue(&AccountId::generate(), Role::Admin, Duration::from_secs(60))
            .unwrap();
        assert!(matches!(
            Keys::from_secret(SECRET).verify(&token),
            Err(TokenError::Invalid)
        ));
    }

    #[test]
    fn only_hs256_is_accepted() {
        let keys = Keys::from_secret(SECRET);
        let c = claims("ibasho", now() + 600);
        let hs512 = sign(Algorithm::HS512, SECRET, &c);
        assert!(matches!(keys.verify(&hs512), Err(TokenError::Invalid)));

        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
        for unsigned in [format!("{header}.{body}."), format!("{header}.{body}")] {
            assert!(matches!(keys.verify(&unsigned), Err(TokenError::Invalid)));
        }
    }

    #[test]
    fn another_audience_or_garbage_is_invalid() {
        let keys = Keys::from_secret(SECRET);
        let other = sign(Algorithm::HS256, SECRET, &claims("kokoiru", now() + 600));
        assert!(matches!(keys.verify(&other), Err(TokenError::Invalid)));

        let no_aud = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({ "sub": "acc-1", "role": "admin", "iat": now(), "exp": now() + 600 }),
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert!(matches!(keys.verify(&no_aud), Err(TokenError::Invalid)));

        for garbage in ["", "not a token", "a.b.c", "...."] {
            assert!(matches!(keys.verify(garbage), Err(TokenError::Invalid)));
        }
    }

    #[test]
    fn debug_hides_the_key() {
        let shown = format!("{:?}", Keys::from_secret(SECRET));
        assert!(!shown.contains("0123456789"), "{shown}");
        assert!(!shown.contains("48, 49"), "{shown}");
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_private_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let data_dir = tmp.path().join("data");
        let first = Keys::load_or_create(&data_dir).unwrap();
        let key_path = data_dir.join("signing.key");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&key_path), 0o600);
        assert_eq!(mode(&data_dir), 0o700);
        let stored = std::fs::read_to_string(&key_path).unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(stored.trim())
                .unwrap()
                .len(),
            32
        );

        let token = first
            .issue(&AccountId::generate(), Role::Staff, Duration::from_secs(60))
            .unwrap();
        let second = Keys::load_or_create(&data_dir).unwrap();
        assert!(second.verify(&token).is_ok());
        assert_eq!(std::fs::read_to_string(&key_path).unwrap(), stored);
        // No temporary files left behind.
        assert_eq!(std::fs::read_dir(&data_dir).unwrap().count(), 1);
    }

    #[test]
    fn a_named_key_file_is_shared_and_never_made() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("shared.key");
        let missing = Keys::load(&dir.path().join("data"), Some(&file)).unwrap_err();
        assert!(matches!(missing, KeyError::Missing { .. }));
        assert!(missing.to_string().contains("shared.key"));
        assert!(!file.exists() && !dir.path().join("data").exists());

        std::fs::write(
            &file,
            format!(
                "{}\n",
                base64::engine::general_purpose::STANDARD.encode([9u8; KEY_LEN])
            ),
        )
        .unwrap();
        // Two nodes with different data directories and the same file accept each other's tokens.
        let a = Keys::load(&dir.path().join("a"), Some(&file)).unwrap();
        let b = Keys::load(&dir.path().join("b"), Some(&file)).unwrap();
        let token = a
            .issue(
                &AccountId("acc".into()),
                Role::Participant,
                Duration::from_secs(60),
            )
            .unwrap();
        assert_eq!(b.verify(&token).unwrap().sub, "acc");
        // Without it, a data directory's own key is another key.
        let own = Keys::load(&dir.path().join("a"), None).unwrap();
        assert!(matches!(own.verify(&token), Err(TokenError::Invalid)));
    }

    #[test]
    fn a_corrupt_key_file_names_its_path() {
        let tmp = tempfile::tempdir().unwrap();
        let key_path = tmp.path().join("signing.key");
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
        for content in ["%%% secret-ish %%%", short.as_str(), ""] {
            std::fs::write(&key_path, content).unwrap();
            let err = Keys::load_or_create(tmp.path()).unwrap_err();
            assert!(matches!(err, KeyError::Corrupt { .. }), "{err}");
            let message = err.to_string();
            assert!(
                message.contains(&key_path.display().to_string()),
                "{message}"
            );
            assert!(!message.contains("secret-ish"), "{message}");
        }
    }
}
