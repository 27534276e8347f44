import ArgumentParser
import DecoderSpectra
import Foundation

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a built-in decoder on built-in synthetic images and write spectra, figures and a summary.",
        discussion: """
            Writes into --out: summary.json (per layer: shape, p_low, radial spectrum, verification), \
            spectra/NN-<layer>.npy (complex64 [B, C, M, N], un-shifted) and figures/*.png (centred log-magnitude maps).

            Examples:
              decoder-spectra demo
              decoder-spectra demo --model e4-zeros --images 8 --out e4-run --force
            """)

    @Option(help: "Built-in model name or model JSON file.")
    var model: String = "e10-upconv-decoder"

    @Option(help: "Seed of weights and images.")
    var seed: UInt64 = 0

    @Option(help: "Number of synthetic images.")
    var images: Int = 4

    @Option(help: "Built-in images: dead-leaves or pink-noise.")
    var data: String = SyntheticImages.Kind.deadLeaves.rawValue

    @Option(help: "Output folder.")
    var out: String = "demo-output"

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        guard images > 0, images <= 65536 else { throw ValidationError("--images must be between 1 and 65536") }
        guard SyntheticImages.Kind(rawValue: data) != nil else {
            throw ValidationError("--data must be one of \(SyntheticImages.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try Console.run(runOptions.style) {
            let decoder = try LoadedModel.load(model, seed: seed)
            let kind = SyntheticImages.Kind(rawValue: data)!
            let input = try SyntheticImages.checkedGenerate(kind, count: images, channels: decoder.inputChannels,
                                                 height: decoder.inputSize.height, width: decoder.inputSize.width, seed: seed)
            let source = "built-in \(kind.rawValue) images (seed \(seed))"
            let summary = try AnalysisJob(
                model: decoder, until: nil, input: input, source: source, files: nil, out: out, force: runOptions.force, precision: runOptions.precision,
                options: { var o = AnalysisWriter.Options(); o.command = invocation; o.seed = seed; return o }()
            ).run()
            try AnalysisJob.printSummary(summary, out: out, json: runOptions.json)
        }
    }
}

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Analyse a model on your inputs (.npy arrays or PNG images): spectra, figures and summary.json.",
        discussion: """
            Examples:
              decoder-spectra analyze --model e4-zeros --input photo.png
              decoder-spectra analyze --model my-decoder.json --input latents.npy --out results --save-features
            """)

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "A .npy array ([B,C,H,W], [C,H,W] or [H,W]), a PNG image, or a folder of them (sorted by name).")
    var input: String

    @Option(help: "Read at most this many images.")
    var limit: Int?

    @Option(help: "Centre-crop and resize every image to HxW (e.g. 64x64); by default all inputs must share one size.")
    var size: String?

    @Option(help: "Output folder.")
    var out: String = "analysis-output"

    @Flag(help: "Also write every layer's feature map as float32 .npy into features/.")
    var saveFeatures = false

    @Flag(help: "Do not write the complex64 spectra (they can be large).")
    var noSpectra = false

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1 (it caps the number of images read)") }
        if let size, parseSize(size) == nil { throw ValidationError("--size must look like 64x64, each side from 1 to 4096") }
    }

    func run() throws {
        try Console.run(runOptions.style) {
            let model = try modelOptions.load()
            let target = size.flatMap(parseSize)
            let (tensor, files) = try InputLoader.load(input, channels: model.fileChannels, size: target, limit: limit)
            var options = AnalysisWriter.Options()
            options.command = invocation
            options.seed = modelOptions.seed
            options.saveFeatures = saveFeatures
            options.saveSpectra = !noSpectra
            let summary = try AnalysisJob(model: model, until: modelOptions.until, input: tensor, source: input, files: files, out: out,
                                          force: runOptions.force, precision: runOptions.precision, options: options).run()
            try AnalysisJob.printSummary(summary, out: out, json: runOptions.json)
        }
    }
}

/// The options `demo` and `analyze` share besides --out (whose default differs).
struct RunOptions: ParsableArguments {
    // --strict and --max-elements come with `style` (OutputStyle), shared by every command.
    @Flag(help: "Replace a non-empty output folder.")
    var force = false

    @Option(help: "Arithmetic: float or double.")
    var precision: Precision = .float

    @Flag(help: "Print summary.json on stdout instead of the table.")
    var json = false

    @OptionGroup var style: OutputStyle
}

/// The shared body of `demo` and `analyze`: trace, write into a staged folder, commit.
struct AnalysisJob {
    let model: LoadedModel
    let until: String?
    let input: Tensor<Float>
    let source: String
    let files: [String]?
    let out: String
    let force: Bool
    let precision: Precision
    let options: AnalysisWriter.Options

    func run() throws -> AnalysisSummary {
        let folder = try StagedDirectory(URL(fileURLWithPath: out), force: force)
        let progress: (Int, Int, String) -> Void = { step, total, name in Console.progress(step: step, of: total, "running \(name)") }
        let writer = AnalysisWriter(options: options)
        let summary: AnalysisSummary
        switch precision {
        case .float:
            let trace = try model.trace(input, until: until, progress: progress)
            try Console.checkFinite(trace)
            summary = try writer.write(trace, source: source, files: files, into: folder, progress: Console.progress)
        case .double:
            let trace = try model.trace(input.converted(to: Double.self), until: until, progress: progress)
            try Console.checkFinite(trace)
            summary = try writer.write(trace, source: source, files: files, into: folder, progress: Console.progress)
        }
        try folder.commit()
        Console.endProgress()
        return summary
    }

    static func printSummary(_ summary: AnalysisSummary, out: String, json: Bool) throws {
        if json {
            try Console.printJSON(summary)
            return
        }
        print("model \(summary.model.name) on \(summary.input.source)")
        print("  input            p_low \(String(format: "%.4f", summary.input.pLow))")
        for layer in summary.layers {
            let check = layer.verification.relativeError.map { String(format: "rel.err %.1e", $0) } ?? "no rule"
            let sim = layer.verification.similarity.map { String(format: "sim %.3f", $0) } ?? ""
            print("  \(String(format: "%2d", layer.index)) \(layer.name.padding(toLength: 12, withPad: " ", startingAt: 0))"
                  + " p_low \(String(format: "%.4f", layer.pLow))  \(layer.verification.rule) \(check) \(sim)")
        }
        let folder = URL(fileURLWithPath: out).standardizedFileURL.path
        print("results: \(folder)/report.html (open it in a browser), \(folder)/summary.json, spectra in \(folder)/spectra, "
              + "figures in \(folder)/figures")
    }
}
