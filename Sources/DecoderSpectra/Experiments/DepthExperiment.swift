import RealModule

/// E5 (Fig. 5, Fig. 4a; Theorem 4.2 (2), §4.4, B.1): log SOM(h^(uv)) against depth is roughly linear, and low
/// frequencies gain on high ones. A linear circular copy of the same network (same weights) is the control where the
/// theory is exact: with zero-mean weights its slope is log(C_{l−1} K² σ²) at every frequency.
struct DepthExperiment: Experiment {
    let name = "depth"
    let title = "E5: log SOM of chosen frequencies across 50 layers"
    let reference = "docs/theory.md §4.3 (Theorem 4.2 (2)), §4.4, §4.5 B.1, §8 E5, §10 item 8"

    struct Fit: Codable { var slope: Double; var intercept: Double; var rSquared: Double }

    let acceptsModel = true

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        if let (model, input) = try context.userModelAndInput() { return try UserModelExperiments.depth(model, input, context: context) }
        let size = context.settings.size ?? 32
        let frequencies = [(0, 1), (2, 2), (size / 8, size / 8), (size / 4, size / 4), (size / 2, size / 2)]
        let labels = frequencies.map { "[\($0.0),\($0.1)]" }
        let relu = try context.model("e5-depth50")
        let control = try BuiltinModels.linearCircularVariant(of: "e5-depth50", seed: context.settings.seed, removeBias: true)
        context.progress("running e5-depth50")
        let (reluSOM, reluSpectra) = try logSOM(relu, frequencies: frequencies, size: size, context: context, keep: [0, 2, 9])
        context.progress("running its linear circular control")
        let (controlSOM, _) = try logSOM(control, frequencies: frequencies, size: size, context: context, keep: [])
        let reluFits = frequencies.indices.map { Self.fit(column: $0, of: reluSOM) }
        let controlFits = frequencies.indices.map { Self.fit(column: $0, of: controlSOM) }

        // Theory for the control (§4.4 with μ = 0: A_l = C_{l−1}K²σ_l² A_{l−1}): every non-DC frequency's SOM is
        // multiplied by C_{l−1}K²σ_l² per layer, with σ_l² the realised variance of layer l's weights.
        let convs = control.layers.compactMap { $0.layer as? Conv2d }
        let predictedSlope = convs.map { conv -> Double in
            let w = conv.weight.scalars.map(Double.init)
            let variance = w.map { $0 * $0 }.reduce(0, +) / Double(w.count)
            return Double.log(Double(conv.inChannels * conv.kernelSize.height * conv.kernelSize.width) * variance)
        }.reduce(0, +) / Double(convs.count)

        let x = reluSOM.indices.map { Double($0 + 1) }
        try context.chart(ChartData(
            title: "E5: SOM(h_uv) across depth (zero padding + ReLU)", xLabel: "layer", yLabel: "SOM", logY: true,
            series: frequencies.indices.map { f in (labels[f], x, reluSOM.map { Double.exp($0[f]) }) }), "depth-som")
        try context.chart(ChartData(
            title: "E5 control: linear circular, same weights", xLabel: "layer", yLabel: "SOM", logY: true,
            series: frequencies.indices.map { f in (labels[f], x, controlSOM.map { Double.exp($0[f]) }) }), "depth-som-control")
        try context.spectrumFigure(FFT2D.forward(try context.input(channels: 3, size: size)), title: "INPUT", name: "depth-input")
        let range = SpectrumFigure.sharedLogRange(reluSpectra.map { SpectrumStatistics.meanMagnitudeMap($0.1) })
        for (layer, spectrum) in reluSpectra {
            try context.spectrumFigure(spectrum, title: "LAYER \(layer + 1)", name: "depth-layer\(layer + 1)", logRange: range)
        }

        let lowSlope = reluFits[0].slope, highSlope = reluFits.last!.slope
        let growth = (reluSOM.last![0] - reluSOM.last!.last!) - (reluSOM[0][0] - reluSOM[0].last!)
        let controlSlopes = controlFits.map(\.slope)
        let controlMean = controlSlopes.reduce(0, +) / Double(controlSlopes.count)
        let rows = [
            ClaimRow(claim: "log SOM is roughly linear in depth", setting: "e5-depth50, frequencies \(labels.joined(separator: " "))",
                     measured: "R² " + reluFits.map { format($0.rSquared) }.joined(separator: ", "),
                     predicted: "linear (R² >= 0.9)", holds: reluFits.allSatisfy { $0.rSquared >= 0.9 }),
            ClaimRow(claim: "low frequencies gain on high ones with depth", setting: "e5-depth50, \(labels[0]) vs \(labels.last!)",
                     measured: "slopes \(format(lowSlope)) vs \(format(highSlope)) per layer; log ratio grew by \(format(growth))",
                     predicted: "slope(low) > slope(high) (B.1)", holds: lowSlope > highSlope && growth > 0),
            ClaimRow(claim: "per-layer factor of the SOM (Thm 4.2, §4.4)", setting: "linear circular control (same weights, bias removed), μ = 0, float64",
                     measured: "mean slope \(format(controlMean)) (per frequency " + controlSlopes.map(format).joined(separator: ", ") + ")",
                     predicted: "\(format(predictedSlope)) per layer at every frequency (mean within 0.1: one network of width 16, "
                        + "not the expectation over weights)",
                     holds: abs(controlMean - predictedSlope) <= 0.1),
            ClaimRow(claim: "exponential change with depth: increase only if the factor exceeds 1 (§10 item 8)", setting: "same control",
                     measured: "per-layer factor e^slope = \(format(Double.exp(controlMean)))",
                     predicted: "\(format(Double.exp(predictedSlope)))", holds: nil),
        ]
        let numbers: [String: JSONValue] = [
            "frequencies": .array(labels.map { .string($0) }),
            "log_som_relu": .array(reluSOM.map(json)), "log_som_control": .array(controlSOM.map(json)),
            "fits_relu": .array(reluFits.map { json([$0.slope, $0.intercept, $0.rSquared]) }),
            "fits_control": .array(controlFits.map { json([$0.slope, $0.intercept, $0.rSquared]) }),
            "predicted_control_slope": .double(predictedSlope),
        ]
        return (rows, numbers)
    }

    /// log SOM (channel-averaged E|H|² over images) at each conv block output, per frequency; keeps some spectra.
    /// Runs in Float64: over 50 layers the SOM spans tens of decades, below Float32's rounding floor.
    private func logSOM(_ model: Sequential, frequencies: [(Int, Int)], size: Int, context: ExperimentContext, keep: [Int])
        throws -> ([[Double]], [(Int, Spectrum<Double>)])
    {
        let input = try context.input(channels: model.inputChannels, size: size).converted(to: Double.self)
        var current = input, result: [[Double]] = [], kept: [(Int, Spectrum<Double>)] = []
        let ends = Set(NetworkComparison.blockEnds(model))
        for (i, named) in model.layers.enumerated() {
            current = try named.layer.forward(current)
            guard ends.contains(i) else { continue }
            let spectrum = FFT2D.forward(current)
            let som = SpectrumStatistics.secondOrderMoment(spectrum)
            result.append(frequencies.map { Double.log(max(som[$0.0 * size + $0.1], 1e-300)) })
            if keep.contains(result.count - 1) { kept.append((result.count - 1, spectrum)) }
        }
        return (result, kept)
    }

    /// Least-squares line through (layer, value) for one column, with R².
    static func fit(column: Int, of table: [[Double]]) -> Fit {
        let ys = table.map { $0[column] }
        let xs = ys.indices.map { Double($0 + 1) }
        let n = Double(ys.count)
        let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in ys.indices {
            sxy += (xs[i] - mx) * (ys[i] - my)
            sxx += (xs[i] - mx) * (xs[i] - mx)
            syy += (ys[i] - my) * (ys[i] - my)
        }
        let slope = sxx > 0 ? sxy / sxx : 0
        return Fit(slope: slope, intercept: my - slope * mx, rSquared: syy > 0 ? sxy * sxy / (sxx * syy) : 1)
    }
}
