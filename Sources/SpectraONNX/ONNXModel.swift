import Foundation
import SpectraCore
import SpectraNetwork
import SwiftProtobuf

/// One node of an ONNX graph, with typed attribute access whose errors name the node.
public struct ONNXNode: Sendable {
    public let index: Int
    public let name: String
    public let opType: String
    public let inputs: [String]
    public let outputs: [String]
    let attributes: [String: Onnx_AttributeProto]

    /// "node 7 'Conv_3' (Conv)", the form every error uses.
    public var label: String { "node \(index) '\(name)' (\(opType))" }

    func error(_ reason: String) -> SpectraError { .invalidLayer(layer: label, reason: reason) }

    func int(_ key: String, default value: Int? = nil) throws -> Int {
        guard let a = attributes[key] else {
            if let value { return value }
            throw error("missing attribute '\(key)'")
        }
        return Int(a.i)
    }
    func ints(_ key: String) -> [Int]? { attributes[key].map { $0.ints.map { Int($0) } } }
    func float(_ key: String, default value: Float) -> Float { attributes[key]?.f ?? value }
    func string(_ key: String, default value: String) -> String {
        attributes[key].map { String(decoding: $0.s, as: UTF8.self) } ?? value
    }
    /// A two-value attribute of a 2D node (`strides`, `output_padding`, `dilations`): exactly two values within
    /// `ResourceLimits.maximumHyperparameter` (positive unless `allowZero`); `fallback` when absent.
    func pair(_ key: String, default fallback: Int, allowZero: Bool = false) throws -> (Int, Int) {
        guard let values = ints(key) else { return (fallback, fallback) }
        guard values.count == 2 else {
            throw error("attribute '\(key)' must have 2 values (H, W) for a 2D node, got \(values)")
        }
        try ResourceLimits.checkHyperparameters(values, name: key, layer: label, positive: !allowZero)
        return (values[0], values[1])
    }
    func tensor(_ key: String) -> Onnx_TensorProto? { attributes[key].flatMap { $0.hasT ? $0.t : nil } }
    func has(_ key: String) -> Bool { attributes[key] != nil }
}

/// An ONNX model as DecoderSpectra runs it: the graph's nodes in order, its initializers, one float NCHW input.
public struct ONNXModel: Sendable {
    public let name: String
    public let file: String
    public let opset: Int
    public let producer: String
    public let inputName: String
    /// The declared input shape; nil entries are dynamic dimensions (resolved from the actual input).
    public let inputShape: [Int?]
    public let nodes: [ONNXNode]
    public let outputs: [String]
    let initializers: [String: ONNXValue]
    /// Opsets this importer implements.
    public static let supportedOpsets = 7...21

    public var inputChannels: Int { inputShape.count > 1 ? inputShape[1] ?? 3 : 1 }
    /// The declared spatial size, or 32×32 where it is dynamic.
    public var inputSize: (height: Int, width: Int) {
        (inputShape.count == 4 ? inputShape[2] ?? 32 : 32, inputShape.count == 4 ? inputShape[3] ?? 32 : 32)
    }

    /// Reads and validates a .onnx file. Every failure names the file (and the node, where there is one).
    public static func load(_ url: URL) throws -> ONNXModel {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpectraError.invalidModel(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, file: url)
    }

    /// Reads a model from the bytes of the .onnx file at `url` (external data is looked up beside it).
    public static func decode(_ data: Data, file url: URL) throws -> ONNXModel {
        guard !data.isEmpty else { throw SpectraError.invalidModel(file: url.path, reason: "file is empty") }
        let proto: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            proto = try Onnx_ModelProto(serializedBytes: data, options: options)
        } catch {
            throw SpectraError.invalidModel(file: url.path, reason: "not a valid ONNX protobuf (\(error))")
        }
        return try ONNXModel(proto, file: url.path, folder: url.deletingLastPathComponent())
    }

    init(_ proto: Onnx_ModelProto, file: String, folder: URL?) throws {
        func fail(_ reason: String) -> SpectraError { .invalidModel(file: file, reason: reason) }
        guard proto.hasGraph, !proto.graph.node.isEmpty else {
            throw fail("the model has no graph nodes (not an ONNX model?)")
        }
        let defaultDomain = proto.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }
        guard let opsetVersion = defaultDomain?.version else { throw fail("no opset for the default ONNX domain") }
        guard ONNXModel.supportedOpsets.contains(Int(opsetVersion)) else {
            throw fail("opset \(opsetVersion) is outside the supported range \(ONNXModel.supportedOpsets)")
        }
        let graph = proto.graph
        var initializers: [String: ONNXValue] = [:]
        for tensor in graph.initializer {
            initializers[tensor.name] = try ONNXTensorDecoder.decode(tensor, modelFolder: folder, context: file)
        }
        let realInputs = graph.input.filter { initializers[$0.name] == nil }
        guard realInputs.count == 1, let input = realInputs.first else {
            throw fail("expected exactly one graph input besides initializers, found \(realInputs.map(\.name))")
        }
        let dims = input.type.tensorType.shape.dim.map { d -> Int? in
            if case let .dimValue(v)? = d.value, v > 0 { return Int(v) }
            return nil
        }
        guard let declared = ResourceLimits.elementCount(dims.map { $0 ?? 1 }), declared <= maximumTensorElements else {
            throw SpectraError.tooLarge(
                place: "model '\(file)'", what: "the declared input shape of '\(input.name)'",
                shape: dims.map { $0 ?? 1 },
                limit: maximumTensorElements)
        }
        var known = Set(initializers.keys).union([input.name, ""])
        var nodes: [ONNXNode] = []
        for (index, node) in graph.node.enumerated() {
            var attributes: [String: Onnx_AttributeProto] = [:]
            for a in node.attribute { attributes[a.name] = a }
            let n = ONNXNode(
                index: index, name: node.name.isEmpty ? "\(node.opType)_\(index)" : node.name, opType: node.opType,
                inputs: node.input, outputs: node.output, attributes: attributes)
            guard node.domain.isEmpty || node.domain == "ai.onnx" else {
                throw fail("\(n.label) uses the custom domain '\(node.domain)'")
            }
            if let missing = node.input.first(where: { !known.contains($0) }) {
                throw fail(
                    "\(n.label) reads '\(missing)', which no earlier node produces (graph not in topological order?)")
            }
            known.formUnion(node.output)
            nodes.append(n)
        }
        // torch names every graph "main_graph" (older exporters "torch_jit"): such a model is named after its file.
        let generic = graph.name.isEmpty || graph.name == "main_graph" || graph.name.hasPrefix("torch_jit")
        name = generic ? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent : graph.name
        self.file = file
        opset = Int(opsetVersion)
        producer = "\(proto.producerName) \(proto.producerVersion)".trimmingCharacters(in: .whitespaces)
        inputName = input.name
        inputShape = dims
        self.nodes = nodes
        outputs = graph.output.map(\.name)
        self.initializers = initializers
    }

    /// How the analysis describes the model.
    public var summary: String { "ONNX model (opset \(opset)\(producer.isEmpty ? "" : ", from \(producer)"))" }
}
