//! docs/protocol.md cannot drift from the code: every message type, error code, close code
//! and limit in the code is documented there, and every JSON example there parses into the
//! type it documents and serializes back to the same JSON (so it holds no stray fields).
//! Nor can the lists kept beside the code: `CloseCode::ALL` and `Role::ALL` against their
//! enums, the web client's English error words and close codes against the server's, and
//! the account page's words for the audit log against `AuditAction`.
use ibasho::auth::Grant;
use ibasho::hub::limits::limits;
use ibasho::hub::protocol::{ClientMessage, CloseCode, ErrorCode, ServerMessage};
use ibasho::model::{AuditAction, Role};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeSet;

fn doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/protocol.md");
    std::fs::read_to_string(path).expect("docs/protocol.md exists")
}

/// The text of the `## title` section, up to the next `## `.
fn section(doc: &str, title: &str) -> String {
    let start = doc
        .find(&format!("\n## {title}\n"))
        .unwrap_or_else(|| panic!("docs/protocol.md has a section `## {title}`"));
    let rest = &doc[start + title.len() + 5..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    rest[..end].to_string()
}

fn json_blocks(text: &str) -> Vec<String> {
    text.split("```json\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap_or_default().to_string())
        .collect()
}

/// The names serde knows for an enum, read from its "unknown variant … expected one of" error.
fn variant_names<T: DeserializeOwned>(probe: serde_json::Value) -> BTreeSet<String> {
    let error = serde_json::from_value::<T>(probe)
        .err()
        .expect("the probe is not a variant")
        .to_string();
    let list = error
        .split("expected one of")
        .nth(1)
        .expect("serde lists the variants");
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn check_examples<T: DeserializeOwned + Serialize>(section_title: &str) -> BTreeSet<String> {
    let text = section(&doc(), section_title);
    let mut types = BTreeSet::new();
    for block in json_blocks(&text) {
        let value: serde_json::Value = serde_json::from_str(&block)
            .unwrap_or_else(|e| panic!("example is not JSON ({e}):\n{block}"));
        let parsed: T = serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("example does not parse ({e}):\n{block}"));
        let back = serde_json::to_value(&parsed).expect("serializes");
        assert_eq!(
            back, value,
            "example does not round-trip (a stray or misspelt field?):\n{block}"
        );
        types.insert(
            value["type"]
                .as_str()
                .expect("examples have a type")
                .to_string(),
        );
    }
    types
}

#[test]
fn every_client_message_has_a_valid_example() {
    let documented = check_examples::<ClientMessage>("Client → server");
    let defined = variant_names::<ClientMessage>(serde_json::json!({"type": "__probe__"}));
    assert_eq!(documented, defined);
}

#[test]
fn every_server_message_has_a_valid_example() {
    let documented = check_examples::<ServerMessage>("Server → client");
    let defined = variant_names::<ServerMessage>(serde_json::json!({"type": "__probe__"}));
    assert_eq!(documented, defined);
}

#[test]
fn every_error_code_is_documented() {
    let text = section(&doc(), "Error codes");
    for code in variant_names::<ErrorCode>(serde_json::json!("__probe__")) {
        assert!(
            text.contains(&format!("| `{code}` |")),
            "error code `{code}` is missing from docs/protocol.md"
        );
    }
}

#[test]
fn every_grant_is_documented_in_welcome() {
    let text = section(&doc(), "Server → client");
    let welcome = text
        .split("\n### `welcome`\n")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("docs/protocol.md documents `welcome`");
    for grant in variant_names::<Grant>(serde_json::json!("__probe__")) {
        assert!(
            welcome.contains(&format!("| `{grant}` |")),
            "grant `{grant}` is missing from the `welcome` section of docs/protocol.md"
        );
    }
}

#[test]
fn every_close_code_is_documented() {
    let text = section(&doc(), "Close codes");
    for code in CloseCode::ALL {
        let row = text
            .lines()
            .find(|line| {
                line.starts_with(&format!("| {} ", code.code()))
                    || line.starts_with(&format!("| `{}` ", code.code()))
            })
            .unwrap_or_else(|| {
                panic!(
                    "close code {} is missing from docs/protocol.md",
                    code.code()
                )
            });
        assert!(
            row.contains(code.reason()),
            "close code {} should give reason `{}`: {row}",
            code.code(),
            code.reason()
        );
    }
}

#[test]
fn every_limit_is_documented_with_its_value() {
    let text = section(&doc(), "Limits");
    let limits = serde_json::to_value(limits()).expect("serializes");
    for (name, value) in limits.as_object().expect("an object") {
        let row = text
            .lines()
            .find(|line| line.contains(&format!("`{name}`")))
            .unwrap_or_else(|| panic!("limit `{name}` is missing from docs/protocol.md"));
        assert!(
            row.contains(&value.to_string()),
            "limit `{name}` should read {value}: {row}"
        );
    }
}

/// The text of the `### title` section, up to the next heading.
fn subsection(doc: &str, title: &str) -> String {
    let start = doc
        .find(&format!("\n### {title}\n"))
        .unwrap_or_else(|| panic!("docs/protocol.md has a section `### {title}`"));
    let rest = &doc[start + title.len() + 6..];
    let end = rest.find("\n#").unwrap_or(rest.len());
    rest[..end].to_string()
}

/// Hex digits become `h`: `r_5c1e0a9b` → `r_hhhhhhhh`.
fn shape(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_hexdigit() { 'h' } else { c })
        .collect()
}

#[test]
fn the_epoch_in_the_doc_has_the_servers_form() {
    let doc = doc();
    let made = shape(&ibasho::hub::room::new_epoch());
    let examples: Vec<&str> = doc
        .split("\"epoch\": \"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .collect();
    assert!(
        examples.len() >= 2,
        "the doc shows an epoch in `join` and `joined`"
    );
    for epoch in examples {
        assert_eq!(
            shape(epoch),
            made,
            "the doc's epoch {epoch} is not of the server's form"
        );
    }
    assert!(
        subsection(&doc, "`joined`").contains("An `epoch` is `r_` and 8 hex digits"),
        "`joined` says what an epoch looks like"
    );
}

#[test]
fn a_resume_past_the_ring_is_documented_as_the_newcomers_lines() {
    use ibasho::hub::limits::{CHAT_ON_JOIN, CHAT_RING};
    let doc = doc();
    let joined = subsection(&doc, "`joined`").replace('\n', " ");
    assert!(
        joined.contains(&format!("keeps its last {CHAT_RING})"))
            && joined.contains(&format!("`chat` then holds the last {CHAT_ON_JOIN} lines")),
        "`joined` must say a gap gives the last {CHAT_ON_JOIN} of {CHAT_RING} lines: {joined}"
    );
    let sequence = section(&doc, "Sequence numbers").replace('\n', " ");
    assert!(
        sequence.contains(&format!(
            "A resume from before those {CHAT_RING} gets the last {CHAT_ON_JOIN} and `gap: true`"
        )),
        "{sequence}"
    );
}

/// What `### chat` (client → server) says about cleaning a line holds for `screen_chat`, the
/// one place every line passes: the bidi ranges it names are dropped (and nothing beside
/// them), the invisible example is empty, the length counts code points.
#[test]
fn chat_cleaning_is_as_documented() {
    use ibasho::hub::limits::CHAT_CHARS;
    use ibasho::safety::{screen_chat, ChatProblem};
    let doc = doc();
    let client = section(&doc, "Client → server");
    let chat = subsection(&client, "`chat`").replace('\n', " ");
    let code_point =
        |hex: &str| char::from_u32(u32::from_str_radix(hex, 16).expect("hex")).expect("a char");
    let ranges = ["U+202A–U+202E", "U+2066–U+2069"];
    for range in ranges {
        assert!(chat.contains(range), "`chat` names the bidi range {range}");
        let (from, to) = range.split_once('–').expect("a range");
        let (from, to) = (code_point(&from[2..]), code_point(&to[2..]));
        for c in from..=to {
            assert_eq!(
                screen_chat(&format!("a{c}b")),
                Ok("ab".into()),
                "U+{:04X}",
                c as u32
            );
        }
        for beside in [from as u32 - 1, to as u32 + 1] {
            let c = char::from_u32(beside).expect("a char");
            assert_eq!(
                screen_chat(&format!("a{c}b")),
                Ok(format!("a{c}b")),
                "U+{beside:04X} is not in the documented ranges, yet dropped"
            );
        }
    }
    assert!(chat.contains("(U+FEFF)") && chat.contains("U+200B"));
    assert_eq!(screen_chat("a\u{FEFF}b"), Ok("ab".into()));
    assert_eq!(screen_chat(" \u{200B}\u{FEFF} "), Err(ChatProblem::Empty));

    assert!(chat.contains(&format!(
        "at most {CHAT_CHARS} characters, counted as Unicode code points"
    )));
    let family = "👨\u{200D}👩\u{200D}👧";
    assert!(chat.contains(&format!(
        "such as {family}, counts as each of its code points: five"
    )));
    assert!(screen_chat(&family.repeat(CHAT_CHARS / 5)).is_ok());
    assert_eq!(
        screen_chat(&format!("{}x", family.repeat(CHAT_CHARS / 5))),
        Err(ChatProblem::TooLong { limit: CHAT_CHARS })
    );
    let limits = section(&doc, "Limits");
    assert!(limits.contains("counted as Unicode code points"));
    // Refused lines cost nothing (tests/hub.rs shows it end to end).
    assert!(chat.contains("does not use the chat allowance"));
    assert!(limits.contains("refused as `chat_empty` or `chat_too_long` does not use it"));
}

/// The variants of `pub enum NAME` as written in a source file under server/src: a list kept
/// by hand next to an enum (`CloseCode::ALL`, `Role::ALL`) is checked against the enum itself.
fn enum_variants(file: &str, name: &str) -> BTreeSet<String> {
    let path = format!("{}/src/{file}", env!("CARGO_MANIFEST_DIR"));
    let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let start = source
        .find(&format!("pub enum {name} {{"))
        .unwrap_or_else(|| panic!("{path} defines `pub enum {name}`"));
    let body = &source[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").expect("the enum ends")];
    body.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//") && !line.starts_with("#["))
        .filter_map(|line| {
            let ident: String = line
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!ident.is_empty() && ident.starts_with(|c: char| c.is_ascii_uppercase()))
                .then_some(ident)
        })
        .collect()
}

#[test]
fn the_lists_of_all_close_codes_and_roles_hold_every_variant() {
    let listed: BTreeSet<String> = CloseCode::ALL.iter().map(|c| format!("{c:?}")).collect();
    assert_eq!(
        listed.len(),
        CloseCode::ALL.len(),
        "CloseCode::ALL repeats a code"
    );
    assert_eq!(listed, enum_variants("hub/protocol.rs", "CloseCode"));
    let codes: BTreeSet<u16> = CloseCode::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(
        codes.len(),
        CloseCode::ALL.len(),
        "two close codes share a number"
    );
    let roles: BTreeSet<String> = Role::ALL.iter().map(|r| format!("{r:?}")).collect();
    assert_eq!(roles.len(), Role::ALL.len(), "Role::ALL repeats a role");
    assert_eq!(roles, enum_variants("model/role.rs", "Role"));
}

fn web_client(file: &str) -> String {
    let path = format!("{}/../web-client/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not found"))
        + start.len();
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no `{end}` after `{start}`"));
    &text[from..from + to]
}

/// The audit log on the account page names every kind of entry the server writes, in both
/// languages, and docs/accounts.md lists them, and neither any kind the server does not have.
#[test]
fn every_audit_action_has_words_on_the_account_page_and_a_row_in_the_docs() {
    let actions: BTreeSet<String> = AuditAction::ALL
        .iter()
        .map(|a| a.as_str().to_string())
        .collect();
    assert_eq!(
        actions.len(),
        AuditAction::ALL.len(),
        "an audit name used twice"
    );
    for file in ["words/ja.js", "words/en.js"] {
        let words = web_client(file);
        let worded: BTreeSet<String> = between(&words, "auditActions: {", "\n  },")
            .lines()
            .filter_map(|line| line.trim().split_once(':'))
            .map(|(key, _)| key.trim().to_string())
            .collect();
        assert_eq!(worded, actions, "web-client/{file} auditActions");
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/accounts.md");
    let accounts = std::fs::read_to_string(path).expect("docs/accounts.md exists");
    let documented: BTreeSet<String> = between(&accounts, "\n### Audit log\n", "\n#")
        .lines()
        .filter_map(|row| row.strip_prefix("| `"))
        .filter_map(|row| row.split('`').next())
        .map(str::to_string)
        .collect();
    assert_eq!(documented, actions, "docs/accounts.md, Audit log");
}

/// The page's English: every error code has its own wording in web-client/words/en.js
/// (the table `EN_ERRORS`, or a `case` of fromServer for those with a number or a date),
/// and the page words no code the server does not have.
#[test]
fn every_error_code_has_english_words_in_the_page_and_no_other() {
    let english = web_client("words/en.js");
    let table: BTreeSet<String> = between(&english, "const EN_ERRORS = {", "\n};")
        .lines()
        .filter_map(|line| line.trim().split_once(':'))
        .map(|(key, _)| key.trim().to_string())
        .collect();
    let cases: BTreeSet<String> = between(&english, "case \"error\":", "default:")
        .split("case \"")
        .skip(1)
        .filter_map(|case| case.split('"').next())
        .map(str::to_string)
        .collect();
    let codes = variant_names::<ErrorCode>(serde_json::json!("__probe__"));
    for code in &codes {
        assert!(
            table.contains(code) || cases.contains(code),
            "error code `{code}` has no English words in web-client/words/en.js"
        );
    }
    for worded in table.iter().chain(&cases) {
        assert!(
            codes.contains(worded),
            "web-client/words/en.js words an error code the server does not have: `{worded}`"
        );
    }
    assert!(
        table.is_disjoint(&cases),
        "worded twice in words/en.js: {:?}",
        table.intersection(&cases).collect::<Vec<_>>()
    );
}

/// Every avatar shape the server accepts has its drawn face (web-client/pictures.js `SHAPES`,
/// web-client/space/avatars/NAME.svg), and the page draws no shape the server does not have.
#[test]
fn every_avatar_shape_is_drawn_and_no_other() {
    let pictures = web_client("pictures.js");
    let drawn: Vec<&str> = between(&pictures, "export const SHAPES = [", "];")
        .split(',')
        .map(|shape| shape.trim().trim_matches('"'))
        .collect();
    assert_eq!(drawn, ibasho::model::AVATAR_SHAPES, "pictures.js SHAPES");
    for shape in drawn {
        let svg = web_client(&format!("space/avatars/{shape}.svg"));
        assert!(
            svg.starts_with("<svg "),
            "space/avatars/{shape}.svg is not a drawing"
        );
    }
}

/// The close codes the page acts on (connection.js's final ones, app.js's farewells) are codes
/// the server sends. (Their words come from the `goodbye` or `error` before the close.)
#[test]
fn the_close_codes_the_page_knows_are_the_servers() {
    let codes: BTreeSet<u16> = CloseCode::ALL.iter().map(|c| c.code()).collect();
    let connection = web_client("space/connection.js");
    let finals = between(&connection, "const FINAL = new Set([", "]);");
    let app = web_client("space/app.js");
    let farewells = app
        .split("code === ")
        .skip(1)
        .map(|rest| rest.split(')').next().unwrap_or_default())
        .filter(|code| code.starts_with(|c: char| c.is_ascii_digit()));
    let named: Vec<&str> = finals.split(',').chain(farewells).collect();
    assert!(
        named.len() >= 3,
        "no close codes found in the page: {named:?}"
    );
    for code in named {
        let code: u16 = code
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("not a close code: {code:?}"));
        assert!(
            codes.contains(&code),
            "the page acts on close code {code}, which the server never sends"
        );
    }
}

/// Every constant of hub/limits.rs is in the Limits table with its value: those `welcome`
/// sends are checked above, the server-side ones here, and a new constant fails until it is
/// added to both.
#[test]
fn every_server_side_limit_is_documented_with_its_value() {
    use ibasho::hub::limits::*;
    let secs = |d: std::time::Duration| format!("{} s", d.as_secs());
    let server_side: Vec<(&str, &str, String)> = vec![
        (
            "TRANSPORT_FRAME_BYTES",
            "transport frame",
            format!("{TRANSPORT_FRAME_BYTES} bytes"),
        ),
        (
            "REJECTS_PER_SECOND",
            "rejected messages",
            format!("{REJECTS_PER_SECOND} per second"),
        ),
        (
            "REJECTS_BURST",
            "rejected messages",
            format!("burst {REJECTS_BURST}"),
        ),
        (
            "OUTBOUND_QUEUE",
            "outbound queue",
            format!("{OUTBOUND_QUEUE} frames"),
        ),
        (
            "REPLY_RESERVE",
            "outbound queue",
            format!("{REPLY_RESERVE} more places"),
        ),
        ("WRITE_TIMEOUT", "write timeout", secs(WRITE_TIMEOUT)),
        ("CLOSE_HANDSHAKE", "close handshake", secs(CLOSE_HANDSHAKE)),
        ("CHAT_RING", "chat ring", format!("{CHAT_RING} lines")),
        (
            "CHAT_ON_JOIN",
            "chat on join",
            format!("{CHAT_ON_JOIN} lines"),
        ),
        ("COMEBACK_GRACE", "comeback grace", secs(COMEBACK_GRACE)),
        ("HEARTBEAT", "heartbeat", secs(HEARTBEAT)),
        (
            "UNRESPONSIVE_AFTER",
            "unresponsive after",
            secs(UNRESPONSIVE_AFTER),
        ),
        ("TICK", "movement tick", format!("{} ms", TICK.as_millis())),
    ];
    // Sent in `welcome.limits`, so checked by every_limit_is_documented_with_its_value.
    let in_welcome = [
        "FRAME_BYTES",
        "CHAT_CHARS",
        "MESSAGES_PER_SECOND",
        "MESSAGES_BURST",
        "CHAT_PER_SECOND",
        "CHAT_BURST",
        "AUTH_TIMEOUT",
    ];
    let text = section(&doc(), "Limits");
    for (_, label, value) in &server_side {
        let row = text
            .lines()
            .find(|line| line.starts_with(&format!("| {label} |")))
            .unwrap_or_else(|| panic!("limit `{label}` is missing from docs/protocol.md"));
        assert!(
            row.contains(value.as_str()),
            "limit `{label}` should read {value}: {row}"
        );
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/hub/limits.rs");
    let source = std::fs::read_to_string(path).expect("hub/limits.rs");
    for line in source.lines().filter_map(|l| l.strip_prefix("pub const ")) {
        let name = line.split(':').next().unwrap_or_default().trim();
        assert!(
            in_welcome.contains(&name) || server_side.iter().any(|(n, _, _)| *n == name),
            "hub/limits.rs has `{name}`: document it in docs/protocol.md's Limits and check it here"
        );
    }
}

/// The `auth` example's token has the header the server's tokens have (HS256), and the
/// section states the leeway the server applies to the token's times.
#[test]
fn the_auth_section_matches_the_tokens() {
    use base64::Engine;
    use ibasho::auth::{Keys, TOKEN_LEEWAY_SECS};
    use ibasho::model::Role;
    let header = |token: &str| -> serde_json::Value {
        let part = token.split('.').next().expect("a header");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .expect("base64url header");
        serde_json::from_slice(&bytes).expect("JSON header")
    };
    let text = doc();
    let start = text.find("\n### `auth`\n").expect("an `auth` section");
    let auth = &text[start..];
    let auth = &auth[..auth[1..].find("\n### ").map_or(auth.len(), |end| end + 1)];
    let example: serde_json::Value =
        serde_json::from_str(&json_blocks(auth)[0]).expect("the example is JSON");
    let real = Keys::from_secret(&[7; 32])
        .issue(
            &ibasho::model::AccountId::generate(),
            Role::Participant,
            std::time::Duration::from_secs(60),
        )
        .expect("a token");
    assert_eq!(
        header(example["token"].as_str().expect("a token")),
        header(&real),
        "the `auth` example's token header"
    );
    assert!(
        auth.contains(&format!("leeway of {TOKEN_LEEWAY_SECS} seconds"))
            && auth.contains(&format!("more than {TOKEN_LEEWAY_SECS} s")),
        "the `auth` section should state the {TOKEN_LEEWAY_SECS} s leeway"
    );
}
