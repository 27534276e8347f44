import Foundation
import SpectraCore
import SpectraNetwork
import SpectraReport

/// Runs several built-in networks on the same images, over independent weight draws, and measures the band metrics
/// of their outputs (docs/theory.md §7, §8 "Replication"); shared by the padding (E4), weight-mean (E6), placement
/// (E7) and kernel-size (E8) experiments, which differ only in the networks compared, the claimed order and the
/// metric that the paper's figure shows.
struct NetworkComparison {
    struct Entry {
        let label: String
        let model: String
        /// Band powers of the network output, per draw, per image.
        let outputBands: [[BandPowers]]
        /// p_low after each conv block (conv + its activation), averaged over images and draws.
        let blockPLow: [Double]
        /// The output spectrum of the first draw (for the figures).
        let outputSpectrum: Spectrum<Float>

        /// The image mean of `metric` in every draw.
        func drawMeans(_ metric: BandMetric) -> [Double] {
            outputBands.map { images in images.map(metric.value).reduce(0, +) / Double(images.count) }
        }

        func mean(_ metric: BandMetric) -> Double {
            let values = drawMeans(metric)
            return values.reduce(0, +) / Double(values.count)
        }
    }

    let entries: [Entry]
    let draws: Int
    let images: Int

    init(_ networks: [(label: String, model: String)], size: Int, context: ExperimentContext) throws {
        let draws = max(1, context.settings.draws)
        self.draws = draws
        var entries: [Entry] = [], imageCount = 0
        for (label, name) in networks {
            var bands: [[BandPowers]] = [], blockSums: [Double] = [], first: Spectrum<Float>?
            for draw in 0..<draws {
                context.progress("running \(name), weight draw \(draw + 1)/\(draws)")
                let model = try context.model(name, draw: draw)
                let input = try context.input(channels: model.inputChannels, size: size)
                imageCount = input.batch
                let outputs = try model.forwardCapturingAll(input)
                // One FFT per block end; the output's is reused when the last block ends the network.
                let ends = NetworkComparison.blockEnds(model)
                let blockSpectra = ends.map { FFT2D.forward(outputs[$0]) }
                let blockPLow = blockSpectra.map(SpectrumStatistics.lowFrequencyRatio)
                blockSums = blockSums.isEmpty ? blockPLow : zip(blockSums, blockPLow).map { $0 + $1 }
                let spectrum = ends.last == outputs.count - 1 ? blockSpectra.last! : FFT2D.forward(outputs.last!)
                bands.append(BandPowers.perImage(spectrum))
                if first == nil { first = spectrum }
            }
            entries.append(
                Entry(
                    label: label, model: name, outputBands: bands,
                    blockPLow: blockSums.map { $0 / Double(draws) }, outputSpectrum: first!))
        }
        self.entries = entries
        images = imageCount
    }

    /// Index of the last layer of every conv block: the Conv2d, or the activation right after it.
    static func blockEnds(_ model: Sequential) -> [Int] {
        model.layers.indices.filter { model.layers[$0].layer is Conv2d }.map { i in
            i + 1 < model.layers.count && model.layers[i + 1].layer is Activation ? i + 1 : i
        }
    }

    func entry(_ label: String) -> Entry { entries.first { $0.label == label }! }

    /// The per-draw effect of network a over b on `metric`, summarised across draws.
    func effect(_ a: String, over b: String, _ metric: BandMetric, predictedSign: Double = 1) -> DrawSummary {
        let (x, y) = (entry(a), entry(b))
        return DrawSummary(
            (0..<draws).map { metric.effect(x.outputBands[$0], over: y.outputBands[$0]) }, predictedSign: predictedSign)
    }

    /// "network a has more low-frequency energy than b" as a verdict row, decided by `metric` over weight draws;
    /// every other band metric is measured beside it (in `statistics` and as one sign per metric in the table).
    func comparisonRow(
        claim: String, _ a: String, over b: String, decidedBy metric: BandMetric, because reason: String,
        predicted: String
    ) -> ClaimRow {
        var statistics: [String: DrawSummary] = [:]
        for m in BandMetric.allCases { statistics[m.rawValue] = effect(a, over: b, m) }
        let decisive = statistics[metric.rawValue]!
        let others = BandMetric.allCases.filter { $0 != metric }.map { m -> String in
            let s = statistics[m.rawValue]!
            return "\(m.rawValue) \(s.verdict == .holds ? "+" : s.verdict == .reversed ? "−" : "~")"
        }
        let (x, y) = (entry(a), entry(b))
        var row = ClaimRow(
            claim: claim, setting: "\(x.model) vs \(y.model), \(draws) weight draws × \(images) images",
            measured: "\(metric.rawValue) \(format(x.mean(metric))) vs \(format(y.mean(metric))); "
                + "\(metric.isRatio ? "diff" : "log ratio") \(decisive.text) (\(decisive.verdict.rawValue)); "
                + "others: " + others.joined(separator: ", "),
            predicted: predicted, holds: decisive.verdict.holds)
        row.decidedBy = "\(metric.rawValue): \(reason)"
        row.statistics = statistics
        return row
    }

    /// The numbers every comparison reports: per network, each band metric's image mean in every draw.
    var numbers: [String: JSONValue] {
        var result: [String: JSONValue] = ["draws": .int(draws), "images_per_draw": .int(images)]
        for e in entries {
            var object: [String: JSONValue] = ["model": .string(e.model), "block_p_low": json(e.blockPLow)]
            for m in BandMetric.allCases { object["\(m.rawValue)_per_draw"] = json(e.drawMeans(m)) }
            result[e.label] = .object(object)
        }
        return result
    }

    /// Bars of output p_low, curves of p_low per block, and each network's output magnitude map (first draw).
    func writeFigures(_ context: ExperimentContext, prefix: String) throws {
        for (metric, title) in [(BandMetric.lowRatio, "p_low"), (.lowRatioWithoutDC, "p_low without DC")] {
            try context.figure(
                SpectrumFigure.bars(
                    entries.map { ($0.label, $0.mean(metric)) },
                    title: "\(prefix): \(title) of the output (mean of \(draws) draws)", yLabel: title),
                "\(prefix)-\(metric.rawValue.replacingOccurrences(of: "_", with: "-"))")
        }
        try context.chart(
            ChartData(
                title: "\(prefix): p_low after each conv block (mean of \(draws) draws)", xLabel: "layer",
                yLabel: "p_low", logY: false,
                series: entries.map { e in (e.label, e.blockPLow.indices.map { Double($0 + 1) }, e.blockPLow) }),
            "\(prefix)-p-low-per-layer")
        // One colour scale for all networks of the comparison.
        let range = SpectrumFigure.sharedLogRange(
            entries.map { SpectrumStatistics.meanMagnitudeMap($0.outputSpectrum) })
        for e in entries {
            try context.spectrumFigure(
                e.outputSpectrum, title: "\(e.model): output spectrum (first draw)",
                name: "\(prefix)-output-\(e.label)", logRange: range)
        }
    }
}
