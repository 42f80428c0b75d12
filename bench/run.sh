#!/usr/bin/env bash
# Side-by-side benchmarks: ibasho, Node.js + ws and Bun (bench/peers/) through the same
# ibasho-load scenarios, the server pinned to core 0 and the load tool to core 1, on loopback.
# Writes the results into docs/benchmarks.md (between the run.sh markers) and keeps the raw
# JSON in bench/results/. Usage: bench/run.sh [--quick]   (--quick: small sizes, 2 s windows)
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=false
[[ "${1:-}" == "--quick" ]] && QUICK=true

cargo build --release -p ibasho -p ibasho-load
(cd bench/peers && npm ci --silent --no-audit --no-fund)
# Every connection is a file descriptor on both sides.
ulimit -n "$(ulimit -Hn)"

OUT=bench/results
rm -rf "$OUT" && mkdir -p "$OUT"
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

if $QUICK; then WINDOW=2; else WINDOW=10; fi

# Starts the target under test on core 0 and sets SERVER_PID and URL.
start() {
  local target=$1 log="$WORK/$1.log"
  case $target in
    ibasho)
      IBASHO_LOG=warn taskset -c 0 target/release/ibasho --listen 127.0.0.1:18080 \
        --rooms "$ROOMS" --data "$WORK/data" --max-connections 30000 \
        --clock 2026-12-09T14:30:00+09:00 >"$log" 2>&1 &
      URL=ws://127.0.0.1:18080/ws ;;
    node)
      PORT=18100 taskset -c 0 node bench/peers/node-ws.mjs >"$log" 2>&1 &
      URL=ws://127.0.0.1:18100/ws ;;
    bun)
      PORT=18101 taskset -c 0 bench/peers/node_modules/.bin/bun bench/peers/bun-server.js >"$log" 2>&1 &
      URL=ws://127.0.0.1:18101/ws ;;
  esac
  SERVER_PID=$!
  for _ in $(seq 100); do
    grep -q "listening" "$log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$target did not start:" >&2; cat "$log" >&2; exit 1
}

stop() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

# run NAME TARGET SCENARIO ARGS…: one scenario against a freshly started target.
run() {
  local name=$1 target=$2 scenario=$3
  shift 3
  local peer=()
  [[ $target != ibasho ]] && peer=(--peer)
  # Idle members only receive `welcome`, whose size (the room list) sets the write buffer
  # each connection keeps: measure it with the shipped space, not the 100 benchmark rooms.
  ROOMS=bench/rooms.toml
  [[ $scenario == idle ]] && ROOMS=rooms.toml
  start "$target"
  echo "==> $name on $target: $scenario $*"
  taskset -c 1 target/release/ibasho-load --scenario "$scenario" --target "$URL" "${peer[@]}" \
    --server-pid "$SERVER_PID" --data "$WORK/data" --seconds "$WINDOW" \
    --json "$OUT/$name.$target.json" "$@"
  stop
}

if $QUICK; then
  CASES=(
    "idle-200 idle --members 200"
    "chat-200x10 chat --members 200 --room-size 10 --rate 100"
    "chat-200x200 chat --members 200 --room-size 200 --rate 50"
    "move-200x50 move --members 200 --room-size 50"
    "storm-200 join-storm --members 200 --room-size 50"
    "slow-200x50 slow-consumer --members 200 --room-size 50 --rate 100"
  )
else
  CASES=(
    "idle-1k idle --members 1000"
    "idle-5k idle --members 5000"
    "idle-10k idle --members 10000"
    "chat-1kx10 chat --members 1000 --room-size 10 --rate 1000"
    "chat-5kx50 chat --members 5000 --room-size 50 --rate 2000"
    "chat-10kx500 chat --members 10000 --room-size 500 --rate 400"
    "chat-1kx1000-half chat --members 1000 --room-size 1000 --rate 100"
    "move-1kx50 move --members 1000 --room-size 50"
    "storm-1k join-storm --members 1000 --room-size 50"
    "storm-5k join-storm --members 5000 --room-size 50"
    "slow-1kx50 slow-consumer --members 1000 --room-size 50 --rate 500"
  )
fi

for case in "${CASES[@]}"; do
  read -r name args <<<"$case"
  for target in ibasho node bun; do
    # shellcheck disable=SC2086 # the case's arguments are words on purpose
    run "$name" "$target" $args
  done
done

python3 bench/report.py "$OUT" docs/benchmarks.md "$($QUICK && echo quick || echo full)"
echo "docs/benchmarks.md updated; raw results in $OUT/"
