#!/usr/bin/env bash
# The suite under load, as a busy server sees it: a fresh clone of this repository's HEAD, then the README's test
# command N times in a row (default 5) while two busy-loops keep both cores at 100 %. One line per run goes to
# $OUT/summary.log; each run's whole output to $OUT/run-K.log.
set -u
N=${1:-5}
OUT=${OUT:-/tmp/pipe-tui-loaded}
SRC=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
rm -rf "$OUT" && mkdir -p "$OUT"
git clone -q "$SRC" "$OUT/clone" && cd "$OUT/clone" && CI=true npm ci > "$OUT/npm-ci.log" 2>&1 || { echo "npm ci failed: $OUT/npm-ci.log"; exit 1; }
( while :; do :; done ) & L1=$!
( while :; do :; done ) & L2=$!
trap 'kill $L1 $L2 2>/dev/null' EXIT
for i in $(seq 1 "$N"); do
  CI=true npm test > "$OUT/run-$i.log" 2>&1
  echo "run $i exit $? $(tail -1 "$OUT/run-$i.log")" | tee -a "$OUT/summary.log"
done
