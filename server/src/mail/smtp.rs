//! Sending through an SMTP server with lettre (rustls; the system's certificate store).
use super::{Mail, MailError, Mailer, SmtpSettings, SmtpTls};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// A stuck SMTP server must not hold a staff member's click for minutes.
const TIMEOUT: Duration = Duration::from_secs(20);

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    description: String,
}

impl SmtpMailer {
    pub fn new(settings: &SmtpSettings, from: Mailbox) -> Result<SmtpMailer, MailError> {
        let setup = |e: lettre::transport::smtp::Error| MailError::Setup(e.to_string());
        let (mut builder, default_port, mode) = match settings.tls {
            SmtpTls::Starttls => (
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(setup)?,
                587,
                "starttls",
            ),
            SmtpTls::Tls => (
                AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(setup)?,
                465,
                "tls",
            ),
            // Plain text: only for a relay on the same machine (and the tests' sink).
            SmtpTls::None => (
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
                25,
                "no TLS",
            ),
        };
        let port = settings.port.unwrap_or(default_port);
        builder = builder.port(port).timeout(Some(TIMEOUT));
        if let (Some(user), Some(password)) = (&settings.user, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(SmtpMailer {
            transport: builder.build(),
            from,
            description: format!("SMTP {}:{port} ({mode})", settings.host),
        })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let message = mail.message(&self.from)?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Smtp(without_addresses(&e.to_string())))
    }

    fn describe(&self) -> String {
        self.description.clone()
    }
}

/// A server's refusal often quotes the recipient ("550 <sora@example.org>: no such user");
/// the error ends up in the log, so every word with an `@` goes.
fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('@') {
                "<address>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_lose_the_addresses_they_quote() {
        assert_eq!(
            without_addresses("permanent error (550): <sora@example.org>: Recipient rejected"),
            "permanent error (550): <address> Recipient rejected"
        );
    }

    #[tokio::test]
    async fn an_unreachable_server_is_a_typed_error() {
        // Port 9 on loopback: nothing listens there.
        let settings = SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(9),
            tls: SmtpTls::None,
            user: None,
            password: None,
        };
        let mailer = SmtpMailer::new(&settings, "ibasho@example.jp".parse().unwrap()).unwrap();
        assert_eq!(mailer.describe(), "SMTP 127.0.0.1:9 (no TLS)");
        let mail = Mail {
            to: "sora@example.org".into(),
            subject: "s".into(),
            body: "b".into(),
        };
        let err = mailer.send(&mail).await.unwrap_err();
        assert!(matches!(err, MailError::Smtp(_)), "{err}");
        assert!(!err.to_string().contains("sora@"), "{err}");
    }
}
