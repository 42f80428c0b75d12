//! TURN credentials in coturn's shared-secret REST scheme (`--use-auth-secret`): the username
//! is `expiry:publicid` and the password is base64(HMAC-SHA1(secret, username)). Nothing is
//! stored; coturn checks the signature and the expiry itself.
use crate::model::PublicId;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a credential stays valid: longer than an opening day, so a member who stays all
/// day never has to fetch a new one.
const VALID_FOR: Duration = Duration::from_secs(12 * 60 * 60);

/// The TURN server and the secret it shares with us.
#[derive(Clone)]
pub struct Turn {
    pub url: String,
    pub secret: String,
}

impl std::fmt::Debug for Turn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turn")
            .field("url", &self.url)
            .field("secret", &"***")
            .finish()
    }
}

/// One entry of `RTCConfiguration.iceServers`, as browsers take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    pub username: String,
    pub credential: String,
}

/// The ICE servers for `member`: the TURN server with a fresh credential, or none. `now` is the
/// wall clock, never a rehearsal clock: coturn checks the expiry against its own.
pub(super) fn ice_servers(
    turn: Option<&Turn>,
    member: &PublicId,
    now: SystemTime,
) -> Vec<IceServer> {
    let Some(turn) = turn else {
        return Vec::new();
    };
    let expiry = (now + VALID_FOR)
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let username = format!("{expiry}:{member}");
    vec![IceServer {
        urls: vec![turn.url.clone()],
        credential: credential(&turn.secret, &username),
        username,
    }]
}

fn credential(secret: &str, username: &str) -> String {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_follow_coturns_rest_scheme() {
        let turn = Turn {
            url: "turn:turn.example.jp:3478".into(),
            secret: "s3cret".into(),
        };
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let servers = ice_servers(Some(&turn), &PublicId("m_0123456789ab".into()), now);
        assert_eq!(servers.len(), 1);
        assert_eq!(servers[0].urls, ["turn:turn.example.jp:3478"]);
        assert_eq!(servers[0].username, "1800043200:m_0123456789ab");
        // printf '1800043200:m_0123456789ab' | openssl dgst -sha1 -hmac s3cret -binary | base64
        assert_eq!(servers[0].credential, "VTAHXagVFxmk0r4kmBAHWQbiHlk=");
        assert!(!format!("{turn:?}").contains("s3cret"));
    }

    #[test]
    fn no_turn_no_servers() {
        let id = PublicId("m_0123456789ab".into());
        assert!(ice_servers(None, &id, SystemTime::now()).is_empty());
    }
}
