#!/usr/bin/env bash
# Screenshots of the real glia window under Xvfb, on a folder of LIVEC photos:
# assets/screenshot-grid.jpg (the scored grid) and assets/screenshot-viewer.jpg (the best
# photo with the ViT | GLIANet heatmaps side by side).
#   scripts/screenshot.sh [LIVEC_IMAGES_DIR] [N_PHOTOS]
# Needs: Xvfb, a Vulkan or GL driver (mesa-vulkan-drivers gives lavapipe), a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
images="${1:-../shared/data/livec/images}"
n="${2:-24}"
bin="${CARGO_TARGET_DIR:-target}/release/glia"
[ -x "$bin" ] || cargo build --release --locked
[ -d "$images" ] || { echo "no photos at $images" >&2; exit 1; }

work="$(mktemp -d)"
trap 'kill "${xvfb_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/shoot"
# Every 20th LIVEC photo: a spread of good and poor frames.
ls "$images" | sort -n | awk 'NR % 20 == 1' | head -n "$n" | while read -r f; do
  cp "$images/$f" "$work/shoot/"
done

display=":$((90 + RANDOM % 9))"
Xvfb "$display" -screen 0 1440x900x24 -nolisten tcp &
xvfb_pid=$!
sleep 2
export DISPLAY="$display" GLIA_DATA_DIR="$work/data"
unset WAYLAND_DISPLAY
GLIA_SCREENSHOT="$PWD/assets/screenshot-grid.jpg" "$bin" "$work/shoot"
GLIA_SCREENSHOT="$PWD/assets/screenshot-viewer.jpg" GLIA_SCREENSHOT_VIEW=1 "$bin" "$work/shoot"
ls -la assets/screenshot-grid.jpg assets/screenshot-viewer.jpg
