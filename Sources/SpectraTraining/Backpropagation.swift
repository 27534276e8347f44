import SpectraCore
import SpectraNetwork

/// Mean squared error, as `torch.nn.MSELoss` (reduction "mean" by default; "sum" is the summed squared error of
/// docs/theory.md §3.1).
public struct MSELoss: Sendable {
    /// PyTorch's `reduction`: the mean or the sum of the squared errors.
    public enum Reduction: String, Sendable { case mean, sum }
    public var reduction: Reduction

    /// `torch.nn.MSELoss(reduction=...)`.
    public init(reduction: Reduction = .mean) { self.reduction = reduction }

    /// The loss and its gradient with respect to the prediction.
    public func evaluate<S: TensorScalar>(
        _ prediction: Tensor<S>, _ target: Tensor<S>
    ) throws -> (loss: Double, gradient: Tensor<S>) {
        guard prediction.shape == target.shape else {
            throw SpectraError.shapeMismatch(
                layer: "MSELoss", expected: describeShape(prediction.shape), got: target.shape)
        }
        let scale = reduction == .mean ? 1 / Double(max(1, prediction.count)) : 1
        var loss = 0.0
        var gradient = prediction
        for i in prediction.scalars.indices {
            let d = Double(prediction.scalars[i]) - Double(target.scalars[i])
            loss += d * d
            gradient.scalars[i] = S(2 * d * scale)
        }
        return (loss * scale, gradient)
    }
}

/// The result of one forward and backward pass through a Sequential model.
public struct BackwardPass<Scalar: TensorScalar>: Sendable {
    public var loss: Double
    /// Every layer's output (index i = layers[i]).
    public var outputs: [Tensor<Scalar>]
    /// ∂L/∂parameters per layer, under PyTorch's names (buffers such as running statistics have none).
    public var parameterGradients: [[String: Tensor<Scalar>]]
    /// ∂L/∂(input of layer i), the last entry being ∂L/∂(network output).
    public var inputGradients: [Tensor<Scalar>]
    /// Running statistics updated by training-mode BatchNorm2d layers, per layer.
    public var updatedBuffers: [[String: Tensor<Float>]]
}

extension Sequential {
    /// Forward (training mode when `training`), loss, and backward through every layer.
    public func backwardPass<S: TensorScalar>(
        _ x: Tensor<S>, target: Tensor<S>, loss: MSELoss = MSELoss(), training: Bool = true
    )
        throws -> BackwardPass<S>
    {
        _ = try shapes(for: x.shape)
        var current = x
        var caches: [LayerCache<S>] = [], outputs: [Tensor<S>] = []
        for named in layers {
            guard let layer = named.layer as? any TrainableLayer else {
                throw SpectraError.invalidLayer(
                    layer: named.name, reason: "\(named.layer.typeName) cannot be trained (no backward pass)")
            }
            let (output, cache) = try Sequential.naming(named.name) {
                training ? try layer.trainingForward(current) : (try layer.forward(current), LayerCache(input: current))
            }
            caches.append(cache)
            outputs.append(output)
            current = output
        }
        let (value, outputGradient) = try loss.evaluate(current, target)
        var gradient = outputGradient
        var parameterGradients = [[String: Tensor<S>]](repeating: [:], count: layers.count)
        var inputGradients = [Tensor<S>](repeating: Tensor(zeros: []), count: layers.count + 1)
        inputGradients[layers.count] = outputGradient
        for index in layers.indices.reversed() {
            let layer = layers[index].layer as! any TrainableLayer
            let (g, p) = try Sequential.naming(layers[index].name) {
                try layer.backward(gradient, cache: caches[index])
            }
            parameterGradients[index] = p
            inputGradients[index] = g
            gradient = g
        }
        return BackwardPass(
            loss: value, outputs: outputs, parameterGradients: parameterGradients, inputGradients: inputGradients,
            updatedBuffers: caches.map(\.updatedBuffers))
    }

    /// Writes back running statistics from a training-mode pass.
    public mutating func apply(buffers: [[String: Tensor<Float>]]) throws {
        for (index, updates) in buffers.enumerated() {
            for (name, value) in updates { try layers[index].layer.setParameter(name, value) }
        }
    }
}
