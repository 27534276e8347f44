import ComplexModule
import RealModule

/// The weight law of one layer in the paper's analysis (docs/theory.md §4.1): every weight i.i.d. N(μ, σ²), K×K kernels.
public struct WeightLaw: Sendable, Codable, Equatable {
    public var mean: Double
    public var std: Double
    public var kernel: Int

    /// The law of the kernel entries (i.i.d., mean μ, standard deviation σ) of K×K kernels.
    public init(mean: Double, std: Double, kernel: Int) {
        self.mean = mean
        self.std = std
        self.kernel = kernel
    }
}

/// Moments of T and of cascades of T (docs/theory.md §4.2 to §4.4), in the paper's anchor convention (one-sided padding).
public enum MomentTheory {
    /// Eq. 27: T^(uv)_dc is complex Gaussian with mean μR_uv, variance K²σ² and pseudo-covariance σ²R_{2u,2v}.
    /// ([E] the paper's intermediate step gives real weights pseudo-covariance 0; the final Eq. 27 is right.)
    public static func entryMoments(
        _ law: WeightLaw, u: Int, v: Int, rows m: Int, columns n: Int
    )
        -> (mean: Complex<Double>, variance: Double, pseudoCovariance: Complex<Double>)
    {
        let k = law.kernel
        let r = KernelResponse.r(u: u, v: v, kernel: k, rows: m, columns: n)
        let r2 = KernelResponse.r(u: 2 * u, v: 2 * v, kernel: k, rows: m, columns: n)
        return (r.multiplied(by: law.mean), Double(k * k) * law.std * law.std, r2.multiplied(by: law.std * law.std))
    }

    /// Eq. 28: SOM(T^(uv)_dc) = |μR_uv|² + K²σ².
    public static func entrySecondMoment(_ law: WeightLaw, u: Int, v: Int, rows m: Int, columns n: Int) -> Double {
        let moments = entryMoments(law, u: u, v: v, rows: m, columns: n)
        return moments.mean.lengthSquared + moments.variance
    }

    /// Theorem 4.2 (single channel): E[𝕋(L:1)] = Π μ_l R_uv and log SOM(𝕋(L:1)) = Σ_l log(|μ_l R_uv|² + K²σ_l²).
    /// ([E] this is an increase with depth only where the per-layer factor exceeds 1, §10 item 8.)
    public static func singleChannelCascade(
        _ laws: [WeightLaw], u: Int, v: Int, rows m: Int, columns n: Int
    )
        -> (mean: Complex<Double>, logSecondMoment: Double)
    {
        var mean = Complex<Double>(1, 0), logSOM = 0.0
        for law in laws {
            mean = mean * entryMoments(law, u: u, v: v, rows: m, columns: n).mean
            logSOM += Double.log(entrySecondMoment(law, u: u, v: v, rows: m, columns: n))
        }
        return (mean, logSOM)
    }

    /// The four second moments of the product P = 𝕋(l:1) under independent layers (docs/theory.md §4.4 [D]):
    /// A = E|P_dc|², B = E[P_dc conj P_dc'] (c ≠ c'), Γ = E[P_dc conj P_d'c] (d ≠ d'), Δ (d ≠ d', c ≠ c').
    public struct ProductMoments: Sendable, Codable, Equatable {
        public var a: Double, b: Double, gamma: Double, delta: Double

        /// E|h_d|² for a fixed input vector g at [u, v] ≠ [0, 0]: A‖g‖² + B(|Σ g_c|² − ‖g‖²).
        public func outputSecondMoment(input g: [Complex<Double>]) -> Double {
            let norm2 = g.reduce(0) { $0 + $1.lengthSquared }
            let sum = g.reduce(Complex<Double>(0, 0), +)
            return a * norm2 + b * (sum.lengthSquared - norm2)
        }
    }

    /// The exact recursion of docs/theory.md §4.4 [D] for widths C_0…C_L (`channels`, L+1 entries) and one law per layer.
    /// It replaces Eq. 32, which assumes independence of entries that share lower layers and underestimates.
    public static func multiChannelExact(
        _ laws: [WeightLaw], channels: [Int], u: Int, v: Int, rows m: Int, columns n: Int
    )
        -> ProductMoments
    {
        precondition(channels.count == laws.count + 1 && !laws.isEmpty, "channels must list C_0…C_L")
        var moments = ProductMoments(a: 0, b: 0, gamma: 0, delta: 0)
        for (index, law) in laws.enumerated() {
            let s = entrySecondMoment(law, u: u, v: v, rows: m, columns: n)
            let m2 = entryMoments(law, u: u, v: v, rows: m, columns: n).mean.lengthSquared
            if index == 0 {
                moments = ProductMoments(a: s, b: m2, gamma: m2, delta: m2)
                continue
            }
            let w = Double(channels[index])  // n = C_{l−1}
            let previous = moments
            moments.a = s * w * previous.a + m2 * w * (w - 1) * previous.gamma
            moments.b = s * w * previous.b + m2 * w * (w - 1) * previous.delta
            moments.gamma = m2 * (w * previous.a + w * (w - 1) * previous.gamma)
            moments.delta = m2 * (w * previous.b + w * (w - 1) * previous.delta)
        }
        return moments
    }

    /// Eq. 31: E[𝕋(L:1)_dc] = (1/C_L) Π_l C_l μ_l R_uv (every entry).
    public static func multiChannelMean(
        _ laws: [WeightLaw], channels: [Int], u: Int, v: Int, rows m: Int, columns n: Int
    ) -> Complex<Double> {
        var mean = Complex<Double>(1, 0)
        for (index, law) in laws.enumerated() {
            mean =
                mean
                * entryMoments(law, u: u, v: v, rows: m, columns: n).mean.multiplied(by: Double(channels[index + 1]))
        }
        return mean.divided(by: Double(channels.last!))
    }

    /// Eq. 32 in its recursive form S_l = C_{l−1} s_l S_{l−1} + ((C_{l−1} − 1)/C_{l−1}) |E 𝕋(l:1)|², S_1 = s_1.
    /// **The paper's approximation**, kept for comparison only ([E] §10 item 6: it underestimates).
    public static func multiChannelPaperApproximation(
        _ laws: [WeightLaw], channels: [Int], u: Int, v: Int, rows m: Int, columns n: Int
    ) -> Double {
        var som = entrySecondMoment(laws[0], u: u, v: v, rows: m, columns: n)
        for l in 1..<laws.count {
            let w = Double(channels[l])
            let mean = multiChannelMean(
                Array(laws[0...l]), channels: Array(channels[0...(l + 1)]), u: u, v: v, rows: m, columns: n)
            som =
                w * entrySecondMoment(laws[l], u: u, v: v, rows: m, columns: n) * som + (w - 1) / w * mean.lengthSquared
        }
        return som
    }
}

/// Theorem 4.3 (zero padding, Eqs. 8, 9, 33–36): i.i.d. N(a, σ²) pixels on M×N, zero-padded (one-sided) to M'×N'.
public enum ZeroPaddingTheory {
    /// τ_uv = 𝒟_M(uπ/M') 𝒟_N(vπ/N').
    public static func tau(
        u: Int, v: Int, rows m: Int, columns n: Int, paddedRows mp: Int, paddedColumns np: Int
    ) -> Double {
        Dirichlet.ratio(m, Double(u) * .pi / Double(mp)) * Dirichlet.ratio(n, Double(v) * .pi / Double(np))
    }

    /// Predicted SOM(G_uv) and SOM(H_uv) at the same integer index: SOM(G) = |aMN δ|² + MNσ²; SOM(H) = a²τ² + MNσ²
    /// off DC (so SOM(H) − SOM(G) = a²τ²), and SOM(H_00) = SOM(G_00).
    public static func secondMoments(
        u: Int, v: Int, mean a: Double, std sigma: Double, rows m: Int, columns n: Int, paddedRows mp: Int,
        paddedColumns np: Int
    ) -> (original: Double, padded: Double) {
        let noise = Double(m * n) * sigma * sigma
        if u == 0 && v == 0 {
            let dc = a * Double(m * n)
            return (dc * dc + noise, dc * dc + noise)
        }
        let t = tau(u: u, v: v, rows: m, columns: n, paddedRows: mp, paddedColumns: np)
        return (noise, a * a * t * t + noise)
    }
}

/// Theorem 4.4 (Eq. 11): after zero-insertion upsampling from M0×N0 to M×N, the DC component reappears at every
/// [s·M0, t·N0]; these are the predicted positions of the repeated strong frequencies.
public enum UpsamplingTheory {
    public static func repeatPositions(
        originalRows m0: Int, originalColumns n0: Int, rows m: Int, columns n: Int
    ) -> [(Int, Int)] {
        var positions: [(Int, Int)] = []
        for s in stride(from: 0, to: m, by: m0) { for t in stride(from: 0, to: n, by: n0) { positions.append((s, t)) } }
        return positions
    }
}
