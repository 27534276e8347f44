import RealModule
import SpectraCore

/// Builds layers from their JSON entries (see `ModelFile` for the format). Keys follow PyTorch's argument names;
/// unknown types and keys are errors, so that a typo never silently falls back to a default.
enum LayerFactory {
    static let knownTypes = [
        "Conv2d", "ConvTranspose2d", "Upsample", "BatchNorm2d", "MaxPool2d", "ReLU", "LeakyReLU", "Tanh", "Sigmoid",
        "SiLU",
    ]

    static func make(
        _ entry: [String: JSONValue], name: String, file: String, generator: inout SeededGenerator
    ) throws -> any Layer {
        let reader = EntryReader(entry: entry, name: name, file: file)
        let type = try reader.string("type")
        switch type {
        case "Conv2d":
            try reader.allowOnly([
                "in_channels", "out_channels", "kernel_size", "stride", "padding", "padding_mode", "bias", "init",
            ])
            let modeName = try reader.optionalString("padding_mode") ?? "zeros"
            guard let mode = PaddingMode(rawValue: modeName) else {
                throw reader.error("padding_mode '\(modeName)' is not one of zeros, circular, reflect, replicate")
            }
            return try reader.wrap {
                try Conv2d(
                    inChannels: try reader.int("in_channels"), outChannels: try reader.int("out_channels"),
                    kernelSize: try reader.pair("kernel_size"), stride: try reader.optionalPair("stride") ?? (1, 1),
                    padding: try reader.optionalPair("padding") ?? (0, 0), paddingMode: mode,
                    bias: try reader.optionalBool("bias") ?? true, initializer: try reader.initializer(),
                    generator: &generator)
            }
        case "ConvTranspose2d":
            try reader.allowOnly([
                "in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "bias", "init",
            ])
            return try reader.wrap {
                try ConvTranspose2d(
                    inChannels: try reader.int("in_channels"), outChannels: try reader.int("out_channels"),
                    kernelSize: try reader.pair("kernel_size"), stride: try reader.optionalPair("stride") ?? (1, 1),
                    padding: try reader.optionalPair("padding") ?? (0, 0),
                    outputPadding: try reader.optionalPair("output_padding") ?? (0, 0),
                    bias: try reader.optionalBool("bias") ?? true, initializer: try reader.initializer(),
                    generator: &generator)
            }
        case "Upsample":
            try reader.allowOnly(["scale_factor", "mode", "align_corners"])
            let modeName = try reader.optionalString("mode") ?? "nearest"
            guard let mode = Upsample.Mode(rawValue: modeName) else {
                throw reader.error("mode '\(modeName)' is not one of nearest, bilinear, zeros")
            }
            return try reader.wrap {
                try Upsample(
                    scaleFactor: try reader.int("scale_factor"), mode: mode,
                    alignCorners: try reader.optionalBool("align_corners") ?? false)
            }
        case "BatchNorm2d":
            try reader.allowOnly(["num_features", "eps", "momentum"])
            return try reader.wrap {
                try BatchNorm2d(
                    numFeatures: try reader.int("num_features"), eps: try reader.optionalDouble("eps") ?? 1e-5,
                    momentum: try reader.optionalDouble("momentum") ?? 0.1)
            }
        case "MaxPool2d":
            try reader.allowOnly(["kernel_size", "stride", "padding"])
            return try reader.wrap {
                try MaxPool2d(
                    kernelSize: try reader.int("kernel_size"), stride: try reader.optionalPair("stride").map { $0.0 },
                    padding: try reader.optionalPair("padding").map { $0.0 } ?? 0)
            }
        case "ReLU", "Tanh", "Sigmoid", "SiLU":
            try reader.allowOnly([])
            let functions: [String: Activation] = [
                "ReLU": .relu, "Tanh": .tanh, "Sigmoid": .sigmoid, "SiLU": .silu,
            ]
            return functions[type]!
        case "LeakyReLU":
            try reader.allowOnly(["negative_slope"])
            return Activation.leakyReLU(negativeSlope: try reader.optionalDouble("negative_slope") ?? 0.01)
        default:
            throw reader.error("unknown layer type '\(type)' (known: \(knownTypes.joined(separator: ", ")))")
        }
    }
}

/// Typed access to one layer entry, with errors that name the file, the layer and the key.
private struct EntryReader {
    let entry: [String: JSONValue]
    let name: String
    let file: String

    func error(_ reason: String) -> SpectraError { .invalidModel(file: file, reason: "layer '\(name)': \(reason)") }

    func allowOnly(_ keys: Set<String>) throws {
        let unknown = Set(entry.keys).subtracting(keys).subtracting(["type", "name"])
        if let key = unknown.sorted().first { throw error("unknown key '\(key)'") }
    }

    /// Re-labels a layer constructor's error with the file and layer name.
    func wrap(_ body: () throws -> any Layer) throws -> any Layer {
        do { return try body() } catch let SpectraError.invalidLayer(_, reason) { throw error(reason) }
    }

    func string(_ key: String) throws -> String {
        guard let value = entry[key] else { throw error("missing '\(key)'") }
        guard let s = value.stringValue else { throw error("'\(key)' must be a string") }
        return s
    }
    func optionalString(_ key: String) throws -> String? { entry[key] == nil ? nil : try string(key) }
    func int(_ key: String) throws -> Int {
        guard let value = entry[key] else { throw error("missing '\(key)'") }
        guard let i = value.intValue else { throw error("'\(key)' must be an integer") }
        return i
    }
    func optionalDouble(_ key: String) throws -> Double? {
        guard let value = entry[key] else { return nil }
        guard let d = value.doubleValue, d.isFinite else { throw error("'\(key)' must be a finite number") }
        return d
    }
    func optionalBool(_ key: String) throws -> Bool? {
        guard let value = entry[key] else { return nil }
        guard let b = value.boolValue else { throw error("'\(key)' must be true or false") }
        return b
    }
    func pair(_ key: String) throws -> (Int, Int) {
        guard let value = entry[key] else { throw error("missing '\(key)'") }
        guard let p = value.intPair else { throw error("'\(key)' must be an integer or a pair [h, w]") }
        return p
    }
    func optionalPair(_ key: String) throws -> (Int, Int)? { entry[key] == nil ? nil : try pair(key) }

    /// `"init": "pytorch"` (default) or `"init": {"normal": {"mean": μ, "std": σ}}`.
    func initializer() throws -> Initializer {
        guard let value = entry["init"] else { return .pytorchDefault }
        if value.stringValue == "pytorch" { return .pytorchDefault }
        guard let normal = value.objectValue?["normal"]?.objectValue,
            let mean = normal["mean"]?.doubleValue, let std = normal["std"]?.doubleValue, std >= 0, mean.isFinite,
            std.isFinite
        else {
            throw error("'init' must be \"pytorch\" or {\"normal\": {\"mean\": number, \"std\": non-negative number}}")
        }
        return .normal(mean: mean, std: std)
    }
}
