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
        let rows = [
            comparison.greaterRow(claim: "zero padding gives more low-frequency energy than circular", "zeros", "circular",
                                  predicted: "p_low(zeros) > p_low(circular) (Thm 4.3: +a²τ² near DC for mean a ≠ 0)"),
            comparison.greaterRow(claim: "reflect padding also strengthens low frequencies", "reflect", "circular",
                                  predicted: "p_low(reflect) > p_low(circular) (paper: 'to some extent')"),
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
            [("mu=0", "e6-mean0"), ("mu=0.001", "e6-mean0.001"), ("mu=0.01", "e6-mean0.01")], size: 64, context: context)
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
            let high = MomentTheory.multiChannelExact(laws, channels: channels, u: size / 2, v: size / 2, rows: size, columns: size).a
            predicted.append(low / high)
        }
        numbers["predicted_low_high_som_ratio_linear_circular"] = json(predicted)
        let rows = [
            comparison.greaterRow(claim: "a weight mean of 0.001 strengthens low frequencies over 0", "mu=0.001", "mu=0",
                                  predicted: "p_low increases with |mu| (Thm 4.2 (4))"),
            comparison.greaterRow(claim: "a weight mean of 0.01 strengthens low frequencies over 0.001", "mu=0.01", "mu=0.001",
                                  predicted: "p_low increases with |mu| (Thm 4.2 (4))"),
            ClaimRow(claim: "theory: zero-mean linear circular net has a flat expected spectrum",
                     setting: "exact recursion §4.4, E6 widths, [1,0] vs [M/2,N/2]",
                     measured: "SOM ratio low/high " + predicted.map(format).joined(separator: ", ") + " for mu = 0, 0.001, 0.01",
                     predicted: "1 at mu = 0, increasing with mu",
                     holds: abs(predicted[0] - 1) < 1e-9 && predicted[1] > predicted[0] && predicted[2] > predicted[1]),
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
        var rows = (1...5).map {
            comparison.greaterRow(claim: "a biased layer \($0) weakens high frequencies", "layer\($0)", "unbiased",
                                  predicted: "p_low(biased) > p_low(unbiased)")
        }
        let biased = (1...5).map { comparison.entry("layer\($0)").outputPLow }
        let unbiased = comparison.entry("unbiased").outputPLow
        let spread = biased.max()! - biased.min()!
        let gap = biased.reduce(0, +) / 5 - unbiased
        rows.append(ClaimRow(
            claim: "no significant difference between placements", setting: "e7-layer1..5",
            measured: "p_low " + biased.map(format).joined(separator: ", ") + "; spread \(format(spread)), gap to unbiased \(format(gap))",
            predicted: "spread across placements smaller than the gap to the unbiased net", holds: spread < gap))
        return (rows, comparison.numbers)
    }
}

/// E8 (Fig. 4d, Theorem 4.2 (5), B.3): smaller kernels give a higher p_low (not universal: §10 items 7, 9).
struct KernelSizeExperiment: Experiment {
    let name = "kernel-size"
    let title = "E8: kernel sizes 1, 3, 5 (5 layers, 16 kernels)"
    let reference = "docs/theory.md §4.3 (Theorem 4.2 (5)), §4.5 B.3, §8 E8, §10 items 7 and 9"

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let comparison = try NetworkComparison([("K=1", "e8-k1"), ("K=3", "e8-k3"), ("K=5", "e8-k5")], size: 64, context: context)
        try comparison.writeFigures(context, prefix: "kernel-size")
        let note = "p_low decreases with K (B.3; not guaranteed, §10 items 7, 9)"
        return ([
            comparison.greaterRow(claim: "K = 1 has higher p_low than K = 3", "K=1", "K=3", predicted: note),
            comparison.greaterRow(claim: "K = 3 has higher p_low than K = 5", "K=3", "K=5", predicted: note),
        ], comparison.numbers)
    }
}
