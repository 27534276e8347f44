import Foundation
import RealModule
import SpectraCore
import SpectraIO

/// The model file: a JSON document describing a sequential decoder, with its weights as one .npy per tensor in a
/// folder beside it. Format version 1:
///
/// ```json
/// {
///   "format": "decoder-spectra-model", "version": 1,
///   "name": "e4-zeros", "description": "...",
///   "input": {"channels": 3, "height": 64, "width": 64},
///   "seed": 0,
///   "layers": [
///     {"name": "conv1", "type": "Conv2d", "in_channels": 3, "out_channels": 16, "kernel_size": 7,
///      "padding": 3, "padding_mode": "zeros", "bias": true, "init": {"normal": {"mean": 0, "std": 0.01}}},
///     {"name": "relu1", "type": "ReLU"}
///   ],
///   "weights": "e4-zeros.weights"
/// }
/// ```
/// Layer keys are PyTorch's constructor arguments. With `weights`, every parameter is read from
/// `<weights>/<layer name>.<parameter>.npy` (PyTorch state_dict names: weight, bias, running_mean, running_var);
/// without it, parameters are initialised from `seed` and each layer's `init` ("pytorch" or normal).
public struct ModelSpec: Codable, Sendable {
    /// The input a model expects: channels and the spatial size its built-in data are generated at.
    public struct InputSpec: Codable, Sendable {
        public var channels: Int
        public var height: Int
        public var width: Int

        public init(channels: Int, height: Int, width: Int) {
            self.channels = channels
            self.height = height
            self.width = width
        }
    }

    public var format: String
    public var version: Int
    public var name: String
    public var description: String?
    public var input: InputSpec
    public var seed: UInt64?
    public var layers: [[String: JSONValue]]
    public var weights: String?

    public static let formatName = "decoder-spectra-model"

    public init(name: String, description: String, input: InputSpec, layers: [[String: JSONValue]], seed: UInt64? = nil)
    {
        format = ModelSpec.formatName
        version = 1
        self.name = name
        self.description = description
        self.input = input
        self.layers = layers
        self.seed = seed
    }
}

/// The model JSON format: a name, an input spec, layers as PyTorch-named entries, optional weight files (.npy) in a
/// folder beside it. Loading checks every entry and size and confines weight paths to the model's folder.
public enum ModelFile {
    /// Reads a model JSON file and its weights.
    public static func load(_ url: URL, seed: UInt64? = nil) throws -> Sequential {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpectraError.invalidModel(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, file: url, seed: seed)
    }

    /// Builds a model from the bytes of a model JSON file at `url` (its weights folder is looked up beside it).
    public static func decode(_ data: Data, file url: URL, seed: UInt64? = nil) throws -> Sequential {
        let spec: ModelSpec
        do { spec = try JSONDecoder().decode(ModelSpec.self, from: data) } catch let error as DecodingError {
            throw SpectraError.invalidModel(file: url.path, reason: "malformed JSON: \(describe(error))")
        }
        // The weights folder must lie inside the model's folder (no absolute paths, '..' or links that lead out).
        let weights = try spec.weights.map { relative -> URL in
            do {
                return try SafePath.resolve(relative, inside: url.deletingLastPathComponent(), what: "'weights'")
            } catch {
                throw SpectraError.invalidModel(file: url.path, reason: "\(error)")
            }
        }
        return try build(spec, file: url.path, weightsFolder: weights, seed: seed)
    }

    /// Builds a model from a spec: layers from their entries, parameters from the weights folder or the seed.
    public static func build(
        _ spec: ModelSpec, file: String, weightsFolder: URL? = nil, seed: UInt64? = nil
    ) throws -> Sequential {
        guard spec.format == ModelSpec.formatName else {
            throw SpectraError.invalidModel(
                file: file, reason: "'format' is '\(spec.format)', expected '\(ModelSpec.formatName)'")
        }
        guard spec.version == 1 else {
            throw SpectraError.invalidModel(
                file: file, reason: "unsupported version \(spec.version) (this tool reads version 1)")
        }
        guard spec.input.channels > 0, spec.input.height > 0, spec.input.width > 0 else {
            throw SpectraError.invalidModel(file: file, reason: "'input' channels, height and width must be positive")
        }
        guard !spec.layers.isEmpty else { throw SpectraError.invalidModel(file: file, reason: "'layers' is empty") }
        guard let inputCount = ResourceLimits.elementCount([spec.input.channels, spec.input.height, spec.input.width]),
            inputCount <= maximumTensorElements
        else {
            throw SpectraError.tooLarge(
                place: "model '\(file)'", what: "'input'",
                shape: [spec.input.channels, spec.input.height, spec.input.width],
                limit: maximumTensorElements)
        }
        var generator = SeededGenerator(seed: seed ?? spec.seed ?? 0)
        var layers: [NamedLayer] = []
        var names = Set<String>()
        for (index, entry) in spec.layers.enumerated() {
            let name = entry["name"]?.stringValue ?? "\(index)"
            guard names.insert(name).inserted else {
                throw SpectraError.invalidModel(file: file, reason: "layer name '\(name)' is used twice")
            }
            layers.append(NamedLayer(name, try LayerFactory.make(entry, name: name, file: file, generator: &generator)))
        }
        var model = Sequential(
            name: spec.name, summary: spec.description ?? "", inputChannels: spec.input.channels,
            inputSize: (spec.input.height, spec.input.width), layers: layers)
        do {
            _ = try model.shapes(for: [1, spec.input.channels, spec.input.height, spec.input.width])
        } catch let error as SpectraError {
            throw SpectraError.invalidModel(file: file, reason: "layers do not fit together: \(error)")
        }
        if let weightsFolder { try loadWeights(into: &model, from: weightsFolder, file: file) }
        return model
    }

    private static func loadWeights(into model: inout Sequential, from folder: URL, file: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw SpectraError.invalidModel(file: file, reason: "weights folder \(folder.path) does not exist")
        }
        for index in model.layers.indices {
            let name = model.layers[index].name
            for (parameter, expected) in model.layers[index].layer.parameters {
                let url = folder.appendingPathComponent(weightFileName(layer: name, parameter: parameter))
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw SpectraError.invalidModel(
                        file: file, reason: "missing weight file \(url.path) for layer '\(name)'")
                }
                let tensor = try Tensor<Float>.readNpy(url)
                guard tensor.shape == expected.shape else {
                    throw SpectraError.invalidModel(
                        file: url.path,
                        reason: "layer '\(name)' parameter '\(parameter)' has shape \(describeShape(tensor.shape)), "
                            + "expected \(describeShape(expected.shape))")
                }
                try tensor.checkFinite("weight file \(url.path)")
                try model.layers[index].layer.setParameter(parameter, tensor)
            }
        }
    }

    /// The weight file of one parameter: `<layer>.<parameter>.npy`, the layer name made safe (`SafePath.fileName`).
    static func weightFileName(layer: String, parameter: String) -> String {
        "\(SafePath.fileName(layer)).\(SafePath.fileName(parameter)).npy"
    }

    /// Writes `model` as `<folder>/<name>.json` plus `<folder>/<name>.weights/*.npy`, each file atomically. The model
    /// name is made safe (`SafePath.fileName`), so that every file lands inside `folder` whatever the name holds.
    @discardableResult
    public static func save(_ model: Sequential, to folder: URL) throws -> URL {
        let stem = SafePath.fileName(model.name)
        let weightsName = "\(stem).weights"
        do {
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent(weightsName), withIntermediateDirectories: true)
        } catch {
            throw SpectraError.invalidFile(
                file: folder.path, reason: "cannot create the weights folder: \(error.localizedDescription)")
        }
        var entries: [[String: JSONValue]] = []
        for named in model.layers {
            var entry = named.layer.configuration
            entry["name"] = .string(named.name)
            entry["type"] = .string(named.layer.typeName)
            entries.append(entry)
            for (parameter, tensor) in named.layer.parameters {
                try tensor.writeNpy(
                    folder.appendingPathComponent(weightsName)
                        .appendingPathComponent(weightFileName(layer: named.name, parameter: parameter)))
            }
        }
        var spec = ModelSpec(
            name: model.name, description: model.summary,
            input: .init(channels: model.inputChannels, height: model.inputSize.height, width: model.inputSize.width),
            layers: entries)
        spec.weights = weightsName
        let url = folder.appendingPathComponent("\(stem).json")
        try AtomicFile.write(try JSONFormatting.encode(spec), to: url)
        return url
    }

    /// `save` for `models --export`: refuses to overwrite an existing model file or weights folder of the same name
    /// unless `force` is set (then the old weights folder is removed first, so that no stale weight file remains).
    @discardableResult
    public static func export(_ model: Sequential, to folder: URL, force: Bool) throws -> URL {
        let stem = SafePath.fileName(model.name)
        let existing = ["\(stem).json", "\(stem).weights"].map { folder.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        if !existing.isEmpty {
            guard force else {
                throw SpectraError.outputExists(path: existing[0].path, reason: "already exists")
            }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent("\(stem).weights"))
        }
        return try save(model, to: folder)
    }

    package static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, context):
            return "missing key '\(key.stringValue)' at \(path(context.codingPath))"
        case let .typeMismatch(_, context), let .valueNotFound(_, context):
            return "wrong type at \(path(context.codingPath)): \(context.debugDescription)"
        case let .dataCorrupted(context):
            return "\(context.debugDescription) at \(path(context.codingPath))"
        @unknown default:
            return "\(error)"
        }
    }

    private static func path(_ codingPath: [CodingKey]) -> String {
        codingPath.isEmpty
            ? "top level" : codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
