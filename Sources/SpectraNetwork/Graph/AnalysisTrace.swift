import SpectraCore

/// One analysed tensor of a run: a layer's (or ONNX node's) output, its spectrum and the check of its frequency rule.
public struct AnalysisStage<Scalar: TensorScalar>: Sendable {
    public var name: String
    public var type: String
    public var output: Tensor<Scalar>
    public var spectrum: Spectrum<Scalar>
    public var verification: LayerVerification
    /// The spectrum the operator's rule predicted for this stage (from the traced state), when it has one.
    public var prediction: Spectrum<Scalar>? = nil
}

/// What `demo`, `analyze` and `verify` report on, whatever the model's form (Sequential or ONNX graph).
public struct AnalysisTrace<Scalar: TensorScalar>: Sendable {
    public var modelName: String
    public var modelSummary: String
    public var inputChannels: Int
    public var input: Tensor<Scalar>
    public var inputSpectrum: Spectrum<Scalar>
    public var stages: [AnalysisStage<Scalar>]
}

extension SpectralTrace {
    /// The trace of a Sequential run as analysis stages (one per layer).
    public func analysisTrace(model: Sequential) -> AnalysisTrace<Scalar> {
        AnalysisTrace(
            modelName: model.name, modelSummary: model.summary, inputChannels: model.inputChannels, input: input,
            inputSpectrum: inputSpectrum,
            stages: model.layers.indices.map {
                AnalysisStage(
                    name: model.layers[$0].name, type: model.layers[$0].layer.typeName, output: outputs[$0],
                    spectrum: spectra[$0], verification: verifications[$0])
            })
    }
}

extension AnalysisTrace {
    /// The first stage whose output holds a NaN or an infinity (overflow, division by zero, a hostile weight), or
    /// nil when every output is finite. Every number computed from that stage on is meaningless.
    public var firstNonFiniteStage: (index: Int, stage: AnalysisStage<Scalar>)? {
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
