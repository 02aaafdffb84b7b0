#!/usr/bin/env bash
# Builds glia.app and the .dmg that holds it with cargo-packager. Runs on macOS (hdiutil).
#
#   packaging/macos/build-dmg.sh [BINARY] [STAGE_DIR]
#
# BINARY defaults to $CARGO_TARGET_DIR/release/glia; STAGE_DIR to
# $CARGO_TARGET_DIR/packaging/macos. Prints the .dmg's path on its last line:
# STAGE_DIR/out/glia_<version>_<arch>.dmg (glia.app is beside it). The bundle:
#   glia.app/Contents/MacOS/glia
#   glia.app/Contents/Resources/models/      (the app's <exe dir>/../Resources/models)
#   glia.app/Contents/Resources/licenses/, glia.icns
#   glia.app/Contents/Info.plist             version from Cargo.toml; CFBundleDocumentTypes
#                                            from packaging/macos/Info.plist
# Unsigned unless cargo-packager's signing settings are given (see packaging/README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
bin=${1:-$target/release/glia}
stage=${2:-$target/packaging/macos}
# shellcheck source=packaging/lib.sh
. "$root/packaging/lib.sh"

"$PYTHON" "$root/packaging/stage.py" macos "$bin" "$stage" >&2
"$(find_packager)" -c "$stage/packager.json" -f app,dmg >&2
ls "$stage"/out/glia_*.dmg
