import ArgumentParser
import DecoderSpectra
import Foundation

/// `--model` and `--seed`, shared by the commands that run a model.
struct ModelOptions: ParsableArguments {
    @Option(name: .long, help: "A built-in model name (see `decoder-spectra models`) or a model JSON file.")
    var model: String

    @Option(name: .long, help: "Seed of the weight initialisation and of built-in data (same seed, same numbers).")
    var seed: UInt64 = 0

    func load() throws -> Sequential { try ModelResolver.resolve(model, seed: seed) }
}

/// Where inputs come from: files (`--input`), or the built-in synthetic images.
struct InputOptions: ParsableArguments {
    @Option(name: .long, help: "A .npy array, PNG/JPEG image, CIFAR-10 .bin batch, or a folder of them. Default: built-in synthetic images.")
    var input: String?

    @Option(name: .long, help: "Built-in images when no --input is given: dead-leaves or pink-noise.")
    var data: String = SyntheticImages.Kind.deadLeaves.rawValue

    @Option(name: .long, help: "Number of built-in images, or the most files read from an --input folder.")
    var images: Int = 4

    @Option(name: .long, help: "Size HxW: of built-in images (default: the model's input size), or to centre-crop and resize --input images to.")
    var size: String?

    func validate() throws {
        guard images > 0 else { throw ValidationError("--images must be positive") }
        guard SyntheticImages.Kind(rawValue: data) != nil else {
            throw ValidationError("--data must be one of \(SyntheticImages.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let size, parseSize(size) == nil { throw ValidationError("--size must look like 32x32") }
    }

    /// The input batch and a description of where it came from.
    func load(for model: Sequential, seed: UInt64) throws -> (tensor: Tensor<Float>, source: String, files: [String]?) {
        if let input {
            let (tensor, files) = try InputLoader.load(input, channels: model.inputChannels, size: size.flatMap(parseSize), limit: images)
            return (tensor, input, files)
        }
        let (h, w) = size.flatMap(parseSize) ?? model.inputSize
        let kind = SyntheticImages.Kind(rawValue: data)!
        let tensor = SyntheticImages.generate(kind, count: images, channels: model.inputChannels, height: h, width: w, seed: seed)
        return (tensor, "built-in \(kind.rawValue) images (seed \(seed), \(images) x \(model.inputChannels) x \(h) x \(w))", nil)
    }

}

/// "HxW" (e.g. 64x64) as a pair; nil when malformed or outside 1…4096.
func parseSize(_ text: String) -> (Int, Int)? {
    let parts = text.lowercased().split(separator: "x").compactMap { Int($0) }
    guard parts.count == 2, parts.allSatisfy({ $0 > 0 && $0 <= 4096 }) else { return nil }
    return (parts[0], parts[1])
}

enum Precision: String, ExpressibleByArgument, CaseIterable {
    case float, double
}

/// Messages for people go to stderr, so that stdout stays clean for --json output.
enum Console {
    static func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// One progress line, rewritten in place on a terminal and printed plainly otherwise.
    static func progress(_ message: String) {
        if isatty(STDERR_FILENO) != 0 {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + message).utf8))
        } else {
            note(message)
        }
    }

    static func endProgress() {
        if isatty(STDERR_FILENO) != 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// Runs a command body; library errors become "error: …" on stderr and exit status 1.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as SpectraError {
            endProgress()
            note("error: \(error)")
            throw ExitCode.failure
        }
    }
}

/// The command line as typed, recorded in summaries so that a result says how it was made.
var invocation: String { CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ") }
