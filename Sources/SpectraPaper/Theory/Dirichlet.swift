import ComplexModule
import RealModule

/// The Dirichlet ratio 𝒟_n(x) = sin(nx)/sin(x) of docs/theory.md §1.3 [D], and the finite sums every closed form of the paper
/// is built from. At x = kπ the ratio is 0/0 (§10 item 1); its continuous extension is n(−1)^{k(n−1)}. Near those
/// points the quotient loses precision, so there the finite sum Σ_{j<n} cos((2j − n + 1)x) is evaluated instead.
public enum Dirichlet {
    /// 𝒟_n(x), exact at and near the 0/0 points.
    public static func ratio(_ n: Int, _ x: Double) -> Double {
        precondition(n >= 0, "Dirichlet ratio needs n ≥ 0")
        let s = Double.sin(x)
        if abs(s) > 1e-6 { return Double.sin(Double(n) * x) / s }
        return directSum(n, x)
    }

    /// 𝒟_n(x) as the finite sum Σ_{j=0}^{n−1} e^{i(2j−n+1)x} = Σ cos((2j − n + 1)x) (real by symmetry).
    public static func directSum(_ n: Int, _ x: Double) -> Double {
        var sum = 0.0
        for j in 0..<n { sum += Double.cos(Double(2 * j - n + 1) * x) }
        return sum
    }

    /// The limit n(−1)^{k(n−1)} at x = kπ.
    public static func limit(_ n: Int, k: Int) -> Double {
        (k * (n - 1)) % 2 == 0 ? Double(n) : -Double(n)
    }

    /// Lemma A.1 (Eq. 13): Σ_{m=0}^{N−1} e^{imθ} = 𝒟_N(θ/2) e^{i(N−1)θ/2}.
    public static func geometricSum(_ count: Int, _ theta: Double) -> Complex<Double> {
        let phase = Double(count - 1) * theta / 2
        return Complex(Double.cos(phase), Double.sin(phase)).multiplied(by: ratio(count, theta / 2))
    }
}
