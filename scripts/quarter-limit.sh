#!/usr/bin/env bash
# How far apart a photo and its slightly blurred self are at full size and at 1/4 size:
# the measurement behind BENCHMARKS.md "The 1/4 copy of a 500 px photo". For each photo A
# it makes B = A blurred at full size (Gaussian, sigma $SIGMA px), the 1/4 copies of both
# (ImageMagick Lanczos, as issue 18 measures size drift), scores the four with `glia score`
# and prints the score gaps and how alike the 1/4 copies are (PSNR). Where the 1/4 copies
# are all but identical, any scorer gives them nearly one score, so a full-size gap of G
# points makes A or B drift by about G/2 or more at 1/4, whatever the model.
#   scripts/quarter-limit.sh PHOTOS_DIR [MODEL] [SIGMA]
# Needs: ImageMagick (`convert`, `compare`, or $CONVERT / $COMPARE), python3, a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
photos="$(realpath "$1")"
model="${2:-}"
sigma="${3:-1}"
bin="$(realpath "${CARGO_TARGET_DIR:-target}/release/glia")"
convert="${CONVERT:-convert}"
compare="${COMPARE:-compare}"
[ -x "$bin" ] || { echo "build first: cargo build --release --locked" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{a,aq,b,bq}
for f in "$photos"/*; do
  n="$(basename "${f%.*}").png"
  "$convert" "$f" "$work/a/$n"
  "$convert" "$f" -filter Lanczos -resize 25% "$work/aq/$n"
  "$convert" "$f" -gaussian-blur "0x$sigma" "$work/b/$n"
  "$convert" "$work/b/$n" -filter Lanczos -resize 25% "$work/bq/$n"
  # `compare` prints the metric on stderr and exits 1 when the images differ.
  echo "$n $("$compare" -metric PSNR "$work/aq/$n" "$work/bq/$n" null: 2>&1 || true)" \
    >> "$work/psnr.txt"
done
for s in a aq b bq; do
  "$bin" score --json --quiet --device cpu ${model:+--model "$model"} "$work/$s" > "$work/$s.json"
done

python3 - "$work" "$sigma" <<'EOF'
import json, os, statistics as st, sys
work, sigma = sys.argv[1], sys.argv[2]
def scores(s):
    rows = json.load(open(f"{work}/{s}.json"))
    return {os.path.basename(r["path"]): r["score"] for r in rows if r.get("score") is not None}
a, aq, b, bq = (scores(s) for s in ("a", "aq", "b", "bq"))
psnr = {}
for line in open(f"{work}/psnr.txt"):
    name, value = line.split()[:2]
    psnr[name] = float("inf") if value == "inf" else float(value)
names = [n for n in a if n in aq and n in b and n in bq and n in psnr]
full_gap = [a[n] - b[n] for n in names]
quarter_gap = [aq[n] - bq[n] for n in names]
print(f"{len(names)} photos, blur sigma {sigma} px at full size")
print(f"1/4 copies of A and B: PSNR median {st.median(psnr[n] for n in names):.1f} dB, "
      f"lowest {min(psnr[n] for n in names):.1f} dB")
print(f"score A - B at full size: mean {st.mean(full_gap):.1f}, largest {max(full_gap):.1f}, "
      f"over 30: {sum(g > 30 for g in full_gap)}")
print(f"score A - B at 1/4: mean {st.mean(quarter_gap):.1f}, largest {max(quarter_gap):.1f}")
print(f"drift at 1/4, originals: mean {st.mean(abs(aq[n] - a[n]) for n in names):.1f}, "
      f"largest {max(abs(aq[n] - a[n]) for n in names):.1f}; blurred: mean "
      f"{st.mean(abs(bq[n] - b[n]) for n in names):.1f}, largest "
      f"{max(abs(bq[n] - b[n]) for n in names):.1f}")
EOF
