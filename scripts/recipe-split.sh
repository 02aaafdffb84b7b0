#!/usr/bin/env bash
# One of issue 18's two-round recipes on one LIVEC split, on one CPU core, so that it survives
# a stop: every step whose output exists is skipped and an interrupted round goes on with
# `--resume` (`glia train` keeps its state every 10 minutes and when stopped). Each round is
# scored on the split's 201 held-out photos centred and with 3 samplings (`roundN-evalK.json`).
#   lead         round 1 `--epochs 5 --schedule-epochs 10 --patch-num 5` with random rescaling
#                and damage pairs (the paper's longer first round, halved to fit)
#   plain-first  round 1 the opinion scores alone (PLCC loss, `--epochs 6 --patch-num 3`, the
#                recipe before issue 18); rescaling and damage pairs only in round 2
#   enlarged     plain-first with the damage applied to enlarged copies in round 2
#                (`--damage-enlarge 4`); its round 1 is plain-first's, reused when done
# Round 2 is otherwise the shipped one (the commands of scripts/gpu/recipe.sh).
# Usage: CORE=K scripts/recipe-split.sh RECIPE S   (one split per core: burn's CPU kernels gain
# little from a second core). RUNS (default /work/runs) holds the split CSVs and `RECIPE/sS/`;
# GLIA is the binary, copied into sS/ on the first start so the whole run uses one build.
set -u
recipe=$1 S=$2 core=${CORE:-0}
signals=(--rescale-min 0.25 --damage-pairs 4)
plain=(--epochs 6 --patch-num 3 --rescale-min 1 --damage-pairs 0)
case $recipe in
  lead) first=(--epochs 5 --schedule-epochs 10 --patch-num 5 "${signals[@]}") ;;
  plain-first) first=("${plain[@]}") ;;
  enlarged) first=("${plain[@]}") signals+=(--damage-enlarge 4) ;;
  *) echo "unknown recipe $recipe (lead, plain-first, enlarged)" >&2; exit 2 ;;
esac
runs=${RUNS:-/work/runs} here=$(cd "$(dirname "$0")/.." && pwd)
d=$runs/$recipe/s$S labels=${LABELS:-$here/../shared/data/livec/labels.csv}
export GLIA_MODEL_DIR=${GLIA_MODEL_DIR:-$here/models}
mkdir -p "$d"
# plain-first and enlarged share round 1: one run serves both.
for other in plain-first enlarged; do
  o=$runs/$other/s$S
  if [ "$other" != "$recipe" ] && [ "$recipe" != lead ] && [ -e "$o/round1.done" ] \
    && [ ! -e "$d/round1.done" ]; then
    for f in round1.safetensors round1.done round1-eval0.json round1-eval3.json; do
      [ -e "$o/$f" ] && ln -sf "$o/$f" "$d/$f"
    done
  fi
done
[ -x "$d/glia" ] || cp "${GLIA:-$here/target/release/glia}" "$d/glia" || exit 1
g="taskset -c $core $d/glia"
train=$runs/$S-train.csv held=$runs/$S-heldout.csv
if [ ! -s "$held" ]; then
  # The protocol's split S (every variant draws the same split), from a linear probe's report.
  $g train --data "$labels" --splits 1 --seed "$S" --variant linear-probe --device cpu -q \
    --report "$runs/probe-$S.json" >"$runs/probe-$S.log" 2>&1 || exit 1
  python3 "$here/scripts/gpu/split_csvs.py" "$labels" "$runs/probe-$S.json" "$train" "$held"
fi
stamp() { while IFS= read -r line; do printf '%s %s\n' "$(date +%T)" "$line"; done; }
round() { # N, then the round's own arguments
  local n=$1 r=; shift
  [ -e "$d/round$n.done" ] && return 0
  [ -d "$d/round$n.safetensors.resume" ] && r=--resume
  local start; start=$(date +%s)
  $g train --data "$train" --holdout 0 --batch-size 16 --device cpu "$@" $r \
    -o "$d/round$n.safetensors" 2>&1 | stamp >>"$d/round$n.log"
  local rc=${PIPESTATUS[0]}
  echo "round $n rc=$rc $(( $(date +%s) - start )) s $r" >>"$d/times.log"
  [ "$rc" = 0 ] && touch "$d/round$n.done"
}
scored() { # N
  for k in 0 3; do
    [ -s "$d/round$1-eval$k.json" ] || $g eval --data "$held" --model "$d/round$1.safetensors" \
      --test-samplings $k --device cpu -q --json >"$d/round$1-eval$k.json" 2>"$d/round$1-eval$k.err"
  done
}
round 1 "${first[@]}" --seed "$S" || exit 1
scored 1
round 2 --init "$d/round1.safetensors" --epochs 1 --patch-num 2 --lr 1e-4 --seed 7 \
  "${signals[@]}" || exit 1
scored 2
echo "split $S done" >>"$d/times.log"
