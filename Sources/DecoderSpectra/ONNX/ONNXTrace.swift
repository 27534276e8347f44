import ComplexModule

extension ONNXModel {
    /// Runs the graph and analyses every node whose output is a 4D float feature map: its spectrum, and its
    /// frequency rule where one exists (docs/theory.md §2): the layer rules for Conv, ConvTranspose, Resize/Upsample,
    /// BatchNormalization and activations; exact linear rules for Add/Sub, Concat (channels), Identity, Dropout,
    /// Mul by a constant scalar or per-channel factor, and DepthToSpace (tiling with phase shifts); none elsewhere.
    /// The frequency state is chained through exact rules and re-anchored to the true spectrum everywhere else.
    public func trace(_ input: Tensor<Float>, until: String? = nil, progress: ((Int, Int, String) -> Void)? = nil) throws -> AnalysisTrace<Float> {
        var stages: [AnalysisStage<Float>] = []
        let (inputMaps, inputSpectrum) = try forEachStage(input, until: until, progress: progress) { stages.append($0) }
        return AnalysisTrace(modelName: name, modelSummary: summary, inputChannels: inputMaps.channels, input: inputMaps,
                             inputSpectrum: inputSpectrum, stages: stages)
    }

    /// How the analysis describes the model.
    public var summary: String { "ONNX model (opset \(opset)\(producer.isEmpty ? "" : ", from \(producer)"))" }

    /// Runs the graph node by node and hands each analysed stage to `body` as soon as it is computed. Values and
    /// spectra are dropped after their last use (`lastUses`), so a caller that folds the stages holds only the live
    /// tensors of the graph, not every stage. Returns the input (as feature maps) and its spectrum.
    public func forEachStage(
        _ input: Tensor<Float>, until: String? = nil, progress: ((Int, Int, String) -> Void)? = nil,
        _ body: (AnalysisStage<Float>) throws -> Void
    ) throws -> (input: Tensor<Float>, spectrum: Spectrum<Float>) {
        let input = try adapt(input)
        try input.checkFinite("input")
        try checkInput(input.shape)
        let last = try until.map { try nodeIndex(named: $0) } ?? nodes.count - 1
        let uses = lastUses(upTo: last)
        var values = initializers
        values[inputName] = .float(input)
        // A non-image input ([B, F] latents) is seen as [B, F, 1, 1] maps, whose spectra are the values themselves.
        let inputMaps = input.rank == 4 ? input : try input.reshaped([input.shape[0], input.count / max(1, input.shape[0]), 1, 1])
        let inputSpectrum = FFT2D.forward(inputMaps)
        var state: [String: Spectrum<Float>] = [inputName: inputSpectrum]
        for node in nodes[...last] {
            progress?(node.index + 1, last + 1, node.name)
            let layer = try ONNXLayers.layer(for: node, values: values, opset: opset)
            let outputs = try execute(node, values: values, layer: layer)
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty { values[name] = value }
            if let outputName = node.outputs.first, case let .float(output)? = values[outputName], output.rank == 4 {
                let actual = FFT2D.forward(output)
                var verification = LayerVerification(rule: "unavailable", detail: "no frequency rule for \(node.opType)")
                state[outputName] = actual
                if let (rule, predicted) = try predict(node, layer: layer, values: values, state: state) {
                    verification = LayerVerification(rule: rule.label, detail: rule.explanation)
                    if let predicted, predicted.shape == actual.shape {
                        verification.relativeError = Spectrum.relativeError(predicted, reference: actual)
                        verification.similarity = SpectrumStatistics.cosineSimilarity(actual, predicted)
                        if rule.isExact { state[outputName] = predicted }
                    }
                }
                try body(AnalysisStage(name: node.name, type: node.opType, output: output, spectrum: actual, verification: verification))
            }
            // Drop what no later node reads.
            for name in Set(node.inputs + node.outputs) where (uses[name] ?? -1) <= node.index && name != "" {
                values[name] = nil
                state[name] = nil
            }
        }
        return (inputMaps, inputSpectrum)
    }

    /// For each value name, the index of the last node (up to `last`) that reads it: directly, or, for a Conv, through
    /// the Slice/Concat chain of a circular padding (whose source tensor `circularConvolution` inspects).
    func lastUses(upTo last: Int) -> [String: Int] {
        var uses: [String: Int] = [:]
        for node in nodes[...last] {
            var read = Set(node.inputs)
            if node.opType == "Conv", let first = node.inputs.first {
                var frontier = [first]
                while let name = frontier.popLast() {
                    guard let producer = producers[name], ["Concat", "Slice"].contains(producer.opType) else { continue }
                    for candidate in producer.inputs where read.insert(candidate).inserted { frontier.append(candidate) }
                }
            }
            for name in read { uses[name] = node.index }
        }
        return uses
    }

    /// The node's rule and predicted spectrum from the (chained) spectra of its inputs; nil when there is no rule.
    private func predict(_ node: ONNXNode, layer: (any Layer)?, values: [String: ONNXValue], state: [String: Spectrum<Float>]) throws
        -> (SpectralRule, Spectrum<Float>?)?
    {
        let spectra = node.inputs.map { state[$0] }
        if let (conv, source) = try circularConvolution(node, values: values), let g = state[source] {
            return (conv.spectralRule(for: g.shape), try conv.propagate(g))
        }
        if let layer, let g = spectra.first ?? nil {
            let rule = layer.spectralRule(for: g.shape)
            if case .unavailable = rule { return (rule, nil) }
            return (rule, try layer.propagate(g))
        }
        switch node.opType {
        case "Identity", "Dropout":
            guard let g = spectra.first ?? nil else { return nil }
            return (.exact("identity"), g)
        case "Add", "Sub":
            // A constant scalar or per-channel term only moves the DC value by MN·b (docs/theory.md §1.4, "Bias").
            if let (k, factor) = constantOperand(node, values: values), let g = spectra[1 - k] {
                guard let perChannel = channelValues(factor, channels: g.channels) else {
                    return (.unavailable("sum with a constant spatial map"), nil)
                }
                var out = g
                if k == 0 && node.opType == "Sub" { for i in out.values.indices { out.values[i] = -out.values[i] } }
                let sign: Double = k == 1 && node.opType == "Sub" ? -1 : 1
                SpectralOperations.addBias(perChannel.map { sign * Double($0) }, to: &out)
                return (.exact("constant term at DC (MN·b)"), out)
            }
            guard spectra.count == 2, let a = spectra[0], let b = spectra[1], a.shape == b.shape else { return nil }
            var sum = a
            let sign: Float = node.opType == "Add" ? 1 : -1
            for i in sum.values.indices { sum.values[i] += b.values[i].multiplied(by: sign) }
            return (.exact("linearity of the DFT (sum of spectra)"), sum)
        case "Concat":
            guard (try? node.int("axis")) == 1, spectra.allSatisfy({ $0?.rank4 == true }) else { return nil }
            return (.exact("channel concatenation"), Spectrum.concatenatingChannels(spectra.compactMap { $0 }))
        case "Mul":
            // Exact when one factor is a constant scalar or per-channel factor; a product of two feature maps is a
            // convolution of their spectra (frequencies mix).
            guard let (k, factor) = constantOperand(node, values: values) else {
                return (.unavailable("product of two feature maps: their spectra are convolved"), nil)
            }
            guard let g = spectra[1 - k] else { return nil }
            guard let perChannel = channelValues(factor, channels: g.channels) else {
                return (.unavailable("element-wise product with a spatial map"), nil)
            }
            var out = g
            for b in 0..<g.batch {
                for c in 0..<g.channels {
                    let base = (b * g.channels + c) * g.planeSize
                    for i in base..<(base + g.planeSize) { out.values[i] = out.values[i].multiplied(by: perChannel[c]) }
                }
            }
            return (.exact("multiplication by a constant factor"), out)
        case "Conv":
            // Reached for grouped convolutions: T is block-diagonal, one block per group (Theorem 3.2 per group).
            guard let g = spectra.first ?? nil, case let .float(weight)? = values[node.inputs[1]],
                  let (padding, _) = try ONNXLayers.symmetricPads(node, kernel: (weight.shape[2], weight.shape[3]), input: (g.rows, g.columns))
            else { return nil }
            let layers = try groupLayers(node, values: values, padding: padding)
            let inPer = g.channels / layers.count
            let rule = layers[0].spectralRule(for: [g.batch, inPer, g.rows, g.columns])
            if case .unavailable = rule { return (rule, nil) }
            var parts: [Spectrum<Float>] = []
            for (k, layer) in layers.enumerated() { parts.append(try layer.propagate(g.channels(k * inPer..<((k + 1) * inPer)))) }
            return (rule, Spectrum.concatenatingChannels(parts))
        case "DepthToSpace":
            guard let g = spectra.first ?? nil else { return nil }
            return (.exact("pixel shuffle: tiling with phase shifts [D]"), try depthToSpaceSpectrum(node, g))
        default:
            return nil
        }
    }

    /// torch exports `padding_mode="circular"` as Slice/Concat wrap-around followed by a Conv without padding. When a
    /// Conv's input is exactly the circular padding of an earlier tensor (found among the inputs of the Slice/Concat
    /// nodes that produce it, and checked value by value), the pair is one circular Conv2d, whose rule is exact.
    private func circularConvolution(_ node: ONNXNode, values: [String: ONNXValue]) throws -> (Conv2d, String)? {
        guard node.opType == "Conv", (node.ints("pads") ?? [0, 0, 0, 0]).allSatisfy({ $0 == 0 }),
              node.string("auto_pad", default: "NOTSET") == "NOTSET", (try? node.int("group", default: 1)) == 1,
              case let .float(padded)? = values[node.inputs[0]], padded.rank == 4,
              case let .float(weight)? = values[node.inputs[1]], weight.rank == 4 else { return nil }
        var frontier = [node.inputs[0]], seen = Set<String>()
        while let name = frontier.popLast() {
            guard seen.insert(name).inserted, let producer = producers[name], ["Concat", "Slice"].contains(producer.opType) else { continue }
            for candidate in producer.inputs where !candidate.isEmpty {
                frontier.append(candidate)
                guard case let .float(x)? = values[candidate], x.rank == 4, x.batch == padded.batch, x.channels == padded.channels,
                      // Size-preserving: the wrap adds exactly K − 1 rows and columns, split evenly (PyTorch's padding).
                      padded.height - x.height == weight.shape[2] - 1, padded.width - x.width == weight.shape[3] - 1,
                      (padded.height - x.height) % 2 == 0, (padded.width - x.width) % 2 == 0 else { continue }
                let p = ((padded.height - x.height) / 2, (padded.width - x.width) / 2)
                let rows = paddedIndexMap(size: x.height, before: p.0, after: p.0, mode: .circular)
                let cols = paddedIndexMap(size: x.width, before: p.1, after: p.1, mode: .circular)
                var matches = true
                check: for q in 0..<(x.batch * x.channels) {
                    for (r, sr) in rows.enumerated() {
                        for (c, sc) in cols.enumerated()
                        where padded.scalars[(q * rows.count + r) * cols.count + c] != x.scalars[(q * x.height + sr) * x.width + sc] {
                            matches = false
                            break check
                        }
                    }
                }
                guard matches else { continue }
                var generator = SeededGenerator(seed: 0)
                let stride = try node.pair("strides", default: 1)
                var conv = try Conv2d(inChannels: weight.shape[1], outChannels: weight.shape[0], kernelSize: (weight.shape[2], weight.shape[3]),
                                      stride: stride, padding: p, paddingMode: .circular,
                                      bias: node.inputs.count > 2 && !node.inputs[2].isEmpty, generator: &generator)
                try conv.setParameter("weight", weight)
                if node.inputs.count > 2, case let .float(b)? = values[node.inputs[2]] { try conv.setParameter("bias", b) }
                return (conv, candidate)
            }
        }
        return nil
    }

    /// The constant operand of a binary node (its position and value), if one of the two is constant.
    private func constantOperand(_ node: ONNXNode, values: [String: ONNXValue]) -> (Int, Tensor<Float>)? {
        guard node.inputs.count == 2 else { return nil }
        let constants = constantNames
        for (k, name) in node.inputs.enumerated() where constants.contains(name) && !constants.contains(node.inputs[1 - k]) {
            if case let .float(t)? = values[name] { return (k, t) }
        }
        return nil
    }

    /// A constant broadcast over a [B, C, H, W] map as one value per channel (scalar or [C, 1, 1]-like), or nil.
    private func channelValues(_ factor: Tensor<Float>, channels: Int) -> [Float]? {
        if factor.count == 1 { return Array(repeating: factor.scalars[0], count: channels) }
        let trailing = Array(factor.shape.suffix(3))
        guard factor.count == channels, trailing.count == 3, trailing[1] == 1, trailing[2] == 1 else { return nil }
        return factor.scalars
    }

    /// out_c = Σ_{i,j} shift_(i,j)(zero-insert(in_src(c,i,j))), so H_c(u,v) = Σ_{i,j} e^{−i2π(ui/M + vj/N)} G_src(u mod M0, v mod N0).
    private func depthToSpaceSpectrum(_ node: ONNXNode, _ g: Spectrum<Float>) throws -> Spectrum<Float> {
        let b = try node.int("blocksize")
        let crd = node.string("mode", default: "DCR") == "CRD"
        let c = g.channels / (b * b), (m0, n0) = (g.rows, g.columns), (m, n) = (g.rows * b, g.columns * b)
        var out = Spectrum<Float>(zeros: [g.batch, c, m, n])
        for s in 0..<g.batch {
            for ch in 0..<c {
                for i in 0..<b {
                    for j in 0..<b {
                        let source = crd ? ch * b * b + i * b + j : (i * b + j) * c + ch
                        for u in 0..<m {
                            for v in 0..<n {
                                let angle = -2 * Double.pi * (Double(u * i) / Double(m) + Double(v * j) / Double(n))
                                let phase = Complex<Float>(Float(Double.cos(angle)), Float(Double.sin(angle)))
                                out[s, ch, u, v] += phase * g[s, source, u % m0, v % n0]
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

extension Spectrum {
    var rank4: Bool { shape.count == 4 }

    /// Channels `range` of every image.
    func channels(_ range: Range<Int>) -> Spectrum {
        var values: [Complex<Scalar>] = []
        for b in 0..<batch { values += self.values[((b * channels + range.lowerBound) * planeSize)..<((b * channels + range.upperBound) * planeSize)] }
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
