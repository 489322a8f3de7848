#!/usr/bin/env bash
# A tiny job queue for long measurements on a 2-core machine. Each line of the job file is either
#   THREADS OUT ARGS...     a run: `python -m helpers.train --out OUT ARGS` (resumed if OUT has a checkpoint)
#   THREADS - COMMAND...    any command, run from the repository root
# 2-thread jobs run alone, 1-thread jobs two at a time; logs go to OUT.log (or the queue's own output).
#   tools/queue.sh jobs.txt
set -u
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
pending=()
run() {  # threads out args...
  local t=$1 out=$2; shift 2
  if [ "$out" = "-" ]; then
    OMP_NUM_THREADS=$t "$@"
    echo "$(date +%T) done rc=$? $*"
    return
  fi
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
