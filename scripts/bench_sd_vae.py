#!/usr/bin/env python3
"""Full-size benchmark (not a test): the Stable Diffusion VAE decoder at full width (diffusers AutoencoderKL with the
SD v1 configuration, random weights) exported to ONNX, and `decoder-spectra analyze` on 4 latents 4x64x64 -> 512x512
images, timed with /usr/bin/time (wall time and peak RSS). Needs torch, diffusers (see make_real_decoders.py) and
the release build.

  python3 scripts/bench_sd_vae.py [--work DIR] [--images 4]
"""
import argparse
import os
import subprocess

import numpy as np
import torch
from diffusers import AutoencoderKL
from make_real_decoders import Decode  # scripts/ is on the path when this runs as a script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", default=os.path.join(ROOT, ".build", "bench-sd-vae"))
    p.add_argument("--images", type=int, default=4)
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    model_path = os.path.join(a.work, "sd-vae-decoder.onnx")
    if not os.path.exists(model_path):
        torch.manual_seed(0)
        vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, layers_per_block=2, norm_num_groups=32,
                            block_out_channels=(128, 256, 512, 512), down_block_types=("DownEncoderBlock2D",) * 4,
                            up_block_types=("UpDecoderBlock2D",) * 4, sample_size=512).eval()
        with torch.no_grad():
            torch.onnx.export(Decode(vae), (torch.randn(1, 4, 64, 64),), model_path, dynamo=False, opset_version=17,
                              input_names=["input"], output_names=["output"])
    latents = os.path.join(a.work, "latents.npy")
    np.save(latents, np.random.default_rng(0).standard_normal((a.images, 4, 64, 64)).astype(np.float32))
    tool = os.path.join(ROOT, ".build", "release", "decoder-spectra")
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    result = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", tool, "analyze", "--model", model_path, "--input", latents,
                             "--out", os.path.join(a.work, "out"), "--force", "-q", "--max-elements", str(1 << 30)],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(result.stderr[-2000:])
    wall, rss = [l for l in result.stderr.splitlines() if l.startswith("TIME ")][-1].split()[1:]
    print(f"SD VAE decoder (full width), {a.images} latents 4x64x64 -> 512x512: {float(wall):.1f} s, "
          f"peak RSS {float(rss) / 1024 / 1024:.2f} GiB (target < 8 GiB)")


if __name__ == "__main__":
    main()
