#!/usr/bin/env python3
"""Makes every icon the installers need from the one source image, assets/icon.png.

    python3 packaging/icons.py OUT_DIR [SOURCE_PNG]

Writes OUT_DIR/png/<N>x<N>.png for N in 16 24 32 48 64 128 256 512 (the freedesktop
hicolor sizes the .deb and the AppDir install), OUT_DIR/glia.ico (Windows: 16 to 256 in
one file) and OUT_DIR/glia.icns (macOS: 16 to 1024, with the @2x variants). Needs Pillow
(Debian: python3-pil; elsewhere: pip install pillow).
"""

import sys
from pathlib import Path

from PIL import Image

HICOLOR_SIZES = [16, 24, 32, 48, 64, 128, 256, 512]
ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    source = Path(sys.argv[2]) if len(sys.argv) == 3 else Path(__file__).parent.parent / "assets/icon.png"
    img = Image.open(source).convert("RGBA")
    if img.width != img.height:
        print(f"icons: {source} is {img.width}x{img.height}, not square", file=sys.stderr)
        return 1
    (out / "png").mkdir(parents=True, exist_ok=True)
    for n in HICOLOR_SIZES:
        img.resize((n, n), Image.LANCZOS).save(out / "png" / f"{n}x{n}.png", optimize=True)
    # Pillow resamples the largest image to each size listed.
    img.resize((256, 256), Image.LANCZOS).save(out / "glia.ico", sizes=[(n, n) for n in ICO_SIZES])
    # ICNS: Pillow writes the 16..1024 set (ic04..ic14) from a 1024 source.
    big = img if img.width == 1024 else img.resize((1024, 1024), Image.LANCZOS)
    big.save(out / "glia.icns")
    print(f"icons: {len(HICOLOR_SIZES)} PNGs, glia.ico, glia.icns in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
