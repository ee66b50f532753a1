#!/usr/bin/env bash
# Prints what a release does to the api's users (lines "[figure] ..."), measured by the engine tier, for N runs:
#   test/engine/release-bench.sh [N]      as root, with a dockerd running (the stand-in images are built from it)
# Each run deploys staging (rolling, then replace: compose's way) and releases it (release.test.ts), then on a
# single-node swarm (swarm.test.ts). Not a timed test: the figures are read by a person (README, "Releases
# without downtime"). A run's full log is kept in $TMPDIR/robotoff-release-bench-<run>.log.
set -uo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-1}
for i in $(seq 1 "$runs"); do
  log="${TMPDIR:-/tmp}/robotoff-release-bench-${i}.log"
  echo "run ${i} of ${runs} (log: ${log})"
  ROBOTOFF_ENGINE_LOWER_ULIMITS=${ROBOTOFF_ENGINE_LOWER_ULIMITS:-1} npx vitest run --config vitest.engine.config.mts \
    test/engine/release.test.ts test/engine/swarm.test.ts >"$log" 2>&1
  status=$?
  grep -o '\[figure\] .*' "$log" | awk '!seen[$0]++' | sed 's/^\[figure\] /  /'
  [ "$status" -eq 0 ] || echo "  run ${i} failed (exit ${status}): see ${log}"
done
