#!/usr/bin/env bash
# Lays out the AppImage's AppDir from the same staged files as the .deb, and, where
# appimagetool is available, packs it into an AppImage.
#
#   packaging/linux/appdir.sh [BINARY] [OUT_DIR]
#
# BINARY defaults to $CARGO_TARGET_DIR/release/glia; OUT_DIR to
# $CARGO_TARGET_DIR/packaging/appimage. Makes OUT_DIR/glia.AppDir:
#   AppRun                         runs usr/bin/glia "$@"
#   glia.desktop, glia.png, .DirIcon
#   usr/bin/glia
#   usr/share/glia/models/         default model, backbone, model card, LIVEC notice
#   usr/share/applications/glia.desktop, usr/share/icons/hicolor/NxN/apps/glia.png
#   usr/share/doc/glia/            copyright, LICENSE-MIT, LICENSE-APACHE, NOTICE.txt
# With $APPIMAGETOOL set (or appimagetool on PATH) it also writes
# OUT_DIR/glia-<version>-x86_64.AppImage and prints its path on the last line; otherwise it
# prints the AppDir's path. appimagetool is not needed for the AppDir (the release workflow
# downloads it; it cannot be downloaded in this project's CI).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
bin=${1:-$target/release/glia}
out=${2:-$target/packaging/appimage}
# shellcheck source=packaging/lib.sh
. "$root/packaging/lib.sh"

stage="$out/stage"
"$PYTHON" "$root/packaging/stage.py" linux "$bin" "$stage" >&2
version=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$stage/packager.json")

app="$out/glia.AppDir"
rm -rf "$app"
install -Dm755 "$here/AppRun" "$app/AppRun"
install -Dm755 "$stage/glia" "$app/usr/bin/glia"
install -d "$app/usr/share/glia/models" "$app/usr/share/doc/glia"
install -m644 "$stage"/models/* "$app/usr/share/glia/models/"
install -m644 "$stage"/licenses/* "$stage/copyright" "$app/usr/share/doc/glia/"
install -Dm644 "$stage/glia.desktop" "$app/usr/share/applications/glia.desktop"
for png in "$stage"/icons/png/*.png; do
  size=$(basename "$png" .png)
  install -Dm644 "$png" "$app/usr/share/icons/hicolor/$size/apps/glia.png"
done
# The AppDir's own top-level entries, as the AppImage spec wants them.
cp "$stage/glia.desktop" "$app/glia.desktop"
cp "$stage/icons/png/256x256.png" "$app/glia.png"
cp "$stage/icons/png/256x256.png" "$app/.DirIcon"
rm -rf "$stage"

tool=${APPIMAGETOOL:-$(command -v appimagetool || true)}
if [ -n "$tool" ]; then
  image="$out/glia-$version-x86_64.AppImage"
  ARCH=x86_64 "$tool" --no-appstream "$app" "$image" >&2
  echo "$image"
else
  echo "appdir: no appimagetool: made the AppDir only" >&2
  echo "$app"
fi
