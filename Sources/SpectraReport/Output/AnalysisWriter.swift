import Foundation
import SpectraAnalysis
import SpectraCore
import SpectraIO
import SpectraNetwork

/// Writes the results of an analysis into an output folder (the main job of `demo` and `analyze`): `summary.json`,
/// `spectra/NN-<layer>.power.npy` (the dataset-averaged power map E|H|², float64 [M, N], un-shifted; 00 the input),
/// `p_low.npy`
/// (p_low of every image and stage), `figures/*.png`, `report.html`, and on request the per-image files
/// `spectra/NN-<layer>.npy` (complex64 [B, C, M, N]) and `features/NN-<layer>.npy` (float32 [B, C, H, W]), streamed
/// batch by batch (`PerImageFiles`). Everything goes through a `StagedDirectory`, so a failure leaves nothing.
public struct AnalysisWriter {
    /// What to write besides summary.json and the dataset-averaged maps.
    public struct Options: Sendable {
        /// Per-image complex64 spectra of every stage (`--save-spectra`).
        public var saveSpectra = false
        /// Per-image float32 feature maps of every stage (`--save-features`).
        public var saveFeatures = false
        /// The most images whose spectra or features are saved.
        public var savedImages = Int.max
        /// The dataset-averaged power maps (`--no-spectra` turns them off).
        public var savePowerMaps = true
        public var saveFigures = true
        /// One colour range for the spectrum maps of every stage (and the input) instead of one per map.
        public var sharedColourScale = false
        /// The maps' colour range in dB below their maximum; nil: down to the 1st percentile, at most 160 dB.
        public var dynamicRangeDB: Double?
        /// Kinds of layers shown in the charts over depth and the radial chart (type prefixes); nil: all.
        public var chartedKinds: [String]?
        public var command = ""
        public var seed: UInt64?
        public init() {}
    }

    public let options: Options

    /// A writer with these options (the defaults write the figures and the report).
    public init(options: Options = Options()) { self.options = options }

    /// The file stem of stage `index` (0-based): "NN-<name>", the name made safe (`SafePath.fileName`).
    static func stem(_ index: Int, _ name: String) -> String {
        String(format: "%02d-", index + 1) + SafePath.fileName(name)
    }

    /// Per-image spectra and features, appended batch by batch while an analysis streams (the first `savedImages`).
    public final class PerImageFiles {
        private let options: Options
        private var spectra: [NpyAppender] = []
        private var features: [NpyAppender] = []
        private var spectrumNames: [String?] = [], featureNames: [String?] = []

        public init(options: Options) { self.options = options }

        /// Appends what `options` asks for of stage `index` of a batch (images beyond `savedImages` are skipped);
        /// stages arrive in order, batch after batch.
        @_specialize(where S == Float)
        @_specialize(where S == Double)
        package func append<S: TensorScalar>(
            stage: TracedStage<S>, at index: Int, into folder: StagedDirectory
        ) throws {
            guard options.saveSpectra || options.saveFeatures else { return }
            if index == spectrumNames.count {  // the first batch opens the files
                let stem = AnalysisWriter.stem(index, stage.name)
                let spectrum = options.saveSpectra ? "spectra/\(stem).npy" : nil,
                    feature = options.saveFeatures ? "features/\(stem).npy" : nil
                if let spectrum {
                    spectra.append(
                        try NpyAppender(
                            folder.url(spectrum), descr: "<c8", imageShape: Array(stage.spectrum.shape.dropFirst())))
                }
                if let feature {
                    features.append(
                        try NpyAppender(
                            folder.url(feature), descr: "<f4", imageShape: Array(stage.output.shape.dropFirst())))
                }
                spectrumNames.append(spectrum)
                featureNames.append(feature)
            }
            let saved = options.saveSpectra ? spectra[index].images : features[index].images
            let count = min(stage.output.batch, max(0, options.savedImages - saved))
            guard count > 0 else { return }
            if options.saveSpectra {
                let per = stage.spectrum.values.count / stage.spectrum.batch
                try spectra[index].append(
                    NpyFile.complex64Payload(Array(stage.spectrum.values[0..<(count * per)])), images: count)
            }
            if options.saveFeatures {
                let per = stage.output.count / stage.output.batch
                try features[index].append(
                    NpyFile.float32Payload(Array(stage.output.scalars[0..<(count * per)])), images: count)
            }
        }

        /// Appends every stage of a traced batch.
        package func append<S: TensorScalar>(_ trace: TracedRun<S>, into folder: StagedDirectory) throws {
            for (index, stage) in trace.stages.enumerated() { try append(stage: stage, at: index, into: folder) }
        }

        /// Closes the files; returns the (spectrum, feature) file of each stage.
        public func finish() throws -> [(spectrum: String?, feature: String?)] {
            for file in spectra + features { try file.finish() }
            return zip(spectrumNames, featureNames).map { ($0, $1) }
        }
    }

    /// Writes the output folder of an analysis (summary.json, spectra/*.power.npy, p_low.npy, figures/,
    /// report.html), all at once: the files are staged beside `url` and replace it in one step at the end, so a
    /// failure leaves no partial folder.
    ///
    /// - Parameters:
    ///   - analysis: the result of `StreamingAnalysis.run` (or of merging shards).
    ///   - url: the output folder.
    ///   - source: where the inputs came from, as the report should name it.
    ///   - precision: "float32" or "float64", the precision of the run.
    ///   - force: replace a non-empty folder at `url` (otherwise `SpectraError.outputExists`).
    /// - Returns: the summary, as written to summary.json.
    /// - Throws: `SpectraError.outputExists`, or what writing a file throws (naming the file).
    public func write(
        _ analysis: AnalysisAccumulator, to url: URL, source: String, precision: String = "float32",
        force: Bool = false
    ) throws -> AnalysisSummary {
        let folder = try StagedDirectory(url, force: force)
        let summary = try write(analysis, source: source, files: nil, precision: precision, into: folder)
        try folder.commit()
        return summary
    }

    /// Writes every file for the accumulated analysis into `folder` and returns the summary (also summary.json).
    package func write(
        _ analysis: AnalysisAccumulator, source: String, files: [String]?, precision: String,
        into folder: StagedDirectory,
        perImage: PerImageFiles? = nil, progress: ((String) -> Void)? = nil
    ) throws -> AnalysisSummary {
        let saved = try perImage?.finish() ?? []
        // Figures read the display spectra when a window or zero padding was asked for; the numbers stay exact.
        let display = analysis.display
        let shownInput = display?.input ?? analysis.input
        let shownStages =
            display.map { $0.stages.count == analysis.stages.count ? $0.stages : analysis.stages } ?? analysis.stages
        let windowNote = display.map { " (\($0.window))" } ?? ""
        let inputFigure = options.saveFigures ? "figures/00-input.png" : nil
        let range =
            options.sharedColourScale
            ? colourRange([shownInput.meanMagnitudeMap] + shownStages.map(\.meanMagnitudeMap)) : nil
        if inputFigure != nil {
            try figure(shownInput, title: "Input" + windowNote, base: folder.url("figures/00-input"), range: range)
        }
        let inputRadial = analysis.input.radialSpectrum(powerMap: analysis.input.meanPowerMap)
        let shownInputRadial =
            display == nil ? inputRadial : shownInput.radialSpectrum(powerMap: shownInput.meanPowerMap)
        var curves: [(label: String, x: [Double], y: [Double])] = [
            ("input", shownInputRadial.frequency, shownInputRadial.power)
        ]
        // Each stage's files are independent of the others': written on all cores (the figures, two PNG encodings per
        // map, dominate). The worker threads do not inherit task-local values: the figure formats are bound again.
        let pdf = FigureFormats.pdf
        let progressLock = NSLock()
        let perStage = try analysis.stages.indices.concurrentMap { index in
            try FigureFormats.$pdf.withValue(pdf) {
                let stage = analysis.stages[index]
                progressLock.withLock {
                    progress?("writing layer \(index + 1)/\(analysis.stages.count) \(stage.name)")
                }
                let stem = Self.stem(index, stage.name)
                let power = stage.meanPowerMap  // derived once: the radial profile, the slices and the .npy all read it
                let radial = stage.radialSpectrum(powerMap: power)
                var info = AnalysisSummary.LayerInfo(
                    index: index + 1, name: stage.name, type: stage.type,
                    outputShape: [analysis.images] + stage.imageShape,
                    pLow: stage.meanLowFrequencyRatio, radialSpectrum: radial,
                    verification: stage.verification ?? LayerVerification(rule: .unavailable, detail: ""))
                let shown = shownStages[index]
                let shownPower = display == nil ? power : shown.meanPowerMap
                let shownRadial = display == nil ? radial : shown.radialSpectrum(powerMap: shownPower)
                if display != nil { info.displayRadialSpectrum = shownRadial }
                let slices = [0, 45, 90].map {
                    (
                        $0,
                        SpectrumStatistics.angularSlice(
                            powerMap: shownPower, rows: shown.rows,
                            columns: shown.columns, degrees: $0)
                    )
                }
                info.angularSlices = Dictionary(
                    uniqueKeysWithValues: slices.map {
                        ("\($0.0)", .init(frequency: $0.1.frequency, power: $0.1.power))
                    })
                if index == analysis.stages.count - 1 && options.saveFigures {
                    let chart = ChartData(
                        title: "Angular slices of the output's power (\(stage.name))" + windowNote,
                        xLabel: "radius (cycles/pixel)",
                        yLabel: "power per pixel, E|H|²/MN", logY: true,
                        series: slices.map { ("\($0.0)°", $0.1.frequency, $0.1.power) })
                    try chart.write(base: folder.url("figures/angular-slices"))
                    try spreadChart(
                        [("input", shownInputRadial), ("output (\(stage.name))", shownRadial)], note: windowNote)?
                        .write(base: folder.url("figures/radial-spread"))
                }
                if options.savePowerMaps {
                    info.powerFile = "spectra/\(stem).power.npy"
                    try NpyFile.writeFloat64(
                        power, shape: [stage.rows, stage.columns], to: folder.url(info.powerFile!))
                }
                if let channels = stage.meanChannelPowerMaps {
                    info.channelPowerFile = "spectra/\(stem).channel-power.npy"
                    try NpyFile.writeFloat64(
                        channels, shape: stage.imageShape, to: folder.url(info.channelPowerFile!))
                }
                if index < saved.count { (info.spectrumFile, info.featureFile) = saved[index] }
                if options.saveFigures {
                    info.figure = "figures/\(stem).png"
                    try figure(
                        shown,
                        title:
                            "\(index + 1) \(DisplayName.short(stage.name)) (\(stage.type)) "
                            + "\(stage.rows)×\(stage.columns)" + windowNote,
                        base: folder.url("figures/\(stem)"), range: range)
                }
                let charted = AnalysisSummary.isCharted(stage.type, kinds: options.chartedKinds)
                return (info: info, curve: charted ? (stage.name, shownRadial.frequency, shownRadial.power) : nil)
            }
        }
        let layers = perStage.map(\.info)
        curves += perStage.compactMap(\.curve)
        if options.saveFigures {
            let chart = ChartData(
                title: "Radial power spectrum per layer" + windowNote, xLabel: "radius (cycles/pixel)",
                yLabel: "power per pixel, E|H|²/MN", logY: true, series: curves)
            try chart.write(base: folder.url("figures/radial-spectra"))
        }
        // p_low of every image: row 0 the input, row i stage i.
        let pLowRows = [analysis.input.pLow] + analysis.stages.map(\.pLow)
        try NpyFile.writeFloat64(
            pLowRows.flatMap { $0 }, shape: [pLowRows.count, analysis.images], to: folder.url("p_low.npy"))
        var summary = AnalysisSummary(
            command: options.command, precision: precision, seed: options.seed,
            model: .init(
                name: analysis.modelName, description: analysis.modelSummary, inputChannels: analysis.inputChannels,
                layerCount: analysis.stages.count),
            input: .init(
                source: source, files: files, shape: [analysis.images] + analysis.input.imageShape,
                pLow: analysis.input.meanLowFrequencyRatio,
                radialSpectrum: inputRadial, figure: inputFigure),
            layers: layers)
        if options.savePowerMaps {
            summary.input.powerFile = "spectra/00-input.power.npy"
            try NpyFile.writeFloat64(
                analysis.input.meanPowerMap, shape: [analysis.input.rows, analysis.input.columns],
                to: folder.url("spectra/00-input.power.npy"))
        }
        summary.images = analysis.images
        summary.pLowFile = "p_low.npy"
        summary.chartedKinds = options.chartedKinds
        summary.displayWindow = display?.window
        try AtomicFile.write(try JSONFormatting.encode(summary), to: folder.url("summary.json"))
        try AtomicFile.write(HTMLReport.analysis(summary, folder: folder.staging), to: folder.url("report.html"))
        return summary
    }

    /// Writes one traced batch (the whole input at once): accumulators and per-image files from the trace.
    package func write<S: TensorScalar>(
        _ trace: TracedRun<S>, source: String, files: [String]?, into folder: StagedDirectory,
        progress: ((String) -> Void)? = nil
    ) throws -> AnalysisSummary {
        var analysis = AnalysisAccumulator(shapedAfter: trace)
        try analysis.add(trace)
        let perImage = PerImageFiles(options: options)
        try perImage.append(trace, into: folder)
        return try write(
            analysis, source: source, files: files, precision: S.precisionName, into: folder, perImage: perImage,
            progress: progress)
    }

    /// Median radial profiles with the band between the 10th and 90th percentiles across images (nil without spread).
    private func spreadChart(_ profiles: [(String, AnalysisSummary.RadialSpectrum)], note: String) -> ChartData? {
        let spreads = profiles.compactMap { $0.1.spread }
        guard spreads.count == profiles.count else { return nil }
        var chart = ChartData(
            title: "Radial power across images: median, 10th–90th percentile band" + note,
            xLabel: "radius (cycles/pixel)",
            yLabel: "power per pixel, E|H|²/MN", logY: true,
            series: zip(profiles, spreads).map { ($0.0.0, $0.0.1.frequency, $0.1.power[1]) })
        for (index, spread) in spreads.enumerated() {
            chart = chart.withBand(series: index, lower: spread.power[0], upper: spread.power[2])
        }
        return chart
    }

    /// The stage's mean spectrum map as PNG and SVG beside each other, on `range` (log10 magnitude) when shared.
    private func figure(_ stage: StageAccumulator, title: String, base: URL, range: (low: Double, high: Double)?) throws
    {
        let magnitudes = stage.meanMagnitudeMap
        let logRange = range ?? colourRange([magnitudes])
        try SpectrumFigure.heatmap(
            magnitudes: magnitudes, rows: stage.rows, columns: stage.columns, title: title,
            logRange: logRange
        ).write(base: base)
    }

    /// The colour range of some maps: the shared default, or `dynamicRangeDB` below their maximum.
    private func colourRange(_ maps: [[Double]]) -> (low: Double, high: Double) {
        let range = SpectrumFigure.sharedLogRange(maps)
        guard let decibels = options.dynamicRangeDB else { return range }
        return (range.high - decibels / 20, range.high)
    }
}
