import ComplexModule
import SpectraCore
import SpectraNetwork
import SpectraTraining

/// E11 (App. C.7, Table 1; Assumption 4.1): are the entries of ΔT^(l,uv) "irrelevant" to each other in a trained
/// decoder? ae-small is trained briefly; then, for each image separately, one gradient step gives ΔW and so ΔT = T(ΔW)
/// of every decoder convolution. Pearson r between |ΔT_{d1c1}(u,v)| and |ΔT_{d2c2}(u,v)| across images is averaged
/// over seeded random entry pairs and frequencies.
struct IndependenceExperiment: Experiment {
    let name = "independence"
    let title = "E11: Pearson r between entries of ΔT across images (trained ae-small decoder)"
    let reference = "docs/theory.md §4.1 (Assumption 4.1), §7 (independence test), §8 E11, §10 item 6"

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let quick = context.settings.quick
        let size = context.settings.size ?? 32
        let data = try context.input(channels: 3, size: size)
        let pairs = quick ? 200 : 1000
        let steps = quick ? 20 : context.settings.full ? 1500 : 500
        // Each draw trains its own network (weights and batches from seed + draw): r varies more between trained
        // networks than between entry pairs, so the verdict reads the across-draw mean.
        let draws = min(max(2, context.settings.draws), quick ? 2 : context.settings.full ? 16 : 4)
        var raw: [[(mean: Double, standardError: Double)]] = [], normalised = raw, names: [String] = []
        for draw in 0..<draws {
            let layers = try deltaT(data: data, steps: steps, draw: draw, draws: draws, context: context)
            names = layers.names
            var generator = SeededGenerator(seed: context.settings.seed &+ UInt64(draw) &+ 11)
            raw.append(
                layers.samples.map { Self.meanCorrelation($0, pairs: pairs, normalised: false, generator: &generator) })
            normalised.append(
                layers.samples.map { Self.meanCorrelation($0, pairs: pairs, normalised: true, generator: &generator) })
        }
        let rawSummary = names.indices.map { k in DrawSummary(raw.map { $0[k].mean }) }
        let normalisedSummary = names.indices.map { k in DrawSummary(normalised.map { $0[k].mean }) }
        try context.chart(
            ChartData(
                title: "E11: mean Pearson r per decoder layer (mean of \(draws) trained networks)",
                xLabel: "decoder layer",
                yLabel: "r", logY: false,
                series: [
                    ("mean r", names.indices.map { Double($0 + 1) }, rawSummary.map(\.mean)),
                    ("per-image normalised", names.indices.map { Double($0 + 1) }, normalisedSummary.map(\.mean)),
                ]),
            "independence-r")
        let hidden = names.indices.dropLast()
        func interval(_ s: DrawSummary) -> String {
            "\(format(s.mean)) [\(format(s.interval[0])), \(format(s.interval[1]))]"
        }
        func describe(_ i: Int) -> String {
            "\(names[i]): \(interval(rawSummary[i])) (normalised \(interval(normalisedSummary[i])))"
        }
        let setting =
            "ae-small, \(draws) networks × \(steps) Adam steps, \(data.batch) images, \(pairs) entry pairs × frequencies per layer"
        var row = ClaimRow(
            claim: "entries of ΔT are nearly uncorrelated in a trained decoder",
            setting: setting + ", hidden decoder convs",
            measured: hidden.map(describe).joined(separator: ", "),
            predicted: "the 95 % interval of mean r below 0.1 in every hidden layer (paper Table 1: |r| <= 0.026)",
            holds: hidden.allSatisfy { rawSummary[$0].interval[1] < 0.1 && rawSummary[$0].interval[0] > -0.1 })
        row.decidedBy =
            "mean Pearson r of |ΔT| entries across images, as Table 1, over trained networks; the per-image normalised r "
            + "(each image's ΔT divided by its norm) is printed beside it: the part of r that is only each image's shared gradient scale"
        var statistics: [String: DrawSummary] = [:]
        for k in names.indices {
            statistics["\(names[k])_r"] = rawSummary[k]
            statistics["\(names[k])_r_normalised"] = normalisedSummary[k]
        }
        row.statistics = statistics
        let rows = [
            row,
            ClaimRow(
                claim: "the output conv, reported apart (the paper leaves out its last layers)", setting: setting,
                measured: describe(names.count - 1), predicted: "larger r than the hidden layers (paper's text)",
                holds: nil),
        ]
        return (
            rows,
            [
                "layers": .array(names.map { .string($0) }), "draws": .int(draws),
                "mean_pearson_r_per_draw": .array(raw.map { json($0.map(\.mean)) }),
                "standard_error_over_pairs_per_draw": .array(raw.map { json($0.map(\.standardError)) }),
                "mean_pearson_r_per_image_normalised_per_draw": .array(normalised.map { json($0.map(\.mean)) }),
                "pairs": .int(pairs), "training_steps": .int(steps),
            ]
        )
    }

    /// Trains weight draw `draw` of ae-small and returns, per decoder conv, ΔT = T(ΔW) of one gradient step on each
    /// image separately.
    private func deltaT(
        data: Tensor<Float>, steps: Int, draw: Int, draws: Int, context: ExperimentContext
    ) throws
        -> (names: [String], samples: [[TransferMatrices<Double>]])
    {
        let model = try TrainedAutoencoder.train(
            data, steps: steps, draw: draw, label: "network \(draw + 1)/\(draws)",
            context: context
        ).model
        let decoderConvs = model.layers.indices.filter { model.layers[$0].name.hasPrefix("dec_conv") }
        var perLayer = [[TransferMatrices<Double>]](repeating: [], count: decoderConvs.count)
        for b in 0..<data.batch {
            let x = data.batchSlice(b..<(b + 1)).converted(to: Double.self)
            let pass = try model.backwardPass(x, target: x, loss: MSELoss(reduction: .sum), training: false)
            for (k, index) in decoderConvs.enumerated() {
                let conv = model.layers[index].layer as! Conv2d
                var deltaW = pass.parameterGradients[index]["weight"]!
                for i in deltaW.scalars.indices { deltaW.scalars[i] *= -1e-3 }
                let input = pass.outputs[index - 1]
                perLayer[k].append(
                    TransferMatrices<Double>.fromKernels(
                        deltaW, outputFirst: true, anchor: (conv.padding.height, conv.padding.width),
                        rows: input.height, columns: input.width, conjugate: true))
            }
        }
        return (decoderConvs.map { model.layers[$0].name }, perLayer)
    }

    /// Mean Pearson r over `pairs` seeded random (frequency, entry, other entry) triples, with its standard error
    /// across triples. `normalised`: each image's ΔT is first divided by its Frobenius norm.
    static func meanCorrelation(
        _ samples: [TransferMatrices<Double>], pairs: Int, normalised: Bool,
        generator: inout SeededGenerator
    ) -> (mean: Double, standardError: Double) {
        let t = samples[0]
        let entries = t.outputs * t.inputs
        guard entries > 1, samples.count > 2 else { return (.nan, .nan) }
        let scales = samples.map { s -> Double in
            guard normalised else { return 1 }
            let norm = s.values.map(\.lengthSquared).reduce(0, +).squareRoot()
            return norm > 0 ? 1 / norm : 1
        }
        var values: [Double] = []
        for _ in 0..<pairs {
            let f = Int(generator.next() % UInt64(t.rows * t.columns))
            let e1 = Int(generator.next() % UInt64(entries))
            var e2 = Int(generator.next() % UInt64(entries))
            if e2 == e1 { e2 = (e2 + 1) % entries }
            let a = samples.indices.map { samples[$0].values[f * entries + e1].length * scales[$0] }
            let b = samples.indices.map { samples[$0].values[f * entries + e2].length * scales[$0] }
            if let r = pearson(a, b) { values.append(r) }
        }
        guard values.count > 1 else { return (values.first ?? .nan, .nan) }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        return (mean, (variance / Double(values.count)).squareRoot())
    }

    private static func pearson(_ a: [Double], _ b: [Double]) -> Double? {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        var sab = 0.0, saa = 0.0, sbb = 0.0
        for i in a.indices {
            sab += (a[i] - ma) * (b[i] - mb)
            saa += (a[i] - ma) * (a[i] - ma)
            sbb += (b[i] - mb) * (b[i] - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : nil
    }
}
