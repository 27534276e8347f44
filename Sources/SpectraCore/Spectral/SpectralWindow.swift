import Foundation

/// A taper and a zero-padding factor applied to feature maps before the DFT, for display statistics only (the maps and
/// radial charts of a report): a circular DFT of a map whose opposite edges differ leaks power along the axes (the
/// "cross" of every natural image's spectrum), and a window trades that leakage for resolution; zero padding
/// interpolates the spectrum between the DFT's frequencies. Neither is applied to the exact numbers (p_low,
/// verification, the power maps in `spectra/`), which stay those of the theorems (docs/theory.md §7, "Display
/// windows"). Off by default.
///
/// Windows are periodic (DFT-even, `scipy.signal.get_window`'s default): Hann w[n] = ½ − ½·cos(2πn/N); Kaiser
/// w[n] = I0(β·√(1 − (2n/N − 1)²)) / I0(β), n = 0 … N − 1. The 2D window is the outer product of the row and column
/// windows, scaled so that its mean square is 1 (the power of white noise is unchanged). A padded map of p·M × p·N is
/// scaled by p, so that E|H|²/(pM·pN) stays the power per pixel of the original map: zero padding alone leaves the
/// power at the original frequencies (pu, pv) unchanged.
public struct SpectralWindow: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The taper applied to each map before its DFT (periodic, scaled to mean square 1).
    public enum Taper: Sendable, Equatable {
        case none
        case hann
        case kaiser(beta: Double)
    }

    public var taper: Taper
    /// Each side of the map is padded with zeros to `zeroPadding` times its length (1: none).
    public var zeroPadding: Int

    /// A display window: `taper` on each map, then zero padding to `zeroPadding` times its size on each axis.
    public init(taper: Taper = .none, zeroPadding: Int = 1) {
        self.taper = taper
        self.zeroPadding = zeroPadding
    }

    /// Parses the CLI's `--window` value: "none", "hann", "kaiser" (β = 8.6) or "kaiser:BETA".
    public init(parsing text: String, zeroPadding: Int) throws {
        let parts = text.lowercased().split(separator: ":", maxSplits: 1).map(String.init)
        switch parts.first {
        case "none": taper = .none
        case "hann", "hanning": taper = .hann
        case "kaiser":
            let beta = parts.count == 2 ? Double(parts[1]) : 8.6
            guard let beta, beta >= 0, beta <= 100 else {
                throw SpectraError.invalidInput(
                    "window '\(text)': Kaiser's β must be a number between 0 and 100 (e.g. kaiser:8.6)")
            }
            taper = .kaiser(beta: beta)
        default:
            throw SpectraError.invalidInput("window '\(text)': use none, hann or kaiser[:BETA]")
        }
        guard zeroPadding >= 1, zeroPadding <= 8 else {
            throw SpectraError.invalidInput("zero padding \(zeroPadding): use a factor from 1 to 8")
        }
        self.zeroPadding = zeroPadding
    }

    /// The `--window` spelling: "none", "hann" or "kaiser:BETA".
    public var name: String {
        switch taper {
        case .none: return "none"
        case .hann: return "hann"
        case let .kaiser(beta): return "kaiser:\(beta)"
        }
    }

    // On disk as {"window": "kaiser:8.6", "zero_padding": 2}, the CLI's spelling.
    enum CodingKeys: String, CodingKey { case window, zeroPadding = "zero_padding" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            parsing: try container.decode(String.self, forKey: .window),
            zeroPadding: try container.decode(Int.self, forKey: .zeroPadding))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .window)
        try container.encode(zeroPadding, forKey: .zeroPadding)
    }

    /// True when it changes nothing (no taper, no padding).
    public var isIdentity: Bool { taper == .none && zeroPadding == 1 }

    public var description: String {
        let name: String
        switch taper {
        case .none: name = "no window"
        case .hann: name = "Hann window"
        case let .kaiser(beta): name = "Kaiser window (β = \(beta))"
        }
        return zeroPadding > 1 ? "\(name), ×\(zeroPadding) zero padding" : name
    }

    /// The 1D periodic window of length `n` (unscaled).
    public func coefficients(_ n: Int) -> [Double] {
        switch taper {
        case .none: return [Double](repeating: 1, count: n)
        case .hann: return (0..<n).map { 0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(n)) }
        case let .kaiser(beta):
            return (0..<n).map { k in
                let t = 2 * Double(k) / Double(n) - 1
                return Self.besselI0(beta * (max(0, 1 - t * t)).squareRoot()) / Self.besselI0(beta)
            }
        }
    }

    /// The modified Bessel function of the first kind of order 0, I0(x) = Σ_k ((x/2)^k / k!)², summed until the terms
    /// stop changing the sum (x ≤ 100: under 200 terms).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        while true {
            term *= (x / (2 * k)) * (x / (2 * k))
            sum += term
            if term < sum * 1e-17 { return sum }
            k += 1
        }
    }

    /// The maps of `x` [B, C, H, W] tapered, scaled and zero-padded to [B, C, pH, pW].
    public func apply<S: TensorScalar>(_ x: Tensor<S>) -> Tensor<S> {
        let (h, w, p) = (x.height, x.width, zeroPadding)
        let rows = coefficients(h), columns = coefficients(w)
        let meanSquare =
            (rows.map { $0 * $0 }.reduce(0, +) / Double(h)) * (columns.map { $0 * $0 }.reduce(0, +) / Double(w))
        let scale = Double(p) / meanSquare.squareRoot()
        let (paddedH, paddedW) = (h * p, w * p)
        var out = Tensor<S>(zeros: [x.batch, x.channels, paddedH, paddedW])
        x.scalars.withUnsafeBufferPointer { source in
            out.scalars.withUnsafeMutableBufferPointer { target in
                for plane in 0..<(x.batch * x.channels) {
                    for y in 0..<h {
                        let rowScale = rows[y] * scale
                        for xx in 0..<w {
                            target[(plane * paddedH + y) * paddedW + xx] =
                                S(source[(plane * h + y) * w + xx].float64 * rowScale * columns[xx])
                        }
                    }
                }
            }
        }
        return out
    }
}
