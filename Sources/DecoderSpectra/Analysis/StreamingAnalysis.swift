import Foundation

/// The analysis of a whole dataset in constant memory: input batches are traced one at a time (spatial run, spectra,
/// frequency rules) and folded into Float64 accumulators; only the accumulators outlive a batch. The result is the
/// same as tracing all images at once (sums are exact up to the order of Float64 additions).
///
/// ```swift
/// let model = try LoadedModel.load("e4-zeros")
/// let batches = try InputBatches(.synthetic(.deadLeaves, count: 1000, channels: 3, height: 32, width: 32, seed: 0),
///                                channels: 3, batchSize: 16)
/// let result = try StreamingAnalysis.run(model, batches: batches, precision: Float.self)
/// print(result.stages.last!.meanLowFrequencyRatio)      // p_low of the output over 1000 images
/// ```
public enum StreamingAnalysis {
    /// Runs the analysis; `perStage` sees each stage of each batch (index, stage) before it is dropped (e.g. to
    /// stream per-image files), `progress` the number of images done. Each batch is run stage by stage and folded as
    /// it goes, so memory holds one batch's live tensors, not every stage.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func run<S: TensorScalar>(
        _ model: LoadedModel, batches: InputBatches, until: String? = nil, precision: S.Type,
        perStage: ((Int, AnalysisStage<S>) throws -> Void)? = nil, progress: ((Int) -> Void)? = nil
    ) throws -> AnalysisAccumulator {
        var result: AnalysisAccumulator?
        var stageCount: Int?
        while let batch = try batches.next() {
            var accumulator = result ?? AnalysisAccumulator(
                modelName: model.name, modelSummary: model.summary, inputChannels: model.inputChannels, inputShape: [])
            var stages = 0
            let (input, spectrum) = try model.forEachStage(batch.converted(to: S.self), until: until) { index, stage in
                try accumulator.add(stage: stage, at: index)
                try perStage?(index, stage)
                stages += 1
            }
            if result == nil {
                accumulator.input = StageAccumulator(name: "input", type: "input", imageShape: Array(spectrum.shape.dropFirst()))
                accumulator.inputChannels = input.channels
            }
            guard stageCount == nil || stageCount == stages else {
                throw SpectraError.invalidInput("a batch traced \(stages) stages, the first one \(stageCount!)")
            }
            stageCount = stages
            try accumulator.input.add(spectrum, verification: nil)
            result = accumulator
            progress?(accumulator.images)
        }
        guard let result else { throw SpectraError.invalidInput("the input holds no images") }
        return result
    }
}
