/// E3 (Sec. 5.1, Fig. 1a, Fig. 7): an auto-encoder learns low frequencies before high ones. The scaled-down
/// auto-encoder (ae-small) is trained with Adam on the experiment's images; the reconstruction error of a fixed batch
/// is tracked per frequency band, and the step at which each band has made half of its total progress is compared.
struct LearningOrderExperiment: Experiment {
    let name = "learning-order"
    let title = "E3: reconstruction error per frequency band during training (ae-small)"
    let reference = "docs/theory.md §4.5 B.4, §8 E3, §9 (low frequencies learned first)"

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let size = context.settings.size ?? 32
        let steps = context.settings.quick ? 60 : 300, every = context.settings.quick ? 5 : 10
        let model = try context.model("ae-small")
        let data = try context.input(channels: 3, size: size)
        var config = TrainingConfig(steps: steps, batchSize: min(16, data.batch), optimizer: "adam", learningRate: 2e-3)
        config.seed = context.settings.seed
        var trainer = try Trainer(model: model, data: data, config: config)
        let fixed = data.batchSlice(0..<min(4, data.batch))
        let target = FFT2D.forward(fixed)
        var recordSteps: [Double] = [], bands: [[Double]] = [], pictures: [(Int, Spectrum<Float>, Tensor<Float>)] = []
        let show = Set([0, steps / 10, steps / 3, steps])
        func record() throws {
            let output = try trainer.model.forward(fixed)
            let spectrum = FFT2D.forward(output)
            recordSteps.append(Double(trainer.step))
            bands.append(TrainingSnapshot.bandErrors(spectrum, target: target))
            if show.contains(trainer.step) { pictures.append((trainer.step, spectrum, output)) }
        }
        try record()
        while trainer.step < steps {
            try trainer.trainStep()
            if trainer.step % every == 0 || trainer.step == steps { try record() }
            context.progress("step \(trainer.step)/\(steps), loss \(format(trainer.losses.last!))")
        }
        let labels = ["low (r < 1/8)", "mid (1/8 <= r < 1/4)", "high (r >= 1/4)"]
        // Step at which each band has made half of its total progress (initial − final error).
        let halfway: [Double] = (0..<3).map { k in
            let first = bands.first![k], last = bands.last![k]
            guard first > last else { return .infinity }
            let goal = first - 0.5 * (first - last)
            return recordSteps[bands.firstIndex { $0[k] <= goal }!]
        }
        try context.chart(ChartData(title: "E3: reconstruction error per band", xLabel: "step", yLabel: "relative error", logY: true,
                                    series: (0..<3).map { k in (labels[k], recordSteps, bands.map { $0[k] }) }), "learning-order-bands")
        for (step, spectrum, output) in pictures {
            try context.spectrumFigure(spectrum, title: "OUTPUT SPECTRUM, STEP \(step)", name: "learning-order-spectrum-\(step)")
            try context.figure(ImageFigure.grid(output, title: "DECODED, STEP \(step)"), "learning-order-images-\(step)")
        }
        let final = bands.last!
        let rows = [
            ClaimRow(claim: "low frequencies are learned first", setting: "ae-small, Adam lr 2e-3, \(steps) steps, \(data.batch) images \(size)x\(size)",
                     measured: "half-way steps " + halfway.map(format).joined(separator: ", ") + " (low, mid, high)",
                     predicted: "low <= mid <= high, low < high", holds: halfway[0] <= halfway[1] && halfway[1] <= halfway[2] && halfway[0] < halfway[2]),
            ClaimRow(claim: "after training, low frequencies are reconstructed best", setting: "same run, final step",
                     measured: "band errors " + final.map(format).joined(separator: ", "), predicted: "low < mid < high",
                     holds: final[0] < final[1] && final[1] < final[2]),
        ]
        return (rows, ["steps": json(recordSteps), "band_errors": .array(bands.map(json)), "halfway_steps": json(halfway.map { $0.isFinite ? $0 : -1 }),
                       "losses": json(trainer.losses)])
    }
}
