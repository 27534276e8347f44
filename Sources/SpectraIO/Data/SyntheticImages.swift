import ComplexModule
import RealModule
import SpectraCore

/// Built-in natural-like images, deterministic from a seed, so that the default run needs no downloads.
/// Natural images have power spectra falling roughly as 1/f² (docs/theory.md §4.5, B.4); dead leaves and pink noise
/// reproduce that; white noise is the flat-spectrum control.
public enum SyntheticImages {
    /// The built-in image generators.
    public enum Kind: String, CaseIterable, Sendable {
        /// The dead-leaves model: opaque discs with power-law radii (density ∝ r⁻³) painted over each other,
        /// giving sharp edges, occlusion and a ~1/f² spectrum.
        case deadLeaves = "dead-leaves"
        /// Gaussian noise shaped to a 1/f amplitude spectrum (smooth, no edges).
        case pinkNoise = "pink-noise"
        /// Independent pixels, N(0.5, 0.15²) clipped to [0, 1]: a flat spectrum, the control where the data favour no
        /// frequency band (E3).
        case whiteNoise = "white-noise"
    }

    /// A [count, channels, height, width] batch in [0, 1].
    /// `generate`, after checking the batch against `ResourceLimits` (for counts and sizes that come from options or
    /// from a model file's declared input).
    public static func checkedGenerate(
        _ kind: Kind, count: Int, channels: Int, height: Int, width: Int, seed: UInt64
    ) throws -> Tensor<Float> {
        guard count > 0, channels > 0, height > 0, width > 0 else {
            throw SpectraError.invalidInput("built-in images need a positive count, channel count and size")
        }
        try ResourceLimits.checkAllocation(
            [count, channels, height, width], layer: "built-in \(kind.rawValue) images",
            what: "the batch")
        return generate(kind, count: count, channels: channels, height: height, width: width, seed: seed)
    }

    /// `count` images [count, channels, height, width] of `kind`, deterministic from `seed`.
    public static func generate(
        _ kind: Kind, count: Int, channels: Int, height: Int, width: Int, seed: UInt64
    ) -> Tensor<Float> {
        var generator = SeededGenerator(seed: seed)
        var batch = Tensor<Float>(zeros: [count, channels, height, width])
        let plane = channels * height * width
        for b in 0..<count {
            batch.scalars.replaceSubrange(
                (b * plane)..<((b + 1) * plane),
                with: image(kind, channels: channels, height: height, width: width, generator: &generator))
        }
        return batch
    }

    /// The next image of the seeded sequence that `generate` returns as a batch ([C·H·W] values): drawing images
    /// one batch at a time with one generator gives exactly the images of one `generate` call.
    public static func image(
        _ kind: Kind, channels: Int, height: Int, width: Int, generator: inout SeededGenerator
    ) -> [Float] {
        switch kind {
        case .deadLeaves: return deadLeaves(channels: channels, height: height, width: width, generator: &generator)
        case .pinkNoise: return pinkNoise(channels: channels, height: height, width: width, generator: &generator)
        case .whiteNoise:
            return (0..<(channels * height * width)).map { _ in
                Float(min(1, max(0, 0.5 + 0.15 * generator.nextNormal())))
            }
        }
    }

    private static func deadLeaves(channels: Int, height: Int, width: Int, generator: inout SeededGenerator) -> [Float]
    {
        var image = [Float](repeating: 0, count: channels * height * width)
        func colour() -> [Float] {
            let grey = generator.nextUniform()
            return (0..<channels).map { _ in Float(min(1, max(0, grey + 0.25 * (generator.nextUniform() - 0.5)))) }
        }
        let background = colour()
        for c in 0..<channels { for i in 0..<(height * width) { image[c * height * width + i] = background[c] } }
        let size = Double(max(height, width))
        let (rMin, rMax) = (max(1.5, size / 40), size / 2.5)
        // Enough discs to cover the image a few times over (most are near rMin under the r⁻³ law).
        let discs = Int(2 * Double(height * width) / (Double.pi * rMin * rMin)) + 20
        for _ in 0..<discs {
            // Inverse CDF of the density ∝ r⁻³ on [rMin, rMax].
            let u = generator.nextUniform()
            let r = 1 / (1 / (rMin * rMin) - u * (1 / (rMin * rMin) - 1 / (rMax * rMax))).squareRoot()
            let cy = generator.nextUniform(-r, Double(height) + r), cx = generator.nextUniform(-r, Double(width) + r)
            let fill = colour()
            let y0 = max(0, Int(cy - r)), y1 = min(height - 1, Int(cy + r))
            let x0 = max(0, Int(cx - r)), x1 = min(width - 1, Int(cx + r))
            guard y0 <= y1, x0 <= x1 else { continue }
            for y in y0...y1 {
                for x in x0...x1 {
                    let dy = Double(y) + 0.5 - cy, dx = Double(x) + 0.5 - cx
                    if dy * dy + dx * dx <= r * r {
                        for c in 0..<channels { image[(c * height + y) * width + x] = fill[c] }
                    }
                }
            }
        }
        return image
    }

    private static func pinkNoise(channels: Int, height: Int, width: Int, generator: inout SeededGenerator) -> [Float] {
        let noise = Tensor<Double>(shape: [1, channels, height, width]) { _ in generator.nextNormal() }
        var spectrum = FFT2D.forward(noise)
        for c in 0..<channels {
            for u in 0..<height {
                for v in 0..<width {
                    let fu = Double(SpectrumStatistics.signedFrequency(u, size: height)) / Double(height)
                    let fv = Double(SpectrumStatistics.signedFrequency(v, size: width)) / Double(width)
                    let f = (fu * fu + fv * fv).squareRoot()
                    let gain = u == 0 && v == 0 ? 0 : 1 / max(f, 1 / Double(max(height, width)))
                    spectrum[0, c, u, v] = spectrum[0, c, u, v].multiplied(by: gain)
                }
            }
        }
        let field = FFT2D.inverse(spectrum).scalars
        let (low, high) = (field.min() ?? 0, field.max() ?? 1)
        let range = high > low ? high - low : 1
        return field.map { Float(($0 - low) / range) }
    }
}
