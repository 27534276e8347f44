import SpectraCore
import SpectraNetwork

/// What a layer's backward pass needs from its forward pass.
public struct LayerCache<Scalar: TensorScalar>: Sendable {
    public var input: Tensor<Scalar>
    /// Layer-specific saved tensors (BatchNorm2d: normalised input; MaxPool2d: argmax indices as values).
    public var saved: [Tensor<Scalar>] = []
    /// Buffers updated by a training-mode forward pass (BatchNorm2d running statistics), to write back.
    public var updatedBuffers: [String: Tensor<Float>] = [:]

    /// A cache holding the layer's input (what most backward passes need).
    public init(input: Tensor<Scalar>) { self.input = input }
}

/// How backward passes share the cores. `imageParts` nil (the default): with OpenBLAS on one thread (as `train`
/// runs it) a convolution's backward pass splits the batch into one part per core; with threaded BLAS it runs as
/// one part. Tests bind it (`TrainingParallelism.$imageParts.withValue(3) { ... }`) to run a given split.
package enum TrainingParallelism {
    @TaskLocal package static var imageParts: Int?
}

/// A layer that can be trained: a forward pass in training mode and the gradients of its output with respect to its
/// input and parameters (parameter gradients under PyTorch's names). Checked against finite differences in Float64.
public protocol TrainableLayer: Layer {
    func trainingForward<S: TensorScalar>(_ x: Tensor<S>) throws -> (output: Tensor<S>, cache: LayerCache<S>)
    func backward<S: TensorScalar>(
        _ gradOutput: Tensor<S>, cache: LayerCache<S>
    ) throws -> (input: Tensor<S>, parameters: [String: Tensor<S>])
}

extension TrainableLayer {
    /// The layer's output shape for `input`, after checking that the incoming gradient has it.
    func checkedGradientShape<S: TensorScalar>(_ gradOutput: Tensor<S>, for input: Tensor<S>) throws -> [Int] {
        let shape = try outputShape(for: input.shape)
        guard gradOutput.shape == shape else {
            throw SpectraError.shapeMismatch(
                layer: LayerScope.name(typeName: typeName), expected: describeShape(shape) + " (gradient)",
                got: gradOutput.shape)
        }
        return shape
    }

    public func trainingForward<S: TensorScalar>(_ x: Tensor<S>) throws -> (output: Tensor<S>, cache: LayerCache<S>) {
        (try forward(x), LayerCache(input: x))
    }
}

/// Sums a gradient over batch and space per channel (the bias gradient of a convolution).
func channelSums<S: TensorScalar>(_ g: Tensor<S>) -> Tensor<S> {
    var sums = Tensor<S>(zeros: [g.channels])
    let plane = g.height * g.width
    for b in 0..<g.batch {
        for c in 0..<g.channels {
            var s: S = 0
            let base = (b * g.channels + c) * plane
            for i in base..<(base + plane) { s += g.scalars[i] }
            sums.scalars[c] += s
        }
    }
    return sums
}
