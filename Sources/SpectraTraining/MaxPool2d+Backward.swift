import Foundation
import SpectraCore
import SpectraNetwork

extension MaxPool2d: TrainableLayer {
    /// The gradient flows to each window's maximum only.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backward<S: TensorScalar>(
        _ gradOutput: Tensor<S>, cache: LayerCache<S>
    ) throws -> (input: Tensor<S>, parameters: [String: Tensor<S>]) {
        let (_, indices) = try argmax(cache.input)
        guard gradOutput.count == indices.count else {
            throw SpectraError.shapeMismatch(
                layer: LayerScope.name(typeName: typeName), expected: "gradient of the pooled shape",
                got: gradOutput.shape)
        }
        var g = Tensor<S>(zeros: cache.input.shape)
        for (o, k) in indices.enumerated() { g.scalars[k] += gradOutput.scalars[o] }
        return (g, [:])
    }
}
