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
    @_specialize(where S == Float)
    @_specialize(where S == Double)
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
        gradient.scalars.withUnsafeMutableBufferPointer { g in
            target.scalars.withUnsafeBufferPointer { t in
                for i in 0..<g.count {
                    let d = Double(g[i]) - Double(t[i])
                    loss += d * d
                    g[i] = S(2 * d * scale)
                }
            }
        }
        return (loss * scale, gradient)
    }
}

/// The result of one forward and backward pass through a model graph (`ModelGraph.backwardPass`), per node: for a
/// chain, node i is layer i.
public struct BackwardPass<Scalar: TensorScalar>: Sendable {
    public var loss: Double
    /// Every node's output (index i = node i).
    public var outputs: [Tensor<Scalar>]
    /// ∂L/∂parameters per node, under PyTorch's names (buffers such as running statistics have none).
    public var parameterGradients: [[String: Tensor<Scalar>]]
    /// ∂L/∂(input of node i), the last entry being ∂L/∂(network output).
    public var inputGradients: [Tensor<Scalar>]
    /// Running statistics updated by training-mode BatchNorm2d layers, per node.
    public var updatedBuffers: [[String: Tensor<Float>]]
}

extension Sequential {
    /// Forward (training mode when `training`), loss, and backward through every layer: the chain's graph
    /// (`ModelGraph(chain:)`, node i = layer i) run by `ModelGraph.backwardPass`, the engine analyses use.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backwardPass<S: TensorScalar>(
        _ x: Tensor<S>, target: Tensor<S>, loss: MSELoss = MSELoss(), training: Bool = true
    ) throws -> BackwardPass<S> {
        try ModelGraph(chain: self).backwardPass(x, target: target, loss: loss, training: training)
    }

    /// Writes back running statistics from a training-mode pass.
    public mutating func apply(buffers: [[String: Tensor<Float>]]) throws {
        for (index, updates) in buffers.enumerated() {
            for (name, value) in updates { try layers[index].layer.setParameter(name, value) }
        }
    }
}
