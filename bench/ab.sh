#!/usr/bin/env bash
# Two server builds, A/B, through one ibasho-load scenario: each run starts the build afresh
# on core 0 (bench/rooms.toml), the load tool on core 1, alternating A and B three times.
# Usage: bench/ab.sh BEFORE_BINARY AFTER_BINARY LOAD_ARGS…
#   e.g. bench/ab.sh /tmp/ibasho-before target/release/ibasho \
#          --scenario chat --members 2000 --room-size 20 --rate 1800 --seconds 10
# Build the load tool first (cargo build --release -p ibasho-load). Prints, per run, the
# server's CPU-s, CPU-s per 100k deliveries, p99 and delivered/expected; the JSON stays in
# bench/results/ab/.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 3 ]] || { sed -n 2,9p "$0"; exit 2; }
declare -A BUILD=([before]=$1 [after]=$2)
shift 2
ulimit -n "$(ulimit -Hn)"
OUT=bench/results/ab
rm -rf "$OUT" && mkdir -p "$OUT"
for round in 1 2 3; do
  for v in before after; do
    work=$(mktemp -d)
    IBASHO_LOG=warn taskset -c 0 "${BUILD[$v]}" --listen 127.0.0.1:18080 \
      --rooms bench/rooms.toml --data "$work/data" --max-connections 30000 \
      --clock 2026-12-09T14:30:00+09:00 >"$work/log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do grep -q listening "$work/log" 2>/dev/null && break; sleep 0.1; done
    taskset -c 1 target/release/ibasho-load --target ws://127.0.0.1:18080/ws \
      --server-pid "$pid" --data "$work/data" --json "$OUT/$v.$round.json" "$@" \
      >"$OUT/$v.$round.txt" 2>&1 || echo "the load failed: $OUT/$v.$round.txt"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$work"
  done
done
python3 - "$OUT" <<'PY'
import json, statistics, sys
out = sys.argv[1]
for v in ["before", "after"]:
    rows = []
    for r in (1, 2, 3):
        try:
            rows.append(json.load(open(f"{out}/{v}.{r}.json")))
        except FileNotFoundError:
            pass
    for d in rows:
        print(f"{v}: server {d['server_cpu_s']:.2f} CPU-s, {d['cpu_s_per_100k_deliveries']:.3f} per 100k, "
              f"p99 {d['latency']['p99_ms']:.1f} ms, {d['delivered_total']}/{d['expected_total']}, refused {d['refused']}")
    if rows:
        print(f"{v}: median {statistics.median(d['cpu_s_per_100k_deliveries'] for d in rows):.3f} CPU-s per 100k")
PY
