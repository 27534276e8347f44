import Foundation

/// Writes the results of a traced run into an output folder (the main job of `demo` and `analyze`):
/// `summary.json`, `spectra/NN-<layer>.npy` (complex64 [B, C, M, N], un-shifted), `figures/*.png` and optionally
/// `features/NN-<layer>.npy` (float32). Everything goes through a `StagedDirectory`, so a failure leaves nothing.
public struct AnalysisWriter {
    public struct Options: Sendable {
        public var saveSpectra = true
        public var saveFeatures = false
        public var saveFigures = true
        public var command = ""
        public var seed: UInt64?
        public init() {}
    }

    public let options: Options

    public init(options: Options) { self.options = options }

    /// Writes every file for `trace` into `folder` and returns the summary (also written as summary.json).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func write<S: TensorScalar>(
        _ trace: AnalysisTrace<S>, source: String, files: [String]?, into folder: StagedDirectory,
        progress: ((String) -> Void)? = nil
    ) throws -> AnalysisSummary {
        let inputFigure = options.saveFigures ? "figures/00-input.png" : nil
        if let inputFigure { try figure(trace.inputSpectrum, title: "INPUT", to: folder.url(inputFigure)) }
        let inputRadial = SpectrumStatistics.radialProfile(trace.inputSpectrum)
        var layers: [AnalysisSummary.LayerInfo] = []
        var curves: [(label: String, x: [Double], y: [Double])] = [("input", inputRadial.frequency, inputRadial.power)]
        for (index, stage) in trace.stages.enumerated() {
            progress?("writing layer \(index + 1)/\(trace.stages.count) \(stage.name)")
            let stem = String(format: "%02d-", index + 1) + SafePath.fileName(stage.name)
            let spectrum = stage.spectrum
            var info = AnalysisSummary.LayerInfo(
                index: index + 1, name: stage.name, type: stage.type, outputShape: spectrum.shape,
                pLow: SpectrumStatistics.lowFrequencyRatio(spectrum),
                radialSpectrum: radial(spectrum), verification: stage.verification)
            if options.saveSpectra {
                info.spectrumFile = "spectra/\(stem).npy"
                try NpyFile.writeComplex64(spectrum.values, shape: spectrum.shape, to: folder.url(info.spectrumFile!))
            }
            if options.saveFeatures {
                info.featureFile = "features/\(stem).npy"
                try stage.output.writeNpy(folder.url(info.featureFile!))
            }
            if options.saveFigures {
                info.figure = "figures/\(stem).png"
                try figure(spectrum, title: "\(index + 1) \(stage.name) (\(stage.type)) \(spectrum.rows)X\(spectrum.columns)",
                           to: folder.url(info.figure!))
            }
            curves.append((stage.name, info.radialSpectrum.frequency, info.radialSpectrum.power))
            layers.append(info)
        }
        if options.saveFigures {
            try SpectrumFigure.curves(curves, title: "RADIAL POWER SPECTRUM PER LAYER", xLabel: "CYCLES PER PIXEL",
                                         yLabel: "E|H|^2").writePNG(to: folder.url("figures/radial-spectra.png"))
        }
        let summary = AnalysisSummary(
            command: options.command, precision: S.precisionName, seed: options.seed,
            model: .init(name: trace.modelName, description: trace.modelSummary, inputChannels: trace.inputChannels,
                         layerCount: trace.stages.count),
            input: .init(source: source, files: files, shape: trace.input.shape,
                         pLow: SpectrumStatistics.lowFrequencyRatio(trace.inputSpectrum),
                         radialSpectrum: .init(frequency: inputRadial.frequency, power: inputRadial.power), figure: inputFigure),
            layers: layers)
        try AtomicFile.write(try JSONFormatting.encode(summary), to: folder.url("summary.json"))
        try AtomicFile.write(HTMLReport.analysis(summary, folder: folder.staging), to: folder.url("report.html"))
        return summary
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private func radial<S: TensorScalar>(_ spectrum: Spectrum<S>) -> AnalysisSummary.RadialSpectrum {
        let profile = SpectrumStatistics.radialProfile(spectrum)
        return .init(frequency: profile.frequency, power: profile.power)
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private func figure<S: TensorScalar>(_ spectrum: Spectrum<S>, title: String, to url: URL) throws {
        let map = SpectrumStatistics.meanMagnitudeMap(spectrum)
        try SpectrumFigure.heatmap(magnitudes: map, rows: spectrum.rows, columns: spectrum.columns, title: title).writePNG(to: url)
    }
}
