//! The file outbox: every e-mail as a complete `.eml` file in `<data>/outbox/`, the bytes
//! SMTP would have carried. File names hold a time and randomness, never the address.
use super::{Mail, MailError, Mailer};
use lettre::message::Mailbox;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct FileOutbox {
    dir: PathBuf,
    from: Mailbox,
    announced: AtomicBool,
}

impl FileOutbox {
    pub fn new(dir: PathBuf, from: Mailbox) -> FileOutbox {
        FileOutbox {
            dir,
            from,
            announced: AtomicBool::new(false),
        }
    }
}

#[async_trait::async_trait]
impl Mailer for FileOutbox {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let bytes = mail.message(&self.from)?.formatted();
        let name = format!(
            "{}-{}.eml",
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let dir = self.dir.clone();
        let path = dir.join(name);
        let written = path.clone();
        tokio::task::spawn_blocking(move || write_private(&dir, &path, &bytes))
            .await
            .map_err(|e| MailError::Outbox {
                path: written.clone(),
                source: std::io::Error::other(e),
            })?
            .map_err(|source| MailError::Outbox {
                path: written.clone(),
                source,
            })?;
        if !self.announced.swap(true, Ordering::Relaxed) {
            tracing::info!(outbox = %self.dir.display(), "no SMTP server is set: e-mails are written to the outbox as .eml files");
        }
        tracing::info!(file = %written.display(), "e-mail written to the outbox");
        Ok(())
    }

    fn describe(&self) -> String {
        format!("file outbox {}", self.dir.display())
    }
}

/// The outbox holds links that let someone in: only the server's user may read it.
fn write_private(
    dir: &std::path::Path,
    path: &std::path::Path,
    bytes: &[u8],
) -> std::io::Result<()> {
    use std::io::Write;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        builder.mode(0o700);
        options.mode(0o600);
    }
    builder.create(dir)?;
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::{Lang, Letter};

    #[tokio::test]
    async fn each_mail_is_a_private_eml_file_with_the_right_headers() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = FileOutbox::new(
            dir.path().join("outbox"),
            "ibasho@example.jp".parse().unwrap(),
        );
        let mail = Mail::new(
            "sora@example.org",
            Lang::Ja,
            "テストの居場所",
            None,
            &Letter::LoginLink {
                link: "http://127.0.0.1:8080/login#t=abc",
                minutes: 20,
            },
        );
        outbox.send(&mail).await.unwrap();
        outbox.send(&mail).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(dir.path().join("outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 2);
        let name = files[0].file_name().unwrap().to_string_lossy().to_string();
        assert!(name.ends_with(".eml") && !name.contains("sora"), "{name}");
        let text = std::fs::read_to_string(&files[0]).unwrap();
        assert!(text.contains("To: sora@example.org"), "{text}");
        assert!(text.contains("From: ibasho@example.jp"), "{text}");
        assert!(
            text.contains("Content-Type: text/plain; charset=utf-8"),
            "{text}"
        );
        assert!(
            text.contains("Subject: =?utf-8?"),
            "a Japanese subject is RFC 2047 encoded: {text}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(dir.path().join("outbox"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[tokio::test]
    async fn a_bad_recipient_is_an_error_without_the_address() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = FileOutbox::new(
            dir.path().join("outbox"),
            "ibasho@example.jp".parse().unwrap(),
        );
        let mail = Mail {
            to: "secret-person at nowhere".into(),
            subject: "x".into(),
            body: "y".into(),
        };
        let err = outbox.send(&mail).await.unwrap_err();
        assert!(!err.to_string().contains("secret-person"), "{err}");
    }
}
