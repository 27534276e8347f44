/// Perceptually uniform colour maps (matplotlib's viridis and magma), as 6th-degree polynomial fits of the
/// published tables (within 5 levels of 255 of matplotlib's values in each channel; checked in FigureTests).
package enum Colormap: String, Sendable, CaseIterable {
    case viridis, magma
    /// Diverging blue – white – red (as matplotlib's RdBu reversed), for signed differences centred on 0.
    case balance

    /// Blue (#2166ac) at 0, white at 1/2, red (#b2182b) at 1, linear in between.
    private static func diverging(_ x: Double) -> (UInt8, UInt8, UInt8) {
        let (blue, red) = ((33.0, 102.0, 172.0), (178.0, 24.0, 43.0))
        let (end, f) = x < 0.5 ? (blue, 1 - 2 * x) : (red, 2 * x - 1)
        func mix(_ e: Double) -> UInt8 { UInt8((255 + (e - 255) * f).rounded()) }
        return (mix(end.0), mix(end.1), mix(end.2))
    }

    private var coefficients: [(Double, Double, Double)] {
        switch self {
        case .balance:
            return []
        case .viridis:
            return [
                (0.2777273272234177, 0.005407344544966578, 0.3340998053353061),
                (0.1050930431085774, 1.404613529898575, 1.384590162594685),
                (-0.3308618287255563, 0.214847559468213, 0.09509516302823659),
                (-4.634230498983486, -5.799100973351585, -19.33244095627987),
                (6.228269936347081, 14.17993336680509, 56.69055260068105),
                (4.776384997670288, -13.74514537774601, -65.35303263337234),
                (-5.435455855934631, 4.645852612178535, 26.3124352495832),
            ]
        case .magma:
            return [
                (-0.002136485053939582, -0.000749655052795221, -0.005386127855323933),
                (0.2516605407371642, 0.6775232436837668, 2.494026599312351),
                (8.353717279216625, -3.577719514958484, 0.3144679030132573),
                (-27.66873308576866, 14.26473078096533, -13.64921318813922),
                (52.17613981234068, -27.94360607168351, 12.94416944238394),
                (-50.76852536473588, 29.04658282127291, 4.23415299384598),
                (18.65570506591883, -11.48977351997711, -5.601961508734096),
            ]
        }
    }

    /// The colour at t ∈ [0, 1] (clamped) as 8-bit RGB.
    package func colour(at t: Double) -> (UInt8, UInt8, UInt8) {
        let x = t.isFinite ? min(1, max(0, t)) : 0
        if self == .balance { return Self.diverging(x) }
        var r = 0.0, g = 0.0, b = 0.0
        for c in coefficients.reversed() {
            r = r * x + c.0
            g = g * x + c.1
            b = b * x + c.2
        }
        func byte(_ v: Double) -> UInt8 { UInt8(min(255, max(0, (v * 255).rounded()))) }
        return (byte(r), byte(g), byte(b))
    }
}
