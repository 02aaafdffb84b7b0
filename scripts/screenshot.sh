#!/usr/bin/env bash
# Screenshots of the real glia window under Xvfb, on a folder of LIVEC photos:
# assets/screenshot-grid.jpg (the scored grid) and assets/screenshot-viewer.jpg (the best
# photo with the ViT | GLIANet heatmaps side by side), and on a folder of bursts made from
# LIVEC photos assets/screenshot-stacks.jpg (bursts stacked, the best stack open) and
# assets/screenshot-compare.jpg (its frames side by side).
#   scripts/screenshot.sh [LIVEC_IMAGES_DIR] [N_PHOTOS]
# Needs: Xvfb, a Vulkan or GL driver (mesa-vulkan-drivers gives lavapipe), ImageMagick
# (`convert`, or $CONVERT, for the bursts), a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
images="${1:-../shared/data/livec/images}"
n="${2:-24}"
bin="${CARGO_TARGET_DIR:-target}/release/glia"
convert="${CONVERT:-convert}"
[ -x "$bin" ] || cargo build --release --locked
[ -d "$images" ] || { echo "no photos at $images" >&2; exit 1; }

work="$(mktemp -d)"
xvfb_pid=""
# Never `kill 0` (the whole process group) when Xvfb did not start.
trap '[ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/shoot"
# Every 20th LIVEC photo: a spread of good and poor frames.
ls "$images" | sort -n | awk -v n="$n" 'NR % 20 == 1 && c++ < n' | while read -r f; do
  cp "$images/$f" "$work/shoot/"
done

# Bursts: four frames of each of 5 photos (as shot, re-framed, brighter, out of focus),
# among 10 single photos.
mkdir -p "$work/bursts"
ls "$images" | sort -n | awk 'NR % 37 == 3 && c++ < 5' | while read -r f; do
  b="${f%.*}"
  "$convert" "$images/$f" "$work/bursts/$b-1.png"
  "$convert" "$images/$f" -gravity center -crop 93%x95%+0+0 +repage "$work/bursts/$b-2.png"
  "$convert" "$images/$f" -modulate 110 "$work/bursts/$b-3.png"
  "$convert" "$images/$f" -blur 0x3 "$work/bursts/$b-4.png"
done
ls "$images" | sort -n | awk 'NR % 53 == 7 && c++ < 10' | while read -r f; do
  cp "$images/$f" "$work/bursts/"
done

display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp &
xvfb_pid=$!
sleep 2
export DISPLAY="$display" GLIA_DATA_DIR="$work/data"
unset WAYLAND_DISPLAY
GLIA_SCREENSHOT="$PWD/assets/screenshot-grid.jpg" "$bin" "$work/shoot"
GLIA_SCREENSHOT="$PWD/assets/screenshot-viewer.jpg" GLIA_SCREENSHOT_VIEW=1 "$bin" "$work/shoot"
GLIA_SCREENSHOT="$PWD/assets/screenshot-stacks.jpg" GLIA_SCREENSHOT_VIEW=stacks "$bin" "$work/bursts"
GLIA_SCREENSHOT="$PWD/assets/screenshot-compare.jpg" GLIA_SCREENSHOT_VIEW=compare "$bin" "$work/bursts"
ls -la assets/screenshot-*.jpg
