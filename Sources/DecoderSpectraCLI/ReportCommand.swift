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

    func run() throws {
        try Console.run {
            let url = try HTMLReport.rebuild(URL(fileURLWithPath: folder))
            print("wrote \(url.path)")
        }
    }
}
