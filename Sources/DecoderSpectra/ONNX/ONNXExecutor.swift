import Foundation
import ComplexModule

extension ONNXModel {
    /// Runs the graph on a float NCHW input; returns every named value (inputs, initializers, node outputs) and the
    /// nodes executed. With `until`, execution stops after that node. Layer-like nodes run through DecoderSpectra's
    /// layers (the same code the frequency rules are checked against).
    public func run(_ input: Tensor<Float>, until: String? = nil) throws -> (values: [String: ONNXValue], executed: [ONNXNode]) {
        let result = try runRecordingLayers(input, until: until)
        return (result.values, result.executed)
    }

    /// `run`, also returning the layer built for each layer-like node (by node index), so that the frequency trace
    /// reuses them instead of building every layer a second time.
    func runRecordingLayers(_ input: Tensor<Float>, until: String?)
        throws -> (values: [String: ONNXValue], executed: [ONNXNode], layers: [Int: any Layer])
    {
        let input = try adapt(input)
        try input.checkFinite("input")
        try checkInput(input.shape)
        let last = try until.map { try nodeIndex(named: $0) } ?? nodes.count - 1
        var values = initializers
        values[inputName] = .float(input)
        var executed: [ONNXNode] = []
        var layers: [Int: any Layer] = [:]
        for node in nodes[...last] {
            let layer = try ONNXLayers.layer(for: node, values: values, opset: opset)
            layers[node.index] = layer
            let outputs = try execute(node, values: values, layer: layer)
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty { values[name] = value }
            executed.append(node)
        }
        return (values, executed, layers)
    }

    /// The batch dimension is always free (exporters often fix it to the example's batch); the others must match
    /// where they are declared.
    func checkInput(_ shape: [Int]) throws {
        guard shape.count == inputShape.count,
              zip(shape, inputShape).enumerated().allSatisfy({ i, pair in i == 0 || pair.1 == nil || pair.1 == pair.0 })
        else {
            throw SpectraError.shapeMismatch(layer: "input '\(inputName)' of \(file)",
                                             expected: describeShape(inputShape.map { $0 ?? -1 }).replacingOccurrences(of: "-1", with: "?"),
                                             got: describeShape(shape))
        }
    }

    /// Input files hold [B, C, H, W], [C, H, W] or [H, W] arrays; a graph with a 2D input ([batch, features], e.g. a
    /// latent vector) takes an [H, W] array as [batch, features].
    public func adapt(_ input: Tensor<Float>) throws -> Tensor<Float> {
        if inputShape.count == 2 && input.rank == 4 && input.shape[0] == 1 && input.shape[1] == 1 {
            return try input.reshaped([input.shape[2], input.shape[3]])
        }
        return input
    }

    /// Runs one node; `layer` is its DecoderSpectra layer when it has one (built by the caller, see `ONNXLayers`).
    func execute(_ node: ONNXNode, values: [String: ONNXValue], layer: (any Layer)?) throws -> [ONNXValue] {
        let inputs = node.inputs.map { $0.isEmpty ? nil : values[$0] }
        if let layer {
            guard case let .float(x)? = inputs.first ?? nil else { throw node.error("input 0 must be a float tensor") }
            do {
                try ResourceLimits.checkAllocation(try layer.outputShape(for: x.shape), layer: node.label)
                return [.float(try layer.forward(x))]
            } catch let SpectraError.shapeMismatch(_, expected, got) {
                throw SpectraError.shapeMismatch(layer: node.label, expected: expected, got: got)
            }
        }
        if node.opType == "Conv" { return [.float(try groupedOrPaddedConvolution(node, values: values))] }
        return try ONNXOperators.run(node, inputs, opset: opset)
    }

    /// Conv with groups or asymmetric padding: explicit zero padding, then one Conv2d per group.
    private func groupedOrPaddedConvolution(_ node: ONNXNode, values: [String: ONNXValue]) throws -> Tensor<Float> {
        guard case let .float(x)? = values[node.inputs[0]], x.rank == 4, case let .float(weight)? = values[node.inputs[1]], weight.rank == 4 else {
            throw node.error("needs a 4D input and a 4D weight")
        }
        let groups = try node.int("group", default: 1)
        let pads = try ONNXLayers.explicitPads(node, kernel: (weight.shape[2], weight.shape[3]), input: (x.height, x.width))
        guard groups > 0, x.channels % groups == 0, weight.shape[0] % groups == 0, weight.shape[1] * groups == x.channels else {
            throw node.error("group \(groups) does not fit input channels \(x.channels) and weight \(describeShape(weight.shape))")
        }
        try ResourceLimits.checkAllocation([x.batch, x.channels, x.height + pads[0] + pads[2], x.width + pads[1] + pads[3]],
                                           layer: node.label, what: "its padded input")
        let rows = paddedIndexMap(size: x.height, before: pads[0], after: pads[2], mode: .zeros)
        let cols = paddedIndexMap(size: x.width, before: pads[1], after: pads[3], mode: .zeros)
        var padded = Tensor<Float>(zeros: [x.batch, x.channels, rows.count, cols.count])
        for p in 0..<(x.batch * x.channels) {
            for (r, sr) in rows.enumerated() where sr >= 0 {
                for (q, sq) in cols.enumerated() where sq >= 0 {
                    padded.scalars[(p * rows.count + r) * cols.count + q] = x.scalars[(p * x.height + sr) * x.width + sq]
                }
            }
        }
        let inPer = x.channels / groups, outPer = weight.shape[0] / groups
        let layers = try groupLayers(node, values: values, padding: (0, 0))
        var outputs: [Tensor<Float>] = []
        for (g, conv) in layers.enumerated() {
            let plane: Int = rows.count * cols.count
            var groupScalars: [Float] = []
            for b in 0..<x.batch {
                let start: Int = (b * x.channels + g * inPer) * plane
                groupScalars += padded.scalars[start..<(start + inPer * plane)]
            }
            let slice = try Tensor(shape: [x.batch, inPer, rows.count, cols.count], scalars: groupScalars)
            outputs.append(try conv.forward(slice))
        }
        guard let first = outputs.first else { throw node.error("no groups") }
        let plane: Int = first.height * first.width
        var y = Tensor<Float>(zeros: [x.batch, weight.shape[0], first.height, first.width])
        for (g, out) in outputs.enumerated() {
            for b in 0..<x.batch {
                let target: Int = (b * weight.shape[0] + g * outPer) * plane
                y.scalars.replaceSubrange(target..<(target + outPer * plane), with: out.scalars[(b * outPer * plane)..<((b + 1) * outPer * plane)])
            }
        }
        return y
    }
}

extension ONNXModel {
    /// One Conv2d per group of a grouped ONNX Conv (weights and biases sliced), with the given padding.
    func groupLayers(_ node: ONNXNode, values: [String: ONNXValue], padding: (Int, Int)) throws -> [Conv2d] {
        guard case let .float(weight)? = values[node.inputs[1]], weight.rank == 4 else { throw node.error("needs a 4D weight") }
        let groups = try node.int("group", default: 1)
        guard groups > 0, weight.shape[0] % groups == 0 else { throw node.error("group \(groups) does not divide \(weight.shape[0]) kernels") }
        let bias: Tensor<Float>? = node.inputs.count > 2 && !node.inputs[2].isEmpty ? {
            if case let .float(b)? = values[node.inputs[2]] { return b } else { return nil }
        }() : nil
        let (inPer, outPer) = (weight.shape[1], weight.shape[0] / groups)
        let stride = try node.pair("strides", default: 1)
        let per = inPer * weight.shape[2] * weight.shape[3]
        var generator = SeededGenerator(seed: 0)
        return try (0..<groups).map { g in
            var conv = try Conv2d(inChannels: inPer, outChannels: outPer, kernelSize: (weight.shape[2], weight.shape[3]),
                                  stride: stride, padding: padding, bias: bias != nil, generator: &generator)
            try conv.setParameter("weight", try Tensor(shape: [outPer, inPer, weight.shape[2], weight.shape[3]],
                                                       scalars: Array(weight.scalars[(g * outPer * per)..<((g + 1) * outPer * per)])))
            if let bias { try conv.setParameter("bias", try Tensor(shape: [outPer], scalars: Array(bias.scalars[(g * outPer)..<((g + 1) * outPer)]))) }
            return conv
        }
    }
}

extension ONNXModel {
    /// The graph as a Sequential model, when it is a chain of nodes that are DecoderSpectra layers (Conv, ConvTranspose,
    /// Resize/Upsample, BatchNormalization, activations; Constant, Identity and Dropout are skipped): such a graph can
    /// be trained and saved as a model JSON. Throws naming the first node that breaks the chain.
    public func asSequential() throws -> Sequential {
        var values = try initializerValues(withInputShape: inputShape.map { $0 ?? 1 })
        var current = inputName
        var layers: [NamedLayer] = []
        var shape = inputShape.map { $0 ?? 1 }
        for node in nodes {
            if node.opType == "Constant" { continue }
            guard node.inputs.first == current else {
                throw SpectraError.invalidLayer(layer: node.label, reason: "the graph is not a chain (it reads '\(node.inputs.first ?? "")', "
                                                + "not the previous output '\(current)'); only chains convert to a sequential model")
            }
            if ["Identity", "Dropout"].contains(node.opType) {
                current = node.outputs[0]
                continue
            }
            values[current] = .float(Tensor(zeros: shape))
            guard let layer = try ONNXLayers.layer(for: node, values: values, opset: opset) else {
                throw SpectraError.invalidLayer(layer: node.label, reason: "\(node.opType) is not a layer DecoderSpectra can train")
            }
            shape = try layer.outputShape(for: shape)
            layers.append(NamedLayer(node.name, layer))
            current = node.outputs[0]
        }
        guard outputs.contains(current) else {
            throw SpectraError.invalidModel(file: file, reason: "the chain ends in '\(current)', not in a graph output")
        }
        return Sequential(name: name, summary: "converted from \(URL(fileURLWithPath: file).lastPathComponent)",
                          inputChannels: inputChannels, inputSize: inputSize, layers: layers)
    }
}
