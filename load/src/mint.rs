//! Members and their access tokens, made the server's own way: the same store and signing
//! key as the server under test (so no test backdoor is needed). Members are reused across
//! runs by nickname, so a 10k run does not add 10k rows every time.
use ibasho::auth::Keys;
use ibasho::model::Avatar;
use ibasho::model::NewMember;
use ibasho::model::Role;
use std::path::Path;
use std::time::Duration;

/// Where the server under test keeps its members and key: its data directory, or (several
/// nodes) the shared `--database` and `--signing-key-file`.
pub struct Signer<'a> {
    pub data: &'a Path,
    pub database: Option<&'a str>,
    pub key_file: Option<&'a Path>,
}

/// Tokens for `count` members named `load-00001` …, valid for `ttl`.
pub async fn tokens(
    signer: &Signer<'_>,
    count: usize,
    ttl: Duration,
) -> anyhow::Result<Vec<String>> {
    let keys = Keys::load(signer.data, signer.key_file)?;
    let store = ibasho::store::open(signer.database, signer.data).await?;
    let mut tokens = Vec::with_capacity(count);
    for n in 1..=count {
        let nickname = format!("load-{n:05}");
        let member = match store.member_by_nickname(&nickname).await? {
            Some(member) => member,
            None => {
                store
                    .create_member(NewMember {
                        nickname,
                        avatar: Avatar::default(),
                        role: Role::Participant,
                        group: None,
                    })
                    .await?
            }
        };
        tokens.push(keys.issue(&member.account, member.role, ttl)?);
    }
    Ok(tokens)
}
