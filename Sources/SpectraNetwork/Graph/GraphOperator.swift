import SpectraCore

/// The two halves of one operator of a `ModelGraph` (docs/theory.md §2): the spatial computation on tensors, and
/// the action on spectra, which is an exact rule (a theorem), a surrogate that is measured, or none (with the reason).
public protocol GraphOperator: Sendable {
    /// The name reports show: PyTorch's class name for layers ("Conv2d"), the ONNX op type otherwise ("Add").
    var typeName: String { get }

    /// The spatial half: the node's outputs from its inputs (nil where an optional input is omitted).
    func forward<S: TensorScalar>(_ inputs: [TensorValue<S>?], context: GraphContext<S>) throws -> [TensorValue<S>]

    /// The frequency half: how spectra of the inputs determine the spectrum of output 0. `spectra` holds the
    /// (chained) spectrum of each input that is a feature map; `inputs` the values, for rules that read constants.
    /// Returns nil when the operator has no rule at all.
    func predict<S: TensorScalar>(
        _ spectra: [Spectrum<S>?], inputs: [TensorValue<S>?], context: GraphContext<S>
    ) throws
        -> FrequencyPrediction<S>?

    /// Values the frequency half reads besides the node's inputs (kept alive until this node has run).
    func extraReads(of node: GraphNode, in graph: ModelGraph) -> [String]

    /// True when the output is the input, unchanged (ONNX Identity, Dropout at inference).
    var isIdentity: Bool { get }

    /// True when the output depends on the input's shape only, not its values (ONNX Shape, Size).
    var readsShapeOnly: Bool { get }

    /// The layer this node computes on an input of `rows` × `columns` (for `TransferExport`): a layer node's layer, or
    /// one built for that size by a node whose configuration depends on its input's shape; nil for other operators.
    func layer(in graph: ModelGraph, inputRows rows: Int, columns: Int) throws -> (any Layer)?
}

extension GraphOperator {
    public func extraReads(of node: GraphNode, in graph: ModelGraph) -> [String] { [] }
    public var isIdentity: Bool { false }
    public var readsShapeOnly: Bool { false }
    public func layer(in graph: ModelGraph, inputRows rows: Int, columns: Int) throws -> (any Layer)? { nil }
}

/// A rule and, when it can be applied to these inputs, the spectrum it predicts.
public struct FrequencyPrediction<Scalar: TensorScalar>: Sendable {
    public var rule: SpectralRule
    public var spectrum: Spectrum<Scalar>?

    /// A prediction: the rule applied, and the spectrum it gives (nil when it cannot be applied to these inputs).
    public init(_ rule: SpectralRule, _ spectrum: Spectrum<Scalar>?) {
        self.rule = rule
        self.spectrum = spectrum
    }
}

/// What an operator may see of the run besides its inputs: its node, the graph, and the live values.
public struct GraphContext<Scalar: TensorScalar> {
    public let node: GraphNode
    public let graph: ModelGraph
    package let values: [String: TensorValue<Scalar>]
    /// The spectra of live feature maps (chained through exact rules), during a spectral trace; empty otherwise.
    package let spectra: [String: Spectrum<Scalar>]

    /// The value called `name`: computed in this run, or a constant of the graph in this run's precision.
    public func value(_ name: String) -> TensorValue<Scalar>? {
        values[name] ?? graph.constants[name]?.converted(to: Scalar.self)
    }

    /// The node's inputs in order (nil where an optional input is omitted).
    var inputs: [TensorValue<Scalar>?] { node.inputs.map { $0.isEmpty ? nil : value($0) } }

    package init(
        node: GraphNode, graph: ModelGraph, values: [String: TensorValue<Scalar>], spectra: [String: Spectrum<Scalar>]
    ) {
        self.node = node
        self.graph = graph
        self.values = values
        self.spectra = spectra
    }
}

/// A DecoderSpectra layer (Conv2d, ConvTranspose2d, Upsample, BatchNorm2d, activations, ...) as a graph operator:
/// input 0 to output 0, the layer's forward pass and its frequency rule.
public struct LayerOperator: GraphOperator {
    public var layer: any Layer

    /// A node that runs `layer` on its first input.
    public init(_ layer: any Layer) { self.layer = layer }

    public var typeName: String { layer.typeName }

    public func layer(in graph: ModelGraph, inputRows rows: Int, columns: Int) -> (any Layer)? {
        layer
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward<S: TensorScalar>(
        _ inputs: [TensorValue<S>?], context: GraphContext<S>
    ) throws -> [TensorValue<S>] {
        guard case let .real(x)? = inputs.first ?? nil else {
            throw SpectraError.invalidLayer(layer: context.node.label, reason: "input 0 must be a real tensor")
        }
        try ResourceLimits.checkAllocation(try layer.outputShape(for: x.shape), layer: context.node.label)
        return [.real(try layer.forward(x))]
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func predict<S: TensorScalar>(
        _ spectra: [Spectrum<S>?], inputs: [TensorValue<S>?], context: GraphContext<S>
    ) throws
        -> FrequencyPrediction<S>?
    {
        guard let g = spectra.first ?? nil else { return nil }
        let rule = layer.spectralRule(for: g.shape)
        if case .unavailable = rule { return FrequencyPrediction(rule, nil) }
        return FrequencyPrediction(rule, try layer.propagate(g))
    }
}
