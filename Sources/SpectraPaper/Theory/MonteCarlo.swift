import ComplexModule
import RealModule
import SpectraCore

/// One comparison of a theoretical prediction with a seeded Monte Carlo estimate.
public struct MonteCarloCheck: Codable, Sendable {
    public var quantity: String
    public var setting: String
    public var predicted: Double
    public var simulated: Double
    /// Standard error of `simulated`: the sample standard deviation of the averaged quantity over √samples.
    public var standardError: Double
    public var samples: Int

    /// |simulated − predicted| in standard errors.
    public var zScore: Double { abs(simulated - predicted) / max(standardError, 1e-300) }
    /// Agreement within 5 standard errors (a false alarm has probability ≈ 6e-7 per check for a Gaussian estimate).
    public var agrees: Bool { zScore <= 5 || abs(simulated - predicted) <= 1e-12 * max(1, abs(predicted)) }

    enum CodingKeys: String, CodingKey {
        case quantity, setting, predicted, simulated, samples
        case standardError = "standard_error"
    }
}

/// Mean and standard error of a sample, accumulated in one pass (Welford).
struct RunningMean {
    private(set) var count = 0
    private(set) var mean = 0.0
    private var m2 = 0.0

    mutating func add(_ x: Double) {
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        m2 += delta * (x - mean)
    }

    var standardError: Double { count > 1 ? (m2 / Double(count - 1) / Double(count)).squareRoot() : .infinity }
}

/// Monte Carlo simulations of the random-weight and random-feature models of docs/theory.md §4 (seeded, reproducible).
public enum MonteCarlo {
    /// T^(uv) of one K×K slice in the paper's anchor: Σ_{t,s} W_ts e^{+i2π(ut/M + vs/N)}.
    static func transfer(
        _ weights: [Double], kernel k: Int, u: Int, v: Int, rows m: Int, columns n: Int
    ) -> Complex<Double> {
        var z = Complex<Double>(0, 0)
        for t in 0..<k {
            for s in 0..<k {
                let angle = 2 * Double.pi * (Double(u * t) / Double(m) + Double(v * s) / Double(n))
                z += Complex(Double.cos(angle), Double.sin(angle)).multiplied(by: weights[t * k + s])
            }
        }
        return z
    }

    static func sampleWeights(_ law: WeightLaw, _ generator: inout SeededGenerator) -> [Double] {
        (0..<(law.kernel * law.kernel)).map { _ in law.mean + law.std * generator.nextNormal() }
    }

    /// Eq. 27: mean (real and imaginary parts), variance and pseudo-covariance of one entry of T.
    public static func entryMoments(
        _ law: WeightLaw, u: Int, v: Int, rows m: Int, columns n: Int, samples: Int, seed: UInt64
    ) -> [MonteCarloCheck] {
        var generator = SeededGenerator(seed: seed)
        let predicted = MomentTheory.entryMoments(law, u: u, v: v, rows: m, columns: n)
        var re = RunningMean(), im = RunningMean(), variance = RunningMean(), pseudoRe = RunningMean(),
            pseudoIm = RunningMean()
        for _ in 0..<samples {
            let t = transfer(sampleWeights(law, &generator), kernel: law.kernel, u: u, v: v, rows: m, columns: n)
            re.add(t.real)
            im.add(t.imaginary)
            // Centred at the known mean, so each term is an unbiased sample of the second moments.
            let d = t - predicted.mean
            variance.add(d.lengthSquared)
            let square = d * d
            pseudoRe.add(square.real)
            pseudoIm.add(square.imaginary)
        }
        let setting = "K=\(law.kernel) mu=\(law.mean) sigma=\(law.std) M=\(m) N=\(n) [u,v]=[\(u),\(v)]"
        func check(_ q: String, _ p: Double, _ s: RunningMean) -> MonteCarloCheck {
            MonteCarloCheck(
                quantity: q, setting: setting, predicted: p, simulated: s.mean, standardError: s.standardError,
                samples: samples)
        }
        return [
            check("Re E[T] = Re(mu R)", predicted.mean.real, re),
            check("Im E[T] = Im(mu R)", predicted.mean.imaginary, im),
            check("Var T = K^2 sigma^2", predicted.variance, variance),
            check("Re pseudo-cov = Re(sigma^2 R_2u,2v)", predicted.pseudoCovariance.real, pseudoRe),
            check("Im pseudo-cov = Im(sigma^2 R_2u,2v)", predicted.pseudoCovariance.imaginary, pseudoIm),
        ]
    }

    /// Theorem 4.2: SOM of a product of L independent single-channel T's.
    public static func singleChannelCascade(
        _ laws: [WeightLaw], u: Int, v: Int, rows m: Int, columns n: Int, samples: Int, seed: UInt64
    ) -> MonteCarloCheck {
        var generator = SeededGenerator(seed: seed)
        var som = RunningMean()
        for _ in 0..<samples {
            var product = Complex<Double>(1, 0)
            for law in laws {
                product =
                    product
                    * transfer(sampleWeights(law, &generator), kernel: law.kernel, u: u, v: v, rows: m, columns: n)
            }
            som.add(product.lengthSquared)
        }
        let predicted = Double.exp(
            MomentTheory.singleChannelCascade(laws, u: u, v: v, rows: m, columns: n).logSecondMoment)
        return MonteCarloCheck(
            quantity: "SOM(T(L:1)) = prod(|mu R|^2 + K^2 sigma^2)",
            setting:
                "L=\(laws.count) K=\(laws[0].kernel) mu=\(laws[0].mean) sigma=\(laws[0].std) M=\(m) [u,v]=[\(u),\(v)]",
            predicted: predicted, simulated: som.mean, standardError: som.standardError, samples: samples)
    }

    /// §4.4: E|𝕋(L:1)_00|² of a multi-channel product (entry d = c = 0) against the exact recursion.
    public static func multiChannelCascade(
        _ laws: [WeightLaw], channels: [Int], u: Int, v: Int, rows m: Int, columns n: Int, samples: Int, seed: UInt64
    ) -> MonteCarloCheck {
        var generator = SeededGenerator(seed: seed)
        var som = RunningMean()
        for _ in 0..<samples {
            // Only column 0 of the product is needed: p ← T_l p, starting from T_1[:, 0].
            var column = (0..<channels[1]).map { _ in
                transfer(sampleWeights(laws[0], &generator), kernel: laws[0].kernel, u: u, v: v, rows: m, columns: n)
            }
            for l in 1..<laws.count {
                column = (0..<channels[l + 1]).map { _ in
                    var sum = Complex<Double>(0, 0)
                    for k in 0..<channels[l] {
                        sum +=
                            transfer(
                                sampleWeights(laws[l], &generator), kernel: laws[l].kernel, u: u, v: v, rows: m,
                                columns: n) * column[k]
                    }
                    return sum
                }
            }
            som.add(column[0].lengthSquared)
        }
        let exact = MomentTheory.multiChannelExact(laws, channels: channels, u: u, v: v, rows: m, columns: n).a
        return MonteCarloCheck(
            quantity: "E|T(L:1)_dc|^2 (exact recursion)",
            setting:
                "channels=\(channels) K=\(laws[0].kernel) mu=\(laws[0].mean) sigma=\(laws[0].std) M=\(m) [u,v]=[\(u),\(v)]",
            predicted: exact, simulated: som.mean, standardError: som.standardError, samples: samples)
    }

    /// Theorem 4.3: SOM(H_uv) − SOM(G_uv) for i.i.d. N(a, σ²) pixels zero-padded from M×N to M'×N'. Both spectra come
    /// from the same samples; the difference is averaged directly so its standard error is the right one.
    public static func zeroPadding(
        mean a: Double, std sigma: Double, rows m: Int, columns n: Int, paddedRows mp: Int, paddedColumns np: Int,
        frequencies: [(Int, Int)], samples: Int, seed: UInt64
    ) -> [MonteCarloCheck] {
        var generator = SeededGenerator(seed: seed)
        var differences = Array(repeating: RunningMean(), count: frequencies.count)
        for _ in 0..<samples {
            let pixels = (0..<(m * n)).map { _ in a + sigma * generator.nextNormal() }
            for (i, (u, v)) in frequencies.enumerated() {
                var g = Complex<Double>(0, 0), h = Complex<Double>(0, 0)
                for r in 0..<m {
                    for c in 0..<n {
                        let x = pixels[r * n + c]
                        let ag = -2 * Double.pi * (Double(u * r) / Double(m) + Double(v * c) / Double(n))
                        let ah = -2 * Double.pi * (Double(u * r) / Double(mp) + Double(v * c) / Double(np))
                        g += Complex(Double.cos(ag), Double.sin(ag)).multiplied(by: x)
                        h += Complex(Double.cos(ah), Double.sin(ah)).multiplied(by: x)
                    }
                }
                differences[i].add(h.lengthSquared - g.lengthSquared)
            }
        }
        return frequencies.enumerated().map { i, f in
            let predicted = ZeroPaddingTheory.secondMoments(
                u: f.0, v: f.1, mean: a, std: sigma, rows: m, columns: n, paddedRows: mp, paddedColumns: np)
            return MonteCarloCheck(
                quantity: f == (0, 0) ? "SOM(H_00) - SOM(G_00) = 0" : "SOM(H) - SOM(G) = a^2 tau^2",
                setting: "a=\(a) sigma=\(sigma) \(m)x\(n)->\(mp)x\(np) [u,v]=[\(f.0),\(f.1)]",
                predicted: predicted.padded - predicted.original, simulated: differences[i].mean,
                standardError: differences[i].standardError, samples: samples)
        }
    }
}
