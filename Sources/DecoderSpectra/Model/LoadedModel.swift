import Foundation

/// A model as the commands take it from `--model`: a built-in name, a model JSON file, or an ONNX file exported by
/// `torch.onnx.export`. Both forms are traced into the same `AnalysisTrace`.
public enum LoadedModel: Sendable {
    case sequential(Sequential)
    case onnx(ONNXModel)

    public static func load(_ nameOrPath: String, seed: UInt64? = nil) throws -> LoadedModel {
        if BuiltinModels.entry(named: nameOrPath) == nil, nameOrPath.lowercased().hasSuffix(".onnx") {
            guard FileManager.default.fileExists(atPath: nameOrPath) else { throw SpectraError.unknownModel(nameOrPath) }
            return .onnx(try ONNXModel.load(URL(fileURLWithPath: nameOrPath)))
        }
        return .sequential(try ModelResolver.resolve(nameOrPath, seed: seed))
    }

    public var name: String {
        switch self {
        case let .sequential(m): return m.name
        case let .onnx(m): return m.name
        }
    }

    public var inputChannels: Int {
        switch self {
        case let .sequential(m): return m.inputChannels
        case let .onnx(m): return m.inputChannels
        }
    }

    /// The channel count input files must have; nil when the model's input is not an image (2D latents).
    public var fileChannels: Int? {
        if case let .onnx(m) = self, m.inputShape.count != 4 { return nil }
        return inputChannels
    }

    public var inputSize: (height: Int, width: Int) {
        switch self {
        case let .sequential(m): return m.inputSize
        case let .onnx(m): return m.inputSize
        }
    }

    /// Spatial and frequency run side by side, up to and including the layer or node `until` (all when nil).
    public func trace<S: TensorScalar>(
        _ input: Tensor<S>, until: String? = nil, progress: ((Int, Int, String) -> Void)? = nil
    ) throws -> AnalysisTrace<S> {
        switch self {
        case let .sequential(model):
            let truncated = try model.truncated(after: until)
            return try FrequencyVerifier.trace(truncated, input: input) { progress?($0 + 1, truncated.layers.count, $1) }
                .analysisTrace(model: truncated)
        case let .onnx(model):
            guard let floatInput = input as? Tensor<Float> else {
                throw SpectraError.invalidInput("ONNX graphs run in float32; use --precision float with \(model.file)")
            }
            return try model.trace(floatInput, until: until, progress: progress) as! AnalysisTrace<S>
        }
    }
}

extension LoadedModel {
    /// The streamed form of `trace`: each stage is handed to `body` (index, stage) as soon as it is computed and then
    /// dropped. Returns the input as feature maps and its spectrum.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forEachStage<S: TensorScalar>(
        _ input: Tensor<S>, until: String? = nil, _ body: (Int, AnalysisStage<S>) throws -> Void
    ) throws -> (input: Tensor<S>, spectrum: Spectrum<S>) {
        switch self {
        case let .sequential(model):
            let truncated = try model.truncated(after: until)
            let spectrum = try FrequencyVerifier.forEachStage(truncated, input: input) { index, output, spectrum, verification in
                let named = truncated.layers[index]
                try body(index, AnalysisStage(name: named.name, type: named.layer.typeName, output: output, spectrum: spectrum,
                                              verification: verification))
            }
            return (input, spectrum)
        case let .onnx(model):
            guard let floatInput = input as? Tensor<Float> else {
                throw SpectraError.invalidInput("ONNX graphs run in float32; use --precision float with \(model.file)")
            }
            var index = 0
            let result = try model.forEachStage(floatInput, until: until) { stage in
                try body(index, stage as! AnalysisStage<S>)
                index += 1
            }
            return (result.input as! Tensor<S>, result.spectrum as! Spectrum<S>)
        }
    }

    /// The model's description as analyses report it.
    public var summary: String {
        switch self {
        case let .sequential(m): return m.summary
        case let .onnx(m): return m.summary
        }
    }
}

extension Sequential {
    /// The model up to and including the layer called `name` (the whole model when nil).
    public func truncated(after name: String?) throws -> Sequential {
        guard let name else { return self }
        guard let index = layers.firstIndex(where: { $0.name == name }) else {
            throw SpectraError.invalidModel(file: self.name, reason: "no layer named '\(name)' (layers: \(layers.map(\.name).joined(separator: ", ")))")
        }
        var copy = self
        copy.layers = Array(layers[...index])
        return copy
    }
}
