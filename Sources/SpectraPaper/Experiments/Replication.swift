import RealModule
import SpectraCore

/// What a set of independent weight draws says about a predicted sign (docs/theory.md §8, "Replication").
public enum Verdict: String, Codable, Sendable {
    /// The 95 % confidence interval of the across-draw mean lies on the predicted side of 0.
    case holds
    /// The interval lies on the other side: the opposite of the claim is measured.
    case reversed
    /// The interval contains 0: these draws cannot tell.
    case inconclusive

    /// A verdict table's yes/no: only `holds` counts as holding.
    public var holds: Bool { self == .holds }
}

/// The across-draw summary of one per-draw effect (a paired difference or log ratio, averaged over the images of
/// each draw). The paper's claims are expectations over initialisations, so the draw, not the image, is the unit
/// of replication: images are nested inside draws and only their mean enters here.
public struct DrawSummary: Codable, Sendable {
    public var draws: Int
    public var mean: Double
    public var standardError: Double
    /// 95 % confidence interval of the mean, Student t with draws − 1 degrees of freedom.
    public var interval: [Double]
    /// Fraction of draws whose own effect has the predicted sign.
    public var agreeing: Double
    public var verdict: Verdict

    /// Summarises per-draw effects against a predicted sign (+1: the effect is positive; −1: negative).
    public init(_ effects: [Double], predictedSign: Double = 1) {
        let n = effects.count
        let mean = n > 0 ? effects.reduce(0, +) / Double(n) : .nan
        let variance = n > 1 ? effects.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1) : .nan
        let standardError = n > 1 ? (variance / Double(n)).squareRoot() : .nan
        (draws, self.mean, self.standardError) = (n, mean, standardError)
        let half = n > 1 ? Self.studentT975(degreesOfFreedom: n - 1) * standardError : .infinity
        interval = [mean - half, mean + half]
        agreeing = n > 0 ? Double(effects.filter { $0 * predictedSign > 0 }.count) / Double(n) : 0
        if interval[0] * predictedSign > 0 && interval[1] * predictedSign > 0 {
            verdict = .holds
        } else if interval[0] * predictedSign < 0 && interval[1] * predictedSign < 0 {
            verdict = .reversed
        } else {
            verdict = .inconclusive
        }
    }

    /// "0.0123 [0.0101, 0.0145], 16/16 draws agree".
    public var text: String {
        "\(format(mean)) [\(format(interval[0])), \(format(interval[1]))], "
            + "\(Int((agreeing * Double(draws)).rounded()))/\(draws) draws agree"
    }

    /// The 97.5 % quantile of Student's t: exact table to 30 degrees of freedom, then the Cornish–Fisher expansion
    /// around the normal quantile (error < 1e-4 there).
    public static func studentT975(degreesOfFreedom df: Int) -> Double {
        let table: [Double] = [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
        ]
        if df >= 1 && df <= table.count { return table[df - 1] }
        let z = 1.959964, n = Double(max(df, 1))
        let g1 = (z * z * z + z) / 4
        let g2 = (5 * Double.pow(z, 5) + 16 * z * z * z + 3 * z) / 96
        let g3 = (3 * Double.pow(z, 7) + 19 * Double.pow(z, 5) + 17 * z * z * z - 15 * z) / 384
        return z + g1 / n + g2 / (n * n) + g3 / (n * n * n)
    }
}
