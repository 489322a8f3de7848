#!/usr/bin/env bash
# One lane of runs on a 2-core machine: each line of the lane file, `OUT ARGS...`, trains
# `python -m helpers.train --out OUT ARGS` with one CPU thread (resumed when OUT holds a checkpoint), one
# after the other; run two lanes side by side. Logs go to OUT.log.
#   tools/lane.sh lane_a.txt & tools/lane.sh lane_b.txt &
set -u
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
while read -r out args; do
  [ -z "$out" ] || [ "${out:0:1}" = "#" ] && continue
  resume=""; [ -f "$out/checkpoint.pt" ] && resume=--resume
  mkdir -p "$(dirname "$out")"
  OMP_NUM_THREADS=1 AUDIOGAN_PLAIN_PROGRESS=1 $PY -m helpers.train --out "$out" $resume $args >>"$out.log" 2>&1
  echo "$(date +%T) done rc=$? $out"
done < "$1"
echo "$(date +%T) lane finished"
