#!/usr/bin/env bash
# Size drift of a split model on its held-out photos (issue 18, criterion 1): each photo as a
# PNG at full size, 1/2 and 1/4 (ImageMagick Lanczos), scored by `glia score`; prints the mean
# and largest |score change| against full size over both copies, and the mean per copy.
# Usage: scripts/split-drift.sh GLIA MODEL HELDOUT_CSV WORKDIR   (needs ImageMagick's convert)
set -eu
glia=$1 model=$2 csv=$3 dir=$4
mkdir -p "$dir/full" "$dir/half" "$dir/quarter"
tail -n +2 "$csv" | cut -d, -f1 | while read -r p; do
  b=$(basename "${p%.*}")
  convert "$p" "$dir/full/$b.png"
  convert "$p" -filter Lanczos -resize 50% "$dir/half/$b.png"
  convert "$p" -filter Lanczos -resize 25% "$dir/quarter/$b.png"
done
for v in full half quarter; do
  "$glia" score --json --device cpu --model "$model" -q "$dir/$v" >"$dir/$v.json"
done
python3 - "$dir" <<'PY'
import json, os, sys
d = sys.argv[1]
def load(v):
    return {os.path.basename(r["path"]): r["score"] for r in json.load(open(f"{d}/{v}.json")) if "score" in r}
f, h, q = load("full"), load("half"), load("quarter")
dh = [abs(h[k] - f[k]) for k in f if k in h]
dq = [abs(q[k] - f[k]) for k in f if k in q]
both = dh + dq
print(f"{len(f)} photos: mean |drift| {sum(both) / len(both):.2f}, largest {max(both):.1f}; "
      f"1/2 copies {sum(dh) / len(dh):.2f}, 1/4 copies {sum(dq) / len(dq):.2f}")
PY
