/// Bringing images of any size to the size a model or experiment needs, as documented in the README:
/// centre-crop to the target aspect ratio, then resample — area averaging when shrinking (each output pixel is the
/// mean of the input area it covers, like PIL's BOX filter), bilinear interpolation (align_corners=false) when
/// enlarging. Separable: rows, then columns.
public enum Resampling {
    public static func centreCropAndResize(_ image: Tensor<Float>, height: Int, width: Int) -> Tensor<Float> {
        precondition(image.rank == 4 && height > 0 && width > 0)
        let (h, w) = (image.height, image.width)
        // Largest centred window with the target aspect ratio.
        var cropH = h, cropW = Int((Double(h) * Double(width) / Double(height)).rounded())
        if cropW > w {
            cropW = w
            cropH = min(h, Int((Double(w) * Double(height) / Double(width)).rounded()))
        }
        let top = (h - cropH) / 2, left = (w - cropW) / 2
        let rowWeights = weights(from: cropH, to: height, offset: top)
        let columnWeights = weights(from: cropW, to: width, offset: left)
        var out = Tensor<Float>(zeros: [image.batch, image.channels, height, width])
        for p in 0..<(image.batch * image.channels) {
            let src = p * h * w
            var rows = [Double](repeating: 0, count: height * w)
            for (y, taps) in rowWeights.enumerated() {
                for (i, weight) in taps { for x in 0..<w { rows[y * w + x] += weight * Double(image.scalars[src + i * w + x]) } }
            }
            for y in 0..<height {
                for (x, taps) in columnWeights.enumerated() {
                    var sum = 0.0
                    for (j, weight) in taps { sum += weight * rows[y * w + j] }
                    out.scalars[(p * height + y) * width + x] = Float(sum)
                }
            }
        }
        return out
    }

    /// For each output index, the (input index, weight) taps along one axis of length `size` starting at `offset`.
    static func weights(from size: Int, to target: Int, offset: Int) -> [[(Int, Double)]] {
        if target == size { return (0..<target).map { [(offset + $0, 1.0)] } }
        let scale = Double(size) / Double(target)
        if target < size {
            return (0..<target).map { o in
                let start = Double(o) * scale, end = start + scale
                var taps: [(Int, Double)] = []
                for i in Int(start)..<min(size, Int(end.rounded(.up))) {
                    let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                    if overlap > 1e-12 { taps.append((offset + i, overlap / scale)) }
                }
                return taps
            }
        }
        return (0..<target).map { o in
            let src = max((Double(o) + 0.5) * scale - 0.5, 0)
            let low = min(Int(src), size - 1), high = min(low + 1, size - 1)
            let fraction = src - Double(low)
            return [(offset + low, 1 - fraction), (offset + high, fraction)]
        }
    }
}
