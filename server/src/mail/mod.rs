//! E-mail: the letters the accounts flow sends, and two ways to send them. SMTP (lettre)
//! for a real deployment; a file outbox (`.eml` files in the data directory) by default, so
//! `cargo run` needs no mail server and an operator can still deliver links by hand.
//!
//! Addresses never reach a log line or an error message.
mod letters;
mod outbox;
mod smtp;

pub use letters::Letter;
pub use outbox::FileOutbox;
pub use smtp::SmtpMailer;

use crate::model::Lang;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::Message;
use std::path::Path;
use std::sync::Arc;

/// One plain-text e-mail, ready to send.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mail {
    /// `contact`: how to reach the office, in `lang`, for the signature.
    pub fn new(
        to: &str,
        lang: Lang,
        space: &str,
        contact: Option<&str>,
        letter: &Letter<'_>,
    ) -> Mail {
        let (subject, body) = letter.render(lang, space, contact);
        Mail {
            to: to.to_string(),
            subject,
            body,
        }
    }

    /// The RFC 5322 message: plain text, UTF-8, nothing else.
    fn message(&self, from: &Mailbox) -> Result<Message, MailError> {
        let to: Mailbox = self.to.parse().map_err(|_| MailError::BadAddress)?;
        Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&self.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(self.body.clone())
            .map_err(|e| MailError::Build(e.to_string()))
    }
}

#[async_trait::async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
    /// For the start-up log line: "SMTP smtp.example.org:587 (starttls)" or "file outbox …".
    fn describe(&self) -> String;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    Starttls,
    Tls,
    None,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: Option<u16>,
    pub tls: SmtpTls,
    pub user: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct MailSettings {
    pub from: String,
    pub smtp: Option<SmtpSettings>,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the sender address `{0}` is not a valid e-mail address")]
    BadSender(String),
    #[error("the recipient address is not a valid e-mail address")]
    BadAddress,
    #[error("cannot build the message: {0}")]
    Build(String),
    #[error("cannot set up SMTP: {0}")]
    Setup(String),
    #[error("the SMTP server refused or could not be reached: {0}")]
    Smtp(String),
    #[error("cannot write to the outbox {path}")]
    Outbox {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// SMTP when `settings.smtp` is set, else the file outbox under `<data_dir>/outbox`.
pub fn mailer(settings: &MailSettings, data_dir: &Path) -> Result<Arc<dyn Mailer>, MailError> {
    let from: Mailbox = settings
        .from
        .parse()
        .map_err(|_| MailError::BadSender(settings.from.clone()))?;
    Ok(match &settings.smtp {
        Some(smtp) => Arc::new(SmtpMailer::new(smtp, from)?),
        None => Arc::new(FileOutbox::new(data_dir.join("outbox"), from)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_settings_never_print_the_password() {
        let settings = SmtpSettings {
            host: "smtp.example.org".into(),
            port: None,
            tls: SmtpTls::Starttls,
            user: Some("ibasho".into()),
            password: Some("s3cret-pass".into()),
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("s3cret-pass"), "{shown}");
        assert!(shown.contains("<hidden>"));
    }

    #[test]
    fn a_bad_sender_is_a_start_up_error() {
        let settings = MailSettings {
            from: "not an address".into(),
            smtp: None,
        };
        let err = mailer(&settings, Path::new("/nonexistent")).err().unwrap();
        assert!(matches!(err, MailError::BadSender(_)), "{err}");
    }

    #[test]
    fn languages_round_trip() {
        for lang in [Lang::Ja, Lang::En] {
            assert_eq!(lang.as_str().parse::<Lang>().unwrap(), lang);
        }
        assert!("fr".parse::<Lang>().is_err());
    }
}
