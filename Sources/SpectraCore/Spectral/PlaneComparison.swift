import ComplexModule

/// The sums that compare one channel plane of a predicted spectrum y with the actual spectrum x (docs/theory.md §7):
/// Σ|y − x|², Σ|x|², Σ|y|² and Σ|x|·|y|. Relative errors and similarities of whole spectra are ratios of their totals.
public struct PlaneComparison: Sendable, Equatable {
    public var difference = 0.0, reference = 0.0, predicted = 0.0, magnitudeProduct = 0.0

    /// The sums of a comparison (zeros: nothing compared yet).
    public init(difference: Double = 0, reference: Double = 0, predicted: Double = 0, magnitudeProduct: Double = 0) {
        (self.difference, self.reference, self.predicted) = (difference, reference, predicted)
        self.magnitudeProduct = magnitudeProduct
    }

    /// sim of this plane: the cosine similarity of the magnitude maps, Σ|x|·|y| / √(Σ|x|² · Σ|y|²); two all-zero
    /// planes count as 1, one all-zero plane as 0.
    public var similarity: Double {
        if reference == 0 && predicted == 0 { return 1 }
        guard reference > 0 && predicted > 0 else { return 0 }
        return magnitudeProduct / (reference * predicted).squareRoot()
    }
}

extension SpectrumStatistics {
    /// One pass over `count` complex values of an actual spectrum (`TensorScalar.foldPlane`): adds |x|² to `power`
    /// and |x|·`magnitudeScale` to `magnitude`, each where given, and returns the comparison with
    /// `predicted` (all zeros without one).
    package static func fold<S: TensorScalar>(
        actual: UnsafePointer<Complex<S>>, predicted: UnsafePointer<Complex<S>>?, count: Int,
        power: UnsafeMutablePointer<Double>? = nil, magnitude: UnsafeMutablePointer<Double>? = nil,
        magnitudeScale: Double = 1
    ) -> PlaneComparison {
        var sums = (0.0, 0.0, 0.0, 0.0)
        withUnsafeMutablePointer(to: &sums) { tuple in
            tuple.withMemoryRebound(to: Double.self, capacity: 4) { pointer in
                S.foldPlane(
                    UnsafeRawPointer(actual), predicted: predicted.map(UnsafeRawPointer.init), count: count,
                    power: power, magnitude: magnitude, magnitudeScale: magnitudeScale, sums: pointer)
            }
        }
        return PlaneComparison(difference: sums.0, reference: sums.1, predicted: sums.2, magnitudeProduct: sums.3)
    }
}
