import ComplexModule

extension ONNXModel {
    /// Runs the graph and analyses every node whose output is a 4D float feature map: its spectrum, and its
    /// frequency rule where one exists (THEORY §2): the layer rules for Conv, ConvTranspose, Resize/Upsample,
    /// BatchNormalization and activations; exact linear rules for Add/Sub, Concat (channels), Identity, Dropout,
    /// Mul by a constant scalar or per-channel factor, and DepthToSpace (tiling with phase shifts); none elsewhere.
    /// The frequency state is chained through exact rules and re-anchored to the true spectrum everywhere else.
    public func trace(_ input: Tensor<Float>, until: String? = nil, progress: ((Int, Int, String) -> Void)? = nil) throws -> AnalysisTrace<Float> {
        let (values, executed) = try run(input, until: until)
        let inputSpectrum = FFT2D.forward(input)
        var state: [String: Spectrum<Float>] = [inputName: inputSpectrum]
        var stages: [AnalysisStage<Float>] = []
        for (i, node) in executed.enumerated() {
            progress?(i + 1, executed.count, node.name)
            guard let outputName = node.outputs.first, case let .float(output)? = values[outputName], output.rank == 4 else { continue }
            let actual = FFT2D.forward(output)
            var verification = LayerVerification(rule: "unavailable", detail: "no frequency rule for \(node.opType)")
            if let (rule, predicted) = try predict(node, values: values, state: state) {
                verification = LayerVerification(rule: rule.label, detail: rule.explanation)
                if let predicted, predicted.shape == actual.shape {
                    verification.relativeError = Spectrum.relativeError(predicted, reference: actual)
                    verification.similarity = SpectrumStatistics.cosineSimilarity(actual, predicted)
                    state[outputName] = rule.isExact ? predicted : actual
                } else {
                    state[outputName] = actual
                }
            } else {
                state[outputName] = actual
            }
            stages.append(AnalysisStage(name: node.name, type: node.opType, output: output, spectrum: actual, verification: verification))
        }
        return AnalysisTrace(modelName: name, modelSummary: "ONNX model (opset \(opset)\(producer.isEmpty ? "" : ", from \(producer)"))",
                             inputChannels: input.channels, input: input, inputSpectrum: inputSpectrum, stages: stages)
    }

    /// The node's rule and predicted spectrum from the (chained) spectra of its inputs; nil when there is no rule.
    private func predict(_ node: ONNXNode, values: [String: ONNXValue], state: [String: Spectrum<Float>]) throws
        -> (SpectralRule, Spectrum<Float>?)?
    {
        let spectra = node.inputs.map { state[$0] }
        if let layer = try ONNXLayers.layer(for: node, values: values, opset: opset), let g = spectra.first ?? nil {
            let rule = layer.spectralRule(for: g.shape)
            if case .unavailable = rule { return (rule, nil) }
            return (rule, try layer.propagate(g))
        }
        switch node.opType {
        case "Identity", "Dropout":
            guard let g = spectra.first ?? nil else { return nil }
            return (.exact("identity"), g)
        case "Add", "Sub":
            guard spectra.count == 2, let a = spectra[0], let b = spectra[1], a.shape == b.shape else { return nil }
            var sum = a
            let sign: Float = node.opType == "Add" ? 1 : -1
            for i in sum.values.indices { sum.values[i] += b.values[i].multiplied(by: sign) }
            return (.exact("linearity of the DFT (sum of spectra)"), sum)
        case "Concat":
            guard (try? node.int("axis")) == 1, spectra.allSatisfy({ $0?.rank4 == true }) else { return nil }
            let parts = spectra.compactMap { $0 }
            var shape = parts[0].shape
            shape[1] = parts.reduce(0) { $0 + $1.channels }
            var values: [Complex<Float>] = []
            for b in 0..<shape[0] {
                for p in parts { values += p.values[(b * p.channels * p.planeSize)..<((b + 1) * p.channels * p.planeSize)] }
            }
            return (.exact("channel concatenation"), Spectrum(shape: shape, values: values))
        case "Mul":
            // Exact when one factor is a constant scalar or per-channel factor; a product of two feature maps is a
            // convolution of their spectra (frequencies mix).
            for (k, name) in node.inputs.enumerated() where initializers[name] != nil || constantNames.contains(name) {
                guard let g = spectra[1 - k], case let .float(factor)? = values[name] else { continue }
                let perChannel = factor.count == g.channels && factor.shape.suffix(2).allSatisfy { $0 == 1 }
                guard factor.count == 1 || perChannel else { return (.unavailable("element-wise product with a spatial map"), nil) }
                var out = g
                for b in 0..<g.batch {
                    for c in 0..<g.channels {
                        let f = factor.scalars[factor.count == 1 ? 0 : c]
                        let base = (b * g.channels + c) * g.planeSize
                        for i in base..<(base + g.planeSize) { out.values[i] = out.values[i].multiplied(by: f) }
                    }
                }
                return (.exact("multiplication by a constant factor"), out)
            }
            return (.unavailable("product of two feature maps: their spectra are convolved"), nil)
        case "DepthToSpace":
            guard let g = spectra.first ?? nil else { return nil }
            return (.exact("pixel shuffle: tiling with phase shifts [D]"), try depthToSpaceSpectrum(node, g))
        default:
            return nil
        }
    }

    /// Names produced by Constant nodes (constant operands of Mul).
    var constantNames: Set<String> { Set(nodes.filter { $0.opType == "Constant" }.flatMap(\.outputs)) }

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
}
