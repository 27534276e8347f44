import RealModule

/// The power of one image's spectrum split into the parts that the paper's padding, weight-mean, placement and
/// kernel-size figures compare (docs/theory.md §7, "Band metrics"): DC, the low band Ω_low without DC, and the rest
/// (the high band), each split again into the u = 0 / v = 0 axes and the frequencies off them.
///
/// Why the split: feature maps of random conv nets hold ≥ 99 % of their energy at DC, so p_low (which includes DC)
/// moves with the DC share; and zero padding adds a border "cross" of energy on the axes (Theorem 4.3's τ is
/// largest there), which can dominate a comparison that is meant to be about the shape of the spectrum.
///
/// Powers are channel-mean |H|² divided by (M·N)², so that by Parseval the sum of all parts is the mean square of the
/// image's feature values and the DC part the channel mean of each channel's squared mean (comparable across map
/// sizes).
public struct BandPowers: Sendable, Equatable {
    public var dc = 0.0
    public var lowOnAxes = 0.0
    public var lowOffAxes = 0.0
    public var highOnAxes = 0.0
    public var highOffAxes = 0.0

    public init() {}

    public var total: Double { dc + lowOnAxes + lowOffAxes + highOnAxes + highOffAxes }
    /// Ω_low energy without DC.
    public var low: Double { lowOnAxes + lowOffAxes }
    public var high: Double { highOnAxes + highOffAxes }

    /// The band powers of every image of the batch.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func perImage<S: TensorScalar>(_ spectrum: Spectrum<S>) -> [BandPowers] {
        let (m, n, plane) = (spectrum.rows, spectrum.columns, spectrum.planeSize)
        let scale = 1 / (Double(plane) * Double(plane) * Double(spectrum.channels))
        return spectrum.values.withUnsafeBufferPointer { values in
            (0..<spectrum.batch).map { b in
                var parts = BandPowers()
                for c in 0..<spectrum.channels {
                    let base = (b * spectrum.channels + c) * plane
                    for u in 0..<m {
                        for v in 0..<n {
                            let z = values[base + u * n + v]
                            let power = Double(z.real) * Double(z.real) + Double(z.imaginary) * Double(z.imaginary)
                            parts.add(power, u: u, v: v, rows: m, columns: n)
                        }
                    }
                }
                return parts.scaled(by: scale)
            }
        }
    }

    mutating func add(_ power: Double, u: Int, v: Int, rows: Int, columns: Int) {
        let onAxis = u == 0 || v == 0
        if u == 0 && v == 0 {
            dc += power
        } else if SpectrumStatistics.isLowFrequency(u: u, v: v, rows: rows, columns: columns) {
            if onAxis { lowOnAxes += power } else { lowOffAxes += power }
        } else {
            if onAxis { highOnAxes += power } else { highOffAxes += power }
        }
    }

    func scaled(by factor: Double) -> BandPowers {
        var result = self
        result.dc *= factor
        result.lowOnAxes *= factor
        result.lowOffAxes *= factor
        result.highOnAxes *= factor
        result.highOffAxes *= factor
        return result
    }
}

/// A number read off `BandPowers`: the ratios that the paper plots and the absolute energies behind them.
public enum BandMetric: String, CaseIterable, Codable, Sendable {
    /// p_low as the paper defines it (Fig. 4d), DC included.
    case lowRatio = "p_low"
    /// p_low without DC: Ω_low \ {DC} over everything but DC (the shape of the spectrum, free of the DC share).
    case lowRatioWithoutDC = "p_low_no_dc"
    /// p_low without DC and without the u = 0 / v = 0 axes (free of the zero-padding border cross too).
    case lowRatioOffAxes = "p_low_no_dc_off_axes"
    /// Energy in Ω_low without DC.
    case lowEnergy = "low_energy_no_dc"
    /// Energy outside Ω_low.
    case highEnergy = "high_energy"
    /// Energy in Ω_low without DC, off the axes.
    case lowEnergyOffAxes = "low_energy_no_dc_off_axes"
    /// Energy outside Ω_low, off the axes.
    case highEnergyOffAxes = "high_energy_off_axes"

    /// Ratios are compared by their difference; energies (whose scale changes with every weight draw) by the log of
    /// their ratio.
    public var isRatio: Bool { self == .lowRatio || self == .lowRatioWithoutDC || self == .lowRatioOffAxes }

    /// This metric read off the band powers of one map.
    public func value(_ p: BandPowers) -> Double {
        func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : 0 }
        switch self {
        case .lowRatio: return ratio(p.dc + p.low, p.total)
        case .lowRatioWithoutDC: return ratio(p.low, p.low + p.high)
        case .lowRatioOffAxes: return ratio(p.lowOffAxes, p.lowOffAxes + p.highOffAxes)
        case .lowEnergy: return p.low
        case .highEnergy: return p.high
        case .lowEnergyOffAxes: return p.lowOffAxes
        case .highEnergyOffAxes: return p.highOffAxes
        }
    }

    /// The paired effect of network a over network b on the same images: the mean difference for ratios, the log of
    /// the ratio of image-averaged energies otherwise.
    public func effect(_ a: [BandPowers], over b: [BandPowers]) -> Double {
        let x = a.map(value), y = b.map(value)
        if isRatio { return zip(x, y).map { $0 - $1 }.reduce(0, +) / Double(max(x.count, 1)) }
        let sx = x.reduce(0, +), sy = y.reduce(0, +)
        return sx > 0 && sy > 0 ? Double.log(sx / sy) : 0
    }
}
