import SpectraCore

/// The spatial run of a `ModelGraph`: nodes in order, values by name. The spectral tracer (`forEachStage`) and every
/// command run nodes through `outputs(of:…)` (shape arithmetic cached per input shape), so a chain and an imported ONNX
/// graph execute the same way.
extension ModelGraph {
    /// Runs the graph up to and including the node `until` (all when nil); returns every value: the input, the
    /// constants and every node output. For tests and small inputs: nothing is dropped.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func run<S: TensorScalar>(_ input: Tensor<S>, until: String? = nil) throws -> [String: TensorValue<S>] {
        let last = try lastNode(until: until)
        let input = try prepared(input, upTo: last)
        var values: [String: TensorValue<S>] = constants.mapValues { $0.converted(to: S.self) }
        values[inputName] = .real(input)
        for node in nodes.prefix(last + 1) {
            let context = GraphContext(node: node, graph: self, values: values, spectra: [:])
            let outputs = try outputs(of: node, inputs: context.inputs, context: context, inputShape: input.shape)
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty { values[name] = value }
        }
        return values
    }

    /// The most values one image has in one feature map (rank-4 node output) of the run, the input included: a
    /// spatial pass that drops each value after its last use, what the streaming analysis sizes its batches by before
    /// tracing anything.
    @_specialize(where S == Float)
    public func largestFeatureMap<S: TensorScalar>(_ input: Tensor<S>, until: String? = nil) throws -> Int {
        let last = try lastNode(until: until)
        let input = try prepared(input, upTo: last)
        let uses = lastUses(upTo: last)
        var values: [String: TensorValue<S>] = [inputName: .real(input)]
        var largest = input.count
        for node in nodes.prefix(last + 1) {
            let context = GraphContext(node: node, graph: self, values: values, spectra: [:])
            let outputs = try outputs(of: node, inputs: context.inputs, context: context, inputShape: input.shape)
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty { values[name] = value }
            if case let .real(output)? = outputs.first, output.rank == 4 { largest = max(largest, output.count) }
            for name in Set(node.inputs + node.outputs) where !name.isEmpty && (uses[name] ?? -1) <= node.index {
                values[name] = nil
            }
        }
        return largest / max(1, input.shape.first ?? 1)
    }

    /// The graph's first output for an input batch.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward<S: TensorScalar>(_ input: Tensor<S>) throws -> Tensor<S> {
        guard let name = outputs.first, case let .real(y)? = try run(input)[name] else {
            throw SpectraError.invalidModel(file: source, reason: "the graph's output is not a real tensor")
        }
        return y
    }

    /// The input as the graph takes it: a [B, F] graph input is read from an [H, W] file as [batch, features];
    /// values must be finite and the declared dimensions (all but the batch) must match.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    package func prepared<S: TensorScalar>(_ input: Tensor<S>, upTo last: Int) throws -> Tensor<S> {
        var input = input
        if let declared = declaredInputShape, declared.count == 2, input.rank == 4, input.shape[0] == 1,
            input.shape[1] == 1
        {
            input = try input.reshaped([input.shape[2], input.shape[3]])
        }
        try input.checkFinite("input")
        if let chain, chain.layers.indices.contains(last) {  // every layer checks its input before anything runs
            var head = chain
            head.layers = Array(chain.layers[...last])
            _ = try head.shapes(for: input.shape)
        }
        if let declared = declaredInputShape {
            guard input.rank == declared.count,
                zip(input.shape, declared).enumerated().allSatisfy({ i, pair in
                    i == 0 || pair.1 == nil || pair.1 == pair.0
                })
            else {
                throw SpectraError.inputShapeMismatch(
                    model: source, input: inputName, declared: declared, got: input.shape)
            }
        }
        return input
    }

    /// The index of the last node to run for `until` (−1 when every node was folded into constants at import).
    func lastNode(until: String?) throws -> Int {
        try until.map { try nodeIndex(named: $0) } ?? nodes.count - 1
    }
}
