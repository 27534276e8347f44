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

            Exit status: 0 on success, 1 on failure (bad input, failed verification), 2 on a usage error.

            Examples:
              decoder-spectra demo
              decoder-spectra models
              decoder-spectra verify --model e1-linear-circular --precision double
              decoder-spectra experiment all
              decoder-spectra analyze --model my-decoder.json --input images/ --out results
              decoder-spectra bench
            """,
        version: DecoderSpectraVersion.current,
        subcommands: [Demo.self, Analyze.self, MergeCommand.self, Verify.self, ExperimentCommand.self, TrainCommand.self, ReportCommand.self, CompareCommand.self, TransferCommand.self, Models.self, Bench.self]
    )

    static func main() {
        MemoryTuning.keepFreedMemoryMapped()
        TemporaryPaths.shared.installSignalHandlers()  // Ctrl-C and SIGTERM leave no staging folder behind
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
}
