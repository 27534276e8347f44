import SpectraCore
import SpectraNetwork

/// Resize (opsets 10–21) and Upsample (7–9) in general, for the configurations that are not an integer `Upsample`
/// layer: any scales or sizes on H and W, nearest with every nearest_mode, linear, and cubic with cubic_coeff_a and
/// exclude_outside, under every coordinate_transformation_mode except tf_crop_and_resize, and `antialias` (opset 18:
/// linear and cubic filters stretched by 1/scale when shrinking, as onnxruntime and Pillow do). Separable: each output pixel
/// is a weighted sum of input rows times input columns, with the weights of the ONNX specification (edge samples
/// repeated outside the input).
extension ONNXOperators {
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func resize<S: TensorScalar>(_ node: ONNXNode, _ inputs: [TensorValue<S>?], opset: Int) throws -> Tensor<S> {
        guard case let .real(x)? = inputs.first ?? nil, x.rank == 4 else {
            throw node.error("needs a 4D NCHW float input")
        }
        func values(_ i: Int) -> [Double]? {
            guard i < inputs.count, let value = inputs[i], value.shape.reduce(1, *) > 0 else { return nil }
            switch value {
            case let .real(t): return t.scalars.map { $0.float64 }
            case let .int64(_, v): return v.map(Double.init)
            }
        }
        var scales: [Double]
        var sizes: [Int]
        if node.opType == "Upsample" {
            guard let given = node.attributes["scales"].map({ $0.floats.map(Double.init) }) ?? values(1),
                given.count == 4
            else {
                throw node.error("needs 4 scales")
            }
            scales = given
            sizes = zip(x.shape, given).map { Int((Double($0) * $1).rounded(.down)) }
        } else if let given = values(opset >= 11 ? 2 : 1), given.count == 4 {
            scales = given
            sizes = zip(x.shape, given).map { Int((Double($0) * $1).rounded(.down)) }
        } else if opset >= 11, let given = values(3), given.count == 4 {
            sizes = given.map { Int($0) }
            scales = zip(sizes, x.shape).map { Double($0) / Double($1) }
        } else {
            throw node.error("needs 4 scales or 4 sizes")
        }
        guard sizes[0] == x.batch, sizes[1] == x.channels, scales.allSatisfy({ $0 > 0 && $0.isFinite }),
            sizes.allSatisfy({ $0 > 0 })
        else {
            throw node.error(
                "only H and W can be resized, by positive finite factors (scales \(scales), sizes \(sizes))")
        }
        try ResourceLimits.checkAllocation(sizes, layer: node.label)
        let mode = node.string("mode", default: "nearest")
        let transform =
            node.opType == "Upsample"
            ? "asymmetric" : node.string("coordinate_transformation_mode", default: "half_pixel")
        guard
            ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric"].contains(
                transform)
        else {
            throw node.error("coordinate_transformation_mode '\(transform)' is not supported")
        }
        let antialias = try node.int("antialias", default: 0) == 1 && mode != "nearest"
        func axisWeights(_ input: Int, _ output: Int, _ scale: Double) throws -> [[(Int, Double)]] {
            antialias && scale < 1
                ? antialiasedWeights(
                    node, cubic: mode == "cubic", transform: transform, input: input, output: output, scale: scale)
                : try weights(node, mode: mode, transform: transform, input: input, output: output, scale: scale)
        }
        let rows = try axisWeights(x.height, sizes[2], scales[2])
        let columns = try axisWeights(x.width, sizes[3], scales[3])
        var y = Tensor<S>(zeros: sizes)
        let (outH, outW) = (sizes[2], sizes[3])
        for p in 0..<(x.batch * x.channels) {
            let plane = p * x.height * x.width
            for i in 0..<outH {
                for j in 0..<outW {
                    var sum = 0.0
                    for (r, wr) in rows[i] {
                        for (c, wc) in columns[j] { sum += wr * wc * x.scalars[plane + r * x.width + c].float64 }
                    }
                    y.scalars[(p * outH + i) * outW + j] = S(sum)
                }
            }
        }
        return y
    }

    /// Antialiased weights when shrinking (`antialias` = 1): the linear (triangle) or cubic filter stretched by 1/scale
    /// around each output pixel's source coordinate, sampled at the input pixel centres and renormalised to sum 1
    /// (onnxruntime's upsample_antialias, Pillow's resampling). Taps beyond the input count at the edge pixels (edge
    /// samples repeated), or are left out with `exclude_outside` (Pillow's behaviour).
    static func antialiasedWeights(
        _ node: ONNXNode, cubic: Bool, transform: String, input: Int, output: Int, scale: Double
    ) -> [[(Int, Double)]] {
        let a = Double(node.float("cubic_coeff_a", default: -0.75))
        let excludeOutside = (try? node.int("exclude_outside", default: 0)) == 1
        let support = (cubic ? 2.0 : 1.0) / scale
        func filter(_ d: Double) -> Double {
            let d = abs(d)
            if !cubic { return max(0, 1 - d) }
            if d < 1 { return ((a + 2) * d - (a + 3)) * d * d + 1 }
            if d < 2 { return ((a * d - 5 * a) * d + 8 * a) * d - 4 * a }
            return 0
        }
        return (0..<output).map { o in
            let centre =
                sourceCoordinate(Double(o), transform: transform, input: input, output: output, scale: scale) + 0.5
            var first = Int((centre - support + 0.5).rounded(.down)), end = Int((centre + support + 0.5).rounded(.down))
            if excludeOutside { (first, end) = (max(0, first), min(input, end)) }
            var weights: [Int: Double] = [:]
            var total = 0.0
            for i in first..<max(first, end) {
                let w = filter((Double(i) - centre + 0.5) * scale)
                weights[min(max(i, 0), input - 1), default: 0] += w
                total += w
            }
            guard total != 0 else { return [(min(max(Int(centre), 0), input - 1), 1)] }
            return weights.sorted { $0.key < $1.key }.map { ($0.key, $0.value / total) }
        }
    }

    /// The input coordinate of output index `x` under a coordinate_transformation_mode.
    static func sourceCoordinate(_ x: Double, transform: String, input: Int, output: Int, scale: Double) -> Double {
        switch transform {
        case "pytorch_half_pixel": return output > 1 ? (x + 0.5) / scale - 0.5 : 0
        case "align_corners": return output == 1 ? 0 : x * Double(input - 1) / Double(output - 1)
        case "asymmetric": return x / scale
        case "half_pixel_symmetric":
            let adjustment = Double(output) / (scale * Double(input)), center = Double(input) / 2
            return center * (1 - adjustment) + (x + 0.5) / scale - 0.5
        default: return (x + 0.5) / scale - 0.5
        }
    }

    /// For each output index along one axis, the input indices and weights that make it.
    static func weights(
        _ node: ONNXNode, mode: String, transform: String, input: Int, output: Int, scale: Double
    ) throws -> [[(Int, Double)]] {
        func source(_ x: Int) -> Double {
            sourceCoordinate(Double(x), transform: transform, input: input, output: output, scale: scale)
        }
        func clamp(_ i: Int) -> Int { Swift.min(Swift.max(i, 0), input - 1) }
        switch mode {
        case "nearest":
            let rounding = node.string("nearest_mode", default: "round_prefer_floor")
            return try (0..<output).map { x in
                let s = source(x)
                let index: Double
                switch rounding {
                case "round_prefer_floor": index = s == s.rounded(.down) + 0.5 ? s.rounded(.down) : s.rounded()
                case "round_prefer_ceil": index = s == s.rounded(.down) + 0.5 ? s.rounded(.up) : s.rounded()
                case "floor": index = s.rounded(.down)
                case "ceil": index = s.rounded(.up)
                default: throw node.error("nearest_mode '\(rounding)' is not supported")
                }
                return [(clamp(Int(index)), 1)]
            }
        case "linear":
            return (0..<output).map { x in
                let s = Swift.min(Swift.max(source(x), 0), Double(input - 1))
                let low = Int(s.rounded(.down)), t = s - Double(low)
                return t == 0 ? [(low, 1)] : [(low, 1 - t), (clamp(low + 1), t)]
            }
        case "cubic":
            let a = Double(node.float("cubic_coeff_a", default: -0.75))
            let excludeOutside = try node.int("exclude_outside", default: 0) == 1
            return (0..<output).map { x in
                let s = source(x), low = Int(s.rounded(.down)), t = s - Double(low)
                let distances = [1 + t, t, 1 - t, 2 - t]
                var taps = (0..<4).map { k -> (Int, Double) in
                    let d = distances[k]
                    let w = d <= 1 ? ((a + 2) * d - (a + 3)) * d * d + 1 : ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
                    return (low - 1 + k, w)
                }
                if excludeOutside {
                    taps = taps.filter { $0.0 >= 0 && $0.0 < input }
                    let total = taps.reduce(0) { $0 + $1.1 }
                    taps = taps.map { ($0.0, $0.1 / total) }
                }
                return taps.map { (clamp($0.0), $0.1) }
            }
        default:
            throw node.error("mode '\(mode)' is not one of nearest, linear, cubic")
        }
    }
}
