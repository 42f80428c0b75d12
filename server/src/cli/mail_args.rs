//! Flags shared by `serve` and every `admin` command that sends e-mail or builds links:
//! both must speak with the same voice and point at the same place.
use clap::Args;
use ibasho::mail::{MailSettings, SmtpSettings, SmtpTls};
use std::net::SocketAddr;

#[derive(Args, Clone, Debug)]
pub struct MailArgs {
    /// Where people reach the space; links in e-mails start with it
    /// (default: http:// and the listen address).
    #[arg(long, env = "IBASHO_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Send e-mail through this SMTP server (default: write .eml files to <data>/outbox).
    #[arg(long, env = "IBASHO_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port (default: 587 for starttls, 465 for tls, 25 for none).
    #[arg(long, env = "IBASHO_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// starttls, tls, or none (only for a relay on the same machine).
    #[arg(long, env = "IBASHO_SMTP_TLS", value_enum, default_value = "starttls")]
    pub smtp_tls: SmtpTls,
    /// SMTP user name; the password comes only from IBASHO_SMTP_PASSWORD.
    #[arg(long, env = "IBASHO_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// The sender of every e-mail.
    #[arg(long, env = "IBASHO_MAIL_FROM", default_value = "ibasho@localhost")]
    pub mail_from: String,
}

impl MailArgs {
    pub fn settings(&self) -> MailSettings {
        MailSettings {
            from: self.mail_from.clone(),
            smtp: self.smtp_host.clone().map(|host| SmtpSettings {
                host,
                port: self.smtp_port,
                tls: self.smtp_tls,
                user: self.smtp_user.clone(),
                // Never a flag: flags show in `ps`.
                password: std::env::var("IBASHO_SMTP_PASSWORD").ok(),
            }),
        }
    }

    /// The public URL as given, or the one the listen address implies.
    pub fn public_url(&self, listen: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{listen}"))
    }
}
