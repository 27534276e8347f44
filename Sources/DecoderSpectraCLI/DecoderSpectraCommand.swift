import ArgumentParser
import DecoderSpectra
import Foundation

@main
struct DecoderSpectraCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decoder-spectra",
        abstract: "Show, measure and predict how convolutional decoders represent each frequency of their input.",
        discussion: """
            Every feature map is taken to the frequency domain (2D DFT per channel, numpy.fft.fft2 convention). Layers with \
            an exact frequency rule (circular Conv2d: Theorem 3.2; zero-insertion and nearest upsampling: Theorem 4.4, §2.4) \
            are propagated without spatial convolution; the others are measured.

            Exit status: 0 on success, 1 on failure (bad input, failed verification), 2 on a usage error (an unknown \
            option, or a model, experiment or layer name that does not exist; a close name is suggested).

            Examples:
              decoder-spectra demo
              decoder-spectra models
              decoder-spectra verify --model e1-linear-circular --precision double
              decoder-spectra experiment all
              decoder-spectra analyze --model my-decoder.json --input images/ --out results
              decoder-spectra bench
            """,
        version: DecoderSpectraVersion.current,
        subcommands: [
            Demo.self, Analyze.self, MergeCommand.self, Verify.self, ExperimentCommand.self, TrainCommand.self,
            ReportCommand.self, CompareCommand.self, TransferCommand.self, Models.self, Bench.self,
        ]
    )

    static func main() {
        MemoryTuning.keepFreedMemoryMapped()
        TemporaryPaths.shared.installSignalHandlers()  // Ctrl-C and SIGTERM leave no staging folder behind
        if let message = misspelledOption(in: Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(2)
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            // Exit statuses: 0 success, 1 failure, 2 usage error (ArgumentParser's own would be 64).
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }

    /// "Error: unknown option '--modle' (did you mean '--model'?)" for an option that the subcommand does not have but
    /// one of its options is within two edits of; nil otherwise (ArgumentParser then reports what it finds). The
    /// subcommand's options are read off its own help text, so the list cannot drift from the declarations.
    static func misspelledOption(in arguments: [String]) -> String? {
        guard let name = arguments.first,
            let sub = configuration.subcommands.first(where: { $0._commandName == name })
        else { return nil }
        let help = sub.helpMessage(columns: 400)
        var known = Set(["--help", "--version"])
        var rest = Substring(help)
        while let range = rest.range(of: "--") {
            let word = rest[range.lowerBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
            if word.count > 2 { known.insert(String(word)) }
            rest = rest[range.upperBound...]
        }
        for argument in arguments.dropFirst() where argument.hasPrefix("--") && argument.count > 2 {
            let option = String(argument.split(separator: "=", maxSplits: 1)[0])
            guard !known.contains(option), let close = NameSuggestion.closest(to: option, among: Array(known)),
                close != option
            else { continue }
            return "Error: unknown option '\(option)' (did you mean '\(close)'?)\n"
                + "Usage: see 'decoder-spectra \(name) --help'."
        }
        return nil
    }
}

extension SpectraError {
    /// A name typed on the command line that does not exist (a usage mistake: exit status 2, like an unknown option).
    var isMisspelledName: Bool {
        switch self {
        case .unknownModel, .unknownLayer: return true
        default: return false
        }
    }
}
