import ComplexModule
import DecoderSpectra
import Foundation
import Testing

/// The streamed analysis (batches folded into Float64 accumulators) against the analysis of all images at once and
/// against a direct computation of the power maps; shards merged in order; per-image files; memory independent of
/// the number of images.
@Suite(.tags(.unit)) struct StreamingAnalysisTests {
    static let (count, side) = (23, 8)

    func images() -> Tensor<Float> {
        SyntheticImages.generate(
            .pinkNoise, count: Self.count, channels: 3, height: Self.side, width: Self.side, seed: 5)
    }

    func batches(_ batchSize: Int, limit: Int? = nil) throws -> InputBatches {
        try InputBatches(
            .synthetic(.pinkNoise, count: Self.count, channels: 3, height: Self.side, width: Self.side, seed: 5),
            channels: 3, limit: limit, batchSize: batchSize)
    }

    /// Drawing built-in images batch by batch gives the images of one `generate` call.
    @Test func syntheticBatchesAreTheGeneratedImages() throws {
        let reader = try batches(5)
        var scalars: [Float] = [], sizes: [Int] = []
        while let batch = try reader.next() {
            scalars += batch.scalars
            sizes.append(batch.batch)
        }
        #expect(sizes == [5, 5, 5, 5, 3])
        #expect(scalars == images().scalars)
        let limited = try batches(4, limit: 6)
        #expect(try limited.next()?.batch == 4 && limited.next()?.batch == 2 && limited.next() == nil)
    }

    /// Images in memory are delivered in batches and shards like any other source, and analyse as the built-in ones.
    @Test func imagesInMemoryStreamInBatchesAndShards() throws {
        let all = images()
        let reader = try InputBatches(.tensor(all), channels: nil, batchSize: 10)
        var scalars: [Float] = [], sizes: [Int] = []
        while let batch = try reader.next() {
            scalars += batch.scalars
            sizes.append(batch.batch)
        }
        #expect(sizes == [10, 10, 3] && scalars == all.scalars)
        let second = try InputBatches(.tensor(all), channels: nil, batchSize: 4, shard: (2, 3))
        var shard: [Float] = []
        while let batch = try second.next() { shard += batch.scalars }
        let per = all.count / all.batch
        #expect(shard == Array(all.scalars[(7 * per)..<(15 * per)]))  // images ⌊23/3⌋ ..< ⌊46/3⌋
        #expect(throws: SpectraError.self) {
            try InputBatches(.tensor(Tensor<Float>(zeros: [3, 4])), channels: nil, batchSize: 1)
        }
        let model = try ModelGraph.load("e4-zeros")
        let (a, b) = (
            try StreamingAnalysis.run(model, batches: try batches(5), precision: Float.self),
            try StreamingAnalysis.run(
                model, batches: try InputBatches(.tensor(all), channels: nil, batchSize: 5), precision: Float.self)
        )
        #expect(a.stages.last!.powerSum == b.stages.last!.powerSum && a.stages.last!.pLow == b.stages.last!.pLow)
    }

    @Test func streamingEqualsOneBatchAndADirectComputation() throws {
        let model = try ModelGraph.load("e4-zeros")
        let streamed = try StreamingAnalysis.run(model, batches: try batches(4), precision: Double.self)
        let whole = try model.trace(images().converted(to: Double.self))
        var once = AnalysisAccumulator(shapedAfter: whole)
        try once.add(whole)
        #expect(streamed.images == Self.count && once.images == Self.count)
        for (a, b) in zip([streamed.input] + streamed.stages, [once.input] + once.stages) {
            #expect(a.pLow == b.pLow, "\(a.name)")  // per image, computed the same way
            #expect(maxRelativeDifference(a.meanPowerMap, b.meanPowerMap) < 1e-12, "\(a.name)")
            #expect(maxRelativeDifference(a.meanMagnitudeMap, b.meanMagnitudeMap) < 1e-12, "\(a.name)")
            let (va, vb) = (a.verification, b.verification)
            #expect(va?.rule == vb?.rule)
            if let x = va?.relativeError, let y = vb?.relativeError { #expect(abs(x - y) <= 1e-9 * max(y, 1e-300)) }
            if let x = va?.similarity, let y = vb?.similarity { #expect(abs(x - y) < 1e-12) }
        }
        // The power map of the output is E over images and channels of |FFT2(output)|², computed here directly.
        let output = whole.stages.last!.output
        let spectrum = FFT2D.forward(output)
        let (m, n) = (spectrum.rows, spectrum.columns)
        var direct = [Double](repeating: 0, count: m * n)
        for p in 0..<(spectrum.batch * spectrum.channels) {
            for f in 0..<(m * n) { direct[f] += spectrum.values[p * m * n + f].lengthSquared }
        }
        direct = direct.map { $0 / Double(spectrum.batch * spectrum.channels) }
        #expect(maxRelativeDifference(streamed.stages.last!.meanPowerMap, direct) < 1e-12)
        #expect(
            abs(streamed.stages.last!.meanLowFrequencyRatio - SpectrumStatistics.lowFrequencyRatio(spectrum)) < 1e-12)
    }

    /// The spread band: each quantile of the histograms lies within one level (0.5 dB) of the same quantile of the
    /// images' own radial profiles, computed here image by image from the traced outputs (an independent path: one
    /// FFT per image, `radialProfile` of that image alone). Batches of 4 and of 23 give the same histograms.
    @Test func radialSpreadQuantilesMatchThePerImageProfiles() throws {
        let model = try ModelGraph.load("e4-zeros")
        let streamed = try StreamingAnalysis.run(model, batches: try batches(4), precision: Double.self)
        let once = try StreamingAnalysis.run(model, batches: try batches(Self.count), precision: Double.self)
        #expect(streamed.stages.map(\.radialSpread) == once.stages.map(\.radialSpread))
        let whole = try model.trace(images().converted(to: Double.self))
        let output = whole.stages.last!.output
        let profiles = (0..<Self.count).map { b in
            SpectrumStatistics.radialProfile(FFT2D.forward(output.batchSlice(b..<(b + 1)))).power
        }
        let spread = try #require(streamed.stages.last!.radialSpread)
        #expect(spread.images == Self.count)
        let levelRatio = pow(10, RadialSpread.step / 10) * (1 + 1e-9)
        for q in [0.1, 0.5, 0.9] {
            let estimate = try #require(spread.quantile(q))
            for bin in estimate.indices {
                let sorted = profiles.map { $0[bin] }.sorted()
                let exact = sorted[max(0, Int((q * Double(Self.count)).rounded(.up)) - 1)]
                #expect(estimate[bin] <= exact * levelRatio && estimate[bin] >= exact / levelRatio, "q \(q) bin \(bin)")
            }
        }
    }

    /// Without a batch size, the first image's spatial pass sets it from the largest stage (2^18 values per batch, at
    /// least 1, at most 8); the result is the fixed-batch one, with one worker and with two.
    @Test func automaticBatchSizeFollowsTheLargestStage() throws {
        let model = try ModelGraph.load("e4-zeros")
        let fixed = try StreamingAnalysis.run(model, batches: try batches(5), precision: Double.self)
        for workers in [1, 2] {
            let reader = try InputBatches(
                .synthetic(.pinkNoise, count: Self.count, channels: 3, height: Self.side, width: Self.side, seed: 5),
                channels: 3, batchSize: nil)
            let automatic = try StreamingAnalysis.run(model, batches: reader, precision: Double.self, workers: workers)
            let largest = fixed.stages.map { $0.imageShape.reduce(1, *) }.max()!
            #expect(reader.batchSize == min(8, (1 << 18) / largest) && reader.batchSize > 1)
            #expect(automatic.images == Self.count)
            for (a, b) in zip([fixed.input] + fixed.stages, [automatic.input] + automatic.stages) {
                #expect(a.pLow == b.pLow, "\(a.name)")
                #expect(maxRelativeDifference(a.meanPowerMap, b.meanPowerMap) < 1e-12, "\(a.name)")
            }
        }
        // The spatial probe that sizes the batches sees the same largest stage as the analysis.
        let largest = fixed.stages.map { $0.imageShape.reduce(1, *) }.max()!
        #expect(try model.largestFeatureMap(images().batchSlice(0..<1)) == largest)
        #expect(try model.largestFeatureMap(images().batchSlice(0..<3)) == largest)  // per image
    }

    /// `peek()` reads ahead without consuming: the next batch begins with the image it returned, and the batches
    /// still cover every image once, in order, whatever the batch size set after the peek.
    @Test func peekedImageHeadsTheNextBatch() throws {
        let all = images()
        let sources: [InputBatches.Source] = [
            .tensor(all),
            .synthetic(.pinkNoise, count: Self.count, channels: 3, height: Self.side, width: Self.side, seed: 5),
        ]
        for source in sources {
            for batchSize in [1, 3, Self.count + 2] {
                let reader = try InputBatches(source, channels: 3, batchSize: nil)
                let first = try #require(try reader.peek())
                #expect(first.scalars == all.batchSlice(0..<1).scalars)
                #expect(try reader.peek()?.scalars == first.scalars)  // a second peek reads nothing more
                reader.batchSize = batchSize
                var seen: [Float] = []
                var sizes: [Int] = []
                while let batch = try reader.next() {
                    seen += batch.scalars
                    sizes.append(batch.batch)
                }
                #expect(seen == all.scalars)
                #expect(sizes.dropLast().allSatisfy { $0 == batchSize } && sizes.last! <= batchSize)
            }
        }
    }

    /// Batches traced by several workers at once merge in input order into the single-worker result.
    @Test func workersMergeInInputOrder() throws {
        let model = try ModelGraph.load("e4-zeros")
        let one = try StreamingAnalysis.run(model, batches: try batches(3), precision: Double.self, workers: 1)
        let three = try StreamingAnalysis.run(model, batches: try batches(3), precision: Double.self, workers: 3)
        #expect(three.images == Self.count)
        for (a, b) in zip([one.input] + one.stages, [three.input] + three.stages) {
            #expect(maxRelativeDifference(a.pLow, b.pLow) < 1e-12, "\(a.name)")  // same images, same order
            #expect(maxRelativeDifference(a.meanPowerMap, b.meanPowerMap) < 1e-12, "\(a.name)")
            #expect(abs(a.similaritySum - b.similaritySum) <= 1e-9 * max(1, abs(a.similaritySum)))
        }
    }

    /// Accumulators of consecutive parts merge into those of the whole (the basis of sharded runs).
    @Test func mergedPartsEqualTheWhole() throws {
        let model = try ModelGraph.load("e8-k3")
        let all = images().converted(to: Double.self)  // Float64: the parts' spatial runs round as the whole's
        let first = try model.trace(all.batchSlice(0..<9)), second = try model.trace(all.batchSlice(9..<Self.count))
        var merged = AnalysisAccumulator(shapedAfter: first)
        try merged.add(first)
        var rest = AnalysisAccumulator(shapedAfter: second)
        try rest.add(second)
        try merged.merge(rest)
        let whole = try StreamingAnalysis.run(model, batches: try batches(Self.count), precision: Double.self)
        for (a, b) in zip(merged.stages, whole.stages) {
            #expect(maxRelativeDifference(a.pLow, b.pLow) < 1e-12 && a.images == b.images)
            #expect(maxRelativeDifference(a.powerSum, b.powerSum) < 1e-12)
            #expect(abs(a.similaritySum - b.similaritySum) < 1e-9 && a.similarityCount == b.similarityCount)
        }
        var other = try StreamingAnalysis.run(
            try ModelGraph.load("e10-upconv-decoder"),
            batches:
                try InputBatches(
                    .synthetic(.deadLeaves, count: 2, channels: 3, height: 4, width: 4, seed: 0), channels: 3,
                    batchSize: 2),
            precision: Float.self)
        #expect(throws: SpectraError.self) { try other.merge(whole) }
    }

    /// analyze --save-spectra --save-features --save-images 3 with batches of 4: the first 3 images, streamed to .npy.
    @Test func perImageFilesHoldTheFirstImages() throws {
        let folder = temporaryFolder()
        let input = folder.appendingPathComponent("x.npy")
        try images().writeNpy(input)
        let out = folder.appendingPathComponent("run")
        let result = try runProcess(
            cliExecutable,
            [
                "analyze", "--model", "e8-k3", "--input", input.path, "--out", out.path, "--batch-size", "4",
                "--save-spectra", "--save-features", "--save-images", "3", "-q",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONDecoder().decode(
            AnalysisSummary.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
        #expect(summary.images == Self.count && summary.layers.first?.outputShape.first == Self.count)
        let trace = try ModelGraph.load("e8-k3").trace(images().batchSlice(0..<3))
        for (layer, stage) in zip(summary.layers, trace.stages) {
            let features = try Tensor<Float>.readNpy(out.appendingPathComponent(layer.featureFile!))
            #expect(features.shape == stage.output.shape)
            #expect(maxRelativeDifference(features.scalars, stage.output.scalars) < 1e-5)
            let stored = try NpyFile.read(out.appendingPathComponent(layer.spectrumFile!))
            guard case let .complex(values) = stored.values else {
                Issue.record("not complex")
                continue
            }
            #expect(stored.shape == stage.spectrum.shape)
            #expect(relativeError(values, FFT2D.forward(features.converted(to: Double.self)).values) < 1e-5)
            let power = try NpyFile.read(out.appendingPathComponent(layer.powerFile!))
            #expect(power.shape == [stage.spectrum.rows, stage.spectrum.columns])
        }
        let pLow = try NpyFile.read(out.appendingPathComponent(summary.pLowFile!))
        #expect(pLow.shape == [1 + summary.layers.count, Self.count])
    }

    /// Peak memory does not grow with the number of images (batches are dropped after they are folded in).
    @Test func memoryIsIndependentOfTheNumberOfImages() throws {
        func peak(_ images: Int) throws -> Double {
            let folder = temporaryFolder()
            let input = folder.appendingPathComponent("x.npy")
            try SyntheticImages.generate(.pinkNoise, count: images, channels: 3, height: 16, width: 16, seed: 1)
                .writeNpy(input)
            let result = try runProcess(
                cliExecutable,
                [
                    "analyze", "--model", "e8-k3", "--input", input.path, "--batch-size", "8",
                    "--no-spectra", "--out", folder.appendingPathComponent("run").path, "-v",
                ])
            #expect(result.status == 0, "\(result.stderr)")
            let line = result.stderr.split(separator: "\n").first { $0.contains("peak memory") } ?? ""
            return Double(line.split(separator: " ").dropLast().last ?? "") ?? .nan
        }
        let (small, large) = (try peak(16), try peak(256))
        // All 256 images at once would hold ~110 MB more (float32 outputs and complex64 spectra of 9 layers); the input
        // file itself (0.8 MB) is the only part that grows. The margin absorbs allocator noise (up to ~20 MB seen).
        #expect(large < small + 40, "peak memory \(small) MB with 16 images, \(large) MB with 256")
    }
}

/// `analyze --shard i/n` in four separate processes, then `merge`: the outputs of one run.
@Suite(.tags(.unit)) struct ShardTests {
    @Test func fourShardsMergedEqualOneRun() throws {
        let folder = temporaryFolder()
        let input = folder.appendingPathComponent("x.npy")
        try SyntheticImages.generate(.deadLeaves, count: 23, channels: 3, height: 8, width: 8, seed: 2).writeNpy(input)
        let common = [
            "analyze", "--model", "e8-k3", "--input", input.path, "--batch-size", "4", "--precision", "double", "-q",
        ]
        let single = folder.appendingPathComponent("single")
        let one = try runProcess(cliExecutable, common + ["--out", single.path])
        #expect(one.status == 0, "\(one.stderr)")
        var shardFolders: [String] = []
        for i in [3, 1, 4, 2] {  // any order
            let out = folder.appendingPathComponent("shard-\(i)").path
            let result = try runProcess(cliExecutable, common + ["--shard", "\(i)/4", "--out", out])
            #expect(result.status == 0, "\(result.stderr)")
            shardFolders.append(out)
        }
        let merged = folder.appendingPathComponent("merged")
        let merge = try runProcess(cliExecutable, ["merge"] + shardFolders + ["--out", merged.path, "-q"])
        #expect(merge.status == 0, "\(merge.stderr)")
        func summary(_ url: URL) throws -> AnalysisSummary {
            try JSONDecoder().decode(
                AnalysisSummary.self, from: Data(contentsOf: url.appendingPathComponent("summary.json")))
        }
        let (a, b) = (try summary(single), try summary(merged))
        #expect(a.images == 23 && b.images == 23 && a.layers.count == b.layers.count)
        for (x, y) in zip(a.layers, b.layers) {
            #expect(abs(x.pLow - y.pLow) <= 1e-12 * abs(x.pLow))
            #expect(maxRelativeDifference(x.radialSpectrum.power, y.radialSpectrum.power) < 1e-12)
            if let e = x.verification.relativeError, let f = y.verification.relativeError {
                #expect(abs(e - f) <= 1e-9 * max(e, 1e-300))
            }
            if let s = x.verification.similarity, let t = y.verification.similarity { #expect(abs(s - t) < 1e-12) }
            let p = try NpyFile.read(single.appendingPathComponent(x.powerFile!)),
                q = try NpyFile.read(merged.appendingPathComponent(y.powerFile!))
            guard case let .real(pv) = p.values, case let .real(qv) = q.values else {
                Issue.record("power maps not real")
                continue
            }
            #expect(maxRelativeDifference(pv, qv) < 1e-12)
        }
        let (p, q) = (
            try NpyFile.read(single.appendingPathComponent("p_low.npy")),
            try NpyFile.read(merged.appendingPathComponent("p_low.npy"))
        )
        guard case let .real(pv) = p.values, case let .real(qv) = q.values else {
            Issue.record("p_low not real")
            return
        }
        #expect(p.shape == q.shape && maxRelativeDifference(pv, qv) < 1e-12)
        // Missing or foreign shards are refused.
        let incomplete = try runProcess(
            cliExecutable, ["merge"] + shardFolders.prefix(3) + ["--out", folder.appendingPathComponent("bad").path])
        #expect(incomplete.status == 1 && incomplete.stderr.contains("expected shards 1 to 4"))
    }
}

/// The README's "From Swift" example, as it is written there.
@Suite(.tags(.unit)) struct FrontDoorTests {
    @Test func readmeExampleRuns() throws {
        let model = try ModelGraph.load("e4-zeros")  // a built-in name, a model JSON or an .onnx file
        let batches = try InputBatches(
            .synthetic(.deadLeaves, count: 64, channels: 3, height: 32, width: 32, seed: 0),
            channels: 3, batchSize: 16)  // or .files("images/"), or .tensor(images) in memory
        let result = try StreamingAnalysis.run(model, batches: batches, precision: Float.self)
        var printed = 0
        for stage in result.stages {
            let power = stage.meanPowerMap  // E|H|² over images and channels, [M·N] un-shifted
            print(stage.name, stage.meanLowFrequencyRatio, stage.verification?.rule.rawValue ?? "-", power.count)
            printed += 1
        }
        // Optional: the output folder of `analyze` (summary.json, spectra/, figures/, report.html), written atomically.
        let out = temporaryFolder().appendingPathComponent("e4-analysis")
        let summary = try AnalysisWriter().write(result, to: out, source: "dead leaves")
        #expect(printed == result.stages.count && result.images == 64)
        #expect(result.stages.allSatisfy { $0.pLow.count == 64 && $0.meanLowFrequencyRatio > 0 })
        #expect(summary.layers.count == result.stages.count)
        for file in ["summary.json", "report.html", "p_low.npy"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
    }
}
