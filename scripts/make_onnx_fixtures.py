#!/usr/bin/env python3
"""ONNX conformance fixtures: small decoders built in PyTorch, exported with torch.onnx.export (TorchScript exporter,
opset 17), and onnxruntime's value of every intermediate tensor on a fixed input.

Run once (needs torch, onnx, onnxruntime, numpy):  python3 scripts/make_onnx_fixtures.py
Writes Tests/DecoderSpectraTests/Fixtures/onnx/<model>/: model.onnx, input.npy, outputs/<n>.npy and manifest.json
(node output name -> file). dcgan also gets an external-data copy (external/model.onnx + weights.bin), and
unknown-op.onnx is a hand-made graph with an operator DecoderSpectra does not know.
"""
import json
import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import helper, TensorProto

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DecoderSpectraTests", "Fixtures", "onnx")
torch.manual_seed(7)


def randomize_batchnorm(module):
    for m in module.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)


class DCGANGenerator(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.ConvTranspose2d(16, 32, 4, 1, 0, bias=False), torch.nn.BatchNorm2d(32), torch.nn.ReLU(),
            torch.nn.ConvTranspose2d(32, 16, 4, 2, 1, bias=False), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
            torch.nn.ConvTranspose2d(16, 3, 4, 2, 1, bias=False), torch.nn.Tanh())

    def forward(self, z):
        return self.net(z)


class UpconvDecoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Upsample(scale_factor=2, mode="nearest"), torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.BatchNorm2d(16),
            torch.nn.ReLU(), torch.nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            torch.nn.Conv2d(16, 8, 3, padding=1), torch.nn.LeakyReLU(0.2), torch.nn.Conv2d(8, 3, 3, padding=1), torch.nn.Sigmoid())

    def forward(self, x):
        return self.net(x)


class SubPixelSR(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(3, 16, 5, padding=2), torch.nn.ReLU(), torch.nn.Conv2d(16, 8, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(8, 3 * 4, 3, padding=1), torch.nn.PixelShuffle(2))

    def forward(self, x):
        return torch.clamp(self.body(x), 0.0, 1.0)


class ResidualDecoder(torch.nn.Module):
    """Latent projection (Linear + view), a residual block with GroupNorm and SiLU, upsampling, a grouped conv."""

    def __init__(self):
        super().__init__()
        self.project = torch.nn.Linear(32, 16 * 4 * 4)
        self.norm1 = torch.nn.GroupNorm(4, 16)
        self.conv1 = torch.nn.Conv2d(16, 16, 3, padding=1)
        self.norm2 = torch.nn.GroupNorm(4, 16)
        self.conv2 = torch.nn.Conv2d(16, 16, 3, padding=1)
        self.up = torch.nn.Upsample(scale_factor=2, mode="nearest")
        self.depthwise = torch.nn.Conv2d(16, 16, 3, padding=1, groups=4)
        self.out = torch.nn.Conv2d(16, 3, 3, padding=1)

    def forward(self, z):
        h = self.project(z).view(-1, 16, 4, 4)
        r = self.conv1(torch.nn.functional.silu(self.norm1(h)))
        r = self.conv2(torch.nn.functional.silu(self.norm2(r)))
        h = self.up(h + r)
        return torch.tanh(self.out(torch.nn.functional.silu(self.depthwise(h))))


class CircularDecoder(torch.nn.Module):
    """Circular padding, which torch exports as Slice/Concat wrap-around before a Conv without padding."""

    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, padding=1, padding_mode="circular"), torch.nn.Upsample(scale_factor=2, mode="nearest"),
            torch.nn.Conv2d(8, 3, 5, padding=2, padding_mode="circular"))

    def forward(self, x):
        return self.net(x)


def export(name, module, example):
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "outputs"))
    module.eval()
    path = os.path.join(folder, "model.onnx")
    torch.onnx.export(module, (example,), path, dynamo=False, opset_version=17, input_names=["input"], output_names=["output"])
    return record(folder, path, example.numpy())


def record(folder, path, example):
    """Saves the input and onnxruntime's value of every float node output of the model at `path`."""
    np.save(os.path.join(folder, "input.npy"), example.astype(np.float32))
    # onnxruntime's value of every node output: expose them all as graph outputs.
    model = onnx.load(path)
    inferred = onnx.shape_inference.infer_shapes(model)
    existing = {o.name for o in inferred.graph.output}
    inferred.graph.output.extend([v for v in inferred.graph.value_info if v.name not in existing])
    # Float outputs whose shape inference gave up (a one-sided DFT of a length known only at run time) are exposed too.
    known = {o.name for o in inferred.graph.output}
    inferred.graph.output.extend([helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for node in inferred.graph.node
                                  if node.op_type in ("DFT", "Resize") for o in node.output if o not in known])
    session = ort.InferenceSession(inferred.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    values = session.run(names, {"input": example})
    manifest = {}
    for i, (n, v) in enumerate(zip(names, values)):
        if v.dtype != np.float32:
            continue
        file = f"outputs/{i:03d}.npy"
        np.save(os.path.join(folder, file), v)
        manifest[n] = file
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "onnxruntime": ort.__version__, "outputs": manifest}, f, indent=1)
    return path


def external_copy(path):
    folder = os.path.join(os.path.dirname(path), "external")
    os.makedirs(folder, exist_ok=True)
    model = onnx.load(path)
    onnx.save_model(model, os.path.join(folder, "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=0)


def operator_zoo(name, opset):
    """A hand-built graph applying the operators of real decoders that torch exports (element-wise functions,
    variadic Max/Min/Sum/Mean, reductions, Softmax, global pools, comparisons + Where, Expand, Tile, Range, Split,
    ConstantOfShape) to one input, at `opset` (reductions take `axes` as an attribute before 18, as an input from 18;
    ReduceSum from 13)."""
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "outputs"))
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    inits = [helper.make_tensor("zero", f32, [], [0.0]), helper.make_tensor("half", f32, [], [0.5]),
             helper.make_tensor("one", f32, [], [1.0]), helper.make_tensor("two", f32, [], [2.0]),
             helper.make_tensor("tenth", f32, [], [0.1]), helper.make_tensor("shape23", i64, [2], [2, 3]),
             helper.make_tensor("full", i64, [4], [2, 3, 4, 5]), helper.make_tensor("repeats", i64, [4], [1, 1, 2, 1]),
             helper.make_tensor("start", f32, [], [0.0]), helper.make_tensor("limit", f32, [], [5.0]),
             helper.make_tensor("split", i64, [2], [2, 3]), helper.make_tensor("axes23", i64, [2], [2, 3]),
             helper.make_tensor("axes1", i64, [1], [1]), helper.make_tensor("axes_last", i64, [1], [-1]),
             helper.make_tensor("axes12", i64, [2], [1, 2]), helper.make_tensor("axes3", i64, [1], [3]),
             helper.make_tensor("slope", f32, [3, 1, 1], [0.1, -0.2, 0.3]),
             helper.make_tensor("ln_scale", f32, [5], [1.0, 0.5, -1.5, 2.0, 0.25]),
             helper.make_tensor("ln_bias", f32, [5], [0.1, 0.2, -0.3, 0.0, 0.5]),
             helper.make_tensor("picks", i64, [2, 3, 4, 1], [(i * 7) % 5 for i in range(24)]),
             helper.make_tensor("scales2", f32, [4], [1, 1, 2, 2]), helper.make_tensor("scales15", f32, [4], [1, 1, 1.5, 1.5]),
             helper.make_tensor("scales_odd", f32, [4], [1, 1, 1.7, 2.3]), helper.make_tensor("scales_down", f32, [4], [1, 1, 0.5, 0.6]),
             helper.make_tensor("sizes", i64, [4], [2, 3, 7, 9]),
             helper.make_tensor("w_dilated", f32, [4, 3, 3, 3], [((i * 7) % 13) / 13 - 0.4 for i in range(108)]),
             helper.make_tensor("w_grouped", f32, [3, 1, 3, 3], [((i * 5) % 11) / 11 - 0.45 for i in range(27)]),
             helper.make_tensor("axis_w", i64, [], [3]), helper.make_tensor("k1", i64, [], [1]),
             helper.make_tensor("keys", f32, [2, 3, 6, 5], [((i * 3) % 17) / 17 - 0.5 for i in range(180)]),
             helper.make_tensor("w_transposed", f32, [3, 2, 4, 4], [((i * 7) % 19) / 19 - 0.5 for i in range(96)]),
             helper.make_tensor("b_transposed", f32, [6], [0.1, -0.1, 0.2, -0.2, 0.3, -0.3]),
             helper.make_tensor("w_deconv", f32, [3, 2, 3, 3], [((i * 5) % 17) / 17 - 0.5 for i in range(54)])]
    n = helper.make_node
    nodes = [n("Abs", ["input"], ["abs"]), n("Neg", ["input"], ["neg"]), n("Exp", ["input"], ["exp"]),
             n("Add", ["abs", "one"], ["abs1"]), n("Log", ["abs1"], ["log"]), n("Sqrt", ["abs"], ["sqrt"]),
             n("Reciprocal", ["abs1"], ["reciprocal"]), n("Erf", ["input"], ["erf"]), n("Elu", ["input"], ["elu"], alpha=0.7),
             n("Selu", ["input"], ["selu"]), n("Celu", ["input"], ["celu"], alpha=1.3), n("Softplus", ["input"], ["softplus"]),
             n("Softsign", ["input"], ["softsign"]), n("HardSigmoid", ["input"], ["hardsigmoid"], alpha=0.3, beta=0.4),
             n("HardSwish", ["input"], ["hardswish"]), n("Floor", ["input"], ["floor"]),
             n("Ceil", ["input"], ["ceil"]), n("Pow", ["abs", "two"], ["pow"]), n("Max", ["input", "neg", "tenth"], ["max"]),
             n("Min", ["input", "half"], ["min"]), n("Sum", ["input", "abs"], ["sum"]), n("Mean", ["input", "neg", "abs"], ["mean"]),
             n("ConstantOfShape", ["shape23"], ["filled"], value=helper.make_tensor("v", f32, [1], [0.25])),
             n("Softmax", ["input"], ["softmax"], axis=1), n("LogSoftmax", ["input"], ["logsoftmax"], axis=-1),
             n("GlobalAveragePool", ["input"], ["gap"]), n("GlobalMaxPool", ["input"], ["gmp"]),
             n("Greater", ["input", "zero"], ["positive"]), n("Less", ["input", "half"], ["below"]), n("Not", ["below"], ["above"]),
             n("And", ["positive", "above"], ["both"]), n("Mul", ["input", "tenth"], ["leak"]),
             n("Where", ["positive", "input", "leak"], ["where"]), n("Where", ["both", "one", "zero"], ["mask"]),
             n("Expand", ["gap", "full"], ["expand"]), n("Tile", ["input", "repeats"], ["tile"]),
             n("Range", ["start", "limit", "one"], ["range"]), n("Split", ["input", "split"], ["split_a", "split_b"], axis=3),
             n("PRelu", ["input", "slope"], ["prelu"]),
             n("LayerNormalization", ["input", "ln_scale", "ln_bias"], ["layernorm"], axis=-1, epsilon=1e-5),
             n("Concat", ["input", "input"], ["wide"], axis=3), n("SpaceToDepth", ["wide"], ["space_to_depth"], blocksize=2),
             n("MaxPool", ["input"], ["maxpool"], kernel_shape=[2, 2], strides=[2, 2]),
             n("MaxPool", ["input"], ["maxpool_ceil"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
             n("MaxPool", ["input"], ["maxpool_padded"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             n("AveragePool", ["input"], ["avgpool"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             n("AveragePool", ["input"], ["avgpool_including"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1),
             n("AveragePool", ["input"], ["avgpool_ceil"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
             n("ArgMax", ["input"], ["argmax"], axis=1, keepdims=0), n("Cast", ["argmax"], ["argmax_float"], to=1),
             n("ArgMin", ["input"], ["argmin"], axis=-1, keepdims=1), n("Cast", ["argmin"], ["argmin_float"], to=1),
             n("GatherElements", ["input", "picks"], ["gathered"], axis=3),
             n("Resize", ["input", "", "scales2"], ["resize_cubic"], mode="cubic", coordinate_transformation_mode="pytorch_half_pixel",
               cubic_coeff_a=-0.75),
             n("Resize", ["input", "", "scales15"], ["resize_linear"], mode="linear"),
             n("Resize", ["input", "", "scales_odd"], ["resize_nearest"], mode="nearest"),
             n("Resize", ["input", "", "scales_odd"], ["resize_nearest_ceil"], mode="nearest", nearest_mode="ceil",
               coordinate_transformation_mode="asymmetric"),
             n("Resize", ["input", "", "", "sizes"], ["resize_sizes"], mode="linear", coordinate_transformation_mode="align_corners"),
             n("Resize", ["input", "", "scales15"], ["resize_cubic_exclude"], mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1,
               coordinate_transformation_mode="asymmetric"),
             n("Resize", ["input", "", "scales_down"], ["resize_down"], mode="linear"),
             n("Conv", ["input", "w_dilated"], ["conv_dilated"], dilations=[2, 2], pads=[2, 2, 2, 2]),
             n("Conv", ["input", "w_grouped"], ["conv_grouped_dilated"], group=3, dilations=[1, 2], pads=[1, 2, 1, 2]),
             n("Einsum", ["input", "keys"], ["attention"], equation="bhqd,bhkd->bhqk"),
             n("Einsum", ["input"], ["einsum_sum"], equation="bhqd->bq"),
             n("CumSum", ["input", "axis_w"], ["cumsum"]), n("CumSum", ["input", "axis_w"], ["cumsum_rev"], exclusive=1, reverse=1),
             n("Trilu", ["input", "k1"], ["triu"]), n("Trilu", ["input"], ["tril"], upper=0),
             n("ConvTranspose", ["input", "w_transposed", "b_transposed"], ["deconv_grouped"], group=3, strides=[2, 2], pads=[1, 1, 1, 1]),
             n("ConvTranspose", ["input", "w_deconv"], ["deconv_output_shape"], strides=[2, 2], output_shape=[8, 10]),
             n("ConvTranspose", ["input", "w_deconv"], ["deconv_same"], strides=[2, 2], auto_pad="SAME_LOWER")]
    reductions = [("ReduceMean", "axes23", 1), ("ReduceMax", "axes_last", 1), ("ReduceMin", "axes12", 0), ("ReduceL2", "axes23", 1),
                  ("ReduceSumSquare", "axes3", 0)]
    for op, axes, keep in reductions:
        values = {"axes23": [2, 3], "axes_last": [-1], "axes12": [1, 2], "axes3": [3]}[axes]
        if opset >= 18:
            nodes.append(n(op, ["input", axes], [op.lower()], keepdims=keep))
        else:
            nodes.append(n(op, ["input"], [op.lower()], keepdims=keep, axes=values))
    nodes.append(n("ReduceSum", ["input", "axes1"], ["reducesum"], keepdims=0))
    if opset >= 18:
        nodes.append(n("Mish", ["input"], ["mish"]))
    if opset >= 20:
        nodes += [n("Gelu", ["input"], ["gelu"]), n("Gelu", ["input"], ["gelu_tanh"], approximate="tanh")]
    if opset >= 18:  # antialiased downsampling (torch's F.interpolate(..., antialias=True))
        nodes += [n("Resize", ["input", "", "scales_down"], ["resize_down_antialias"], mode="linear", antialias=1),
                  n("Resize", ["input", "", "scales_down"], ["resize_down_cubic_antialias"], mode="cubic", antialias=1,
                    cubic_coeff_a=-0.5, coordinate_transformation_mode="pytorch_half_pixel")]
    # DFT (torch.fft through the dynamo exporter): real forward full and one-sided, zero-padded, complex inverse, and
    # the one-sided inverse (irfft) back to the signal; the axis is an attribute before opset 20, an input from 20.
    def dft(inputs, output, axis, **attributes):
        if opset >= 20:
            return n("DFT", inputs + [""] * (2 - len(inputs)) + ["axis_h" if axis == 2 else "axis_w"], [output], **attributes)
        return n("DFT", inputs, [output], axis=axis, **attributes)
    inits += [helper.make_tensor("axis_h", i64, [], [2]), helper.make_tensor("len8", i64, [], [8]),
              helper.make_tensor("len5", i64, [], [5])]
    nodes += [n("Unsqueeze", ["input", "axes_last"], ["signal"]) if opset >= 13 else n("Unsqueeze", ["input"], ["signal"], axes=[-1]),
              dft(["signal"], "dft_h", 2), dft(["signal"], "rfft_w", 3, onesided=1), dft(["signal", "len8"], "dft_w_padded", 3),
              dft(["dft_h"], "idft_h", 2, inverse=1), dft(["rfft_w", "len5"], "irfft_w", 3, inverse=1, onesided=1)]
    x = helper.make_tensor_value_info("input", f32, [2, 3, 4, 5])
    y = helper.make_tensor_value_info("where", f32, None)
    graph = helper.make_graph(nodes, name, [x], [y], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    path = os.path.join(folder, "model.onnx")
    onnx.save_model(model, path)
    record(folder, path, np.random.default_rng(opset).standard_normal((2, 3, 4, 5)).astype(np.float32) * 2)


def unknown_op_model():
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 4, 4])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, 4, 4])
    nodes = [helper.make_node("Relu", ["input"], ["r"], name="first_relu"),
             helper.make_node("FancyOp", ["r"], ["f"], name="mystery"),
             helper.make_node("Relu", ["f"], ["output"], name="last_relu")]
    graph = helper.make_graph(nodes, "unknown-op", [x], [y])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save_model(model, os.path.join(ROOT, "unknown-op.onnx"))


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["ops"]:  # only the operator graphs (the exported models stay as they are)
        operator_zoo("ops17", 17)
        operator_zoo("ops20", 20)
        sys.exit(0)
    operator_zoo("ops17", 17)
    operator_zoo("ops20", 20)
    dcgan = DCGANGenerator()
    randomize_batchnorm(dcgan)
    path = export("dcgan", dcgan, torch.randn(2, 16, 1, 1))
    external_copy(path)
    upconv = UpconvDecoder()
    randomize_batchnorm(upconv)
    export("upconv", upconv, torch.randn(2, 8, 4, 4))
    export("subpixel", SubPixelSR(), torch.rand(2, 3, 8, 8))
    export("residual", ResidualDecoder(), torch.randn(2, 32))
    export("circular", CircularDecoder(), torch.randn(2, 3, 6, 6))
    unknown_op_model()
    print("wrote ONNX fixtures to", os.path.normpath(ROOT))
