#!/usr/bin/env bash
# Where the server's instructions go while it fans chat out: ibasho under callgrind,
# instrumented for 8 s in the middle of an `ibasho-load chat` run (500 members, rooms of 50,
# 100 lines/s = 5 000 deliveries/s). Instruction counts repeat run to run, unlike seconds.
# Usage: bench/callgrind.sh [OUT]   (then: callgrind_annotate --inclusive=yes OUT | less)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/ibasho-chat.callgrind}
cargo build --release -p ibasho -p ibasho-load
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
IBASHO_LOG=warn valgrind --tool=callgrind --callgrind-out-file="$OUT" --instr-atstart=no \
  target/release/ibasho --listen 127.0.0.1:18120 --rooms bench/rooms.toml --data "$WORK" \
  --clock 2026-12-09T14:30:00+09:00 >"$WORK/log" 2>&1 &
PID=$!
until grep -q listening "$WORK/log" 2>/dev/null; do sleep 0.5; done
target/release/ibasho-load --scenario chat --members 500 --room-size 50 --rate 100 \
  --seconds 12 --target ws://127.0.0.1:18120/ws --data "$WORK" >"$WORK/load" &
LOAD=$!
sleep 8
callgrind_control -i on "$PID" >/dev/null
sleep 8
callgrind_control -i off "$PID" >/dev/null
wait "$LOAD"
kill -INT "$PID"
wait "$PID" || true
grep -E "deliveries_per_s|latency.p99_ms" "$WORK/load"
total=$(callgrind_annotate "$OUT" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
rate=$(awk '/deliveries_per_s/ {print $2}' "$WORK/load")
echo "instructions in 8 s: $total; per delivery: $(python3 -c "print(round($total / ($rate * 8)))")"
