import SpectraCore

/// E4 (Fig. 4c, docs/theory.md §4.6, §8): zero padding strengthens low frequencies more than circular padding; mirror padding
/// "to some extent".
struct PaddingExperiment: Experiment {
    let name = "padding"
    let title = "E4: zero, circular and reflect padding (5 layers 7x7)"
    let reference = "docs/theory.md §4.6 (Theorem 4.3), §8 E4, §9"

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let comparison = try NetworkComparison(
            [("zeros", "e4-zeros"), ("circular", "e4-circular"), ("reflect", "e4-reflect")], size: 64, context: context)
        try comparison.writeFigures(context, prefix: "padding")
        let reason =
            "Fig. 4c shows zero padding brightening the frequencies around DC, and Theorem 4.3 adds a²τ² to "
            + "their SOM; p_low also weighs the high band, which the zero-padding border cross raises too"
        let rows = [
            comparison.comparisonRow(
                claim: "zero padding gives more low-frequency energy than circular", "zeros", over: "circular",
                decidedBy: .lowEnergy, because: reason,
                predicted: "more Ω_low energy without DC (Thm 4.3: +a²τ² near DC for mean a ≠ 0)"),
            comparison.comparisonRow(
                claim: "reflect padding also strengthens low frequencies", "reflect", over: "circular",
                decidedBy: .lowEnergy, because: reason,
                predicted: "more Ω_low energy without DC (paper: 'to some extent')"),
        ]
        return (rows, comparison.numbers)
    }
}

/// E6 (Fig. 4b, Theorem 4.2 (4), B.2): a larger weight mean |μ| strengthens low frequencies.
struct WeightMeanExperiment: Experiment {
    let name = "weight-mean"
    let title = "E6: weight means 0, 0.001, 0.01 (sigma 0.01, 9x9 kernels)"
    let reference = "docs/theory.md §4.3 (Theorem 4.2 (4)), §4.5 B.2, §8 E6, §9"

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let comparison = try NetworkComparison(
            [("mu=0", "e6-mean0"), ("mu=0.001", "e6-mean0.001"), ("mu=0.01", "e6-mean0.01")], size: 64, context: context
        )
        try comparison.writeFigures(context, prefix: "weight-mean")
        var numbers = comparison.numbers
        // Theory for the linear circular counterpart (exact recursion, §4.4): SOM ratio between a low and the highest
        // frequency of the output for each μ; 1 at μ = 0 (a zero-mean net has no frequency preference).
        let size = context.settings.size ?? 64
        var predicted: [Double] = []
        for mean in [0.0, 0.001, 0.01] {
            let laws = Array(repeating: WeightLaw(mean: mean, std: 0.01, kernel: 9), count: 5)
            let channels = [3, 16, 16, 16, 16, 3]
            let low = MomentTheory.multiChannelExact(laws, channels: channels, u: 1, v: 0, rows: size, columns: size).a
            let high = MomentTheory.multiChannelExact(
                laws, channels: channels, u: size / 2, v: size / 2, rows: size, columns: size
            ).a
            predicted.append(low / high)
        }
        numbers["predicted_low_high_som_ratio_linear_circular"] = json(predicted)
        let reason =
            "Fig. 4b shows low frequencies gaining on high ones as |μ| grows (the |μR_uv|² term of Theorem 4.2 (4) "
            + "peaks around DC); DC itself holds most of the energy, so p_low with DC only measures the DC share"
        let rows = [
            comparison.comparisonRow(
                claim: "a weight mean of 0.001 strengthens low frequencies over 0", "mu=0.001", over: "mu=0",
                decidedBy: .lowRatioWithoutDC, because: reason,
                predicted: "p_low without DC increases with |mu| (Thm 4.2 (4))"),
            comparison.comparisonRow(
                claim: "a weight mean of 0.01 strengthens low frequencies over 0.001", "mu=0.01", over: "mu=0.001",
                decidedBy: .lowRatioWithoutDC, because: reason,
                predicted: "p_low without DC increases with |mu| (Thm 4.2 (4))"),
            ClaimRow(
                claim: "theory: zero-mean linear circular net has a flat expected spectrum",
                setting: "exact recursion §4.4, E6 widths, [1,0] vs [M/2,N/2]",
                measured: "SOM ratio low/high " + predicted.map(format).joined(separator: ", ")
                    + " for mu = 0, 0.001, 0.01",
                predicted: "1 at mu = 0, increasing with mu",
                holds: abs(predicted[0] - 1) < 1e-9 && predicted[1] > predicted[0] && predicted[2] > predicted[1],
                kind: .implementationCheck),
        ]
        return (rows, numbers)
    }
}

/// E7 (App. C.8): one biased layer anywhere weakens high frequencies; the placement makes no systematic difference.
struct PlacementExperiment: Experiment {
    let name = "placement"
    let title = "E7: one layer with weight mean 0.1, at each of 5 positions"
    let reference = "docs/theory.md §4.5 (placement remark), §8 E7, §9"

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let labels = (1...5).map { ("layer\($0)", "e7-layer\($0)") } + [("unbiased", "e7-unbiased")]
        let comparison = try NetworkComparison(labels, size: 64, context: context)
        try comparison.writeFigures(context, prefix: "placement")
        let metric = BandMetric.lowRatioWithoutDC
        let reason =
            "Fig. 13 compares how much of the spectrum away from DC is high-frequency; a biased layer scales "
            + "the DC share by orders of magnitude, which p_low with DC would mostly measure"
        var rows = (1...5).map {
            comparison.comparisonRow(
                claim: "a biased layer \($0) weakens high frequencies", "layer\($0)", over: "unbiased",
                decidedBy: metric, because: reason, predicted: "p_low without DC: biased > unbiased")
        }
        rows.append(placementTrendRow(comparison, metric: metric))
        return (rows, comparison.numbers)
    }

    /// "No significant difference between placements" (App. C.8: no trend in l) as a test on the trend: per draw,
    /// the change of the effect from layer 1 to layer 5 (least-squares slope over l, times 4); the claim holds when
    /// the 95 % interval of its across-draw mean contains 0. Its size is printed against the mean effect of the bias.
    private func placementTrendRow(_ comparison: NetworkComparison, metric: BandMetric) -> ClaimRow {
        let effects = (1...5).map { l in
            (0..<comparison.draws).map { d in
                metric.effect(
                    comparison.entry("layer\(l)").outputBands[d], over: comparison.entry("unbiased").outputBands[d])
            }
        }
        let trend = DrawSummary(
            (0..<comparison.draws).map { d in
                4 * DepthExperiment.fit(column: 0, of: effects.map { [$0[d]] }).slope
            })
        let gap = effects.flatMap { $0 }.reduce(0, +) / Double(5 * comparison.draws)
        let means = (1...5).map { comparison.entry("layer\($0)").mean(metric) }
        var row = ClaimRow(
            claim: "no significant difference between placements",
            setting: "e7-layer1..5, \(comparison.draws) weight draws",
            measured: "\(metric.rawValue) " + means.map(format).joined(separator: ", ") + "; change layer 1 → 5 "
                + "\(format(trend.mean)) [\(format(trend.interval[0])), \(format(trend.interval[1]))] against a mean effect of the bias "
                + "of \(format(gap))",
            predicted: "no trend in the layer index: the 95 % interval of the change from layer 1 to 5 contains 0",
            holds: trend.verdict == .inconclusive)
        row.decidedBy =
            "\(metric.rawValue): the least-squares trend of the effect over the layer index (App. C.8 reads 'no trend in l')"
        row.statistics = ["trend_layer1_to_5": trend]
        return row
    }
}

/// E8 (Fig. 4d, Theorem 4.2 (5), B.3): smaller kernels give a higher p_low (not universal: §10 items 7, 9).
struct KernelSizeExperiment: Experiment {
    let name = "kernel-size"
    let title = "E8: kernel sizes 1, 3, 5 (5 layers, 16 kernels)"
    let reference = "docs/theory.md §4.3 (Theorem 4.2 (5)), §4.5 B.3, §8 E8, §10 items 7 and 9"

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let comparison = try NetworkComparison(
            [("K=1", "e8-k1"), ("K=3", "e8-k3"), ("K=5", "e8-k5")], size: 64, context: context)
        try comparison.writeFigures(context, prefix: "kernel-size")
        let note = "p_low decreases with K (B.3; not guaranteed, §10 items 7, 9)"
        let reason =
            "Fig. 4d plots p_low as the paper defines it, DC included (without DC the order is printed beside it)"
        return (
            [
                comparison.comparisonRow(
                    claim: "K = 1 has higher p_low than K = 3", "K=1", over: "K=3", decidedBy: .lowRatio,
                    because: reason, predicted: note),
                comparison.comparisonRow(
                    claim: "K = 3 has higher p_low than K = 5", "K=3", over: "K=5", decidedBy: .lowRatio,
                    because: reason, predicted: note),
            ], comparison.numbers
        )
    }
}
