#!/usr/bin/env bash
# Regenerates docs/screenshots/: the browser test (tests/browser.rs) saves each main screen
# as it walks through them. Needs what the test needs (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
IBASHO_SCREENSHOTS="$PWD/docs/screenshots" cargo test -p ibasho --test browser -- --nocapture
ls docs/screenshots
