import ComplexModule

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
        var config = TrainingConfig(steps: quick ? 20 : 150, batchSize: min(16, data.batch), optimizer: "adam", learningRate: 2e-3)
        config.seed = context.settings.seed
        var trainer = try Trainer(model: try context.model("ae-small"), data: data, config: config)
        while trainer.step < config.steps {
            try trainer.trainStep()
            context.progress("training step \(trainer.step)/\(config.steps)")
        }
        let model = trainer.model
        let decoderConvs = model.layers.indices.filter { model.layers[$0].name.hasPrefix("dec_conv") }
        // ΔT per image and decoder conv layer.
        var perLayer = [[TransferMatrices<Double>]](repeating: [], count: decoderConvs.count)
        for b in 0..<data.batch {
            context.progress("image \(b + 1)/\(data.batch)")
            let x = data.batchSlice(b..<(b + 1)).converted(to: Double.self)
            let pass = try model.backwardPass(x, target: x, loss: MSELoss(reduction: .sum), training: false)
            for (k, index) in decoderConvs.enumerated() {
                let conv = model.layers[index].layer as! Conv2d
                var deltaW = pass.parameterGradients[index]["weight"]!
                for i in deltaW.scalars.indices { deltaW.scalars[i] *= -1e-3 }
                let input = pass.outputs[index - 1]
                perLayer[k].append(TransferMatrices<Double>.fromKernels(deltaW, outputFirst: true, anchor: (1, 1),
                                                                        rows: input.height, columns: input.width, conjugate: true))
            }
        }
        var generator = SeededGenerator(seed: context.settings.seed &+ 11)
        var meanR: [Double] = []
        for samples in perLayer {
            let t = samples[0]
            var total = 0.0, count = 0
            for _ in 0..<64 {
                let f = Int(generator.next() % UInt64(t.rows * t.columns))
                let e1 = Int(generator.next() % UInt64(t.outputs * t.inputs))
                var e2 = Int(generator.next() % UInt64(t.outputs * t.inputs))
                if e2 == e1 { e2 = (e2 + 1) % (t.outputs * t.inputs) }
                let a = samples.map { $0.values[f * t.outputs * t.inputs + e1].length }
                let b = samples.map { $0.values[f * t.outputs * t.inputs + e2].length }
                if let r = pearson(a, b) { total += r; count += 1 }
            }
            meanR.append(count > 0 ? total / Double(count) : .nan)
        }
        let names = decoderConvs.map { model.layers[$0].name }
        try context.chart(ChartData(title: "E11: mean Pearson r per decoder layer", xLabel: "decoder layer", yLabel: "r", logY: false,
                                    series: [("mean r", meanR.indices.map { Double($0 + 1) }, meanR)]), "independence-r")
        let worst = meanR.map(abs).max() ?? .nan
        let rows = [ClaimRow(
            claim: "entries of ΔT are nearly uncorrelated in a trained decoder", setting: "ae-small after \(config.steps) steps, \(data.batch) images, 64 entry pairs × frequencies per layer",
            measured: zip(names, meanR).map { "\($0): \(format($1))" }.joined(separator: ", "),
            predicted: "|r| near 0 (paper Table 1: |r| <= 0.026; here <= 0.1)", holds: worst <= 0.1)]
        return (rows, ["layers": .array(names.map { .string($0) }), "mean_pearson_r": json(meanR)])
    }

    private func pearson(_ a: [Double], _ b: [Double]) -> Double? {
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
