/// E1 (Fig. 3a, docs/theory.md §2.3, §7, §8 E1): how well the spectra derived by Corollary 3.3 fit the real ones, per layer,
/// on the three 10-layer baselines. Two readings are measured: "local" (each block's rule applied to its real input
/// spectrum) and "cascade" (the rules chained from the network input, ReLU taken as identity).
struct FitnessExperiment: Experiment {
    let name = "fitness"
    let title = "E1: sim(H*, H) per layer for the three 10-layer baselines"
    let reference = "docs/theory.md §2.1 (Theorem 3.2), §2.3 (Corollary 3.3), §7 (sim), §8 E1, §9"

    struct Trace {
        var local: [[Double]] = []    // per block, per image
        var cascade: [[Double]] = []
        var cascadeError: [Double] = []
    }

    let acceptsModel = true

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        if let (model, input) = try context.userModelAndInput() { return try UserModelExperiments.fitness(model, input, context: context) }
        let networks = [("relu-zeros", "e1-relu-zeros"), ("linear-zeros", "e1-linear-zeros"), ("linear-circular", "e1-linear-circular")]
        var traces: [String: Trace] = [:]
        for (label, name) in networks {
            context.progress("running \(name)")
            traces[label] = try trace(try context.model(name), context: context)
        }
        func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
        func layerMeans(_ sims: [[Double]]) -> [Double] { sims.map(mean) }
        var numbers: [String: JSONValue] = [:]
        var curves: [(label: String, x: [Double], y: [Double])] = []
        for (label, name) in networks {
            let t = traces[label]!
            numbers[label] = .object([
                "model": .string(name), "local_sim_per_layer": json(layerMeans(t.local)),
                "cascade_sim_per_layer": json(layerMeans(t.cascade)), "cascade_relative_error_per_layer": json(t.cascadeError),
                "local_sim_per_layer_per_image": .array(t.local.map(json)),
            ])
            let x = t.local.indices.map { Double($0 + 1) }
            curves.append(("\(label) local", x, layerMeans(t.local)))
            curves.append(("\(label) cascade", x, layerMeans(t.cascade)))
        }
        try context.chart(ChartData(title: "E1: sim(H*, H) per layer", xLabel: "layer", yLabel: "sim", logY: false, series: curves),
                          "fitness-sim")
        let circular = traces["linear-circular"]!
        let exactError = circular.cascadeError.max() ?? .infinity
        var rows = [ClaimRow(
            claim: "Cor. 3.3 is exact under Assumption 3.1", setting: "e1-linear-circular, float32, cascade from the input",
            measured: "max rel. error \(format(exactError)), min sim \(format(layerMeans(circular.cascade).min()!))",
            predicted: "rounding only (<= 1e-5), sim = 1", holds: exactError <= 1e-5)]
        for label in ["linear-zeros", "relu-zeros"] {
            let t = traces[label]!
            for (reading, sims) in [("local", t.local), ("cascade", t.cascade)] {
                let means = layerMeans(sims)
                rows.append(ClaimRow(
                    claim: "derived spectra fit the real ones strongly (\(reading))", setting: "e1-\(label)",
                    measured: "sim per layer \(format(means.min()!))…\(format(means.max()!)), mean \(format(mean(means)))",
                    predicted: "> 0.8 in every layer (paper: 'large')", holds: means.min()! > 0.8))
            }
        }
        let zeros = mean(layerMeans(traces["linear-zeros"]!.local)), exact = mean(layerMeans(circular.local))
        rows.append(ClaimRow(claim: "the fit is lower without circular padding", setting: "e1-linear-zeros vs e1-linear-circular",
                             measured: "mean sim \(format(zeros)) vs \(format(exact))", predicted: "lower", holds: zeros < exact))
        return (rows, numbers)
    }

    /// Both readings from the spectral tracer: "local" is the re-anchored trace (each convolution's rule applied to
    /// its real input spectrum), "cascade" the cascade trace (every rule chained from the input).
    private func trace(_ model: Sequential, context: ExperimentContext) throws -> Trace {
        let input = try context.input(channels: model.inputChannels, size: 32)
        let graph = ModelGraph(chain: model)
        let ends = Set(NetworkComparison.blockEnds(model))
        var result = Trace()
        var localPrediction: Spectrum<Float>?
        _ = try graph.forEachStage(input, mode: .reanchored) { i, stage in
            if model.layers[i].layer is Conv2d { localPrediction = stage.prediction }
            if ends.contains(i), let local = localPrediction {
                result.local.append(SpectrumStatistics.cosineSimilarityPerImage(stage.spectrum, local))
            }
        }
        _ = try graph.forEachStage(input, mode: .cascade) { i, stage in
            if ends.contains(i), let state = stage.prediction {
                let comparison = SpectrumStatistics.comparison(stage.spectrum, state)
                result.cascade.append(comparison.similarityPerImage)
                result.cascadeError.append(comparison.relativeError)
            }
        }
        return result
    }
}
