import Foundation
import SpectraCore
import SpectraIO
import SpectraNetwork
import SpectraReport

/// One line of an experiment's verdict table: "claim | setting | measured | predicted | holds?".
public struct ClaimRow: Codable, Sendable {
    /// A stable identifier, "<experiment>.<claim in lower case with dashes>" (and "-2", "-3", … for later rows of the same
    /// claim), set by `Experiments.run`: what tests and scripts select rows by, whatever the order of the table.
    public var id: String?
    public var claim: String
    public var setting: String
    public var measured: String
    public var predicted: String
    /// nil where the row reports a number without a verdict.
    public var holds: Bool?
    /// Evidence for the paper's claim, or a check of this implementation (an identity that holds by construction).
    /// nil: evidence.
    public var kind: ClaimKind?
    /// The metric that decides the verdict and why it is the one the paper's figure shows (replicated rows).
    public var decidedBy: String?
    /// Every metric measured for the row, summarised across weight draws (the deciding one among them).
    public var statistics: [String: DrawSummary]?

    public init(
        claim: String, setting: String, measured: String, predicted: String, holds: Bool?, kind: ClaimKind? = nil
    ) {
        (self.claim, self.setting, self.measured, self.predicted, self.holds) = (
            claim, setting, measured, predicted, holds
        )
        self.kind = kind
    }
}

extension ClaimRow {
    /// The rows with their ids: the experiment's name and the claim as a slug, numbered from the second row of a claim.
    static func identified(_ rows: [ClaimRow], experiment: String) -> [ClaimRow] {
        var seen: [String: Int] = [:]
        return rows.map { row in
            var row = row
            let words = row.claim.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
            let slug = String(words).split(separator: "-").joined(separator: "-").prefix(60)
            let base = "\(experiment).\(slug)"
            seen[base, default: 0] += 1
            row.id = row.id ?? (seen[base]! == 1 ? base : "\(base)-\(seen[base]!)")
            return row
        }
    }

    /// Whether the row is an implementation check rather than evidence.
    public var isCheck: Bool { kind == .implementationCheck }

    /// The verdict column of tables: "yes", "NO", "n/a"; checks read "check ok" / "check FAILED".
    public var verdictText: String {
        guard let holds else { return "n/a" }
        if isCheck { return holds ? "check ok" : "check FAILED" }
        return holds ? "yes" : "NO"
    }
}

/// Counts of a verdict table: evidence rows that hold or not, checks that pass or fail.
public struct VerdictCounts: Sendable {
    public var hold = 0, fail = 0, unverdicted = 0, checksPassed = 0, checksFailed = 0

    public init(_ rows: [ClaimRow]) {
        for row in rows {
            switch (row.holds, row.isCheck) {
            case (nil, _): unverdicted += 1
            case (true?, false): hold += 1
            case (false?, false): fail += 1
            case (true?, true): checksPassed += 1
            case (false?, true): checksFailed += 1
            }
        }
    }

    /// "12 claims hold, 3 do not; 9 implementation checks pass, 0 fail".
    public var summary: String {
        "\(hold) claims hold, \(fail) do not; \(checksPassed) implementation checks pass, \(checksFailed) fail"
    }
}

/// Whether a row is evidence for a claim or a check that the implementation computes what it says.
public enum ClaimKind: String, Codable, Sendable {
    case evidence
    /// An identity of the theory or the code (e.g. a product of independent factors against its own factors):
    /// it cannot fail unless the code is wrong, so it is no evidence for the paper.
    case implementationCheck = "implementation-check"
}

/// Everything an experiment produced: the verdict rows, every number (for users' own plots) and its figures.
public struct ExperimentReport: Codable, Sendable {
    public var name: String
    public var title: String
    /// Where the claim comes from in docs/theory.md.
    public var reference: String
    public var settings: ExperimentSettings
    /// The number of images the experiment actually read (a folder may hold fewer than `settings.images`); nil when
    /// it read none (theory).
    public var imagesUsed: Int?
    public var rows: [ClaimRow]
    public var numbers: [String: JSONValue]
    public var figures: [String]
    /// The data behind every curve figure, so that reports can redraw them (as SVG) and users can replot them.
    public var charts: [ChartData]
}

/// What every experiment can be told: seed, data, image count and size, and `quick` for a smaller run.
public struct ExperimentSettings: Codable, Sendable {
    public var seed: UInt64 = 0
    public var images = 16
    /// A path (folder of PNG/JPEG/.npy, CIFAR-10 .bin, .npy) or a built-in generator name.
    public var data = DataSource.builtIn(.deadLeaves)
    /// Overrides the experiment's image size (square).
    public var size: Int?
    public var quick = false
    /// The paper's sizes and longer runs where the default scales them down (E9: 64×64 maps and 64 kernels; more
    /// Monte Carlo samples, training steps and trained networks); the CLI also raises images and draws.
    public var full = false
    /// Independent weight initialisations per compared network (the unit of replication; seeds seed … seed + draws − 1).
    public var draws = 16
    /// A user's model (built-in name, model JSON or .onnx) for the experiments that measure one network
    /// (fitness, depth, upsampling); nil runs the paper's networks.
    public var model: String?

    public init() {}
}

/// A reproduction of one claim of the paper (docs/theory.md §8, §9).
public protocol Experiment: Sendable {
    var name: String { get }
    var title: String { get }
    var reference: String { get }
    /// Whether `settings.model` (a user's network) can replace the paper's networks.
    var acceptsModel: Bool { get }
    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue])
}

extension Experiment {
    public var acceptsModel: Bool { false }
}

/// Shared services of a run: input data (cached), models, figures, progress.
public final class ExperimentContext {
    public let settings: ExperimentSettings
    private let folder: StagedDirectory?
    private let prefix: String
    private let progressHandler: (String) -> Void
    private var inputs: [String: Tensor<Float>] = [:]
    private(set) var figures: [String] = []
    private(set) var charts: [ChartData] = []
    /// The largest batch of images served by `input` (what results report as the image count).
    private(set) var imagesUsed: Int?

    /// Files go to `folder` under `prefix` (e.g. "padding/" when `experiment all` writes every experiment).
    package init(
        settings: ExperimentSettings, folder: StagedDirectory?, prefix: String = "",
        progress: @escaping (String) -> Void = { _ in }
    ) {
        self.settings = settings
        self.folder = folder
        self.prefix = prefix
        progressHandler = progress
    }

    public func progress(_ message: String) { progressHandler(message) }

    /// The experiment's input batch: `settings.images` images of `size`×`size` (or `settings.size`), from the data
    /// source; files are centre-cropped and resized (`Resampling`).
    public func input(channels: Int, size defaultSize: Int) throws -> Tensor<Float> {
        let size = settings.size ?? defaultSize
        let key = "\(channels)x\(size)"
        if let cached = inputs[key] { return cached }
        let tensor: Tensor<Float>
        tensor = try settings.data.load(
            count: settings.images, channels: channels, height: size, width: size, seed: settings.seed)
        inputs[key] = tensor
        imagesUsed = max(imagesUsed ?? 0, tensor.batch)
        return tensor
    }

    public func model(_ name: String) throws -> Sequential { try BuiltinModels.model(named: name, seed: settings.seed) }

    /// Weight draw `draw` of a built-in network: seed `settings.seed + draw` (draw 0 is `model(_:)`).
    public func model(_ name: String, draw: Int) throws -> Sequential {
        try BuiltinModels.model(named: name, seed: settings.seed &+ UInt64(draw))
    }

    /// The user's model (`settings.model`) and an input batch for it: images of its input size, or seeded standard
    /// normal latents when its input is a vector ([B, F]) or a 1×1 map (a generator's noise).
    public func userModelAndInput() throws -> (ModelGraph, Tensor<Float>)? {
        guard let name = settings.model else { return nil }
        let model = try ModelGraph.load(name, seed: settings.seed)
        var generator = SeededGenerator(seed: settings.seed)
        if let declared = model.declaredInputShape, declared.count == 2 {
            let features = declared[1] ?? 1
            imagesUsed = settings.images
            return (model, Tensor(shape: [1, 1, settings.images, features]) { _ in Float(generator.nextNormal()) })
        }
        let (h, w) = model.inputSize
        if h == 1 && w == 1 {
            imagesUsed = settings.images
            return (
                model,
                Tensor(shape: [settings.images, model.inputChannels, 1, 1]) { _ in Float(generator.nextNormal()) }
            )
        }
        return (model, try input(channels: model.inputChannels, size: settings.size ?? h))
    }

    /// Writes a figure as PNG and SVG (when the run has an output folder) and returns the PNG's relative path.
    @discardableResult
    public func figure(_ figure: Figure, _ name: String) throws -> String {
        let base = Self.figureBase(name)
        if let folder { try figure.write(base: folder.url(prefix + base)) }
        figures.append(base + ".png")
        return base + ".png"
    }

    /// A curve chart: written as PNG and SVG figures with its data as CSV beside them, and kept for the report.
    @discardableResult
    public func chart(_ data: ChartData, _ name: String) throws -> String {
        var data = data
        let base = Self.figureBase(name)
        if let folder { try data.write(base: folder.url(prefix + base)) }
        data.figure = base + ".png"
        figures.append(base + ".png")
        charts.append(data)
        return base + ".png"
    }

    /// "figures/<name>" with the name made safe for a file name.
    private static func figureBase(_ name: String) -> String {
        "figures/" + String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
    }

    /// A centred spectrum map (channel- and batch-averaged magnitude, in dB), as in the paper's figures; `repeatGrid`
    /// marks the multiples of the size before upsampling (Theorem 4.4).
    @discardableResult
    public func spectrumFigure<S: TensorScalar>(
        _ spectrum: Spectrum<S>, title: String, name: String, logRange: (low: Double, high: Double)? = nil,
        repeatGrid: (rows: Int, columns: Int)? = nil
    ) throws -> String {
        try figure(
            SpectrumFigure.heatmap(
                magnitudes: SpectrumStatistics.meanMagnitudeMap(spectrum), rows: spectrum.rows,
                columns: spectrum.columns, title: title, logRange: logRange, repeatGrid: repeatGrid), name)
    }
}

/// The registry of experiments, in the order `experiment all` runs them.
public enum Experiments {
    public static let all: [any Experiment] = [
        TheoryExperiment(), FitnessExperiment(), BackwardExperiment(), PaddingExperiment(), DepthExperiment(),
        WeightMeanExperiment(),
        PlacementExperiment(), KernelSizeExperiment(), UpsamplingExperiment(), LearningOrderExperiment(),
        ShiftExperiment(), IndependenceExperiment(),
    ]

    public static func named(_ name: String) -> (any Experiment)? { all.first { $0.name == name } }

    /// Runs one experiment and writes `results.json` and its figures into `folder` under `prefix` (when given).
    package static func run(
        _ experiment: any Experiment, settings: ExperimentSettings, folder: StagedDirectory?, prefix: String = "",
        progress: @escaping (String) -> Void = { _ in }
    ) throws -> ExperimentReport {
        if let model = settings.model, !experiment.acceptsModel {
            throw SpectraError.invalidInput(
                "experiment '\(experiment.name)' compares the paper's own networks and does not take --model \(model); "
                    + "with --model use " + all.filter(\.acceptsModel).map(\.name).joined(separator: ", "))
        }
        let context = ExperimentContext(settings: settings, folder: folder, prefix: prefix, progress: progress)
        let (unnamed, numbers) = try experiment.run(context)
        let rows = ClaimRow.identified(unnamed, experiment: experiment.name)
        let report = ExperimentReport(
            name: experiment.name, title: experiment.title, reference: experiment.reference,
            settings: settings, imagesUsed: context.imagesUsed, rows: rows, numbers: numbers, figures: context.figures,
            charts: context.charts)
        if let folder {
            try AtomicFile.write(try JSONFormatting.encode(report), to: folder.url(prefix + "results.json"))
        }
        return report
    }
}
