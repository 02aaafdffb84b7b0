#!/usr/bin/env bash
# Builds the Linux packages from a release binary and tests them as a user would get them:
#   .deb:    install it on this machine (root), run the installed `glia --version` and
#            `glia score` with the installed model, validate the desktop entry, then purge it
#            and check that every file it installed is gone;
#   AppDir:  lay it out (appdir.sh) and run AppDir/AppRun --version and score the same way
#            (the AppImage itself needs appimagetool, which the release workflow downloads).
#
#   packaging/linux/test-linux.sh [PHOTO_DIR]
#
# Scores the first three photos of PHOTO_DIR (default: the shared LIVEC images when present)
# plus the two self-made photos in packaging/testdata, and checks that the sharp one scores
# above the blurred one. The binary is $GLIA_BIN, default $CARGO_TARGET_DIR/release/glia: the
# one `cargo test --release` already built (no second build). Needs root (or sudo), dpkg,
# desktop-file-validate (desktop-file-utils), python3 with Pillow, cargo-packager.
# Ends with "packaging: N passed, 0 failed"; exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
target=${CARGO_TARGET_DIR:-$root/target}
bin=${GLIA_BIN:-$target/release/glia}
work=${GLIA_PACKAGING_DIR:-$target/packaging}
mkdir -p "$work"
photo_dir=${1:-}
if [ -z "$photo_dir" ] && [ -d "$root/../shared/data/livec/images" ]; then
  photo_dir=$(cd "$root/../shared/data/livec/images" && pwd)
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

passed=0; failed=0
ok()   { passed=$((passed + 1)); echo "  ok   $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

[ -x "$bin" ] || { echo "test-linux: no binary at $bin (cargo build --release --locked --bin glia)" >&2; exit 1; }
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -1)

# Photos: three from PHOTO_DIR, and the self-made pair (regenerated if missing).
photos=()
if [ -n "$photo_dir" ] && [ -d "$photo_dir" ]; then
  while IFS= read -r p; do photos+=("$p"); done < <(
    find "$photo_dir" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort | head -3)
fi
testdata="$root/packaging/testdata"
if [ ! -f "$testdata/sharp.jpg" ] || [ ! -f "$testdata/blurred.jpg" ]; then
  testdata="$work/testdata"; mkdir -p "$testdata"
  cp "$root/packaging/testdata/make-testdata.py" "$testdata/"
  python3 "$testdata/make-testdata.py"
fi
photos+=("$testdata/sharp.jpg" "$testdata/blurred.jpg")
echo "test-linux: glia $version from $bin; ${#photos[@]} photos"

# Runs a command with the source tree's models/ hidden (an empty tmpfs over it) and no
# $GLIA_MODEL_DIR, so the binary can only find the model where the package installed it.
# With HIDE_ALSO=DIR, DIR is hidden too (to show the command then fails).
can_isolate=0
if $SUDO unshare -m true 2>/dev/null; then can_isolate=1; fi
isolated() {
  local hide="$root/models"
  if [ "$can_isolate" = 1 ]; then
    $SUDO env -u GLIA_MODEL_DIR HIDE="$hide" HIDE_ALSO="${HIDE_ALSO:-}" unshare -m sh -c '
      mount -t tmpfs none "$HIDE" || exit 97
      if [ -n "$HIDE_ALSO" ]; then mount -t tmpfs none "$HIDE_ALSO" || exit 97; fi
      exec "$@"' sh "$@"
  else
    echo "  (unshare unavailable: the source models/ is not hidden)" >&2
    env -u GLIA_MODEL_DIR "$@"
  fi
}

# Scores the photos with the given glia; checks every score is in 0..100 and sharp > blurred.
score_check() {
  local label=$1 glia=$2 csv
  if ! csv=$(isolated "$glia" score --quiet --csv --device cpu "${photos[@]}" 2>"$work/score.err"); then
    fail "$label: glia score failed: $(cat "$work/score.err")"; return
  fi
  echo "$csv" | sed 's/^/       /'
  if python3 - "$csv" "${#photos[@]}" <<'PY'
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
want = int(sys.argv[2])
scores = {r["path"]: r["score"] for r in rows}
assert len(rows) == want, f"{len(rows)} rows, wanted {want}"
assert all(r["score"] and not r.get("error") and 0 <= float(r["score"]) <= 100 for r in rows), rows
sharp = next(float(s) for p, s in scores.items() if p.endswith("sharp.jpg"))
blurred = next(float(s) for p, s in scores.items() if p.endswith("blurred.jpg"))
assert sharp > blurred, f"sharp {sharp} <= blurred {blurred}"
PY
  then ok "$label: scored ${#photos[@]} photos (0..100, sharp > blurred)"
  else fail "$label: scores"; fi
}

# The negative check: with the packaged models folder hidden as well, scoring must fail, so the
# passing run above used the packaged model and nothing else.
model_used_check() {
  local label=$1 dir=$2 glia=$3
  if [ "$can_isolate" != 1 ]; then echo "  skip $label: cannot hide folders here (no unshare -m)"; return; fi
  if HIDE_ALSO="$dir" isolated "$glia" score --quiet --device cpu "${photos[0]}" >/dev/null 2>&1; then
    fail "$label: glia still scores with $dir hidden: the model came from elsewhere"
  else
    ok "$label: with $dir hidden scoring fails (the packaged model is the one used)"
  fi
}

# "Open with glia": runs the installed desktop entry's Exec line with %f = a photo under Xvfb;
# the window must still be up after 8 s (timeout's 124), not exit with an error.
open_with_check() {
  local label=$1 desktop=$2 rc exec_line
  if ! command -v xvfb-run >/dev/null 2>&1; then echo "  skip $label: Open with: no xvfb-run"; return; fi
  exec_line=$(sed -n 's/^Exec=//p' "$desktop")
  # shellcheck disable=SC2086  # the Exec line is split into words, as a launcher does
  set -- ${exec_line/\%f/${photos[-1]}}
  rc=0
  # A throwaway home: the app's settings and catalog go there, not to this user's.
  local home; home=$(mktemp -d)
  HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share XDG_CACHE_HOME=$home/.cache \
    XDG_RUNTIME_DIR=$home isolated xvfb-run -a timeout 8 "$@" >"$work/open-with.log" 2>&1 || rc=$?
  rm -rf "$home"
  if [ "$rc" = 124 ]; then ok "$label: Open with ($*) starts the app: window up after 8 s under Xvfb"
  else fail "$label: Open with ($*) exited with $rc: $(tail -3 "$work/open-with.log")"; fi
}

desktop_check() {
  local label=$1 file=$2 t
  check "$label: desktop-file-validate" desktop-file-validate "$file"
  check "$label: Exec=glia %f" grep -qx 'Exec=glia %f' "$file"
  local missing=""
  for t in image/jpeg image/png image/tiff image/webp image/bmp image/x-canon-cr2 image/x-canon-cr3 \
    image/x-nikon-nef image/x-sony-arw image/x-adobe-dng image/x-fuji-raf image/x-olympus-orf; do
    grep -q "^MimeType=.*$t;" "$file" || missing="$missing $t"
  done
  if [ -z "$missing" ]; then ok "$label: MimeType lists the 12 photo types"; else fail "$label: MimeType lacks$missing"; fi
}

# ---------------------------------------------------------------- .deb
t0=$(date +%s)
echo "== .deb"
deb=$("$here/build-deb.sh" "$bin" "$work/deb" | tail -1)
echo "  built $deb ($(du -h "$deb" | cut -f1)) in $(( $(date +%s) - t0 )) s"
check "deb: Version $version" test "$(dpkg-deb -f "$deb" Version)" = "$version"
if command -v objdump >/dev/null 2>&1; then
  glibc_need=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
  glibc_declared=$(dpkg-deb -f "$deb" Depends | sed -n 's/.*libc6 (>= \([0-9.]*\)).*/\1/p')
  check "deb: Depends libc6 (>= $glibc_declared) covers the binary's GLIBC_$glibc_need" \
    dpkg --compare-versions "$glibc_declared" ge "$glibc_need"
fi
listing=$(dpkg-deb -c "$deb" | awk '{p = $6; sub(/^\.?\//, "", p); print "/" p}')
want=(/usr/bin/glia /usr/share/applications/glia.desktop
  /usr/share/glia/models/glianet-vit-tiny.safetensors /usr/share/glia/models/vit_tiny_patch16_224.safetensors
  /usr/share/glia/models/README.md /usr/share/glia/models/LIVEC-NOTICE.txt
  /usr/share/doc/glia/copyright /usr/share/doc/glia/LICENSE-MIT /usr/share/doc/glia/LICENSE-APACHE /usr/share/doc/glia/NOTICE.txt)
for s in 16 24 32 48 64 128 256 512; do want+=("/usr/share/icons/hicolor/${s}x${s}/apps/glia.png"); done
missing=""; for f in "${want[@]}"; do grep -qx "$f" <<<"$listing" || missing="$missing $f"; done
if [ -z "$missing" ]; then ok "deb: contains binary, 4 model files, desktop entry, 8 icons, licences"; else fail "deb: lacks$missing"; fi

if dpkg -s glia >/dev/null 2>&1; then
  echo "  glia was already installed: purging it first"; $SUDO dpkg --purge glia >/dev/null
fi
[ -e /usr/bin/glia ] && { echo "test-linux: /usr/bin/glia exists and is not from the glia package" >&2; exit 1; }
installed=0
cleanup() { if [ "$installed" = 1 ]; then $SUDO dpkg --purge glia >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT
# dpkg -i, and apt only to fetch dependencies the machine lacks.
if $SUDO dpkg -i "$deb" >/dev/null 2>"$work/dpkg.err"; then
  installed=1; ok "deb: dpkg -i"
else
  installed=1
  if command -v apt-get >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -f -y -qq --no-install-recommends >/dev/null; then
    ok "deb: dpkg -i (dependencies from apt-get install -f)"
  else fail "deb: dpkg -i: $(cat "$work/dpkg.err")"; fi
fi
check "deb: dpkg reports glia $version installed" test "$(dpkg-query -W -f '${Status} ${Version}' glia 2>/dev/null)" = "install ok installed $version"
for f in "${want[@]}"; do [ -f "$f" ] || fail "deb: $f not installed"; done
check "deb: glia on PATH is /usr/bin/glia" test "$(command -v glia)" = /usr/bin/glia
out=$(isolated /usr/bin/glia --version 2>&1 || true)
check "deb: glia --version prints 'glia $version' ($out)" test "$out" = "glia $version"
score_check "deb" /usr/bin/glia
model_used_check "deb" /usr/share/glia/models /usr/bin/glia
desktop_check "deb" /usr/share/applications/glia.desktop
open_with_check "deb" /usr/share/applications/glia.desktop

files=$(dpkg -L glia | while read -r f; do [ -f "$f" ] && echo "$f"; done)
$SUDO dpkg --purge glia >/dev/null && installed=0
check "deb: dpkg --purge" test "$installed" = 0
check "deb: dpkg no longer knows glia" bash -c '! dpkg -s glia >/dev/null 2>&1'
left=""; for f in $files /usr/share/glia /usr/share/doc/glia; do [ -e "$f" ] && left="$left $f"; done
if [ -z "$left" ]; then ok "deb: all $(wc -w <<<"$files") installed files removed"; else fail "deb: left behind:$left"; fi
echo "  .deb done in $(( $(date +%s) - t0 )) s"

# ---------------------------------------------------------------- AppDir
t1=$(date +%s)
echo "== AppDir"
app=$("$here/appdir.sh" "$bin" "$work/appimage" | tail -1)
case "$app" in *.AppImage) app="$work/appimage/glia.AppDir" ;; esac
for f in AppRun glia.desktop glia.png .DirIcon usr/bin/glia usr/share/glia/models/glianet-vit-tiny.safetensors \
  usr/share/glia/models/vit_tiny_patch16_224.safetensors usr/share/glia/models/README.md \
  usr/share/glia/models/LIVEC-NOTICE.txt usr/share/doc/glia/LICENSE-MIT usr/share/icons/hicolor/256x256/apps/glia.png; do
  [ -e "$app/$f" ] || fail "AppDir: no $f"
done
check "AppDir: AppRun is executable" test -x "$app/AppRun"
out=$(isolated "$app/AppRun" --version 2>&1 || true)
check "AppDir: AppRun --version prints 'glia $version' ($out)" test "$out" = "glia $version"
score_check "AppDir" "$app/AppRun"
model_used_check "AppDir" "$app/usr/share/glia/models" "$app/AppRun"
desktop_check "AppDir" "$app/glia.desktop"
echo "  AppDir done in $(( $(date +%s) - t1 )) s"

echo "test-linux: packages in $work (deb: $deb; AppDir: $app); $(( $(date +%s) - t0 )) s in all"
echo "packaging: $passed passed, $failed failed"
[ "$failed" = 0 ]
