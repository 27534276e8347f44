import DecoderSpectra
import Foundation
import Testing

/// Colour maps, heatmaps and the PNG writer.
@Suite struct FigureTests {
    /// End points and midpoint against matplotlib's tables (#440154, #21918c, #fde725; #000004, #b73779, #fcfdbf):
    /// the polynomial fits are within 5 levels of 255 (their documented accuracy).
    @Test func colormapsMatchMatplotlib() {
        let references: [(Colormap, Double, (Int, Int, Int))] = [
            (.viridis, 0, (68, 1, 84)), (.viridis, 0.5, (33, 145, 140)), (.viridis, 1, (253, 231, 37)),
            (.magma, 0, (0, 0, 4)), (.magma, 0.5, (183, 55, 121)), (.magma, 1, (252, 253, 191)),
        ]
        for (map, t, expected) in references {
            let c = map.colour(at: t)
            #expect(abs(Int(c.0) - expected.0) <= 5 && abs(Int(c.1) - expected.1) <= 5 && abs(Int(c.2) - expected.2) <= 5,
                    "\(map) at \(t): \(c)")
        }
    }

    /// A shared log range gives equal values the same colour in two figures (one scale per comparison).
    @Test func sharedRangeMakesColoursComparable() {
        let a = [100.0, 1, 1, 1], b = [100.0, 10, 10, 10]
        let range = SpectrumFigure.sharedLogRange([a, b])
        let fa = SpectrumFigure.heatmap(magnitudes: a, rows: 2, columns: 2, title: "A", logRange: range)
        let fb = SpectrumFigure.heatmap(magnitudes: b, rows: 2, columns: 2, title: "B", logRange: range)
        // The centred DC cell (clamped to the second-largest value: 1 in a, 10 in b) differs; the [0,1] cells too.
        func pixel(_ c: Canvas, _ x: Int, _ y: Int) -> [UInt8] { Array(c.pixels[((y * c.width) + x) * 3..<((y * c.width) + x) * 3 + 3]) }
        #expect(fa.width == fb.width && fa.height == fb.height)
        #expect(pixel(fa, 20, 30) != pixel(fb, 20, 30))
        let same = SpectrumFigure.heatmap(magnitudes: b, rows: 2, columns: 2, title: "B", logRange: range)
        #expect(same.pixels == fb.pixels)
    }

    /// The DC clamp is for display only: the map given to the figure is not changed, and the written PNG reads back.
    @Test func heatmapWritesAReadablePNG() throws {
        var generator = SeededGenerator(seed: 3)
        let map = (0..<64).map { _ in abs(generator.nextNormal()) + 0.01 }
        let canvas = SpectrumFigure.heatmap(magnitudes: map, rows: 8, columns: 8, title: "TEST")
        let url = temporaryFolder().appendingPathComponent("h.png")
        try canvas.writePNG(to: url)
        let back = try PNGImage.read(url)
        #expect(back.height == canvas.height && back.width == canvas.width)
        #expect(back.scalars.map { UInt8(($0 * 255).rounded()) } == reorderToPlanes(canvas))
    }

    private func reorderToPlanes(_ canvas: Canvas) -> [UInt8] {
        var planes = [UInt8](repeating: 0, count: canvas.pixels.count)
        let n = canvas.width * canvas.height
        for i in 0..<n { for c in 0..<3 { planes[c * n + i] = canvas.pixels[i * 3 + c] } }
        return planes
    }
}
