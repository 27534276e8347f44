import RealModule
import SpectraCore
import SpectraIO
import SpectraNetwork
import SpectraReport
import SpectraTraining

/// E3 (Sec. 5.1, Fig. 1a, Fig. 7): an auto-encoder learns low frequencies before high ones. The scaled-down
/// auto-encoder (ae-small) is trained with Adam on the experiment's images, several times from independent draws; the reconstruction error of a fixed batch
/// is tracked per frequency band, and the step at which each band has made half of its total progress is compared.
struct LearningOrderExperiment: Experiment {
    let name = "learning-order"
    let title = "E3: reconstruction error per frequency band during training (ae-small)"
    let reference = "docs/theory.md §4.5 B.4, §8 E3, §9 (low frequencies learned first)"

    /// One training run: band errors of a fixed batch's reconstruction (with and without DC) at every record step.
    struct Curve {
        var steps: [Double] = []
        var bands: [[Double]] = []
        var bandsWithoutDC: [[Double]] = []
        var losses: [Double] = []
        var pictures: [(Int, Spectrum<Float>, Tensor<Float>)] = []

        /// Step at which each band has made half of its total progress (initial − final error); infinity if none.
        func halfway(_ table: [[Double]]) -> [Double] {
            (0..<3).map { k in
                let first = table.first![k], last = table.last![k]
                guard first > last else { return .infinity }
                let goal = first - 0.5 * (first - last)
                return steps[table.firstIndex { $0[k] <= goal }!]
            }
        }
    }

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let size = context.settings.size ?? 32
        let steps = context.settings.quick ? 60 : context.settings.full ? 1000 : 300
        let data = try context.input(channels: 3, size: size)
        // Independent trainings (weights and batch order from seed + draw); the verdicts read the across-draw means.
        let draws = context.settings.quick ? 2 : context.settings.full ? 16 : 4
        let curves = try (0..<draws).map { draw in
            try train(
                data, steps: steps, draw: draw, label: "\(context.settings.data), training \(draw + 1)/\(draws)",
                context: context,
                keepPictures: draw == 0)
        }
        let curve = curves[0]
        // The control: the same training on white noise, whose spectrum favours no band.
        let noise = SyntheticImages.generate(
            .whiteNoise, count: data.batch, channels: 3, height: size, width: size, seed: context.settings.seed)
        let control = try train(
            noise, steps: steps, draw: 0, label: "white-noise", context: context, keepPictures: false)

        let labels = ["low (r < 1/8, no DC)", "mid (1/8 <= r < 1/4)", "high (r >= 1/4)"]
        try context.chart(
            ChartData(
                title: "E3: reconstruction error per band (DC excluded)", xLabel: "step", yLabel: "relative error",
                logY: true,
                series: (0..<3).map { k in (labels[k], curve.steps, curve.bandsWithoutDC.map { $0[k] }) }
                    + (0..<3).map { k in
                        ("white noise: " + labels[k], control.steps, control.bandsWithoutDC.map { $0[k] })
                    }),
            "learning-order-bands")
        for (step, spectrum, output) in curve.pictures {
            try context.spectrumFigure(
                spectrum, title: "ae-small output spectrum, step \(step)", name: "learning-order-spectrum-\(step)")
            try context.figure(
                ImageFigure.grid(output, title: "Decoded images, step \(step)"), "learning-order-images-\(step)")
        }
        func finite(_ v: [Double]) -> [Double] { v.map { $0.isFinite ? $0 : Double(steps) } }
        let halfways = curves.map { finite($0.halfway($0.bandsWithoutDC)) }
        let halfway = (0..<3).map { k in halfways.map { $0[k] }.reduce(0, +) / Double(draws) }
        let withDC = curve.halfway(curve.bands)
        let controlHalfway = control.halfway(control.bandsWithoutDC)
        let gap = DrawSummary(halfways.map { $0[2] - $0[0] })
        let finals = curves.map { $0.bandsWithoutDC.last! }
        let final = (0..<3).map { k in finals.map { $0[k] }.reduce(0, +) / Double(draws) }
        let lowMid = DrawSummary(finals.map { Double.log($0[1] / $0[0]) }),
            midHigh = DrawSummary(finals.map { Double.log($0[2] / $0[1]) })
        let setting = "ae-small, Adam lr 2e-3, \(steps) steps, \(data.batch) images \(size)x\(size), \(draws) trainings"
        var first = ClaimRow(
            claim: "low frequencies are learned first", setting: setting,
            measured: "mean half-way steps " + halfway.map(format).joined(separator: ", ")
                + " (low, mid, high; DC excluded); "
                + "high − low \(gap.text); first training with DC in the low band "
                + withDC.map(format).joined(separator: ", "),
            predicted: "low <= mid <= high (means), high − low > 0 across trainings",
            holds: gap.verdict.holds && halfway[0] <= halfway[1] && halfway[1] <= halfway[2])
        first.decidedBy =
            "relative error per band without DC: the low band with DC is mostly the image mean, learned at once by any bias"
        first.statistics = ["halfway_high_minus_low": gap]
        var best = ClaimRow(
            claim: "after training, low frequencies are reconstructed best", setting: setting + ", final step",
            measured: "mean band errors " + final.map(format).joined(separator: ", ")
                + " (DC excluded); ln(mid/low) \(lowMid.text); "
                + "ln(high/mid) \(midHigh.text)",
            predicted: "low < mid < high", holds: lowMid.verdict.holds && midHigh.verdict.holds)
        best.decidedBy = first.decidedBy
        best.statistics = ["log_mid_over_low": lowMid, "log_high_over_mid": midHigh]
        let rows = [
            first, best,
            ClaimRow(
                claim: "control: the same order on white noise (no band favoured by the data)",
                setting: setting.replacingOccurrences(
                    of: "images", with: "white-noise images"),
                measured: "half-way steps " + controlHalfway.map(format).joined(separator: ", ") + "; final errors "
                    + control.bandsWithoutDC.last!.map(format).joined(separator: ", "),
                predicted:
                    "an order here is the network's own bias; none would leave the order above to the data's 1/f² spectrum (B.4)",
                holds: nil),
        ]
        return (
            rows,
            [
                "steps": json(curve.steps), "trainings": .int(draws), "band_errors": .array(curve.bands.map(json)),
                "band_errors_without_dc": .array(curve.bandsWithoutDC.map(json)),
                "halfway_steps_without_dc_per_training": .array(halfways.map(json)),
                "final_band_errors_without_dc_per_training": .array(finals.map(json)),
                "halfway_steps": json(finite(withDC)),
                "losses": json(curve.losses),
                "white_noise_band_errors_without_dc": .array(control.bandsWithoutDC.map(json)),
                "white_noise_halfway_steps_without_dc": json(finite(controlHalfway)),
            ]
        )
    }

    /// Trains a fresh ae-small on `data` and records the band errors of its first (up to) 4 images.
    private func train(
        _ data: Tensor<Float>, steps: Int, draw: Int, label: String, context: ExperimentContext, keepPictures: Bool
    ) throws -> Curve {
        let every = context.settings.quick ? 5 : 10
        let fixed = data.batchSlice(0..<min(4, data.batch))
        let target = FFT2D.forward(fixed)
        var curve = Curve()
        let show = Set([0, steps / 10, steps / 3, steps])
        func record(_ model: Sequential, step: Int) throws {
            let output = try model.forward(fixed)
            let spectrum = FFT2D.forward(output)
            curve.steps.append(Double(step))
            curve.bands.append(TrainingSnapshot.bandErrors(spectrum, target: target))
            curve.bandsWithoutDC.append(TrainingSnapshot.bandErrors(spectrum, target: target, includingDC: false))
            if keepPictures && show.contains(step) { curve.pictures.append((step, spectrum, output)) }
        }
        try record(try context.model("ae-small", draw: draw), step: 0)
        let trainer = try TrainedAutoencoder.train(data, steps: steps, draw: draw, label: label, context: context) {
            trainer in
            if trainer.step % every == 0 || trainer.step == steps { try record(trainer.model, step: trainer.step) }
        }
        curve.losses = trainer.losses
        return curve
    }
}
