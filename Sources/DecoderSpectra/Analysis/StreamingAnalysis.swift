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
    /// Runs the analysis; `perBatch` sees each traced batch before it is dropped (e.g. to stream per-image files),
    /// `progress` the number of images done. Throws on the first error; warns nothing (see `firstNonFiniteStage`).
    public static func run<S: TensorScalar>(
        _ model: LoadedModel, batches: InputBatches, until: String? = nil, precision: S.Type,
        perBatch: ((AnalysisTrace<S>) throws -> Void)? = nil, progress: ((Int) -> Void)? = nil
    ) throws -> AnalysisAccumulator {
        var result: AnalysisAccumulator?
        while let batch = try batches.next() {
            let trace = try model.trace(batch.converted(to: S.self), until: until)
            if result == nil { result = AnalysisAccumulator(shapedAfter: trace) }
            try result!.add(trace)
            try perBatch?(trace)
            progress?(result!.images)
        }
        guard let result else { throw SpectraError.invalidInput("the input holds no images") }
        return result
    }
}
