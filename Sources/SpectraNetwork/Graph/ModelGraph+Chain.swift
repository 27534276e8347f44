import SpectraCore

/// Chains of layers as graphs, and graphs back as chains (training and model JSON need the layers in order).
extension ModelGraph {
    /// The graph of a `Sequential`: node i runs layer i on node i − 1's output (the input for node 0).
    public init(chain model: Sequential) {
        let inputName = "input"
        var nodes: [GraphNode] = []
        for (i, named) in model.layers.enumerated() {
            nodes.append(
                GraphNode(
                    index: i, name: named.name, inputs: [i == 0 ? inputName : "\(i - 1):\(model.layers[i - 1].name)"],
                    outputs: ["\(i):\(named.name)"], op: LayerOperator(named.layer), typeName: named.layer.typeName,
                    label: named.name))
        }
        self.init(
            name: model.name, summary: model.summary, source: model.name, inputName: inputName, declaredInputShape: nil,
            inputChannels: model.inputChannels, inputSize: model.inputSize, nodes: nodes,
            outputs: nodes.last.map { [$0.outputs[0]] } ?? [inputName], constants: [:], chain: model)
    }

    /// The graph as a `Sequential`, when it is a chain of DecoderSpectra layers (each node a layer reading the
    /// previous node's output): such a model can be trained and saved as a model JSON. Throws naming the first node
    /// that breaks the chain.
    public func asSequential() throws -> Sequential {
        if let chain { return chain }
        var current = inputName
        var layers: [NamedLayer] = []
        for node in nodes {
            guard node.inputs.first == current, node.inputs.dropFirst().allSatisfy({ $0.isEmpty || isConstant($0) })
            else {
                throw SpectraError.invalidLayer(
                    layer: node.label,
                    reason: "the graph is not a chain (it reads "
                        + "\(node.inputs.map { "'\($0)'" }.joined(separator: ", ")), not only the previous output '\(current)'); "
                        + "only chains convert to a sequential model")
            }
            current = node.outputs[0]
            if node.op.isIdentity { continue }
            guard let layer = (node.op as? LayerOperator)?.layer else {
                throw SpectraError.invalidLayer(
                    layer: node.label, reason: "\(node.typeName) is not a layer DecoderSpectra can train")
            }
            layers.append(NamedLayer(node.name, layer))
        }
        guard outputs.contains(current) else {
            throw SpectraError.invalidModel(
                file: source, reason: "the chain ends in '\(current)', not in a graph output")
        }
        return Sequential(
            name: name, summary: "converted from \(source.split(separator: "/").last.map(String.init) ?? source)",
            inputChannels: inputChannels, inputSize: inputSize, layers: layers)
    }

    /// The graph up to and including the layer or node `until` (the whole graph when nil).
    public func truncated(after until: String?) throws -> ModelGraph {
        guard let until else { return self }
        if let chain { return ModelGraph(chain: try chain.truncated(after: until)) }
        var copy = self
        copy.nodes = Array(nodes[...(try nodeIndex(named: until))])
        return copy
    }
}
