#!/usr/bin/env python3
"""A corpus of real decoder architectures, random weights and small channels, exported with torch.onnx.export
(TorchScript exporter, opset 17, or the dynamo exporter, opset 18) with onnxruntime's output on a fixed input: the conformance set of
`RealDecoderTests`.

Where the library installs (diffusers, with `pip install --no-deps diffusers huggingface_hub safetensors` plus the
few pure-Python modules it imports), the model comes from it; otherwise the module is a faithful copy of the
original code (the layers, paddings, normalisations and resampling each architecture uses), as noted per model.

Models marked dynamo are exported by torch.onnx's dynamo exporter (opset 18; needs onnxscript), the others by the
TorchScript exporter (opset 17).

Run once (needs torch, onnx, onnxruntime, numpy, onnxscript; diffusers for the diffusers models, compressai and einops
for the CompressAI one, all installed with `pip install --no-deps` so that the CPU torch stays):
  python3 scripts/make_real_decoders.py [NAME ...]
Writes Tests/DecoderSpectraTests/Fixtures/real-decoders/<name>/: model.onnx, input.npy, output.npy, source.txt.
"""
import os
import shutil
import sys

import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DecoderSpectraTests", "Fixtures", "real-decoders")
MODELS = {}


def model(name, source, dynamo=False):
    """Registers a model; `dynamo` exports it with torch.onnx's dynamo exporter (opset 18) instead of TorchScript's."""
    def register(build):
        MODELS[name] = (build, source, dynamo)
        return build
    return register


def randomize_norms(module):
    for m in module.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d, nn.GroupNorm, nn.LayerNorm)) and getattr(m, "weight", None) is not None:
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
        if isinstance(m, nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)


class Decode(nn.Module):
    """A diffusers autoencoder's decode path (latents -> image) as a module of its own, for export."""

    def __init__(self, autoencoder):
        super().__init__()
        self.autoencoder = autoencoder

    def forward(self, z):
        return self.autoencoder.decode(z).sample


# ---- diffusers ----------------------------------------------------------------------------------------------------

@model("sd-vae-decoder", "diffusers AutoencoderKL (Stable Diffusion VAE layout: GroupNorm, SiLU, mid-block attention, nearest x2)")
def sd_vae():
    from diffusers import AutoencoderKL
    vae = AutoencoderKL(block_out_channels=(16, 32), layers_per_block=1, latent_channels=4, norm_num_groups=8,
                        down_block_types=("DownEncoderBlock2D",) * 2, up_block_types=("UpDecoderBlock2D",) * 2)
    return Decode(vae), torch.randn(1, 4, 8, 8)


@model("movq-decoder", "diffusers VQModel decoder with norm_type='spatial' (MoVQ, as in Kandinsky: vector quantiser "
                       "with ArgMin, SpatialNorm resizing the latent to each feature map's size, GroupNorm, attention)")
def movq():
    from diffusers import VQModel
    vq = VQModel(block_out_channels=(32, 32), layers_per_block=1, latent_channels=4, num_vq_embeddings=16, norm_num_groups=32,
                 vq_embed_dim=4, norm_type="spatial", down_block_types=("DownEncoderBlock2D",) * 2,
                 up_block_types=("UpDecoderBlock2D",) * 2)
    return Decode(vq), torch.randn(1, 4, 8, 8)


@model("taesd-decoder", "diffusers AutoencoderTiny decoder (TAESD: clamp, ReLU blocks, nearest x2)")
def taesd():
    from diffusers import AutoencoderTiny
    tiny = AutoencoderTiny(encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8), latent_channels=4)
    return tiny.decoder, torch.randn(1, 4, 4, 4)


# ---- faithful copies ------------------------------------------------------------------------------------------------

@model("real-esrgan-compact", "copy of Real-ESRGAN SRVGGNetCompact (PReLU, PixelShuffle, nearest-upsampled skip)")
def srvgg():
    class SRVGGNetCompact(nn.Module):
        def __init__(self, num_feat=8, num_conv=4, upscale=2):
            super().__init__()
            self.body = nn.ModuleList([nn.Conv2d(3, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)])
            for _ in range(num_conv):
                self.body += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
            self.body.append(nn.Conv2d(num_feat, 3 * upscale * upscale, 3, 1, 1))
            self.upsampler = nn.PixelShuffle(upscale)
            self.upscale = upscale

        def forward(self, x):
            out = x
            for layer in self.body:
                out = layer(out)
            return self.upsampler(out) + F.interpolate(x, scale_factor=self.upscale, mode="nearest")
    return SRVGGNetCompact(), torch.rand(1, 3, 12, 12)


@model("vdsr", "copy of VDSR (bicubic upscaling, residual conv-ReLU stack)")
def vdsr():
    class VDSR(nn.Module):
        def __init__(self):
            super().__init__()
            layers = [nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.ReLU()]
            for _ in range(4):
                layers += [nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.ReLU()]
            layers.append(nn.Conv2d(8, 3, 3, padding=1, bias=False))
            self.body = nn.Sequential(*layers)

        def forward(self, x):
            up = F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
            return up + self.body(up)
    return VDSR(), torch.rand(1, 3, 10, 10)


@model("cyclegan-resnet", "copy of the CycleGAN ResnetGenerator (ReflectionPad2d, InstanceNorm, ConvTranspose up)")
def cyclegan():
    class ResnetBlock(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c), nn.ReLU(True),
                                       nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.InstanceNorm2d(c))

        def forward(self, x):
            return x + self.block(x)
    ngf = 8
    net = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU(True),
                        nn.Conv2d(ngf, ngf * 2, 3, stride=2, padding=1), nn.InstanceNorm2d(ngf * 2), nn.ReLU(True),
                        ResnetBlock(ngf * 2), ResnetBlock(ngf * 2),
                        nn.ConvTranspose2d(ngf * 2, ngf, 3, stride=2, padding=1, output_padding=1), nn.InstanceNorm2d(ngf),
                        nn.ReLU(True), nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, 7), nn.Tanh())
    return net, torch.rand(1, 3, 16, 16)


@model("pix2pix-unet", "copy of the pix2pix UnetGenerator, 3 levels (LeakyReLU, BatchNorm, ConvTranspose, skip concat)")
def pix2pix():
    class Unet(nn.Module):
        def __init__(self, c=8):
            super().__init__()
            self.d1 = nn.Conv2d(3, c, 4, 2, 1)
            self.d2 = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(c, 2 * c, 4, 2, 1), nn.BatchNorm2d(2 * c))
            self.d3 = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(2 * c, 2 * c, 4, 2, 1))
            self.u3 = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(2 * c, 2 * c, 4, 2, 1), nn.BatchNorm2d(2 * c), nn.Dropout(0.5))
            self.u2 = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(4 * c, c, 4, 2, 1), nn.BatchNorm2d(c))
            self.u1 = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(2 * c, 3, 4, 2, 1), nn.Tanh())

        def forward(self, x):
            a = self.d1(x)
            b = self.d2(a)
            c = self.d3(b)
            u = self.u3(c)
            u = self.u2(torch.cat([u, b], 1))
            return self.u1(torch.cat([u, a], 1))
    return Unet(), torch.rand(1, 3, 16, 16)


@model("fast-style-transfer", "copy of Johnson et al.'s transformer net (ReflectionPad2d convs, affine InstanceNorm, "
                              "nearest upsample-conv)")
def style():
    class ConvLayer(nn.Module):
        def __init__(self, i, o, k, s, upsample=None):
            super().__init__()
            self.upsample = upsample
            self.pad = nn.ReflectionPad2d(k // 2)
            self.conv = nn.Conv2d(i, o, k, s)

        def forward(self, x):
            if self.upsample:
                x = F.interpolate(x, mode="nearest", scale_factor=self.upsample)
            return self.conv(self.pad(x))
    net = nn.Sequential(ConvLayer(3, 8, 9, 1), nn.InstanceNorm2d(8, affine=True), nn.ReLU(),
                        ConvLayer(8, 16, 3, 2), nn.InstanceNorm2d(16, affine=True), nn.ReLU(),
                        ConvLayer(16, 8, 3, 1, upsample=2), nn.InstanceNorm2d(8, affine=True), nn.ReLU(),
                        ConvLayer(8, 3, 9, 1))
    return net, torch.rand(1, 3, 16, 16)


@model("began-decoder", "copy of the BEGAN decoder (Linear, ELU, nearest x2 between conv pairs)")
def began():
    class Decoder(nn.Module):
        def __init__(self, n=8, h=16):
            super().__init__()
            self.n = n
            self.fc = nn.Linear(h, n * 4 * 4)
            self.body = nn.Sequential(nn.Conv2d(n, n, 3, 1, 1), nn.ELU(), nn.Conv2d(n, n, 3, 1, 1), nn.ELU(), nn.Upsample(scale_factor=2),
                                      nn.Conv2d(n, n, 3, 1, 1), nn.ELU(), nn.Conv2d(n, n, 3, 1, 1), nn.ELU(), nn.Conv2d(n, 3, 3, 1, 1))

        def forward(self, z):
            return self.body(self.fc(z).view(-1, self.n, 4, 4))
    return Decoder(), torch.randn(1, 16)


@model("esrgan-rrdb", "copy of ESRGAN RRDBNet, one RRDB (dense blocks with concat, LeakyReLU, residual scaling, nearest x2)")
def esrgan():
    class Dense(nn.Module):
        def __init__(self, c=8, g=4):
            super().__init__()
            self.convs = nn.ModuleList([nn.Conv2d(c + i * g, g if i < 4 else c, 3, 1, 1) for i in range(5)])

        def forward(self, x):
            features = [x]
            for i, conv in enumerate(self.convs):
                out = conv(torch.cat(features, 1))
                if i < 4:
                    features.append(F.leaky_relu(out, 0.2))
            return out * 0.2 + x

    class RRDBNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = nn.Conv2d(3, 8, 3, 1, 1)
            self.rrdb = nn.Sequential(Dense(), Dense())
            self.up = nn.Conv2d(8, 8, 3, 1, 1)
            self.last = nn.Conv2d(8, 3, 3, 1, 1)

        def forward(self, x):
            f = self.first(x)
            f = f + self.rrdb(f) * 0.2
            return self.last(F.leaky_relu(self.up(F.interpolate(f, scale_factor=2, mode="nearest")), 0.2))
    return RRDBNet(), torch.rand(1, 3, 8, 8)


@model("nafnet-decoder", "copy of NAFNet blocks (LayerNorm2d, depthwise conv, SimpleGate, simplified channel attention, "
                         "PixelShuffle up)")
def nafnet():
    class LayerNorm2d(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.weight = nn.Parameter(torch.rand(c) + 0.5)
            self.bias = nn.Parameter(torch.rand(c) * 0.2)

        def forward(self, x):
            mu = x.mean(1, keepdim=True)
            var = (x - mu).pow(2).mean(1, keepdim=True)
            return self.weight.view(1, -1, 1, 1) * (x - mu) / (var + 1e-6).sqrt() + self.bias.view(1, -1, 1, 1)

    class NAFBlock(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.norm = LayerNorm2d(c)
            self.conv1 = nn.Conv2d(c, 2 * c, 1)
            self.conv2 = nn.Conv2d(2 * c, 2 * c, 3, padding=1, groups=2 * c)
            self.sca = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c, 1))
            self.conv3 = nn.Conv2d(c, c, 1)
            self.beta = nn.Parameter(torch.rand(1, c, 1, 1))

        def forward(self, x):
            y = self.conv2(self.conv1(self.norm(x)))
            a, b = y.chunk(2, dim=1)
            y = a * b
            y = y * self.sca(y)
            return x + self.conv3(y) * self.beta

    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), NAFBlock(8), nn.Conv2d(8, 32, 1, bias=False), nn.PixelShuffle(2), NAFBlock(8),
                        nn.Conv2d(8, 3, 3, padding=1))
    return net, torch.rand(1, 3, 8, 8)


@model("unet-decoder", "copy of a segmentation_models_pytorch U-Net decoder (nearest x2, skip concat, conv-BN-ReLU)")
def unet_decoder():
    class Block(nn.Module):
        def __init__(self, i, skip, o):
            super().__init__()
            self.conv = nn.Sequential(nn.Conv2d(i + skip, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(),
                                      nn.Conv2d(o, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU())

        def forward(self, x, skip):
            return self.conv(torch.cat([F.interpolate(x, scale_factor=2, mode="nearest"), skip], 1))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
            self.enc2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
            self.dec1 = Block(16, 8, 8)
            self.dec2 = Block(8, 3, 8)
            self.head = nn.Conv2d(8, 2, 3, padding=1)

        def forward(self, x):
            a = F.relu(self.enc1(x))
            b = F.relu(self.enc2(a))
            return self.head(self.dec2(self.dec1(b, a), x))
    return Net(), torch.rand(1, 3, 16, 16)


@model("lraspp-head", "copy of torchvision's LR-ASPP head (global pooling gate with Sigmoid, bilinear resize to sizes)")
def lraspp():
    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.cbr = nn.Sequential(nn.Conv2d(16, 8, 1, bias=False), nn.BatchNorm2d(8), nn.ReLU())
            self.scale = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(16, 8, 1, bias=False), nn.Sigmoid())
            self.low = nn.Conv2d(4, 3, 1)
            self.high = nn.Conv2d(8, 3, 1)
            self.lowproj = nn.Conv2d(3, 4, 3, stride=2, padding=1)
            self.highproj = nn.Conv2d(4, 16, 3, stride=2, padding=1)

        def forward(self, x):
            low = self.lowproj(x)
            high = self.highproj(F.relu(low))
            y = self.cbr(high) * self.scale(high)
            y = F.interpolate(y, size=low.shape[-2:], mode="bilinear", align_corners=False)
            return self.low(low) + self.high(y)
    return Head(), torch.rand(1, 3, 16, 16)


@model("convnextv2-decoder", "copy of ConvNeXt V2 blocks (depthwise 7x7, channels-last LayerNorm, GELU, GRN) with "
                             "transposed-conv upsampling")
def convnext():
    class GRN(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.gamma = nn.Parameter(torch.rand(1, 1, 1, c))
            self.beta = nn.Parameter(torch.rand(1, 1, 1, c))

        def forward(self, x):
            gx = torch.norm(x, p=2, dim=(1, 2), keepdim=True)
            nx = gx / (gx.mean(dim=-1, keepdim=True) + 1e-6)
            return self.gamma * (x * nx) + self.beta + x

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
            self.norm = nn.LayerNorm(c, eps=1e-6)
            self.pw1 = nn.Linear(c, 4 * c)
            self.grn = GRN(4 * c)
            self.pw2 = nn.Linear(4 * c, c)

        def forward(self, x):
            y = self.dw(x).permute(0, 2, 3, 1)
            y = self.pw2(self.grn(F.gelu(self.pw1(self.norm(y)))))
            return x + y.permute(0, 3, 1, 2)

    net = nn.Sequential(nn.Conv2d(4, 8, 3, padding=1), Block(8), nn.ConvTranspose2d(8, 8, 2, stride=2), Block(8), nn.Conv2d(8, 3, 1))
    return net, torch.randn(1, 4, 8, 8)


@model("compressai-gdn-synthesis", "copy of CompressAI's synthesis transform with inverse GDN (NonNegativeParametrizer: "
                                   "Max/Pow on parameters, folded at import)")
def gdn():
    class LowerBound(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, bound):
            return torch.max(x, bound)

    class IGDN(nn.Module):
        def __init__(self, c, beta_min=1e-6, gamma_init=0.1, reparam_offset=2 ** -18):
            super().__init__()
            self.pedestal = reparam_offset ** 2
            self.beta_bound = (beta_min + self.pedestal) ** 0.5
            self.gamma_bound = reparam_offset
            self.beta = nn.Parameter(torch.sqrt(torch.ones(c) + self.pedestal))
            self.gamma = nn.Parameter(torch.sqrt(gamma_init * torch.eye(c) + self.pedestal))

        def forward(self, x):
            c = x.size(1)
            beta = torch.max(self.beta, torch.tensor(self.beta_bound)) ** 2 - self.pedestal
            gamma = (torch.max(self.gamma, torch.tensor(self.gamma_bound)) ** 2 - self.pedestal).reshape(c, c, 1, 1)
            return x * torch.sqrt(F.conv2d(x ** 2, gamma, beta))

    n = 8
    net = nn.Sequential(nn.ConvTranspose2d(n, n, 5, 2, 2, 1), IGDN(n), nn.ConvTranspose2d(n, n, 5, 2, 2, 1), IGDN(n),
                        nn.ConvTranspose2d(n, 3, 5, 2, 2, 1))
    return net, torch.randn(1, 8, 4, 4)


@model("deep-decoder", "copy of Heckel & Hand's deep decoder (1x1 convs, bilinear x2, ReLU, BatchNorm)")
def deep_decoder():
    layers = []
    for _ in range(3):
        layers += [nn.Conv2d(8, 8, 1, bias=False), nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), nn.ReLU(),
                   nn.BatchNorm2d(8)]
    layers += [nn.Conv2d(8, 3, 1), nn.Sigmoid()]
    return nn.Sequential(*layers), torch.randn(1, 8, 4, 4)


@model("stylegan-lite-synthesis", "simplified StyleGAN2 synthesis (mapping MLP, modulated + demodulated convs as "
                                  "per-sample scales, constant input, bilinear x2, noise-free)")
def stylegan():
    class ModConv(nn.Module):
        def __init__(self, i, o, w):
            super().__init__()
            self.affine = nn.Linear(w, i)
            self.conv = nn.Conv2d(i, o, 3, padding=1, bias=False)

        def forward(self, x, w):
            style = self.affine(w).view(-1, x.size(1), 1, 1) + 1
            y = self.conv(x * style)
            demod = torch.rsqrt((self.conv.weight.pow(2).sum(dim=(1, 2, 3)).view(1, -1, 1, 1)) * (style.pow(2).mean(1, keepdim=True)) + 1e-8)
            return F.leaky_relu(y * demod, 0.2)

    class Synthesis(nn.Module):
        def __init__(self):
            super().__init__()
            self.mapping = nn.Sequential(nn.Linear(16, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16))
            self.const = nn.Parameter(torch.randn(1, 8, 4, 4))
            self.c1 = ModConv(8, 8, 16)
            self.c2 = ModConv(8, 8, 16)
            self.rgb = nn.Conv2d(8, 3, 1)

        def forward(self, z):
            w = self.mapping(z)
            x = self.c1(self.const.expand(z.size(0), -1, -1, -1), w)
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
            return self.rgb(self.c2(x, w))
    return Synthesis(), torch.randn(1, 16)


# ---- compressai (pip install --no-deps compressai einops) ------------------------------------------------------------
# compressai's package __init__ imports its point-cloud datasets and losses (torch_geometric, pandas, torchvision, ...),
# which the synthesis transforms never use: those imports are answered with empty stand-in modules.

def import_compressai_models():
    import importlib.abc
    import importlib.machinery
    from unittest import mock

    class StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        prefixes = ("torch_geometric", "torchvision", "pointops", "pandas", "plyfile", "h5py", "scipy", "pytorch_msssim")

        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in self.prefixes:
                return importlib.machinery.ModuleSpec(name, self, is_package=True)
            return None

        def create_module(self, spec):
            module = mock.MagicMock()
            module.__path__, module.__spec__ = [], spec
            return module

        def exec_module(self, module):
            pass

    sys.meta_path.insert(0, StandIns())
    import compressai.models
    return compressai.models


@model("compressai-factorized-prior-synthesis", "compressai.models.FactorizedPrior(8, 12).g_s, the library's own synthesis "
                                                "transform (ConvTranspose x2 with inverse GDN)")
def compressai_factorized():
    models = import_compressai_models()
    return models.FactorizedPrior(8, 12).g_s, torch.randn(1, 12, 4, 4)


# ---- dynamo exporter ------------------------------------------------------------------------------------------------
# torch.onnx.export(..., dynamo=True): opset 18, other node names and patterns (DFT for torch.fft, antialiased Resize,
# functions inlined, constants folded by onnxscript's optimiser).

@model("lama-ffc-decoder", "copy of LaMa's FFC resnet blocks (FourierUnit: rfftn, 1x1 conv, BN, ReLU, irfftn) and its "
                           "ConvTranspose decoder; dynamo exporter (DFT)", dynamo=True)
def lama():
    class FourierUnit(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv = nn.Conv2d(2 * c, 2 * c, 1, bias=False)
            self.bn = nn.BatchNorm2d(2 * c)

        def forward(self, x):
            b, c, h, w = x.shape
            f = torch.fft.rfftn(x, dim=(-2, -1), norm="ortho")
            f = torch.stack((f.real, f.imag), dim=-1).permute(0, 1, 4, 2, 3).contiguous().view(b, -1, h, w // 2 + 1)
            f = torch.relu(self.bn(self.conv(f)))
            f = f.view(b, -1, 2, h, w // 2 + 1).permute(0, 1, 3, 4, 2).contiguous()
            return torch.fft.irfftn(torch.complex(f[..., 0], f[..., 1]), s=(h, w), dim=(-2, -1), norm="ortho")

    class SpectralTransform(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.conv1 = nn.Sequential(nn.Conv2d(c, c // 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU())
            self.fu = FourierUnit(c // 2)
            self.conv2 = nn.Conv2d(c // 2, c, 1, bias=False)

        def forward(self, x):
            x = self.conv1(x)
            return self.conv2(x + self.fu(x))

    class FFCBlock(nn.Module):
        """One FFC layer with local (3x3, reflect) and global (spectral) halves, as in LaMa's FFC_BN_ACT."""
        def __init__(self, c):
            super().__init__()
            half = c // 2
            self.l2l = nn.Conv2d(half, half, 3, padding=1, padding_mode="reflect", bias=False)
            self.g2l = nn.Conv2d(half, half, 3, padding=1, padding_mode="reflect", bias=False)
            self.l2g = nn.Conv2d(half, half, 3, padding=1, padding_mode="reflect", bias=False)
            self.g2g = SpectralTransform(half)
            self.bn_l, self.bn_g = nn.BatchNorm2d(half), nn.BatchNorm2d(half)

        def forward(self, x):
            local, glob = x.chunk(2, dim=1)
            out_l = torch.relu(self.bn_l(self.l2l(local) + self.g2l(glob)))
            out_g = torch.relu(self.bn_g(self.l2g(local) + self.g2g(glob)))
            return x + torch.cat((out_l, out_g), dim=1)

    c = 8
    net = nn.Sequential(FFCBlock(c), FFCBlock(c),
                        nn.ConvTranspose2d(c, c, 3, 2, 1, 1), nn.BatchNorm2d(c), nn.ReLU(),
                        nn.ConvTranspose2d(c, c, 3, 2, 1, 1), nn.BatchNorm2d(c), nn.ReLU(),
                        nn.ReflectionPad2d(3), nn.Conv2d(c, 3, 7), nn.Sigmoid())
    return net, torch.randn(1, c, 8, 8)


@model("pyramid-decoder", "a multi-scale decoder (pix2pixHD-style): bilinear x2 stages with a coarse branch from an "
                          "antialiased bilinear downsampling of the fine output; dynamo exporter (Resize antialias=1)",
       dynamo=True)
def pyramid():
    class Pyramid(nn.Module):
        def __init__(self, c=8):
            super().__init__()
            self.head = nn.Conv2d(4, c, 3, padding=1)
            self.up = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), nn.Conv2d(c, c, 3, padding=1),
                                    nn.LeakyReLU(0.2))
            self.coarse = nn.Conv2d(c, c, 3, padding=1)
            self.rgb = nn.Conv2d(c, 3, 1)

        def forward(self, z):
            fine = self.up(self.up(self.head(z)))
            coarse = F.interpolate(fine, scale_factor=0.5, mode="bilinear", antialias=True, align_corners=False)
            coarse = F.interpolate(torch.tanh(self.coarse(coarse)), scale_factor=2, mode="nearest")
            return self.rgb(fine + coarse)
    return Pyramid(), torch.randn(1, 4, 6, 6)


@model("sd-vae-decoder-dynamo", "diffusers AutoencoderKL decoder as sd-vae-decoder, dynamo exporter", dynamo=True)
def sd_vae_dynamo():
    return sd_vae()


@model("real-esrgan-compact-dynamo", "copy of Real-ESRGAN SRVGGNetCompact as real-esrgan-compact, dynamo exporter", dynamo=True)
def srvgg_dynamo():
    return srvgg()


@model("fast-style-transfer-dynamo", "copy of the fast style transfer network as fast-style-transfer, dynamo exporter", dynamo=True)
def style_dynamo():
    return style()


def export(name):
    build, source, dynamo = MODELS[name]
    torch.manual_seed(11)
    module, example = build()
    randomize_norms(module)
    module.eval()
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    path = os.path.join(folder, "model.onnx")
    with torch.no_grad():
        if dynamo:
            torch.onnx.export(module, (example,), path, dynamo=True, opset_version=18, input_names=["input"], output_names=["output"],
                              external_data=False)
        else:
            torch.onnx.export(module, (example,), path, dynamo=False, opset_version=17, input_names=["input"], output_names=["output"])
    x = example.numpy().astype(np.float32)
    np.save(os.path.join(folder, "input.npy"), x)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    output = session.run(["output"], {"input": x})[0]
    np.save(os.path.join(folder, "output.npy"), output)
    with torch.no_grad():  # the export must mean what the module computes
        reference = module(example).numpy()
    difference = np.linalg.norm(output - reference) / max(np.linalg.norm(reference), 1e-30)
    if difference > 1e-4:
        raise RuntimeError(f"onnxruntime and torch differ by {difference:.2e} (relative L2)")
    with open(os.path.join(folder, "source.txt"), "w") as f:
        f.write(source + "\n")


if __name__ == "__main__":
    names = sys.argv[1:] or list(MODELS)
    for name in names:
        try:
            export(name)
            print("exported", name)
        except Exception as error:  # a model that cannot be exported is reported, not silently dropped
            print("FAILED", name, type(error).__name__, str(error).splitlines()[0][:200])
