import SpectraCore
import SpectraNetwork

/// Pooling, normalisation and re-arrangement operators with spatial structure: MaxPool and AveragePool (any kernel,
/// strides, pads, dilations, ceil_mode, count_include_pad), LayerNormalization, PRelu, SpaceToDepth, ArgMax, ArgMin and
/// GatherElements, as the ONNX operator specification defines them. Every error names the node.
extension ONNXOperators {
    static let poolingOperators: Set = [
        "MaxPool", "AveragePool", "LayerNormalization", "PRelu", "SpaceToDepth", "ArgMax", "ArgMin",
        "GatherElements",
    ]

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func runPooling<S: TensorScalar>(
        _ node: ONNXNode, _ inputs: [TensorValue<S>?], opset: Int
    ) throws -> [TensorValue<S>]? {
        let args = ONNXInputs(node: node, values: inputs)
        switch node.opType {
        case "MaxPool", "AveragePool": return [.real(try pool(node, try args.real(0)))]
        case "LayerNormalization":
            let x = try args.real(0)
            var axis = try node.int("axis", default: -1)
            if axis < 0 { axis += x.rank }
            guard axis >= 0 && axis < x.rank else {
                throw node.error("axis out of range for \(describeShape(x.shape))")
            }
            let inner = x.shape[axis...].reduce(1, *), epsilon = Double(node.float("epsilon", default: 1e-5))
            let scale = try args.real(1)
            let bias = inputs.count > 2 && inputs[2] != nil ? try args.real(2) : nil
            guard scale.count == inner, bias == nil || bias!.count == inner else {
                throw node.error(
                    "scale and bias must hold \(inner) values (the normalised dimensions of \(describeShape(x.shape)))")
            }
            var y = x
            for row in 0..<(x.count / Swift.max(1, inner)) {
                let base = row * inner
                var mean = 0.0, square = 0.0
                for i in 0..<inner { mean += x.scalars[base + i].float64 }
                mean /= Double(inner)
                for i in 0..<inner {
                    square += (x.scalars[base + i].float64 - mean) * (x.scalars[base + i].float64 - mean)
                }
                let inverse = 1 / (square / Double(inner) + epsilon).squareRoot()
                for i in 0..<inner {
                    y.scalars[base + i] =
                        S((x.scalars[base + i].float64 - mean) * inverse) * scale.scalars[i] + (bias?.scalars[i] ?? 0)
                }
            }
            return [.real(y)]
        case "PRelu":
            let x = try args.real(0), slope = try args.real(1)
            let (out, padded) = try broadcastShapes(node, [x.shape, slope.shape])
            let indices = broadcastIndices(out, padded)
            return [
                .real(
                    try Tensor(
                        shape: out,
                        scalars: (0..<out.reduce(1, *)).map { i in
                            let v = x.scalars[indices[0][i]]
                            return v < 0 ? slope.scalars[indices[1][i]] * v : v
                        }))
            ]
        case "SpaceToDepth":
            let x = try args.real(0), b = try node.int("blocksize")
            try ResourceLimits.checkHyperparameters([b], name: "blocksize", layer: node.label)
            guard x.rank == 4, x.height % b == 0, x.width % b == 0 else {
                throw node.error("needs NCHW with H and W divisible by the blocksize")
            }
            let (n, c, h, w) = (x.batch, x.channels, x.height / b, x.width / b)
            var y = Tensor<S>(zeros: [n, c * b * b, h, w])
            // Inverse of DepthToSpace in DCR order: out[(i·b + j)·C + c, r, q] = in[c, r·b + i, q·b + j].
            for s in 0..<n {
                for ch in 0..<c {
                    for i in 0..<b {
                        for j in 0..<b {
                            for r in 0..<h {
                                for q in 0..<w { y[s, (i * b + j) * c + ch, r, q] = x[s, ch, r * b + i, q * b + j] }
                            }
                        }
                    }
                }
            }
            return [.real(y)]
        case "ArgMax", "ArgMin":  // ArgMin: a vector quantiser's nearest codebook entry (MoVQ)
            let x = try args.real(0)
            let minimum = node.opType == "ArgMin"
            var axis = try node.int("axis", default: 0)
            if axis < 0 { axis += x.rank }
            guard axis >= 0 && axis < x.rank, x.shape[axis] > 0 else {
                throw node.error("axis out of range for \(describeShape(x.shape))")
            }
            let last = try node.int("select_last_index", default: 0) == 1
            let (outer, n, inner) = (x.shape[..<axis].reduce(1, *), x.shape[axis], x.shape[(axis + 1)...].reduce(1, *))
            var result: [Int64] = []
            for o in 0..<outer {
                for j in 0..<inner {
                    var best = 0
                    for k in 1..<n {
                        let (v, current) = (x.scalars[(o * n + k) * inner + j], x.scalars[(o * n + best) * inner + j])
                        if (minimum ? v < current : v > current) || (last && v == current) { best = k }
                    }
                    result.append(Int64(best))
                }
            }
            var shape = x.shape
            if try node.int("keepdims", default: 1) == 1 { shape[axis] = 1 } else { shape.remove(at: axis) }
            return [.int64(shape: shape, values: result)]
        case "GatherElements":
            let x = try args.real(0)
            guard inputs.count > 1, case let .int64(indexShape, index)? = inputs[1], indexShape.count == x.rank else {
                throw node.error("indices must be an integer tensor of the data's rank")
            }
            var axis = try node.int("axis", default: 0)
            if axis < 0 { axis += x.rank }
            guard axis >= 0 && axis < x.rank else {
                throw node.error("axis out of range for \(describeShape(x.shape))")
            }
            let (dataStrides, indexStrides) = (strides(x.shape), strides(indexShape))
            var values: [S] = []
            for (flat, raw) in index.enumerated() {
                var rest = flat, source = 0
                for d in 0..<x.rank {
                    var coordinate = rest / indexStrides[d]
                    rest %= indexStrides[d]
                    if d == axis { coordinate = Int(raw) < 0 ? Int(raw) + x.shape[d] : Int(raw) }
                    guard coordinate >= 0 && coordinate < x.shape[d] else {
                        throw node.error("index \(raw) out of range for dimension \(x.shape[d])")
                    }
                    source += coordinate * dataStrides[d]
                }
                values.append(x.scalars[source])
            }
            return [.real(try Tensor(shape: indexShape, scalars: values))]
        default:
            return nil
        }
    }

    /// 2D MaxPool / AveragePool on NCHW: output ⌊ or ⌈ (H + pads − dilation·(k − 1) − 1) / stride ⌋ + 1, windows
    /// that start in the padding dropped in ceil mode (as onnxruntime), AveragePool dividing by the window's cells
    /// inside the input unless count_include_pad.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func pool<S: TensorScalar>(_ node: ONNXNode, _ x: Tensor<S>) throws -> Tensor<S> {
        guard x.rank == 4 else {
            throw node.error("only 2D pooling of NCHW tensors is supported, got \(describeShape(x.shape))")
        }
        guard let kernel = node.ints("kernel_shape"), kernel.count == 2 else {
            throw node.error("needs a 2-value kernel_shape")
        }
        try ResourceLimits.checkHyperparameters(kernel, name: "kernel_shape", layer: node.label)
        let (sh, sw) = try node.pair("strides", default: 1), (dh, dw) = try node.pair("dilations", default: 1)
        var pads = node.ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4 else { throw node.error("pads must have 4 values") }
        try ResourceLimits.checkHyperparameters(pads, name: "pads", layer: node.label, positive: false)
        let ceil = try node.int("ceil_mode", default: 0) == 1
        let autoPad = node.string("auto_pad", default: "NOTSET")
        func outputSize(_ size: Int, _ k: Int, _ s: Int, _ d: Int, _ before: Int, _ after: Int) -> Int {
            let span = size + before + after - d * (k - 1) - 1
            guard span >= 0 else { return 0 }
            var out = (ceil ? (span + s - 1) / s : span / s) + 1
            if ceil && (out - 1) * s >= size + before { out -= 1 }  // the last window would start in the padding
            return out
        }
        if autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
            func total(_ size: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
                Swift.max(0, ((size + s - 1) / s - 1) * s + d * (k - 1) + 1 - size)
            }
            let (th, tw) = (total(x.height, kernel[0], sh, dh), total(x.width, kernel[1], sw, dw))
            let upper = autoPad == "SAME_UPPER"
            pads = [
                upper ? th / 2 : th - th / 2, upper ? tw / 2 : tw - tw / 2, upper ? th - th / 2 : th / 2,
                upper ? tw - tw / 2 : tw / 2,
            ]
        } else if autoPad == "VALID" {
            pads = [0, 0, 0, 0]
        }
        let outH = outputSize(x.height, kernel[0], sh, dh, pads[0], pads[2]),
            outW = outputSize(x.width, kernel[1], sw, dw, pads[1], pads[3])
        guard outH > 0, outW > 0 else {
            throw node.error("the window is larger than the padded input \(describeShape(x.shape))")
        }
        try ResourceLimits.checkAllocation([x.batch, x.channels, outH, outW], layer: node.label)
        let isMax = node.opType == "MaxPool"
        let includePad = try node.int("count_include_pad", default: 0) == 1
        var y = Tensor<S>(zeros: [x.batch, x.channels, outH, outW])
        for p in 0..<(x.batch * x.channels) {
            for i in 0..<outH {
                for j in 0..<outW {
                    var best = -S.infinity, sum = 0.0, inside = 0, cells = 0
                    for t in 0..<kernel[0] {
                        let r = i * sh + t * dh - pads[0]
                        for s in 0..<kernel[1] {
                            let c = j * sw + s * dw - pads[1]
                            // Cells in the explicit padding count for count_include_pad; beyond it (ceil mode) never.
                            if r < x.height + pads[2] && c < x.width + pads[3] { cells += 1 }
                            guard r >= 0 && r < x.height && c >= 0 && c < x.width else { continue }
                            let v = x.scalars[(p * x.height + r) * x.width + c]
                            best = v > best || v.isNaN ? v : best
                            sum += v.float64
                            inside += 1
                        }
                    }
                    y.scalars[(p * outH + i) * outW + j] =
                        isMax ? best : S(sum / Double(Swift.max(1, includePad ? cells : inside)))
                }
            }
        }
        return y
    }
}
