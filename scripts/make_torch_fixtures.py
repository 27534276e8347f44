#!/usr/bin/env python3
"""Reference outputs of PyTorch layers and numpy FFTs for the Swift tests.

Run once (needs torch and numpy):  python3 scripts/make_torch_fixtures.py
Writes Tests/DecoderSpectraTests/Fixtures/torch/<case>/{input,output,<param>}.npy and a manifest.json that
lists every case with its layer configuration. Inputs are small so the fixtures stay a few hundred kB.
"""
import json
import os

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DecoderSpectraTests", "Fixtures", "torch")
torch.manual_seed(1234)
np.random.seed(1234)
cases = []


def save_case(name, layer_config, module, x):
    folder = os.path.join(ROOT, name)
    os.makedirs(folder, exist_ok=True)
    module.eval()
    with torch.no_grad():
        y = module(x)
    np.save(os.path.join(folder, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(folder, "output.npy"), y.numpy().astype(np.float32))
    for key, value in module.state_dict().items():
        if key == "num_batches_tracked":
            continue
        np.save(os.path.join(folder, key + ".npy"), value.numpy().astype(np.float32))
    cases.append({"name": name, "layer": layer_config})


def conv_cases():
    for mode in ["zeros", "circular", "reflect", "replicate"]:
        for (k, s, p, h, w) in [(3, 1, 1, 9, 11), (5, 2, 2, 10, 7), (4, 1, 1, 8, 8), (2, 1, 0, 6, 5)]:
            conv = torch.nn.Conv2d(3, 4, k, stride=s, padding=p, padding_mode=mode)
            x = torch.randn(2, 3, h, w)
            config = {"type": "Conv2d", "in_channels": 3, "out_channels": 4, "kernel_size": k, "stride": s,
                      "padding": p, "padding_mode": mode, "bias": True}
            save_case(f"conv2d_{mode}_k{k}_s{s}_p{p}_{h}x{w}", config, conv, x)
    conv = torch.nn.Conv2d(2, 3, (3, 5), stride=(1, 2), padding=(1, 2), bias=False)
    config = {"type": "Conv2d", "in_channels": 2, "out_channels": 3, "kernel_size": [3, 5], "stride": [1, 2],
              "padding": [1, 2], "padding_mode": "zeros", "bias": False}
    save_case("conv2d_rect_nobias", config, conv, torch.randn(1, 2, 7, 9))


def conv_transpose_cases():
    for (k, s, p, op) in [(4, 2, 1, 0), (2, 2, 0, 0), (3, 2, 1, 1), (5, 3, 2, 2), (3, 1, 1, 0)]:
        layer = torch.nn.ConvTranspose2d(3, 2, k, stride=s, padding=p, output_padding=op)
        config = {"type": "ConvTranspose2d", "in_channels": 3, "out_channels": 2, "kernel_size": k, "stride": s,
                  "padding": p, "output_padding": op, "bias": True}
        save_case(f"convtranspose2d_k{k}_s{s}_p{p}_op{op}", config, layer, torch.randn(2, 3, 5, 6))


def upsample_cases():
    for mode, scale, align in [("nearest", 2, None), ("nearest", 3, None), ("bilinear", 2, False),
                               ("bilinear", 3, False), ("bilinear", 2, True)]:
        kwargs = {"scale_factor": scale, "mode": mode}
        if align is not None:
            kwargs["align_corners"] = align
        layer = torch.nn.Upsample(**kwargs)
        config = {"type": "Upsample", "scale_factor": scale, "mode": mode, "align_corners": bool(align)}
        save_case(f"upsample_{mode}_x{scale}" + ("_align" if align else ""), config, layer, torch.randn(2, 3, 5, 7))


def pointwise_cases():
    bn = torch.nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(3))
        bn.bias.copy_(torch.randn(3))
        bn.running_mean.copy_(torch.randn(3))
        bn.running_var.copy_(torch.rand(3) + 0.5)
    save_case("batchnorm2d_eval", {"type": "BatchNorm2d", "num_features": 3, "eps": 1e-5, "momentum": 0.1},
              bn, torch.randn(2, 3, 4, 5))
    for name, layer, config in [("relu", torch.nn.ReLU(), {"type": "ReLU"}),
                                ("leakyrelu", torch.nn.LeakyReLU(0.2), {"type": "LeakyReLU", "negative_slope": 0.2}),
                                ("tanh", torch.nn.Tanh(), {"type": "Tanh"}),
                                ("sigmoid", torch.nn.Sigmoid(), {"type": "Sigmoid"})]:
        save_case(name, config, layer, torch.randn(2, 3, 4, 5) * 3)


def fft_cases():
    folder = os.path.join(ROOT, "fft2")
    os.makedirs(folder, exist_ok=True)
    x = np.random.randn(2, 3, 7, 10)
    np.save(os.path.join(folder, "input.npy"), x.astype(np.float64))
    np.save(os.path.join(folder, "output.npy"), np.fft.fft2(x).astype(np.complex128))


if __name__ == "__main__":
    conv_cases()
    conv_transpose_cases()
    upsample_cases()
    pointwise_cases()
    fft_cases()
    with open(os.path.join(ROOT, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "numpy": np.__version__, "cases": cases}, f, indent=1)
    print(f"wrote {len(cases)} layer cases and the fft2 case to {os.path.normpath(ROOT)}")
