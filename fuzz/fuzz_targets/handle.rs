//! A visit to a whole space in-process: a role, then one client frame per line.
#![no_main]
use ibasho::fuzz::Space;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static SPACE: LazyLock<Space> = LazyLock::new(Space::open);

fuzz_target!(|data: &[u8]| SPACE.visit(data));
