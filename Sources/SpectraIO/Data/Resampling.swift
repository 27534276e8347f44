import SpectraCore

/// Bringing images of any size to the size a model or experiment needs, as documented in the README: centre-crop to
/// the target aspect ratio (as `Image.crop`), then resample as Pillow's `Image.resize` does — its BOX filter when an
/// axis shrinks, its BILINEAR filter when an axis grows (the same as `align_corners=False` bilinear interpolation inside
/// the image, with Pillow's renormalised taps at the border). Pillow samples its filters at the input pixel centres,
/// so at non-integer ratios a partly covered pixel counts fully or not at all (it is not an area average); matching it
/// means a user's PIL/torchvision pipeline and ours see the same pixels. Checked against Pillow on float images
/// (`FileFormatTests.resamplingMatchesPillow`). Separable: rows, then columns.
package enum Resampling {
    package static func centreCropAndResize(_ image: Tensor<Float>, height: Int, width: Int) -> Tensor<Float> {
        precondition(image.rank == 4 && height > 0 && width > 0)
        let (h, w) = (image.height, image.width)
        // Largest centred window with the target aspect ratio.
        var cropH = h, cropW = Int((Double(h) * Double(width) / Double(height)).rounded())
        if cropW > w {
            cropW = w
            cropH = min(h, Int((Double(w) * Double(height) / Double(width)).rounded()))
        }
        let top = (h - cropH) / 2, left = (w - cropW) / 2
        return resample(
            image, rows: taps(from: cropH, to: height, offset: top),
            columns: taps(from: cropW, to: width, offset: left))
    }

    /// The whole image resampled to `height` × `width` (no crop): Pillow's `resize` with BOX or BILINEAR per axis.
    package static func resize(_ image: Tensor<Float>, height: Int, width: Int) -> Tensor<Float> {
        precondition(image.rank == 4 && height > 0 && width > 0)
        return resample(
            image, rows: taps(from: image.height, to: height, offset: 0),
            columns: taps(from: image.width, to: width, offset: 0))
    }

    private static func resample(
        _ image: Tensor<Float>, rows rowTaps: [[(Int, Double)]],
        columns columnTaps: [[(Int, Double)]]
    ) -> Tensor<Float> {
        let (h, w) = (image.height, image.width)
        let (height, width) = (rowTaps.count, columnTaps.count)
        var out = Tensor<Float>(zeros: [image.batch, image.channels, height, width])
        var rows = [Double](repeating: 0, count: height * w)
        for p in 0..<(image.batch * image.channels) {
            let src = p * h * w
            for i in rows.indices { rows[i] = 0 }
            for (y, taps) in rowTaps.enumerated() {
                for (i, weight) in taps {
                    for x in 0..<w { rows[y * w + x] += weight * Double(image.scalars[src + i * w + x]) }
                }
            }
            for y in 0..<height {
                for (x, taps) in columnTaps.enumerated() {
                    var sum = 0.0
                    for (j, weight) in taps { sum += weight * rows[y * w + j] }
                    out.scalars[(p * height + y) * width + x] = Float(sum)
                }
            }
        }
        return out
    }

    /// For each output index, the (input index, weight) taps along one axis of length `size` starting at `offset`:
    /// Pillow's `precompute_coeffs` (Resample.c) with the BOX filter (support ½) when shrinking and the triangle filter
    /// (support 1) when enlarging; the support scales with the ratio when shrinking, and taps are renormalised to sum 1.
    static func taps(from size: Int, to target: Int, offset: Int) -> [[(Int, Double)]] {
        if target == size { return (0..<target).map { [(offset + $0, 1.0)] } }
        let scale = Double(size) / Double(target)
        let shrinking = target < size
        let filterScale = max(scale, 1)
        let support = (shrinking ? 0.5 : 1.0) * filterScale
        func filter(_ x: Double) -> Double {
            if shrinking { return x > -0.5 && x <= 0.5 ? 1 : 0 }
            return max(0, 1 - abs(x))
        }
        return (0..<target).map { o in
            let centre = (Double(o) + 0.5) * scale
            let first = max(0, Int(centre - support + 0.5))
            let end = min(size, Int(centre + support + 0.5))
            var taps: [(Int, Double)] = []
            var total = 0.0
            for i in first..<max(first, end) {
                let weight = filter((Double(i) - centre + 0.5) / filterScale)
                if weight != 0 {
                    taps.append((offset + i, weight))
                    total += weight
                }
            }
            return taps.map { ($0.0, $0.1 / total) }
        }
    }
}
