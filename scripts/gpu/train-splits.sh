#!/usr/bin/env bash
# On a machine with a hardware GPU: the shipped recipe (BENCHMARKS.md, "The new default
# model") on several LIVEC splits at once, one process per split, each: round 1 (the split
# protocol, fresh adapters), round 2 (one epoch from round 1 on the split's own training
# photos), then the round-2 model scored on the split's held-out photos.
# Usage: scripts/gpu/train-splits.sh GLIA LABELS_CSV OUT_DIR SECONDS SEED...
# Each split's chain is cut at SECONDS; what finished by then is in OUT_DIR.
set -u
glia=$1 labels=$2 out=$3 limit=$4; shift 4
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
chain() {
  local s=$1 w="$out/split$1"; mkdir -p "$w"
  "$glia" train --data "$labels" --splits 1 --seed "$s" --epochs 6 --patch-num 3 --batch-size 16 \
    --device gpu --rescale-min 0.25 --damage-pairs 4 --test-samplings 3 \
    --save-models "$w" --report "$w/round1.json" >/dev/null 2>"$w/round1.log" || return
  python3 "$here/split_csvs.py" "$labels" "$w/round1.json" "$w/train.csv" "$w/heldout.csv" || return
  "$glia" train --init "$w/split-seed$s.safetensors" --data "$w/train.csv" --holdout 0 \
    --epochs 1 --patch-num 2 --lr 1e-4 --seed 7 --rescale-min 0.25 --damage-pairs 4 \
    --device gpu -o "$w/round2.safetensors" >"$w/round2.log" 2>&1 || return
  "$glia" eval --data "$w/heldout.csv" --model "$w/round2.safetensors" --test-samplings 3 \
    --device gpu --json >"$w/round2-eval.json" 2>"$w/round2-eval.log"
}
export glia labels out here
export -f chain
for s in "$@"; do
  ( start=$(date +%s); timeout "$limit" bash -c "chain $s"
    echo "split $s rc=$? $(( $(date +%s) - start )) s" >>"$out/chains.log" ) &
done
wait
