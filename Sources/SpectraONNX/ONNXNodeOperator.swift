import SpectraCore
import SpectraNetwork

/// An ONNX node that the importer did not turn into a plain `LayerOperator`: shape arithmetic, element-wise and
/// normalisation ops, padding, matrix products, grouped or asymmetrically padded convolutions, and layer-like nodes
/// whose configuration depends on the input's shape (`auto_pad` SAME, Resize to `sizes`), which are built as layers
/// at run time. Its frequency half is in `ONNXNodeOperator+Frequency.swift`.
struct ONNXNodeOperator: GraphOperator {
    let node: ONNXNode
    let opset: Int

    var typeName: String { node.opType }

    /// Identity and Dropout (inference): the value passes through.
    var isIdentity: Bool { node.opType == "Identity" || node.opType == "Dropout" }

    var readsShapeOnly: Bool { node.opType == "Shape" || node.opType == "Size" }

    /// A layer configured by its input's shape is built for an input of the requested grid size (its channels read
    /// off the weight).
    func layer(in graph: ModelGraph, inputRows rows: Int, columns: Int) throws -> (any Layer)? {
        var shapes: [String: [Int]] = [:]
        if node.inputs.count > 1, case let .real(weight)? = graph.constants[node.inputs[1]], weight.rank == 4 {
            let channels = node.opType == "ConvTranspose" ? weight.shape[0] : weight.shape[1]
            shapes[node.inputs[0]] = [1, channels, rows, columns]
        }
        let lookup = ONNXLookup(value: { graph.constants[$0] }, shape: { shapes[$0] ?? graph.constants[$0]?.shape })
        return try ONNXLayers.layer(for: node, values: lookup, opset: opset)
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func forward<S: TensorScalar>(_ inputs: [TensorValue<S>?], context: GraphContext<S>) throws -> [TensorValue<S>] {
        if let layer = try ONNXLayers.layer(for: node, values: ONNXLookup(context), opset: opset) {
            return try LayerOperator(layer).forward(inputs, context: context)
        }
        if node.opType == "Conv" { return [.real(try groupedOrPaddedConvolution(inputs, context: context))] }
        if node.opType == "ConvTranspose" { return [.real(try groupedTransposedConvolution(inputs, context: context))] }
        return try ONNXOperators.run(node, inputs, opset: opset)
    }
}

extension ONNXNodeOperator {
    /// A Conv's frequency half may look through the Slice/Concat chain of torch's circular padding, or through a Pad
    /// node, to the tensor that was padded (`circularConvolution`, `paddedConvolution`), which must then stay alive
    /// until the Conv has run.
    func extraReads(of node: GraphNode, in graph: ModelGraph) -> [String] {
        guard self.node.opType == "Conv", let first = node.inputs.first else { return [] }
        if let pad = graph.onnxProducer(of: first), pad.opType == "Pad" { return pad.inputs.filter { !$0.isEmpty } }
        var read: [String] = [], seen: Set<String> = [first], frontier = [first]
        while let name = frontier.popLast() {
            guard let producer = graph.onnxProducer(of: name), ["Concat", "Slice"].contains(producer.opType) else {
                continue
            }
            for candidate in producer.inputs where seen.insert(candidate).inserted {
                read.append(candidate)
                frontier.append(candidate)
            }
        }
        return read
    }
}

extension ModelGraph {
    /// The ONNX node that computes `name`, when a node of this graph does and it is not a plain layer.
    func onnxProducer(of name: String) -> ONNXNode? {
        guard let index = producers[name], index < nodes.count else { return nil }
        return (nodes[index].op as? ONNXNodeOperator)?.node
    }
}
