//! A real SMTP server on loopback for the tests: it speaks enough of RFC 5321 for lettre
//! (EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing, RSET, NOOP, QUIT; no TLS, no auth) and
//! keeps every message it receives, parsed, for the test to read.
use super::WAIT;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::time::{timeout, Instant};

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    /// The envelope's recipients (RCPT TO).
    pub to: Vec<String>,
    pub subject: String,
    /// The decoded plain-text body.
    pub body: String,
    /// The message as it arrived, for header checks.
    pub raw: String,
}

impl ReceivedMail {
    /// The first link in the body that contains `marker` (e.g. `/register#t=`).
    pub fn link(&self, marker: &str) -> String {
        self.body
            .split_whitespace()
            .find(|word| word.contains(marker))
            .unwrap_or_else(|| panic!("no link with {marker} in:\n{}", self.body))
            .to_string()
    }

    /// The token after `#t=` in the link with `marker`.
    pub fn token(&self, marker: &str) -> String {
        let link = self.link(marker);
        link.split_once("#t=")
            .map(|(_, t)| t.to_string())
            .unwrap_or_else(|| panic!("no #t= in {link}"))
    }
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP sink");
        let sink = SmtpSink {
            port: listener.local_addr().expect("sink address").port(),
            mails: Arc::default(),
            arrived: Arc::default(),
        };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move {
                    if let Err(e) = server.session(socket).await {
                        eprintln!("SMTP sink: session ended with {e}");
                    }
                });
            }
        });
        sink
    }

    /// `serve`/`admin` flags that send mail here.
    pub fn flags(&self) -> Vec<String> {
        [
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &self.port.to_string(),
            "--smtp-tls",
            "none",
            "--mail-from",
            "ibasho@example.jp",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    pub fn all(&self) -> Vec<ReceivedMail> {
        self.mails.lock().expect("sink lock").clone()
    }

    /// Mails to `address` so far.
    pub fn to(&self, address: &str) -> Vec<ReceivedMail> {
        self.all()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits (bounded) until `address` has received its `n`-th mail, and returns that mail.
    pub async fn nth_to(&self, address: &str, n: usize) -> ReceivedMail {
        let deadline = Instant::now() + WAIT;
        loop {
            let notified = self.arrived.notified();
            if let Some(mail) = self.to(address).into_iter().nth(n - 1) {
                return mail;
            }
            if timeout(deadline.saturating_duration_since(Instant::now()), notified)
                .await
                .is_err()
            {
                panic!(
                    "mail #{n} to {address} did not arrive; received: {:?}",
                    self.all()
                        .iter()
                        .map(|m| (&m.to, &m.subject))
                        .collect::<Vec<_>>()
                );
            }
        }
    }

    async fn session(&self, socket: TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink.test ESMTP\r\n").await?;
        let mut to = Vec::new();
        while let Some(line) = lines.next_line().await? {
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-sink.test\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
                b"250 OK\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                to.clear();
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                let address = line[8..].trim().trim_start_matches('<');
                to.push(address.split('>').next().unwrap_or("").to_string());
                b"250 OK\r\n"
            } else if upper.starts_with("RSET") {
                to.clear();
                b"250 OK\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut raw = String::new();
                while let Some(data) = lines.next_line().await? {
                    if data == "." {
                        break;
                    }
                    // Dot-stuffing: a leading dot was doubled by the sender.
                    raw.push_str(
                        data.strip_prefix('.')
                            .filter(|_| data.starts_with(".."))
                            .unwrap_or(&data),
                    );
                    raw.push_str("\r\n");
                }
                self.keep(std::mem::take(&mut to), raw);
                b"250 OK queued\r\n"
            } else if upper.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                b"502 not implemented\r\n"
            };
            write.write_all(reply).await?;
        }
        Ok(())
    }

    fn keep(&self, to: Vec<String>, raw: String) {
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .expect("the server sent a message that does not parse");
        let mail = ReceivedMail {
            to,
            subject: parsed.subject().unwrap_or_default().to_string(),
            body: parsed
                .body_text(0)
                .map(|b| b.replace("\r\n", "\n"))
                .unwrap_or_default(),
            raw,
        };
        self.mails.lock().expect("sink lock").push(mail);
        self.arrived.notify_waiters();
    }
}
