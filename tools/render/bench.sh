#!/usr/bin/env bash
# Times the offline render against the bare cost of loading the SDKs, alternated, N runs each (default 5),
# and prints both medians in milliseconds. The render runs as package.json's script (the node command `npm run
# render` starts), without npm's own start, as the SDKs load with bare node.
# Usage: tools/render/bench.sh [runs] [stack] [stack file]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
stack=${2:-prod}
file=(${3:+--config-file "$3"})
read -ra render_cmd <<< "$(node -p 'require("./package.json").scripts.render')"
now() { date +%s%N; }
render=() sdk=()
for _ in $(seq "$runs"); do
  t=$(now); "${render_cmd[@]}" --stack "$stack" "${file[@]}" --format json >/dev/null; render+=($(( ($(now) - t) / 1000000 )))
  t=$(now); node -e "require('@pulumi/pulumi'); require('@pulumi/docker'); require('@pulumi/random')"; sdk+=($(( ($(now) - t) / 1000000 )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "render ($stack, json): median $(median "${render[@]}") ms of ${render[*]}"
echo "require SDKs:          median $(median "${sdk[@]}") ms of ${sdk[*]}"
