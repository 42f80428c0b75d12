//! coturn on loopback, sharing a secret with the server (`--use-auth-secret`, the REST
//! scheme docs/operations.md describes), so a member's TURN credential from `welcome` is
//! checked by the real relay. Needs `turnserver` (Debian's coturn; `.ci/run` installs it):
//! missing, it fails the test under `CI=true` and skips it (with the reason) elsewhere.
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::timeout;

const TURNSERVER: &str = "/usr/bin/turnserver";
const START_WAIT: Duration = Duration::from_secs(10);

pub struct Coturn {
    _child: Child,
    _dir: tempfile::TempDir,
    pub port: u16,
}

impl Coturn {
    /// Starts coturn with `secret`, or says why not (`None`) where it may be skipped.
    pub async fn start(secret: &str) -> Option<Coturn> {
        if !std::path::Path::new(TURNSERVER).exists() {
            let why = "turnserver is not installed (apt-get install coturn)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("the TURN test must run under CI=true: {why}");
            }
            eprintln!("skipping the TURN test: {why}");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        // A free port, taken back just before coturn binds it.
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a free UDP port")
            .port();
        let mut child = Command::new(TURNSERVER)
            .args(["-n", "--no-cli", "--no-tls", "--no-dtls", "--simple-log"])
            .args(["--listening-ip", "127.0.0.1", "--relay-ip", "127.0.0.1"])
            .args(["--listening-port", &port.to_string()])
            .args(["--use-auth-secret", "--static-auth-secret", secret])
            .args(["--realm", "ibasho.test"])
            // The SFU under test is on loopback too; never do this in production.
            .arg("--allow-loopback-peers")
            .arg("--log-file=stdout")
            .arg(format!(
                "--pidfile={}",
                dir.path().join("turn.pid").display()
            ))
            .arg(format!("--userdb={}", dir.path().join("turndb").display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn turnserver");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let ready = timeout(START_WAIT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("Total General servers") {
                    return true;
                }
            }
            false
        })
        .await;
        assert!(
            matches!(ready, Ok(true)),
            "turnserver did not start on 127.0.0.1:{port}"
        );
        // Keep draining its log so it can never block on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Some(Coturn {
            _child: child,
            _dir: dir,
            port,
        })
    }
}
