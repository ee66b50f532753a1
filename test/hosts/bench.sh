#!/usr/bin/env bash
# Prints the figures the multi-host engine tests measure on the test bed (lines "[figure] ..."), for N runs:
#   test/hosts/bench.sh [N]      as root, with a dockerd running (the stand-in images are built from it)
# Each run starts a bed (test/hosts/bed.ts), deploys on it, injects the faults and removes the bed. Not a
# timed test: the figures are read by a person (README, "The test bed"). A run's full log is kept in
# $TMPDIR/robotoff-bench-<run>.log.
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-1}
for i in $(seq 1 "$runs"); do
  log="${TMPDIR:-/tmp}/robotoff-bench-${i}.log"
  echo "run ${i} of ${runs} (log: ${log})"
  ROBOTOFF_ENGINE_LOWER_ULIMITS=${ROBOTOFF_ENGINE_LOWER_ULIMITS:-1} npx vitest run --config vitest.engine.config.mts \
    test/engine/hosts.test.ts test/engine/swarm-nodes.test.ts >"$log" 2>&1
  status=$?
  grep -o '\[figure\] .*' "$log" | sed 's/^\[figure\] /  /'
  [ "$status" -eq 0 ] || echo "  run ${i} failed (exit ${status}): see ${log}"
done
