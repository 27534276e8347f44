import DecoderSpectra
import Foundation
import Testing

/// The statistics behind replicated verdicts (docs/theory.md §7 "Band metrics", §8 "Replication"), each against an
/// independent computation.
@Suite(.tags(.unit)) struct ReplicationTests {
    /// Mean, standard error and the Student-t interval against a direct computation; t quantiles against tables
    /// (scipy.stats.t.ppf(0.975, df): 12.706 at 1, 2.131 at 15, 2.0003 at 60, 1.984 at 100).
    @Test func drawSummaryMatchesADirectComputation() {
        let effects = [0.3, 0.1, 0.4, 0.2, 0.25]
        let summary = DrawSummary(effects)
        let mean = 0.25
        let sd = (effects.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4).squareRoot()
        #expect(abs(summary.mean - mean) < 1e-15)
        #expect(abs(summary.standardError - sd / 5.0.squareRoot()) < 1e-15)
        #expect(abs(summary.interval[0] - (mean - 2.776 * sd / 5.0.squareRoot())) < 1e-12)
        #expect(summary.verdict == .holds && summary.agreeing == 1)
        for (df, t) in [(1, 12.706), (15, 2.131), (60, 2.0003), (100, 1.9840)] {
            #expect(abs(DrawSummary.studentT975(degreesOfFreedom: df) - t) < 2e-3, "df \(df)")
        }
    }

    @Test func verdictsFollowTheIntervalAndThePredictedSign() {
        #expect(DrawSummary([-0.3, -0.2, -0.25, -0.35]).verdict == .reversed)
        #expect(DrawSummary([-0.3, -0.2, -0.25, -0.35], predictedSign: -1).verdict == .holds)
        let mixed = DrawSummary([0.3, -0.2, 0.1, -0.15])
        #expect(mixed.verdict == .inconclusive && mixed.agreeing == 0.5)
        #expect(DrawSummary([1.0]).verdict == .inconclusive)  // one draw has no interval
    }

    /// Band powers against a naive DFT of a small batch: every part summed by explicit loops, and Parseval (the parts
    /// add up to the mean square of the values).
    @Test func bandPowersAgainstANaiveDFT() {
        var generator = SeededGenerator(seed: 9)
        let x = Tensor<Double>(shape: [2, 3, 16, 12]) { _ in generator.nextNormal() + 0.3 }
        let parts = BandPowers.perImage(FFT2D.forward(x))
        let (m, n) = (16, 12)
        let naive = Reference.dft(x)  // the double sum, plane by plane
        for b in 0..<2 {
            var expected = [Double](repeating: 0, count: 5), meanSquare = 0.0
            for c in 0..<3 {
                for u in 0..<m {
                    for v in 0..<n {
                        let z = naive[((b * 3 + c) * m + u) * n + v]
                        let low = (8 * u < m || 8 * u >= 7 * m) && (8 * v < n || 8 * v >= 7 * n)
                        let axis = u == 0 || v == 0
                        let slot = u == 0 && v == 0 ? 0 : low ? (axis ? 1 : 2) : (axis ? 3 : 4)
                        expected[slot] += z.lengthSquared / Double(m * n * m * n * 3)
                    }
                }
                for p in 0..<m { for q in 0..<n { meanSquare += x[b, c, p, q] * x[b, c, p, q] / Double(m * n * 3) } }
            }
            let measured = [
                parts[b].dc, parts[b].lowOnAxes, parts[b].lowOffAxes, parts[b].highOnAxes, parts[b].highOffAxes,
            ]
            for (a, e) in zip(measured, expected) { #expect(abs(a - e) <= 1e-12 * max(1, e)) }
            #expect(abs(parts[b].total - meanSquare) <= 1e-12 * meanSquare)
        }
    }

    @Test func bandMetricsAreRatiosAndLogRatios() {
        var a = BandPowers(), b = BandPowers()
        (a.dc, a.lowOnAxes, a.lowOffAxes, a.highOnAxes, a.highOffAxes) = (10, 1, 2, 3, 4)
        (b.dc, b.lowOnAxes, b.lowOffAxes, b.highOnAxes, b.highOffAxes) = (10, 1, 1, 1, 1)
        #expect(BandMetric.lowRatio.value(a) == 13.0 / 20)
        #expect(BandMetric.lowRatioWithoutDC.value(a) == 3.0 / 10)
        #expect(BandMetric.lowRatioOffAxes.value(a) == 2.0 / 6)
        #expect(abs(BandMetric.lowEnergy.effect([a, a], over: [b, b]) - Foundation.log(3.0 / 2)) < 1e-15)
        #expect(abs(BandMetric.lowRatioWithoutDC.effect([a], over: [b]) - (0.3 - 0.5)) < 1e-15)
    }

    /// A border cross (whole axes brighter) without a grid reads as contrast 1; a zero-inserted map reads as a grid.
    @Test func gridContrastComparesLikeWithLike() {
        let (m, n) = (32, 32)
        var cross = [Double](repeating: 1, count: m * n)
        for u in 0..<m { cross[u * n] = 10 }
        for v in 0..<n { cross[v] = 10 }
        let flat = GridContrast(map: cross, rows: m, columns: n, period: (8, 8))
        #expect(abs(flat.offAxes! - 1) < 1e-12 && abs(flat.onAxes! - 1) < 1e-12)

        var generator = SeededGenerator(seed: 4)
        let small = Tensor<Double>(shape: [1, 2, 8, 8]) { _ in generator.nextUniform() }
        let tiled = FFT2D.forward(try! Upsample(scaleFactor: 4, mode: .zeros).forward(small))
        let contrast = GridContrast(tiled, period: (8, 8))
        #expect(contrast.offAxes! > 1 && contrast.onAxes! > 1)
    }

    /// Erratum 13: the one-step loss of the counterexample, minimised over the step size, stays well above zero.
    @Test func oneStepDoesNotReachTheShiftedTarget() {
        let result = OneStepShift.counterexample()
        #expect(result.initialLoss > 0)
        #expect(result.minimumLoss > 0.5 * result.initialLoss)
        #expect(result.minimumLoss < result.initialLoss)
    }
}
