import SpectraCore

/// One analysed tensor of a run: a layer's (or ONNX node's) output, its spectrum and the check of its frequency rule.
public struct TracedStage<Scalar: TensorScalar>: Sendable {
    public var name: String
    public var type: String
    public var output: Tensor<Scalar>
    public var spectrum: Spectrum<Scalar>
    public var verification: LayerVerification
    /// The spectrum the operator's rule predicted for this stage (from the traced state), when it has one.
    public var prediction: Spectrum<Scalar>? = nil
    /// True when the tracer handed `prediction` on without comparing it (`forEachStage(compare: false)`): the
    /// caller compares it with `spectrum` in its own pass (the streaming analysis's accumulators do).
    public var awaitsComparison = false
}

/// One run of the spectral tracer over a batch (`ModelGraph.trace`, `forEachStage`): the input, its spectrum and every
/// stage, whatever the model's form (a chain or an ONNX graph). What `demo`, `analyze` and `verify` report on.
public struct TracedRun<Scalar: TensorScalar>: Sendable {
    public var modelName: String
    public var modelSummary: String
    public var inputChannels: Int
    public var input: Tensor<Scalar>
    public var inputSpectrum: Spectrum<Scalar>
    public var stages: [TracedStage<Scalar>]
}

extension TracedRun {
    /// The verification of every stage, in order.
    public var verifications: [LayerVerification] { stages.map(\.verification) }

    /// The first stage whose output holds a NaN or an infinity (overflow, division by zero, a hostile weight), or
    /// nil when every output is finite. Every number computed from that stage on is meaningless.
    public var firstNonFiniteStage: (index: Int, stage: TracedStage<Scalar>)? {
        for (index, stage) in stages.enumerated() where stage.output.nonFiniteCount > 0 {
            return (index, stage)
        }
        return nil
    }

    /// A sentence naming the first non-finite stage ("layer 3 'conv2' (Conv2d) …"), or nil when all are finite.
    public var nonFiniteWarning: String? {
        guard let (index, stage) = firstNonFiniteStage else { return nil }
        return nonFiniteMessage(
            index: index, name: stage.name, type: stage.type, count: stage.output.nonFiniteCount,
            of: stage.output.count)
    }
}

/// The warning for stage `index` producing `count` NaN or infinite values out of `total`.
package func nonFiniteMessage(index: Int, name: String, type: String, count: Int, of total: Int) -> String {
    "layer \(index + 1) '\(name)' (\(type)) produced \(count) non-finite values (NaN or Inf) of \(total); "
        + "its numbers and those of every later layer are meaningless"
}
