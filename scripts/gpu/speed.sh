#!/usr/bin/env bash
# On a machine with a hardware GPU: end-to-end speed on a folder large enough that the
# GPU's per-shape warm-up does not dominate (each photo given 4 times), GPU and CPU in the
# same run; then a training step's speed at batch 16 with each step's time logged.
# Usage: scripts/gpu/speed.sh GLIA CAMERA_DIR LIVEC_DIR OUT_DIR
set -u
glia=$1 cam=$2 livec=$3 out=$4
mkdir -p "$out" /tmp/e2e
for i in 1 2 3 4; do for f in "$cam"/* "$livec"/*; do cp "$f" "/tmp/e2e/$i-$(basename "$f")"; done; done
log_file=speed.log
. "$(dirname "$0")/steps.sh"
log "$(ls /tmp/e2e | wc -l) photos"
run 180 bench "$glia" bench --device all --json --iters 5 /tmp/e2e
run 200 bench-train "$glia" bench --train --device gpu --json --batch-sizes 16 --steps 8 "$livec"
log "end"
