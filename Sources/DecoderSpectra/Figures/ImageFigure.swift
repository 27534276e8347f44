/// Images themselves (decoded outputs next to their spectra, Fig. 7): a row of the batch's images, values clamped
/// to [0, 1], grey for 1 channel, RGB for 3 (other counts show their first channel).
public enum ImageFigure {
    public static func grid(_ images: Tensor<Float>, title: String, scale: Int = 0) -> Canvas {
        let (h, w) = (images.height, images.width)
        let zoom = scale > 0 ? scale : max(1, 96 / max(h, w))
        let count = min(images.batch, 8)
        var canvas = Canvas(width: 10 + count * (w * zoom + 6), height: 28 + h * zoom + 8)
        canvas.text(title, x: 10, y: 8)
        for b in 0..<count {
            let x0 = 10 + b * (w * zoom + 6)
            for y in 0..<h {
                for x in 0..<w {
                    func value(_ c: Int) -> UInt8 {
                        let channel = images.channels == 3 ? c : 0
                        let v = images[b, channel, y, x]
                        return UInt8((min(1, max(0, v.isFinite ? v : 0)) * 255).rounded())
                    }
                    canvas.fill(x: x0 + x * zoom, y: 24 + y * zoom, width: zoom, height: zoom, colour: (value(0), value(1), value(2)))
                }
            }
        }
        return canvas
    }
}
