import ArgumentParser
import DecoderSpectra
import Foundation

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the built-in models, or export one as a model JSON file with its weights.",
        discussion: """
            Examples:
              decoder-spectra models
              decoder-spectra models --export e4-zeros --out my-models
            """)

    @Option(help: "Write this built-in model (JSON + weights folder) into --out.")
    var export: String?

    @Option(help: "Folder for --export.")
    var out: String = "."

    @Option(help: "Seed of the exported weights.")
    var seed: UInt64 = 0

    @Flag(help: "With --export: replace an existing model file and weights folder of the same name.")
    var force = false

    @Flag(help: "Print the list as JSON.")
    var json = false

    @OptionGroup var style: OutputStyle

    func run() throws {
        try Console.run(style) {
            if let export {
                let model = try BuiltinModels.model(named: export, seed: seed)
                let url = try ModelFile.export(model, to: URL(fileURLWithPath: out), force: force)
                if json { try Console.printJSON(["model": url.path]) } else { print("wrote \(url.path)") }
                return
            }
            if json {
                let list = BuiltinModels.all.map {
                    ["name": $0.name, "experiment": $0.experiment, "description": $0.spec.description ?? ""]
                }
                print(String(decoding: try JSONFormatting.encode(list), as: UTF8.self))
                return
            }
            let width = BuiltinModels.all.map(\.name.count).max() ?? 10
            for entry in BuiltinModels.all {
                let input = entry.spec.input
                print(
                    entry.name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                        + entry.experiment.padding(toLength: 6, withPad: " ", startingAt: 0)
                        + "in \(input.channels)x\(input.height)x\(input.width)  " + (entry.spec.description ?? ""))
            }
        }
    }
}
