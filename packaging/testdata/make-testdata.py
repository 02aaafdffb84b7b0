#!/usr/bin/env python3
"""Regenerates the self-made smoke-test photos in this folder (CC0; no camera, no dataset).

    python3 packaging/testdata/make-testdata.py

sharp.jpg: a synthetic 640x480 scene (sky gradient, hills, a sun, fine texture);
blurred.jpg: the same scene blurred and heavily compressed, so a working model scores it lower.
"""

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

W, H = 640, 480
here = Path(__file__).parent
rng = random.Random(8)

img = Image.new("RGB", (W, H))
px = img.load()
for y in range(H):
    for x in range(W):
        t = y / H
        px[x, y] = (int(90 + 100 * t), int(150 + 60 * t), int(235 - 40 * t))
d = ImageDraw.Draw(img)
d.ellipse((470, 50, 560, 140), fill=(255, 226, 120))
for i, (base, col) in enumerate([(300, (70, 120, 60)), (350, (50, 95, 45)), (410, (35, 70, 35))]):
    pts = [(0, H)]
    for x in range(0, W + 20, 20):
        pts.append((x, base + int(30 * ((x * (i + 3)) % 97) / 97) - 15))
    pts.append((W, H))
    d.polygon(pts, fill=col)
for _ in range(1500):  # grass blades: fine detail
    x, y = rng.randrange(W), rng.randrange(380, H)
    d.line((x, y, x + rng.randint(-3, 3), y - rng.randint(4, 12)), fill=(rng.randint(20, 90), rng.randint(90, 160), 30))
for _ in range(6):  # trees
    x, y = rng.randrange(20, W - 20), rng.randrange(330, 400)
    d.rectangle((x - 3, y, x + 3, y + 30), fill=(80, 50, 20))
    d.ellipse((x - 22, y - 40, x + 22, y + 8), fill=(30, rng.randint(90, 130), 40))

img.save(here / "sharp.jpg", quality=90, optimize=True)
img.filter(ImageFilter.GaussianBlur(6)).save(here / "blurred.jpg", quality=12, optimize=True)
print("wrote", here / "sharp.jpg", here / "blurred.jpg")
