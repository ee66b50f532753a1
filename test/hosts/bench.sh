#!/usr/bin/env bash
# Prints the figures the multi-host engine tests measure on the test bed (lines "[figure] ..."), for N runs:
#   test/hosts/bench.sh [N]      as root, with a dockerd running (the stand-in images are built from it)
# Each run starts a bed (test/hosts/bed.ts), deploys on it, injects the faults and removes the bed.
exec "$(dirname "$0")/../engine/bench.sh" "${1:-1}" test/engine/hosts.test.ts test/engine/swarm-nodes.test.ts
