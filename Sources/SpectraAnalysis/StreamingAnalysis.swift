import Foundation
import SpectraCore
import SpectraIO
import SpectraNetwork

/// The analysis of a whole dataset in constant memory: input batches are traced one at a time (spatial run, spectra,
/// frequency rules) and folded into Float64 accumulators; only the accumulators outlive a batch. The result is the
/// same as tracing all images at once (sums are exact up to the order of Float64 additions).
///
/// ```swift
/// let model = try ModelGraph.load("e4-zeros")
/// let batches = try InputBatches(.synthetic(.deadLeaves, count: 1000, channels: 3, height: 32, width: 32, seed: 0),
///                                channels: 3, batchSize: 16)
/// let result = try StreamingAnalysis.run(model, batches: batches, precision: Float.self)
/// print(result.stages.last!.meanLowFrequencyRatio)      // p_low of the output over 1000 images
/// ```
public enum StreamingAnalysis {
    /// Runs the analysis; `perStage` sees each stage of each batch (index, stage) before it is dropped (e.g. to
    /// stream per-image files), `progress` the number of images done. Each batch is run stage by stage and folded as
    /// it goes, so memory holds one batch's live tensors per worker, not every stage.
    ///
    /// `workers` > 1 traces that many batches at once; the per-batch accumulators are merged in input order, so the
    /// result is the single-worker one up to the order of Float64 additions. With `perStage` (which needs stages in
    /// order) one worker is used. `singleThreadedBLAS` (the CLI's choice) runs OpenBLAS on one thread meanwhile and
    /// stops its idle pool threads (`BLASInfo.withIdlePoolStopped`), so that its threads do not compete with the workers;
    /// it changes process-wide state, which a library caller running other BLAS work at the same time must not do
    /// (the default leaves it alone).
    ///
    /// - Parameters:
    ///   - model: the model graph (`ModelGraph.load`, or `ModelGraph(chain:)` of a `Sequential`).
    ///   - batches: the inputs, read lazily batch by batch ([B, C, H, W] each).
    ///   - until: stop after the node or layer of this name (nil: the whole model).
    ///   - precision: `Float.self` or `Double.self`, the precision of the run (accumulators are Float64 either way).
    ///   - workers: batches traced at once.
    ///   - display: a taper and zero padding for the figures' spectra (separate accumulators; numbers unchanged).
    ///   - perChannel: also accumulate every channel's power map ([C, M, N] per stage).
    ///   - singleThreadedBLAS: run OpenBLAS on one thread while the workers run, its idle threads stopped.
    ///   - perStage: sees each stage of each batch, in order, before it is dropped.
    ///   - progress: the number of images done so far.
    /// - Returns: the accumulators of every stage over all images (mergeable with other shards' by `merge`).
    /// - Throws: what reading an input or running a node throws (`SpectraError`, naming the file or the node), or
    ///   `SpectraError.unknownLayer` for an `until` the model does not have.
    ///
    /// Complexity: one forward pass, one FFT per feature map and one rule application per operator, per image;
    /// memory O(workers · batch · largest stage), independent of the number of images.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func run<S: TensorScalar>(
        _ model: ModelGraph, batches: InputBatches, until: String? = nil, precision: S.Type, workers: Int = 1,
        display: SpectralWindow? = nil, perChannel: Bool = false, singleThreadedBLAS: Bool = false,
        perStage: ((Int, TracedStage<S>) throws -> Void)? = nil, progress: ((Int) -> Void)? = nil
    ) throws -> AnalysisAccumulator {
        var workers = perStage == nil ? max(1, workers) : 1
        var result: AnalysisAccumulator?
        if batches.automaticBatchSize, let first = try batches.peek() {
            // The first image's spatial pass sets the batch size (it stays the head of the first batch), and, where
            // one image alone is over the budget (a 512×512 VAE decoder: 2^25 values in one stage), one worker, so
            // that memory holds one image's tensors rather than one per core.
            let probe = { try model.largestFeatureMap(first, until: until) }
            let largest = try singleThreadedBLAS && workers > 1 ? BLASInfo.withIdlePoolStopped(probe) : probe()
            batches.batchSize = automaticBatchSize(largestStage: largest)
            if largest > 1 << 23 { workers = 1 }
        }
        if workers == 1 {
            while let batch = try batches.next() {
                let partial = try analyse(
                    batch, model: model, until: until, precision: S.self, display: display, perChannel: perChannel,
                    perStage: perStage)
                if result == nil { result = partial } else { try result!.merge(partial) }
                progress?(result!.images)
            }
            guard let result else { throw SpectraError.invalidInput("the input holds no images") }
            return result
        }
        // Workers take batches in turn; finished batches wait in `pending` until every earlier one is merged. All the
        // shared state is in `state`, read and written under its lock.
        let state = WorkerState(batches: batches, result: result, progress: progress)
        let runWorkers = {
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let (index, batch) = state.nextBatch() {
                    do {
                        let partial = try analyse(
                            batch, model: model, until: until, precision: S.self, display: display,
                            perChannel: perChannel, perStage: nil)
                        try state.finished(index, partial)
                    } catch {
                        state.fail(error)
                        return
                    }
                }
            }
        }
        if singleThreadedBLAS { BLASInfo.withIdlePoolStopped(runWorkers) } else { runWorkers() }
        if let failure = state.failure { throw failure }
        guard let result = state.result else { throw SpectraError.invalidInput("the input holds no images") }
        return result
    }

    /// The batch size chosen when the caller gives none: as many images as keep the largest stage of a batch under
    /// 2^18 values (1 MiB of float32, whose spectrum and prediction then stay in the cache between the passes over
    /// them), at least 1 and at most 8. Measured on 2 cores (one worker each): a VAE-style decoder with 2^20 values
    /// per image in its largest stage ran 4 % faster with 1 image per batch than with 4, in 0.4× the memory; a
    /// 16-channel network 9 % faster with 1 image than with 8 at 128×128, and fastest with 4 at 64×64.
    /// `largestStage`: the most values one image has in one feature map (`ModelGraph.largestFeatureMap`).
    public static func automaticBatchSize(largestStage: Int) -> Int {
        min(8, max(1, (1 << 18) / max(1, largestStage)))
    }

    /// The accumulators of one batch, traced stage by stage.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    package static func analyse<S: TensorScalar>(
        _ batch: Tensor<Float>, model: ModelGraph, until: String?, precision: S.Type,
        display window: SpectralWindow? = nil,
        perChannel: Bool = false, perStage: ((Int, TracedStage<S>) throws -> Void)?
    ) throws -> AnalysisAccumulator {
        var accumulator = AnalysisAccumulator(
            modelName: model.name, modelSummary: model.summary, inputChannels: model.inputChannels,
            inputShape: [])
        if perChannel { accumulator.perChannel = true }
        var display = window.flatMap { $0.isIdentity ? nil : AnalysisAccumulator.DisplayAccumulators(window: $0) }
        // Each stage's prediction is compared in the accumulator's pass over its spectrum, not in the tracer's.
        let (input, spectrum) = try model.forEachStage(batch.converted(to: S.self), until: until, compare: false) {
            index, stage in
            try accumulator.add(stage: stage, at: index)
            try display?.add(stage.output, at: index, name: stage.name, type: stage.type)
            try perStage?(index, stage)
        }
        accumulator.inputChannels = input.channels
        try accumulator.addInput(spectrum)
        try display?.add(input, at: nil, name: "input", type: "input")
        accumulator.display = display
        return accumulator
    }
}

/// What the workers of `StreamingAnalysis.run` share: the reader, the batches finished out of order, the merged
/// result and the first failure, each touched only under the lock.
private final class WorkerState: @unchecked Sendable {
    private let lock = NSLock()
    private let batches: InputBatches
    private let progress: ((Int) -> Void)?
    private var issued = 0, nextToMerge = 0
    private var pending: [Int: AnalysisAccumulator] = [:]
    private(set) var result: AnalysisAccumulator?
    private(set) var failure: Error?

    init(batches: InputBatches, result: AnalysisAccumulator?, progress: ((Int) -> Void)?) {
        (self.batches, self.result, self.progress) = (batches, result, progress)
    }

    /// The next batch and its position, or nil when the input is exhausted or a worker failed.
    func nextBatch() -> (Int, Tensor<Float>)? {
        lock.lock()
        defer { lock.unlock() }
        guard failure == nil else { return nil }
        do {
            guard let batch = try batches.next() else { return nil }
            issued += 1
            return (issued - 1, batch)
        } catch {
            failure = error
            return nil
        }
    }

    /// Files a finished batch and merges every batch that is next in input order.
    func finished(_ index: Int, _ partial: AnalysisAccumulator) throws {
        lock.lock()
        defer { lock.unlock() }
        pending[index] = partial
        while let next = pending.removeValue(forKey: nextToMerge) {
            if result == nil { result = next } else { try result!.merge(next) }
            nextToMerge += 1
        }
        progress?(result?.images ?? 0)
    }

    func fail(_ error: Error) {
        lock.lock()
        failure = failure ?? error
        lock.unlock()
    }
}
