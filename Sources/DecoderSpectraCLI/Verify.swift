import ArgumentParser
import DecoderSpectra
import Foundation

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model spatially and in frequency; print each layer's agreement.",
        discussion: """
            For layers with an exact rule the relative error ‖H_freq − FFT(F_spatial)‖ / ‖FFT(F_spatial)‖ must stay below \
            1e-5 (float) or 1e-10 (double); the exit status is 1 otherwise. Other layers are measured with the spectral \
            similarity sim(H*, H) of the paper (docs/theory.md §7).

            Examples:
              decoder-spectra verify --model e1-linear-circular --precision double
              decoder-spectra verify --model e1-relu-zeros --json
              decoder-spectra verify --model generator.onnx --input latents.npy --until ConvTranspose_3
            """)

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var inputOptions: InputOptions

    @Option(help: "Arithmetic of both paths: float or double.")
    var precision: Precision = .float

    @Flag(help: "Print the results as JSON.")
    var json = false

    @OptionGroup var style: OutputStyle

    func run() throws {
        try Console.run(style) {
            let model = try modelOptions.load()
            let (input, source, _) = try inputOptions.load(for: model, seed: modelOptions.seed)
            switch precision {
            case .float:
                try report(
                    try model.trace(input, until: modelOptions.until), source: source,
                    bound: SpectralRule.exactnessBound(for: Float.self))
            case .double:
                try report(
                    try model.trace(input.converted(to: Double.self), until: modelOptions.until), source: source,
                    bound: SpectralRule.exactnessBound(for: Double.self))
            }
        }
    }

    private func report<S: TensorScalar>(_ trace: TracedRun<S>, source: String, bound: Double) throws {
        try Console.checkFinite(trace)
        let worst = trace.stages.filter { $0.verification.rule == .exact }.map { $0.verification.relativeError ?? 0 }
            .max()
        let passed = (worst ?? 0) <= bound
        if json {
            let rows = trace.stages.enumerated().map {
                VerifyRow(
                    index: $0.offset + 1, name: $0.element.name, type: $0.element.type,
                    outputShape: $0.element.output.shape,
                    verification: $0.element.verification)
            }
            try Console.printJSON(
                VerifyReport(
                    model: trace.modelName, input: source, precision: S.precisionName, bound: bound,
                    passed: passed, layers: rows))
        } else {
            print("model \(trace.modelName), input \(source), precision \(S.precisionName)")
            // Columns as wide as their longest entry: ONNX node names such as /decoder/up_blocks.0/resnets.1/conv2/Conv
            // are shown in full.
            func width(_ header: String, _ entries: [String]) -> Int {
                max(header.count, entries.map(\.count).max() ?? 0) + 2
            }
            let widths = (
                index: width("#", ["\(trace.stages.count)"]), name: width("layer", trace.stages.map(\.name)),
                type: width("type", trace.stages.map(\.type)),
                shape: width("output shape", trace.stages.map { describeShape($0.output.shape) })
            )
            print(
                pad("#", widths.index) + pad("layer", widths.name) + pad("type", widths.type)
                    + pad("output shape", widths.shape)
                    + pad("rule", 13) + pad("rel. error", 12) + "sim")
            for (i, stage) in trace.stages.enumerated() {
                let v = stage.verification
                print(
                    pad("\(i + 1)", widths.index) + pad(stage.name, widths.name) + pad(stage.type, widths.type)
                        + pad(describeShape(stage.output.shape), widths.shape) + pad(v.rule.rawValue, 13)
                        + pad(v.relativeError.map { String(format: "%.2e", $0) } ?? "-", 12)
                        + (v.similarity.map { String(format: "%.6f", $0) } ?? "-"))
            }
            if let worst {
                print(
                    "exact layers: largest relative error \(String(format: "%.2e", worst)), bound \(String(format: "%.0e", bound)): \(passed ? "PASS" : "FAIL")"
                )
            } else {
                print("no layer of this model has an exact rule; similarities are measurements, not checks")
            }
        }
        if !passed { throw ExitCode.failure }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text.padding(toLength: width, withPad: " ", startingAt: 0)
    }
}

/// One row of `verify --json`.
struct VerifyRow: Encodable {
    let index: Int, name: String, type: String, outputShape: [Int], verification: LayerVerification
    enum CodingKeys: String, CodingKey {
        case index, name, type, verification
        case outputShape = "output_shape"
    }
}

/// The document `verify --json` prints.
struct VerifyReport: Encodable {
    let model: String, input: String, precision: String, bound: Double, passed: Bool, layers: [VerifyRow]
}
