#!/bin/bash
# Stand-in for Robotoff's docker/docker-entrypoint.sh: `robotoff-cli ...` runs through `poetry run`.
set -e
PRE_ARGS=()
if [[ "$1" == robotoff-cli ]]; then PRE_ARGS=(poetry run); fi
exec "${PRE_ARGS[@]}" "$@"
