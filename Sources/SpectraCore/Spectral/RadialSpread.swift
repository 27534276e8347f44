import Foundation

/// How the radial power profile varies across the images of a dataset, in constant memory: for every radial bin
/// (`RadialBins`) a histogram of the per-image power per pixel in dB, 10·log10(E_c|H|²/MN), on fixed levels
/// `lowestDecibels` + k·`step`. Each image adds one count per bin, so any number of images costs the same memory, and
/// histograms of shards add up to the histogram of the whole dataset exactly (`merge`), which keeps `analyze --shard`
/// + `merge` equal to one run. Percentiles are read back to within one level (`step` = 0.5 dB, linear inside a
/// level); powers below the lowest level (exact zeros after nearest upsampling: −∞ dB) count in the lowest level.
public struct RadialSpread: Codable, Sendable, Equatable {
    public static let lowestDecibels = -240.0
    public static let step = 0.5
    /// Levels from −240 dB to +80 dB: float32 feature maps that are not degenerate lie well inside (the lowest level
    /// also holds exact zeros, the highest everything above). 640 levels × 4 bytes × bins: 166 KiB per stage of a 128 ×
    /// 128 map, whatever the number of images.
    public static let levels = 640

    public let bins: Int
    /// counts[bin · levels + level]
    public private(set) var counts: [UInt32]
    public private(set) var images = 0

    /// Empty histograms for `bins` radial bins.
    public init(bins: Int) {
        self.bins = bins
        counts = [UInt32](repeating: 0, count: bins * Self.levels)
    }

    /// Adds one image's radial profile (power per pixel, one value per bin).
    public mutating func add(profile: [Double]) {
        precondition(profile.count == bins)
        for (bin, power) in profile.enumerated() {
            counts[bin * Self.levels + Self.level(of: power)] += 1
        }
        images += 1
    }

    /// Adds another shard's histograms (same bins): the result is the histogram of both sets of images.
    public mutating func merge(_ other: RadialSpread) {
        precondition(other.bins == bins)
        for i in counts.indices { counts[i] += other.counts[i] }
        images += other.images
    }

    static func level(of power: Double) -> Int {
        guard power > 0 else { return 0 }
        let decibels = 10 * log10(power)
        guard decibels.isFinite else { return decibels > 0 ? levels - 1 : 0 }
        return min(levels - 1, max(0, Int(((decibels - lowestDecibels) / step).rounded(.down))))
    }

    /// The `q`-quantile (0 … 1) of the per-image power per pixel in each bin, interpolated linearly in dB inside the
    /// level where the cumulative count crosses q·images (nil without images).
    public func quantile(_ q: Double) -> [Double]? {
        guard images > 0 else { return nil }
        let target = min(max(q, 0), 1) * Double(images)
        return (0..<bins).map { bin in
            var below = 0.0
            for level in 0..<Self.levels {
                let count = Double(counts[bin * Self.levels + level])
                if count > 0 && below + count >= target {
                    let inside = (target - below) / count
                    let decibels = Self.lowestDecibels + (Double(level) + inside) * Self.step
                    return pow(10, decibels / 10)
                }
                below += count
            }
            return pow(10, (Self.lowestDecibels + Double(Self.levels) * Self.step) / 10)
        }
    }

    // Sparse on disk: the non-zero counts only (each image fills one level per bin, so most of the grid is empty).
    enum CodingKeys: String, CodingKey {
        case bins, images, levels, lowestDecibels = "lowest_db", step, nonZero = "non_zero"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        bins = try container.decode(Int.self, forKey: .bins)
        images = try container.decode(Int.self, forKey: .images)
        guard try container.decode(Int.self, forKey: .levels) == Self.levels,
            try container.decode(Double.self, forKey: .lowestDecibels) == Self.lowestDecibels,
            try container.decode(Double.self, forKey: .step) == Self.step
        else {
            throw SpectraError.invalidInput("radial spread histogram written with other levels than this version's")
        }
        guard bins >= 0, bins <= 1 << 16 else { throw SpectraError.invalidInput("radial spread with \(bins) bins") }
        counts = [UInt32](repeating: 0, count: bins * Self.levels)
        for pair in try container.decode([[Int]].self, forKey: .nonZero) {
            guard pair.count == 2, pair[0] >= 0, pair[0] < counts.count, pair[1] >= 0, pair[1] <= Int(UInt32.max) else {
                throw SpectraError.invalidInput("radial spread entry \(pair) is outside its histogram")
            }
            counts[pair[0]] = UInt32(pair[1])
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(bins, forKey: .bins)
        try container.encode(images, forKey: .images)
        try container.encode(Self.levels, forKey: .levels)
        try container.encode(Self.lowestDecibels, forKey: .lowestDecibels)
        try container.encode(Self.step, forKey: .step)
        try container.encode(counts.indices.filter { counts[$0] > 0 }.map { [$0, Int(counts[$0])] }, forKey: .nonZero)
    }
}
