#!/usr/bin/env bash
# Where the server's instructions go: ibasho under callgrind, instrumented for 8 s in the
# middle of an `ibasho-load` run in rooms of 50. `chat`: 500 members, 20 lines/s, so 1 000
# deliveries/s, counted per delivery. `move`: 100 members walking at 10 steps/s, counted per
# step. The load is light on purpose: a server slowed by valgrind must keep up, or batching
# (and so the count per unit) would depend on timing. Counts then repeat run to run.
# Usage: bench/callgrind.sh [chat|move] [OUT]   (then: callgrind_annotate --inclusive=yes OUT)
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIO=${1:-chat}
OUT=${2:-/tmp/ibasho-$SCENARIO.callgrind}
case $SCENARIO in
  chat) UNIT=deliveries_per_s ARGS=(--members 500 --rate 20) ;;
  move) UNIT=moves_sent_per_s ARGS=(--members 100) ;;
  *) echo "usage: $0 [chat|move] [OUT]" >&2; exit 2 ;;
esac
cargo build --release -p ibasho -p ibasho-load
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
IBASHO_LOG=warn valgrind --tool=callgrind --callgrind-out-file="$OUT" --instr-atstart=no \
  target/release/ibasho --listen 127.0.0.1:18120 --rooms bench/rooms.toml --data "$WORK" \
  --clock 2026-12-09T14:30:00+09:00 >"$WORK/log" 2>&1 &
PID=$!
until grep -q listening "$WORK/log" 2>/dev/null; do sleep 0.5; done
target/release/ibasho-load --scenario "$SCENARIO" "${ARGS[@]}" --room-size 50 --seconds 12 \
  --target ws://127.0.0.1:18120/ws --data "$WORK" >"$WORK/load" &
LOAD=$!
sleep 8
callgrind_control -i on "$PID" >/dev/null
sleep 8
callgrind_control -i off "$PID" >/dev/null
wait "$LOAD"
kill -INT "$PID"
wait "$PID" || true
grep -E "$UNIT" "$WORK/load"
total=$(callgrind_annotate "$OUT" | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
rate=$(awk -v unit="$UNIT" '$1 == unit {print $2}' "$WORK/load")
echo "instructions in 8 s: $total; per ${UNIT%_per_s}: $(python3 -c "print(round($total / ($rate * 8)))")"
