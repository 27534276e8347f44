import ArgumentParser
import DecoderSpectra
import Foundation

/// `--model` and `--seed`, shared by the commands that run a model.
struct ModelOptions: ParsableArguments {
    @Option(
        name: .long, help: "A built-in model name (see `decoder-spectra models`), a model JSON file, or an .onnx file.")
    var model: String

    @Option(name: .long, help: "Seed of the weight initialisation and of built-in data (same seed, same numbers).")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Analyse only up to and including this layer (or ONNX node or output name).")
    var until: String?

    @Flag(
        name: .long,
        help: ArgumentHelp(
            "Keep every node of an ONNX file as exported.",
            discussion:
                "By default the node patterns torch.onnx.export writes for one module are analysed as that module: "
                + "GroupNorm (Reshape, InstanceNormalization, Reshape, Mul, Add) and SiLU (Sigmoid, Mul), named "
                + "after it (e.g. /up/0/norm1)."))
    var noFusion = false

    func load() throws -> ModelGraph { try ModelGraph.load(model, seed: seed, fusingModules: !noFusion) }
}

/// Where inputs come from: files (`--input`), or the built-in synthetic images.
struct InputOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "A .npy array, PNG/JPEG image, CIFAR-10 .bin batch, or a folder of them. Default: built-in synthetic images."
    )
    var input: String?

    @Option(name: .long, help: "Built-in images when no --input is given: dead-leaves, pink-noise or white-noise.")
    var data: String = SyntheticImages.Kind.deadLeaves.rawValue

    @Option(name: .long, help: "Number of built-in images, or the most files read from an --input folder.")
    var images: Int = 4

    @Option(
        name: .long,
        help:
            "Size HxW: of built-in images (default: the model's input size), or to centre-crop and resize --input images to."
    )
    var size: String?

    func validate() throws {
        guard images > 0, images <= 65536 else { throw ValidationError("--images must be between 1 and 65536") }
        guard SyntheticImages.Kind(rawValue: data) != nil else {
            throw ValidationError(
                "--data must be one of \(SyntheticImages.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let size, parseSize(size) == nil {
            throw ValidationError("--size must look like 32x32, each side from 1 to 4096")
        }
    }

    /// The input batch and a description of where it came from.
    func load(for model: ModelGraph, seed: UInt64) throws -> (tensor: Tensor<Float>, source: String, files: [String]?) {
        if let input {
            let (tensor, files) = try InputLoader.load(
                input, channels: model.fileChannels, size: size.flatMap(parseSize), limit: images)
            return (tensor, input, files)
        }
        let (h, w) = size.flatMap(parseSize) ?? model.inputSize
        let kind = SyntheticImages.Kind(rawValue: data)!
        let tensor = try SyntheticImages.checkedGenerate(
            kind, count: images, channels: model.inputChannels, height: h, width: w, seed: seed)
        return (
            tensor, "built-in \(kind.rawValue) images (seed \(seed), \(images) x \(model.inputChannels) x \(h) x \(w))",
            nil
        )
    }

}

/// `--pdf`, for the commands that write figures.
struct FigureOptions: ParsableArguments {
    @Flag(help: "Also write every figure as PDF (vector, for papers) beside its PNG and SVG.")
    var pdf = false
}

/// The side of a square image size, typed `64` or `64x64` as everywhere else (`train`, `experiment`).
struct SquareSize: ExpressibleByArgument {
    let side: Int

    init?(argument: String) {
        guard let (h, w) = parseSize(argument), h == w else { return nil }
        side = h
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// "HxW" (e.g. 64x64) as a pair; nil when malformed or outside 1…4096.
/// `HxW` (64x64), or `N` for N×N as `experiment` and `train` take it; each side from 1 to 4096.
func parseSize(_ text: String) -> (Int, Int)? {
    let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
    guard parts.count == 1 || parts.count == 2, parts.allSatisfy({ $0 != nil && $0! > 0 && $0! <= 4096 }) else {
        return nil
    }
    return (parts[0]!, parts[parts.count - 1]!)
}

enum Precision: String, ExpressibleByArgument, CaseIterable {
    case float, double
}

/// `--quiet` and `--verbose`, shared by every command.
struct OutputStyle: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print nothing but results and errors (no progress, no notes).")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Print extra details (timings, files written).")
    var verbose = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The most values one tensor, work buffer or decoded image set may hold (default 268435456 = 2^28, 1 GiB of float32; images get a quarter).",
            discussion: "Sizes read from files and options are checked against it before anything is allocated."))
    var maxElements: Int?

    @Flag(help: "Treat warnings (e.g. a layer producing NaN or Inf) as errors: exit 1 and write nothing.")
    var strict = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose exclude each other") }
        if let maxElements, maxElements < 1024 || maxElements > 1 << 40 {
            throw ValidationError("--max-elements must be between 1024 and 2^40")
        }
    }

    func apply() {
        Console.level = quiet ? .quiet : verbose ? .verbose : .normal
        if let maxElements { ResourceLimits.maximumTensorElements = maxElements }
        Console.strict = strict
    }
}

/// Messages for people go to stderr, so that stdout stays clean for results and --json output.
enum Console {
    enum Level { case quiet, normal, verbose }
    nonisolated(unsafe) static var level = Level.normal
    nonisolated(unsafe) static var strict = false

    /// A warning on stderr ("warning: …"), or with --strict an error that fails the command.
    static func warn(_ message: String) throws {
        if strict { throw SpectraError.invalidInput("\(message) (--strict)") }
        endProgress()
        FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
    }

    /// Warns (or fails with --strict) when a layer of `trace` produced non-finite values.
    static func checkFinite<S: TensorScalar>(_ trace: TracedRun<S>) throws {
        if let warning = trace.nonFiniteWarning { try warn(warning) }
    }

    private static var isTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    static func note(_ message: String) {
        guard level != .quiet else { return }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    /// Details printed only with --verbose.
    static func detail(_ message: String) {
        if level == .verbose { FileHandle.standardError.write(Data((message + "\n").utf8)) }
    }

    /// A progress message: rewritten in place on a terminal, one plain line per step otherwise.
    static func progress(_ message: String) {
        guard level != .quiet else { return }
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + message).utf8))
        } else {
            note(message)
        }
    }

    /// A progress bar "[#####-----]  7/17 label" (plain "7/17 label" lines when stderr is not a terminal).
    static func progress(step: Int, of total: Int, _ label: String) {
        let width = 24, filled = total > 0 ? width * step / total : width
        let bar =
            isTerminal
            ? "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] " : ""
        progress("\(bar)\(step)/\(total) \(label)")
    }

    static func endProgress() {
        if isTerminal && level != .quiet { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// What the user can do about an error, in the CLI's words (the library's messages name no options).
    static func hint(for error: SpectraError) -> String {
        switch error {
        case let .inputShapeMismatch(_, _, declared, got) where declared.count == 4 && got.count == 4:
            if let h = declared[2], let w = declared[3], got[1] == declared[1] ?? got[1] {
                return "; add --size \(h)x\(w) to centre-crop and resize the inputs to it"
            }
            return ""
        case .tooLarge:
            return "; raise the limit with --max-elements if this is intended"
        case .outputExists:
            return "; use --force to replace it"
        case .unknownModel:
            return "; `decoder-spectra models` lists the built-in models"
        default:
            return ""
        }
    }

    /// Runs a command body with the chosen output style; library errors become "error: …" on stderr and exit 1, or 2
    /// for a misspelled model or layer name (a usage mistake, like an unknown option).
    static func run(_ style: OutputStyle, pdf: Bool = false, _ body: () throws -> Void) throws {
        style.apply()
        do {
            try FigureFormats.$pdf.withValue(pdf) { try body() }
        } catch let error as SpectraError {
            endProgress()
            FileHandle.standardError.write(
                Data("error: \(TemporaryPaths.shared.publicMessage("\(error)"))\(hint(for: error))\n".utf8))
            throw error.isMisspelledName ? ExitCode(2) : ExitCode.failure
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error  // a usage error: exit status 2 (see DecoderSpectraCommand.main)
        } catch {
            // Anything else is a bug of ours, still reported cleanly (status 1) rather than as a crash.
            endProgress()
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// Prints an Encodable value as JSON on stdout.
    static func printJSON<T: Encodable>(_ value: T) throws {
        print(String(decoding: try JSONFormatting.encode(value), as: UTF8.self))
    }
}

/// The command line as typed, recorded in summaries so that a result says how it was made.
var invocation: String { CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ") }

/// The peak resident memory of this process so far (getrusage's ru_maxrss, reported in KiB on Linux).
var peakResidentBytes: Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
