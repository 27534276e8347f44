import ComplexModule
import SpectraCore

/// Erratum 13 (docs/theory.md §6.2, §10 item 13): Theorem 4.5's proof assumes that one gradient step of a suitable
/// size takes an identity network to the shifted target. The smallest counterexample: two linear circular layers of
/// 2×2 kernels, both the identity (a delta tap), a 4×4 delta input (G = 1 at every frequency), and the target of
/// Eq. 43 for f₁ = [0,1], f₂ = [1,0], α = 1/4 (φ = 0 here, with either sign of Eq. 44). The loss after one real
/// gradient step, minimised over the step size η > 0, stays above zero.
public enum OneStepShift {
    /// The one-step losses of erratum 13's counterexample.
    public struct Result: Sendable {
        public var initialLoss: Double
        /// min over η of the loss after one step W − η∇L(W).
        public var minimumLoss: Double
        public var bestStep: Double
    }

    static let size = 4, kernel = 2

    /// Circular true convolution y[m,n] = Σ w[t,s] x[m−t, n−s] of a 4×4 map with a 2×2 kernel.
    static func convolve(_ w: [Double], _ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: size * size)
        for m in 0..<size {
            for n in 0..<size {
                var sum = 0.0
                for t in 0..<kernel {
                    for s in 0..<kernel {
                        sum += w[t * kernel + s] * x[((m - t + size) % size) * size + (n - s + size) % size]
                    }
                }
                y[m * size + n] = sum
            }
        }
        return y
    }

    /// The loss ‖w₂ ⊛ (w₁ ⊛ x) − y*‖² of the parameters [w₁, w₂] (8 values).
    static func loss(_ parameters: [Double], input x: [Double], target: [Double]) -> Double {
        let taps = kernel * kernel
        let first = Array(parameters[0..<taps]), second = Array(parameters[taps..<(2 * taps)])
        let y = convolve(second, convolve(first, x))
        var sum = 0.0
        for i in y.indices { sum += (y[i] - target[i]) * (y[i] - target[i]) }
        return sum
    }

    /// The target of Eq. 43: the input's spectrum with G[f₁] scaled by 1 − A and G[f₂] by 1 + Ā (and their mirrors).
    static func target(alpha: Double) -> (input: [Double], target: [Double]) {
        var x = [Double](repeating: 0, count: size * size)
        x[0] = 1
        var spectrum = Spectrum<Double>(zeros: [1, 1, size, size])
        for i in spectrum.values.indices { spectrum.values[i] = Complex(1, 0) }
        for (u, v, factor) in [(0, 1, 1 - alpha), (1, 0, 1 + alpha)] {
            spectrum.values[u * size + v] = Complex(factor, 0)
            spectrum.values[((size - u) % size) * size + (size - v) % size] = Complex(factor, 0)
        }
        let y = FFT2D.inverse(spectrum).scalars  // real by Hermitian symmetry
        return (x, y)
    }

    /// The counterexample: the gradient by central differences (exact here, the loss being quadratic in each single
    /// parameter), then the one-step loss minimised over η on a fine grid and refined by golden-section search.
    public static func counterexample(alpha: Double = 0.25) -> Result {
        let (x, y) = target(alpha: alpha)
        var identity = [Double](repeating: 0, count: 2 * kernel * kernel)
        identity[0] = 1
        identity[kernel * kernel] = 1
        let initial = loss(identity, input: x, target: y)
        let gradient = identity.indices.map { i -> Double in
            var plus = identity, minus = identity
            plus[i] += 0.5
            minus[i] -= 0.5
            return loss(plus, input: x, target: y) - loss(minus, input: x, target: y)
        }
        func stepLoss(_ eta: Double) -> Double {
            loss(zip(identity, gradient).map { $0 - eta * $1 }, input: x, target: y)
        }
        var best = (eta: 0.0, loss: initial)
        for i in 1...20000 {
            let eta = Double(i) * 1e-4
            let l = stepLoss(eta)
            if l < best.loss { best = (eta, l) }
        }
        var (low, high) = (max(0, best.eta - 1e-4), best.eta + 1e-4)
        let ratio = (5.0.squareRoot() - 1) / 2
        for _ in 0..<100 {
            let a = high - ratio * (high - low), b = low + ratio * (high - low)
            if stepLoss(a) < stepLoss(b) { high = b } else { low = a }
        }
        let eta = (low + high) / 2
        return Result(
            initialLoss: initial, minimumLoss: min(best.loss, stepLoss(eta)),
            bestStep: stepLoss(eta) < best.loss ? eta : best.eta)
    }
}
