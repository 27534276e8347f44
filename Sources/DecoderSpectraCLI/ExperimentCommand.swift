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
            and figures/*.png into --out. A claim that does not hold is reported as not holding. Comparisons run over \
            --draws independent weight initialisations and decide on the across-draw mean with its 95 % interval; each \
            row names the metric that decides it. Rows marked "check" are implementation checks, not evidence.

            Examples:
              decoder-spectra experiment theory
              decoder-spectra experiment padding --data ~/datasets/broden/images --size 64 --images 32
              decoder-spectra experiment kernel-size --data cifar-10-batches-bin/test_batch.bin --size 32
              decoder-spectra experiment all                      (about 2 minutes on 2 cores)
              decoder-spectra experiment all --full --out paper-run (hours; after a kill, add --resume)
              decoder-spectra experiment upsampling --model generator.onnx
            """)

    @Argument(help: "Experiment name, or all.")
    var name: String

    @Option(
        help:
            "Images: dead-leaves, pink-noise, white-noise, or a path (folder of PNG/JPEG/.npy, a CIFAR-10 .bin batch, a .npy array)."
    )
    var data: String = SyntheticImages.Kind.deadLeaves.rawValue

    @Option(
        name: [.customLong("images"), .customLong("limit")],
        help: "Number of images (--limit is the same option; files are read in name order). Default 16, 64 with --full."
    )
    var images: Int?

    @Option(
        name: .customLong("size"),
        help:
            "Square image size, 64 or 64x64; files are centre-cropped and resized to it. Default: each experiment's own."
    )
    var sizeOption: SquareSize?
    var size: Int? { sizeOption?.side }

    @Option(help: "Seed of weights and built-in images; weight draw d uses seed + d.")
    var seed: UInt64 = 0

    @Option(
        help:
            "Independent weight initialisations per compared network (padding, weight-mean, placement, kernel-size, depth): verdicts are decided on the across-draw mean with its 95 % interval. Default 16, 32 with --full."
    )
    var draws: Int?

    @Option(help: "Your model (built-in name, model JSON or .onnx) for fitness, depth and upsampling.")
    var model: String?

    @Flag(help: "A smaller run: fewer Monte Carlo samples, training steps, seeds and networks (for smoke tests).")
    var quick = false

    @Flag(
        help:
            "The paper's sizes and longer runs (shift at 64x64 with 64 kernels, more samples, steps, draws and images); can take hours, see --resume."
    )
    var full = false

    @Flag(
        help:
            "With all: keep the experiments that a killed run with the same settings finished (kept beside --out until the run completes)."
    )
    var resume = false

    @Option(help: "Output folder (default: experiments-output/<name>, or experiments-output for all).")
    var out: String?

    @Flag(help: "Replace a non-empty output folder.")
    var force = false

    @Flag(help: "Print the reports as JSON instead of tables.")
    var json = false

    func validate() throws {
        guard name == "all" || Experiments.named(name) != nil else {
            let names = Experiments.all.map(\.name) + ["all"]
            let hint = NameSuggestion.closest(to: name, among: names).map { " (did you mean '\($0)'?)" } ?? ""
            throw ValidationError("unknown experiment '\(name)'\(hint); choose one of \(names.joined(separator: ", "))")
        }
        if let images, images < 1 || images > 65536 { throw ValidationError("--images must be between 1 and 65536") }
        if let draws, draws < 2 || draws > 4096 {
            throw ValidationError("--draws must be between 2 and 4096 (a confidence interval needs two)")
        }
        if resume && name != "all" { throw ValidationError("--resume applies to 'experiment all'") }
        if quick && full { throw ValidationError("--quick and --full contradict each other; choose one") }
        if let size, size < 4 || size > 2048 { throw ValidationError("--size must be between 4 and 2048") }
    }

    @OptionGroup var figures: FigureOptions

    @OptionGroup var style: OutputStyle

    func run() throws {
        try Console.run(style, pdf: figures.pdf) {
            var settings = ExperimentSettings()
            settings.seed = seed
            settings.images = images ?? (full ? 64 : 16)
            settings.draws = draws ?? (full ? 32 : 16)
            settings.data = DataSource(data)
            settings.size = size
            settings.quick = quick
            settings.full = full
            settings.model = model
            let selected = name == "all" ? Experiments.all : [Experiments.named(name)!]
            let folder = try StagedDirectory(
                URL(fileURLWithPath: out ?? (name == "all" ? "experiments-output" : "experiments-output/\(name)")),
                force: force)
            var reports: [ExperimentReport] = []
            let checkpoint = name == "all" ? ExperimentCheckpoint(for: folder.destination) : nil
            if !resume { checkpoint?.remove() }
            let runStart = Date()
            var ran = 0, ranSeconds = 0.0
            for (index, experiment) in selected.enumerated() {
                let start = Date()
                let prefix = name == "all" ? experiment.name + "/" : ""
                let report: ExperimentReport
                if resume, let checkpoint,
                    let saved = checkpoint.restore(
                        experiment.name, settings: settings,
                        into: folder.staging.appendingPathComponent(experiment.name))
                {
                    report = saved
                    Console.note("\(experiment.name): kept from the interrupted run (\(checkpoint.folder.path))")
                } else {
                    report = try Experiments.run(experiment, settings: settings, folder: folder, prefix: prefix) {
                        message in
                        Console.progress("[\(index + 1)/\(selected.count) \(experiment.name)] \(message)")
                    }
                    Console.endProgress()
                    try checkpoint?.save(experiment.name, from: folder.staging.appendingPathComponent(experiment.name))
                    ran += 1
                    ranSeconds += Date().timeIntervalSince(start)
                    let left = selected.count - index - 1
                    let eta =
                        left > 0
                        ? String(
                            format: "; %d left, rough ETA %.0f s (mean of those run so far)", left,
                            ranSeconds / Double(ran) * Double(left)) : ""
                    Console.note(
                        "\(experiment.name): done in \(String(format: "%.1f", Date().timeIntervalSince(start))) s"
                            + (name == "all"
                                ? String(format: " (%.0f s in all)", Date().timeIntervalSince(runStart)) + eta : ""))
                }
                reports.append(report)
                if !json { printTable(report) }
            }
            if name == "all" {
                try AtomicFile.write(try JSONFormatting.encode(reports), to: folder.url("all-results.json"))
            }
            let html = HTMLReport.experiments(
                reports, folder: folder.staging, prefixes: reports.map { name == "all" ? $0.name + "/" : "" },
                command: invocation)
            try AtomicFile.write(html, to: folder.url("report.html"))
            try folder.commit()
            checkpoint?.remove()
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
