import ArgumentParser
import DecoderSpectra
import Foundation

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild report.html of a run folder (demo, analyze or experiment) from its JSON and .npy files.",
        discussion: """
            Examples:
              decoder-spectra report demo-output
              decoder-spectra report experiments-output
            """)

    @Argument(help: "The run folder.")
    var folder: String

    @Flag(help: "Print {\"report\": path} as JSON.")
    var json = false

    @OptionGroup var style: OutputStyle

    func run() throws {
        try Console.run(style) {
            let url = try HTMLReport.rebuild(URL(fileURLWithPath: folder))
            if json { try Console.printJSON(["report": url.path]) } else { print("wrote \(url.path)") }
        }
    }
}
