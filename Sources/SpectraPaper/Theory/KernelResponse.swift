import ComplexModule
import RealModule

/// Closed forms in the frequency response of a K×K kernel on an M×N grid (docs/theory.md §4.2, §3.4, §2.2, §6.2).
public enum KernelResponse {
    /// R_uv = Σ_{t,s<K} e^{i2π(ut/M + vs/N)} = 𝒟_K(uπ/M) 𝒟_K(vπ/N) e^{i((K−1)u/M + (K−1)v/N)π} (Eq. 27), 0 ≤ |R| ≤ K².
    /// Indices may be any integers (2u, 2v and differences u − u' are used).
    public static func r(u: Int, v: Int, kernel k: Int, rows m: Int, columns n: Int) -> Complex<Double> {
        let magnitude =
            Dirichlet.ratio(k, Double(u) * .pi / Double(m)) * Dirichlet.ratio(k, Double(v) * .pi / Double(n))
        let phase = (Double(k - 1) * Double(u) / Double(m) + Double(k - 1) * Double(v) / Double(n)) * .pi
        return Complex(Double.cos(phase), Double.sin(phase)).multiplied(by: magnitude)
    }

    /// R_uv by its defining double sum (the independent check of the closed form).
    public static func rDirect(u: Int, v: Int, kernel k: Int, rows m: Int, columns n: Int) -> Complex<Double> {
        var z = Complex<Double>(0, 0)
        for t in 0..<k {
            for s in 0..<k {
                let angle = 2 * Double.pi * (Double(u * t) / Double(m) + Double(v * s) / Double(n))
                z += Complex(Double.cos(angle), Double.sin(angle))
            }
        }
        return z
    }

    /// χ_{u'v'uv} = R_{u−u', v−v'} / (MN) (Eq. 5 [D]); peaks at u' = u, v' = v with K²/(MN).
    public static func chi(
        uPrime: Int, vPrime: Int, u: Int, v: Int, kernel k: Int, rows m: Int, columns n: Int
    ) -> Complex<Double> {
        r(u: u - uPrime, v: v - vPrime, kernel: k, rows: m, columns: n).divided(by: Double(m * n))
    }

    /// α_{u'v'uv} of the no-padding convolution, **corrected** form of Eq. 17 ([E], docs/theory.md §2.2 and §10 item 2):
    /// (1/MN) 𝒟_{M'}(λπ) 𝒟_{N'}(γπ) e^{i((M'−1)λ + (N'−1)γ)π}, λ = u/M − u'/M', γ = v/N − v'/N', M' = M − K + 1.
    /// The printed formula uses M − K in the sine numerators, one term too few.
    public static func validConvolutionAlpha(
        uPrime: Int, vPrime: Int, u: Int, v: Int, kernel k: Int, rows m: Int, columns n: Int
    ) -> Complex<Double> {
        let (mOut, nOut, lambda, gamma) = validArguments(
            uPrime: uPrime, vPrime: vPrime, u: u, v: v, kernel: k, rows: m, columns: n)
        let magnitude = Dirichlet.ratio(mOut, lambda * .pi) * Dirichlet.ratio(nOut, gamma * .pi) / Double(m * n)
        let phase = (Double(mOut - 1) * lambda + Double(nOut - 1) * gamma) * .pi
        return Complex(Double.cos(phase), Double.sin(phase)).multiplied(by: magnitude)
    }

    /// α by its definition (1/MN) Σ_{m<M', n<N'} e^{i2π(λm + γn)} (Eq. 18).
    public static func validConvolutionAlphaDirect(
        uPrime: Int, vPrime: Int, u: Int, v: Int, kernel k: Int, rows m: Int, columns n: Int
    ) -> Complex<Double> {
        let (mOut, nOut, lambda, gamma) = validArguments(
            uPrime: uPrime, vPrime: vPrime, u: u, v: v, kernel: k, rows: m, columns: n)
        var z = Complex<Double>(0, 0)
        for a in 0..<mOut {
            for b in 0..<nOut {
                let angle = 2 * Double.pi * (lambda * Double(a) + gamma * Double(b))
                z += Complex(Double.cos(angle), Double.sin(angle))
            }
        }
        return z.divided(by: Double(m * n))
    }

    /// The paper's printed Eq. 17 (with M − K and N − K in the sine numerators), kept only to show the erratum.
    public static func validConvolutionAlphaAsPrinted(
        uPrime: Int, vPrime: Int, u: Int, v: Int, kernel k: Int, rows m: Int, columns n: Int
    ) -> Complex<Double> {
        let (mOut, nOut, lambda, gamma) = validArguments(
            uPrime: uPrime, vPrime: vPrime, u: u, v: v, kernel: k, rows: m, columns: n)
        let magnitude = Dirichlet.ratio(m - k, lambda * .pi) * Dirichlet.ratio(n - k, gamma * .pi) / Double(m * n)
        let phase = (Double(mOut - 1) * lambda + Double(nOut - 1) * gamma) * .pi
        return Complex(Double.cos(phase), Double.sin(phase)).multiplied(by: magnitude)
    }

    /// M' = M − K + 1, N' = N − K + 1, λ = u/M − u'/M', γ = v/N − v'/N' (docs/theory.md §2.2).
    private static func validArguments(
        uPrime: Int, vPrime: Int, u: Int, v: Int, kernel k: Int, rows m: Int, columns n: Int
    )
        -> (Int, Int, Double, Double)
    {
        let (mOut, nOut) = (m - k + 1, n - k + 1)
        return (
            mOut, nOut, Double(u) / Double(m) - Double(uPrime) / Double(mOut),
            Double(v) / Double(n) - Double(vPrime) / Double(nOut)
        )
    }

    /// The denominator of Theorem 4.5 (Eq. 12): K² − 𝒟_K(Δu π/M) 𝒟_K(Δv π/N). ‖ΔW‖ is predicted ∝ α MN / this
    /// (a heuristic trend, §10 item 13). For K = 3, M = 64 and Δu = 1, 4, 8: 0.02889, 0.4567, 1.757.
    public static func shiftDifficultyDenominator(
        du: Int, dv: Int, kernel k: Int, rows m: Int, columns n: Int
    ) -> Double {
        Double(k * k) - Dirichlet.ratio(k, Double(du) * .pi / Double(m))
            * Dirichlet.ratio(k, Double(dv) * .pi / Double(n))
    }

    /// §2.4 [D]: the response of nearest upsampling by r on the output grid, 𝒟_r(uπ/M) e^{−i(r−1)uπ/M} per axis.
    public static func nearestUpsampling(u: Int, factor r: Int, size m: Int) -> Complex<Double> {
        let phase = -Double(r - 1) * Double(u) * .pi / Double(m)
        return Complex(Double.cos(phase), Double.sin(phase)).multiplied(
            by: Dirichlet.ratio(r, Double(u) * .pi / Double(m)))
    }
}
