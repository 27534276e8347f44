import DecoderSpectra
import Foundation

/// The readers of untrusted files, each as one entry point that takes arbitrary bytes. libFuzzer drives them
/// (`make fuzz`, executable `decoder-spectra-fuzz`), and `make test` replays every input that ever crashed one
/// (`Tests/DecoderSpectraTests/Fixtures/fuzz-regressions/<target>/`). An entry point may throw SpectraError (bad
/// input, the expected outcome) but must never crash, hang or allocate past `ResourceLimits`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case npy, image, modelJSON = "model-json", onnx, summary

    /// A scratch folder for the readers that resolve paths beside their file (weights, external data, figures).
    private static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("decoder-spectra-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Runs the reader on `data`; models that load are also run on a small input (the executor sees fuzzed graphs).
    public func run(_ data: Data) {
        let file = FuzzTarget.scratch.appendingPathComponent("input")
        switch self {
        case .npy:
            if let array = try? NpyFile.parse(data, file: file.path), case let .real(values) = array.values {
                _ = try? Tensor<Float>(shape: array.shape, scalars: values.map(Float.init))
            }
        case .image:
            _ = try? PNGImage.decode(data, channels: 3, file: file)
            _ = try? JPEGImage.decode(data, channels: 1, file: file)
        case .modelJSON:
            guard let model = try? ModelFile.decode(data, file: file) else { return }
            let shape = [1, model.inputChannels, model.inputSize.height, model.inputSize.width]
            if let count = ResourceLimits.elementCount(shape), count <= 4096 {
                _ = try? model.forward(Tensor<Float>(zeros: shape))
            }
        case .onnx:
            guard let model = try? ONNXModel.decode(data, file: file), let graph = try? ModelGraph(onnx: model) else {
                return
            }
            let shape = model.inputShape.map { $0 ?? 1 }
            if let count = ResourceLimits.elementCount(shape), count <= 4096 {
                _ = try? graph.trace(Tensor<Float>(zeros: shape))
            }
        case .summary:
            if let summary = try? JSONDecoder().decode(AnalysisSummary.self, from: data) {
                _ = HTMLReport.analysis(summary, folder: FuzzTarget.scratch)
            }
            if let reports = try? JSONDecoder().decode([ExperimentReport].self, from: data) {
                _ = HTMLReport.experiments(
                    reports, folder: FuzzTarget.scratch, prefixes: reports.map { _ in "" }, command: "fuzz")
            }
        }
    }
}
