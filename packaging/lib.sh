# shellcheck shell=bash
# Shared by the packaging scripts (sourced, not run).

# python3 with Pillow: $PYTHON, else python3, else python (Windows runners), else Debian's.
find_python() {
  local p
  for p in ${PYTHON:-} python3 python /usr/bin/python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import PIL, tomllib' >/dev/null 2>&1; then
      echo "$p"; return 0
    fi
  done
  echo "packaging: no python3 (3.11+) with Pillow; install python3-pil (Debian) or 'pip install pillow'" >&2
  return 1
}
PYTHON=$(find_python)

# cargo-packager: $CARGO_PACKAGER, the CI tool cache, else PATH.
find_packager() {
  local c
  for c in "${CARGO_PACKAGER:-}" "${CARGO_TARGET_DIR:-/nonexistent}/tools/bin/cargo-packager" cargo-packager; do
    if [ -n "$c" ] && command -v "$c" >/dev/null 2>&1; then echo "$c"; return 0; fi
  done
  echo "packaging: cargo-packager not found; cargo install --locked cargo-packager --version 0.11.8" >&2
  return 1
}
