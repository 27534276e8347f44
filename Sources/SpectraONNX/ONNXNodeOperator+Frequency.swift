import ComplexModule
import Foundation
import SpectraCore
import SpectraNetwork

/// The frequency half of ONNX nodes that are not plain layers (docs/theory.md §2): exact linear rules for Add/Sub
/// (sum of spectra, or a constant term at DC), Concat on channels, Identity, Dropout, Mul by a constant scalar or
/// per-channel factor, grouped Conv (block-diagonal T), DepthToSpace (tiling with phase shifts), torch's circular
/// padding (Slice/Concat wrap + unpadded Conv, recognised value by value) and run-time layers; none elsewhere.
extension ONNXNodeOperator {
    /// The node's rule and predicted spectrum from the (chained) spectra of its inputs; nil when there is no rule.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func predict<S: TensorScalar>(
        _ spectra: [Spectrum<S>?], inputs: [TensorValue<S>?], context: GraphContext<S>
    ) throws
        -> FrequencyPrediction<S>?
    {
        if let (conv, source) = try circularConvolution(context) ?? paddedConvolution(context),
            let g = context.spectra[source]
        {
            let rule = conv.spectralRule(for: g.shape)
            if case .unavailable = rule { return FrequencyPrediction(rule, nil) }
            return FrequencyPrediction(rule, try conv.propagate(g))
        }
        if let layer = try ONNXLayers.layer(for: node, values: ONNXLookup(context), opset: opset) {
            return try LayerOperator(layer).predict(spectra, inputs: inputs, context: context)
        }
        switch node.opType {
        case "Identity", "Dropout":
            guard let g = spectra.first ?? nil else { return nil }
            return FrequencyPrediction(.exact("identity"), g)
        case "Add", "Sub":
            // A constant scalar or per-channel term only moves the DC value by MN·b (docs/theory.md §1.4, "Bias").
            if let (k, factor) = constantOperand(inputs, context: context), let g = spectra[1 - k] {
                guard let perChannel = channelValues(factor, channels: g.channels) else {
                    return FrequencyPrediction(.unavailable("sum with a constant spatial map"), nil)
                }
                var out = g
                if k == 0 && node.opType == "Sub" { for i in out.values.indices { out.values[i] = -out.values[i] } }
                let sign: Double = k == 1 && node.opType == "Sub" ? -1 : 1
                SpectralOperations.addBias(perChannel.map { sign * Double($0) }, to: &out)
                return FrequencyPrediction(.exact("constant term at DC (MN·b)"), out)
            }
            guard spectra.count == 2, let a = spectra[0], let b = spectra[1], a.shape == b.shape else { return nil }
            var sum = a
            let sign: S = node.opType == "Add" ? 1 : -1
            for i in sum.values.indices { sum.values[i] += b.values[i].multiplied(by: sign) }
            return FrequencyPrediction(.exact("linearity of the DFT (sum of spectra)"), sum)
        case "Concat":
            guard (try? node.int("axis")) == 1, spectra.allSatisfy({ $0?.rank4 == true }) else { return nil }
            return FrequencyPrediction(
                .exact("channel concatenation"), Spectrum.concatenatingChannels(spectra.compactMap { $0 }))
        case "Mul", "Div":
            // Exact when one factor is a constant scalar or per-channel factor (for Div, the divisor: x / c = x · 1/c);
            // a product of two feature maps is a convolution of their spectra (frequencies mix).
            guard let (k, factor) = constantOperand(inputs, context: context) else {
                return FrequencyPrediction(
                    .unavailable("product of two feature maps: their spectra are convolved"), nil)
            }
            if node.opType == "Div" && k == 0 {
                return FrequencyPrediction(.unavailable("a constant divided by a feature map"), nil)
            }
            guard let g = spectra[1 - k] else { return nil }
            guard var perChannel = channelValues(factor, channels: g.channels) else {
                return FrequencyPrediction(.unavailable("element-wise product with a spatial map"), nil)
            }
            if node.opType == "Div" { perChannel = perChannel.map { 1 / $0 } }
            var out = g
            for b in 0..<g.batch {
                for c in 0..<g.channels {
                    let base = (b * g.channels + c) * g.planeSize
                    for i in base..<(base + g.planeSize) { out.values[i] = out.values[i].multiplied(by: perChannel[c]) }
                }
            }
            return FrequencyPrediction(
                .exact(node.opType == "Div" ? "division by a constant factor" : "multiplication by a constant factor"),
                out)
        case "Conv":
            // Reached for grouped convolutions: T is block-diagonal, one block per group (Theorem 3.2 per group).
            guard let g = spectra.first ?? nil, let weight = try ONNXLookup(context).convolutionWeight(node),
                let (padding, _) = try ONNXLayers.symmetricPads(
                    node, kernel: (weight.shape[2], weight.shape[3]), input: (g.rows, g.columns))
            else { return nil }
            let layers = try groupLayers(ONNXLookup(context), padding: padding)
            return try groupedPrediction(layers, inputsPerGroup: g.channels / layers.count, g)
        case "ConvTranspose":
            // Grouped: each group's rule (§2.4) on its channels, joined (the transfer is block-diagonal).
            guard let g = spectra.first ?? nil else { return nil }
            let layers = try transposedGroupLayers(ONNXLookup(context))
            let inPer = layers[0].inChannels
            guard g.channels == layers.count * inPer else { return nil }
            return try groupedPrediction(layers, inputsPerGroup: inPer, g)
        case "InstanceNormalization", "GroupNormalization":
            // Per image and channel an affine map y = a·x + b, with a = scale/σ and b = bias − a·μ from that image's
            // statistics: H = a·G, plus M·N·b at DC (docs/theory.md §1.4, "Bias"). The prediction is exact given the
            // input, but the map depends on the input (it is not one linear rule for all inputs): a surrogate.
            guard let g = spectra.first ?? nil, case let .real(x)? = inputs.first ?? nil, x.rank == 4,
                case let .real(scale)? = inputs.count > 1 ? inputs[1] : nil,
                case let .real(bias)? = inputs.count > 2 ? inputs[2] : nil
            else { return nil }
            let channels = x.channels
            let groups = node.opType == "GroupNormalization" ? try node.int("num_groups") : channels
            guard groups > 0, channels % groups == 0 else { return nil }
            let perGroupAffine = node.opType == "GroupNormalization" && opset < 21
            guard scale.count == (perGroupAffine ? groups : channels), bias.count == scale.count else { return nil }
            let statistics = ONNXOperators.normalizationStatistics(
                x, groups: groups, epsilon: Double(node.float("epsilon", default: 1e-5)))
            return Self.perImageAffine(g, statisticsOver: nil) { b, c in
                let group = c / (channels / groups), k = perGroupAffine ? group : c
                let (mean, inverse) = statistics[b * groups + group]
                let a = scale.scalars[k].float64 * inverse
                return (a, bias.scalars[k].float64 - a * mean)
            }
        case "LayerNormalization":
            return try layerNormalizationPrediction(spectra.first ?? nil, inputs)
        case "DepthToSpace":
            guard let g = spectra.first ?? nil else { return nil }
            return FrequencyPrediction(
                .exact("pixel shuffle: tiling with phase shifts [D]"), try depthToSpaceSpectrum(g))
        default:
            return nil
        }
    }

    /// LayerNormalization on an NCHW map. Over [C, H, W] (axis 1) the statistics are per image, over [H, W] (axis 2)
    /// per image and channel; either way, with a gain and offset constant over the map (per channel), it is an affine map
    /// per image and channel, like InstanceNormalization (surrogate, the prediction computed from the input's
    /// statistics). A gain that varies over the map multiplies by a spatial pattern (a convolution of spectra), and a
    /// normalisation along the last axis alone (rows of an NCHW map; the pixels of torch's channels-last LayerNorm)
    /// divides each line by its own statistics: neither has a per-frequency rule.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private func layerNormalizationPrediction<S: TensorScalar>(
        _ g: Spectrum<S>?, _ inputs: [TensorValue<S>?]
    ) throws -> FrequencyPrediction<S>? {
        guard let g, case let .real(x)? = inputs.first ?? nil, x.rank == 4,
            case let .real(scale)? = inputs.count > 1 ? inputs[1] : nil
        else {
            return nil
        }
        var axis = try node.int("axis", default: -1)
        if axis < 0 { axis += 4 }
        guard axis == 1 || axis == 2 else {
            return FrequencyPrediction(
                .unavailable(
                    axis == 3
                        ? "normalises every line along the last axis (rows of an NCHW map, pixels of a channels-last one) by its own "
                            + "statistics: not an affine map of the image, no per-frequency rule"
                        : "normalises over the batch axis too: no per-image rule"), nil)
        }
        let bias: Tensor<S>? =
            inputs.count > 2 ? { if case let .real(b)? = inputs[2] { return b } else { return nil } }() : nil
        let (channels, plane) = (x.channels, x.height * x.width)
        let gainChannels = axis == 1 ? channels : 1
        guard scale.count == gainChannels * plane, bias == nil || bias!.count == scale.count else { return nil }
        // The gain (and offset) of each channel, when constant over the map.
        func perChannel(_ t: Tensor<S>) -> [Double]? {
            var values: [Double] = []
            for c in 0..<gainChannels {
                let v = t.scalars[c * plane].float64
                guard (0..<plane).allSatisfy({ t.scalars[c * plane + $0].float64 == v }) else { return nil }
                values.append(v)
            }
            return (0..<channels).map { values[axis == 1 ? $0 : 0] }
        }
        guard let gains = perChannel(scale),
            let offsets = bias.map(perChannel) ?? [Double](repeating: 0, count: channels)
        else {
            return FrequencyPrediction(
                .unavailable(
                    "a gain or offset that varies over the map: a product with a spatial pattern "
                        + "(a convolution of spectra), no per-frequency rule"), nil)
        }
        let groups = axis == 1 ? 1 : channels
        let statistics = ONNXOperators.normalizationStatistics(
            x, groups: groups, epsilon: Double(node.float("epsilon", default: 1e-5)))
        return Self.perImageAffine(g, statisticsOver: axis == 1 ? "[C, H, W]" : "[H, W]") { b, c in
            let (mean, inverse) = statistics[b * groups + (axis == 1 ? 0 : c)]
            let a = gains[c] * inverse
            return (a, offsets[c] - a * mean)
        }
    }

    /// A normalisation as the affine map y = a·x + b of each image and channel, (a, b) = `affine(image, channel)` from
    /// the input's statistics, applied to spectra: H = a·G plus M·N·b at DC (docs/theory.md §1.4, "Bias"). Exact given
    /// the input, but the map depends on it: a surrogate, whose text shows the range of the gains.
    private static func perImageAffine<S: TensorScalar>(
        _ g: Spectrum<S>, statisticsOver axes: String?, _ affine: (Int, Int) -> (gain: Double, offset: Double)
    ) -> FrequencyPrediction<S> {
        let size = Double(g.planeSize)
        let maps = (0..<(g.batch * g.channels)).map { affine($0 / g.channels, $0 % g.channels) }
        let gains = maps.map(\.gain)
        var out = g.scalingPlanes { S(gains[$0]) }
        for (p, map) in maps.enumerated() {
            out.values[p * g.planeSize] = out.values[p * g.planeSize] + Complex(S(size * map.offset), 0)
        }
        let shown = "a from \(String(format: "%.3g", gains.min() ?? 0)) to \(String(format: "%.3g", gains.max() ?? 0))"
        return FrequencyPrediction(
            .surrogate(
                "per-image affine map a·x + b from the input's statistics\(axes.map { " over \($0)" } ?? "") (\(shown)); "
                    + "H = a·G plus M·N·b at DC"), out)
    }

    /// torch exports `padding_mode="circular"` as Slice/Concat wrap-around followed by a Conv without padding. When a
    /// Conv's input is exactly the circular padding of an earlier tensor (found among the inputs of the Slice/Concat
    /// nodes that produce it, and checked value by value), the pair is one circular Conv2d, whose rule is exact.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private func circularConvolution<S: TensorScalar>(_ context: GraphContext<S>) throws -> (Conv2d, String)? {
        guard node.opType == "Conv", (node.ints("pads") ?? [0, 0, 0, 0]).allSatisfy({ $0 == 0 }),
            node.string("auto_pad", default: "NOTSET") == "NOTSET", (try? node.int("group", default: 1)) == 1,
            case let .real(padded)? = context.value(node.inputs[0]), padded.rank == 4,
            let weight = try ONNXLookup(context).convolutionWeight(node), weight.rank == 4
        else { return nil }
        var frontier = [node.inputs[0]], seen = Set<String>()
        while let name = frontier.popLast() {
            guard seen.insert(name).inserted, let producer = context.graph.onnxProducer(of: name),
                ["Concat", "Slice"].contains(producer.opType)
            else { continue }
            for candidate in producer.inputs where !candidate.isEmpty {
                frontier.append(candidate)
                guard case let .real(x)? = context.value(candidate), x.rank == 4, x.batch == padded.batch,
                    x.channels == padded.channels,
                    // Size-preserving: the wrap adds exactly K − 1 rows and columns, split evenly (PyTorch's padding).
                    padded.height - x.height == weight.shape[2] - 1, padded.width - x.width == weight.shape[3] - 1,
                    (padded.height - x.height) % 2 == 0, (padded.width - x.width) % 2 == 0
                else { continue }
                let p = ((padded.height - x.height) / 2, (padded.width - x.width) / 2)
                let rows = paddedIndexMap(size: x.height, before: p.0, after: p.0, mode: .circular)
                let cols = paddedIndexMap(size: x.width, before: p.1, after: p.1, mode: .circular)
                var matches = true
                check: for q in 0..<(x.batch * x.channels) {
                    for (r, sr) in rows.enumerated() {
                        for (c, sc) in cols.enumerated()
                        where padded.scalars[(q * rows.count + r) * cols.count + c]
                            != x.scalars[(q * x.height + sr) * x.width + sc]
                        {
                            matches = false
                            break check
                        }
                    }
                }
                guard matches else { continue }
                var generator = SeededGenerator(seed: 0)
                let stride = try node.pair("strides", default: 1)
                var conv = try Conv2d(
                    inChannels: weight.shape[1], outChannels: weight.shape[0],
                    kernelSize: (weight.shape[2], weight.shape[3]),
                    stride: stride, padding: p, paddingMode: .circular,
                    bias: node.inputs.count > 2 && !node.inputs[2].isEmpty, generator: &generator)
                try conv.setParameter("weight", weight)
                if node.inputs.count > 2, case let .real(b)? = ONNXLookup(context).value(node.inputs[2]) {
                    try conv.setParameter("bias", b)
                }
                return (conv, candidate)
            }
        }
        return nil
    }

    /// torch exports ReflectionPad2d / ReplicationPad2d / ZeroPad2d (and F.pad) before an unpadded Conv as a Pad node.
    /// The pair is one Conv2d with that padding mode, predicted from the spectrum of the Pad's input: a surrogate for
    /// reflect, edge and constant 0 (as Conv2d with those modes), exact for wrap (circular). This is what lets the
    /// paper's padding comparison run on real generators.
    private func paddedConvolution<S: TensorScalar>(_ context: GraphContext<S>) throws -> (Conv2d, String)? {
        guard node.opType == "Conv", (node.ints("pads") ?? [0, 0, 0, 0]).allSatisfy({ $0 == 0 }),
            node.string("auto_pad", default: "NOTSET") == "NOTSET", (try? node.int("group", default: 1)) == 1,
            let pad = context.graph.onnxProducer(of: node.inputs[0]), pad.opType == "Pad",
            let weight = try ONNXLookup(context).convolutionWeight(node), weight.rank == 4
        else { return nil }
        let lookup = ONNXLookup(context)
        let pads: [Int]?
        if pad.inputs.count > 1, !pad.inputs[1].isEmpty, let value = lookup.value(pad.inputs[1]) {
            switch value {
            case let .int64(_, v): pads = v.map { Int($0) }
            case let .real(t): pads = t.scalars.map { Int($0) }
            }
        } else {
            pads = pad.ints("pads")
        }
        var constant: Float = pad.float("value", default: 0)
        if pad.inputs.count > 2, !pad.inputs[2].isEmpty, case let .real(t)? = lookup.value(pad.inputs[2]), t.count == 1
        {
            constant = t.scalars[0]
        }
        let modes: [String: PaddingMode] = [
            "constant": .zeros, "reflect": .reflect, "edge": .replicate, "wrap": .circular,
        ]
        guard let p = pads, p.count == 8, p[0] == 0, p[1] == 0, p[4] == 0, p[5] == 0, p[2] == p[6], p[3] == p[7],
            p[2] >= 0, p[3] >= 0, let mode = modes[pad.string("mode", default: "constant")],
            mode != .zeros || constant == 0
        else { return nil }
        var generator = SeededGenerator(seed: 0)
        var conv = try Conv2d(
            inChannels: weight.shape[1], outChannels: weight.shape[0], kernelSize: (weight.shape[2], weight.shape[3]),
            stride: try node.pair("strides", default: 1), padding: (p[2], p[3]), paddingMode: mode,
            bias: node.inputs.count > 2 && !node.inputs[2].isEmpty, generator: &generator)
        try conv.setParameter("weight", weight)
        if node.inputs.count > 2, case let .real(b)? = lookup.value(node.inputs[2]) { try conv.setParameter("bias", b) }
        return (conv, pad.inputs[0])
    }

    /// The constant operand of a binary node (its position and value), if one of the two is constant.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private func constantOperand<S: TensorScalar>(
        _ inputs: [TensorValue<S>?], context: GraphContext<S>
    ) -> (Int, Tensor<S>)? {
        guard node.inputs.count == 2 else { return nil }
        let graph = context.graph
        for (k, name) in node.inputs.enumerated() where graph.isConstant(name) && !graph.isConstant(node.inputs[1 - k])
        {
            if case let .real(t)? = inputs[k] { return (k, t) }
        }
        return nil
    }

    /// A constant broadcast over a [B, C, H, W] map as one value per channel (scalar or [C, 1, 1]-like), or nil.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private func channelValues<S: TensorScalar>(_ factor: Tensor<S>, channels: Int) -> [S]? {
        if factor.count == 1 { return Array(repeating: factor.scalars[0], count: channels) }
        let trailing = Array(factor.shape.suffix(3))
        guard factor.count == channels, trailing.count == 3, trailing[1] == 1, trailing[2] == 1 else { return nil }
        return factor.scalars
    }

    /// out_c = Σ_{i,j} shift_(i,j)(zero-insert(in_src(c,i,j))), so H_c(u,v) = Σ_{i,j} e^{−i2π(ui/M + vj/N)} G_src(u mod M0, v mod N0).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private func depthToSpaceSpectrum<S: TensorScalar>(_ g: Spectrum<S>) throws -> Spectrum<S> {
        let b = try node.int("blocksize")
        let crd = node.string("mode", default: "DCR") == "CRD"
        let c = g.channels / (b * b), (m0, n0) = (g.rows, g.columns), (m, n) = (g.rows * b, g.columns * b)
        var out = Spectrum<S>(zeros: [g.batch, c, m, n])
        for s in 0..<g.batch {
            for ch in 0..<c {
                for i in 0..<b {
                    for j in 0..<b {
                        let source = crd ? ch * b * b + i * b + j : (i * b + j) * c + ch
                        for u in 0..<m {
                            for v in 0..<n {
                                let angle = -2 * Double.pi * (Double(u * i) / Double(m) + Double(v * j) / Double(n))
                                let phase = Complex<S>(S(Double.cos(angle)), S(Double.sin(angle)))
                                out[s, ch, u, v] += phase * g[s, source, u % m0, v % n0]
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// A grouped convolution's prediction: each group's layer on its `inputsPerGroup` channels, joined (the transfer
    /// is block-diagonal, Theorem 3.2 and §2.4 per group); the groups share one rule.
    private func groupedPrediction<L: Layer, S: TensorScalar>(
        _ layers: [L], inputsPerGroup inPer: Int, _ g: Spectrum<S>
    ) throws -> FrequencyPrediction<S> {
        let rule = layers[0].spectralRule(for: [g.batch, inPer, g.rows, g.columns])
        if case .unavailable = rule { return FrequencyPrediction(rule, nil) }
        var parts: [Spectrum<S>] = []
        for (k, layer) in layers.enumerated() {
            parts.append(try layer.propagate(g.channels(k * inPer..<((k + 1) * inPer))))
        }
        return FrequencyPrediction(rule, Spectrum.concatenatingChannels(parts))
    }
}

extension Spectrum {
    var rank4: Bool { shape.count == 4 }

    /// Channels `range` of every image.
    func channels(_ range: Range<Int>) -> Spectrum {
        var values: [Complex<Scalar>] = []
        for b in 0..<batch {
            values +=
                self.values[
                    ((b * channels + range.lowerBound) * planeSize)..<((b * channels + range.upperBound) * planeSize)]
        }
        return Spectrum(shape: [batch, range.count, rows, columns], values: values)
    }

    /// Spectra with the same batch and size, joined along the channel axis.
    static func concatenatingChannels(_ parts: [Spectrum]) -> Spectrum {
        var shape = parts[0].shape
        shape[1] = parts.reduce(0) { $0 + $1.channels }
        var values: [Complex<Scalar>] = []
        for b in 0..<shape[0] {
            for p in parts { values += p.values[(b * p.channels * p.planeSize)..<((b + 1) * p.channels * p.planeSize)] }
        }
        return Spectrum(shape: shape, values: values)
    }
}
