import ArgumentParser
import DecoderSpectra
import Foundation

struct ExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Reproduce a claim of the paper with measured numbers and a verdict.",
        discussion: """
            Experiments: \(Experiments.all.map(\.name).joined(separator: ", ")), or all.
            Each prints a table "claim | setting | measured | predicted | holds?" and writes results.json (every number) \
            and figures/*.png into --out. A claim that does not hold is reported as not holding.

            Examples:
              decoder-spectra experiment theory
              decoder-spectra experiment padding --data ~/datasets/broden/images --size 64 --images 32
              decoder-spectra experiment kernel-size --data cifar-10-batches-bin/test_batch.bin --size 32
              decoder-spectra experiment all --quick
              decoder-spectra experiment upsampling --model generator.onnx
            """)

    @Argument(help: "Experiment name, or all.")
    var name: String

    @Option(help: "Images: dead-leaves, pink-noise, white-noise, or a path (folder of PNG/JPEG/.npy, a CIFAR-10 .bin batch, a .npy array).")
    var data: String = SyntheticImages.Kind.deadLeaves.rawValue

    @Option(name: [.customLong("images"), .customLong("limit")],
            help: "Number of images (--limit is the same option; files are read in name order).")
    var images: Int = 16

    @Option(help: "Square image size; files are centre-cropped and resized to it. Default: each experiment's own.")
    var size: Int?

    @Option(help: "Seed of weights and built-in images; weight draw d uses seed + d.")
    var seed: UInt64 = 0

    @Option(help: "Independent weight initialisations per compared network (padding, weight-mean, placement, kernel-size): verdicts are decided on the across-draw mean with its 95 % interval.")
    var draws: Int = 16

    @Option(help: "Your model (built-in name, model JSON or .onnx) for fitness, depth and upsampling.")
    var model: String?

    @Flag(help: "A smaller run: fewer Monte Carlo samples, training steps, seeds and networks (for smoke tests).")
    var quick = false

    @Flag(help: "The paper's sizes where the default scales them down (shift: 64x64 maps, 64 kernels); slow.")
    var full = false

    @Option(help: "Output folder (default: experiments-output/<name>, or experiments-output for all).")
    var out: String?

    @Flag(help: "Replace a non-empty output folder.")
    var force = false

    @Flag(help: "Print the reports as JSON instead of tables.")
    var json = false

    func validate() throws {
        guard name == "all" || Experiments.named(name) != nil else {
            throw ValidationError("unknown experiment '\(name)'; choose one of \(Experiments.all.map(\.name).joined(separator: ", ")), all")
        }
        guard images > 0, images <= 65536 else { throw ValidationError("--images must be between 1 and 65536") }
        guard draws >= 2, draws <= 4096 else { throw ValidationError("--draws must be between 2 and 4096 (a confidence interval needs two)") }
        if let size, size < 4 || size > 2048 { throw ValidationError("--size must be between 4 and 2048") }
    }

    @OptionGroup var style: OutputStyle

    func run() throws {
        try Console.run(style) {
            var settings = ExperimentSettings()
            settings.seed = seed
            settings.images = images
            settings.draws = draws
            settings.data = data
            settings.size = size
            settings.quick = quick
            settings.full = full
            settings.model = model
            let selected = name == "all" ? Experiments.all : [Experiments.named(name)!]
            let folder = try StagedDirectory(URL(fileURLWithPath: out ?? (name == "all" ? "experiments-output" : "experiments-output/\(name)")), force: force)
            var reports: [ExperimentReport] = []
            for (index, experiment) in selected.enumerated() {
                let start = Date()
                let prefix = name == "all" ? experiment.name + "/" : ""
                let report = try Experiments.run(experiment, settings: settings, folder: folder, prefix: prefix) { message in
                    Console.progress("[\(index + 1)/\(selected.count) \(experiment.name)] \(message)")
                }
                Console.endProgress()
                Console.note("\(experiment.name): done in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
                reports.append(report)
                if !json { printTable(report) }
            }
            if name == "all" {
                try AtomicFile.write(try JSONFormatting.encode(reports), to: folder.url("all-results.json"))
            }
            let html = HTMLReport.experiments(reports, folder: folder.staging, prefixes: reports.map { name == "all" ? $0.name + "/" : "" },
                                              command: invocation)
            try AtomicFile.write(html, to: folder.url("report.html"))
            try folder.commit()
            if json { print(String(decoding: try JSONFormatting.encode(reports), as: UTF8.self)) }
            Console.note("\(VerdictCounts(reports.flatMap(\.rows)).summary); results in \(folder.destination.path)")
        }
    }

    private func printTable(_ report: ExperimentReport) {
        print("\n\(report.title)  [\(report.reference)]")
        print("claim | setting | measured | predicted | holds?")
        for row in report.rows {
            print("\(row.claim) | \(row.setting) | \(row.measured) | \(row.predicted) | \(row.verdictText)")
        }
    }
}

