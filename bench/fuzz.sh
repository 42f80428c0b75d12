#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz, libFuzzer) of the frame decoder (`decode`) and of every
# client message's handling by a whole space in-process (`handle`); see fuzz/ and the
# "Fuzzing" section of docs/benchmarks.md.
#
#   bench/fuzz.sh [SECONDS | -runs N] [--save]     (default: 60 seconds per target)
#   FUZZ_TARGETS=decode bench/fuzz.sh -runs 10000000
#
# Runs each target in one process on one core (nice'd), from the committed corpus
# fuzz/corpus/<target> plus what earlier runs found (target/fuzz/corpus/<target>), and prints
# its executions, crashes and panics; exits non-zero on any crash. A crash's input is in
# fuzz/artifacts/<target>/. --save minimises everything found into fuzz/corpus/<target>
# (cargo fuzz cmin) for local reruns; the committed corpus is the seeds (fuzz/seeds.py), kept small.
set -euo pipefail
cd "$(dirname "$0")/.."

LIMIT=(-max_total_time=60)
SAVE=false
while [ $# -gt 0 ]; do
  case "$1" in
    -runs) LIMIT=(-runs="${2:?-runs needs a number}"); shift 2 ;;
    --save) SAVE=true; shift ;;
    '' | *[!0-9]*) echo "usage: $0 [SECONDS | -runs N] [--save]" >&2; exit 2 ;;
    *) LIMIT=(-max_total_time="$1"); shift ;;
  esac
done

command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
# cargo-fuzz passes rustc flags that are nightly-only (-Z, sanitizer coverage passes);
# RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. No sanitizer: the server forbids
# unsafe code, so coverage and Rust's own checks (debug assertions, overflow) are what count.
export RUSTC_BOOTSTRAP=1
# 16 codegen units: a much quicker first build on a busy machine, runs barely slower.
FUZZ=(--fuzz-dir fuzz --target-dir target/fuzz --sanitizer none --debug-assertions
  --codegen-units 16)

failed=0
for target in ${FUZZ_TARGETS:-decode handle}; do
  work=target/fuzz/corpus/$target
  log=target/fuzz/$target.log
  mkdir -p "$work" "fuzz/artifacts/$target"
  before=$(find "fuzz/artifacts/$target" -type f | wc -l)
  echo "== $target (${LIMIT[*]})"
  status=0
  # New inputs go to the first corpus directory (the scratch one); -timeout catches hangs.
  nice -n 10 cargo fuzz run "${FUZZ[@]}" "$target" "$work" "fuzz/corpus/$target" -- \
    "${LIMIT[@]}" -timeout=60 -rss_limit_mb=4096 -dict=fuzz/protocol.dict \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^#[0-9]+[[:space:]]+DONE|^Done [0-9]+ runs' "$log" || tail -n 30 "$log"
  runs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -n 1)
  crashes=$(($(find "fuzz/artifacts/$target" -type f | wc -l) - before))
  panics=$(grep -c 'panicked at' "$log" || true)
  echo "$target: executions ${runs:-?}, crashes $crashes, panics $panics (exit $status; log $log)"
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ] || [ "$panics" -ne 0 ]; then failed=1; fi
  if $SAVE; then
    cp -n "$work"/* "fuzz/corpus/$target"/ 2>/dev/null || true
    nice -n 10 cargo fuzz cmin "${FUZZ[@]}" "$target" "fuzz/corpus/$target" >"$log.cmin" 2>&1
    echo "$target: corpus $(find "fuzz/corpus/$target" -type f | wc -l) files, $(du -sh "fuzz/corpus/$target" | cut -f1)"
  fi
done
exit $failed
