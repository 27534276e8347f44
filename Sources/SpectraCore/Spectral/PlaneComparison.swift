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

/// The non-redundant half of an M × N spectrum of a real map: the rows 0 … ⌊M/2⌋ hold a member of every conjugate
/// pair, H(M − u, (N − v) mod N) = conj H(u, v) (docs/theory.md §1.2), so statistics of magnitudes fold these rows
/// only and mirror the others: half the work. Rows that are their own mirror image (row 0, and row M/2 for even M)
/// stand for themselves; every other folded row also for its mirror row, so sums over the whole plane count it twice.
package struct HermitianHalf: Sendable {
    package let rows: Int, columns: Int
    /// The folded rows that are their own mirror image (made once: `fold` reads them for every plane).
    package let selfMirroredRows: [Int]

    package init(rows: Int, columns: Int) {
        (self.rows, self.columns) = (rows, columns)
        selfMirroredRows = rows % 2 == 0 && rows > 1 ? [0, rows / 2] : [0]
    }

    /// The rows folded (computed): 0 … ⌊M/2⌋.
    package var foldedRows: Int { rows / 2 + 1 }

    /// The values folded: rows 0 … ⌊M/2⌋, a prefix of the plane.
    package var count: Int { foldedRows * columns }

    /// Sets rows ⌊M/2⌋ + 1 ..< M of a map to their mirror images, map(u, v) = map(M − u, (N − v) mod N).
    package func mirror(_ map: UnsafeMutablePointer<Double>) {
        for u in foldedRows..<max(foldedRows, rows) {
            let (row, source) = (map + u * columns, map + (rows - u) * columns)
            row[0] = source[0]
            for v in 1..<max(1, columns) { row[v] = source[columns - v] }
        }
    }

    /// Sets rows ⌊M/2⌋ + 1 ..< M of a spectrum plane to the conjugate mirror images of the folded rows,
    /// H(u, v) = conj H(M − u, (N − v) mod N): the whole spectrum of a real map from its computed half.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    package func mirrorConjugate<S: TensorScalar>(_ plane: UnsafeMutablePointer<Complex<S>>) {
        for u in foldedRows..<max(foldedRows, rows) {
            let (row, source) = (plane + u &* columns, plane + (rows &- u) &* columns)
            row[0] = source[0].conjugate
            for v in 1..<max(1, columns) { row[v] = source[columns &- v].conjugate }
        }
    }

    /// `SpectrumStatistics.fold` over the folded rows only (|x|² into `power`, |x|·scale into `magnitude`, each where
    /// given), with the comparison against `predicted` weighted to stand for the whole plane.
    package func fold<S: TensorScalar>(
        actual: UnsafePointer<Complex<S>>, predicted: UnsafePointer<Complex<S>>?,
        power: UnsafeMutablePointer<Double>? = nil, magnitude: UnsafeMutablePointer<Double>? = nil,
        magnitudeScale: Double = 1
    ) -> PlaneComparison {
        let folded = SpectrumStatistics.fold(
            actual: actual, predicted: predicted, count: count, power: power, magnitude: magnitude,
            magnitudeScale: magnitudeScale)
        guard let predicted else { return folded }
        var once = PlaneComparison()
        for row in selfMirroredRows {
            let sums = SpectrumStatistics.fold(
                actual: actual + row * columns, predicted: predicted + row * columns, count: columns)
            once.difference += sums.difference
            once.reference += sums.reference
            once.predicted += sums.predicted
            once.magnitudeProduct += sums.magnitudeProduct
        }
        return PlaneComparison(
            difference: 2 * folded.difference - once.difference, reference: 2 * folded.reference - once.reference,
            predicted: 2 * folded.predicted - once.predicted,
            magnitudeProduct: 2 * folded.magnitudeProduct - once.magnitudeProduct)
    }
}
