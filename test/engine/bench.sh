#!/usr/bin/env bash
# Prints the figures engine test files measure (their "[figure] ..." lines), for N runs of those files:
#   test/engine/bench.sh N FILE...      as root, with a dockerd running (the stand-in images are built from it)
# Not a timed test: the figures are read by a person (README). A run's full log is kept in
# $TMPDIR/robotoff-bench-<run>.log.
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=${1:?usage: test/engine/bench.sh N FILE...}
shift
[ "$#" -gt 0 ] || { echo "usage: test/engine/bench.sh N FILE..." >&2; exit 2; }
for i in $(seq 1 "$runs"); do
  log="${TMPDIR:-/tmp}/robotoff-bench-${i}.log"
  echo "run ${i} of ${runs} (log: ${log})"
  ROBOTOFF_ENGINE_LOWER_ULIMITS=${ROBOTOFF_ENGINE_LOWER_ULIMITS:-1} npx vitest run --config vitest.engine.config.mts "$@" >"$log" 2>&1
  status=$?
  # vitest repeats a test's output in its report: each figure once.
  grep -o '\[figure\] .*' "$log" | awk '!seen[$0]++' | sed 's/^\[figure\] /  /'
  [ "$status" -eq 0 ] || echo "  run ${i} failed (exit ${status}): see ${log}"
done
