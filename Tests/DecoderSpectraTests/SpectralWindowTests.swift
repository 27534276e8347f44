import DecoderSpectra
import Foundation
import Testing

/// Display windows (`--window`, `--zero-pad`): the tapers against their definitions (Kaiser's I0 by numerical
/// integration, an independent formula), zero padding against the exact spectrum at the shared frequencies, and the
/// exact numbers left untouched.
@Suite(.tags(.unit)) struct SpectralWindowTests {
    /// I0(x) = (1/π) ∫₀^π exp(x cos θ) dθ by the trapezoidal rule (exponentially accurate for periodic integrands).
    static func besselI0ByIntegral(_ x: Double) -> Double {
        let steps = 2000
        var sum = 0.0
        for k in 0...steps {
            let weight = k == 0 || k == steps ? 0.5 : 1.0
            sum += weight * exp(x * cos(Double.pi * Double(k) / Double(steps)))
        }
        return sum / Double(steps)
    }

    @Test func tapersFollowTheirDefinitions() throws {
        let hann = try SpectralWindow(parsing: "hann", zeroPadding: 1).coefficients(8)
        for (n, w) in hann.enumerated() { #expect(abs(w - (0.5 - 0.5 * cos(2 * Double.pi * Double(n) / 8))) < 1e-15) }
        #expect(hann[0] == 0 && abs(hann[4] - 1) < 1e-15)  // periodic: zero at n = 0, one at N/2
        for beta in [0.0, 5.0, 8.6, 14.0] {
            let kaiser = try SpectralWindow(parsing: "kaiser:\(beta)", zeroPadding: 1).coefficients(9)
            for (n, w) in kaiser.enumerated() {
                let t = 2 * Double(n) / 9 - 1
                let expected = Self.besselI0ByIntegral(beta * (1 - t * t).squareRoot()) / Self.besselI0ByIntegral(beta)
                #expect(abs(w - expected) < 1e-12 * max(1, expected), "β \(beta) n \(n)")
            }
        }
        #expect(try SpectralWindow(parsing: "kaiser", zeroPadding: 1).taper == .kaiser(beta: 8.6))
        #expect(throws: SpectraError.self) { try SpectralWindow(parsing: "tukey", zeroPadding: 1) }
        #expect(throws: SpectraError.self) { try SpectralWindow(parsing: "hann", zeroPadding: 0) }
    }

    /// The 2D window is scaled to a mean square of 1: a constant map keeps its mean power.
    @Test func windowsKeepTheMeanSquare() throws {
        let ones = Tensor<Double>(shape: [1, 1, 12, 10]) { _ in 1 }
        for name in ["hann", "kaiser:8.6", "none"] {
            let tapered = try SpectralWindow(parsing: name, zeroPadding: 1).apply(ones)
            let meanSquare = tapered.scalars.map { $0 * $0 }.reduce(0, +) / Double(tapered.count)
            #expect(abs(meanSquare - 1) < 1e-12, "\(name)")
        }
    }

    /// Zero padding by p alone leaves the power per pixel at the original frequencies: the display map at (p·u, p·v)
    /// divided by p² (the padded map is scaled by p) is the exact map at (u, v). The exact statistics do not change.
    @Test func zeroPaddingKeepsThePowerAtTheOriginalFrequencies() throws {
        let model = try ModelGraph.load("e4-zeros")
        func run(_ window: SpectralWindow?) throws -> AnalysisAccumulator {
            let batches = try InputBatches(
                .synthetic(.pinkNoise, count: 5, channels: 3, height: 8, width: 8, seed: 3), channels: 3, batchSize: 2)
            return try StreamingAnalysis.run(model, batches: batches, precision: Double.self, display: window)
        }
        let exact = try run(nil)
        let padded = try run(SpectralWindow(taper: .none, zeroPadding: 2))
        let windowed = try run(SpectralWindow(taper: .hann, zeroPadding: 3))
        #expect(exact.display == nil)
        let display = try #require(padded.display)
        for (stage, shown) in zip([exact.input] + exact.stages, [display.input!] + display.stages) {
            let (m, n) = (stage.rows, stage.columns)
            #expect(shown.rows == 2 * m && shown.columns == 2 * n)
            let original = stage.meanPowerMap, interpolated = shown.meanPowerMap
            for u in 0..<m {
                for v in 0..<n {
                    let a = original[u * n + v], b = interpolated[(2 * u) * (2 * n) + 2 * v] / 4
                    #expect(abs(a - b) <= 1e-10 * max(a, 1e-300), "\(stage.name) [\(u), \(v)]")
                }
            }
        }
        for other in [padded, windowed] {
            for (a, b) in zip([exact.input] + exact.stages, [other.input] + other.stages) {
                #expect(a == b, "\(a.name)")  // every exact sum, the verification and the spread included
            }
        }
        #expect(windowed.display?.stages.last?.rows == 3 * exact.stages.last!.rows)
    }

    @Test func windowsSurviveJSON() throws {
        for window in [
            SpectralWindow(taper: .hann, zeroPadding: 2), SpectralWindow(taper: .kaiser(beta: 5), zeroPadding: 1),
        ] {
            let data = try JSONEncoder().encode(window)
            #expect(try JSONDecoder().decode(SpectralWindow.self, from: data) == window)
        }
    }
}
