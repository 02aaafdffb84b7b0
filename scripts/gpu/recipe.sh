#!/usr/bin/env bash
# On a machine with a hardware GPU: one split's two rounds trained from the split's training
# CSV (`split_csvs.py`), with round 1's epochs and samplings per photo as given (the shipped
# recipe is 6 × 3, the paper's 10 × 5); the models are left in OUT_DIR, to be scored on the
# split's held-out photos with `glia eval` anywhere (CPU or GPU give the same scores).
# Usage: scripts/gpu/recipe.sh GLIA TRAIN_CSV OUT_DIR EPOCHS SAMPLINGS SECONDS SEED
# Round 1 gets Ctrl-C at SECONDS (the best finished epoch is kept; the log says so).
# SCHEDULE=N plans round 1's cosine decay over N epochs and stops after EPOCHS (the lead of
# sessions 15-18 is EPOCHS 5, SCHEDULE 10, SAMPLINGS 5). DEVICE=cpu runs it here: the CPU
# replays of sessions 17-18 are these commands, session 18's one split per core (taskset -c K).
set -u
glia=$1 train=$2 out=$3 epochs=$4 samplings=$5 limit=$6 seed=$7 device=${DEVICE:-gpu}
schedule=${SCHEDULE:-$epochs}
mkdir -p "$out"
stamp() { while IFS= read -r line; do printf '%s %s\n' "$(date +%T)" "$line"; done; }
start=$(date +%s)
timeout -s INT "$limit" "$glia" train --data "$train" --holdout 0 --epochs "$epochs" \
  --schedule-epochs "$schedule" --patch-num "$samplings" --batch-size 16 --seed "$seed" \
  --device "$device" --rescale-min 0.25 --damage-pairs 4 -o "$out/round1.safetensors" 2>&1 \
  | stamp >"$out/round1.log"
echo "round 1 rc=${PIPESTATUS[0]} $(( $(date +%s) - start )) s" >>"$out/times.log"
[ -s "$out/round1.safetensors" ] || exit 1
start=$(date +%s)
"$glia" train --init "$out/round1.safetensors" --data "$train" --holdout 0 --epochs 1 \
  --patch-num 2 --lr 1e-4 --seed 7 --rescale-min 0.25 --damage-pairs 4 --device "$device" \
  -o "$out/round2.safetensors" 2>&1 | stamp >"$out/round2.log"
echo "round 2 rc=${PIPESTATUS[0]} $(( $(date +%s) - start )) s" >>"$out/times.log"
