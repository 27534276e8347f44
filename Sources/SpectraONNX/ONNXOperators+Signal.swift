import Foundation
import SpectraCore
import SpectraNetwork

/// DFT (opsets 17–20), the operator torch's dynamo exporter writes for `torch.fft.rfftn`/`irfftn` (LaMa's Fourier
/// units): a discrete Fourier transform along one axis of a tensor whose last dimension holds (real) or (real,
/// imaginary), as the ONNX specification defines it — y[k] = Σ_n x[n] e^{−2πikn/N}, the inverse with e^{+2πikn/N} and
/// 1/N; `dft_length` N zero-pads or truncates the signal; `onesided` returns the first ⌊N/2⌋ + 1 frequencies of a real
/// signal's transform, or (with `inverse`) takes them and returns the real signal of length N (default 2·(m − 1)),
/// the missing half by conjugate symmetry. Computed in Float64 with one table of twiddle factors per transform:
/// O(N²) per transformed line, meant for the map sizes of decoders (checked against onnxruntime in the ops fixtures).
extension ONNXOperators {
    static let signalOperators: Set = ["DFT"]

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func runSignal<S: TensorScalar>(
        _ node: ONNXNode, _ inputs: [TensorValue<S>?], opset: Int
    ) throws -> [TensorValue<S>]? {
        guard node.opType == "DFT" else { return nil }
        let args = ONNXInputs(node: node, values: inputs)
        let x = try args.real(0)
        let length = try args.integers(1)?.first
        let axis = opset >= 20 ? try args.integers(2)?.first ?? -2 : try node.int("axis", default: 1)
        return [
            .real(
                try dft(
                    node, x, length: length, axis: axis, inverse: try node.int("inverse", default: 0) == 1,
                    onesided: try node.int("onesided", default: 0) == 1))
        ]
    }

    static func dft<S: TensorScalar>(
        _ node: ONNXNode, _ x: Tensor<S>, length: Int?, axis requested: Int, inverse: Bool,
        onesided: Bool
    ) throws -> Tensor<S> {
        let rank = x.rank
        guard rank >= 2, let parts = x.shape.last, parts == 1 || parts == 2 else {
            throw node.error("needs a last dimension of 1 (real) or 2 (complex), got \(describeShape(x.shape))")
        }
        let axis = requested < 0 ? requested + rank : requested
        guard axis >= 0, axis < rank - 1 else {
            throw node.error("axis \(requested) is not a signal axis of \(describeShape(x.shape))")
        }
        let available = x.shape[axis]
        let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)..<(rank - 1)].reduce(1, *)
        // N: the transform length; m: the input points read; count: the output points written.
        let n: Int, count: Int
        if inverse && onesided {
            guard parts == 2 else { throw node.error("an inverse one-sided DFT needs a complex input") }
            n = length ?? 2 * (available - 1)
            count = n
        } else {
            if onesided && parts == 2 { throw node.error("a one-sided DFT needs a real input (last dimension 1)") }
            n = length ?? available
            count = onesided ? n / 2 + 1 : n
        }
        guard n >= 1, n <= 1 << 16 else { throw node.error("DFT length \(n) is outside 1 … 65536") }
        var shape = x.shape
        shape[axis] = count
        shape[rank - 1] = inverse && onesided ? 1 : 2
        try ResourceLimits.checkAllocation(shape, layer: node.label)
        let cosines = (0..<n).map { cos(2 * Double.pi * Double($0) / Double(n)) }
        let sines = (0..<n).map { (inverse ? 1.0 : -1.0) * sin(2 * Double.pi * Double($0) / Double(n)) }
        let outParts = shape[rank - 1]
        var y = Tensor<S>(zeros: shape)
        var re = [Double](repeating: 0, count: n), im = re
        for o in 0..<outer {
            for i in 0..<inner {
                // The input line, zero-padded or truncated to N (one-sided inverse: completed by conjugate symmetry).
                for k in 0..<n {
                    re[k] = 0
                    im[k] = 0
                }
                func read(_ k: Int) -> (Double, Double) {
                    let base = ((o * available + k) * inner + i) * parts
                    return (x.scalars[base].float64, parts == 2 ? x.scalars[base + 1].float64 : 0)
                }
                if inverse && onesided {
                    for k in 0..<n {
                        if k < available {
                            (re[k], im[k]) = read(k)
                        } else if n - k < available {
                            let (a, b) = read(n - k)
                            (re[k], im[k]) = (a, -b)
                        }
                    }
                } else {
                    for k in 0..<min(n, available) { (re[k], im[k]) = read(k) }
                }
                let scale = inverse ? 1 / Double(n) : 1
                for k in 0..<count {
                    var sumRe = 0.0, sumIm = 0.0, index = 0
                    for t in 0..<n {
                        let (c, s) = (cosines[index], sines[index])
                        sumRe += re[t] * c - im[t] * s
                        sumIm += re[t] * s + im[t] * c
                        index += k
                        if index >= n { index -= n }
                    }
                    let base = ((o * count + k) * inner + i) * outParts
                    y.scalars[base] = S(sumRe * scale)
                    if outParts == 2 { y.scalars[base + 1] = S(sumIm * scale) }
                }
            }
        }
        return y
    }
}
