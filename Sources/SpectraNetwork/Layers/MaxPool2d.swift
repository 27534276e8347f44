import SpectraCore

/// `torch.nn.MaxPool2d(kernel_size, stride=kernel_size, padding=0)` (dilation 1, floor mode): for encoders.
/// Max-pooling is outside the paper's analysis (docs/theory.md §2.5): it has no frequency rule.
public struct MaxPool2d: Layer {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int

    public var typeName: String { "MaxPool2d" }

    /// Max pooling with PyTorch's defaults.
    ///
    /// Shape: input [B, C, H, W] → output [B, C, ⌊(H + 2p − k)/s⌋ + 1, ⌊(W + 2p − k)/s⌋ + 1].
    ///
    /// - Parameters:
    ///   - kernelSize: k, the window on both axes.
    ///   - stride: s; nil means k (PyTorch's default).
    ///   - padding: p (implicit −∞), at most k/2.
    /// - Throws: `SpectraError.invalidLayer` for a non-positive kernel or stride, or padding over half the kernel.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) throws {
        let stride = stride ?? kernelSize
        try ResourceLimits.checkHyperparameters(
            [kernelSize, stride], name: "kernel_size and stride", layer: "MaxPool2d")
        guard padding >= 0, padding * 2 <= kernelSize else {
            throw SpectraError.invalidLayer(
                layer: "MaxPool2d",
                reason: "kernel_size and stride must be positive and padding at most half the kernel")
        }
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        try requireNCHW(input, channels: nil)
        // The window must fit the padded input (a larger kernel would truncate toward one output of an empty window).
        guard input[2] + 2 * padding >= kernelSize, input[3] + 2 * padding >= kernelSize else {
            throw SpectraError.shapeMismatch(
                layer: LayerScope.name(typeName: typeName), expected: "an input at least the kernel size \(kernelSize)",
                got: input)
        }
        let (h, w) = (
            (input[2] + 2 * padding - kernelSize) / stride + 1, (input[3] + 2 * padding - kernelSize) / stride + 1
        )
        guard h > 0, w > 0 else {
            throw SpectraError.shapeMismatch(
                layer: LayerScope.name(typeName: typeName), expected: "an input at least the kernel size", got: input)
        }
        return [input[0], input[1], h, w]
    }

    /// The flat input index of each output's maximum (the first one on ties, as PyTorch's CPU kernel).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    package func argmax<S: TensorScalar>(_ x: Tensor<S>) throws -> (Tensor<S>, [Int]) {
        let shape = try outputShape(for: x.shape)
        var y = Tensor<S>(zeros: shape)
        var indices = [Int](repeating: 0, count: y.count)
        let (h, w, outH, outW) = (x.height, x.width, shape[2], shape[3])
        x.scalars.withUnsafeBufferPointer { input in
            y.scalars.withUnsafeMutableBufferPointer { output in
                indices.withUnsafeMutableBufferPointer { argmax in
                    // Without padding every window lies inside the map (floor output size): no bounds tests.
                    if padding == 0 {
                        for p in 0..<(x.batch * x.channels) {
                            for i in 0..<outH {
                                for j in 0..<outW {
                                    var index = (p * h + i * stride) * w + j * stride
                                    var best = input[index]
                                    for t in 0..<kernelSize {
                                        let row = (p * h + i * stride + t) * w + j * stride
                                        for s in 0..<kernelSize where input[row + s] > best {
                                            best = input[row + s]
                                            index = row + s
                                        }
                                    }
                                    output[(p * outH + i) * outW + j] = best
                                    argmax[(p * outH + i) * outW + j] = index
                                }
                            }
                        }
                        return
                    }
                    for p in 0..<(x.batch * x.channels) {
                        for i in 0..<outH {
                            for j in 0..<outW {
                                var best = -S.infinity, index = -1
                                for t in 0..<kernelSize {
                                    let r = i * stride + t - padding
                                    guard r >= 0 && r < h else { continue }
                                    for s in 0..<kernelSize {
                                        let c = j * stride + s - padding
                                        guard c >= 0 && c < w else { continue }
                                        let k = (p * h + r) * w + c
                                        if input[k] > best || index < 0 {
                                            best = input[k]
                                            index = k
                                        }
                                    }
                                }
                                output[(p * outH + i) * outW + j] = best
                                argmax[(p * outH + i) * outW + j] = index
                            }
                        }
                    }
                }
            }
        }
        return (y, indices)
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward<S: TensorScalar>(_ x: Tensor<S>) throws -> Tensor<S> { try argmax(x).0 }

    public var configuration: [String: JSONValue] {
        ["kernel_size": .int(kernelSize), "stride": .int(stride), "padding": .int(padding)]
    }

    public func spectralRule(for input: [Int]) -> SpectralRule {
        .unavailable("max-pooling is not analysed by the theory (docs/theory.md §2.5)")
    }

    public func propagate<S: TensorScalar>(_ spectrum: Spectrum<S>) throws -> Spectrum<S> {
        throw SpectraError.invalidLayer(
            layer: LayerScope.described(typeName: typeName), reason: "has no frequency rule")
    }
}
