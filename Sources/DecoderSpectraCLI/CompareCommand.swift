import ArgumentParser
import DecoderSpectra
import Foundation

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two analysis runs: two models, two checkpoints, or a dataset against a model's outputs.",
        discussion: """
            Analyse each side first (demo or analyze), then compare the two output folders. Layers are matched by name,
            and by position where no name matches. Writes compare.json (per matched layer: p_low of both, the mean dB
            difference of the radial profiles, the largest and RMS dB difference of the power maps), figures/ (dB
            difference maps B − A as PNG and SVG, the last layer's radial profiles overlaid, p_low per layer, CSV beside
            each chart) and report.html.

            Examples:
              decoder-spectra analyze --model generator-epoch10.onnx --input latents.npy --out run-a
              decoder-spectra analyze --model generator-epoch50.onnx --input latents.npy --out run-b
              decoder-spectra compare run-a run-b --out compare-output
            """)

    @Argument(help: "The first run folder (A).")
    var a: String

    @Argument(help: "The second run folder (B).")
    var b: String

    @Option(help: "Output folder (default: compare-output).")
    var out: String = "compare-output"

    @Flag(help: "Replace a non-empty output folder.")
    var force = false

    @Flag(help: "Print compare.json on stdout instead of the table.")
    var json = false

    @OptionGroup var style: OutputStyle

    func run() throws {
        try Console.run(style) {
            let folder = try StagedDirectory(URL(fileURLWithPath: out), force: force)
            let comparison = try RunComparison.compare(URL(fileURLWithPath: a), URL(fileURLWithPath: b), into: folder)
            try AtomicFile.write(try JSONFormatting.encode(comparison), to: folder.url("compare.json"))
            try AtomicFile.write(HTMLReport.comparison(comparison, folder: folder.staging, command: invocation), to: folder.url("report.html"))
            try folder.commit()
            if json {
                print(String(decoding: try JSONFormatting.encode(comparison), as: UTF8.self))
                return
            }
            let width = max(5, comparison.layers.map(\.name.count).max() ?? 5)
            print("A: \(comparison.modelA) (\(a))\nB: \(comparison.modelB) (\(b))")
            print("layer".padding(toLength: width, withPad: " ", startingAt: 0) + "   p_low A   p_low B   radial dB   map max |dB|")
            func cell(_ value: Double?) -> String { value.map { String(format: "%9.3g", $0) } ?? "        –" }
            for l in comparison.layers {
                print(l.name.padding(toLength: width, withPad: " ", startingAt: 0) + " " + cell(l.pLowA) + " " + cell(l.pLowB) + "   "
                      + cell(l.radialDifferenceDB) + "   " + cell(l.mapMaxAbsDB))
            }
            if !comparison.unmatchedA.isEmpty || !comparison.unmatchedB.isEmpty {
                Console.note("unmatched layers: A \(comparison.unmatchedA), B \(comparison.unmatchedB)")
            }
            Console.note("results: \(folder.destination.path)/report.html, compare.json, figures/")
        }
    }
}
