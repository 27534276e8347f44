import ComplexModule
import DecoderSpectra
import Foundation
import Testing

/// The measurements of docs/theory.md §7 and the output folder of `demo`/`analyze`.
@Suite(.tags(.unit)) struct AnalysisTests {
    private func spectrum(_ shape: [Int], seed: UInt64) -> Spectrum<Double> {
        var generator = SeededGenerator(seed: seed)
        return Spectrum(
            shape: shape,
            values: (0..<shape.reduce(1, *)).map { _ in Complex(generator.nextNormal(), generator.nextNormal()) })
    }

    /// p_low over Ω_low (footnote 7) written out with explicit index sets for M = 16, N = 24.
    @Test func lowFrequencyRatioUsesTheFourCorners() {
        let s = spectrum([2, 3, 16, 24], seed: 1)
        let lowRows: Set = [0, 1, 14, 15], lowColumns: Set = [0, 1, 2, 21, 22, 23]
        var expected = 0.0
        for b in 0..<2 {
            var low = 0.0, all = 0.0
            for c in 0..<3 {
                for u in 0..<16 {
                    for v in 0..<24 {
                        let p = s[b, c, u, v].lengthSquared
                        all += p
                        if lowRows.contains(u) && lowColumns.contains(v) { low += p }
                    }
                }
            }
            expected += low / all / 2
        }
        #expect(abs(SpectrumStatistics.lowFrequencyRatio(s) - expected) < 1e-12)
    }

    /// Centring equals numpy.fft.fftshift for even and odd sizes: index 0 lands at ⌊M/2⌋.
    @Test func centringIsFFTShift() {
        let map = (0..<15).map(Double.init)  // 3 x 5
        let shifted = SpectrumStatistics.centred(map, rows: 3, columns: 5)
        // numpy.fft.fftshift(np.arange(15).reshape(3, 5)).ravel()
        #expect(shifted == [13, 14, 10, 11, 12, 3, 4, 0, 1, 2, 8, 9, 5, 6, 7])
    }

    @Test func cosineSimilarityOfMagnitudes() {
        let a = spectrum([1, 2, 4, 4], seed: 2)
        #expect(abs(SpectrumStatistics.cosineSimilarity(a, a) - 1) < 1e-12)
        var rotated = a
        rotated.values = a.values.map { $0 * Complex(0, 3) }  // same magnitudes up to scale, other phases
        #expect(abs(SpectrumStatistics.cosineSimilarity(a, rotated) - 1) < 1e-12)
        var disjoint = Spectrum<Double>(zeros: [1, 1, 2, 2]), other = Spectrum<Double>(zeros: [1, 1, 2, 2])
        disjoint[0, 0, 0, 0] = Complex(1, 0)
        other[0, 0, 1, 1] = Complex(1, 0)
        #expect(SpectrumStatistics.cosineSimilarity(disjoint, other) == 0)
    }

    /// The fused pass (vectorised lanes, √ in C) equals the definitions computed element by element with
    /// `Complex.length`, on planes whose size is not a multiple of the lane count, with an all-zero channel.
    @Test func fusedComparisonEqualsTheDefinitions() {
        let reference = spectrum([2, 3, 5, 3], seed: 4)
        var predicted = spectrum([2, 3, 5, 3], seed: 5)
        for f in 0..<15 { predicted.values[(1 * 3 + 2) * 15 + f] = .zero }  // image 1, channel 2: nothing predicted
        let (perImage, error) = SpectrumStatistics.comparison(reference, predicted)
        var difference = 0.0, norm = 0.0
        for b in 0..<2 {
            var total = 0.0
            for c in 0..<3 {
                var dot = 0.0, a2 = 0.0, b2 = 0.0
                for f in 0..<15 {
                    let (x, y) = (reference.values[(b * 3 + c) * 15 + f], predicted.values[(b * 3 + c) * 15 + f])
                    dot += x.length * y.length
                    a2 += x.lengthSquared
                    b2 += y.lengthSquared
                    difference += (y - x).lengthSquared
                    norm += x.lengthSquared
                }
                total += a2 > 0 && b2 > 0 ? dot / (a2 * b2).squareRoot() : 0
            }
            #expect(abs(perImage[b] - total / 3) < 1e-14)
        }
        #expect(abs(error - (difference / norm).squareRoot()) < 1e-14)
    }

    /// A constant map c is all DC, in its own bin, at |MN c|²/(MN) = MN c² (all its energy in one frequency); the bins
    /// stop at Nyquist.
    @Test func radialProfileOfAConstantMapIsAllDC() {
        let x = Tensor<Double>(shape: [1, 1, 8, 8]) { _ in 2 }
        let profile = SpectrumStatistics.radialProfile(FFT2D.forward(x))
        #expect(abs(profile.power[0] - 64 * 4) < 1e-10 && profile.frequency[0] == 0)
        #expect(profile.power.dropFirst().allSatisfy { $0 < 1e-20 })
        #expect(profile.frequency == [0, 0.125, 0.25, 0.375, 0.5])
    }

    /// Angular slices read the rays of the power map: the axes (0°, 90°) of a map with a bright cross stand above the
    /// diagonal; each point is the mean of [u, v] and its mirror, per pixel, up to Nyquist.
    @Test func angularSlicesReadTheRays() {
        let (m, n) = (8, 12)
        var map = (0..<(m * n)).map { Double($0 % 5) + 1 }
        for u in 0..<m { map[u * n] += 100 }
        for v in 0..<n { map[v] += 100 }
        let horizontal = SpectrumStatistics.angularSlice(powerMap: map, rows: m, columns: n, degrees: 0)
        let vertical = SpectrumStatistics.angularSlice(powerMap: map, rows: m, columns: n, degrees: 90)
        let diagonal = SpectrumStatistics.angularSlice(powerMap: map, rows: m, columns: n, degrees: 45)
        #expect(horizontal.frequency.count == n / 2 + 1 && vertical.frequency.count == m / 2 + 1)
        #expect(abs(horizontal.power[3] - (map[3] + map[n - 3]) / 2 / Double(m * n)) < 1e-15)
        #expect(abs(horizontal.frequency[3] - 3.0 / 12) < 1e-15 && abs(vertical.frequency[2] - 2.0 / 8) < 1e-15)
        #expect(diagonal.power.dropFirst().allSatisfy { $0 < horizontal.power[1] && $0 < vertical.power[1] })
        #expect(diagonal.frequency.allSatisfy { $0 <= 0.5.squareRoot() + 1e-12 })
    }

    /// Per pixel, white noise reads its variance at every radius, whatever the map size (the mean over many draws
    /// is within a few per cent of σ² in every bin off DC); a naive per-bin average of |H|²/(MN) agrees exactly.
    @Test func radialProfileIsPowerPerPixel() {
        var generator = SeededGenerator(seed: 12)
        for (m, n) in [(16, 16), (32, 24)] {
            let x = Tensor<Double>(shape: [64, 1, m, n]) { _ in 0.5 * generator.nextNormal() }
            let spectrum = FFT2D.forward(x)
            let profile = SpectrumStatistics.radialProfile(spectrum)
            #expect(profile.frequency.last! <= 0.5 && profile.frequency.count == max(m, n) / 2 + 1)
            for power in profile.power.dropFirst() {
                #expect(abs(power / 0.25 - 1) < 0.25, "\(m)x\(n): \(profile.power)")
            }
            // Bin 2 by explicit loops.
            var sum = 0.0, count = 0
            for u in 0..<m {
                for v in 0..<n {
                    let fu = Double(u <= m / 2 ? u : u - m) / Double(m), fv = Double(v <= n / 2 ? v : v - n) / Double(n)
                    guard ((fu * fu + fv * fv).squareRoot() * Double(max(m, n))).rounded() == 2 else { continue }
                    for b in 0..<64 { sum += spectrum.values[(b * m + u) * n + v].lengthSquared / Double(m * n) / 64 }
                    count += 1
                }
            }
            #expect(abs(profile.power[2] - sum / Double(count)) <= 1e-12 * profile.power[2])
        }
    }

    /// The output folder holds what summary.json says, and the spectra are the DFTs of the layer outputs.
    @Test func analysisFolderIsComplete() throws {
        let model = try BuiltinModels.model(named: "circular-upconv-decoder")
        let x = SyntheticImages.generate(.deadLeaves, count: 2, channels: 3, height: 6, width: 6, seed: 3)
        let trace = try ModelGraph(chain: model).trace(x)
        let out = temporaryFolder().appendingPathComponent("run")
        var options = AnalysisWriter.Options()
        options.saveFeatures = true
        options.saveSpectra = true
        let folder = try StagedDirectory(out, force: false)
        let summary = try AnalysisWriter(options: options).write(
            trace, source: "test", files: nil, into: folder)
        try folder.commit()
        let decoded = try JSONDecoder().decode(
            AnalysisSummary.self, from: Data(contentsOf: out.appendingPathComponent("summary.json")))
        #expect(decoded.layers.count == model.layers.count)
        #expect(decoded.layers.map(\.pLow) == summary.layers.map(\.pLow))
        for (index, layer) in decoded.layers.enumerated() {
            let stored = try NpyFile.read(out.appendingPathComponent(layer.spectrumFile!))
            #expect(stored.shape == layer.outputShape)
            guard case let .complex(values) = stored.values else {
                Issue.record("spectrum not complex")
                continue
            }
            let expected = FFT2D.forward(trace.stages[index].output.converted(to: Double.self)).values
            #expect(relativeError(values, expected) < 1e-6)  // complex64 storage
            #expect(
                try Tensor<Float>.readNpy(out.appendingPathComponent(layer.featureFile!)) == trace.stages[index].output)
            #expect(try PNGImage.read(out.appendingPathComponent(layer.figure!)).count > 0)
            #expect(layer.verification.rule == .exact)
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("figures/radial-spectra.png").path))
    }

    @Test func outputFolderIsNotOverwrittenWithoutForce() throws {
        let out = temporaryFolder()
        try Data("keep".utf8).write(to: out.appendingPathComponent("mine.txt"))
        // A typed error naming the folder; the CLI adds "use --force" (the library speaks no command-line options).
        #expect { _ = try StagedDirectory(out, force: false) } throws: { error in
            guard case let .outputExists(path, _)? = error as? SpectraError else { return false }
            return path == out.path && !"\(error)".contains("--")
        }
        let forced = try StagedDirectory(out, force: true)
        try Data("new".utf8).write(to: forced.url("new.txt"))
        try forced.commit()
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("new.txt").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("mine.txt").path))
    }

    /// A failed run leaves neither the destination nor its staging folder behind.
    @Test func failedRunLeavesNoPartialOutput() throws {
        let parent = temporaryFolder()
        let out = parent.appendingPathComponent("run")
        do {
            let folder = try StagedDirectory(out, force: false)
            try Data("half".utf8).write(to: folder.url("summary.json"))
            var bad = Tensor<Float>(zeros: [1, 3, 8, 8])
            bad.scalars[7] = .nan
            _ = try ModelGraph(chain: try BuiltinModels.model(named: "e10-upconv-decoder")).trace(bad)
            Issue.record("NaN input was accepted")
        } catch let error as SpectraError {
            #expect("\(error)".contains("non-finite"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)
    }

    @Test func inputFoldersMustBeConsistent() throws {
        let folder = temporaryFolder()
        try Tensor<Float>(zeros: [1, 3, 8, 8]).writeNpy(folder.appendingPathComponent("a.npy"))
        try Tensor<Float>(zeros: [1, 3, 8, 9]).writeNpy(folder.appendingPathComponent("b.npy"))
        #expect { _ = try InputLoader.load(folder.path, channels: 3) } throws: {
            "\($0)".contains("b.npy") && "\($0)".contains("differs")
        }
        #expect { _ = try InputLoader.load(folder.appendingPathComponent("a.npy").path, channels: 1) } throws: {
            "\($0)".contains("channels")
        }
        let (loaded, files) = try InputLoader.load(folder.path, channels: 3, limit: 1)
        #expect(loaded.shape == [1, 3, 8, 8] && files.count == 1)
        let images = fixturesURL.appendingPathComponent("images/rgb8.png").path
        #expect(try InputLoader.load(images, channels: 3).tensor.shape == [1, 3, 6, 9])
    }

    /// Built-in images are deterministic; the natural-like ones are low-pass (power falls with frequency), white noise
    /// is flat away from DC.
    @Test func syntheticImagesAreDeterministicAndLowPass() {
        for kind in SyntheticImages.Kind.allCases {
            let a = SyntheticImages.generate(kind, count: 2, channels: 3, height: 32, width: 32, seed: 9)
            #expect(a == SyntheticImages.generate(kind, count: 2, channels: 3, height: 32, width: 32, seed: 9))
            #expect(a != SyntheticImages.generate(kind, count: 2, channels: 3, height: 32, width: 32, seed: 10))
            #expect(a.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
            let profile = SpectrumStatistics.radialProfile(FFT2D.forward(a))
            if kind == .whiteNoise {
                let offDC = profile.power.dropFirst()
                #expect(offDC.max()! < 2 * offDC.min()!, "\(profile.power)")
            } else {
                #expect(profile.power[1] > 10 * profile.power[profile.power.count - 1], "\(kind)")
            }
        }
    }
}

/// The output writer's parallel map: results in element order, every element run once, and the first error in element
/// order rethrown (not whichever worker failed first).
@Suite(.tags(.unit)) struct ConcurrentMapTests {
    struct Failure: Error, Equatable { let element: Int }

    @Test func resultsKeepTheirOrderAndTheFirstErrorWins() throws {
        let squares = try Array(0..<100).concurrentMap { $0 * $0 }
        #expect(squares == (0..<100).map { $0 * $0 })
        #expect(try [Int]().concurrentMap { $0 } == [])
        #expect(throws: Failure(element: 7)) {
            _ = try Array(0..<50).concurrentMap { element -> Int in
                if element == 7 || element == 40 { throw Failure(element: element) }
                return element
            }
        }
    }
}

/// The half of a real map's spectrum the statistics fold: mirrored power and magnitude maps and the weighted
/// comparison equal those of the whole plane, for even and odd sides, one-row and one-column maps included.
@Suite(.tags(.unit)) struct HermitianHalfTests {
    @Test(arguments: [(8, 6), (7, 5), (1, 4), (4, 1), (1, 1), (2, 3)])
    func halfEqualsTheWholePlane(_ rows: Int, _ columns: Int) throws {
        var generator = SeededGenerator(seed: 21)
        let x = Tensor<Double>(shape: [1, 2, rows, columns]) { _ in generator.nextUniform() - 0.5 }
        let y = Tensor<Double>(shape: [1, 2, rows, columns]) { _ in generator.nextUniform() - 0.5 }
        let (actual, predicted) = (FFT2D.forward(x), FFT2D.forward(y))
        let plane = rows * columns, half = HermitianHalf(rows: rows, columns: columns)
        for c in 0..<2 {
            var (power, magnitude) = ([Double](repeating: 0, count: plane), [Double](repeating: 0, count: plane))
            var (fullPower, fullMagnitude) = (power, magnitude)
            let (whole, folded) = try actual.values.withUnsafeBufferPointer { a in
                try predicted.values.withUnsafeBufferPointer { p in
                    let (za, zp) = (try #require(a.baseAddress) + c * plane, try #require(p.baseAddress) + c * plane)
                    let whole = SpectrumStatistics.fold(
                        actual: za, predicted: zp, count: plane, power: &fullPower, magnitude: &fullMagnitude,
                        magnitudeScale: 0.5)
                    let folded = half.fold(
                        actual: za, predicted: zp, power: &power, magnitude: &magnitude, magnitudeScale: 0.5)
                    return (whole, folded)
                }
            }
            power.withUnsafeMutableBufferPointer { half.mirror($0.baseAddress!) }
            magnitude.withUnsafeMutableBufferPointer { half.mirror($0.baseAddress!) }
            #expect(maxRelativeDifference(power, fullPower) < 1e-12)
            #expect(maxRelativeDifference(magnitude, fullMagnitude) < 1e-12)
            for (a, b) in [
                (folded.difference, whole.difference), (folded.reference, whole.reference),
                (folded.predicted, whole.predicted), (folded.magnitudeProduct, whole.magnitudeProduct),
            ] {
                #expect(abs(a - b) <= 1e-12 * abs(b), "\(rows)x\(columns)")
            }
        }
    }
}
