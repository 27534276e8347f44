import RealModule
import SpectraCore

extension Upsample {
    /// Zero insertion: exact tiling (Theorem 4.4). Nearest: exact, tiling times the r×r box response
    /// D_r(uπ/M) e^{−i(r−1)uπ/M} per axis (docs/theory.md §2.4 [D]). Bilinear: zero insertion followed by the interpolation
    /// filter taken circularly — a surrogate, since PyTorch clamps at the borders instead of wrapping.
    public func spectralRule(for input: [Int]) -> SpectralRule {
        switch mode {
        case .zeros: return .exact("Theorem 4.4 (Eq. 11): spectrum tiled")
        case .nearest: return .exact("§2.4 nearest rule: tiling × box response")
        case .bilinear:
            return scaleFactor == 1
                ? .exact("identity") : .surrogate("bilinear border clamping replaced by circular wrap")
        }
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func propagate<S: TensorScalar>(_ spectrum: Spectrum<S>) throws -> Spectrum<S> {
        let r = scaleFactor
        switch mode {
        case .zeros:
            return SpectralOperations.tile(spectrum, factor: r)
        case .nearest:
            let box = (0..<r).map { (offset: $0, weight: 1.0) }
            return SpectralOperations.tile(
                spectrum, factor: r,
                rowResponse: SpectralOperations.filterResponse(taps: box, size: spectrum.rows * r),
                columnResponse: SpectralOperations.filterResponse(taps: box, size: spectrum.columns * r))
        case .bilinear:
            guard r > 1 else { return spectrum }
            let rowTaps = bilinearTaps(inSize: spectrum.rows), columnTaps = bilinearTaps(inSize: spectrum.columns)
            return SpectralOperations.tile(
                spectrum, factor: r,
                rowResponse: SpectralOperations.filterResponse(taps: rowTaps, size: spectrum.rows * r),
                columnResponse: SpectralOperations.filterResponse(taps: columnTaps, size: spectrum.columns * r))
        }
    }

    /// The bilinear interpolation written as a filter h on the zero-inserted signal: out[m] = Σ_k h[k] z[m − k],
    /// read off an interior output period (where PyTorch's taps do not touch the border).
    private func bilinearTaps(inSize: Int) -> [(offset: Int, weight: Double)] {
        let r = scaleFactor
        let taps = interpolationTaps(inSize: max(inSize, 4) + 4, outSize: (max(inSize, 4) + 4) * r)
        var h: [Int: Double] = [:]
        let start = 2 * r  // an interior period
        for m in start..<(start + r) {
            let tap = taps[m]
            h[m - r * tap.low, default: 0] += 1 - tap.weight
            h[m - r * tap.high, default: 0] += tap.weight
        }
        return h.sorted { $0.key < $1.key }.map { (offset: $0.key, weight: $0.value) }
    }
}
