import SpectraCore
import SpectraNetwork

extension ModelGraph {
    /// Forward (training mode when `training`), loss and backward through the graph's nodes, in the graph's order
    /// and with its value names: the engine every command runs, so a chain trains on the same graph it is analysed
    /// on. Gradients of a value read by several nodes are summed (fan-out).
    ///
    /// Every node must be a layer that can be trained (a `LayerOperator` whose layer is a `TrainableLayer`, reading
    /// one feature map) or an identity; graph-only ONNX operators have no backward pass here.
    ///
    /// - Parameters:
    ///   - x: the input batch [B, C, H, W].
    ///   - target: what the graph's first output should be (same shape).
    ///   - loss: the loss (MSE, mean by default).
    ///   - training: run BatchNorm2d in training mode (batch statistics) and report its running-statistic updates.
    /// - Returns: the loss, every node's output, ∂L/∂parameters and ∂L/∂input per node (index = node index; for a
    ///   chain, node i is layer i), the last input gradient being ∂L/∂output.
    /// - Throws: `SpectraError.invalidLayer` naming the first node that cannot be trained; shape errors naming the
    ///   node.
    ///
    /// Complexity: about three times the forward pass (forward, input gradients, parameter gradients).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backwardPass<S: TensorScalar>(
        _ x: Tensor<S>, target: Tensor<S>, loss: MSELoss = MSELoss(), training: Bool = true
    ) throws -> BackwardPass<S> {
        let layers = try trainableLayers()
        let input = try prepared(x, upTo: nodes.count - 1)
        var values: [String: Tensor<S>] = [inputName: input]
        var caches = [LayerCache<S>?](repeating: nil, count: nodes.count)
        var outputs = [Tensor<S>](repeating: Tensor(zeros: []), count: nodes.count)
        for (index, node) in nodes.enumerated() {
            guard let value = values[node.inputs[0]] else {
                throw SpectraError.invalidLayer(
                    layer: node.label, reason: "its input '\(node.inputs[0])' is not computed")
            }
            if let layer = layers[index] {
                let (output, cache) = try LayerScope.running(node.label) {
                    training ? try layer.trainingForward(value) : (try layer.forward(value), LayerCache(input: value))
                }
                caches[index] = cache
                outputs[index] = output
            } else {
                outputs[index] = value  // an identity
            }
            values[node.outputs[0]] = outputs[index]
        }
        guard let outputName = self.outputs.first, let prediction = values[outputName] else {
            throw SpectraError.invalidModel(file: source, reason: "the graph's output is not computed")
        }
        let (value, outputGradient) = try loss.evaluate(prediction, target)
        var gradients: [String: Tensor<S>] = [outputName: outputGradient]
        var parameterGradients = [[String: Tensor<S>]](repeating: [:], count: nodes.count)
        var inputGradients = [Tensor<S>](repeating: Tensor(zeros: []), count: nodes.count + 1)
        inputGradients[nodes.count] = outputGradient
        for (index, node) in nodes.enumerated().reversed() {
            // Each gradient is dropped once its node has used it (the output does not reach the loss when absent).
            guard let gradient = gradients.removeValue(forKey: node.outputs[0]) else { continue }
            var inputGradient = gradient
            if let layer = layers[index], let cache = caches[index] {
                let (g, p) = try LayerScope.running(node.label) { try layer.backward(gradient, cache: cache) }
                parameterGradients[index] = p
                inputGradient = g
            }
            inputGradients[index] = inputGradient
            let name = node.inputs[0]
            if let earlier = gradients[name] {
                gradients[name] = try Tensor(
                    shape: earlier.shape, scalars: zip(earlier.scalars, inputGradient.scalars).map { $0 + $1 })
            } else {
                gradients[name] = inputGradient
            }
        }
        return BackwardPass(
            loss: value, outputs: outputs, parameterGradients: parameterGradients, inputGradients: inputGradients,
            updatedBuffers: caches.map { $0?.updatedBuffers ?? [:] })
    }

    /// The trainable layer of every node (nil for identities); throws naming the first node that has none.
    private func trainableLayers() throws -> [(any TrainableLayer)?] {
        try nodes.map { node in
            if node.op.isIdentity { return nil }
            guard let layer = (node.op as? LayerOperator)?.layer else {
                throw SpectraError.invalidLayer(
                    layer: node.label, reason: "\(node.typeName) is not a layer DecoderSpectra can train")
            }
            guard let trainable = layer as? any TrainableLayer else {
                throw SpectraError.invalidLayer(
                    layer: node.label, reason: "\(layer.typeName) cannot be trained (no backward pass)")
            }
            guard node.inputs.dropFirst().allSatisfy({ $0.isEmpty || isConstant($0) })
            else {
                throw SpectraError.invalidLayer(layer: node.label, reason: "reads more than one feature map")
            }
            return trainable
        }
    }
}
