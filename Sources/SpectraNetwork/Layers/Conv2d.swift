import RealModule
import SpectraCore

/// `torch.nn.Conv2d` (groups = 1, dilation = 1): a cross-correlation (docs/theory.md §1.4, Eq. 1), weight [out, in, kH, kW],
/// run as im2col + GEMM (OpenBLAS). Output size ⌊(H + 2p − K)/stride⌋ + 1 per axis, as in PyTorch.
public struct Conv2d: WeightAndBiasLayer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: (height: Int, width: Int)
    public let stride: (height: Int, width: Int)
    public let padding: (height: Int, width: Int)
    public let paddingMode: PaddingMode
    public package(set) var weight: Tensor<Float>
    public package(set) var bias: Tensor<Float>?

    public var typeName: String { "Conv2d" }

    /// A convolution with PyTorch's argument names and defaults.
    ///
    /// Shape: input [B, C_in, H, W] → output [B, C_out, ⌊(H + 2p_h − k_h)/s_h⌋ + 1, ⌊(W + 2p_w − k_w)/s_w⌋ + 1].
    ///
    /// - Parameters:
    ///   - inChannels: C_in, the channels of the input.
    ///   - outChannels: C_out, the channels of the output (the number of kernels).
    ///   - kernelSize: (k_h, k_w).
    ///   - stride: (s_h, s_w); (1, 1) is the setting of the paper's exact rule (Theorem 3.2).
    ///   - padding: (p_h, p_w), added on both sides of each axis (PyTorch's centred padding).
    ///   - paddingMode: `.zeros` (PyTorch's default), `.circular` (the paper's setting), `.reflect`, `.replicate`.
    ///   - bias: whether the layer adds a learnable bias per output channel.
    ///   - initializer: how weight and bias are drawn (PyTorch's default Kaiming-uniform, or the paper's laws).
    ///   - generator: the seeded generator the initial weights are drawn from.
    /// - Throws: `SpectraError.invalidLayer` for non-positive channels, kernel or stride, negative padding, or
    ///   sizes over the hyper-parameter caps (`ResourceLimits`).
    ///
    /// Complexity: a forward pass costs O(B · C_out · C_in · k_h · k_w · H_out · W_out) in GEMMs.
    public init(
        inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), paddingMode: PaddingMode = .zeros, bias: Bool = true,
        initializer: Initializer = .pytorchDefault, generator: inout SeededGenerator
    ) throws {
        guard inChannels > 0, outChannels > 0, kernelSize.0 > 0, kernelSize.1 > 0, stride.0 > 0, stride.1 > 0,
            padding.0 >= 0, padding.1 >= 0
        else {
            throw SpectraError.invalidLayer(
                layer: "Conv2d",
                reason: "channels, kernel_size and stride must be positive and padding non-negative "
                    + "(in \(inChannels), out \(outChannels), kernel \(kernelSize), stride \(stride), padding \(padding))"
            )
        }
        try ResourceLimits.checkConvolution(
            layer: "Conv2d", inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride,
            padding: padding)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.paddingMode = paddingMode
        let shape = [outChannels, inChannels, kernelSize.0, kernelSize.1]
        weight = initializer.weight(shape: shape, using: &generator)
        self.bias = bias ? initializer.bias(count: outChannels, weightShape: shape, using: &generator) : nil
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        try requireNCHW(input, channels: inChannels)
        let paddedH = input[2] + 2 * padding.height, paddedW = input[3] + 2 * padding.width
        guard paddedH >= kernelSize.height, paddedW >= kernelSize.width else {
            throw SpectraError.shapeMismatch(
                layer: LayerScope.name(typeName: typeName),
                expected: "padded size at least the kernel \(kernelSize.height)x\(kernelSize.width)",
                got: input)
        }
        if paddingMode == .reflect && (padding.height >= input[2] || padding.width >= input[3]) {
            throw SpectraError.shapeMismatch(
                layer: LayerScope.name(typeName: typeName), expected: "reflect padding smaller than the input size",
                got: input)
        }
        return [
            input[0], outChannels,
            (paddedH - kernelSize.height) / stride.height + 1, (paddedW - kernelSize.width) / stride.width + 1,
        ]
    }

    /// Two GEMM formulations. Stride 1: K² shifted GEMMs W[:, :, t, s] · P[:, t·Wp + s + …] accumulated into a
    /// "wide" output of Ho × Wp columns (the Wp − Wo extra columns are discarded), which reads the padded image in
    /// place instead of unfolding it (im2col wrote 9× the input and cost more than the GEMM itself, see `bench`).
    /// Other strides: im2col + one GEMM.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward<S: TensorScalar>(_ x: Tensor<S>) throws -> Tensor<S> {
        let outShape = try outputShape(for: x.shape)
        let (height, width) = (x.height, x.width)
        let rows = paddedIndexMap(size: height, before: padding.height, after: padding.height, mode: paddingMode)
        let cols = paddedIndexMap(size: width, before: padding.width, after: padding.width, mode: paddingMode)
        let (outH, outW, paddedW) = (outShape[2], outShape[3], cols.count)
        let (kH, kW) = kernelSize
        let shifted = stride == (1, 1)
        let weights = shifted ? packedByShift(S.self) : weight.converted(to: S.self).scalars
        let biases = bias?.converted(to: S.self).scalars
        var output = Tensor<S>(zeros: outShape)
        // Stride 1 runs `group` images per GEMM, their padded planes side by side in each channel's row of the
        // padded buffer ([C][group][rows][paddedW]), so that small maps still make GEMMs wide enough for the BLAS
        // threads (at 32×32, per-image GEMMs spent more time in thread hand-offs than in arithmetic).
        let imageStride = rows.count * paddedW
        let group = shifted ? max(1, min(x.batch, (8192 + imageStride - 1) / imageStride)) : 1
        // kW of slack after the last plane: the discarded wide columns of the last shift read up to there.
        var padded = [S](repeating: 0, count: inChannels * group * imageStride + kW)
        let workColumns = shifted ? group * imageStride : outH * outW
        var work = [S](repeating: 0, count: (shifted ? outChannels : inChannels * kH * kW) * workColumns)
        let inPlane = inChannels * height * width, outPlane = outChannels * outH * outW
        x.scalars.withUnsafeBufferPointer { input in
            output.scalars.withUnsafeMutableBufferPointer { out in
                padded.withUnsafeMutableBufferPointer { pad in
                    work.withUnsafeMutableBufferPointer { buffer in
                        weights.withUnsafeBufferPointer { w in
                            for first in Swift.stride(from: 0, to: x.batch, by: group) {
                                let count = min(group, x.batch - first)
                                for b in 0..<count {
                                    for c in 0..<inChannels {
                                        fillPadded(
                                            input.baseAddress! + (first + b) * inPlane + c * height * width,
                                            channels: 1, height: height,
                                            width: width, rows: rows, cols: cols,
                                            into: pad.baseAddress! + (c * group + b) * imageStride)
                                    }
                                }
                                if shifted {
                                    // Columns of image b start at b · imageStride; those between images are discarded.
                                    let wide = buffer.baseAddress!, columns = (count - 1) * imageStride + outH * paddedW
                                    for t in 0..<kH {
                                        for s in 0..<kW {
                                            S.gemm(
                                                transA: false, transB: false, m: outChannels, n: columns, k: inChannels,
                                                alpha: 1, a: w.baseAddress! + (t * kW + s) * outChannels * inChannels,
                                                lda: inChannels,
                                                b: pad.baseAddress! + t * paddedW + s, ldb: group * imageStride,
                                                beta: t == 0 && s == 0 ? 0 : 1, c: wide, ldc: columns)
                                        }
                                    }
                                    for b in 0..<count {
                                        let dst = out.baseAddress! + (first + b) * outPlane
                                        for d in 0..<outChannels {
                                            for oy in 0..<outH {
                                                (dst + (d * outH + oy) * outW).update(
                                                    from: wide + d * columns + b * imageStride + oy * paddedW,
                                                    count: outW)
                                            }
                                        }
                                    }
                                } else {
                                    let patch = inChannels * kH * kW
                                    im2col(
                                        pad.baseAddress!, paddedH: rows.count, paddedW: paddedW, outH: outH, outW: outW,
                                        into: buffer.baseAddress!)
                                    S.gemm(
                                        transA: false, transB: false, m: outChannels, n: workColumns, k: patch,
                                        alpha: 1, a: w.baseAddress!, lda: patch, b: buffer.baseAddress!,
                                        ldb: workColumns,
                                        beta: 0, c: out.baseAddress! + first * outPlane, ldc: workColumns)
                                }
                                if let biases {
                                    for b in 0..<count {
                                        for d in 0..<outChannels {
                                            let plane = out.baseAddress! + (first + b) * outPlane + d * outH * outW
                                            let value = biases[d]
                                            for i in 0..<(outH * outW) { plane[i] += value }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// The weight rearranged as [kH·kW][out][in], so that each kernel tap is a contiguous D×C matrix.
    private func packedByShift<S: TensorScalar>(_: S.Type) -> [S] {
        let (kH, kW) = kernelSize
        var packed = [S](repeating: 0, count: weight.count)
        for d in 0..<outChannels {
            for c in 0..<inChannels {
                for t in 0..<kH {
                    for s in 0..<kW {
                        packed[((t * kW + s) * outChannels + d) * inChannels + c] = S(
                            weight.scalars[((d * inChannels + c) * kH + t) * kW + s])
                    }
                }
            }
        }
        return packed
    }

    /// Unfolds the padded image into a [C·kH·kW, outH·outW] matrix (row = (c, t, s), column = output pixel).
    /// Inlinable: training (another module) calls it per image, and a generic call across modules runs unspecialised.
    @inlinable
    package func im2col<S: TensorScalar>(
        _ padded: UnsafePointer<S>, paddedH: Int, paddedW: Int, outH: Int, outW: Int,
        into columns: UnsafeMutablePointer<S>
    ) {
        let (kH, kW, sH, sW) = (kernelSize.height, kernelSize.width, stride.height, stride.width)
        var row = 0
        for c in 0..<inChannels {
            let plane = padded + c * paddedH * paddedW
            for t in 0..<kH {
                for s in 0..<kW {
                    let dst = columns + row * outH * outW
                    for oy in 0..<outH {
                        let src = plane + (oy * sH + t) * paddedW + s
                        let line = dst + oy * outW
                        if sW == 1 {
                            line.update(from: src, count: outW)
                        } else {
                            for ox in 0..<outW { line[ox] = src[ox * sW] }
                        }
                    }
                    row += 1
                }
            }
        }
    }

    public var configuration: [String: JSONValue] {
        [
            "in_channels": .int(inChannels), "out_channels": .int(outChannels),
            "kernel_size": .pair(kernelSize.height, kernelSize.width), "stride": .pair(stride.height, stride.width),
            "padding": .pair(padding.height, padding.width), "padding_mode": .string(paddingMode.rawValue),
            "bias": .bool(bias != nil),
        ]
    }
}
