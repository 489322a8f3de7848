#!/usr/bin/env bash
# A tiny job queue for long measurements on a 2-core machine: each line of the job file is
#   THREADS OUT ARGS...   (train args after --out), run with `python -m helpers.train`;
# 2-thread jobs run alone, 1-thread jobs two at a time. Logs go beside each run as OUT.log.
#   tools/queue.sh jobs.txt
set -u
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
pending=()
run() {  # threads out args...
  local t=$1 out=$2; shift 2
  local resume=""; [ -f "$out/checkpoint.pt" ] && resume=--resume
  mkdir -p "$(dirname "$out")"
  OMP_NUM_THREADS=$t AUDIOGAN_PLAIN_PROGRESS=1 $PY -m helpers.train --out "$out" $resume "$@" >>"$out.log" 2>&1
  echo "$(date +%T) done rc=$? $out"
}
while read -r t out args; do
  [ -z "$t" ] || [ "${t:0:1}" = "#" ] && continue
  if [ "$t" = 1 ]; then
    run 1 "$out" $args & pending+=($!)
    if [ ${#pending[@]} -ge 2 ]; then wait "${pending[@]}"; pending=(); fi
  else
    wait "${pending[@]}" 2>/dev/null; pending=()
    run "$t" "$out" $args
  fi
done < "$1"
wait
echo "$(date +%T) queue finished"
