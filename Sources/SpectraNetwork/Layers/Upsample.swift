import RealModule
import SpectraCore

/// `torch.nn.Upsample` with an integer `scale_factor`, plus the paper's zero insertion (docs/theory.md §5, Eq. 10).
public struct Upsample: Layer {
    /// How the new pixels are filled.
    public enum Mode: String, Sendable, CaseIterable {
        /// Copies each pixel into a scale×scale block (PyTorch `mode='nearest'`).
        case nearest
        /// PyTorch `mode='bilinear'`, with `align_corners` as given (default false).
        case bilinear
        /// The paper's upsampling (Eq. 10): the sample at the top-left of each block, zeros elsewhere.
        case zeros
    }

    public let scaleFactor: Int
    public let mode: Mode
    public let alignCorners: Bool

    public var typeName: String { "Upsample" }

    /// Upsampling by an integer factor.
    ///
    /// Shape: input [B, C, H, W] → output [B, C, s·H, s·W].
    ///
    /// - Parameters:
    ///   - scaleFactor: s ≥ 1, the same on both axes (PyTorch's `scale_factor`).
    ///   - mode: `.nearest` (default), `.bilinear`, or the paper's `.zeros` (zero insertion, Eq. 10).
    ///   - alignCorners: PyTorch's `align_corners` for `.bilinear`.
    /// - Throws: `SpectraError.invalidLayer` for a factor below 1 or over the hyper-parameter cap.
    public init(scaleFactor: Int, mode: Mode = .nearest, alignCorners: Bool = false) throws {
        guard scaleFactor >= 1, scaleFactor <= ResourceLimits.maximumHyperparameter else {
            throw SpectraError.invalidLayer(
                layer: "Upsample",
                reason:
                    "scale_factor must be an integer from 1 to \(ResourceLimits.maximumHyperparameter), got \(scaleFactor)"
            )
        }
        if alignCorners && mode != .bilinear {
            throw SpectraError.invalidLayer(
                layer: "Upsample", reason: "align_corners is only valid with mode 'bilinear'")
        }
        self.scaleFactor = scaleFactor
        self.mode = mode
        self.alignCorners = alignCorners
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        try requireNCHW(input, channels: nil)
        return [input[0], input[1], input[2] * scaleFactor, input[3] * scaleFactor]
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward<S: TensorScalar>(_ x: Tensor<S>) throws -> Tensor<S> {
        let outShape = try outputShape(for: x.shape)
        let (h, w, outH, outW) = (x.height, x.width, outShape[2], outShape[3])
        var output = Tensor<S>(zeros: outShape)
        let planes = x.batch * x.channels
        let rowTaps = interpolationTaps(inSize: h, outSize: outH)
        let colTaps = interpolationTaps(inSize: w, outSize: outW)
        x.scalars.withUnsafeBufferPointer { input in
            output.scalars.withUnsafeMutableBufferPointer { out in
                for p in 0..<planes {
                    let src = input.baseAddress! + p * h * w
                    let dst = out.baseAddress! + p * outH * outW
                    switch mode {
                    case .zeros:
                        for i in 0..<h {
                            for j in 0..<w { dst[i * scaleFactor * outW + j * scaleFactor] = src[i * w + j] }
                        }
                    case .nearest:
                        // Each input row widened once (every value repeated), then copied to the other rows of its
                        // block: no division per output value.
                        for i in 0..<h {
                            let (srcRow, first) = (src + i * w, dst + i * scaleFactor * outW)
                            for j in 0..<w {
                                for k in 0..<scaleFactor { first[j &* scaleFactor &+ k] = srcRow[j] }
                            }
                            for r in 1..<scaleFactor { (first + r * outW).update(from: first, count: outW) }
                        }
                    case .bilinear:
                        for y in 0..<outH {
                            let r = rowTaps[y]
                            for x in 0..<outW {
                                let c = colTaps[x]
                                let cw = S(c.weight), rw = S(r.weight)
                                let top = (1 - cw) * src[r.low * w + c.low] + cw * src[r.low * w + c.high]
                                let bottom = (1 - cw) * src[r.high * w + c.low] + cw * src[r.high * w + c.high]
                                dst[y * outW + x] = (1 - rw) * top + rw * bottom
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// Source taps of bilinear interpolation along one axis, as `torch.nn.functional.interpolate` computes them:
    /// src = (dst + 0.5)/scale − 0.5 clamped at 0 (align_corners=false), or dst·(in−1)/(out−1) (align_corners=true).
    package func interpolationTaps(inSize: Int, outSize: Int) -> [(low: Int, high: Int, weight: Double)] {
        guard mode == .bilinear else { return [] }
        return (0..<outSize).map { dst in
            var src: Double
            if alignCorners {
                src = outSize > 1 ? Double(dst) * Double(inSize - 1) / Double(outSize - 1) : 0
            } else {
                src = max((Double(dst) + 0.5) / Double(scaleFactor) - 0.5, 0)
            }
            let low = min(Int(src), inSize - 1)
            let high = min(low + 1, inSize - 1)
            return (low, high, src - Double(low))
        }
    }

    public var configuration: [String: JSONValue] {
        ["scale_factor": .int(scaleFactor), "mode": .string(mode.rawValue), "align_corners": .bool(alignCorners)]
    }
}
