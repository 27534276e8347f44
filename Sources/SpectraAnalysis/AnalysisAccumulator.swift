import ComplexModule
import SpectraCore
import SpectraNetwork

/// What the analysis keeps of one tensor (the input or a layer's output) over a whole dataset, in Float64, so that
/// any number of images is analysed in constant memory: batches are folded in as they are traced and then dropped.
///
/// Every field is a sum or a list that merges by addition or concatenation, so that shards of a dataset analysed
/// separately (`analyze --shard`) combine into exactly the accumulators of one run (`merge`).
public struct StageAccumulator: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    /// [C, M, N] of one image.
    public var imageShape: [Int]
    public var rule: SpectralRule.Kind?
    public var detail: String?
    /// Images folded in.
    public var images = 0
    /// Σ over images and channels of |H_uv|² ([M·N], un-shifted): the dataset power map is this / (images · C).
    public var powerSum: [Double]
    /// Σ over images of the channel-mean |H_uv| (the maps of the figures).
    public var magnitudeSum: [Double]
    /// p_low of every image, in input order (docs/theory.md §7; a distribution, not only a mean).
    public var pLow: [Double] = []
    /// Σ ‖H_freq − H‖² and Σ ‖H‖² over all batches with a rule (relative error = √(numerator / denominator)).
    public var errorNumerator = 0.0, errorDenominator = 0.0
    /// Σ of sim(H*, H) over (image, channel) pairs, and their count.
    public var similaritySum = 0.0, similarityCount = 0
    /// Output values that were NaN or infinite.
    public var nonFiniteValues = 0
    /// Σ over images of |H_c(u, v)|² for every channel ([C·M·N], un-shifted), when asked for (`--per-channel`: the
    /// report's channel browser and `spectra/NN-<layer>.channel-power.npy`); nil otherwise.
    public var channelPowerSum: [Double]?
    /// Histograms of every image's radial profile (the spread band of the radial chart); nil in accumulators written
    /// before it existed.
    public var radialSpread: RadialSpread?

    /// An empty accumulator for the stage `name` (operator `type`) whose per-image output is `imageShape` ([C, M, N]).
    public init(name: String, type: String, imageShape: [Int]) {
        self.name = name
        self.type = type
        self.imageShape = imageShape
        let plane = imageShape.count == 3 ? imageShape[1] * imageShape[2] : 0
        powerSum = [Double](repeating: 0, count: plane)
        magnitudeSum = [Double](repeating: 0, count: plane)
    }

    /// Folds in the spectrum of a batch and, for layers, its verification. With `predicted` (the rule's spectrum of the
    /// same shape), the relative error and similarity are computed here, in the same pass over the spectrum as the
    /// maps (`verification` then gives the rule only); without it, `verification`'s own numbers are folded in.
    /// `spectrum` and `predicted` are spectra of real maps (as `FFT2D.forward` and the tracer give them): Hermitian, so
    /// half of each plane is folded and the other half mirrored (`HermitianHalf`).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public mutating func add<S: TensorScalar>(
        _ spectrum: Spectrum<S>, verification: LayerVerification?, predicted: Spectrum<S>? = nil
    ) throws {
        guard Array(spectrum.shape.dropFirst()) == imageShape else {
            throw SpectraError.shapeMismatch(
                layer: name, expected: "[N] + \(describeShape(imageShape))", got: spectrum.shape)
        }
        if let predicted, predicted.shape != spectrum.shape {
            throw SpectraError.shapeMismatch(layer: name, expected: describeShape(spectrum.shape), got: predicted.shape)
        }
        let (channels, plane, columns) = (spectrum.channels, spectrum.planeSize, spectrum.columns)
        // The spectra are those of real maps: the rows of one half are folded and the others mirrored (§1.2).
        let half = HermitianHalf(rows: spectrum.rows, columns: columns)
        var imagePower = [Double](repeating: 0, count: plane)
        let radialBins = RadialBins.shared(rows: spectrum.rows, columns: columns)
        // Ω_low (§7) as a 0/1 mask, so that p_low comes out of the image's channel-summed power plane in one pass.
        let lowMask = radialBins.lowFrequencyMask
        if radialSpread == nil && images == 0 { radialSpread = RadialSpread(bins: radialBins.frequency.count) }
        var imageProfiles: [[Double]] = []
        let inverseChannels = 1 / Double(channels)
        var batchPower = 0.0
        var comparison = PlaneComparison(), similarities = 0.0
        var channelSums = channelPowerSum ?? []  // moved out (and back below) so that it is mutated in place
        channelPowerSum = nil
        defer { if !channelSums.isEmpty { channelPowerSum = channelSums } }
        channelSums.withUnsafeMutableBufferPointer { perChannel in
            spectrum.values.withUnsafeBufferPointer { values in
                (predicted?.values ?? []).withUnsafeBufferPointer { predictedValues in
                    powerSum.withUnsafeMutableBufferPointer { power in
                        magnitudeSum.withUnsafeMutableBufferPointer { magnitude in
                            imagePower.withUnsafeMutableBufferPointer { image in
                                lowMask.withUnsafeBufferPointer { mask in
                                    for b in 0..<spectrum.batch {
                                        for f in 0..<plane { image[f] = 0 }
                                        for c in 0..<channels {
                                            let offset = (b * channels + c) * plane
                                            let z = values.baseAddress! + offset
                                            // |x|² into the image's plane, |x|/C into the magnitude map and the
                                            // comparison with the prediction: one pass (CVectorKernels) over the
                                            // non-redundant half of the spectrum of a real map.
                                            let sums = half.fold(
                                                actual: z,
                                                predicted: predicted == nil
                                                    ? nil : predictedValues.baseAddress! + offset,
                                                power: image.baseAddress!, magnitude: magnitude.baseAddress!,
                                                magnitudeScale: inverseChannels)
                                            if predicted != nil {
                                                comparison.difference += sums.difference
                                                comparison.reference += sums.reference
                                                similarities += sums.similarity
                                            }
                                            if !perChannel.isEmpty {
                                                _ = half.fold(
                                                    actual: z, predicted: nil,
                                                    power: perChannel.baseAddress! + c * plane)
                                            }
                                        }
                                        half.mirror(image.baseAddress!)
                                        var low = 0.0, all = 0.0
                                        for f in 0..<plane {
                                            power[f] += image[f]
                                            all += image[f]
                                            low += mask[f] * image[f]
                                        }
                                        batchPower += all
                                        pLow.append(all > 0 ? low / all : 0)
                                        imageProfiles.append(
                                            radialBins.profile(of: UnsafeBufferPointer(image)).map {
                                                $0 * inverseChannels
                                            })
                                    }
                                    // The running sums' other half: the mirror images of the folded rows.
                                    half.mirror(magnitude.baseAddress!)
                                    for c in 0..<(perChannel.isEmpty ? 0 : channels) {
                                        half.mirror(perChannel.baseAddress! + c * plane)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        images += spectrum.batch
        for profile in imageProfiles { radialSpread?.add(profile: profile) }
        guard let verification else { return }
        rule = verification.rule
        detail = verification.detail
        if predicted != nil {
            if comparison.difference.isFinite && comparison.reference.isFinite {
                errorNumerator += comparison.difference
                errorDenominator += comparison.reference
            }
            similaritySum += similarities
            similarityCount += spectrum.batch * channels
            return
        }
        if let error = verification.relativeError, error.isFinite {
            errorNumerator += error * error * batchPower
            errorDenominator += batchPower
        }
        if let similarity = verification.similarity {
            similaritySum += similarity * Double(spectrum.batch * channels)
            similarityCount += spectrum.batch * channels
        }
    }

    /// Adds the accumulators of another part of the same dataset (images after this one's).
    public mutating func merge(_ other: StageAccumulator) throws {
        guard other.name == name, other.imageShape == imageShape else {
            throw SpectraError.invalidInput(
                "cannot merge the accumulators of '\(other.name)' \(describeShape(other.imageShape)) "
                    + "into '\(name)' \(describeShape(imageShape)): not the same model")
        }
        for f in powerSum.indices { powerSum[f] += other.powerSum[f] }
        for f in magnitudeSum.indices { magnitudeSum[f] += other.magnitudeSum[f] }
        pLow += other.pLow
        images += other.images
        errorNumerator += other.errorNumerator
        errorDenominator += other.errorDenominator
        similaritySum += other.similaritySum
        similarityCount += other.similarityCount
        nonFiniteValues += other.nonFiniteValues
        if let theirs = other.channelPowerSum, channelPowerSum?.count == theirs.count {
            for i in theirs.indices { channelPowerSum![i] += theirs[i] }
        } else if channelPowerSum != nil || other.channelPowerSum != nil {
            throw SpectraError.invalidInput(
                "cannot merge the per-channel power of '\(name)' with a part analysed without per-channel maps")
        }
        if let theirs = other.radialSpread { radialSpread?.merge(theirs) } else { radialSpread = nil }
        rule = rule ?? other.rule
        detail = detail ?? other.detail
    }

    // MARK: Results

    public var rows: Int { imageShape.count == 3 ? imageShape[1] : 0 }
    public var columns: Int { imageShape.count == 3 ? imageShape[2] : 0 }

    /// E|H_c|² over images for each channel, [C·M·N] un-shifted (nil without `--per-channel`).
    public var meanChannelPowerMaps: [Double]? {
        channelPowerSum.map { sums in sums.map { $0 / Double(max(1, images)) } }
    }

    /// E|H|² over images and channels, [M·N] un-shifted (the dataset-averaged power map).
    public var meanPowerMap: [Double] {
        let count = Double(max(1, images * imageShape[0]))
        return powerSum.map { $0 / count }
    }

    /// mean over images of the channel-mean |H| (what the figures show).
    public var meanMagnitudeMap: [Double] { magnitudeSum.map { $0 / Double(max(1, images)) } }

    /// p_low averaged over images (Fig. 4d).
    public var meanLowFrequencyRatio: Double { pLow.isEmpty ? 0 : pLow.reduce(0, +) / Double(pLow.count) }

    /// The quantiles of the spread band (10th, 50th, 90th percentile of the images' own profiles).
    public static let spreadQuantiles = [0.1, 0.5, 0.9]

    /// The dataset radial profile with the spread across images (nil spread without histograms).
    package func radialSpectrum(powerMap: [Double]) -> AnalysisSummary.RadialSpectrum {
        let radial = SpectrumStatistics.radialProfile(powerMap: powerMap, rows: rows, columns: columns)
        let quantiles = Self.spreadQuantiles.compactMap { radialSpread?.quantile($0) }
        let spread =
            quantiles.count == Self.spreadQuantiles.count
            ? AnalysisSummary.RadialSpectrum.Spread(quantiles: Self.spreadQuantiles, power: quantiles) : nil
        return .init(frequency: radial.frequency, power: radial.power, spread: spread)
    }

    /// The verification over the whole dataset (nil for the input).
    public var verification: LayerVerification? {
        guard let rule else { return nil }
        var result = LayerVerification(rule: rule, detail: detail ?? "")
        if errorDenominator > 0 || errorNumerator > 0 {
            result.relativeError =
                errorDenominator > 0 ? (errorNumerator / errorDenominator).squareRoot() : errorNumerator.squareRoot()
        }
        if similarityCount > 0 { result.similarity = similaritySum / Double(similarityCount) }
        return result
    }
}

/// The accumulators of a whole analysis: the input and every stage of the model, plus what describes the run.
public struct AnalysisAccumulator: Codable, Sendable {
    public var format = "decoder-spectra-accumulators"
    public var version = 1
    /// The analysed model's name and one-line description.
    public var modelName: String
    public var modelSummary: String
    /// C of the model's inputs.
    public var inputChannels: Int
    /// The sums over the inputs themselves.
    public var input: StageAccumulator
    /// The sums of every stage, in the model's order.
    public var stages: [StageAccumulator]
    /// The same statistics of windowed and zero-padded maps, for the figures only (`SpectralWindow`); nil: the
    /// figures show the exact spectra.
    public var display: DisplayAccumulators?
    /// Whether stages keep their per-channel power maps (`StageAccumulator.channelPowerSum`).
    public var perChannel: Bool?

    /// Accumulators of the display spectra: the input and every stage, tapered and padded by `window`.
    public struct DisplayAccumulators: Codable, Sendable {
        public var window: SpectralWindow
        public var input: StageAccumulator?
        public var stages: [StageAccumulator] = []

        /// Empty display accumulators for spectra tapered and padded by `window`.
        public init(window: SpectralWindow) { self.window = window }

        /// Folds in the display spectrum of `output` as stage `index` (nil: the input).
        @_specialize(where S == Float)
        @_specialize(where S == Double)
        mutating func add<S: TensorScalar>(_ output: Tensor<S>, at index: Int?, name: String, type: String) throws {
            let spectrum = FFT2D.forward(window.apply(output))
            let shape = Array(spectrum.shape.dropFirst())
            if let index {
                if index == stages.count { stages.append(StageAccumulator(name: name, type: type, imageShape: shape)) }
                guard index < stages.count else {
                    throw SpectraError.invalidInput("display stage \(index) has no accumulator")
                }
                try stages[index].add(spectrum, verification: nil)
            } else {
                if input == nil { input = StageAccumulator(name: name, type: type, imageShape: shape) }
                try input!.add(spectrum, verification: nil)
            }
        }

        mutating func merge(_ other: DisplayAccumulators) throws {
            guard other.window == window, other.stages.count == stages.count else {
                throw SpectraError.invalidInput(
                    "cannot merge display spectra made with \(other.window) into ones made with \(window)")
            }
            if let theirs = other.input { if input == nil { input = theirs } else { try input!.merge(theirs) } }
            for index in stages.indices { try stages[index].merge(other.stages[index]) }
        }
    }

    /// Empty accumulators; stages are added as the first batch reaches them (`add(stage:at:)`).
    public init(modelName: String, modelSummary: String, inputChannels: Int, inputShape: [Int]) {
        self.modelName = modelName
        self.modelSummary = modelSummary
        self.inputChannels = inputChannels
        input = StageAccumulator(name: "input", type: "input", imageShape: inputShape)
        stages = []
    }

    /// Folds in stage `index` of a batch (the first batch creates the stage's accumulator).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public mutating func add<S: TensorScalar>(stage: TracedStage<S>, at index: Int) throws {
        if index == stages.count {
            var accumulator = StageAccumulator(
                name: stage.name, type: stage.type, imageShape: Array(stage.spectrum.shape.dropFirst()))
            if perChannel == true {
                accumulator.channelPowerSum = [Double](repeating: 0, count: accumulator.imageShape.reduce(1, *))
            }
            stages.append(accumulator)
        }
        guard index < stages.count else {
            throw SpectraError.invalidInput("stage \(index) of a batch has no accumulator")
        }
        // A stage traced without its comparison (`forEachStage(compare: false)`) carries the prediction: compared here.
        let predicted = stage.awaitsComparison ? stage.prediction : nil
        try stages[index].add(stage.spectrum, verification: stage.verification, predicted: predicted)
        stages[index].nonFiniteValues += stage.output.nonFiniteCount
    }

    /// Empty accumulators for the model a traced batch comes from.
    public init<S: TensorScalar>(shapedAfter trace: TracedRun<S>) {
        self.init(
            modelName: trace.modelName, modelSummary: trace.modelSummary, inputChannels: trace.inputChannels,
            inputShape: Array(trace.inputSpectrum.shape.dropFirst()))
    }

    /// Folds in one traced batch.
    public mutating func add<S: TensorScalar>(_ trace: TracedRun<S>) throws {
        guard stages.isEmpty || trace.stages.count == stages.count else {
            throw SpectraError.invalidInput(
                "a batch traced \(trace.stages.count) stages, the first one \(stages.count)")
        }
        try addInput(trace.inputSpectrum)
        for (index, stage) in trace.stages.enumerated() { try add(stage: stage, at: index) }
    }

    /// Folds in the input spectrum of a batch (the first one sets the input's shape).
    public mutating func addInput<S: TensorScalar>(_ spectrum: Spectrum<S>) throws {
        if input.images == 0 {
            input = StageAccumulator(name: "input", type: "input", imageShape: Array(spectrum.shape.dropFirst()))
        }
        try input.add(spectrum, verification: nil)
    }

    /// A sentence naming the first stage that produced NaN or Inf over the dataset, or nil when all were finite.
    public var nonFiniteWarning: String? {
        guard let index = stages.firstIndex(where: { $0.nonFiniteValues > 0 }) else { return nil }
        let stage = stages[index]
        return nonFiniteMessage(
            index: index, name: stage.name, type: stage.type, count: stage.nonFiniteValues,
            of: stage.images * stage.imageShape.reduce(1, *))
    }

    /// Appends the accumulators of the next part of the dataset (shards merged in order give the single run's).
    public mutating func merge(_ other: AnalysisAccumulator) throws {
        guard other.stages.count == stages.count, other.modelName == modelName else {
            throw SpectraError.invalidInput(
                "cannot merge an analysis of '\(other.modelName)' (\(other.stages.count) stages) "
                    + "into one of '\(modelName)' (\(stages.count) stages)")
        }
        try input.merge(other.input)
        for index in stages.indices { try stages[index].merge(other.stages[index]) }
        switch (display, other.display) {
        case (nil, nil): break
        case let (mine?, theirs?):
            var merged = mine
            try merged.merge(theirs)
            display = merged
        default:
            throw SpectraError.invalidInput(
                "cannot merge an analysis with display windows into one without: the parts must use the same window")
        }
    }

    /// The number of images analysed.
    public var images: Int { input.images }
}
