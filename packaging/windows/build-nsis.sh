#!/usr/bin/env bash
# Builds the Windows installer (NSIS, per-user, no admin) with cargo-packager. Runs on Windows
# (Git Bash, as on the windows-latest runner); cargo-packager downloads NSIS on first use.
#
#   packaging/windows/build-nsis.sh [BINARY] [STAGE_DIR]
#
# BINARY defaults to $CARGO_TARGET_DIR/release/glia.exe; STAGE_DIR to
# $CARGO_TARGET_DIR/packaging/windows. Prints the installer's path on its last line:
# STAGE_DIR/out/glia_<version>_x64-setup.exe. It installs into %LOCALAPPDATA%\glia:
#   glia.exe, glia.ico, models\ (the app's <exe dir>\models), licenses\, uninstall.exe;
# a Start menu shortcut; "Open with glia" for photos and camera RAW (the user's default app
# is left alone); an Add/Remove Programs entry. Silent install: setup.exe /S /D=C:\path.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
bin=${1:-$target/release/glia.exe}
stage=${2:-$target/packaging/windows}
# shellcheck source=packaging/lib.sh
. "$root/packaging/lib.sh"

"$PYTHON" "$root/packaging/stage.py" windows "$bin" "$stage" >&2
"$(find_packager)" -c "$stage/packager.json" -f nsis >&2
ls "$stage"/out/glia_*-setup.exe
