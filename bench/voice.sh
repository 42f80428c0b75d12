#!/usr/bin/env bash
# Voice through the SFU: ibasho-load's webrtc-rs members against a release ibasho, the server
# pinned to core 0 and the load tool to core 1, on loopback. A fresh server per case.
# Cases: one talker heard by 10, 50, 100 and 200 listeners; a room of 10 where everyone talks.
# Prints each case's table and keeps the JSON in bench/results/voice/.
# Usage: bench/voice.sh [SECONDS]   (the measured window, default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
WINDOW=${1:-10}

cargo build --release -p ibasho -p ibasho-load
OUT=bench/results/voice
rm -rf "$OUT" && mkdir -p "$OUT"
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# run NAME ARGS…: one case against a freshly started server (its media socket binds the
# --listen host, so it is on loopback too).
run() {
  local name=$1 log="$WORK/$1.log"
  shift
  IBASHO_LOG=warn taskset -c 0 target/release/ibasho --listen 127.0.0.1:18080 \
    --rooms bench/rooms.toml --data "$WORK/data" --clock 2026-12-09T14:30:00+09:00 >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    grep -q "listening" "$log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "listening" "$log" || { echo "ibasho did not start:" >&2; cat "$log" >&2; exit 1; }
  echo "==> $name: $*"
  taskset -c 1 target/release/ibasho-load --target ws://127.0.0.1:18080/ws \
    --server-pid "$SERVER_PID" --data "$WORK/data" --seconds "$WINDOW" \
    --json "$OUT/$name.json" "$@"
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

run fanout-10 --scenario voice-fanout --members 11
run fanout-50 --scenario voice-fanout --members 51
run fanout-100 --scenario voice-fanout --members 101
run fanout-200 --scenario voice-fanout --members 201
run room-10 --scenario voice-room --members 10
echo "raw results in $OUT/"
