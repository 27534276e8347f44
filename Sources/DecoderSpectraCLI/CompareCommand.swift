import ArgumentParser
import DecoderSpectra
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two models, two checkpoints, two analysis runs, or a dataset against a model's outputs.",
        discussion: """
            A and B are each an analysis folder (written by demo or analyze), a model (built-in name, .onnx or model \
            JSON), a training checkpoint (a train output folder or its checkpoint/), or a dataset (a folder of images, \
            a .npy array, a PNG/JPEG image, a CIFAR-10 .bin). Models and checkpoints are analysed here on the same \
            inputs (--input, or the built-in --data images); a dataset is analysed as it is, at the size and channel \
            count of the other side's output, and compared with that output. The analyses are kept in --out/a and \
            --out/b.

            Layers are matched by name, and by position where no name matches. Writes compare.json (per matched layer: \
            p_low of both, the mean dB difference of the radial profiles, the largest and RMS dB difference of the \
            power maps), figures/ (dB difference maps B − A as PNG and SVG, the last layer's radial profiles overlaid, \
            p_low per layer, CSV beside each chart) and report.html.

            Examples:
              decoder-spectra compare e10-upconv-decoder e10-upconv-decoder-zeros --images 16
              decoder-spectra compare training-output/checkpoint epoch50/checkpoint --input images/
              decoder-spectra compare photos/ generator.onnx --input latents.npy
              decoder-spectra compare run-a run-b --out compare-output
            """)

    @Argument(help: "The first side (A): analysis folder, model, checkpoint or dataset.")
    var a: String

    @Argument(help: "The second side (B): analysis folder, model, checkpoint or dataset.")
    var b: String

    @Option(help: "Output folder (default: compare-output).")
    var out: String = "compare-output"

    @OptionGroup var inputs: InputOptions

    @Option(help: "Seed of the weights of built-in models and of built-in images.")
    var seed: UInt64 = 0

    @Flag(help: "Replace a non-empty output folder.")
    var force = false

    @Flag(help: "Print compare.json on stdout instead of the table.")
    var json = false

    @OptionGroup var figures: FigureOptions

    @OptionGroup var style: OutputStyle

    /// What a command-line side names.
    enum Side {
        case run(URL)
        case model(String)
        case checkpoint(URL)
        case dataset(String)

        init(_ text: String) {
            let manager = FileManager.default
            var isFolder: ObjCBool = false
            let exists = manager.fileExists(atPath: text, isDirectory: &isFolder)
            let url = URL(fileURLWithPath: text)
            if exists && isFolder.boolValue {
                if manager.fileExists(atPath: url.appendingPathComponent("summary.json").path) {
                    self = .run(url)
                } else if manager.fileExists(atPath: url.appendingPathComponent("checkpoint.json").path) {
                    self = .checkpoint(url)
                } else if manager.fileExists(atPath: url.appendingPathComponent("checkpoint/checkpoint.json").path) {
                    self = .checkpoint(url.appendingPathComponent("checkpoint"))
                } else {
                    self = .dataset(text)
                }
            } else if BuiltinModels.entry(named: text) != nil
                || [".onnx", ".json"].contains(where: { text.lowercased().hasSuffix($0) })
            {
                self = .model(text)
            } else {
                self = exists ? .dataset(text) : .model(text)  // neither: loading reports the unknown model
            }
        }

        var isDataset: Bool { if case .dataset = self { return true } else { return false } }
    }

    func run() throws {
        try Console.run(style, pdf: figures.pdf) {
            let folder = try StagedDirectory(URL(fileURLWithPath: out), force: force)
            let (sideA, sideB) = (Side(a), Side(b))
            // Models first: a dataset takes the size and channel count of the other side's output.
            var folders: [String: URL] = [:]
            for (label, side) in [("a", sideA), ("b", sideB)] where !side.isDataset {
                folders[label] = try analyse(side, label: label, into: folder, shapeOf: nil)
            }
            for (label, side, other) in [("a", sideA, "b"), ("b", sideB, "a")] where side.isDataset {
                folders[label] = try analyse(side, label: label, into: folder, shapeOf: folders[other])
            }
            let comparison = try RunComparison.compare(folders["a"]!, folders["b"]!, into: folder, names: (a, b))
            try AtomicFile.write(try JSONFormatting.encode(comparison), to: folder.url("compare.json"))
            try AtomicFile.write(
                HTMLReport.comparison(comparison, folder: folder.staging, command: invocation),
                to: folder.url("report.html"))
            try folder.commit()
            if json {
                print(String(decoding: try JSONFormatting.encode(comparison), as: UTF8.self))
                return
            }
            printTable(comparison)
            Console.note("results: \(folder.destination.path)/report.html, compare.json, figures/")
        }
    }

    /// The analysis folder of one side: a run folder as it is; anything else analysed into `<out>/<label>`.
    private func analyse(_ side: Side, label: String, into folder: StagedDirectory, shapeOf other: URL?) throws -> URL {
        let model: ModelGraph
        let batches: InputBatches
        let source: String
        switch side {
        case let .run(url):
            return url
        case let .model(name):
            model = try ModelGraph.load(name, seed: seed)
            (batches, source) = try modelInputs(for: model)
        case let .checkpoint(url):
            model = ModelGraph(chain: try Checkpoint.read(url).1)
            (batches, source) = try modelInputs(for: model)
        case let .dataset(path):
            // The images themselves: a model without layers, at the other side's output size and channels.
            let output = try other.map { try RunComparison.outputShape(of: $0) }
            let channels = output?[1] ?? 3
            let size = inputs.size.flatMap(parseSize) ?? output.map { ($0[2], $0[3]) }
            model = ModelGraph(
                chain: Sequential(
                    name: "images", summary: "the images of \(path), no model", inputChannels: channels,
                    inputSize: size ?? (0, 0), layers: []))
            batches = try InputBatches(
                .files(path), channels: channels, size: size, limit: inputs.input == nil ? nil : inputs.images,
                batchSize: nil)
            source = path
        }
        Console.note("analysing \(label.uppercased()): \(model.name) on \(source)")
        var options = AnalysisWriter.Options()
        options.command = invocation
        options.seed = seed
        var job = AnalysisJob(
            model: model, until: nil, batches: batches, source: source, out: folder.url(label).path,
            settings: AnalysisJob.Settings(), options: options)
        job.label = "\(label.uppercased()): "
        _ = try job.run()
        return folder.url(label)
    }

    /// The inputs of a model side: --input files, or the built-in images at the model's input size.
    private func modelInputs(for model: ModelGraph) throws -> (InputBatches, String) {
        if let input = inputs.input {
            return (
                try InputBatches(
                    .files(input), channels: model.fileChannels, size: inputs.size.flatMap(parseSize),
                    limit: inputs.images,
                    batchSize: nil), input
            )
        }
        let (h, w) = inputs.size.flatMap(parseSize) ?? model.inputSize
        let kind = SyntheticImages.Kind(rawValue: inputs.data)!
        return (
            try InputBatches(
                .synthetic(kind, count: inputs.images, channels: model.inputChannels, height: h, width: w, seed: seed),
                channels: model.inputChannels, batchSize: nil),
            "built-in \(kind.rawValue) images (seed \(seed))"
        )
    }

    private func printTable(_ comparison: RunComparison) {
        let width = max(5, comparison.layers.map(\.name.count).max() ?? 5)
        print("A: \(comparison.modelA) (\(a))\nB: \(comparison.modelB) (\(b))")
        print(
            "layer".padding(toLength: width, withPad: " ", startingAt: 0)
                + "   p_low A   p_low B   radial dB   map max |dB|")
        func cell(_ value: Double?) -> String { value.map { String(format: "%9.3g", $0) } ?? "        –" }
        for l in comparison.layers {
            print(
                l.name.padding(toLength: width, withPad: " ", startingAt: 0) + " " + cell(l.pLowA) + " " + cell(l.pLowB)
                    + "   "
                    + cell(l.radialDifferenceDB) + "   " + cell(l.mapMaxAbsDB))
        }
        if !comparison.unmatchedA.isEmpty || !comparison.unmatchedB.isEmpty {
            Console.note("unmatched layers: A \(comparison.unmatchedA), B \(comparison.unmatchedB)")
        }
    }
}
