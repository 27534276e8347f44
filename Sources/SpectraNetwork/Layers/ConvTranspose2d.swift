import RealModule
import SpectraCore

/// `torch.nn.ConvTranspose2d` (groups = 1, dilation = 1): weight [in, out, kH, kW]; output size
/// (H − 1)·stride − 2·padding + kH + output_padding per axis. Run as GEMM (Wᵀ·X) followed by col2im.
public struct ConvTranspose2d: WeightAndBiasLayer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: (height: Int, width: Int)
    public let stride: (height: Int, width: Int)
    public let padding: (height: Int, width: Int)
    public let outputPadding: (height: Int, width: Int)
    public package(set) var weight: Tensor<Float>
    public package(set) var bias: Tensor<Float>?

    public var typeName: String { "ConvTranspose2d" }

    /// A transposed convolution with PyTorch's argument names and defaults.
    ///
    /// Shape: input [B, C_in, H, W] → output [B, C_out, (H − 1)·s_h − 2p_h + k_h + op_h, (W − 1)·s_w − 2p_w + k_w + op_w].
    ///
    /// - Parameters:
    ///   - inChannels: C_in, the channels of the input (the weight is [C_in, C_out, k_h, k_w], as in PyTorch).
    ///   - outChannels: C_out, the channels of the output.
    ///   - kernelSize: (k_h, k_w).
    ///   - stride: (s_h, s_w); a stride s upsamples by s (zero insertion followed by a convolution, §5).
    ///   - padding: (p_h, p_w), removed from both sides of the full output.
    ///   - outputPadding: (op_h, op_w), added to one side of the output (each smaller than the stride).
    ///   - bias: whether the layer adds a learnable bias per output channel.
    ///   - initializer: how weight and bias are drawn.
    ///   - generator: the seeded generator the initial weights are drawn from.
    /// - Throws: `SpectraError.invalidLayer` for non-positive channels, kernel or stride, negative padding, or
    ///   sizes over the hyper-parameter caps.
    ///
    /// Complexity: O(B · C_in · C_out · k_h · k_w · H · W) (one GEMM and a col2im).
    public init(
        inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0), bias: Bool = true,
        initializer: Initializer = .pytorchDefault, generator: inout SeededGenerator
    ) throws {
        guard inChannels > 0, outChannels > 0, kernelSize.0 > 0, kernelSize.1 > 0, stride.0 > 0, stride.1 > 0,
            padding.0 >= 0, padding.1 >= 0, outputPadding.0 >= 0, outputPadding.1 >= 0,
            outputPadding.0 < stride.0, outputPadding.1 < stride.1
        else {
            throw SpectraError.invalidLayer(
                layer: "ConvTranspose2d",
                reason: "channels, kernel_size, stride must be positive, padding non-negative and "
                    + "output_padding smaller than stride (kernel \(kernelSize), stride \(stride), "
                    + "padding \(padding), output_padding \(outputPadding))")
        }
        try ResourceLimits.checkConvolution(
            layer: "ConvTranspose2d", inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize,
            stride: stride,
            padding: padding)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        let shape = [inChannels, outChannels, kernelSize.0, kernelSize.1]
        weight = initializer.weight(shape: shape, using: &generator)
        self.bias = bias ? initializer.bias(count: outChannels, weightShape: shape, using: &generator) : nil
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        try requireNCHW(input, channels: inChannels)
        let outH = (input[2] - 1) * stride.height - 2 * padding.height + kernelSize.height + outputPadding.height
        let outW = (input[3] - 1) * stride.width - 2 * padding.width + kernelSize.width + outputPadding.width
        guard outH > 0, outW > 0 else {
            throw SpectraError.shapeMismatch(
                layer: LayerScope.name(typeName: typeName),
                expected: "an input large enough for a positive output size",
                got: input)
        }
        return [input[0], outChannels, outH, outW]
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward<S: TensorScalar>(_ x: Tensor<S>) throws -> Tensor<S> {
        let outShape = try outputShape(for: x.shape)
        let (height, width, outH, outW) = (x.height, x.width, outShape[2], outShape[3])
        let (kH, kW) = kernelSize
        let rowsOfColumns = outChannels * kH * kW
        let weights = weight.converted(to: S.self).scalars
        let biases = bias?.converted(to: S.self).scalars
        try ResourceLimits.checkAllocation(
            [rowsOfColumns, height, width], layer: LayerScope.name(typeName: typeName), what: "its column buffer")
        var output = Tensor<S>(zeros: outShape)
        var columns = [S](repeating: 0, count: rowsOfColumns * height * width)
        x.scalars.withUnsafeBufferPointer { input in
            output.scalars.withUnsafeMutableBufferPointer { out in
                columns.withUnsafeMutableBufferPointer { col in
                    weights.withUnsafeBufferPointer { w in
                        for b in 0..<x.batch {
                            // columns[(d, t, s), (i, j)] = Σ_c W[c, d, t, s] · x[c, i, j]
                            S.gemm(
                                transA: true, transB: false, m: rowsOfColumns, n: height * width, k: inChannels,
                                alpha: 1, a: w.baseAddress!, lda: rowsOfColumns,
                                b: input.baseAddress! + b * inChannels * height * width, ldb: height * width,
                                beta: 0, c: col.baseAddress!, ldc: height * width)
                            let dst = out.baseAddress! + b * outChannels * outH * outW
                            col2im(col.baseAddress!, height: height, width: width, outH: outH, outW: outW, into: dst)
                            if let biases {
                                for d in 0..<outChannels {
                                    let plane = dst + d * outH * outW
                                    for i in 0..<(outH * outW) { plane[i] += biases[d] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Scatter-adds column (d, t, s) of input pixel (i, j) to output pixel (i·sH + t − pH, j·sW + s − pW).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func col2im<S: TensorScalar>(
        _ columns: UnsafePointer<S>, height: Int, width: Int, outH: Int, outW: Int, into output: UnsafeMutablePointer<S>
    ) {
        let (kH, kW) = kernelSize
        for d in 0..<outChannels {
            let plane = output + d * outH * outW
            for t in 0..<kH {
                for s in 0..<kW {
                    let src = columns + ((d * kH + t) * kW + s) * height * width
                    for i in 0..<height {
                        let y = i * stride.height + t - padding.height
                        guard y >= 0 && y < outH else { continue }
                        for j in 0..<width {
                            let x = j * stride.width + s - padding.width
                            if x >= 0 && x < outW { plane[y * outW + x] += src[i * width + j] }
                        }
                    }
                }
            }
        }
    }

    public var configuration: [String: JSONValue] {
        [
            "in_channels": .int(inChannels), "out_channels": .int(outChannels),
            "kernel_size": .pair(kernelSize.height, kernelSize.width), "stride": .pair(stride.height, stride.width),
            "padding": .pair(padding.height, padding.width),
            "output_padding": .pair(outputPadding.height, outputPadding.width), "bias": .bool(bias != nil),
        ]
    }
}
