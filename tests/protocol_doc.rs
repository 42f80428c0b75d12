//! docs/protocol.md cannot drift from the code: every message type, error code, close code
//! and limit in the code is documented there, and every JSON example there parses into the
//! type it documents and serializes back to the same JSON (so it holds no stray fields).
use ibasho::hub::limits::limits;
use ibasho::hub::protocol::{ClientMessage, CloseCode, ErrorCode, ServerMessage};
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

/// The `auth` example's token has the header the server's tokens have (HS256), and the
/// section states the leeway the server applies to the token's times.
#[test]
fn the_auth_section_matches_the_tokens() {
    use base64::Engine;
    use ibasho::auth::{Keys, Role, TOKEN_LEEWAY_SECS};
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
            &ibasho::member::AccountId::generate(),
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
