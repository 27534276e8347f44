import ArgumentParser
import DecoderSpectra
import Foundation

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a built-in decoder on built-in synthetic images and write spectra, figures and a summary.",
        discussion: """
            Writes into --out: summary.json (per layer: shape, p_low, radial spectrum, verification), \
            spectra/NN-<layer>.power.npy (dataset-averaged power map, float64 [M, N], un-shifted), p_low.npy, \
            figures/*.png (centred log-magnitude maps) and report.html.

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

    @Option(help: "Built-in images: dead-leaves, pink-noise or white-noise.")
    var data: String = SyntheticImages.Kind.deadLeaves.rawValue

    @Option(help: "Output folder.")
    var out: String = "demo-output"

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        guard images > 0, images <= 65536 else { throw ValidationError("--images must be between 1 and 65536") }
        guard SyntheticImages.Kind(rawValue: data) != nil else {
            throw ValidationError(
                "--data must be one of \(SyntheticImages.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        try Console.run(runOptions.style, pdf: runOptions.figures.pdf) {
            let decoder = try ModelGraph.load(model, seed: seed)
            let kind = SyntheticImages.Kind(rawValue: data)!
            let batches = try InputBatches(
                .synthetic(
                    kind, count: images, channels: decoder.inputChannels, height: decoder.inputSize.height,
                    width: decoder.inputSize.width, seed: seed),
                channels: decoder.inputChannels, batchSize: runOptions.batchSize, shard: runOptions.shardPair)
            let source = "built-in \(kind.rawValue) images (seed \(seed))"
            var options = runOptions.writerOptions
            options.seed = seed
            let job = AnalysisJob(
                model: decoder, until: nil, batches: batches, source: source,
                out: out, settings: runOptions.jobSettings, options: options)
            if let summary = try job.run() { try AnalysisJob.printSummary(summary, out: out, json: runOptions.json) }
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

    @Option(
        name: [.customLong("limit"), .customLong("images")],
        help: "Read at most this many images (--images is the same option).")
    var limit: Int?

    @Option(
        help:
            "Centre-crop and resize every image to HxW (e.g. 64x64, or 64 for 64x64); by default all inputs must share one size."
    )
    var size: String?

    @Option(help: "Output folder.")
    var out: String = "analysis-output"

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        if let limit, limit < 1 {
            throw ValidationError("--limit must be at least 1 (it caps the number of images read)")
        }
        if let size, parseSize(size) == nil {
            throw ValidationError("--size must look like 64x64 (or 64), each side from 1 to 4096")
        }
    }

    func run() throws {
        try Console.run(runOptions.style, pdf: runOptions.figures.pdf) {
            let model = try modelOptions.load()
            let target = size.flatMap(parseSize)
            let batches = try InputBatches(
                .files(input), channels: model.fileChannels, size: target, limit: limit,
                batchSize: runOptions.batchSize, shard: runOptions.shardPair)
            var options = runOptions.writerOptions
            options.seed = modelOptions.seed
            let job = AnalysisJob(
                model: model, until: modelOptions.until, batches: batches, source: input, out: out,
                settings: runOptions.jobSettings, options: options)
            if let summary = try job.run() { try AnalysisJob.printSummary(summary, out: out, json: runOptions.json) }
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

    @Option(
        help:
            "Images traced at once; memory grows with it, not with the number of images (default: as many as keep the largest layer of a batch under 2^18 values, 1 to 8)."
    )
    var batchSize: Int?

    @Option(
        help:
            "Batches traced at once, each on its own core (default: the number of cores; 1 with --save-spectra or --save-features)."
    )
    var workers: Int?

    @Flag(help: "Also write the per-image complex64 spectra of every layer into spectra/NN-<layer>.npy ([B, C, M, N]).")
    var saveSpectra = false

    @Flag(help: "Also write the per-image float32 feature maps of every layer into features/NN-<layer>.npy.")
    var saveFeatures = false

    @Option(help: "With --save-spectra/--save-features: save the first N images only.")
    var saveImages: Int = 64

    @Flag(
        help:
            "Also keep every channel's power map (spectra/NN-<layer>.channel-power.npy, float64 [C, M, N]) and add a channel browser to the report. Memory grows with the channels, not with the images."
    )
    var perChannel = false

    @Flag(help: "Do not write the dataset-averaged power maps (spectra/NN-<layer>.power.npy).")
    var noSpectra = false

    @Flag(
        help:
            "One colour scale (dB re the largest value of all layers) for every layer's spectrum map, so that maps compare across depth; default: each map its own."
    )
    var sharedColourScale = false

    @Option(
        help:
            "Dynamic range of the spectrum maps in dB below their maximum (e.g. 80); default: down to the 1st percentile, at most 160 dB."
    )
    var dbRange: Double?

    @Option(
        help:
            "Taper applied to every map before the DFT of the figures (none, hann, kaiser or kaiser:BETA; default none). For display only: p_low, the verification and spectra/*.power.npy stay exact."
    )
    var window: String = "none"

    @Option(
        help:
            "Zero-pad every map to this many times its size before the DFT of the figures (1-8; default 1: none). For display only, like --window."
    )
    var zeroPad: Int = 1

    /// --window and --zero-pad (nil when neither changes anything).
    var displayWindow: SpectralWindow? {
        guard let window = try? SpectralWindow(parsing: window, zeroPadding: zeroPad), !window.isIdentity else {
            return nil
        }
        return window
    }

    @Option(
        help:
            "Kinds of layers the charts over depth and the radial chart show, as type prefixes (e.g. conv,upsample keeps Conv2d, ConvTranspose2d, ONNX Conv and Upsample); default: every layer. Every layer is still analysed."
    )
    var layers: String?

    @Option(
        help:
            "Analyse only the i-th of n contiguous slices of the inputs (i/n, 1 <= i <= n) and write its partial results (shard.json) into --out; `decoder-spectra merge` combines the n shards."
    )
    var shard: String?

    /// --shard as (i, n).
    var shardPair: (index: Int, count: Int)? {
        guard let shard else { return nil }
        let parts = shard.split(separator: "/").compactMap { Int($0) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    @OptionGroup var figures: FigureOptions

    @OptionGroup var style: OutputStyle

    func validate() throws {
        if let batchSize, batchSize < 1 || batchSize > 65536 {
            throw ValidationError("--batch-size must be between 1 and 65536")
        }
        if let workers, workers < 1 || workers > 256 { throw ValidationError("--workers must be between 1 and 256") }
        if let dbRange, !(dbRange >= 1 && dbRange <= 400) {
            throw ValidationError("--db-range must be between 1 and 400 dB")
        }
        if let layers,
            layers.split(separator: ",").isEmpty
                || layers.split(separator: ",", omittingEmptySubsequences: false).contains(where: \.isEmpty)
        {
            throw ValidationError("--layers takes a comma-separated list of layer kinds, e.g. conv,upsample")
        }
        guard saveImages >= 1 else { throw ValidationError("--save-images must be at least 1") }
        do { _ = try SpectralWindow(parsing: window, zeroPadding: zeroPad) } catch {
            throw ValidationError("--window/--zero-pad: \(error)".replacingOccurrences(of: "invalid input: ", with: ""))
        }
        if shard != nil {
            guard let (i, n) = shardPair, n >= 1, n <= 65536, i >= 1, i <= n else {
                throw ValidationError("--shard must look like i/n with 1 <= i <= n (e.g. 2/4)")
            }
        }
    }

    /// How the analysis runs (--force, --precision, --workers, --shard, --window, --zero-pad, --per-channel).
    var jobSettings: AnalysisJob.Settings {
        AnalysisJob.Settings(
            force: force, precision: precision, workers: workers, shard: shardPair, display: displayWindow,
            perChannel: perChannel)
    }

    var writerOptions: AnalysisWriter.Options {
        var options = AnalysisWriter.Options()
        options.command = invocation
        options.saveSpectra = saveSpectra
        options.saveFeatures = saveFeatures
        options.savedImages = saveImages
        options.savePowerMaps = !noSpectra
        options.sharedColourScale = sharedColourScale
        options.dynamicRangeDB = dbRange
        options.chartedKinds = layers.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        return options
    }
}

/// The shared body of `demo` and `analyze`: stream the batches through the analysis into a staged folder, commit.
struct AnalysisJob {
    let model: ModelGraph
    let until: String?
    let batches: InputBatches
    let source: String
    let out: String
    let settings: Settings
    let options: AnalysisWriter.Options
    /// Put before notes (compare's "A: ", "B: ").
    var label = ""

    /// How the analysis runs: what `demo` and `analyze` take from their options (`RunOptions.jobSettings`), and what
    /// `compare` sets for each side.
    struct Settings {
        var force = false
        var precision = Precision.float
        /// nil: one per core.
        var workers: Int?
        var shard: (index: Int, count: Int)?
        var display: SpectralWindow?
        var perChannel = false
    }

    func run() throws -> AnalysisSummary? {
        let (force, precision, shard) = (settings.force, settings.precision, settings.shard)
        let workers = settings.workers ?? ProcessInfo.processInfo.activeProcessorCount
        let folder = try StagedDirectory(URL(fileURLWithPath: out), force: force)
        let perImage = AnalysisWriter.PerImageFiles(options: options)
        let start = Date()
        let progress: (Int) -> Void = { done in
            let elapsed = Date().timeIntervalSince(start), rate = Double(done) / max(elapsed, 1e-9)
            if let total = batches.expectedCount {
                let eta = Double(max(0, total - done)) / max(rate, 1e-9)
                Console.progress(
                    step: min(done, total), of: total,
                    label + String(format: "images, %.1f img/s, ETA %02d:%02d", rate, Int(eta) / 60, Int(eta) % 60))
            } else {
                Console.progress(label + String(format: "%d images, %.1f img/s", done, rate))
            }
        }
        let saving = options.saveSpectra || options.saveFeatures
        let analysis: AnalysisAccumulator
        switch precision {
        case .float:
            analysis = try StreamingAnalysis.run(
                model, batches: batches, until: until, precision: Float.self, workers: workers,
                display: settings.display, perChannel: settings.perChannel, singleThreadedBLAS: true,
                perStage: saving ? { try perImage.append(stage: $1, at: $0, into: folder) } : nil, progress: progress)
        case .double:
            analysis = try StreamingAnalysis.run(
                model, batches: batches, until: until, precision: Double.self, workers: workers,
                display: settings.display, perChannel: settings.perChannel, singleThreadedBLAS: true,
                perStage: saving ? { try perImage.append(stage: $1, at: $0, into: folder) } : nil, progress: progress)
        }
        Console.endProgress()
        for note in batches.notes { Console.note(label + note) }
        let traced = Date().timeIntervalSince(start)
        Console.detail(
            String(
                format: "traced %d images in %.2f s (%.1f img/s, %d workers, %@ precision)", analysis.images, traced,
                Double(analysis.images) / max(traced, 1e-9), workers, precision.rawValue))
        if let warning = analysis.nonFiniteWarning { try Console.warn(warning) }
        if let shard {
            let record = AnalysisShard(
                index: shard.index, count: shard.count, source: source, files: batches.files,
                precision: precision.rawValue, seed: options.seed, analysis: analysis)
            try AtomicFile.write(try JSONFormatting.encode(record), to: folder.url(AnalysisShard.fileName))
            try folder.commit()
            Console.note(
                "shard \(shard.index)/\(shard.count): \(analysis.images) images; combine the shards with `decoder-spectra merge`"
            )
            return nil
        }
        let writing = Date()
        let summary = try AnalysisWriter(options: options).write(
            analysis, source: source, files: batches.files, precision: precision.rawValue, into: folder,
            perImage: perImage, progress: Console.progress)
        let written = Self.files(in: folder.staging)
        Console.detail(
            String(
                format: "wrote %d files (%.1f MB) in %.2f s: ", written.count, Double(written.bytes) / 1e6,
                Date().timeIntervalSince(writing)) + written.kinds)
        try folder.commit()
        Console.endProgress()
        Console.detail(
            String(
                format: "%d images in %.2f s, peak memory %.0f MB", analysis.images, Date().timeIntervalSince(start),
                Double(peakResidentBytes) / 1e6))
        return summary
    }

    /// The files under `folder`: count, bytes, and a count per extension ("12 .png, 12 .svg, 18 .npy, …").
    static func files(in folder: URL) -> (count: Int, bytes: Int, kinds: String) {
        var count = 0, bytes = 0, kinds: [String: Int] = [:]
        let keys: [URLResourceKey] = [.fileSizeKey, .isRegularFileKey]
        for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: keys)
            ?? FileManager.DirectoryEnumerator()
        {
            guard let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true else {
                continue
            }
            count += 1
            bytes += values.fileSize ?? 0
            kinds["." + url.pathExtension, default: 0] += 1
        }
        return (count, bytes, kinds.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
    }

    static func printSummary(_ summary: AnalysisSummary, out: String, json: Bool) throws {
        if json {
            try Console.printJSON(summary)
            return
        }
        print("model \(summary.model.name) on \(summary.input.source)")
        // Names in full (ONNX node names such as /decoder/up_blocks.0/resnets.1/conv2/Conv), in a column as wide as the
        // longest.
        let width = max(12, summary.layers.map(\.name.count).max() ?? 0)
        print(
            "  " + "input".padding(toLength: width + 3, withPad: " ", startingAt: 0)
                + " p_low \(String(format: "%.4f", summary.input.pLow))")
        for layer in summary.layers {
            let check = layer.verification.relativeError.map { String(format: "rel.err %.1e", $0) } ?? "no rule"
            let sim = layer.verification.similarity.map { String(format: "sim %.3f", $0) } ?? ""
            print(
                "  \(String(format: "%2d", layer.index)) \(layer.name.padding(toLength: width, withPad: " ", startingAt: 0))"
                    + " p_low \(String(format: "%.4f", layer.pLow))  \(layer.verification.rule.rawValue) \(check) \(sim)"
            )
        }
        let folder = URL(fileURLWithPath: out).standardizedFileURL.path
        print(
            "results: \(folder)/report.html (open it in a browser), \(folder)/summary.json, spectra in \(folder)/spectra, "
                + "figures in \(folder)/figures")
    }
}
