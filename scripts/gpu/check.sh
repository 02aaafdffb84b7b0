#!/usr/bin/env bash
# On a machine with a hardware GPU: the wgpu path measured and checked against the CPU.
# Usage: scripts/gpu/check.sh GLIA CAMERA_DIR LIVEC_DIR OUT_DIR
#  - glia bench on the camera photos, GPU and CPU in the same run (forward, end to end);
#  - glia bench --train on the GPU (training-step speed and memory per batch size);
#  - the same photos scored on the GPU and on the CPU (score agreement), and the maps of one
#    camera photo made on each (map agreement; compared afterwards with scripts/gpu/agree.py).
# Every step is time-boxed so one slow step cannot eat the others' time.
set -u
glia=$1 cam=$2 livec=$3 out=$4
mkdir -p "$out"
log_file=check.log
. "$(dirname "$0")/steps.sh"
log "start"; nvidia-smi -L >>"$out/check.log" 2>&1
run 100 bench-train "$glia" bench --train --device gpu --json --batch-sizes 16,32,64,128 --steps 4 "$livec"
run 150 bench "$glia" bench --device all --json --iters 5 "$cam"
run 40 score-gpu "$glia" score --device gpu --json "$cam" "$livec"
run 40 score-cpu "$glia" score --device cpu --json "$cam" "$livec"
first=$(ls "$cam" | head -1)
run 40 heatmap-gpu "$glia" heatmap "$cam/$first" -o "$out/map-gpu.png" --map all --raw "$out/map-gpu.json" --device gpu
run 40 heatmap-cpu "$glia" heatmap "$cam/$first" -o "$out/map-cpu.png" --map all --raw "$out/map-cpu.json" --device cpu
log "end"
