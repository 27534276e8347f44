import ComplexModule
import RealModule

/// Measurements on spectrum maps, as docs/theory.md §7 defines them. Maps are un-shifted unless a name says "centred".
public enum SpectrumStatistics {
    /// Channel-averaged magnitude map of image b: mean_c |H^(c)_uv| (the maps of every figure in the paper).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func magnitudeMap<S: TensorScalar>(_ spectrum: Spectrum<S>, image b: Int) -> [Double] {
        let plane = spectrum.planeSize
        var map = [Double](repeating: 0, count: plane)
        for c in 0..<spectrum.channels {
            let base = (b * spectrum.channels + c) * plane
            for f in 0..<plane { map[f] += Double(spectrum.values[base + f].length) }
        }
        return map.map { $0 / Double(spectrum.channels) }
    }

    /// The magnitude map averaged over the images of the batch as well.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func meanMagnitudeMap<S: TensorScalar>(_ spectrum: Spectrum<S>) -> [Double] {
        var sum = [Double](repeating: 0, count: spectrum.planeSize)
        for b in 0..<spectrum.batch {
            for (f, value) in magnitudeMap(spectrum, image: b).enumerated() { sum[f] += value }
        }
        return sum.map { $0 / Double(spectrum.batch) }
    }

    /// SOM per frequency (docs/theory.md §1.1, §7 "SOM across depth"): E|H^(c)_uv|² over images, averaged over channels.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func secondOrderMoment<S: TensorScalar>(_ spectrum: Spectrum<S>) -> [Double] {
        let plane = spectrum.planeSize
        var som = [Double](repeating: 0, count: plane)
        for p in 0..<(spectrum.batch * spectrum.channels) {
            for f in 0..<plane {
                let z = spectrum.values[p * plane + f]
                som[f] += Double(z.real * z.real + z.imaginary * z.imaginary)
            }
        }
        return som.map { $0 / Double(spectrum.batch * spectrum.channels) }
    }

    /// fftshift: moves [0, 0] to [M/2, N/2] (⌊M/2⌋ as numpy), so that low frequencies sit in the middle.
    public static func centred(_ map: [Double], rows: Int, columns: Int) -> [Double] {
        var out = [Double](repeating: 0, count: map.count)
        for u in 0..<rows {
            for v in 0..<columns {
                out[((u + rows / 2) % rows) * columns + (v + columns / 2) % columns] = map[u * columns + v]
            }
        }
        return out
    }

    /// The signed frequency of index u on an axis of size M: u for u ≤ M/2, u − M above (indices near M−1 are low).
    @inlinable
    public static func signedFrequency(_ u: Int, size: Int) -> Int { u <= size / 2 ? u : u - size }

    /// Whether [u, v] lies in Ω_low (docs/theory.md §7, footnote 7): u ∈ [0, M/8) ∪ [7M/8, M) and v likewise.
    @inlinable
    public static func isLowFrequency(u: Int, v: Int, rows: Int, columns: Int) -> Bool {
        (8 * u < rows || 8 * u >= 7 * rows) && (8 * v < columns || 8 * v >= 7 * columns)
    }

    /// p_low (Fig. 4d): Σ_{Ω_low} E_c|H|² / Σ_all E_c|H|², per image, averaged over images. 0 for an all-zero map.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func lowFrequencyRatio<S: TensorScalar>(_ spectrum: Spectrum<S>) -> Double {
        let perImage = lowFrequencyRatioPerImage(spectrum)
        return perImage.reduce(0, +) / Double(perImage.count)
    }

    /// p_low of each image of the batch.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func lowFrequencyRatioPerImage<S: TensorScalar>(_ spectrum: Spectrum<S>) -> [Double] {
        let (m, n, plane) = (spectrum.rows, spectrum.columns, spectrum.planeSize)
        return (0..<spectrum.batch).map { b in
            var low = 0.0, all = 0.0
            for c in 0..<spectrum.channels {
                let base = (b * spectrum.channels + c) * plane
                for u in 0..<m {
                    for v in 0..<n {
                        let z = spectrum.values[base + u * n + v]
                        let power = Double(z.real * z.real + z.imaginary * z.imaginary)
                        all += power
                        if isLowFrequency(u: u, v: v, rows: m, columns: n) { low += power }
                    }
                }
            }
            return all > 0 ? low / all : 0
        }
    }

    /// Radially averaged power per pixel (docs/theory.md §7, "Radial profile"): the mean of E_c|H|²/(MN) over the
    /// frequencies whose radius r = √((u'/M)² + (v'/N)²) (signed u', v', cycles/pixel) rounds to k/L, L = max(M, N),
    /// for k = 0 … ⌊L/2⌋: bins one frequency step wide, DC alone in bin 0, nothing beyond Nyquist (the corners past
    /// r = 1/2 would otherwise show a false cliff). Per pixel, white noise of variance σ² reads σ² at every radius
    /// whatever the map size, so layers of different sizes share one axis.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func radialProfile<S: TensorScalar>(_ spectrum: Spectrum<S>) -> (frequency: [Double], power: [Double])
    {
        radialProfile(powerMap: secondOrderMoment(spectrum), rows: spectrum.rows, columns: spectrum.columns)
    }

    /// The radial profile of a power map E|H|² [rows × columns] (un-shifted), e.g. one averaged over a whole dataset.
    public static func radialProfile(
        powerMap som: [Double], rows m: Int, columns n: Int
    ) -> (frequency: [Double], power: [Double]) {
        let bins = RadialBins.shared(rows: m, columns: n)
        return (bins.frequency, bins.profile(of: som))
    }

    /// An angular slice of a power map E|H|² [rows × columns] (un-shifted): the power per pixel E|H|²/(MN) along the
    /// ray at `degrees` ∈ {0, 45, 90} (0: horizontal frequencies [0, k]; 90: vertical [k, 0]; 45: the diagonal
    /// [k·M/L, k·N/L] rounded, L = max(M, N)), k = 0 … up to Nyquist, each point averaged with its mirror [−u, −v]
    /// (equal for real inputs); frequency is the radius √((u'/M)² + (v'/N)²) in cycles/pixel. Directional artefacts
    /// (the zero-padding cross on the axes, a grid from strided layers) show up as differences between slices.
    public static func angularSlice(
        powerMap som: [Double], rows m: Int, columns n: Int, degrees: Int
    ) -> (frequency: [Double], power: [Double]) {
        let side = max(m, n)
        var frequency: [Double] = [], power: [Double] = []
        var seen = Set<Int>()
        for k in 0...(side / 2) {
            let (su, sv): (Int, Int)
            switch degrees {
            case 0: (su, sv) = (0, k)
            case 90: (su, sv) = (k, 0)
            default:
                (su, sv) = (
                    Int((Double(k * m) / Double(side)).rounded()), Int((Double(k * n) / Double(side)).rounded())
                )
            }
            guard 2 * su <= m, 2 * sv <= n, seen.insert(su * n + sv).inserted else { continue }
            let (u, v) = (su % m, sv % n), (mu, mv) = ((m - su) % m, (n - sv) % n)
            frequency.append((Double(su * su) / Double(m * m) + Double(sv * sv) / Double(n * n)).squareRoot())
            power.append((som[u * n + v] + som[mu * n + mv]) / 2 / Double(m * n))
        }
        return (frequency, power)
    }

    /// The power of the radial-profile bin whose centre is nearest to `radius` (cycles per pixel); NaN for an empty
    /// profile. Profiles read from files may hold arrays of different lengths: only the common prefix is used.
    /// `excludingDC`: only bins off DC (a small radius on a small map must not read the DC bin).
    public static func power(
        atRadius radius: Double, frequency: [Double], power: [Double], excludingDC: Bool = false
    ) -> Double {
        let bins = (0..<min(frequency.count, power.count)).filter { !excludingDC || frequency[$0] > 0 }
        guard let index = bins.min(by: { abs(frequency[$0] - radius) < abs(frequency[$1] - radius) }) else {
            return .nan
        }
        return power[index]
    }

    /// sim(H*, H) of docs/theory.md §7 (Sec. 3.2): cosine similarity of the magnitude maps |H*^(c)| and |H^(c)|, per channel,
    /// averaged over channels and images. Two all-zero maps count as similarity 1; one all-zero map as 0.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func cosineSimilarity<S: TensorScalar>(_ reference: Spectrum<S>, _ predicted: Spectrum<S>) -> Double {
        let perImage = cosineSimilarityPerImage(reference, predicted)
        return perImage.reduce(0, +) / Double(perImage.count)
    }

    /// sim(H*, H) for each image of the batch (channel-averaged), for means and spreads over samples.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func cosineSimilarityPerImage<S: TensorScalar>(
        _ reference: Spectrum<S>, _ predicted: Spectrum<S>
    ) -> [Double] {
        precondition(reference.shape == predicted.shape, "cosineSimilarity: shapes differ")
        return comparison(reference, predicted).similarityPerImage
    }

    /// sim(H*, H) per image (as `cosineSimilarityPerImage`) and ‖H_pred − H‖ / ‖H‖ (as `Spectrum.relativeError`) in one
    /// pass over both spectra (`TensorScalar.foldPlane`), in Float64 (the magnitudes as √(re² + im²): spectra of finite
    /// float32 maps cannot overflow it).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func comparison<S: TensorScalar>(
        _ reference: Spectrum<S>, _ predicted: Spectrum<S>
    )
        -> (similarityPerImage: [Double], relativeError: Double)
    {
        precondition(reference.shape == predicted.shape, "comparison: shapes differ")
        let plane = reference.planeSize, channels = reference.channels
        var similarities: [Double] = []
        var difference = 0.0, norm = 0.0
        reference.values.withUnsafeBufferPointer { r in
            predicted.values.withUnsafeBufferPointer { q in
                for b in 0..<reference.batch {
                    var total = 0.0
                    for c in 0..<channels {
                        let offset = (b * channels + c) * plane
                        let sums = fold(
                            actual: r.baseAddress! + offset, predicted: q.baseAddress! + offset, count: plane)
                        total += sums.similarity
                        difference += sums.difference
                        norm += sums.reference
                    }
                    similarities.append(total / Double(channels))
                }
            }
        }
        return (similarities, norm > 0 ? (difference / norm).squareRoot() : difference.squareRoot())
    }

    /// |z|² of `count` complex values, in Float64.
    @inlinable
    package static func powers<S: TensorScalar>(
        _ z: UnsafePointer<Complex<S>>, _ count: Int, into power: UnsafeMutablePointer<Double>
    ) {
        parts(z, count) { parts in
            for f in 0..<count {
                let (re, im) = (parts[2 * f].float64, parts[2 * f + 1].float64)
                power[f] = re * re + im * im
            }
        }
    }

    /// `count` complex values as 2·count interleaved (re, im) scalars. Hot loops read them this way: `Complex.real`
    /// and `.imaginary` check finiteness on every read (non-finite values read as NaN), which stops vectorisation.
    @inlinable
    package static func parts<S: TensorScalar, R>(
        _ z: UnsafePointer<Complex<S>>, _ count: Int, _ body: (UnsafePointer<S>) -> R
    ) -> R {
        z.withMemoryRebound(to: S.self, capacity: 2 * count, body)
    }

    /// Σ of `count` values in four independent lanes (a single running sum would wait on itself every element).
    @inlinable
    package static func sum(_ values: UnsafePointer<Double>, _ count: Int) -> Double {
        var lanes = SIMD4<Double>()
        var f = 0
        while f + 4 <= count {
            lanes += UnsafeRawPointer(values + f).loadUnaligned(as: SIMD4<Double>.self)
            f += 4
        }
        var total = lanes.sum()
        while f < count {
            total += values[f]
            f += 1
        }
        return total
    }
}
