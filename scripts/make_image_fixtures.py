#!/usr/bin/env python3
"""PNG fixtures written by Pillow (a common tool) in several pixel formats, with the pixel values Pillow reads back.

Run once (needs pillow and numpy):  python3 scripts/make_image_fixtures.py
Writes Tests/DecoderSpectraTests/Fixtures/images/: rgb8.png, gray8.png, rgba8.png, palette.png, and
<name>.expected.npy with the RGB (or grey) uint8 values each should decode to, plus broken files for error tests.
"""
import os

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DecoderSpectraTests", "Fixtures", "images")
os.makedirs(ROOT, exist_ok=True)
rng = np.random.default_rng(7)
h, w = 6, 9
rgb = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)

Image.fromarray(rgb, "RGB").save(os.path.join(ROOT, "rgb8.png"))
np.save(os.path.join(ROOT, "rgb8.expected.npy"), rgb.transpose(2, 0, 1).copy())

gray = rng.integers(0, 256, size=(h, w), dtype=np.uint8)
Image.fromarray(gray, "L").save(os.path.join(ROOT, "gray8.png"))
np.save(os.path.join(ROOT, "gray8.expected.npy"), gray[None].copy())

# Opaque alpha, so that the composited RGB equals the stored RGB exactly.
rgba = np.concatenate([rgb, np.full((h, w, 1), 255, np.uint8)], axis=2)
Image.fromarray(rgba, "RGBA").save(os.path.join(ROOT, "rgba8.png"))

palette_image = Image.fromarray(rgb, "RGB").quantize(colors=16)
palette_image.save(os.path.join(ROOT, "palette.png"))
np.save(os.path.join(ROOT, "palette.expected.npy"), np.asarray(palette_image.convert("RGB")).transpose(2, 0, 1).copy())

with open(os.path.join(ROOT, "rgb8.png"), "rb") as f:
    data = f.read()
with open(os.path.join(ROOT, "truncated.png"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(ROOT, "not-a-png.png"), "wb") as f:
    f.write(b"this is not an image\n")
print("wrote image fixtures to", os.path.normpath(ROOT))
