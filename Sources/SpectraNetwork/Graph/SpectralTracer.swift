import SpectraCore

/// How the tracer carries the frequency state from one stage to the next.
public enum TraceMode: Sendable {
    /// Chained through exact rules only; re-anchored to the true spectrum after a surrogate or where there is no
    /// rule, so that every exact rule is checked exactly (analysis, verify).
    case reanchored
    /// Chained through every rule, surrogates included, from the network input (Corollary 3.3 as the paper applies
    /// it to a whole network, E1's "cascade" reading); re-anchored only where there is no rule.
    case cascade
}

/// The spectral tracer: runs a graph spatially and in frequency side by side (docs/theory.md §2, §9 row 1).
///
/// Every node whose output is a 4D feature map is a stage: its spectrum FFT2D(output) is taken, and its operator's
/// frequency rule predicts that spectrum from the spectra of the node's inputs. In the default `.reanchored` mode the
/// frequency state is chained through exact rules only, so a run of exact operators is checked end to end
/// (Corollary 3.3); after a surrogate, or where there is no rule, the state is re-anchored to the true spectrum, so
/// that later exact rules are checked exactly again. `.cascade` chains every rule.
extension ModelGraph {
    /// Runs the graph node by node and hands each stage (its index among stages, the stage) to `body` as soon as it
    /// is computed. Values and spectra are dropped after their last use, so a caller that folds the stages holds
    /// only the live tensors of the graph. Returns the input as feature maps ([B, F] inputs as [B, F, 1, 1], whose
    /// spectra are the values themselves) and its spectrum.
    ///
    /// With `compare` false, a stage's verification names the rule but holds no error or similarity: a caller that
    /// folds each stage's spectrum anyway compares `TracedStage.prediction` in the same pass (the streaming analysis).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forEachStage<S: TensorScalar>(
        _ input: Tensor<S>, until: String? = nil, mode: TraceMode = .reanchored, compare: Bool = true,
        progress: ((Int, Int, String) -> Void)? = nil,
        _ body: (Int, TracedStage<S>) throws -> Void
    ) throws -> (input: Tensor<S>, spectrum: Spectrum<S>) {
        let last = try lastNode(until: until)
        let input = try prepared(input, upTo: last)
        let uses = lastUses(upTo: last)
        var values: [String: TensorValue<S>] = [inputName: .real(input)]
        let inputMaps =
            input.rank == 4 ? input : try input.reshaped([input.shape[0], input.count / max(1, input.shape[0]), 1, 1])
        let inputSpectrum = FFT2D.forward(inputMaps)
        var state: [String: Spectrum<S>] = [inputName: inputSpectrum]
        var stageIndex = 0
        for node in nodes.prefix(last + 1) {
            progress?(node.index + 1, last + 1, node.name)
            // One context, and one gathering of the inputs, for both halves: the frequency half reads only the node's
            // inputs and earlier values and spectra.
            let context = GraphContext(node: node, graph: self, values: values, spectra: state)
            let inputs = context.inputs
            let outputs = try outputs(of: node, inputs: inputs, context: context, inputShape: input.shape)
            for (name, value) in zip(node.outputs, outputs) where !name.isEmpty { values[name] = value }
            if let outputName = node.outputs.first, case let .real(output)? = outputs.first, output.rank == 4 {
                let actual = FFT2D.forward(output)
                state[outputName] = actual
                // Every state spectrum is that of a real map (an FFT of one, or a real rule's image of one).
                let prediction = try HermitianSymmetry.assuming {
                    try LayerScope.running(node.label) {
                        try node.op.predict(node.inputs.map { state[$0] }, inputs: inputs, context: context)
                    }
                }
                let verification = LayerVerification(
                    prediction, actual: actual, typeName: node.typeName, compare: compare)
                let predicted = prediction?.spectrum.flatMap { $0.shape == actual.shape ? $0 : nil }
                if let predicted, mode == .cascade || prediction?.rule.isExact == true { state[outputName] = predicted }
                try body(
                    stageIndex,
                    TracedStage(
                        name: node.name, type: node.typeName, output: output, spectrum: actual,
                        verification: verification, prediction: predicted,
                        awaitsComparison: !compare && predicted != nil))
                stageIndex += 1
            }
            for name in Set(node.inputs + node.outputs) where !name.isEmpty && (uses[name] ?? -1) <= node.index {
                values[name] = nil
                state[name] = nil
            }
        }
        return (inputMaps, inputSpectrum)
    }

    /// All stages at once (every output and spectrum kept), for `verify`, the experiments and the tests.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func trace<S: TensorScalar>(
        _ input: Tensor<S>, until: String? = nil, progress: ((Int, Int, String) -> Void)? = nil
    ) throws -> TracedRun<S> {
        var stages: [TracedStage<S>] = []
        let (inputMaps, inputSpectrum) = try forEachStage(input, until: until, progress: progress) { _, stage in
            var kept = stage
            kept.prediction = nil  // a whole trace keeps outputs and spectra; predictions are for streamed readers
            stages.append(kept)
        }
        return TracedRun(
            modelName: name, modelSummary: summary, inputChannels: inputMaps.channels, input: inputMaps,
            inputSpectrum: inputSpectrum, stages: stages)
    }
}

extension LayerVerification {
    /// The check of one prediction against the true spectrum: relative error and sim (docs/theory.md §7) where the
    /// rule produced a spectrum of the right shape (with `compare`; otherwise the rule only).
    init<S: TensorScalar>(
        _ prediction: FrequencyPrediction<S>?, actual: Spectrum<S>, typeName: String, compare: Bool = true
    ) {
        guard let prediction else {
            self.init(rule: .unavailable, detail: "no frequency rule for \(typeName)")
            return
        }
        self.init(rule: prediction.rule.kind, detail: prediction.rule.explanation)
        guard let predicted = prediction.spectrum else { return }
        guard predicted.shape == actual.shape else {
            detail +=
                " (the rule gives \(describeShape(predicted.shape)), the output is \(describeShape(actual.shape)): not compared)"
            return
        }
        guard compare else { return }
        let comparison = SpectrumStatistics.comparison(actual, predicted)
        relativeError = comparison.relativeError
        similarity = comparison.similarityPerImage.reduce(0, +) / Double(max(1, comparison.similarityPerImage.count))
    }
}
