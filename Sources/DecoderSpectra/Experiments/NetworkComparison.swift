import Foundation

/// Runs several built-in networks on the same images and measures the low-frequency ratio p_low (docs/theory.md §7) of their
/// outputs and of every conv block; shared by the padding (E4), weight-mean (E6), placement (E7) and kernel-size
/// (E8) experiments, which differ only in the networks compared and the claimed order.
struct NetworkComparison {
    struct Entry {
        let label: String
        let model: String
        /// p_low of the network output, per image.
        let outputPLowPerImage: [Double]
        /// p_low after each conv block (conv + its activation), averaged over images.
        let blockPLow: [Double]
        let outputSpectrum: Spectrum<Float>

        var outputPLow: Double { outputPLowPerImage.reduce(0, +) / Double(outputPLowPerImage.count) }
    }

    let entries: [Entry]

    init(_ networks: [(label: String, model: String)], size: Int, context: ExperimentContext) throws {
        var entries: [Entry] = []
        for (label, name) in networks {
            context.progress("running \(name)")
            let model = try context.model(name)
            let input = try context.input(channels: model.inputChannels, size: size)
            let outputs = try model.forwardCapturingAll(input)
            let blockPLow = NetworkComparison.blockEnds(model).map { SpectrumStatistics.lowFrequencyRatio(FFT2D.forward(outputs[$0])) }
            let spectrum = FFT2D.forward(outputs.last!)
            let perImage = SpectrumStatistics.lowFrequencyRatioPerImage(spectrum)
            entries.append(Entry(label: label, model: name, outputPLowPerImage: perImage, blockPLow: blockPLow, outputSpectrum: spectrum))
        }
        self.entries = entries
    }

    /// Index of the last layer of every conv block: the Conv2d, or the activation right after it.
    static func blockEnds(_ model: Sequential) -> [Int] {
        model.layers.indices.filter { model.layers[$0].layer is Conv2d }.map { i in i + 1 < model.layers.count && model.layers[i + 1].layer is Activation ? i + 1 : i }
    }

    func entry(_ label: String) -> Entry { entries.first { $0.label == label }! }

    /// "p_low(a) > p_low(b)" as a verdict row: the paired difference over images, holding when it exceeds two of its
    /// standard errors (so that a verdict is not one image's noise).
    func greaterRow(claim: String, _ a: String, _ b: String, predicted: String) -> ClaimRow {
        let (x, y) = (entry(a), entry(b))
        let differences = zip(x.outputPLowPerImage, y.outputPLowPerImage).map { $0 - $1 }
        let n = Double(differences.count)
        let mean = differences.reduce(0, +) / n
        let sd = n > 1 ? (differences.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot() : 0
        let se = sd / n.squareRoot()
        return ClaimRow(
            claim: claim, setting: "\(x.model) vs \(y.model), \(differences.count) images",
            measured: "p_low \(format(x.outputPLow)) vs \(format(y.outputPLow)); diff \(format(mean)) ± \(format(se))",
            predicted: predicted, holds: mean > 2 * se && mean > 0)
    }

    /// The numbers every comparison reports.
    var numbers: [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for e in entries {
            result[e.label] = .object([
                "model": .string(e.model), "output_p_low": .double(e.outputPLow),
                "output_p_low_per_image": json(e.outputPLowPerImage), "block_p_low": json(e.blockPLow),
            ])
        }
        return result
    }

    /// Bars of output p_low, curves of p_low per block, and each network's output magnitude map.
    func writeFigures(_ context: ExperimentContext, prefix: String) throws {
        try context.figure(SpectrumFigure.bars(entries.map { ($0.label, $0.outputPLow) }, title: "\(prefix): P_LOW OF THE OUTPUT",
                                               yLabel: "P_LOW"), "\(prefix)-p-low")
        try context.chart(ChartData(
            title: "\(prefix): p_low after each conv block", xLabel: "layer", yLabel: "p_low", logY: false,
            series: entries.map { e in (e.label, e.blockPLow.indices.map { Double($0 + 1) }, e.blockPLow) }), "\(prefix)-p-low-per-layer")
        // One colour scale for all networks of the comparison.
        let range = SpectrumFigure.sharedLogRange(entries.map { SpectrumStatistics.meanMagnitudeMap($0.outputSpectrum) })
        for e in entries {
            try context.spectrumFigure(e.outputSpectrum, title: "\(e.model) OUTPUT", name: "\(prefix)-output-\(e.label)", logRange: range)
        }
    }
}
