import RealModule
import SpectraCore
import SpectraNetwork
import SpectraReport

/// E5 (Fig. 5, Fig. 4a; Theorem 4.2 (2), §4.4, B.1): log SOM(h^(uv)) against depth is roughly linear, and low
/// frequencies gain on high ones. A linear circular copy of the same network (same weights) is the control where the
/// theory is exact: with zero-mean weights its slope is log(C_{l−1} K² σ²) at every frequency.
struct DepthExperiment: Experiment {
    let name = "depth"
    let title = "E5: log SOM of chosen frequencies across 50 layers"
    let reference = "docs/theory.md §4.3 (Theorem 4.2 (2)), §4.4, §4.5 B.1, §8 E5, §10 item 8"

    struct Fit: Codable {
        var slope: Double
        var intercept: Double
        var rSquared: Double
    }

    let acceptsModel = true

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        if let (model, input) = try context.userModelAndInput() {
            return try UserModelExperiments.depth(model, input, context: context)
        }
        let size = context.settings.size ?? 32
        let frequencies = [(0, 1), (2, 2), (size / 8, size / 8), (size / 4, size / 4), (size / 2, size / 2)]
        let labels = frequencies.map { "[\($0.0),\($0.1)]" }
        let draws = max(2, context.settings.draws)
        // The ReLU network over weight draws: per draw a line per frequency; the verdicts read the across-draw means.
        var reluSOM: [[Double]] = [], reluSpectra: [(Int, Spectrum<Double>)] = []
        var reluFitsPerDraw: [[Fit]] = []
        for draw in 0..<draws {
            context.progress("running e5-depth50, weight draw \(draw + 1)/\(draws)")
            let (som, spectra) = try logSOM(
                try context.model("e5-depth50", draw: draw), frequencies: frequencies, size: size,
                context: context, keep: draw == 0 ? [0, 2, 9] : [])
            if draw == 0 { (reluSOM, reluSpectra) = (som, spectra) }
            reluFitsPerDraw.append(frequencies.indices.map { Self.fit(column: $0, of: som) })
        }
        let reluFits = reluFitsPerDraw[0]
        let meanSlopes = frequencies.indices.map { f in reluFitsPerDraw.map { $0[f].slope }.reduce(0, +) / Double(draws)
        }
        let meanR2 = frequencies.indices.map { f in reluFitsPerDraw.map { $0[f].rSquared }.reduce(0, +) / Double(draws)
        }
        let gain = DrawSummary(reluFitsPerDraw.map { $0[0].slope - $0.last!.slope })
        let control = try BuiltinModels.linearCircularVariant(
            of: "e5-depth50", seed: context.settings.seed, removeBias: true)
        context.progress("running its linear circular control")
        let (controlSOM, _) = try logSOM(control, frequencies: frequencies, size: size, context: context, keep: [])
        let controlFits = frequencies.indices.map { Self.fit(column: $0, of: controlSOM) }
        // The same first draw with every weight × 1.1: a ReLU net without bias is positively homogeneous, so every
        // slope moves by 2 ln 1.1 and its sign is the weight scale's, not the architecture's.
        let scale = 1.1
        context.progress("running e5-depth50 with weights x\(scale)")
        let scaled = try logSOM(
            Self.scaledWeights(try context.model("e5-depth50"), by: scale), frequencies: frequencies, size: size,
            context: context, keep: []
        ).0
        let scaledSlopes = frequencies.indices.map { Self.fit(column: $0, of: scaled).slope }

        // Theory for the control (§4.4 with μ = 0: A_l = C_{l−1}K²σ_l² A_{l−1}): every non-DC frequency's SOM is
        // multiplied by C_{l−1}K²σ_l² per layer, with σ_l² the realised variance of layer l's weights.
        let convs = control.layers.compactMap { $0.layer as? Conv2d }
        let predictedSlope =
            convs.map { conv -> Double in
                let w = conv.weight.scalars.map(Double.init)
                let variance = w.map { $0 * $0 }.reduce(0, +) / Double(w.count)
                return Double.log(Double(conv.inChannels * conv.kernelSize.height * conv.kernelSize.width) * variance)
            }.reduce(0, +) / Double(convs.count)

        let x = reluSOM.indices.map { Double($0 + 1) }
        try context.chart(
            ChartData(
                title: "E5: SOM(h_uv) across depth (zero padding + ReLU, first draw)", xLabel: "layer", yLabel: "SOM",
                logY: true,
                series: frequencies.indices.map { f in (labels[f], x, reluSOM.map { Double.exp($0[f]) }) }), "depth-som"
        )
        try context.chart(
            ChartData(
                title: "E5 control: linear circular, same weights", xLabel: "layer", yLabel: "SOM", logY: true,
                series: frequencies.indices.map { f in (labels[f], x, controlSOM.map { Double.exp($0[f]) }) }),
            "depth-som-control")
        try context.spectrumFigure(
            FFT2D.forward(try context.input(channels: 3, size: size)), title: "Input spectrum", name: "depth-input")
        let range = SpectrumFigure.sharedLogRange(reluSpectra.map { SpectrumStatistics.meanMagnitudeMap($0.1) })
        for (layer, spectrum) in reluSpectra {
            try context.spectrumFigure(
                spectrum, title: "e5-depth50, layer \(layer + 1) (first draw)", name: "depth-layer\(layer + 1)",
                logRange: range)
        }

        let controlSlopes = controlFits.map(\.slope)
        let controlMean = controlSlopes.reduce(0, +) / Double(controlSlopes.count)
        let shift = zip(scaledSlopes, reluFits.map(\.slope)).map { $0 - $1 }
        let setting = "e5-depth50, \(draws) weight draws, frequencies \(labels.joined(separator: " "))"
        var gainRow = ClaimRow(
            claim: "low frequencies gain on high ones with depth",
            setting: "e5-depth50, \(labels[0]) vs \(labels.last!), \(draws) weight draws",
            measured: "slope(low) − slope(high) per layer \(gain.text)", predicted: "> 0 (B.1)",
            holds: gain.verdict.holds)
        gainRow.decidedBy =
            "difference of the least-squares slopes of log SOM, per draw: the relative claim of Fig. 5 and B.1, "
            + "independent of the overall weight scale"
        gainRow.statistics = ["slope_low_minus_high": gain]
        let rows = [
            ClaimRow(
                claim: "log SOM is roughly linear in depth", setting: setting,
                measured: "mean R² " + meanR2.map(format).joined(separator: ", "),
                predicted: "linear (mean R² >= 0.9 at every frequency)", holds: meanR2.allSatisfy { $0 >= 0.9 }),
            gainRow,
            ClaimRow(
                claim: "SOM grows with depth as Fig. 5 shows", setting: setting + ", PyTorch-scale He init",
                measured: "mean slopes " + meanSlopes.map(format).joined(separator: ", ") + " per layer",
                predicted: "> 0 only where the per-layer gain exceeds 1 (§10 item 8); Fig. 5's curves rise",
                holds: meanSlopes.allSatisfy { $0 > 0 }),
            ClaimRow(
                claim: "the sign of the slopes is the weight scale's (positive homogeneity)",
                setting: "first draw, weights × \(scale)",
                measured: "slope shifts " + shift.map(format).joined(separator: ", "),
                predicted: "2 ln \(scale) = \(format(2 * Double.log(scale))) at every frequency (slopes after scaling: "
                    + scaledSlopes.map(format).joined(separator: ", ") + ")",
                // Tolerance 1e-4: the scaled weights are rounded to Float32 (6e-8 relative each).
                holds: shift.allSatisfy { abs($0 - 2 * Double.log(scale)) < 1e-4 }, kind: .implementationCheck),
            ClaimRow(
                claim: "per-layer factor of the SOM (Thm 4.2, §4.4)",
                setting: "linear circular control (first draw, bias removed), μ = 0, float64",
                measured: "mean slope \(format(controlMean)) (per frequency "
                    + controlSlopes.map(format).joined(separator: ", ") + ")",
                predicted:
                    "\(format(predictedSlope)) per layer at every frequency (mean within 0.1: one network of width 16, "
                    + "not the expectation over weights)",
                holds: abs(controlMean - predictedSlope) <= 0.1),
            ClaimRow(
                claim: "exponential change with depth: increase only if the factor exceeds 1 (§10 item 8)",
                setting: "same control",
                measured: "per-layer factor e^slope = \(format(Double.exp(controlMean)))",
                predicted: "\(format(Double.exp(predictedSlope)))", holds: nil),
        ]
        let numbers: [String: JSONValue] = [
            "frequencies": .array(labels.map { .string($0) }), "draws": .int(draws),
            "log_som_relu_first_draw": .array(reluSOM.map(json)), "log_som_control": .array(controlSOM.map(json)),
            "slopes_relu_per_draw": .array(reluFitsPerDraw.map { json($0.map(\.slope)) }),
            "r_squared_relu_per_draw": .array(reluFitsPerDraw.map { json($0.map(\.rSquared)) }),
            "slopes_relu_weights_scaled_1.1": json(scaledSlopes),
            "fits_control": .array(controlFits.map { json([$0.slope, $0.intercept, $0.rSquared]) }),
            "predicted_control_slope": .double(predictedSlope),
        ]
        return (rows, numbers)
    }

    /// A copy of `model` with every convolution weight multiplied by `factor`.
    static func scaledWeights(_ model: Sequential, by factor: Double) -> Sequential {
        var copy = model
        for i in copy.layers.indices {
            guard var conv = copy.layers[i].layer as? Conv2d else { continue }
            for j in conv.weight.scalars.indices { conv.weight.scalars[j] *= Float(factor) }
            copy.layers[i].layer = conv
        }
        return copy
    }

    /// log SOM (channel-averaged E|H|² over images) at each conv block output, per frequency; keeps some spectra.
    /// Runs in Float64: over 50 layers the SOM spans tens of decades, below Float32's rounding floor.
    private func logSOM(
        _ model: Sequential, frequencies: [(Int, Int)], size: Int, context: ExperimentContext, keep: [Int]
    )
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
