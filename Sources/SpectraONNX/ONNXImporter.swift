import Foundation
import SpectraNetwork

extension ModelGraph {
    /// Imports an ONNX graph (exported by `torch.onnx.export` or another exporter) into the graph DecoderSpectra runs.
    ///
    /// - Subgraphs that do not depend on the input (Constant nodes, Identity on initializers, arithmetic on
    ///   parameters) are evaluated once here and become constants, so they are neither run per batch nor analysed.
    /// - Nodes that are DecoderSpectra layers with a fixed configuration (Conv and ConvTranspose with constant weights
    ///   and explicit symmetric pads, BatchNormalization, Relu/LeakyRelu/Sigmoid/Tanh, Resize/Upsample by constant
    ///   scales) become `LayerOperator`s and bring the layer's frequency rule.
    /// - Everything else stays an `ONNXNodeOperator` (the ONNX operator set, and layer-like nodes whose
    ///   configuration depends on the input's shape, built at run time).
    /// - With `fusingModules` (the default), the node patterns the exporter writes for one PyTorch module (GroupNorm,
    ///   SiLU) become one node named after the module (`ONNXModuleFusion`); without, every exported node is kept.
    public init(onnx model: ONNXModel, fusingModules: Bool = true) throws {
        var constants = model.initializers
        var nodes: [ONNXModuleFusion.Imported] = []
        var producerTypes: [String: String] = [:]
        for node in model.nodes {
            let op = ONNXNodeOperator(node: node, opset: model.opset)
            let folded =
                node.inputs.allSatisfy({ $0.isEmpty || constants[$0] != nil }) ? ModelGraph.fold(op, constants) : nil
            if let folded {
                for (name, value) in zip(node.outputs, folded) where !name.isEmpty { constants[name] = value }
                continue
            }
            let layer = ModelGraph.fixedLayer(op, constants: constants, producerType: { producerTypes[$0] })
            let graphNode = GraphNode(
                index: nodes.count, name: node.name, inputs: node.inputs, outputs: node.outputs,
                op: layer ?? op, typeName: node.opType, label: node.label)
            nodes.append(.init(graphNode: graphNode, source: node))
            for name in node.outputs { producerTypes[name] = node.opType }
        }
        let declared = model.inputShape
        let graphNodes =
            fusingModules
            ? ONNXModuleFusion.fuse(nodes, constants: &constants, outputs: model.outputs) : nodes.map(\.graphNode)
        self.init(
            name: model.name, summary: model.summary, source: model.file, inputName: model.inputName,
            declaredInputShape: declared,
            inputChannels: model.inputChannels, inputSize: model.inputSize, nodes: graphNodes, outputs: model.outputs,
            constants: constants, chain: nil)
    }

    /// The outputs of a node whose inputs are all constants, or nil when it cannot be evaluated now (it then runs,
    /// and reports its error, with the input).
    private static func fold(_ op: ONNXNodeOperator, _ constants: [String: ONNXValue]) -> [ONNXValue]? {
        let graph = ModelGraph(
            name: "", summary: "", source: "", inputName: "", declaredInputShape: nil, inputChannels: 1,
            inputSize: (1, 1),
            nodes: [], outputs: [], constants: constants, chain: nil)
        let node = GraphNode(
            index: 0, name: op.node.name, inputs: op.node.inputs, outputs: op.node.outputs, op: op,
            typeName: op.node.opType, label: op.node.label)
        let context = GraphContext<Float>(node: node, graph: graph, values: [:], spectra: [:])
        return try? op.forward(op.node.inputs.map { $0.isEmpty ? nil : constants[$0] }, context: context)
    }

    /// The layer of a layer-like node whose configuration does not depend on the input's shape, or nil.
    private static func fixedLayer(
        _ op: ONNXNodeOperator, constants: [String: ONNXValue], producerType: (String) -> String?
    ) -> LayerOperator? {
        let node = op.node
        switch node.opType {
        case "Conv":
            // torch's circular padding (an unpadded Conv reading a Slice/Concat wrap) and its Pad nodes (reflect,
            // replicate, zero) before an unpadded Conv are recognised at run time.
            let unpadded = (node.ints("pads") ?? [0, 0, 0, 0]).allSatisfy { $0 == 0 }
            guard node.string("auto_pad", default: "NOTSET") == "NOTSET",
                !(unpadded && ["Concat", "Slice", "Pad"].contains(producerType(node.inputs.first ?? "") ?? ""))
            else { return nil }
        case "ConvTranspose":
            // output_shape and SAME padding depend on the input's size: built at run time.
            guard !node.has("output_shape"), node.string("auto_pad", default: "NOTSET") == "NOTSET" else { return nil }
        case "BatchNormalization", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Upsample":
            break
        case "Resize":
            guard node.inputs.count < 4 || node.inputs[3].isEmpty else { return nil }  // sizes depend on the input
        default:
            return nil
        }
        guard node.inputs.dropFirst().allSatisfy({ $0.isEmpty || constants[$0] != nil }) else { return nil }
        // Only the rank of the input is read (a placeholder shape) for these configurations.
        let lookup = ONNXLookup(value: { constants[$0] }, shape: { _ in [1, 1, 1, 1] })
        guard let layer = try? ONNXLayers.layer(for: node, values: lookup, opset: op.opset) else { return nil }
        return LayerOperator(layer)
    }
}

extension ModelGraph {
    /// Reads a .onnx file and imports it (`ModelGraph(onnx:fusingModules:)`).
    public static func load(onnx url: URL, fusingModules: Bool = true) throws -> ModelGraph {
        try ModelGraph(onnx: try ONNXModel.load(url), fusingModules: fusingModules)
    }
}
