#!/usr/bin/env bash
# Regenerates docs/screenshots/: the browser tests (tests/browser.rs, tests/browser_voice.rs,
# tests/browser_table.rs, tests/browser_map.rs)
# save each main screen as they walk through them. Needs what the test needs (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
IBASHO_SCREENSHOTS="$PWD/docs/screenshots" cargo test -p ibasho --test browser --test browser_voice --test browser_table --test browser_map -- --nocapture
ls docs/screenshots
