//! `ibasho admin …`: what staff do from a shell beside the server, on the same data
//! directory (docs/accounts.md). Every command that changes something is audited with the
//! command line as its actor, and sends its e-mail with the server's mail settings.
use super::mail_args::MailArgs;
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use ibasho::accounts::{Accounts, InvitationView};
use ibasho::app;
use ibasho::auth::Keys;
use ibasho::config::SpaceConfig;
use ibasho::consult::{Consents, Notes};
use ibasho::model::Role;
use ibasho::model::{Application, ApplicationStatus, AuditAction, AuditEntry, Lang, NewMember};
use ibasho::model::{Avatar, PublicId};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Print an access token for a member (created if no member has this nickname yet): for
    /// tests and rehearsals; people get in by invitation.
    Token {
        /// participant, family, staff, counsellor or admin.
        #[arg(long)]
        role: Role,
        /// The name others see (1 to 20 characters; never a real name).
        #[arg(long)]
        nickname: String,
        /// The server's data directory (its signing key signs the token).
        #[arg(long, env = "IBASHO_DATA", default_value = "data")]
        data: PathBuf,
        /// The server's --signing-key-file, if it has one.
        #[arg(long, env = "IBASHO_SIGNING_KEY_FILE")]
        signing_key_file: Option<PathBuf>,
        /// The server's database, if not SQLite in the data directory.
        #[arg(long, env = "IBASHO_DATABASE")]
        database: Option<String>,
        /// How long the token is valid: e.g. 30m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: Duration,
    },
    /// Applications from the public form: list, approve (sends the invitation), decline.
    #[command(subcommand)]
    Applications(ApplicationsCommand),
    /// Invite someone directly, with any role.
    Invite {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: Role,
        /// Prefills the registration form; they may change it.
        #[arg(long)]
        nickname: Option<String>,
        /// Language of the e-mail: ja or en.
        #[arg(long, default_value = "ja")]
        lang: Lang,
        #[command(flatten)]
        site: SiteArgs,
    },
    /// Invitations: list, resend (a new link), revoke.
    #[command(subcommand)]
    Invitations(InvitationsCommand),
    /// Staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Member accounts.
    #[command(subcommand)]
    Members(MembersCommand),
    /// Reads chat lines on standard input and prints, for each, `alert<TAB><category>` or
    /// `ok`: the server's crisis detector, with the crisis list rooms.toml names.
    Screen {
        /// The space's rooms.toml (its `[safety] crisis_words`, else the shipped list).
        #[arg(long, env = "IBASHO_ROOMS", default_value = "rooms.toml")]
        rooms: PathBuf,
    },
    /// Counsellors' notes: rotate the key.
    #[command(subcommand)]
    Notes(NotesCommand),
    /// The consent ledger: verify its hash chains.
    #[command(subcommand)]
    Consent(ConsentCommand),
    /// The audit log, newest first: when, what, by whom, about whom (pseudonymous ids) and
    /// the details, one entry per line.
    Audit {
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// The file outbox (no SMTP server set): every mail in <data>/outbox, oldest first,
    /// decoded: when, to whom, the subject and the text.
    Outbox {
        /// The server's data directory.
        #[arg(long, env = "IBASHO_DATA", default_value = "data")]
        data: PathBuf,
        /// Only the newest N mails.
        #[arg(long)]
        last: Option<usize>,
        /// Only mails to this address.
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum ApplicationsCommand {
    List {
        /// pending, approved, declined or all.
        #[arg(long, default_value = "pending")]
        status: String,
        #[command(flatten)]
        site: SiteArgs,
    },
    Approve {
        id: String,
        #[command(flatten)]
        site: SiteArgs,
    },
    Decline {
        id: String,
        /// A kind word included in the e-mail.
        #[arg(long)]
        message: Option<String>,
        #[command(flatten)]
        site: SiteArgs,
    },
}

#[derive(Subcommand)]
pub enum InvitationsCommand {
    List {
        #[command(flatten)]
        site: SiteArgs,
    },
    Resend {
        id: String,
        #[command(flatten)]
        site: SiteArgs,
    },
    Revoke {
        id: String,
        #[command(flatten)]
        site: SiteArgs,
    },
}

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Invite a staff member, counsellor or admin (they must set a passphrase).
    Add {
        #[arg(long)]
        email: String,
        /// staff, counsellor or admin.
        #[arg(long)]
        role: Role,
        #[arg(long)]
        nickname: String,
        #[arg(long, default_value = "ja")]
        lang: Lang,
        #[command(flatten)]
        site: SiteArgs,
    },
}

#[derive(Subcommand)]
pub enum MembersCommand {
    /// Delete an account and everything tied to it (on the person's request).
    Delete {
        /// The member's public id (m_…).
        public_id: String,
        #[command(flatten)]
        site: SiteArgs,
    },
    /// Suspend an account: they cannot log in or enter the space and are told the reason and
    /// the space's contact. The space refuses their next `auth`; only the HTTP API
    /// (`POST /api/staff/members/{id}/suspend`) also closes an open connection at once.
    Suspend {
        /// The member's public id (m_…).
        public_id: String,
        /// Why, in words the person reads.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        site: SiteArgs,
    },
    /// Lift an account's suspension: they can log in and come back.
    Lift {
        /// The member's public id (m_…).
        public_id: String,
        #[command(flatten)]
        site: SiteArgs,
    },
}

#[derive(Subcommand)]
pub enum NotesCommand {
    /// Make a new key, reseal every note with it, then drop the old key from the key file
    /// (kept until every note is resealed; run again if it stops halfway).
    RotateKey {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
pub enum ConsentCommand {
    /// Walk every chain of the ledger; exit 1 naming the first entry that was altered.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Where the server keeps its data.
#[derive(Args, Clone)]
pub struct StoreArgs {
    /// The server's data directory.
    #[arg(long, env = "IBASHO_DATA", default_value = "data")]
    data: PathBuf,
    /// The server's --notes-key-file, if it has one.
    #[arg(long, env = "IBASHO_NOTES_KEY_FILE")]
    notes_key_file: Option<PathBuf>,
    /// The server's database, if not SQLite in the data directory.
    #[arg(long, env = "IBASHO_DATABASE")]
    database: Option<String>,
}

impl StoreArgs {
    async fn open(&self) -> anyhow::Result<std::sync::Arc<ibasho::store::Store>> {
        ibasho::store::open(self.database.as_deref(), &self.data)
            .await
            .context("opening the database")
    }

    async fn notes(&self) -> anyhow::Result<Notes> {
        let store = self.open().await?;
        Ok(app::notes(
            store,
            &self.data,
            self.notes_key_file.as_deref(),
        )?)
    }
}

/// Where the space's files are and how it sends mail.
#[derive(Args, Clone)]
pub struct SiteArgs {
    /// The server's data directory.
    #[arg(long, env = "IBASHO_DATA", default_value = "data")]
    data: PathBuf,
    /// The server's --signing-key-file, if it has one.
    #[arg(long, env = "IBASHO_SIGNING_KEY_FILE")]
    signing_key_file: Option<PathBuf>,
    /// The server's database, if not SQLite in the data directory.
    #[arg(long, env = "IBASHO_DATABASE")]
    database: Option<String>,
    /// The space's rooms.toml (its name and [accounts] settings).
    #[arg(long, env = "IBASHO_ROOMS", default_value = "rooms.toml")]
    rooms: PathBuf,
    /// The server's listen address, for the default public URL (default: the address the
    /// server last started with on this data directory, else 127.0.0.1:8080).
    #[arg(long, env = "IBASHO_LISTEN")]
    listen: Option<SocketAddr>,
    #[command(flatten)]
    mail: MailArgs,
}

impl SiteArgs {
    async fn accounts(&self) -> anyhow::Result<Accounts> {
        let space = SpaceConfig::load(&self.rooms)?;
        let keys = Arc::new(Keys::load(&self.data, self.signing_key_file.as_deref())?);
        let store = ibasho::store::open(self.database.as_deref(), &self.data).await?;
        Ok(app::accounts(
            &space,
            store,
            keys,
            &self.data,
            &self.public_url(),
            &self.mail.settings(),
            None,
        )?)
    }

    /// `--public-url`, else `--listen`, else what the server wrote as it started on this
    /// data directory, so that links in e-mails point where the server really is.
    fn public_url(&self) -> String {
        if self.mail.public_url.is_none() {
            if let Some(listen) = self.listen {
                return self.mail.public_url(listen);
            }
            if let Some(url) = ibasho::app::recorded_public_url(&self.data) {
                return url;
            }
        }
        self.mail
            .public_url(SocketAddr::from(([127, 0, 0, 1], 8080)))
    }
}

pub async fn run(command: AdminCommand) -> anyhow::Result<()> {
    use AdminCommand::*;
    match command {
        Token {
            role,
            nickname,
            data,
            signing_key_file,
            database,
            ttl,
        } => {
            let keys = Keys::load(&data, signing_key_file.as_deref())?;
            issue_token(role, &nickname, keys, data, database, ttl).await
        }
        Applications(ApplicationsCommand::List { status, site }) => {
            let status = match status.as_str() {
                "all" => None,
                other => Some(
                    other
                        .parse::<ApplicationStatus>()
                        .map_err(anyhow::Error::msg)?,
                ),
            };
            let list = site.accounts().await?.applications(status).await?;
            if list.is_empty() {
                println!("no applications");
            }
            for a in list {
                print_application(&a);
            }
            Ok(())
        }
        Applications(ApplicationsCommand::Approve { id, site }) => {
            let invitation = site.accounts().await?.approve(&None, &id, true).await?;
            print_invitation("approved; invitation", &invitation);
            Ok(())
        }
        Applications(ApplicationsCommand::Decline { id, message, site }) => {
            let a = site.accounts().await?.decline(&None, &id, message).await?;
            println!(
                "declined {} ({}); the applicant was told by e-mail",
                a.id, a.nickname
            );
            Ok(())
        }
        Invite {
            email,
            role,
            nickname,
            lang,
            site,
        } => {
            let accounts = site.accounts().await?;
            let invitation = accounts.invite(&None, &email, role, nickname, lang).await?;
            print_invitation("invited", &invitation);
            Ok(())
        }
        Invitations(InvitationsCommand::List { site }) => {
            let list = site.accounts().await?.invitations().await?;
            if list.is_empty() {
                println!("no invitations");
            }
            for i in &list {
                print_invitation("", i);
            }
            Ok(())
        }
        Invitations(InvitationsCommand::Resend { id, site }) => {
            let invitation = site.accounts().await?.resend(&None, &id).await?;
            print_invitation("resent", &invitation);
            Ok(())
        }
        Invitations(InvitationsCommand::Revoke { id, site }) => {
            let invitation = site.accounts().await?.revoke(&None, &id).await?;
            print_invitation("revoked", &invitation);
            Ok(())
        }
        Staff(StaffCommand::Add {
            email,
            role,
            nickname,
            lang,
            site,
        }) => {
            if !role.must_use_passphrase() {
                bail!("staff add is for staff, counsellor or admin; invite participants with `ibasho admin invite`");
            }
            let accounts = site.accounts().await?;
            let invitation = accounts
                .invite(&None, &email, role, Some(nickname), lang)
                .await?;
            print_invitation("invited", &invitation);
            Ok(())
        }
        Screen { rooms } => super::screen::run(&rooms),
        Audit { limit, store } => {
            for entry in store.open().await?.audit_log(None, limit).await? {
                let who = |id: Option<ibasho::model::PublicId>| id.map_or("-".to_string(), |p| p.0);
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    entry.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    entry.action,
                    who(entry.actor),
                    who(entry.subject),
                    entry.detail
                );
            }
            Ok(())
        }
        Notes(NotesCommand::RotateKey { store }) => {
            let rotated = store.notes().await?.rotate_key().await?;
            println!(
                "notes key rotated: {} notes resealed with {}; dropped {}",
                rotated.resealed,
                rotated.key_id,
                rotated.dropped.join(", ")
            );
            Ok(())
        }
        Consent(ConsentCommand::Verify { store }) => {
            let notes = store.notes().await?;
            let consents = Consents::new(notes.store(), notes);
            match consents.verify().await? {
                Ok(entries) => {
                    println!("consent ledger intact: {entries} entries");
                    Ok(())
                }
                Err(broken) => {
                    eprintln!("consent ledger BROKEN: {broken}");
                    std::process::exit(1);
                }
            }
        }
        Outbox { data, last, to } => print_outbox(&data.join("outbox"), last, to.as_deref()),
        Members(MembersCommand::Delete { public_id, site }) => {
            let accounts = site.accounts().await?;
            let member = accounts.member_by_public_id(&PublicId(public_id)).await?;
            let deleted = accounts.delete(&None, &member.account).await?;
            println!(
                "deleted {} with everything tied to it (the audit log keeps only the id); \
                 if they are online, the server signs them out when their access token is checked next",
                deleted.public_id
            );
            Ok(())
        }
        Members(MembersCommand::Suspend {
            public_id,
            reason,
            site,
        }) => {
            let accounts = site.accounts().await?;
            let member = accounts.member_by_public_id(&PublicId(public_id)).await?;
            let suspension = accounts.suspend(None, &member, &reason).await?;
            println!(
                "suspended {} ({}); they are told: {}",
                member.public_id,
                member.nickname,
                accounts.suspended_error(&suspension).message()
            );
            Ok(())
        }
        Members(MembersCommand::Lift { public_id, site }) => {
            let accounts = site.accounts().await?;
            let member = accounts.member_by_public_id(&PublicId(public_id)).await?;
            if accounts.lift_suspension(&None, &member).await? {
                println!(
                    "lifted the suspension of {} ({})",
                    member.public_id, member.nickname
                );
            } else {
                println!(
                    "{} ({}) was not suspended",
                    member.public_id, member.nickname
                );
            }
            Ok(())
        }
    }
}

/// How many outbox files are read at most: a bound, far above what a space sends.
const OUTBOX_FILES: usize = 10_000;

fn print_outbox(
    dir: &std::path::Path,
    last: Option<usize>,
    to: Option<&str>,
) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("no mails: {} does not exist", dir.display());
            return Ok(());
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
    };
    let mut files: Vec<PathBuf> = entries
        .take(OUTBOX_FILES)
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    // The names start with the time written, so their order is the mails' order.
    files.sort();
    let mut mails = Vec::new();
    for path in files {
        let raw = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let Some(message) = mail_parser::MessageParser::default().parse(&raw) else {
            eprintln!("{}: not a mail this command can read", path.display());
            continue;
        };
        let addresses: Vec<String> = message
            .to()
            .map(|list| {
                list.iter()
                    .filter_map(|a| a.address().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if to.is_some_and(|want| !addresses.iter().any(|a| a.eq_ignore_ascii_case(want))) {
            continue;
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        mails.push(format!(
            "== {}\nDate: {}\nTo: {}\nSubject: {}\n\n{}\n",
            name.unwrap_or_default(),
            message.date().map(|d| d.to_rfc3339()).unwrap_or_default(),
            addresses.join(", "),
            message.subject().unwrap_or_default(),
            message
                .body_text(0)
                .map(|b| b.replace("\r\n", "\n"))
                .unwrap_or_default()
                .trim_end(),
        ));
    }
    if mails.is_empty() {
        println!("no mails");
    }
    let skip = last.map_or(0, |n| mails.len().saturating_sub(n));
    for mail in &mails[skip..] {
        println!("{mail}");
    }
    Ok(())
}

fn print_application(a: &Application) {
    println!(
        "{}  {}  {:<8}  {:<6}  {}  <{}>",
        a.id,
        a.created_at.format("%Y-%m-%d %H:%M UTC"),
        a.status.as_str(),
        a.applicant.as_str(),
        a.nickname,
        a.email
    );
    if let Some(heard) = &a.heard_from {
        println!("    heard from: {heard}");
    }
    if let Some(note) = &a.note {
        println!("    note: {}", note.replace('\n', " "));
    }
}

fn print_invitation(what: &str, i: &InvitationView) {
    let prefix = if what.is_empty() {
        String::new()
    } else {
        format!("{what}: ")
    };
    println!(
        "{prefix}{}  {}  {:?}  {}  expires {}{}",
        i.id,
        i.role.as_str(),
        i.state,
        i.email.as_deref().unwrap_or(""),
        i.expires_at.format("%Y-%m-%d %H:%M UTC"),
        match i.mailed {
            Some(false) => "  (the e-mail could not be sent: try `resend`)",
            _ => "",
        }
    );
}

async fn issue_token(
    role: Role,
    nickname: &str,
    keys: Keys,
    data: PathBuf,
    database: Option<String>,
    ttl: Duration,
) -> anyhow::Result<()> {
    let nickname = nickname.trim();
    if nickname.is_empty() || nickname.chars().count() > 20 {
        bail!("a nickname has 1 to 20 characters");
    }
    let store = ibasho::store::open(database.as_deref(), &data)
        .await
        .context("opening the database")?;
    let member = match store.member_by_nickname(nickname).await? {
        Some(member) if member.role != role => {
            bail!(
                "{nickname} already exists with role {}",
                member.role.as_str()
            )
        }
        Some(member) => member,
        None => {
            store
                .create_member(NewMember {
                    nickname: nickname.to_string(),
                    avatar: Avatar::default(),
                    role,
                    group: None,
                })
                .await?
        }
    };
    let token = keys.issue(&member.account, role, ttl)?;
    store
        .record_audit(AuditEntry {
            actor: None,
            action: AuditAction::TokenIssued,
            subject: Some(member.public_id.clone()),
            detail: serde_json::json!({ "role": role.as_str(), "ttl_secs": ttl.as_secs(), "via": "cli" }),
        })
        .await?;
    println!("{token}");
    Ok(())
}

fn parse_ttl(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30m, 1h or 7d"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" | "" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("`{text}`: the unit is s, m, h or d")),
    };
    if seconds == 0 || seconds > 30 * 86400 {
        return Err("a token lives between 1 second and 30 days".to_string());
    }
    Ok(Duration::from_secs(seconds))
}
