import SpectraCore

/// Images themselves (decoded outputs next to their spectra, Fig. 7): a row of the batch's images (at most 8), values
/// clamped to [0, 1], grey for 1 channel, RGB for 3 (other counts show their first channel).
public enum ImageFigure {
    public static func grid(_ images: Tensor<Float>, title: String) -> Figure {
        let (h, w) = (images.height, images.width)
        let count = min(images.batch, 8)
        let side = 96.0
        let (cellW, cellH) =
            h >= w ? (side * Double(w) / Double(max(h, 1)), side) : (side, side * Double(h) / Double(max(w, 1)))
        let figure = Figure(width: max(200, 10 + Double(count) * (cellW + 6)), height: 30 + cellH + 10)
        figure.text(
            figure.fitting(title, width: figure.width - 16, size: 10, bold: true), x: 8, y: 16, size: 10, bold: true)
        for b in 0..<count {
            var colours: [Figure.Colour] = []
            colours.reserveCapacity(h * w)
            for y in 0..<h {
                for x in 0..<w {
                    func value(_ c: Int) -> Double {
                        let v = Double(images[b, images.channels == 3 ? c : 0, y, x])
                        return min(1, max(0, v.isFinite ? v : 0))
                    }
                    colours.append((value(0), value(1), value(2)))
                }
            }
            figure.raster(
                colours, rows: h, columns: w, x: 10 + Double(b) * (cellW + 6), y: 26, width: cellW, height: cellH)
        }
        return figure
    }
}
