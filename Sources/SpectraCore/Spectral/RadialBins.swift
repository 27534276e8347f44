import Foundation

/// The radial bins of an M × N frequency grid (docs/theory.md §7, "Radial profile"): frequency [u, v] belongs to bin
/// k when its radius r = √((u'/M)² + (v'/N)²) (signed u', v', cycles/pixel) rounds to k/L, L = max(M, N), for
/// k = 0 … ⌊L/2⌋; DC is alone in bin 0 and frequencies beyond Nyquist (r > ½, the corners) belong to none. Bins that
/// no frequency reaches (possible when M ≠ N) are dropped, so `frequency` and every profile have one entry per
/// occupied bin. Computed once per map size and shared by the dataset profile and the per-image spread.
public struct RadialBins: Sendable {
    public let rows: Int, columns: Int
    /// For each frequency (row-major, un-shifted), its index into `frequency`, or −1 beyond Nyquist.
    public let binOfFrequency: [Int32]
    /// Bin centres k/L in cycles per pixel, occupied bins only.
    public let frequency: [Double]
    /// How many frequencies fall in each bin.
    public let counts: [Int]
    /// Ω_low of p_low (§7) as a 0/1 mask over the grid (row-major, un-shifted): another per-grid table the analysis
    /// reads for every image, made once with the bins.
    public let lowFrequencyMask: [Double]

    /// The bins of an M×N map: one frequency step (1/max(M, N) cycles per pixel) per bin, DC alone in bin 0, frequencies
    /// past Nyquist (the corners) left out.
    ///
    /// Complexity: O(M·N), once per map size (`shared` caches them).
    public init(rows m: Int, columns n: Int) {
        rows = m
        columns = n
        let side = max(m, n), all = side / 2 + 1
        var raw = [Int](repeating: -1, count: m * n), rawCounts = [Int](repeating: 0, count: all)
        for u in 0..<m {
            let fu = Double(SpectrumStatistics.signedFrequency(u, size: m)) / Double(m)
            for v in 0..<n {
                let fv = Double(SpectrumStatistics.signedFrequency(v, size: n)) / Double(n)
                let r = (fu * fu + fv * fv).squareRoot()
                guard r <= 0.5 + 1e-12 else { continue }
                let bin = min(all - 1, Int((r * Double(side)).rounded()))
                raw[u * n + v] = bin
                rawCounts[bin] += 1
            }
        }
        var compact = [Int](repeating: -1, count: all)
        var frequency: [Double] = [], counts: [Int] = []
        for k in 0..<all where rawCounts[k] > 0 {
            compact[k] = frequency.count
            frequency.append(Double(k) / Double(side))
            counts.append(rawCounts[k])
        }
        binOfFrequency = raw.map { Int32($0 < 0 ? -1 : compact[$0]) }
        self.frequency = frequency
        self.counts = counts
        lowFrequencyMask = (0..<(m * n)).map {
            SpectrumStatistics.isLowFrequency(u: $0 / n, v: $0 % n, rows: m, columns: n) ? 1 : 0
        }
    }

    /// The mean of `map` / (M·N) over each bin: power per pixel when `map` is E|H|².
    public func profile(of map: [Double]) -> [Double] { map.withUnsafeBufferPointer { profile(of: $0) } }

    /// The same for a map in a buffer (an image's plane while the analysis folds a batch in, without copying it).
    public func profile(of values: UnsafeBufferPointer<Double>) -> [Double] {
        precondition(values.count == rows * columns)
        var sums = [Double](repeating: 0, count: frequency.count)
        binOfFrequency.withUnsafeBufferPointer { bins in
            for f in 0..<values.count where bins[f] >= 0 { sums[Int(bins[f])] += values[f] }
        }
        let pixels = Double(rows * columns)
        return zip(sums, counts).map { $0 / Double($1) / pixels }
    }

    /// The bins of an M × N grid, made once per size for the process (the analysis asks for them every batch).
    public static func shared(rows: Int, columns: Int) -> RadialBins {
        cache.bins(rows: rows, columns: columns)
    }

    private static let cache = Cache()

    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var bins: [[Int]: RadialBins] = [:]

        func bins(rows: Int, columns: Int) -> RadialBins {
            lock.lock()
            defer { lock.unlock() }
            if let known = bins[[rows, columns]] { return known }
            if bins.count >= 64 { bins.removeAll() }  // bounded: sizes of one model are few
            let made = RadialBins(rows: rows, columns: columns)
            bins[[rows, columns]] = made
            return made
        }
    }
}
