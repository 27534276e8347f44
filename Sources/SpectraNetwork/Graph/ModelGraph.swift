import Foundation
import SpectraCore

/// One node of a `ModelGraph`: an operator applied to named values, producing named values.
public struct GraphNode: Sendable {
    /// Position in the graph's topological order.
    public let index: Int
    /// The module name (PyTorch's, e.g. "conv3") or the ONNX node name.
    public let name: String
    /// Names of the values read (an empty name is an omitted optional input) and written.
    public let inputs: [String]
    public let outputs: [String]
    public let op: any GraphOperator
    /// What reports call the node's type: the layer's class name in a chain ("Conv2d"), the op type of an imported
    /// node ("Conv"), so that users find their own graph's names.
    public let typeName: String
    /// How errors name this node: the layer name of a chain, "node 7 'Conv_3' (Conv)" for an imported graph.
    public let label: String

    package init(
        index: Int, name: String, inputs: [String], outputs: [String], op: any GraphOperator, typeName: String,
        label: String
    ) {
        self.index = index
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.op = op
        self.typeName = typeName
        self.label = label
    }
}

/// A decoder as DecoderSpectra runs it: a graph of operators in topological order, each with a spatial half and a
/// frequency half (`GraphOperator`). A chain of layers (`Sequential`, the built-in and JSON models) is the graph whose
/// node i reads node i − 1's output; an ONNX file is imported into the same form (`ModelGraph(onnx:)`), so one
/// executor and one spectral tracer serve every model (docs/theory.md §2, §9).
public struct ModelGraph: Sendable {
    public var name: String
    /// How analyses describe the model.
    public var summary: String
    /// The file the graph came from, or the model's name for built-in models (error messages cite it).
    public var source: String
    public var inputName: String
    /// The declared input shape (nil entries are dynamic dimensions), or nil when any NCHW input is accepted and the
    /// first layer checks it (chains).
    public var declaredInputShape: [Int?]?
    /// Input channels and the default input size built-in data uses.
    public var inputChannels: Int
    public var inputSize: (height: Int, width: Int)
    public var nodes: [GraphNode]
    public var outputs: [String]
    /// Values that do not depend on the input (initializers and folded constant subgraphs), in float32 as stored.
    package var constants: [String: ONNXValue]
    /// The node producing each value.
    package let producers: [String: Int]
    /// The layers of a chain, kept for training and model JSON export (nil for graphs that are not chains of layers).
    public var chain: Sequential?
    /// Nodes that compute from the input's shape only, and their values per input shape (`ShapeSubgraph.swift`).
    let shapeOnly: Set<Int>
    let shapeCache = ShapeSubgraphCache()

    package init(
        name: String, summary: String, source: String, inputName: String, declaredInputShape: [Int?]?,
        inputChannels: Int,
        inputSize: (Int, Int), nodes: [GraphNode], outputs: [String], constants: [String: ONNXValue], chain: Sequential?
    ) {
        self.name = name
        self.summary = summary
        self.source = source
        self.inputName = inputName
        self.declaredInputShape = declaredInputShape
        self.inputChannels = inputChannels
        self.inputSize = inputSize
        self.nodes = nodes
        self.outputs = outputs
        self.constants = constants
        self.chain = chain
        producers = Dictionary(
            nodes.flatMap { n in n.outputs.map { ($0, n.index) } }, uniquingKeysWith: { first, _ in first })
        shapeOnly = Self.shapeOnlyNodes(nodes, constants: Set(constants.keys))
    }

    /// The channel count input files must have; nil when the model's input is not an image (2D latents).
    public var fileChannels: Int? {
        if let declared = declaredInputShape, declared.count != 4 { return nil }
        return inputChannels
    }

    /// Whether `name` is a value that does not depend on the input.
    package func isConstant(_ name: String) -> Bool { constants[name] != nil }

    /// The node called `name` (or producing a value called `name`), for `--until` and `transfer`.
    public func nodeIndex(named name: String) throws -> Int {
        if let i = nodes.firstIndex(where: { $0.name == name || $0.outputs.contains(name) }) { return i }
        throw SpectraError.unknownLayer(model: source, name: name, known: nodes.map(\.name))
    }

    /// For each value name, the index of the last node (up to `last`) that reads it, directly or through an
    /// operator's `extraReads` (values a frequency rule inspects besides its inputs).
    func lastUses(upTo last: Int) -> [String: Int] {
        var uses: [String: Int] = [:]
        for node in nodes.prefix(last + 1) {
            for name in node.inputs + node.op.extraReads(of: node, in: self) { uses[name] = node.index }
        }
        return uses
    }
}
