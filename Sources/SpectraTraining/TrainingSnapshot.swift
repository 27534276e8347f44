import SpectraCore

/// What a training run records every N steps about the reconstruction of a fixed batch (E3 data): the output's
/// low-frequency ratio and, per frequency band, the relative reconstruction error in the frequency domain.
public struct TrainingSnapshot: Codable, Sendable {
    public var step: Int
    public var loss: Double?
    public var pLow: Double
    /// ‖H_out − H_in‖² / ‖H_in‖² over the bands of normalised radius [0, 1/8), [1/8, 1/4), [1/4, √½].
    public var bandErrors: [Double]
    public var figure: String?

    public init(step: Int, loss: Double?, pLow: Double, bandErrors: [Double], figure: String?) {
        (self.step, self.loss, self.pLow, self.bandErrors, self.figure) = (step, loss, pLow, bandErrors, figure)
    }

    enum CodingKeys: String, CodingKey {
        case step, loss, figure
        case pLow = "p_low"
        case bandErrors = "band_errors"
    }

    public static let bandEdges = [0.0, 0.125, 0.25, 1.0]

    /// Relative error per radial band between the spectra of a reconstruction and its target. Without DC
    /// (`includingDC: false`) the lowest band leaves out [0, 0], where images hold most of their energy.
    public static func bandErrors<S: TensorScalar>(
        _ output: Spectrum<S>, target: Spectrum<S>, includingDC: Bool = true
    ) -> [Double] {
        var error = [Double](repeating: 0, count: bandEdges.count - 1), energy = error
        let (m, n) = (output.rows, output.columns)
        for p in 0..<(output.batch * output.channels) {
            for u in 0..<m {
                let fu = Double(SpectrumStatistics.signedFrequency(u, size: m)) / Double(m)
                for v in 0..<n {
                    if !includingDC && u == 0 && v == 0 { continue }
                    let fv = Double(SpectrumStatistics.signedFrequency(v, size: n)) / Double(n)
                    let r = (fu * fu + fv * fv).squareRoot()
                    guard
                        let band = (0..<(bandEdges.count - 1)).first(where: {
                            r >= bandEdges[$0] && r < bandEdges[$0 + 1]
                        })
                    else { continue }
                    let k = (p * m + u) * n + v
                    error[band] += Double((output.values[k] - target.values[k]).lengthSquared)
                    energy[band] += Double(target.values[k].lengthSquared)
                }
            }
        }
        return zip(error, energy).map { $1 > 0 ? $0 / $1 : 0 }
    }
}
