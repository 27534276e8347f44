import ComplexModule
import DecoderSpectra
import Testing

/// Closed forms of docs/theory.md §1.3, §2.2, §4, §6 against their defining finite sums, and the errata of §10.
@Suite(.tags(.unit)) struct TheoryTests {
    /// 𝒟_n at ordinary points and at every 0/0 point x = kπ (§10 item 1), against the direct finite sum.
    @Test func dirichletRatioMatchesItsSumEverywhere() {
        for n in 0...7 {
            for k in -3...3 {
                let x = Double(k) * .pi
                #expect(abs(Dirichlet.ratio(n, x) - Dirichlet.directSum(n, x)) < 1e-9)
                #expect(abs(Dirichlet.ratio(n, x) - (n == 0 ? 0 : Dirichlet.limit(n, k: k))) < 1e-9)
                for offset in [1e-9, 1e-4, 0.3, 1.1] {
                    #expect(abs(Dirichlet.ratio(n, x + offset) - Dirichlet.directSum(n, x + offset)) < 1e-8)
                }
            }
        }
    }

    /// Lemma A.1 (Eq. 13) and Eq. 14.
    @Test func geometricSum() {
        for count in [1, 4, 7] {
            for theta in [0.0, 0.7, -2.1, 2 * .pi, 2 * .pi / Double(count) * 3] {
                var direct = Complex<Double>(0, 0)
                for m in 0..<count { direct += Complex(Double.cos(Double(m) * theta), Double.sin(Double(m) * theta)) }
                #expect((Dirichlet.geometricSum(count, theta) - direct).length < 1e-9)
            }
        }
    }

    /// R_uv (Eq. 27) including u = 0, v = 0, 2u = M and negative differences; |R| ≤ K² with R_00 = K².
    @Test func kernelResponseClosedForm() {
        for (k, m, n) in [(3, 8, 8), (2, 8, 6), (5, 7, 9), (4, 8, 8)] {
            for u in -m...(2 * m) {
                for v in [0, 1, n / 2, n - 1, 2 * n - 3] {
                    let closed = KernelResponse.r(u: u, v: v, kernel: k, rows: m, columns: n)
                    #expect((closed - KernelResponse.rDirect(u: u, v: v, kernel: k, rows: m, columns: n)).length < 1e-9)
                    #expect(closed.length <= Double(k * k) + 1e-9)
                }
            }
            #expect(abs(KernelResponse.r(u: 0, v: 0, kernel: k, rows: m, columns: n).real - Double(k * k)) < 1e-12)
        }
    }

    /// χ peaks at u' = u with K²/(MN) (Eq. 5).
    @Test func chiPeak() {
        let peak = KernelResponse.chi(uPrime: 3, vPrime: 5, u: 3, v: 5, kernel: 3, rows: 16, columns: 16)
        #expect(abs(peak.real - 9.0 / 256) < 1e-12 && abs(peak.imaginary) < 1e-12)
    }

    /// Eq. 17 corrected ([E] §10 item 2): exact over a full grid; the printed form fails the counterexample.
    @Test func validConvolutionAlphaIsCorrected() {
        for (k, m, n) in [(2, 3, 3), (3, 6, 5)] {
            for up in 0..<(m - k + 1) {
                for vp in 0..<(n - k + 1) {
                    for u in 0..<m {
                        for v in 0..<n {
                            let closed = KernelResponse.validConvolutionAlpha(
                                uPrime: up, vPrime: vp, u: u, v: v, kernel: k, rows: m, columns: n)
                            let direct = KernelResponse.validConvolutionAlphaDirect(
                                uPrime: up, vPrime: vp, u: u, v: v, kernel: k, rows: m, columns: n)
                            #expect((closed - direct).length < 1e-12)
                        }
                    }
                }
            }
        }
        let printed = KernelResponse.validConvolutionAlphaAsPrinted(
            uPrime: 1, vPrime: 1, u: 0, v: 0, kernel: 2, rows: 3, columns: 3)
        #expect(abs(printed.real + 1.0 / 9) < 1e-12)
        #expect(
            KernelResponse.validConvolutionAlpha(uPrime: 1, vPrime: 1, u: 0, v: 0, kernel: 2, rows: 3, columns: 3)
                .length < 1e-12)
    }

    /// Eq. 12 denominators for K = 3, M = 64, Δu = 1, 4, 8 (docs/theory.md §6.2: 0.02889, 0.4567, 1.757; ratios 60.8 : 3.85 : 1).
    @Test func shiftDifficultyDenominators() {
        let d = [1, 4, 8].map {
            KernelResponse.shiftDifficultyDenominator(du: $0, dv: 0, kernel: 3, rows: 64, columns: 64)
        }
        #expect(abs(d[0] - 0.02889) < 5e-5 && abs(d[1] - 0.4567) < 5e-4 && abs(d[2] - 1.757) < 5e-3)
        #expect(abs(d[2] / d[0] - 60.8) < 0.1 && abs(d[2] / d[1] - 3.85) < 0.01)
    }

    /// §2.4: the nearest-upsampling closed form equals the box filter's DFT used by the frequency rule.
    @Test func nearestUpsamplingResponse() {
        for (r, m) in [(2, 8), (3, 15)] {
            for u in 0..<m {
                var direct = Complex<Double>(0, 0)
                for a in 0..<r {
                    direct += Complex(
                        Double.cos(-2 * .pi * Double(u * a) / Double(m)),
                        Double.sin(-2 * .pi * Double(u * a) / Double(m)))
                }
                #expect((KernelResponse.nearestUpsampling(u: u, factor: r, size: m) - direct).length < 1e-12)
            }
        }
    }

    /// §10 items 7 to 9: the counter-examples to the paper's verbal conclusions, reproduced exactly.
    @Test func errataCounterExamples() {
        let sigma = (1.0 / 16).squareRoot()
        let k1 = MomentTheory.entrySecondMoment(
            WeightLaw(mean: 1, std: sigma, kernel: 1), u: 4, v: 0, rows: 8, columns: 8)
        let k2 = MomentTheory.entrySecondMoment(
            WeightLaw(mean: 1, std: sigma, kernel: 2), u: 4, v: 0, rows: 8, columns: 8)
        #expect(abs(k1 - 17.0 / 16) < 1e-12 && abs(k2 - 0.25) < 1e-12)  // item 7: SOM does not grow with K here
        let decay = MomentTheory.singleChannelCascade(
            Array(repeating: WeightLaw(mean: 0, std: 0.5, kernel: 1), count: 6), u: 3, v: 1, rows: 8, columns: 8)
        #expect(abs(decay.logSecondMoment - 6 * Double.log(0.25)) < 1e-12)  // item 8: (1/4)^L decays
        func ratio(_ k: Int) -> Double {
            let law = WeightLaw(mean: 1, std: 1, kernel: k)
            return MomentTheory.entrySecondMoment(law, u: 0, v: 0, rows: 8, columns: 8)
                / MomentTheory.entrySecondMoment(law, u: 4, v: 0, rows: 8, columns: 8)
        }
        #expect(abs(ratio(2) - 5) < 1e-9 && abs(ratio(4) - 17) < 1e-9)  // item 9: larger K, larger imbalance
    }

    /// With one channel, the exact multi-channel recursion reduces to Theorem 4.2.
    @Test func recursionReducesToTheorem42() {
        let laws = [
            WeightLaw(mean: 0.2, std: 0.3, kernel: 3), WeightLaw(mean: -0.1, std: 0.5, kernel: 3),
            WeightLaw(mean: 0.3, std: 0.2, kernel: 3),
        ]
        let exact = MomentTheory.multiChannelExact(laws, channels: [1, 1, 1, 1], u: 2, v: 1, rows: 8, columns: 8)
        let single = MomentTheory.singleChannelCascade(laws, u: 2, v: 1, rows: 8, columns: 8)
        #expect(abs(Double.log(exact.a) - single.logSecondMoment) < 1e-12)
    }

    /// Theorem 4.4: the repeat grid of zero insertion from 4×6 to 8×12.
    @Test func upsamplingRepeatPositions() {
        let p = UpsamplingTheory.repeatPositions(originalRows: 4, originalColumns: 6, rows: 8, columns: 12)
        #expect(p.map { [$0.0, $0.1] } == [[0, 0], [0, 6], [4, 0], [4, 6]])
    }
}

/// Monte Carlo against the moment predictions (docs/theory.md §9, rows 3, 4, 8). Every check passes within 5 standard errors
/// of its own sample (the standard error is estimated from the same seeded samples); 5σ keeps the false-alarm rate
/// per check near 6e-7 while a wrong formula (off by a few percent) is detected at these sample sizes.
@Suite(.tags(.unit)) struct MonteCarloTests {
    @Test(arguments: [(0, 0), (1, 2), (4, 0), (3, 7)])
    func transferEntryMoments(frequency: (Int, Int)) {
        let law = WeightLaw(mean: 0.3, std: 0.5, kernel: 3)
        let checks = MonteCarlo.entryMoments(
            law, u: frequency.0, v: frequency.1, rows: 8, columns: 8, samples: 20000, seed: 1)
        for check in checks {
            #expect(check.agrees, "\(check.quantity) \(check.setting): \(check.simulated) vs \(check.predicted)")
        }
    }

    @Test func singleChannelCascadeSecondMoment() {
        let laws = Array(repeating: WeightLaw(mean: 0.2, std: 0.3, kernel: 3), count: 4)
        for (u, v) in [(0, 0), (1, 1), (4, 4)] {
            let check = MonteCarlo.singleChannelCascade(laws, u: u, v: v, rows: 8, columns: 8, samples: 40000, seed: 2)
            #expect(check.agrees, "\(check.setting): \(check.simulated) vs \(check.predicted) ± \(check.standardError)")
        }
    }

    /// The exact recursion agrees with simulation; the paper's Eq. 32 is below it where |μR| matters (§10 item 6).
    @Test func multiChannelRecursionAndEq32() {
        let laws = Array(repeating: WeightLaw(mean: 0.3, std: 0.3, kernel: 3), count: 3)
        let channels = [2, 3, 3, 2]
        let check = MonteCarlo.multiChannelCascade(
            laws, channels: channels, u: 0, v: 1, rows: 8, columns: 8, samples: 20000, seed: 3)
        #expect(check.agrees, "\(check.simulated) vs \(check.predicted) ± \(check.standardError)")
        let eq32 = MomentTheory.multiChannelPaperApproximation(
            laws, channels: channels, u: 0, v: 1, rows: 8, columns: 8)
        #expect(eq32 < check.predicted)
        #expect(abs(eq32 - check.simulated) > 5 * check.standardError)
    }

    /// Theorem 4.3 off DC (including τ = 0 points) and the DC equality.
    @Test func zeroPaddingTheorem() {
        let checks = MonteCarlo.zeroPadding(
            mean: 0.7, std: 1, rows: 4, columns: 4, paddedRows: 6, paddedColumns: 8,
            frequencies: [(0, 0), (1, 0), (0, 2), (3, 1), (3, 2)], samples: 20000, seed: 4)
        for check in checks {
            #expect(check.agrees, "\(check.setting): \(check.simulated) vs \(check.predicted) ± \(check.standardError)")
        }
    }
}
