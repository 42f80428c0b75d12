//! A frame's text through the server's parser and its error classification.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The transport hands the parser valid UTF-8 only (it refuses the rest itself).
    if let Ok(text) = std::str::from_utf8(data) {
        ibasho::fuzz::decode(text);
    }
});
