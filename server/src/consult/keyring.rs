//! The notes' keys: a small file in the data directory (`notes.key`, mode 0600), never in
//! the database, so a copy of the database alone reads nothing. One key per line, `ID
//! BASE64`; the first seals new notes, every one opens the notes sealed with it. A rotation
//! puts a new key first, reseals every note, then drops the old key (consult::notes).
use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Key, Nonce};
use base64::Engine as _;
use std::path::{Path, PathBuf};

pub const KEY_FILE: &str = "notes.key";
const NONCE_LEN: usize = 12;
const HEADER: &str = "# ibasho: the keys of the counsellors' notes (docs/consultations.md). \
The first line seals new notes. Keep this file private (0600) and back it up apart from the database.\n";

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error("cannot read or write the notes key at {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The reason never quotes the file: it is key material.
    #[error("the notes key at {} is corrupt ({reason}); restore it from a backup", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("no key {0} in the notes key file: restore the file from a backup")]
    UnknownKey(String),
    #[error("a note does not open with its key (altered, or sealed for another note)")]
    Unreadable,
}

#[derive(Clone)]
pub struct KeyRing {
    /// The first seals; all open.
    keys: Vec<(String, Key<Aes256Gcm>)>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        f.debug_struct("KeyRing").field("ids", &ids).finish()
    }
}

/// A note sealed: which key, the nonce and the ciphertext (with its tag).
pub struct Sealed {
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl KeyRing {
    /// Reads the ring at `path`, or makes one with a fresh key (0600) if there is none.
    pub fn load_or_create(path: &Path) -> Result<KeyRing, KeyRingError> {
        match Self::load(path) {
            Err(KeyRingError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound => {}
            done => return done,
        }
        let ring = KeyRing {
            keys: vec![fresh_key()],
        };
        // The data directory may not exist yet when the database is elsewhere (PostgreSQL).
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| io(path, source))?;
        }
        match write_private(path, &ring.render(), false) {
            Ok(()) => Ok(ring),
            // Another process (the server and the CLI at first start) made it first.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load(path),
            Err(source) => Err(io(path, source)),
        }
    }

    pub fn load(path: &Path) -> Result<KeyRing, KeyRingError> {
        let text = std::fs::read_to_string(path).map_err(|source| io(path, source))?;
        let corrupt = |reason: &str| KeyRingError::Corrupt {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let mut keys = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (id, encoded) = line
                .split_once(' ')
                .ok_or_else(|| corrupt("a line is not `ID KEY`"))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|_| corrupt("a key is not base64"))?;
            if bytes.len() != 32 {
                return Err(corrupt("a key is not 32 bytes"));
            }
            keys.push((id.to_string(), *Key::<Aes256Gcm>::from_slice(&bytes)));
        }
        if keys.is_empty() {
            return Err(corrupt("no key"));
        }
        Ok(KeyRing { keys })
    }

    /// Replaces the file at `path` with this ring at once (a temporary file renamed over
    /// it): a reader sees the old ring or the new, never half of one.
    pub fn save(&self, path: &Path) -> Result<(), KeyRingError> {
        write_private(path, &self.render(), true).map_err(|source| io(path, source))
    }

    pub fn current_id(&self) -> &str {
        &self.keys[0].0
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    /// This ring with a fresh key first (it seals from now on); the others still open.
    pub fn with_fresh_key(&self) -> KeyRing {
        let mut keys = vec![fresh_key()];
        keys.extend(self.keys.iter().cloned());
        KeyRing { keys }
    }

    /// This ring with only its current key.
    pub fn current_only(&self) -> KeyRing {
        KeyRing {
            keys: vec![self.keys[0].clone()],
        }
    }

    /// Seals `text` with the current key and a fresh random nonce; `aad` (the note's id and
    /// subject) is bound to it, so a ciphertext copied onto another row does not open.
    pub fn seal(&self, text: &str, aad: &[u8]) -> Result<Sealed, KeyRingError> {
        let (id, key) = &self.keys[0];
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = Aes256Gcm::new(key)
            .encrypt(
                &nonce,
                Payload {
                    msg: text.as_bytes(),
                    aad,
                },
            )
            .map_err(|_| KeyRingError::Unreadable)?;
        Ok(Sealed {
            key_id: id.clone(),
            nonce: nonce.to_vec(),
            ciphertext,
        })
    }

    pub fn open(
        &self,
        key_id: &str,
        nonce: &[u8],
        ciphertext: &[u8],
        aad: &[u8],
    ) -> Result<String, KeyRingError> {
        let (_, key) = self
            .keys
            .iter()
            .find(|(id, _)| id == key_id)
            .ok_or_else(|| KeyRingError::UnknownKey(key_id.to_string()))?;
        if nonce.len() != NONCE_LEN {
            return Err(KeyRingError::Unreadable);
        }
        let plain = Aes256Gcm::new(key)
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| KeyRingError::Unreadable)?;
        String::from_utf8(plain).map_err(|_| KeyRingError::Unreadable)
    }

    fn render(&self) -> String {
        let mut text = HEADER.to_string();
        for (id, key) in &self.keys {
            let encoded = base64::engine::general_purpose::STANDARD.encode(key.as_slice());
            text.push_str(&format!("{id} {encoded}\n"));
        }
        text
    }
}

fn fresh_key() -> (String, Key<Aes256Gcm>) {
    let id = format!("k_{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    (id, Aes256Gcm::generate_key(OsRng))
}

fn io(path: &Path, source: std::io::Error) -> KeyRingError {
    KeyRingError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a private (0600) temporary file beside `path`, then renames it over `path`
/// (`replace`) or links it into place, failing with `AlreadyExists` if `path` exists.
fn write_private(path: &Path, text: &str, replace: bool) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".notes.key.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if replace {
            std::fs::rename(&tmp, path)
        } else {
            std::fs::hard_link(&tmp, path)
        }
    })();
    // After a rename there is nothing left; after a link (or a failure), the temporary name.
    let _ = std::fs::remove_file(&tmp);
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_is_made_private_seals_and_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        let ring = KeyRing::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let sealed = ring.seal("ひみつのメモ", b"n_1 m_1").unwrap();
        assert!(!sealed.ciphertext.windows(6).any(|w| w == "ひみ".as_bytes()));
        let again = KeyRing::load_or_create(&path).unwrap();
        let open = |r: &KeyRing, aad: &[u8]| {
            r.open(&sealed.key_id, &sealed.nonce, &sealed.ciphertext, aad)
        };
        assert_eq!(open(&again, b"n_1 m_1").unwrap(), "ひみつのメモ");
        assert!(matches!(
            open(&again, b"n_2 m_1"),
            Err(KeyRingError::Unreadable)
        ));
        // Two seals of one text differ (a fresh nonce each time).
        assert_ne!(
            ring.seal("a", b"").unwrap().nonce,
            ring.seal("a", b"").unwrap().nonce
        );

        let rotated = again.with_fresh_key();
        rotated.save(&path).unwrap();
        let loaded = KeyRing::load(&path).unwrap();
        assert_ne!(loaded.current_id(), sealed.key_id);
        assert_eq!(open(&loaded, b"n_1 m_1").unwrap(), "ひみつのメモ");
        loaded.current_only().save(&path).unwrap();
        assert!(matches!(
            open(&KeyRing::load(&path).unwrap(), b"n_1 m_1"),
            Err(KeyRingError::UnknownKey(_))
        ));
    }
}
