#!/usr/bin/env bash
# Smoke test of the macOS .dmg, as a user gets it: mount it, copy glia.app out (as a drag to
# Applications would), check the bundle and its Info.plist, run Contents/MacOS/glia --version
# and `glia score` on the self-made test photos with the bundled model, then detach.
#
#   packaging/macos/test-macos.sh DMG VERSION [PHOTO_DIR]
#
# Run it with the source tree's models/ moved away (the release workflow does), so the only
# model the binary can find is the one in Contents/Resources/models.
set -euo pipefail
dmg=$1; version=$2
photo_dir=${3:-$(cd "$(dirname "$0")/../testdata" && pwd)}
passed=0; failed=0
check() { local what=$1; shift; if "$@"; then passed=$((passed + 1)); echo "  ok   $what"; else failed=$((failed + 1)); echo "  FAIL $what"; fi; }

mnt=$(mktemp -d); apps=$(mktemp -d)
hdiutil attach -nobrowse -readonly -mountpoint "$mnt" "$dmg" >/dev/null
trap 'hdiutil detach "$mnt" >/dev/null 2>&1 || true' EXIT
check "the .dmg holds glia.app" test -d "$mnt/glia.app"
check "the .dmg links /Applications" test -L "$mnt/Applications"
cp -R "$mnt/glia.app" "$apps/"
app="$apps/glia.app"
for f in Contents/MacOS/glia Contents/Info.plist Contents/Resources/glia.icns \
  Contents/Resources/models/glianet-vit-tiny.safetensors Contents/Resources/models/vit_tiny_patch16_224.safetensors \
  Contents/Resources/models/README.md Contents/Resources/models/LIVEC-NOTICE.txt \
  Contents/Resources/licenses/LICENSE-MIT Contents/Resources/licenses/LICENSE-APACHE Contents/Resources/licenses/NOTICE.txt; do
  check "bundle has $f" test -e "$app/$f"
done
plist="$app/Contents/Info.plist"
pb() { /usr/libexec/PlistBuddy -c "Print :$1" "$plist" 2>/dev/null; }
check "CFBundleShortVersionString is $version" test "$(pb CFBundleShortVersionString)" = "$version"
check "CFBundleExecutable is glia" test "$(pb CFBundleExecutable)" = glia
check "CFBundleDocumentTypes lists public.jpeg" bash -c "/usr/libexec/PlistBuddy -c 'Print :CFBundleDocumentTypes' '$plist' | grep -q public.jpeg"
check "CFBundleDocumentTypes lists camera RAW" bash -c "/usr/libexec/PlistBuddy -c 'Print :CFBundleDocumentTypes' '$plist' | grep -q public.camera-raw-image"
check "Info.plist is valid" plutil -lint "$plist"

glia="$app/Contents/MacOS/glia"
out=$(env -u GLIA_MODEL_DIR "$glia" --version)
check "glia --version prints 'glia $version' ($out)" test "$out" = "glia $version"
if csv=$(env -u GLIA_MODEL_DIR "$glia" score --quiet --csv --device cpu "$photo_dir/sharp.jpg" "$photo_dir/blurred.jpg"); then
  echo "$csv" | sed 's/^/       /'
  sharp=$(echo "$csv" | awk -F, '/sharp.jpg/ {print $2}'); blurred=$(echo "$csv" | awk -F, '/blurred.jpg/ {print $2}')
  check "scores in 0..100 and sharp ($sharp) > blurred ($blurred)" \
    awk -v s="$sharp" -v b="$blurred" 'BEGIN { exit !(s != "" && b != "" && s >= 0 && s <= 100 && b >= 0 && s > b) }'
else
  check "glia score" false
fi
echo "packaging: $passed passed, $failed failed"
[ "$failed" = 0 ]
