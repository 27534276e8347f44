#!/usr/bin/env python3
"""PNG fixtures written by Pillow (a common tool) in several pixel formats, with the pixel values Pillow reads back.

Run once (needs pillow and numpy):  python3 scripts/make_image_fixtures.py
Writes Tests/DecoderSpectraTests/Fixtures/images/: rgb8.png, gray8.png, rgba8.png, palette.png, photo.jpg,
cifar-mini.bin (CIFAR-10 binary format), and
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

# JPEG through Pillow (libjpeg-turbo inside); the expected values are Pillow's own decoding of the file.
smooth = np.clip(np.add.outer(np.arange(h) * 20, np.arange(w) * 12)[..., None] + np.array([10, 60, 120]), 0, 255).astype(np.uint8)
Image.fromarray(smooth, "RGB").save(os.path.join(ROOT, "photo.jpg"), quality=95)
np.save(os.path.join(ROOT, "photo.expected.npy"), np.asarray(Image.open(os.path.join(ROOT, "photo.jpg")).convert("RGB")).transpose(2, 0, 1).copy())
with open(os.path.join(ROOT, "photo.jpg"), "rb") as f:
    jpeg = f.read()
with open(os.path.join(ROOT, "truncated.jpg"), "wb") as f:
    f.write(jpeg[:20])

# A CIFAR-10 binary batch of 3 records (label byte + R, G, B planes of 32x32), and a truncated copy.
records = rng.integers(0, 256, size=(3, 3073), dtype=np.uint8)
records[:, 0] = [3, 1, 4]
records.tofile(os.path.join(ROOT, "cifar-mini.bin"))
np.save(os.path.join(ROOT, "cifar-mini.expected.npy"), records[:, 1:].reshape(3, 3, 32, 32).copy())
with open(os.path.join(ROOT, "cifar-truncated.bin"), "wb") as f:
    f.write(records.tobytes()[:5000])

with open(os.path.join(ROOT, "rgb8.png"), "rb") as f:
    data = f.read()
with open(os.path.join(ROOT, "truncated.png"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(ROOT, "not-a-png.png"), "wb") as f:
    f.write(b"this is not an image\n")
print("wrote image fixtures to", os.path.normpath(ROOT))

# Pillow's resize on float images ("F" mode, no rounding): BOX when shrinking, BILINEAR when enlarging, at integer and
# non-integer ratios. resize-source.npy [2, 13, 17]; resize-<filter>-HxW.npy [2, H, W] (FileFormatTests).
rs = np.random.default_rng(11)
source = rs.random((2, 13, 17), dtype=np.float32)
np.save(os.path.join(ROOT, "resize-source.npy"), source)
for filter_name, pil_filter, (th, tw) in [("box", Image.BOX, (5, 7)), ("box", Image.BOX, (4, 9)), ("box", Image.BOX, (6, 8)),
                                          ("bilinear", Image.BILINEAR, (20, 31)), ("bilinear", Image.BILINEAR, (26, 34))]:
    planes = [np.asarray(Image.fromarray(p, "F").resize((tw, th), pil_filter), dtype=np.float32) for p in source]
    np.save(os.path.join(ROOT, f"resize-{filter_name}-{th}x{tw}.npy"), np.stack(planes))
