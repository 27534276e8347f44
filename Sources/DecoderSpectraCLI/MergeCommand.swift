import ArgumentParser
import DecoderSpectra
import Foundation

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the shards of `analyze --shard i/n` into the outputs of one run.",
        discussion: """
            Each shard folder holds shard.json (the Float64 accumulators of its slice of the inputs). The merged folder \
            holds what one `analyze` over all inputs writes (summary.json, power maps, p_low.npy, figures, report.html), \
            equal to it up to the order of Float64 additions. Per-image spectra or features of the shards are not merged.

            Examples:
              decoder-spectra analyze --model net.onnx --input images/ --shard 1/4 --out shards/1   (and 2/4, 3/4, 4/4)
              decoder-spectra merge shards/1 shards/2 shards/3 shards/4 --out analysis-output
            """)

    @Argument(help: "The shard folders, in any order.")
    var shards: [String]

    @Option(help: "Output folder.")
    var out: String = "analysis-output"

    @Flag(help: "Replace a non-empty output folder.")
    var force = false

    @Flag(help: "Print summary.json on stdout instead of the table.")
    var json = false

    @OptionGroup var figures: FigureOptions

    @OptionGroup var style: OutputStyle

    func run() throws {
        try Console.run(style, pdf: figures.pdf) {
            let records = try shards.map { try AnalysisShard.read(URL(fileURLWithPath: $0)) }
            let (analysis, files) = try AnalysisShard.merge(records)
            let folder = try StagedDirectory(URL(fileURLWithPath: out), force: force)
            var options = AnalysisWriter.Options()
            options.command = invocation
            options.seed = records[0].seed
            let summary = try AnalysisWriter(options: options).write(
                analysis, source: records[0].source, files: files,
                precision: records[0].precision, into: folder)
            try folder.commit()
            try AnalysisJob.printSummary(summary, out: out, json: json)
        }
    }
}
