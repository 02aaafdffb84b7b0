#!/usr/bin/env bash
# Builds the .deb with cargo-packager from an already built release binary.
#
#   packaging/linux/build-deb.sh [BINARY] [STAGE_DIR]
#
# BINARY defaults to $CARGO_TARGET_DIR/release/glia (target/release/glia); STAGE_DIR to
# $CARGO_TARGET_DIR/packaging/linux. Prints the .deb's path on its last line:
# STAGE_DIR/out/glia_<version>_amd64.deb. It installs
#   /usr/bin/glia                                   the binary
#   /usr/share/glia/models/                         default model, backbone, model card, LIVEC notice
#   /usr/share/applications/glia.desktop            "Open with glia" for photos and camera RAW
#   /usr/share/icons/hicolor/NxN/apps/glia.png      16..512
#   /usr/share/doc/glia/                            copyright, LICENSE-MIT, LICENSE-APACHE, NOTICE.txt
# Needs cargo-packager (on PATH, or $CARGO_PACKAGER, or $CARGO_TARGET_DIR/tools/bin) and
# python3 with Pillow (Debian: python3-pil) for the icons.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
bin=${1:-$target/release/glia}
stage=${2:-$target/packaging/linux}
# shellcheck source=packaging/lib.sh
. "$root/packaging/lib.sh"

"$PYTHON" "$root/packaging/stage.py" linux "$bin" "$stage" >&2
"$(find_packager)" -c "$stage/packager.json" -f deb >&2
rm -rf "$stage/out/.cargo-packager"   # its intermediates: the unpacked tree, ~170 MB
deb=$(ls "$stage"/out/glia_*.deb)
echo "$deb"
