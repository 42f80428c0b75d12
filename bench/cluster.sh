#!/usr/bin/env bash
# Several nodes (issue 13): the chat scenario against (a) one node on its own (SQLite, no
# Redis), (b) one node in cluster mode (PostgreSQL + Redis: the Redis hop alone) and (c) three
# nodes in cluster mode with every room's members spread over them; then (d) kill -9 of the
# rooms' host among three nodes, IBASHO_BENCH_KILLS times (default 5), and the time until each
# member is back in through another node (the failover scenario). CPU counts every node and
# the Redis server. Servers and Redis are pinned to core 0, the load tool to core 1, all on
# loopback. Uses a private redis-server (no persistence) on a free loopback port and a fresh
# schema on the machine's PostgreSQL (dropped at the end).
# Usage: bench/cluster.sh [ibasho-load chat options]   (default: 300 members, rooms of 50,
# 200 lines/s, 10 s windows). CARGO_TARGET_DIR is honoured. Results: bench/results/cluster-*.json.
# PostgreSQL: IBASHO_BENCH_PSQL (default `psql -h 127.0.0.1 -U postgres test`), the nodes' URL
# IBASHO_BENCH_POSTGRES (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/.."
LOAD_ARGS=("$@")
[[ ${#LOAD_ARGS[@]} -eq 0 ]] && LOAD_ARGS=(--members 300 --room-size 50 --rate 200 --seconds 10)
PSQL=${IBASHO_BENCH_PSQL:-psql -h 127.0.0.1 -U postgres test}
POSTGRES=${IBASHO_BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}
BIN=${CARGO_TARGET_DIR:-target}/release

cargo build --release -p ibasho -p ibasho-load
ulimit -n "$(ulimit -Hn)"

OUT=bench/results
mkdir -p "$OUT"
WORK=$(mktemp -d)
SCHEMA=bench_cluster_$$_$RANDOM
PIDS=()
REDIS_PID=
cleanup() {
  local status=$?
  # After a failure, what the nodes said.
  [[ $status -ne 0 ]] && tail -n 20 "$WORK"/*.err >&2 2>/dev/null
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [[ -n $REDIS_PID ]] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null
  $PSQL -q -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# A free loopback port, from the kernel.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

REDIS_PORT=$(free_port)
taskset -c 0 redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
  --dir "$WORK" --logfile "$WORK/redis.log" &
REDIS_PID=$!
for _ in $(seq 50); do
  redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
  sleep 0.1
done
redis-cli -p "$REDIS_PORT" ping | grep -q PONG || { echo "redis-server did not start" >&2; exit 1; }

$PSQL -q -c "CREATE SCHEMA $SCHEMA"
DATABASE="$POSTGRES?options=-c%20search_path%3D$SCHEMA"
KEY="$WORK/signing.key"
(umask 077 && head -c 32 /dev/urandom | base64 >"$KEY")

# start_node NAME FLAGS…: one node on core 0, on a port of its own; appends its pid to PIDS
# and its WebSocket to URLS.
start_node() {
  local name=$1 log="$WORK/$1.log"
  shift
  mkdir -p "$WORK/$name"
  IBASHO_LOG=warn taskset -c 0 "$BIN/ibasho" --listen 127.0.0.1:0 --rooms bench/rooms.toml \
    --data "$WORK/$name" --max-connections 30000 --clock 2026-12-09T14:30:00+09:00 "$@" \
    >"$log" 2>"$WORK/$name.err" &
  PIDS+=($!)
  local port=
  for _ in $(seq 100); do
    port=$(sed -n 's|^ibasho listening on http://127.0.0.1:\([0-9]*\)$|\1|p' "$log" 2>/dev/null || true)
    [[ -n $port ]] && break
    sleep 0.1
  done
  [[ -n $port ]] || { echo "$name did not start:" >&2; cat "$WORK/$name.err" >&2; exit 1; }
  URLS+=(--target "ws://127.0.0.1:$port/ws")
}

# SIGTERM (several nodes drain first), then at most 10 s before SIGKILL.
stop_nodes() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

# run CASE NODES MODE: NODES fresh nodes (MODE single: SQLite, no Redis; cluster: PostgreSQL,
# Redis, a cluster name of the case's own), then the chat scenario through all of them.
run() {
  local name=$1 count=$2 mode=$3 flags=() load=() i
  URLS=()
  if [[ $mode == cluster ]]; then
    flags=(--database "$DATABASE" --redis "redis://127.0.0.1:$REDIS_PORT" \
      --cluster-name "bench-$name-$$" --signing-key-file "$KEY")
    load=(--database "$DATABASE" --signing-key-file "$KEY" --data "$WORK/load" \
      --extra-pid "$REDIS_PID")
  else
    load=(--data "$WORK/$name-1")
  fi
  for i in $(seq "$count"); do start_node "$name-$i" "${flags[@]}"; done
  for pid in "${PIDS[@]}"; do load+=(--server-pid "$pid"); done
  echo "==> $name: $count node(s), $mode: chat ${LOAD_ARGS[*]}"
  taskset -c 1 "$BIN/ibasho-load" --scenario chat "${URLS[@]}" "${load[@]}" \
    --json "$OUT/cluster-$name.json" "${LOAD_ARGS[@]}"
  stop_nodes
}

# failover ROUND: three fresh nodes (a cluster name of the round's own, so every room is
# hosted anew by the first node), FAILOVER_MEMBERS members in rooms of 20, then kill -9 of the
# rooms' host and the time until each member is back in through another node.
FAILOVER_MEMBERS=${IBASHO_BENCH_FAILOVER_MEMBERS:-60}
KILLS=${IBASHO_BENCH_KILLS:-5}
failover() {
  local name=failover-$1 i load=()
  URLS=()
  for i in 1 2 3; do
    start_node "$name-$i" --database "$DATABASE" --redis "redis://127.0.0.1:$REDIS_PORT" \
      --cluster-name "bench-$name-$$" --signing-key-file "$KEY"
  done
  for pid in "${PIDS[@]}"; do load+=(--server-pid "$pid"); done
  echo "==> $name: kill -9 of the rooms' host under $FAILOVER_MEMBERS members"
  taskset -c 1 "$BIN/ibasho-load" --scenario failover "${URLS[@]}" "${load[@]}" \
    --database "$DATABASE" --signing-key-file "$KEY" --data "$WORK/load" \
    --members "$FAILOVER_MEMBERS" --room-size 20 --json "$OUT/cluster-$name.json"
  stop_nodes
}

run single 1 single
run cluster1 1 cluster
run cluster3 3 cluster
for k in $(seq "$KILLS"); do failover "$k"; done

python3 - "$OUT" <<'EOF'
import json, sys
print("\n| case | deliveries/s | deliveries per CPU-s | p50 ms | p99 ms | delivered / expected |")
print("|---|---:|---:|---:|---:|---:|")
for name, label in [("single", "1 node, single-node mode"), ("cluster1", "1 node, cluster mode"),
                    ("cluster3", "3 nodes, cluster mode")]:
    r = json.load(open(f"{sys.argv[1]}/cluster-{name}.json"))
    per_cpu = r["deliveries_per_cpu_s"]
    print(f"| {label} | {r['deliveries_per_s']:,.0f} | {per_cpu:,.0f} | {r['latency']['p50_ms']:.2f} "
          f"| {r['latency']['p99_ms']:.2f} | {r['delivered_total']} / {r['expected_total']} |")
import glob
rounds = [json.load(open(f)) for f in sorted(glob.glob(f"{sys.argv[1]}/cluster-failover-*.json"))]
if rounds:
    print("\n| kill | members back in | with a gap | p50 s | p99 s | max s |")
    print("|---|---:|---:|---:|---:|---:|")
    for k, r in enumerate(rounds, 1):
        b = r["back_in"]
        print(f"| {k} | {r['resumed']} / {r['members']} | {r['gaps']} | {b['p50_ms']/1000:.2f} "
              f"| {b['p99_ms']/1000:.2f} | {b['max_ms']/1000:.2f} |")
EOF
