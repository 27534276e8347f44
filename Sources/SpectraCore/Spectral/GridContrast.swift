/// How bright the repeat grid of Theorem 4.4 is in a channel-averaged magnitude map (docs/theory.md §5, §8 E10):
/// the frequencies [a·P, b·Q] (DC excluded), P × Q the map size before upsampling, each against its own neighbours.
///
/// A grid point off the axes is compared with the off-grid, off-axis frequencies at the same radius (the ring of
/// frequencies whose radius rounds to the same multiple of 1/max(M, N)); a grid point on the u = 0 or v = 0 axis with the off-grid frequencies of the same axis within
/// half a period. Comparing like with like matters: zero padding brightens both axes as a whole (the border cross
/// of Theorem 4.3), and a contrast of axis points against off-axis points would report that cross as a grid.
public struct GridContrast: Sendable, Codable, Equatable {
    /// Mean magnitude of the off-axis grid points over that of their rings; nil when the grid has no such point.
    public var offAxes: Double?
    /// Mean magnitude of the axis grid points over that of the rest of their axes; nil without such points.
    public var onAxes: Double?

    /// The contrast of a centred-or-not magnitude map (un-shifted layout, [u·columns + v]) of size rows × columns.
    public init(map: [Double], rows m: Int, columns n: Int, period: (rows: Int, columns: Int)) {
        precondition(map.count == m * n, "map of \(map.count) values for \(m)x\(n)")
        let (p, q) = (max(1, period.rows), max(1, period.columns))
        func signed(_ u: Int, _ size: Int) -> Int { SpectrumStatistics.signedFrequency(u, size: size) }
        func radius(_ u: Int, _ v: Int) -> Double {
            let (a, b) = (Double(signed(u, m)) / Double(m), Double(signed(v, n)) / Double(n))
            return (a * a + b * b).squareRoot()
        }
        func onGrid(_ u: Int, _ v: Int) -> Bool { u % p == 0 && v % q == 0 }
        // Off-grid, off-axis magnitudes summed per ring, in one pass (O(MN) whatever the number of grid points).
        let scale = Double(max(m, n))
        func ring(_ u: Int, _ v: Int) -> Int { Int((radius(u, v) * scale).rounded()) }
        var ringSum = [Double](repeating: 0, count: Int(scale) + 2),
            ringCount = [Int](repeating: 0, count: Int(scale) + 2)
        for x in 1..<max(m, 1) {
            for y in 1..<max(n, 1) where !onGrid(x, y) {
                ringSum[ring(x, y)] += map[x * n + y]
                ringCount[ring(x, y)] += 1
            }
        }
        // An axis grid point against the off-grid points of its own axis within half a period: `index(k)` is the map
        // index of position k along the axis (size `size`, period `period`), `at` the grid point's position.
        func axisReference(at k0: Int, size: Int, period: Int, index: (Int) -> Int) -> Double? {
            let centre = signed(k0, size)
            let neighbours = (1..<max(size, 1)).filter {
                $0 % period != 0 && abs(signed($0, size) - centre) <= period / 2
            }
            return neighbours.isEmpty ? nil : neighbours.map { map[index($0)] }.reduce(0, +) / Double(neighbours.count)
        }
        var offGrid = 0.0, offRing = 0.0, onGrid_ = 0.0, onLine = 0.0
        var offCount = 0, axisCount = 0
        for u in stride(from: 0, to: m, by: p) {
            for v in stride(from: 0, to: n, by: q) where u != 0 || v != 0 {
                if u != 0 && v != 0 {
                    let count = ringCount[ring(u, v)]
                    guard count > 0 else { continue }
                    offGrid += map[u * n + v]
                    offRing += ringSum[ring(u, v)] / Double(count)
                    offCount += 1
                } else {
                    let reference =
                        u == 0
                        ? axisReference(at: v, size: n, period: q) { $0 }
                        : axisReference(at: u, size: m, period: p) { $0 * n }
                    guard let reference else { continue }
                    onGrid_ += map[u * n + v]
                    onLine += reference
                    axisCount += 1
                }
            }
        }
        offAxes = offCount > 0 && offRing > 0 ? offGrid / offRing : nil
        onAxes = axisCount > 0 && onLine > 0 ? onGrid_ / onLine : nil
    }

    /// The contrast of a spectrum's channel- and image-averaged magnitude map.
    public init<S: TensorScalar>(_ spectrum: Spectrum<S>, period: (rows: Int, columns: Int)) {
        self.init(
            map: SpectrumStatistics.meanMagnitudeMap(spectrum), rows: spectrum.rows, columns: spectrum.columns,
            period: period)
    }
}
